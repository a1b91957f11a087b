"""Fulfillment orders of the Shopify sandbox and ``fulfillmentCreate`` (shopify.dev/docs/api/
admin-graphql/2025-01/objects/FulfillmentOrder and mutations/fulfillmentCreate).

Each order has one merchant-managed fulfillment order at the shop's primary location, with a
line per line item, made the first time it is asked for. Its status and its lines'
``remainingQuantity`` follow from the line items (``current_quantity − fulfilled_quantity``),
so a shipment made any other way (``services.fulfill_order``, a cancellation) shows on it too.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction

from sandbox.kernel import clock
from sandbox.shopify import inventory
from sandbox.shopify.ids import allocate_id, allocate_ids
from sandbox.shopify.models import (
    SandboxFulfillment,
    SandboxFulfillmentLineItem,
    SandboxFulfillmentOrder,
    SandboxFulfillmentOrderLineItem,
    SandboxLineItem,
    SandboxLocation,
    SandboxOrder,
)
from sandbox.shopify.webhooks import events
from sandbox.shopify.webhooks.delivery import emit
from sandbox.shopify.webhooks.fulfillments import fulfillment_payload

# ``FulfillmentOrderAction`` values a merchant-managed fulfillment order supports per status.
SUPPORTED_ACTIONS: dict[str, tuple[str, ...]] = {
    "OPEN": ("CREATE_FULFILLMENT", "REQUEST_FULFILLMENT", "HOLD"),
    "IN_PROGRESS": ("CREATE_FULFILLMENT", "HOLD"),
    "CLOSED": (),
}


def fulfillment_order_of(order: SandboxOrder) -> SandboxFulfillmentOrder:
    """The order's fulfillment order, made (with its lines) on first use."""
    found = SandboxFulfillmentOrder.objects.filter(order=order).first()
    if found is not None:
        return found
    items = list(SandboxLineItem.objects.filter(order=order).order_by("position", "id"))
    try:
        with transaction.atomic():
            made = SandboxFulfillmentOrder.objects.create(
                id=allocate_id("FulfillmentOrder"),
                order=order,
                location=SandboxLocation.objects.get(shop_id=order.shop_id, is_primary=True),
                created_at=order.created_at,
            )
            SandboxFulfillmentOrderLineItem.objects.bulk_create(
                SandboxFulfillmentOrderLineItem(id=line_id, fulfillment_order=made, line_item=item)
                for line_id, item in zip(
                    allocate_ids("FulfillmentOrderLineItem", len(items)), items, strict=True
                )
            )
    except IntegrityError:  # made meanwhile by another request
        return SandboxFulfillmentOrder.objects.get(order=order)
    return made


def lines_of(fulfillment_order: SandboxFulfillmentOrder) -> list[SandboxFulfillmentOrderLineItem]:
    """Its lines with their line items (and orders) loaded."""
    return list(
        fulfillment_order.line_items.select_related("line_item__order").order_by(
            "line_item__position", "id"
        )
    )


def remaining(line: SandboxFulfillmentOrderLineItem) -> int:
    """``FulfillmentOrderLineItem.remainingQuantity``: units still to ship."""
    item = line.line_item
    return max(item.current_quantity - item.fulfilled_quantity, 0)


def status_of(fulfillment_order: SandboxFulfillmentOrder) -> str:
    """``FulfillmentOrderStatus``: ``CLOSED`` once nothing is left to ship (or the order was
    cancelled), ``IN_PROGRESS`` after a partial shipment, ``OPEN`` before any."""
    order = fulfillment_order.order
    lines = lines_of(fulfillment_order)
    if order.cancelled_at is not None or not any(remaining(line) for line in lines):
        return "CLOSED"
    if any(line.line_item.fulfilled_quantity for line in lines):
        return "IN_PROGRESS"
    return "OPEN"


@dataclass(frozen=True)
class Tracking:
    """``FulfillmentTrackingInput``: the carrier's tracking number, company and URL."""

    number: str = ""
    company: str = ""
    url: str = ""


def _error(field: list[str], message: str) -> dict[str, Any]:
    return {"field": field, "message": message}


