"""``Mutation`` resolvers: webhook subscriptions, bulk operations, inventory quantities, order
note/tags, fulfillments and their events (shopify.dev/docs/api/admin-graphql/2025-01/
mutations/…). Failures are ``userErrors`` in the payload, as the Admin API reports them."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from typing import Any

from django.db import IntegrityError, transaction
from graphql import GraphQLError, GraphQLResolveInfo
from graphql.execution.values import get_directive_values

from sandbox.kernel import clock
from sandbox.shopify import bulk, inventory
from sandbox.shopify.graphql import versions
from sandbox.shopify.graphql.context import ctx, not_implemented, require_scope
from sandbox.shopify.ids import allocate_id, gid, parse_gid, parse_gid_of
from sandbox.shopify.models import (
    SandboxApp,
    SandboxBulkOperation,
    SandboxIdempotentRequest,
    SandboxInventoryLevel,
    SandboxOrder,
    SandboxWebhookSubscription,
)
from sandbox.shopify.webhooks.events import emit_levels

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
    info: GraphQLResolveInfo,
    changes: list[inventory.Change],
    data: dict[str, Any],
    *,
    group_id: str | None = None,
    created_at: str | None = None,
) -> dict[str, Any] | None:
    """The ``InventoryAdjustmentGroup`` of ``changes`` (None without changes); a new id and the
    first level's time unless a replayed request gives its own."""
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
        "id": group_id or gid("InventoryAdjustmentGroup", allocate_id("InventoryAdjustmentGroup")),
        "createdAt": created_at or changes[0].level.updated_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "reason": data["reason"],
        "referenceDocumentUri": data.get("referenceDocumentUri"),
        "app": _app(ctx(info).app),
        "staffMember": None,
        "changes": resolve_changes,
    }


def _emit_available(info: GraphQLResolveInfo, changes: list[inventory.Change]) -> None:
    levels = {c.level.pk: c.level for c in changes if c.name == "available" and c.delta}
    emit_levels(ctx(info).shop, levels.values())


def _idempotency_key(info: GraphQLResolveInfo) -> str | None:
    """The ``key`` of the field's ``@idempotent`` directive (a literal or a variable), or None
    without one (or before 2026-01, whose schema has no such directive)."""
    directive = info.schema.get_directive("idempotent")
    if directive is None:
        return None
    values = get_directive_values(directive, info.field_nodes[0], info.variable_values)
    return None if values is None else str(values["key"])


def _inventory_set_quantities(root: Any, info: GraphQLResolveInfo, input: dict[str, Any]) -> dict:
    """``inventorySetQuantities``. From API 2026-04 every row needs ``changeFromQuantity`` and
    the field needs ``@idempotent(key:)`` (a run-time error without it: shopify.dev changelog
    "Making idempotency mandatory for inventory adjustments and refund mutations"); with a key,
    a repeat of the same input gets the first result back (``_idempotent``)."""
    require_scope(info, "write_inventory")
    newest = versions.at_least(ctx(info).api_version, versions.IDEMPOTENCY_REQUIRED)
    key = _idempotency_key(info)
    if key is None and newest:
        raise GraphQLError(
            "inventorySetQuantities requires an idempotency key: add "
            '@idempotent(key: "<UUID>") to the mutation field.',
            extensions={"code": "BAD_REQUEST"},
        )

    def run() -> tuple[list[inventory.Change], list[dict]]:
        return inventory.set_quantities(
            shop=ctx(info).shop, data=input, changes_from_required=newest
        )

    if key is not None:
        return _idempotent(info, "inventorySetQuantities", key, input, run)
    changes, errors = run()
    _emit_available(info, changes)
    return {
        "inventoryAdjustmentGroup": _adjustment_group(info, changes, input),
        "userErrors": errors,
    }


