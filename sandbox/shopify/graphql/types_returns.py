"""Resolvers of ``Return`` and ``ReturnLineItem``, ``Order.returns`` / ``Order.returnStatus``
and ``Refund.return`` (shopify.dev/docs/api/admin-graphql/2025-01/objects/Return), over the
``SandboxReturn`` rows ``sandbox.shopify.returns`` keeps.

Simulated: a return's id, name, status, total quantity, order, line items (each a
``ReturnLineItem`` of a shipped fulfillment line, with its reason and the units refunded so
far), its refunds and the reason it was declined. A ``Return`` needs the ``read_returns`` access
scope (shopify.dev objects/Return: "Requires ``read_returns`` access scope or
``read_marketplace_returns`` access scope"). An approved return's reverse fulfillment order
(``ReverseFulfillmentOrder``: status, order, lines with their fulfillment line, total quantity
and dispositions) is, and can be read by id (``reverseFulfillmentOrder``, ``node``); its reverse
deliveries are empty. Exchanges, return shipping fees and suggested refunds are not
(``SANDBOX_NOT_IMPLEMENTED`` or empty).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sandbox.shopify.graphql.context import RETURNS_SCOPE, require_scope
from sandbox.shopify.graphql.pagination import paginate_list
from sandbox.shopify.ids import gid
from sandbox.shopify.models import (
    SandboxOrder,
    SandboxRefundLineItem,
    SandboxReturn,
    SandboxReturnLineItem,
    SandboxReverseDisposition,
    SandboxReverseFulfillmentOrder,
    SandboxReverseFulfillmentOrderLineItem,
)
from sandbox.shopify.returns import order_return_status, reverse_status

Resolver = Callable[..., Any]


def returns_of(order: SandboxOrder) -> list[SandboxReturn]:
    """The order's returns, oldest first, each with its lines (fulfillment line and line item
    loaded) in ``loaded_lines`` and each line's refunded units in ``refunded_units``: three
    queries."""
    returns = list(SandboxReturn.objects.filter(order=order).select_related("order"))
    lines = (
        SandboxReturnLineItem.objects.filter(return_request__in=returns)
        .select_related("fulfillment_line_item__line_item__order", "return_request")
        .order_by("id")
    )
    refunded: dict[tuple[int, int], int] = {}
    for return_id, line_item_id, units in SandboxRefundLineItem.objects.filter(
        refund__return_request__in=returns
    ).values_list("refund__return_request_id", "line_item_id", "quantity"):
        refunded[(return_id, line_item_id)] = refunded.get((return_id, line_item_id), 0) + units
    by_return: dict[int, list[SandboxReturnLineItem]] = {}
    for line in lines:
        key = (line.return_request_id, line.fulfillment_line_item.line_item_id)
        line.refunded_units = min(refunded.get(key, 0), line.quantity)
        by_return.setdefault(line.return_request_id, []).append(line)
    for ret in returns:
        ret.loaded_lines = by_return.get(ret.id, [])
    return returns


def _lines(ret: SandboxReturn) -> list[SandboxReturnLineItem]:
    """``ret``'s lines as ``returns_of`` loads them (a return reached through
    ``Refund.return`` is loaded with its order's returns)."""
    loaded = getattr(ret, "loaded_lines", None)
    if loaded is not None:
        return loaded
    return next(r.loaded_lines for r in returns_of(ret.order) if r.id == ret.id)


def _refunded(line: SandboxReturnLineItem) -> int:
    """Units of the line's line item refunded by the return's refunds (capped at the line)."""
    return line.refunded_units


