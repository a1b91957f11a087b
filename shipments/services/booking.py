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
from integrations.http import ConnectorError
from integrations.services.accounts import build_connector
from orders.models import Order, OrderItem
from shipments.models import OrderRtoRisk, Shipment
from shipments.selectors import courier_accounts
from shipments.services.charges import shipments_charges_queue
from shipments.services.fulfilment import shipments_fulfil_queue
from shipments.services.package import order_weight_grams
from shipments.services.risk import rto_risk_compute
from shipments.services.rules import Route, courier_routes, merchant_rules, no_route_reason

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
    # By the rules: per booked order id, which courier took it and why.
    routes: dict[int, str] = field(default_factory=dict)


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


def shipment_request(
    order: Order, *, pickup_location: str, box_cm, courier_hint: str | None = None
) -> ShipmentRequestDTO:
    """The courier's view of ``order``: consignee, COD amount (the order total for COD, else
    0), weight in grams, the box in centimetres, a description of its lines and the courier
    to ask an aggregator for (``courier_hint``, a rule's)."""
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
        weight_grams=order_weight_grams(order),
        length_cm=length,
        breadth_cm=breadth,
        height_cm=height,
        products_desc=", ".join(i.title or i.sku for i in items)[:200],
        quantity=units,
        pickup_location=pickup_location,
        courier_hint=courier_hint or "",
    )


def _not_served_reason(account, order: Order, place) -> str:
    """Why ``account`` cannot take ``order`` by its serviceability answer ("" if it can)."""
    cod = order.payment_method == PaymentMethod.COD
    if place is None or not place.serviceable or not (place.cod if cod else place.prepaid):
        mode = "COD" if cod else "prepaid"
        return (
            f"{account.display_name or account.provider} does not deliver {mode} orders "
            f"to pincode {order.ship_pincode}."
        )
    return ""


def _load(merchant_id: int, orders: Sequence[Order], booking: Booking) -> list[Order]:
    """The merchant's ``orders`` with their lines, refusing those that cannot be shipped."""
    loaded = list(
        Order.objects.filter(merchant_id=merchant_id, pk__in=[o.pk for o in orders])
        .select_related("merchant")
        .prefetch_related(
            Prefetch("items", queryset=OrderItem.objects.select_related("variant").order_by("pk"))
        )
        .order_by("pk")
    )
    shipped = set(
        Shipment.objects.filter(order__in=loaded)
        .exclude(status=ShipmentStatus.CANCELLED)
        .values_list("order_id", flat=True)
    )
    wanted = []
    for order in loaded:
        reason = _reason_not_shippable(order, shipped)
        if reason:
            booking.refused[order.pk] = reason
        else:
            wanted.append(order)
    return wanted


def shipments_book(*, account=None, orders: Sequence[Order]) -> Booking:
    """Book ``orders`` with the courier ``account`` (of their merchant), or, without one, each
    with the courier its merchant's rules choose (``shipments.services.rules``; falling to the
    next matching courier when one does not serve the pincode). Returns a ``Booking``; with an
    ``account`` it raises ``ConnectorError`` only when the courier cannot be reached at all
    (then nothing is recorded for the batch that failed, and batches before it stay booked);
    by the rules an unreachable courier refuses its orders with the error instead.

    After the booking the forward and RTO freight of the new shipments is quoted in the
    background (``shipments.services.charges``)."""
    if account is None:
        return _book_by_rules(orders)
    booking = Booking()
    wanted = _load(account.merchant_id, orders, booking)
    if not wanted:
        return booking
    connector = build_connector(account)
    served = {s.pincode: s for s in connector.check_serviceability(
        sorted({o.ship_pincode for o in wanted}))}  # fmt: skip
    ready = []
    for order in wanted:
        reason = _not_served_reason(account, order, served.get(order.ship_pincode))
        if reason:
            booking.refused[order.pk] = reason
        else:
            ready.append(order)
    _book_ready(account, connector, ready, booking, hints={})
    return booking


def _book_ready(account, connector, ready: list[Order], booking: Booking, *, hints) -> None:
    """Book ``ready`` (checked and served) with ``account``; ``hints`` is ``{order pk:
    courier hint}``. Raises ``ConnectorError`` as ``shipments_book``."""
    if not ready:
        return
    pickup = (account.settings or {}).get("pickup_location", "")
    box = (account.settings or {}).get("box_cm") or settings.SHIPMENT_DEFAULT_BOX_CM
    made: list[Shipment] = []
    try:
        _book_chunks(account, connector, ready, booking, made, pickup=pickup, box=box, hints=hints)
    finally:
        # Booked before a failed call: they exist at the courier, so they are followed up.
        booking.shipments.extend(made)
        if made:
            ids = [s.pk for s in made]
            shipments_fulfil_queue(shipment_ids=ids)
            if (account.settings or {}).get("pickup_pincode"):
                shipments_charges_queue(shipment_ids=ids)


