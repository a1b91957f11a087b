"""Booking: self-fulfilled orders → shipments at a courier (issue 20 §2 "Create").

``shipments_book`` checks each order (open, shipped by the merchant, not already shipped, an
address a courier can deliver to), asks the courier whether it serves each pincode for the
order's payment mode, books the rest in one call per ``BOOK_BATCH`` orders and records a
``Shipment`` per AWB. Every order the courier refuses or that cannot be shipped is reported
with its reason; the others are booked (a bad order never stops the batch).

The package weight is the sum of the lines' variant weights (``Variant.weight_grams`` × units);
a line whose variant has no weight counts ``SHIPMENT_DEFAULT_UNIT_GRAMS``. Variants carry no
dimensions yet, so the box is the account's ``box_cm`` setting (length, breadth, height) or
``SHIPMENT_DEFAULT_BOX_CM``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.db.models import Prefetch

from integrations.dto import (
    ConsigneeDTO,
    OrderStatus,
    PaymentMethod,
    ShipmentRequestDTO,
    ShipmentStatus,
)
from integrations.services.accounts import build_connector
from orders.models import Order, OrderItem
from shipments.models import Shipment
from shipments.services.fulfilment import shipments_fulfil_queue

BOOK_BATCH = 50  # orders per create call
# Confirmed (COD accepted or prepaid captured) and partly shipped orders; a pending one waits
# for its payment.
SHIPPABLE = frozenset({OrderStatus.CONFIRMED, OrderStatus.PARTIALLY_SHIPPED})


@dataclass(slots=True)
class Booking:
    """What ``shipments_book`` did: the ``shipments`` created and, per order id that was not
    booked, the reason (``refused``)."""

    shipments: list[Shipment] = field(default_factory=list)
    refused: dict[int, str] = field(default_factory=dict)


def _reason_not_shippable(order: Order, shipped: set[int]) -> str:
    if order.fulfilled_by_channel:
        return "The channel ships this order itself."
    if order.status not in SHIPPABLE:
        return f"The order is {order.get_status_display().lower()}, not ready to ship."
    if order.unfulfillable:
        return "The order is waiting for stock (backorder)."
    if order.pk in shipped:
        return "The order already has a shipment."
    missing = [
        label
        for label, value in (
            ("address", order.ship_address1),
            ("pincode", order.ship_pincode),
            ("phone", order.ship_phone or order.customer_phone),
        )
        if not value
    ]
    if missing:
        return f"The shipping address has no {', '.join(missing)}."
    return ""


def _weight_grams(order: Order) -> int:
    default = settings.SHIPMENT_DEFAULT_UNIT_GRAMS
    return sum(
        (item.variant.weight_grams if item.variant and item.variant.weight_grams else default)
        * max(item.current_quantity or item.quantity, 0)
        for item in order.items.all()
    )


def shipment_request(order: Order, *, pickup_location: str, box_cm) -> ShipmentRequestDTO:
    """The courier's view of ``order``: consignee, COD amount (the order total for COD, else
    0), weight in grams, the box in centimetres and a description of its lines."""
    items = list(order.items.all())
    units = sum(max(i.current_quantity or i.quantity, 0) for i in items)
    length, breadth, height = (Decimal(str(v)) for v in box_cm)
    cod = order.payment_method == PaymentMethod.COD
    return ShipmentRequestDTO(
        reference=(order.order_number or order.external_id)[:50],
        consignee=ConsigneeDTO(
            name=order.ship_name or order.customer_name,
            address=", ".join(p for p in (order.ship_address1, order.ship_address2) if p),
            city=order.ship_city,
            state=order.ship_state,
            pincode=order.ship_pincode,
            phone=order.ship_phone or order.customer_phone,
        ),
        payment_method=order.payment_method or PaymentMethod.PREPAID,
        cod_amount=order.total if cod else Decimal("0"),
        total_amount=order.total,
        weight_grams=_weight_grams(order),
        length_cm=length,
        breadth_cm=breadth,
        height_cm=height,
        products_desc=", ".join(i.title or i.sku for i in items)[:200],
        quantity=units,
        pickup_location=pickup_location,
    )


def shipments_book(*, account, orders: Sequence[Order]) -> Booking:
    """Book ``orders`` (of ``account``'s merchant) with the courier ``account``. Returns a
    ``Booking``; raises ``ConnectorError`` only when the courier cannot be reached at all (then
    nothing is recorded for the batch that failed, and batches before it stay booked)."""
    booking = Booking()
    orders = list(
        Order.objects.filter(merchant_id=account.merchant_id, pk__in=[o.pk for o in orders])
        .prefetch_related(
            Prefetch("items", queryset=OrderItem.objects.select_related("variant").order_by("pk"))
        )
        .order_by("pk")
    )
    shipped = set(
        Shipment.objects.filter(order__in=orders)
        .exclude(status=ShipmentStatus.CANCELLED)
        .values_list("order_id", flat=True)
    )
    wanted = []
    for order in orders:
        reason = _reason_not_shippable(order, shipped)
        if reason:
            booking.refused[order.pk] = reason
        else:
            wanted.append(order)
    if not wanted:
        return booking
    connector = build_connector(account)
    served = {s.pincode: s for s in connector.check_serviceability(
        sorted({o.ship_pincode for o in wanted}))}  # fmt: skip
    ready = []
    for order in wanted:
        place = served.get(order.ship_pincode)
        cod = order.payment_method == PaymentMethod.COD
        if place is None or not place.serviceable or not (place.cod if cod else place.prepaid):
            mode = "COD" if cod else "prepaid"
            booking.refused[order.pk] = (
                f"{account.display_name or account.provider} does not deliver {mode} orders "
                f"to pincode {order.ship_pincode}."
            )
        else:
            ready.append(order)
    pickup = (account.settings or {}).get("pickup_location", "")
    box = (account.settings or {}).get("box_cm") or settings.SHIPMENT_DEFAULT_BOX_CM
    for start in range(0, len(ready), BOOK_BATCH):
        batch = ready[start : start + BOOK_BATCH]
        requests = [shipment_request(o, pickup_location=pickup, box_cm=box) for o in batch]
        answers = connector.book_shipments(requests)
        with transaction.atomic():
            for order, request, answer in zip(batch, requests, answers, strict=True):
                if not answer.ok:
                    booking.refused[order.pk] = answer.error or "Refused by the courier."
                    continue
                booking.shipments.append(
                    Shipment.objects.create(
                        merchant_id=order.merchant_id,
                        order=order,
                        account=account,
                        awb=answer.awb,
                        courier_name=answer.courier_name or account.display_name,
                        pickup_location=pickup,
                        payment_method=request.payment_method,
                        cod_amount=request.cod_amount,
                        weight_grams=request.weight_grams,
                        length_cm=request.length_cm,
                        breadth_cm=request.breadth_cm,
                        height_cm=request.height_cm,
                    )
                )
    if booking.shipments:
        shipments_fulfil_queue(shipment_ids=[s.pk for s in booking.shipments])
    return booking