RETURN: dict[str, Resolver] = {
    "id": lambda r, info: gid("Return", r.id),
    "name": lambda r, info: r.name,
    "status": lambda r, info: r.status,
    "order": lambda r, info: r.order,
    "totalQuantity": lambda r, info: sum(line.quantity for line in _lines(r)),
    "returnLineItems": lambda r, info, **args: paginate_list(info, _lines(r), args),
    "refunds": lambda r, info, **args: paginate_list(
        info, list(r.refunds.select_related("order").order_by("created_at", "id")), args
    ),
    "decline": lambda r, info: (
        {"reason": r.decline_reason, "note": None} if r.status == "DECLINED" else None
    ),
    "reverseFulfillmentOrders": lambda r, info, **args: paginate_list(
        info, list(SandboxReverseFulfillmentOrder.objects.filter(return_request=r)), args
    ),
    "returnShippingFees": lambda r, info: [],
    "exchangeLineItems": lambda r, info, **args: paginate_list(info, [], args),
}

RETURN_LINE_ITEM: dict[str, Resolver] = {
    "id": lambda line, info: gid("ReturnLineItem", line.id),
    "quantity": lambda line, info: line.quantity,
    "refundedQuantity": lambda line, info: _refunded(line),
    "refundableQuantity": lambda line, info: line.quantity - _refunded(line),
    "returnReason": lambda line, info: line.return_reason,
    "returnReasonNote": lambda line, info: line.return_reason_note,
    "customerNote": lambda line, info: None,
    "fulfillmentLineItem": lambda line, info: line.fulfillment_line_item,
}


def _reverse_lines(reverse: SandboxReverseFulfillmentOrder):
    return list(
        reverse.line_items.select_related(
            "return_line_item__fulfillment_line_item__line_item__order"
        ).prefetch_related("dispositions__location")
    )


REVERSE_FULFILLMENT_ORDER: dict[str, Resolver] = {
    "id": lambda rfo, info: gid("ReverseFulfillmentOrder", rfo.id),
    "status": lambda rfo, info: reverse_status(rfo.return_request, rfo),
    "order": lambda rfo, info: rfo.return_request.order,
    "lineItems": lambda rfo, info, **args: paginate_list(info, _reverse_lines(rfo), args),
    "reverseDeliveries": lambda rfo, info, **args: paginate_list(info, [], args),
    "thirdPartyConfirmation": lambda rfo, info: None,
}

REVERSE_FULFILLMENT_ORDER_LINE_ITEM: dict[str, Resolver] = {
    "id": lambda line, info: gid("ReverseFulfillmentOrderLineItem", line.id),
    "totalQuantity": lambda line, info: line.return_line_item.quantity,
    "fulfillmentLineItem": lambda line, info: line.return_line_item.fulfillment_line_item,
    "dispositions": lambda line, info: list(line.dispositions.all()),
}

REVERSE_DISPOSITION: dict[str, Resolver] = {
    "id": lambda d, info: gid("ReverseFulfillmentOrderDisposition", d.id),
    "quantity": lambda d, info: d.quantity,
    "type": lambda d, info: d.type,
    "location": lambda d, info: d.location,
}


# Merged into ``types_orders.ORDER`` (one resolver table per type).
def _order_returns(order: SandboxOrder, info, **args):
    require_scope(info, RETURNS_SCOPE)
    return paginate_list(info, returns_of(order), args)


ORDER_FIELDS: dict[str, Resolver] = {
    "returns": _order_returns,
    "returnStatus": lambda o, info: order_return_status(o),
}

RESOLVERS: dict[str, dict[str, Resolver]] = {
    "Return": RETURN,
    "ReturnLineItem": RETURN_LINE_ITEM,
    "ReverseFulfillmentOrder": REVERSE_FULFILLMENT_ORDER,
    "ReverseFulfillmentOrderLineItem": REVERSE_FULFILLMENT_ORDER_LINE_ITEM,
    "ReverseFulfillmentOrderDisposition": REVERSE_DISPOSITION,
}

TYPE_NAMES: dict[type, str] = {
    SandboxReturn: "Return",
    SandboxReturnLineItem: "ReturnLineItem",
    SandboxReverseFulfillmentOrder: "ReverseFulfillmentOrder",
    SandboxReverseFulfillmentOrderLineItem: "ReverseFulfillmentOrderLineItem",
    SandboxReverseDisposition: "ReverseFulfillmentOrderDisposition",
}