def _book_chunks(account, connector, ready, booking, made, *, pickup, box, hints) -> None:
    """One create call per ``BOOK_BATCH`` orders; each chunk's rows are written in one
    transaction and added to ``made`` once it commits."""
    for start in range(0, len(ready), BOOK_BATCH):
        batch = ready[start : start + BOOK_BATCH]
        requests = [
            shipment_request(o, pickup_location=pickup, box_cm=box, courier_hint=hints.get(o.pk))
            for o in batch
        ]
        answers = connector.book_shipments(requests)
        rows: list[Shipment] = []
        with transaction.atomic():
            for order, request, answer in zip(batch, requests, answers, strict=True):
                if not answer.ok:
                    booking.refused[order.pk] = answer.error or "Refused by the courier."
                    continue
                rows.append(
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
        made.extend(rows)  # committed with the chunk


def _book_by_rules(orders: Sequence[Order]) -> Booking:
    """``shipments_book`` without an account: route each order by the rules, ask each
    candidate courier (one serviceability call per courier and round) and book each courier's
    orders with it."""
    booking = Booking()
    if not orders:
        return booking
    merchant_id = orders[0].merchant_id
    wanted = _load(merchant_id, orders, booking)
    if not wanted:
        return booking
    rules = merchant_rules(merchant_id)
    accounts = list(courier_accounts(merchant=wanted[0].merchant))
    risks: dict[int, int] = {}
    if any(r.max_risk_score is not None for r in rules):
        # Score the unscored COD orders in one pass (not one by one inside the rules).
        risks = dict(OrderRtoRisk.objects.filter(order__in=wanted).values_list("order_id", "score"))
        missing = [o for o in wanted if o.payment_method == PaymentMethod.COD and o.pk not in risks]
        risks.update({pk: r.score for pk, r in rto_risk_compute(orders=missing).items()})
    pending: dict[int, list[Route]] = {}
    for order in wanted:
        routes = courier_routes(
            order, rules=rules, accounts=accounts, risk_score=risks.get(order.pk, 0)
        )
        if routes:
            pending[order.pk] = routes
        else:
            booking.refused[order.pk] = no_route_reason(order)
    by_pk = {o.pk: o for o in wanted}
    connectors: dict[int, object] = {}
    answers: dict[int, dict[str, object]] = {}  # account pk → {pincode: ServiceabilityDTO}
    reasons: dict[int, list[str]] = {pk: [] for pk in pending}
    chosen: dict[int, Route] = {}
    while pending:
        by_account: dict[int, list[int]] = {}
        for pk, routes in pending.items():
            by_account.setdefault(routes[0].account.pk, []).append(pk)
        for account_pk, pks in by_account.items():
            account = pending[pks[0]][0].account
            pins = sorted({by_pk[pk].ship_pincode for pk in pks} - set(answers.get(account_pk, {})))
            error = ""
            try:
                connector = connectors.get(account_pk) or build_connector(account)
                connectors[account_pk] = connector
                if pins:
                    served = connector.check_serviceability(pins)
                    answers.setdefault(account_pk, {}).update({s.pincode: s for s in served})
            except ConnectorError as exc:
                error = f"{account.display_name or account.provider} could not be reached: {exc}"
            for pk in pks:
                route = pending[pk].pop(0)
                reason = error or _not_served_reason(
                    account, by_pk[pk], answers.get(account_pk, {}).get(by_pk[pk].ship_pincode)
                )
                if not reason:
                    chosen[pk] = route
                    del pending[pk]
                    continue
                reasons[pk].append(reason)
                if not pending[pk]:
                    del pending[pk]
                    booking.refused[pk] = " ".join(reasons[pk])
    groups: dict[int, list[Order]] = {}
    for pk, route in chosen.items():
        groups.setdefault(route.account.pk, []).append(by_pk[pk])
        booking.routes[pk] = " ".join([*reasons[pk], route.explanation])
    for account_pk, group in groups.items():
        account = chosen[group[0].pk].account
        hints = {o.pk: chosen[o.pk].courier_hint for o in group}
        try:
            _book_ready(account, connectors[account_pk], group, booking, hints=hints)
        except ConnectorError as exc:
            booked = {s.order_id for s in booking.shipments}
            for order in group:
                if order.pk not in booked and order.pk not in booking.refused:
                    booking.refused[order.pk] = f"The courier could not be reached: {exc}"
                    booking.routes.pop(order.pk, None)
    return booking
