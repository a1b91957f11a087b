"""``Mutation`` resolvers: webhook subscriptions, bulk operations, inventory quantities, order
note/tags (shopify.dev/docs/api/admin-graphql/2025-01/mutations/…). Failures are ``userErrors``
in the payload, as the Admin API reports them."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db import IntegrityError, transaction
from graphql import GraphQLError, GraphQLResolveInfo

from integrations.sandbox import bulk, clock, inventory
from integrations.sandbox.graphql.context import ctx, not_implemented, require_scope
from integrations.sandbox.ids import allocate_id, gid, parse_gid, parse_gid_of
from integrations.sandbox.models import (
    SandboxApp,
    SandboxBulkOperation,
    SandboxOrder,
    SandboxWebhookSubscription,
)
from integrations.sandbox.webhooks.events import emit_levels

Resolver = Callable[..., Any]


def _webhook_subscription_create(
    root: Any,
    info: GraphQLResolveInfo,
    topic: str,
    webhookSubscription: dict[str, Any],
) -> dict[str, Any]:
    context = ctx(info)
    data = webhookSubscription
    url = data.get("callbackUrl") or ""
    errors: list[dict[str, Any]] = []
    if not url:
        errors.append(
            {"field": ["webhookSubscription", "callbackUrl"], "message": "Address can't be blank"}
        )
    elif not url.startswith(("https://", "http://")):
        errors.append(
            {
                "field": ["webhookSubscription", "callbackUrl"],
                "message": f"Address protocol {url.split(':', 1)[0]}:// is not supported",
            }
        )
    if data.get("format", "JSON") != "JSON":
        errors.append(
            {
                "field": ["webhookSubscription", "format"],
                "message": "The Sangam sandbox only delivers JSON webhooks.",
            }
        )
    if errors:
        return {"webhookSubscription": None, "userErrors": errors}
    now = clock.now()
    try:
        with transaction.atomic():
            subscription = SandboxWebhookSubscription.objects.create(
                id=allocate_id("WebhookSubscription"),
                shop=context.shop,
                app=context.app,
                topic=topic,
                callback_url=url,
                format="JSON",
                api_version=context.api_version,
                include_fields=list(data.get("includeFields") or []),
                filter=data.get("filter") or "",
                metafield_namespaces=list(data.get("metafieldNamespaces") or []),
                created_at=now,
                updated_at=now,
            )
    except IntegrityError:
        return {
            "webhookSubscription": None,
            "userErrors": [
                {
                    "field": ["webhookSubscription", "callbackUrl"],
                    "message": "Address for this topic has already been taken",
                }
            ],
        }
    return {"webhookSubscription": subscription, "userErrors": []}


def _webhook_subscription_delete(
    root: Any,
    info: GraphQLResolveInfo,
    id: str,
) -> dict[str, Any]:
    context = ctx(info)
    number = parse_gid_of(id, "WebhookSubscription")
    deleted, _ = SandboxWebhookSubscription.objects.filter(
        shop=context.shop, app=context.app, pk=number or 0
    ).delete()
    if not deleted:
        return {
            "deletedWebhookSubscriptionId": None,
            "userErrors": [{"field": ["id"], "message": "Webhook subscription does not exist"}],
        }
    return {"deletedWebhookSubscriptionId": id, "userErrors": []}


def _bulk_operation_run_query(root: Any, info: GraphQLResolveInfo, query: str) -> dict[str, Any]:
    op, errors = bulk.start(ctx(info), query)
    return {"bulkOperation": op, "userErrors": errors}


def _bulk_operation_cancel(
    root: Any,
    info: GraphQLResolveInfo,
    id: str,
) -> dict[str, Any]:
    context = ctx(info)
    op = (
        SandboxBulkOperation.objects.filter(
            shop=context.shop, app=context.app, pk=parse_gid_of(id, "BulkOperation") or 0
        )
        .select_related("shop")
        .first()
    )
    if op is None:
        return {
            "bulkOperation": None,
            "userErrors": [{"field": ["id"], "message": "Bulk operation does not exist"}],
        }
    cancelled = SandboxBulkOperation.objects.filter(pk=op.pk, status="CREATED").update(
        status="CANCELED", completed_at=clock.now()
    )
    op.refresh_from_db()
    if not cancelled:
        return {
            "bulkOperation": op,
            "userErrors": [
                {
                    "field": None,
                    "message": "A bulk operation cannot be canceled when it is "
                    + op.status.lower(),
                }
            ],
        }
    return {"bulkOperation": op, "userErrors": []}


def _app(app: SandboxApp) -> dict[str, Any]:
    return {
        "id": gid("App", app.id),
        "title": app.title,
        "apiKey": app.api_key,
        "handle": app.title.lower().replace(" ", "-"),
        "developerName": app.title,
        "embedded": False,
    }


def _adjustment_group(
    info: GraphQLResolveInfo, changes: list[inventory.Change], data: dict[str, Any]
) -> dict[str, Any] | None:
    if not changes:
        return None

    def resolve_changes(
        info: GraphQLResolveInfo,
        inventoryItemIds: list[str] | None = None,
        locationIds: list[str] | None = None,
        quantityNames: list[str] | None = None,
    ) -> list[dict[str, Any]]:
        selected = []
        for change in changes:
            if (
                inventoryItemIds
                and gid("InventoryItem", change.level.item_id) not in inventoryItemIds
            ):
                continue
            if locationIds and gid("Location", change.level.location_id) not in locationIds:
                continue
            if quantityNames and change.name not in quantityNames:
                continue
            selected.append(
                {
                    "name": change.name,
                    "delta": change.delta,
                    "quantityAfterChange": change.quantity_after,
                    "item": change.level.item,
                    "location": change.level.location,
                    "ledgerDocumentUri": None,
                }
            )
        return selected

    return {
        "id": gid("InventoryAdjustmentGroup", allocate_id("InventoryAdjustmentGroup")),
        "createdAt": changes[0].level.updated_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "reason": data["reason"],
        "referenceDocumentUri": data.get("referenceDocumentUri"),
        "app": _app(ctx(info).app),
        "staffMember": None,
        "changes": resolve_changes,
    }


def _emit_available(info: GraphQLResolveInfo, changes: list[inventory.Change]) -> None:
    levels = {c.level.pk: c.level for c in changes if c.name == "available" and c.delta}
    emit_levels(ctx(info).shop, levels.values())


def _inventory_set_quantities(root: Any, info: GraphQLResolveInfo, input: dict[str, Any]) -> dict:
    require_scope(info, "write_inventory")
    changes, errors = inventory.set_quantities(shop=ctx(info).shop, data=input)
    _emit_available(info, changes)
    return {
        "inventoryAdjustmentGroup": _adjustment_group(info, changes, input),
        "userErrors": errors,
    }


def _inventory_adjust_quantities(
    root: Any, info: GraphQLResolveInfo, input: dict[str, Any]
) -> dict:
    require_scope(info, "write_inventory")
    changes, errors = inventory.adjust_quantities(shop=ctx(info).shop, data=input)
    _emit_available(info, changes)
    return {
        "inventoryAdjustmentGroup": _adjustment_group(info, changes, input),
        "userErrors": errors,
    }


# ``OrderInput`` fields ``orderUpdate`` simulates; the others (shipping address, custom
# attributes, metafields, localized fields, PO number) answer SANDBOX_NOT_IMPLEMENTED.
ORDER_UPDATE_FIELDS = frozenset({"id", "note", "tags", "email"})


def _order_update(root: Any, info: GraphQLResolveInfo, input: dict[str, Any]) -> dict[str, Any]:
    """``orderUpdate(input: OrderInput!)``: overwrite the order's ``note``, ``tags`` (blank
    tags dropped, duplicates removed case-insensitively) and ``email``; needs ``write_orders``.
    Emits ``orders/updated`` when something was given (as Shopify does on an edit)."""
    from integrations.sandbox.services import update_order

    require_scope(info, "write_orders")
    value = input.get("id") or ""
    if parse_gid(value) is None:
        raise GraphQLError(
            f"Invalid global id '{value}'", extensions={"code": "argumentLiteralsIncompatible"}
        )
    unsupported = sorted(set(input) - ORDER_UPDATE_FIELDS)
    if unsupported:
        raise not_implemented("OrderInput", unsupported[0])
    order = SandboxOrder.objects.filter(
        shop=ctx(info).shop, pk=parse_gid_of(value, "Order") or 0
    ).first()
    if order is None:
        return {"order": None, "userErrors": [{"field": ["id"], "message": "Order does not exist"}]}
    changes: dict[str, Any] = {}
    if "note" in input:
        changes["note"] = input["note"] or ""
    if "email" in input:
        changes["email"] = input["email"] or ""
    if "tags" in input:
        tags: dict[str, str] = {}
        for tag in input["tags"] or []:
            if tag.strip():
                tags.setdefault(tag.strip().lower(), tag.strip())
        changes["tags"] = list(tags.values())
    if changes:
        order = update_order(order, **changes)
    return {"order": order, "userErrors": []}


MUTATION: dict[str, Resolver] = {
    "orderUpdate": _order_update,
    "webhookSubscriptionCreate": _webhook_subscription_create,
    "webhookSubscriptionDelete": _webhook_subscription_delete,
    "bulkOperationRunQuery": _bulk_operation_run_query,
    "bulkOperationCancel": _bulk_operation_cancel,
    "inventorySetQuantities": _inventory_set_quantities,
    "inventoryAdjustQuantities": _inventory_adjust_quantities,
}

RESOLVERS: dict[str, dict[str, Resolver]] = {"Mutation": MUTATION}