def create_fulfillment(
    order: SandboxOrder,
    requested: list[tuple[SandboxFulfillmentOrder, dict[int, int] | None]],
    tracking: Tracking,
    notify_customer: bool,
) -> tuple[SandboxFulfillment | None, list[dict[str, Any]]]:
    """Ship units of ``order``'s fulfillment orders (``fulfillmentCreate``): per fulfillment
    order, the given ``{fulfillment order line id: quantity}`` or, for None, every remaining
    unit. Records a ``SUCCESS`` fulfillment with the tracking, ships the units (``committed``
    drops at the location), moves the order to ``FULFILLED`` (closed if paid) or
    ``PARTIALLY_FULFILLED``, bumps ``updated_at`` and emits ``fulfillments/create``,
    ``orders/fulfilled`` (when fully shipped) and ``orders/updated``. Returns the fulfillment
    or ``userErrors`` (nothing changes then)."""
    with transaction.atomic():
        locked = SandboxOrder.objects.select_for_update().select_related("shop").get(pk=order.pk)
        shipped: list[tuple[SandboxLineItem, int]] = []
        for index, (fulfillment_order, quantities) in enumerate(requested):
            field = ["fulfillment", "lineItemsByFulfillmentOrder", str(index)]
            fulfillment_order.order = locked
            if status_of(fulfillment_order) not in ("OPEN", "IN_PROGRESS"):
                return None, [
                    _error(
                        [*field, "fulfillmentOrderId"],
                        "Fulfillment order is not in a fulfillable state: it is closed.",
                    )
                ]
            lines = {line.id: line for line in lines_of(fulfillment_order)}
            wanted = quantities or {line_id: remaining(lines[line_id]) for line_id in lines}
            for line_id, quantity in wanted.items():
                line = lines.get(line_id)
                if line is None:
                    return None, [
                        _error(
                            [*field, "fulfillmentOrderLineItems"],
                            "Fulfillment order line item does not exist.",
                        )
                    ]
                if quantity > remaining(line):
                    return None, [
                        _error(
                            [*field, "fulfillmentOrderLineItems"],
                            f"Invalid fulfillment order line item quantity requested: "
                            f"{quantity} is more than the {remaining(line)} remaining.",
                        )
                    ]
                if quantity > 0:
                    shipped.append((line.line_item, quantity))
        if not shipped:
            return None, [
                _error(["fulfillment"], "Line items are already fulfilled or have no quantity.")
            ]
        now = clock.after(locked.updated_at)
        location = requested[0][0].location
        items = SandboxLineItem.objects.select_related("variant__inventory_item").in_bulk(
            [item.pk for item, _ in shipped]
        )
        moves = [
            (items[item.pk].variant.inventory_item.id, location.id, 0, -units)
            for item, units in shipped
            if items[item.pk].variant
        ]
        inventory.move(inventory.lock_levels(locked.shop, [(m[0], m[1]) for m in moves]), moves)
        fulfillment = SandboxFulfillment.objects.create(
            id=allocate_id("Fulfillment"),
            order=locked,
            fulfillment_order=requested[0][0],
            created_at=now,
            updated_at=now,
            tracking_number=tracking.number,
            tracking_company=tracking.company,
            tracking_url=tracking.url,
            notify_customer=notify_customer,
        )
        SandboxFulfillmentLineItem.objects.bulk_create(
            SandboxFulfillmentLineItem(
                id=line_id, fulfillment=fulfillment, line_item=item, quantity=units
            )
            for line_id, (item, units) in zip(
                allocate_ids("FulfillmentLineItem", len(shipped)), shipped, strict=True
            )
        )
        for item, units in shipped:
            SandboxLineItem.objects.filter(pk=item.pk).update(
                fulfilled_quantity=items[item.pk].fulfilled_quantity + units
            )
        open_units = sum(
            max(i.current_quantity - i.fulfilled_quantity, 0)
            for i in SandboxLineItem.objects.filter(order=locked)
        )
        locked.fulfillment_status = "PARTIALLY_FULFILLED" if open_units else "FULFILLED"
        locked.fulfilled_at = now
        locked.updated_at = now
        if not open_units and locked.financial_status == "PAID":
            locked.closed_at = now
        locked.save()
        emit(locked.shop, "FULFILLMENTS_CREATE", fulfillment_payload(fulfillment, locked.shop))
        topics = ["ORDERS_UPDATED"] if open_units else ["ORDERS_FULFILLED", "ORDERS_UPDATED"]
        events.emit_orders(locked.shop, [locked.pk], topics, deliver=True)
    return fulfillment, []
