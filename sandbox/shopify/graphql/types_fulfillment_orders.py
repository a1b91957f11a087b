"""Resolvers of ``FulfillmentOrder``, ``FulfillmentOrderLineItem`` and the
``Order.fulfillmentOrders`` connection (shopify.dev/docs/api/admin-graphql/2025-01/objects/
FulfillmentOrder), over ``sandbox.shopify.fulfillment``.

Fulfillment orders need one of the fulfillment-order read scopes (a ``write_`` one implies
its ``read_``); without any the field answers ``ACCESS_DENIED`` naming them, as Shopify does.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from graphql import GraphQLError, GraphQLResolveInfo

from sandbox.kernel.formats import iso_utc, money_bag
from sandbox.shopify import fulfillment
from sandbox.shopify.graphql.context import ctx, not_implemented
from sandbox.shopify.graphql.pagination import paginate_list
from sandbox.shopify.ids import gid
from sandbox.shopify.models import (
    SandboxFulfillmentOrder,
    SandboxFulfillmentOrderLineItem,
    SandboxOrder,
)
from sandbox.shopify.oauth import has_scope

Resolver = Callable[..., Any]
READ_SCOPES = (
    "read_assigned_fulfillment_orders",
    "read_merchant_managed_fulfillment_orders",
    "read_third_party_fulfillment_orders",
)


def require_fulfillment_order_access(info: GraphQLResolveInfo) -> None:
    """``ACCESS_DENIED`` unless the token may read some fulfillment orders."""
    if any(has_scope(ctx(info).scope, scope) for scope in READ_SCOPES):
        return
    required = " OR ".join(f"`{scope}` access scope" for scope in READ_SCOPES)
    raise GraphQLError(
        f"Access denied for {info.field_name} field. Required access: {required}.",
        extensions={
            "code": "ACCESS_DENIED",
            "documentation": "https://shopify.dev/api/usage/access-scopes",
            "requiredAccess": f"{required}.",
        },
    )


def _fulfillment_orders(
    order: SandboxOrder, info: GraphQLResolveInfo, **args: Any
) -> dict[str, Any]:
    require_fulfillment_order_access(info)
    if args.get("query"):
        raise not_implemented("Order.fulfillmentOrders", "query")
    args.pop("displayable", None)
    found = fulfillment.fulfillment_order_of(order)
    found.order = order
    return paginate_list(info, [found], args)


def _assigned_location(fo: SandboxFulfillmentOrder, info: GraphQLResolveInfo) -> dict[str, Any]:
    location = fo.location
    return {
        "name": location.name,
        "location": location,
        "countryCode": "IN",
        "address1": None,
        "address2": None,
        "city": None,
        "province": None,
        "zip": None,
        "phone": None,
    }


def _status(fo: SandboxFulfillmentOrder) -> str:
    cached = getattr(fo, "_status", None)
    if cached is None:
        cached = fo._status = fulfillment.status_of(fo)  # type: ignore[attr-defined]
    return cached


FULFILLMENT_ORDER: dict[str, Resolver] = {
    "id": lambda fo, info: gid("FulfillmentOrder", fo.id),
    "status": lambda fo, info: _status(fo),
    "requestStatus": lambda fo, info: "UNSUBMITTED",
    "supportedActions": lambda fo, info: [
        {"action": action, "externalUrl": None}
        for action in fulfillment.SUPPORTED_ACTIONS[_status(fo)]
    ],
    "lineItems": lambda fo, info, **args: paginate_list(info, fulfillment.lines_of(fo), args),
    "order": lambda fo, info: fo.order,
    "orderId": lambda fo, info: gid("Order", fo.order_id),
    "orderName": lambda fo, info: fo.order.name,
    "orderProcessedAt": lambda fo, info: iso_utc(fo.order.processed_at),
    "createdAt": lambda fo, info: iso_utc(fo.created_at),
    "updatedAt": lambda fo, info: iso_utc(max(fo.created_at, fo.order.updated_at)),
    "assignedLocation": _assigned_location,
    "fulfillmentHolds": lambda fo, info: [],
    "fulfillments": lambda fo, info, **args: paginate_list(
        info, list(fo.fulfillments.order_by("created_at", "id")), args
    ),
}


def _item(line: SandboxFulfillmentOrderLineItem) -> Any:
    return line.line_item


FULFILLMENT_ORDER_LINE_ITEM: dict[str, Resolver] = {
    "id": lambda line, info: gid("FulfillmentOrderLineItem", line.id),
    "remainingQuantity": lambda line, info: fulfillment.remaining(line),
    "totalQuantity": lambda line, info: _item(line).current_quantity,
    "lineItem": lambda line, info: _item(line),
    "sku": lambda line, info: _item(line).sku or None,
    "productTitle": lambda line, info: _item(line).title,
    "variantTitle": lambda line, info: _item(line).variant_title or None,
    "vendor": lambda line, info: _item(line).vendor,
    "requiresShipping": lambda line, info: True,
    "warnings": lambda line, info: [],
    "originalUnitPriceSet": lambda line, info: money_bag(
        _item(line).price, _item(line).order.currency
    ),
}

# Merged into ``types_orders.ORDER`` (one resolver table per type).
ORDER_FIELDS: dict[str, Resolver] = {"fulfillmentOrders": _fulfillment_orders}

RESOLVERS: dict[str, dict[str, Resolver]] = {
    "FulfillmentOrder": FULFILLMENT_ORDER,
    "FulfillmentOrderLineItem": FULFILLMENT_ORDER_LINE_ITEM,
}

TYPE_NAMES: dict[type, str] = {
    SandboxFulfillmentOrder: "FulfillmentOrder",
    SandboxFulfillmentOrderLineItem: "FulfillmentOrderLineItem",
}