def _idempotent(
    info: GraphQLResolveInfo,
    mutation: str,
    key: str,
    data: dict[str, Any],
    run: Callable[[], tuple[list[inventory.Change], list[dict]]],
) -> dict[str, Any]:
    """Run an inventory mutation once per (shop, idempotency key): the first request runs and
    its outcome is kept (``SandboxIdempotentRequest``); a repeat with the same input gets that
    outcome back without changing stock again. ``userErrors`` (shopify.dev "Implementing
    idempotency"): ``IDEMPOTENCY_KEY_PARAMETER_MISMATCH`` for the key with another input,
    ``IDEMPOTENCY_CONCURRENT_REQUEST`` while the first is still running,
    ``IDEMPOTENCY_PREVIOUS_ATTEMPT_FAILED`` when it raised."""
    shop = ctx(info).shop
    fingerprint = hashlib.sha256(
        json.dumps([mutation, data], sort_keys=True, default=str).encode()
    ).hexdigest()
    try:
        with transaction.atomic():
            request = SandboxIdempotentRequest.objects.create(
                shop=shop, key=key[:255], mutation=mutation, fingerprint=fingerprint
            )
    except IntegrityError:
        earlier = SandboxIdempotentRequest.objects.get(shop=shop, key=key[:255])
        if earlier.fingerprint != fingerprint:
            return _idempotency_error(
                "IDEMPOTENCY_KEY_PARAMETER_MISMATCH",
                "The same idempotency key cannot be used with different operation parameters.",
            )
        if earlier.outcome is None:
            return _idempotency_error(
                "IDEMPOTENCY_CONCURRENT_REQUEST",
                "This request is currently in progress, please try again.",
            )
        if earlier.outcome.get("failed"):
            return _idempotency_error(
                "IDEMPOTENCY_PREVIOUS_ATTEMPT_FAILED",
                "A previous request with this idempotency key failed. Retry with a new "
                "idempotency key.",
            )
        return _replayed(info, earlier.outcome, data)
    try:
        changes, errors = run()
    except Exception:
        SandboxIdempotentRequest.objects.filter(pk=request.pk).update(outcome={"failed": True})
        raise
    group = _adjustment_group(info, changes, data)
    request.outcome = {
        "group": {"id": group["id"], "createdAt": group["createdAt"]} if group else None,
        "changes": [[c.level.pk, c.name, c.delta, c.quantity_after] for c in changes],
        "userErrors": errors,
    }
    request.save(update_fields=["outcome"])
    _emit_available(info, changes)
    return {"inventoryAdjustmentGroup": group, "userErrors": errors}


def _replayed(
    info: GraphQLResolveInfo, outcome: dict[str, Any], data: dict[str, Any]
) -> dict[str, Any]:
    """The payload of a request that already ran, rebuilt from its kept outcome."""
    levels = SandboxInventoryLevel.objects.select_related("item", "location").in_bulk(
        [pk for pk, *_ in outcome["changes"]]
    )
    changes = [
        inventory.Change(levels[pk], name, delta, after)
        for pk, name, delta, after in outcome["changes"]
        if pk in levels
    ]
    group = outcome.get("group") or {}
    return {
        "inventoryAdjustmentGroup": _adjustment_group(
            info, changes, data, group_id=group.get("id"), created_at=group.get("createdAt")
        ),
        "userErrors": outcome["userErrors"],
    }


