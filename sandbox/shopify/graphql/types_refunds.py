"""Resolvers of ``Refund``, ``RefundLineItem``, ``Fulfillment``, ``FulfillmentLineItem`` and
``FulfillmentEvent`` (``sandbox.shopify.fulfillment_events``), and
the ``Order.refunds`` / ``Order.fulfillments`` lists (shopify.dev/docs/api/admin-graphql/2025-01/
objects/Refund and objects/Fulfillment).

They read the same ``SandboxRefund`` rows the ``refunds/create`` payload is built from, so a
refund says the same over GraphQL as in its webhook: the same ids, quantities and restock
types (``RefundLineItemRestockType`` ``RETURN``/``CANCEL``/``NO_RESTOCK`` where the webhook says
``return``/``cancel``/``no_restock``), the same location and amounts. Refunds never change, so
``updatedAt`` is ``createdAt``. ``Refund.return`` is the Shopify return the refund was made for
(``types_returns``).
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from django.db.models import Prefetch

from sandbox.kernel.formats import iso_utc, money_bag
from sandbox.shopify import fulfillment_events
from sandbox.shopify.graphql.context import RETURNS_SCOPE, require_scope
from sandbox.shopify.graphql.pagination import paginate_list
from sandbox.shopify.ids import gid
from sandbox.shopify.models import (
    SandboxFulfillment,
    SandboxFulfillmentEvent,
    SandboxFulfillmentLineItem,
    SandboxOrder,
    SandboxRefund,
    SandboxRefundLineItem,
)

Resolver = Callable[..., Any]
# ``RefundLineItem.restocked``: units put back into stock (not the case for ``no_restock``).
RESTOCKING_TYPES = frozenset({"return", "cancel", "legacy_restock"})


def _first(items: list[Any], first: int | None) -> list[Any]:
    """A list field's ``first`` argument: "Truncate the array result to this size"."""
    return items[:first] if first is not None else items


def refunds_of(order: SandboxOrder) -> list[SandboxRefund]:
    """The order's refunds, oldest first, each with its lines (line item and location loaded)
    in ``loaded_lines``: two queries."""
    lines = SandboxRefundLineItem.objects.select_related("line_item__order", "location")
    return list(
        SandboxRefund.objects.filter(order=order)
        .select_related("order")
        .prefetch_related(Prefetch("line_items", queryset=lines, to_attr="loaded_lines"))
        .order_by("created_at", "id")
    )


def fulfillments_of(order: SandboxOrder) -> list[SandboxFulfillment]:
    """The order's fulfillments, oldest first, with their lines in ``loaded_lines``."""
    lines = SandboxFulfillmentLineItem.objects.select_related("line_item__order")
    return list(
        SandboxFulfillment.objects.filter(order=order)
        .select_related("order")
        .prefetch_related(Prefetch("line_items", queryset=lines, to_attr="loaded_lines"))
        .order_by("created_at", "id")
    )


def _lines(record: SandboxRefund | SandboxFulfillment) -> list[Any]:
    loaded = getattr(record, "loaded_lines", None)
    if loaded is not None:
        return loaded
    return list(record.line_items.select_related("line_item__order").order_by("id"))


def _currency(line: SandboxRefundLineItem | SandboxFulfillmentLineItem) -> str:
    return line.line_item.order.currency


def _refund_bag(amount: Callable[[SandboxRefundLineItem], Decimal]) -> Resolver:
    return lambda line, info: money_bag(amount(line), _currency(line))


REFUND: dict[str, Resolver] = {
    "id": lambda r, info: gid("Refund", r.id),
    "legacyResourceId": lambda r, info: str(r.id),
    "createdAt": lambda r, info: iso_utc(r.created_at),
    "updatedAt": lambda r, info: iso_utc(r.created_at),
    "note": lambda r, info: r.note or None,
    "order": lambda r, info: r.order,
    "return": lambda r, info: _linked_return(r, info),
    "duties": lambda r, info: [],
    "totalRefundedSet": lambda r, info: money_bag(r.amount, r.order.currency),
    "refundLineItems": lambda r, info, **args: paginate_list(info, _lines(r), args),
    "refundShippingLines": lambda r, info, **args: paginate_list(info, [], args),
    "orderAdjustments": lambda r, info, **args: paginate_list(info, [], args),
}

REFUND_LINE_ITEM: dict[str, Resolver] = {
    "id": lambda line, info: gid("RefundLineItem", line.id),
    "quantity": lambda line, info: line.quantity,
    "restockType": lambda line, info: line.restock_type.upper(),
    "restocked": lambda line, info: line.restock_type in RESTOCKING_TYPES,
    "location": lambda line, info: line.location,
    "lineItem": lambda line, info: line.line_item,
    "priceSet": _refund_bag(lambda line: line.line_item.price),
    "subtotalSet": _refund_bag(lambda line: line.subtotal),
    "totalTaxSet": _refund_bag(lambda line: line.total_tax),
}

