"""``QueryRoot`` resolvers: shop, orders, products, inventory, locations, webhooks, bulk
operations and ``node``/``nodes`` (shopify.dev/docs/api/admin-graphql/2025-01/queries).

Root fields check access scopes like Shopify (``read_orders`` for orders …); ``query:``
arguments use :mod:`~sandbox.shopify.graphql.search`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from zoneinfo import ZoneInfo

from django.db.models import Q, QuerySet
from graphql import GraphQLError, GraphQLResolveInfo

from sandbox.shopify import bulk, oauth
from sandbox.shopify.graphql import search
from sandbox.shopify.graphql.context import RETURNS_SCOPE, SandboxContext, ctx, require_scope
from sandbox.shopify.graphql.pagination import BY_ID, Sort, paginate_queryset
from sandbox.shopify.ids import gid, parse_gid
from sandbox.shopify.loading import with_levels, with_line_items, with_variants
from sandbox.shopify.models import (
    SandboxBulkOperation,
    SandboxCustomer,
    SandboxFulfillment,
    SandboxInventoryItem,
    SandboxInventoryLevel,
    SandboxLineItem,
    SandboxLocation,
    SandboxOrder,
    SandboxProduct,
    SandboxRefund,
    SandboxReturn,
    SandboxReverseFulfillmentOrder,
    SandboxVariant,
    SandboxWebhookSubscription,
)

Resolver = Callable[..., Any]
DEFAULT_COUNT_LIMIT = 10000

ORDER_SORTS = {
    "PROCESSED_AT": Sort("processed_at", kind="datetime"),
    "CREATED_AT": Sort("created_at", kind="datetime"),
    "UPDATED_AT": Sort("updated_at", kind="datetime"),
    "ID": BY_ID,
    "ORDER_NUMBER": Sort("number"),
}
PRODUCT_SORTS = {
    "ID": BY_ID,
    "UPDATED_AT": Sort("updated_at", kind="datetime"),
    "CREATED_AT": Sort("created_at", kind="datetime"),
    "TITLE": Sort("title", kind="str"),
}

ORDER_SEARCH: dict[str, search.FieldFilter] = {
    "updated_at": search.datetime_filter("updated_at"),
    "created_at": search.datetime_filter("created_at"),
    "processed_at": search.datetime_filter("processed_at"),
    "id": search.number_filter("id"),
    "name": search.number_filter("number"),
    "email": search.text_filter("email"),
    "tag": search.tag_filter("tags"),
    "sku": lambda op, value, tz: Q(
        pk__in=SandboxLineItem.objects.filter(search.text_filter("sku")(op, value, tz)).values(
            "order_id"
        )
    ),
    "status": search.choice_filter(
        "status",
        {
            "open": Q(closed_at__isnull=True, cancelled_at__isnull=True),
            "closed": Q(closed_at__isnull=False),
            "cancelled": Q(cancelled_at__isnull=False),
        },
    ),
    "financial_status": search.choice_filter(
        "financial_status",
        {
            s.lower(): s
            for s in (
                "PAID",
                "PENDING",
                "REFUNDED",
                "PARTIALLY_REFUNDED",
                "VOIDED",
                "AUTHORIZED",
                "PARTIALLY_PAID",
                "EXPIRED",
            )
        },
    ),
    "fulfillment_status": search.choice_filter(
        "fulfillment_status",
        {
            "shipped": "FULFILLED",
            "fulfilled": "FULFILLED",
            "unshipped": "UNFULFILLED",
            "unfulfilled": "UNFULFILLED",
            "partial": "PARTIALLY_FULFILLED",
        },
    ),
    "": search.text_filter("email", "customer__first_name", "customer__last_name"),
}
PRODUCT_SEARCH: dict[str, search.FieldFilter] = {
    "updated_at": search.datetime_filter("updated_at"),
    "created_at": search.datetime_filter("created_at"),
    "id": search.number_filter("id"),
    "title": search.text_filter("title"),
    "handle": search.text_filter("handle"),
    "vendor": search.text_filter("vendor"),
    "product_type": search.text_filter("product_type"),
    "tag": search.tag_filter("tags"),
    "status": search.choice_filter(
        "status", {"active": "ACTIVE", "draft": "DRAFT", "archived": "ARCHIVED"}
    ),
    "sku": lambda op, value, tz: Q(
        pk__in=SandboxVariant.objects.filter(search.text_filter("sku")(op, value, tz)).values(
            "product_id"
        )
    ),
    "": search.text_filter("title"),
}
INVENTORY_ITEM_SEARCH: dict[str, search.FieldFilter] = {
    "sku": search.text_filter("variant__sku"),
    "id": search.number_filter("id"),
    "updated_at": search.datetime_filter("updated_at"),
    "created_at": search.datetime_filter("created_at"),
}


def _filtered(
    info: GraphQLResolveInfo, qs: QuerySet, fields: dict[str, search.FieldFilter], query: str | None
) -> QuerySet:
    context = ctx(info)
    warnings: list[dict[str, str]] = []
    q = search.to_q(query, fields, tz=ZoneInfo(context.shop.iana_timezone), warnings=warnings)
    if warnings:
        context.search_warnings.append(
            {"path": list(info.path.as_list()), "query": query, "warnings": warnings}
        )
    return qs.filter(q)


def _sort(sorts: dict[str, Sort], key: str | None) -> Sort:
    if key not in sorts:
        raise GraphQLError(f"Sort key {key} is not simulated by the Sangam sandbox.")
    return sorts[key]


def _count(qs: QuerySet, args: dict[str, Any]) -> dict[str, Any]:
    limit = args.get("limit", DEFAULT_COUNT_LIMIT)
    count = qs.count()
    if limit is not None and count > limit:
        return {"count": limit, "precision": "AT_LEAST"}
    return {"count": count, "precision": "EXACT"}


def _orders(root: Any, info: GraphQLResolveInfo, **args: Any) -> dict[str, Any]:
    require_scope(info, "read_orders")
    qs = _filtered(
        info, SandboxOrder.objects.filter(shop=ctx(info).shop), ORDER_SEARCH, args.get("query")
    )
    return paginate_queryset(
        info, qs, args, _sort(ORDER_SORTS, args.get("sortKey")), with_line_items
    )


def _orders_count(root: Any, info: GraphQLResolveInfo, **args: Any) -> dict[str, Any]:
    require_scope(info, "read_orders")
    qs = SandboxOrder.objects.filter(shop=ctx(info).shop)
    return _count(_filtered(info, qs, ORDER_SEARCH, args.get("query")), args)


def _products(root: Any, info: GraphQLResolveInfo, **args: Any) -> dict[str, Any]:
    require_scope(info, "read_products")
    qs = _filtered(
        info, SandboxProduct.objects.filter(shop=ctx(info).shop), PRODUCT_SEARCH, args.get("query")
    )
    return paginate_queryset(
        info, qs, args, _sort(PRODUCT_SORTS, args.get("sortKey")), with_variants
    )


def _products_count(root: Any, info: GraphQLResolveInfo, **args: Any) -> dict[str, Any]:
    require_scope(info, "read_products")
    qs = SandboxProduct.objects.filter(shop=ctx(info).shop)
    return _count(_filtered(info, qs, PRODUCT_SEARCH, args.get("query")), args)


VARIANT_SEARCH = {
    "sku": search.text_filter("sku"),
    "updated_at": search.datetime_filter("updated_at"),
}


def _product_variants_count(root: Any, info: GraphQLResolveInfo, **args: Any) -> dict[str, Any]:
    require_scope(info, "read_products")
    qs = SandboxVariant.objects.filter(shop=ctx(info).shop)
    return _count(_filtered(info, qs, VARIANT_SEARCH, args.get("query")), args)


def _product_variants(root: Any, info: GraphQLResolveInfo, **args: Any) -> dict[str, Any]:
    require_scope(info, "read_products")
    qs = SandboxVariant.objects.filter(shop=ctx(info).shop)
    qs = _filtered(info, qs, VARIANT_SEARCH, args.get("query"))
    return paginate_queryset(
        info,
        qs,
        args,
        _sort(PRODUCT_SORTS, args.get("sortKey")),
        lambda q: q.select_related("product", "inventory_item").prefetch_related(
            "inventory_item__levels"
        ),
    )


def _inventory_items(root: Any, info: GraphQLResolveInfo, **args: Any) -> dict[str, Any]:
    require_scope(info, "read_inventory")
    qs = SandboxInventoryItem.objects.filter(shop=ctx(info).shop)
    qs = _filtered(info, qs, INVENTORY_ITEM_SEARCH, args.get("query"))
    return paginate_queryset(info, qs, args, BY_ID, with_levels)


def _locations(root: Any, info: GraphQLResolveInfo, **args: Any) -> dict[str, Any]:
    require_scope(info, "read_locations")
    qs = SandboxLocation.objects.filter(shop=ctx(info).shop)
    if not args.get("includeInactive"):
        qs = qs.filter(is_active=True)
    qs = _filtered(
        info,
        qs,
        {"name": search.text_filter("name"), "": search.text_filter("name")},
        args.get("query"),
    )
    sorts = {"NAME": Sort("name", kind="str"), "ID": BY_ID}
    return paginate_queryset(info, qs, args, _sort(sorts, args.get("sortKey")))


def _webhook_subscriptions(root: Any, info: GraphQLResolveInfo, **args: Any) -> dict[str, Any]:
    context = ctx(info)
    qs = SandboxWebhookSubscription.objects.filter(shop=context.shop, app=context.app)
    if args.get("topics"):
        qs = qs.filter(topic__in=args["topics"])
    if args.get("callbackUrl"):
        qs = qs.filter(callback_url=args["callbackUrl"])
    if args.get("format"):
        qs = qs.filter(format=args["format"])
    sorts = {"CREATED_AT": Sort("created_at", kind="datetime"), "ID": BY_ID}
    return paginate_queryset(info, qs, args, _sort(sorts, args.get("sortKey")))


# Node kinds: GID type → (scope, queryset factory of the caller's records).
NODE_KINDS: dict[str, tuple[str | None, Callable[[SandboxContext], QuerySet]]] = {
    "Order": ("read_orders", lambda c: with_line_items(SandboxOrder.objects.filter(shop=c.shop))),
    "LineItem": (
        "read_orders",
        lambda c: SandboxLineItem.objects.filter(order__shop=c.shop).select_related("order"),
    ),
    "Refund": (
        "read_orders",
        lambda c: SandboxRefund.objects.filter(order__shop=c.shop).select_related("order"),
    ),
    "Return": (
        RETURNS_SCOPE,
        lambda c: SandboxReturn.objects.filter(order__shop=c.shop).select_related("order"),
    ),
    "ReverseFulfillmentOrder": (
        RETURNS_SCOPE,
        lambda c: SandboxReverseFulfillmentOrder.objects.filter(
            return_request__order__shop=c.shop
        ).select_related("return_request__order"),
    ),
    "Fulfillment": (
        "read_orders",
        lambda c: SandboxFulfillment.objects.filter(order__shop=c.shop).select_related("order"),
    ),
    "Customer": ("read_customers", lambda c: SandboxCustomer.objects.filter(shop=c.shop)),
    "Product": (
        "read_products",
        lambda c: with_variants(SandboxProduct.objects.filter(shop=c.shop)),
    ),
    "ProductVariant": (
        "read_products",
        lambda c: SandboxVariant.objects.filter(shop=c.shop).select_related(
            "product", "inventory_item"
        ),
    ),
    "InventoryItem": (
        "read_inventory",
        lambda c: with_levels(SandboxInventoryItem.objects.filter(shop=c.shop)),
    ),
    "Location": ("read_locations", lambda c: SandboxLocation.objects.filter(shop=c.shop)),
    "BulkOperation": (
        None,
        lambda c: SandboxBulkOperation.objects.filter(shop=c.shop, app=c.app).select_related(
            "shop"
        ),
    ),
    "WebhookSubscription": (
        None,
        lambda c: SandboxWebhookSubscription.objects.filter(shop=c.shop, app=c.app),
    ),
}


def find_node(info: GraphQLResolveInfo, value: str) -> Any:
    """The record a GID names, if it belongs to the caller's shop (and app, for app-owned
    resources); bulk operations are run on first poll (see :func:`bulk.ensure_run`)."""
    parsed = parse_gid(value)
    if parsed is None:
        raise GraphQLError(
            f"Invalid global id '{value}'", extensions={"code": "argumentLiteralsIncompatible"}
        )
    kind, number, params = parsed
    context = ctx(info)
    if kind == "InventoryLevel":
        require_scope(info, "read_inventory")
        item_id = params.get("inventory_item_id", "")
        return (
            SandboxInventoryLevel.objects.filter(
                location_id=number,
                item_id=int(item_id) if item_id.isdigit() else 0,
                item__shop=context.shop,
            )
            .select_related("item", "location")
            .first()
        )
    if kind not in NODE_KINDS:
        return None
    scope, queryset = NODE_KINDS[kind]
    if scope:
        require_scope(info, scope)
    record = queryset(context).filter(pk=number).first()
    if isinstance(record, SandboxBulkOperation):
        record = bulk.ensure_run(record, context)
    return record


def _current_bulk_operation(root: Any, info: GraphQLResolveInfo, type: str = "QUERY") -> Any:
    context = ctx(info)
    if type != "QUERY":
        return None
    op = (
        SandboxBulkOperation.objects.filter(shop=context.shop, app=context.app)
        .select_related("shop")
        .order_by("-created_at", "-id")
        .first()
    )
    return bulk.ensure_run(op, context) if op else None


def _current_app_installation(root: Any, info: GraphQLResolveInfo) -> dict[str, Any]:
    """``currentAppInstallation``: the asking app's installation on the shop, with the scopes
    its token was granted (``accessScopes``, as stored: a ``write_x`` grant lists only itself).
    No scope is needed to read it (shopify.dev queries/currentAppInstallation)."""
    context = ctx(info)
    handles = [h for h in context.scope.split(",") if h]
    return {
        "__typename": "AppInstallation",
        "id": gid("AppInstallation", context.app.pk),
        "accessScopes": [{"handle": h, "description": oauth.scope_description(h)} for h in handles],
    }


def _by_gid(kind: str) -> Resolver:
    def resolve(root: Any, info: GraphQLResolveInfo, id: str) -> Any:
        parsed = parse_gid(id)
        return find_node(info, id) if parsed and parsed[0] == kind else None

    return resolve


QUERY: dict[str, Resolver] = {
    "shop": lambda root, info: ctx(info).shop,
    "orders": _orders,
    "ordersCount": _orders_count,
    "order": _by_gid("Order"),
    "products": _products,
    "productsCount": _products_count,
    "product": _by_gid("Product"),
    "productVariants": _product_variants,
    "productVariantsCount": _product_variants_count,
    "productVariant": _by_gid("ProductVariant"),
    "inventoryItems": _inventory_items,
    "inventoryItem": _by_gid("InventoryItem"),
    "inventoryLevel": _by_gid("InventoryLevel"),
    "locations": _locations,
    "location": lambda root, info, id=None: (
        find_node(info, id)
        if id
        else SandboxLocation.objects.filter(shop=ctx(info).shop, is_primary=True).first()
    ),
    "customer": _by_gid("Customer"),
    "reverseFulfillmentOrder": _by_gid("ReverseFulfillmentOrder"),
    "webhookSubscriptions": _webhook_subscriptions,
    "webhookSubscription": _by_gid("WebhookSubscription"),
    "currentBulkOperation": _current_bulk_operation,
    "currentAppInstallation": _current_app_installation,
    "node": lambda root, info, id: find_node(info, id),
    "nodes": lambda root, info, ids: [find_node(info, value) for value in ids],
}

RESOLVERS: dict[str, dict[str, Resolver]] = {"QueryRoot": QUERY}