def _idempotency_error(code: str, message: str) -> dict[str, Any]:
    return {
        "inventoryAdjustmentGroup": None,
        "userErrors": [inventory.user_error(["idempotent", "key"], message, code)],
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
    from sandbox.shopify.services import update_order

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


# The scope ``fulfillmentCreate`` needs for the sandbox's (merchant-managed) fulfillment
# orders (shopify.dev mutations/fulfillmentCreate "Requires … fulfillment_orders access").
FULFILLMENT_WRITE_SCOPE = "write_merchant_managed_fulfillment_orders"


def _fulfillment_create(
    root: Any, info: GraphQLResolveInfo, fulfillment: dict[str, Any], message: str | None = None
) -> dict[str, Any]:
    """``fulfillmentCreate(fulfillment: FulfillmentInput!, message:)``: ship the given
    fulfillment orders' units (all remaining ones when ``fulfillmentOrderLineItems`` is empty)
    with ``trackingInfo``; needs ``write_merchant_managed_fulfillment_orders``. Every
    fulfillment order must exist in the shop, belong to one order and be open (``userErrors``
    otherwise). See ``sandbox.shopify.fulfillment.create_fulfillment``."""
    from sandbox.shopify import fulfillment as fulfilling
    from sandbox.shopify.models import SandboxFulfillmentOrder

    require_scope(info, FULFILLMENT_WRITE_SCOPE)
    if fulfillment.get("originAddress"):
        raise not_implemented("FulfillmentInput", "originAddress")
    tracking = fulfillment.get("trackingInfo") or {}
    if tracking.get("numbers") or tracking.get("urls"):
        raise not_implemented("FulfillmentTrackingInput", "numbers")
    groups = fulfillment.get("lineItemsByFulfillmentOrder") or []
    if not groups:
        return _fulfillment_error(
            ["fulfillment", "lineItemsByFulfillmentOrder"],
            "Line items by fulfillment order must not be empty.",
        )
    requested = []
    for index, group in enumerate(groups):
        field = ["fulfillment", "lineItemsByFulfillmentOrder", str(index), "fulfillmentOrderId"]
        found = (
            SandboxFulfillmentOrder.objects.filter(
                order__shop=ctx(info).shop,
                pk=parse_gid_of(group.get("fulfillmentOrderId") or "", "FulfillmentOrder") or 0,
            )
            .select_related("order", "location")
            .first()
        )
        if found is None:
            return _fulfillment_error(field, "Fulfillment order does not exist.")
        if requested and found.order_id != requested[0][0].order_id:
            return _fulfillment_error(
                field, "All fulfillment orders must belong to the same order."
            )
        quantities = None
        if group.get("fulfillmentOrderLineItems"):
            quantities = {}
            for line in group["fulfillmentOrderLineItems"]:
                line_id = parse_gid_of(line.get("id") or "", "FulfillmentOrderLineItem") or 0
                quantities[line_id] = int(line.get("quantity") or 0)
        requested.append((found, quantities))
    made, errors = fulfilling.create_fulfillment(
        requested[0][0].order,
        requested,
        fulfilling.Tracking(
            number=tracking.get("number") or "",
            company=tracking.get("company") or "",
            url=tracking.get("url") or "",
        ),
        notify_customer=bool(fulfillment.get("notifyCustomer")),
    )
    return {"fulfillment": made, "userErrors": errors}


# Input fields of ``FulfillmentEventInput`` the sandbox does not keep (where the event happened).
EVENT_PLACE_FIELDS = ("address1", "city", "country", "latitude", "longitude", "province", "zip")


def _fulfillment_event_create(
    root: Any, info: GraphQLResolveInfo, fulfillmentEvent: dict[str, Any]
) -> dict[str, Any]:
    """``fulfillmentEventCreate(fulfillmentEvent: FulfillmentEventInput!)``: record where the
    shop's fulfillment ``fulfillmentId`` stands (``status``, ``happenedAt`` — now when absent —,
    ``estimatedDeliveryAt``, ``message``); needs ``write_merchant_managed_fulfillment_orders``
    (the page says only "Requires access scope"; the sandbox assumes fulfillmentCreate's).
    An unknown fulfillment is a ``userErrors`` entry on ``fulfillmentId``. See
    ``sandbox.shopify.fulfillment_events``."""
    from sandbox.shopify import fulfillment_events
    from sandbox.shopify.models import SandboxFulfillment

    require_scope(info, FULFILLMENT_WRITE_SCOPE)
    for name in EVENT_PLACE_FIELDS:
        if fulfillmentEvent.get(name) is not None:
            raise not_implemented("FulfillmentEventInput", name)
    found = SandboxFulfillment.objects.filter(
        order__shop=ctx(info).shop,
        pk=parse_gid_of(fulfillmentEvent.get("fulfillmentId") or "", "Fulfillment") or 0,
    ).first()
    if found is None:
        return {
            "fulfillmentEvent": None,
            "userErrors": [
                {
                    "field": ["fulfillmentEvent", "fulfillmentId"],
                    "message": "Fulfillment does not exist.",
                }
            ],
        }
    times: dict[str, Any] = {}
    for name in ("happenedAt", "estimatedDeliveryAt"):
        raw = fulfillmentEvent.get(name)
        try:
            times[name] = fulfillment_events.parse_datetime(raw) if raw else None
        except (TypeError, ValueError) as exc:
            raise GraphQLError(
                f"Variable $fulfillmentEvent of type FulfillmentEventInput! was provided invalid "
                f"value for {name} ({raw!r} is not a valid DateTime)",
                extensions={"code": "INVALID_VARIABLE"},
            ) from exc
    event = fulfillment_events.create_event(
        found,
        status=fulfillmentEvent["status"],
        happened_at=times["happenedAt"],
        estimated_delivery_at=times["estimatedDeliveryAt"],
        message=fulfillmentEvent.get("message") or "",
    )
    return {"fulfillmentEvent": event, "userErrors": []}


def _fulfillment_error(field: list[str], message: str) -> dict[str, Any]:
    return {"fulfillment": None, "userErrors": [{"field": field, "message": message}]}


MUTATION: dict[str, Resolver] = {
    "orderUpdate": _order_update,
    "fulfillmentCreate": _fulfillment_create,
    "fulfillmentEventCreate": _fulfillment_event_create,
    "webhookSubscriptionCreate": _webhook_subscription_create,
    "webhookSubscriptionDelete": _webhook_subscription_delete,
    "bulkOperationRunQuery": _bulk_operation_run_query,
    "bulkOperationCancel": _bulk_operation_cancel,
    "inventorySetQuantities": _inventory_set_quantities,
    "inventoryAdjustQuantities": _inventory_adjust_quantities,
}

RESOLVERS: dict[str, dict[str, Resolver]] = {"Mutation": MUTATION}