FULFILLMENT: dict[str, Resolver] = {
    "id": lambda f, info: gid("Fulfillment", f.id),
    "legacyResourceId": lambda f, info: str(f.id),
    "createdAt": lambda f, info: iso_utc(f.created_at),
    "updatedAt": lambda f, info: iso_utc(f.updated_at),
    "status": lambda f, info: f.status,
    "order": lambda f, info: f.order,
    "requiresShipping": lambda f, info: True,
    "totalQuantity": lambda f, info: sum(line.quantity for line in _lines(f)),
    "fulfillmentLineItems": lambda f, info, **args: paginate_list(info, _lines(f), args),
    "name": lambda f, info: _fulfillment_name(f),
    "displayStatus": lambda f, info: fulfillment_events.display_status(f),
    "trackingInfo": lambda f, info, first=None: _first(_tracking_info(f), first),
    "inTransitAt": lambda f, info: iso_utc(fulfillment_events.in_transit_at(f)),
    "deliveredAt": lambda f, info: iso_utc(fulfillment_events.delivered_at(f)),
    "estimatedDeliveryAt": lambda f, info: iso_utc(fulfillment_events.estimated_delivery_at(f)),
    "events": lambda f, info, sortKey=None, **args: paginate_list(
        info, fulfillment_events.sorted_events(f, sortKey), args
    ),
}

# ``FulfillmentEvent`` (``fulfillmentEventCreate``); where it happened is not kept, so the
# place fields are not simulated.
FULFILLMENT_EVENT: dict[str, Resolver] = {
    "id": lambda e, info: gid("FulfillmentEvent", e.id),
    "status": lambda e, info: e.status,
    "happenedAt": lambda e, info: iso_utc(e.happened_at),
    "createdAt": lambda e, info: iso_utc(e.created_at),
    "estimatedDeliveryAt": lambda e, info: iso_utc(e.estimated_delivery_at),
    "message": lambda e, info: e.message or None,
}


def _fulfillment_name(fulfillment: SandboxFulfillment) -> str:
    """``#1001.1``: the order's name and the fulfillment's place among its fulfillments."""
    earlier = SandboxFulfillment.objects.filter(
        order_id=fulfillment.order_id, created_at__lte=fulfillment.created_at
    ).count()
    return f"{fulfillment.order.name}.{earlier}"


def _tracking_info(fulfillment: SandboxFulfillment) -> list[dict[str, Any]]:
    """``FulfillmentTrackingInfo``: the tracking ``fulfillmentCreate`` was given, if any."""
    if not (fulfillment.tracking_number or fulfillment.tracking_company):
        return []
    return [
        {
            "number": fulfillment.tracking_number or None,
            "company": fulfillment.tracking_company or None,
            "url": fulfillment.tracking_url or None,
        }
    ]


FULFILLMENT_LINE_ITEM: dict[str, Resolver] = {
    "id": lambda line, info: gid("FulfillmentLineItem", line.id),
    "quantity": lambda line, info: line.quantity,
    "lineItem": lambda line, info: line.line_item,
    "originalTotalSet": lambda line, info: money_bag(
        line.line_item.price * line.quantity, _currency(line)
    ),
}

# Merged into ``types_orders.ORDER`` (one resolver table per type).
ORDER_FIELDS: dict[str, Resolver] = {
    "refunds": lambda o, info, first=None: _first(refunds_of(o), first),
    "fulfillments": lambda o, info, first=None: _first(fulfillments_of(o), first),
}

RESOLVERS: dict[str, dict[str, Resolver]] = {
    "Refund": REFUND,
    "RefundLineItem": REFUND_LINE_ITEM,
    "Fulfillment": FULFILLMENT,
    "FulfillmentLineItem": FULFILLMENT_LINE_ITEM,
    "FulfillmentEvent": FULFILLMENT_EVENT,
}

TYPE_NAMES: dict[type, str] = {
    SandboxRefund: "Refund",
    SandboxRefundLineItem: "RefundLineItem",
    SandboxFulfillment: "Fulfillment",
    SandboxFulfillmentLineItem: "FulfillmentLineItem",
    SandboxFulfillmentEvent: "FulfillmentEvent",
}


def _linked_return(refund, info):
    """``Refund.return``: a ``Return``, which needs ``read_returns`` (checked only when the
    refund has one, as Shopify checks the object it would serve)."""
    if refund.return_request_id is None:
        return None
    require_scope(info, RETURNS_SCOPE)
    return refund.return_request
