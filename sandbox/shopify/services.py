"""Public Python API of the Shopify sandbox, for the demo, management commands and tests.

Shops are addressed by their ``*.myshopify.com`` domain. Every change to sandbox data bumps
``updated_at`` and emits the webhooks Shopify would (channel-apis.md §1.3), delivered right
after the transaction commits; failed deliveries are retried by :func:`deliver_due_webhooks`.
Money is ``Decimal`` rupees (GST-inclusive), ids are Shopify-sized integers (> 2^53).
"""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any

import requests
from django.conf import settings
from django.db import transaction

from sandbox.kernel import clock
from sandbox.kernel.formats import CENT
from sandbox.kernel.seed import templates
from sandbox.shopify import inventory, oauth, throttle
from sandbox.shopify.constants import COMPLIANCE_TOPICS
from sandbox.shopify.ids import allocate_id, allocate_ids
from sandbox.shopify.loading import with_line_items
from sandbox.shopify.models import (
    SandboxAccessToken,
    SandboxApp,
    SandboxBucket,
    SandboxCustomer,
    SandboxFulfillment,
    SandboxFulfillmentLineItem,
    SandboxInventoryLevel,
    SandboxLineItem,
    SandboxLocation,
    SandboxOrder,
    SandboxProduct,
    SandboxRefund,
    SandboxRefundLineItem,
    SandboxReturn,
    SandboxShop,
    SandboxVariant,
    SandboxWebhookDelivery,
    SandboxWebhookSubscription,
)
from sandbox.shopify.seed.generate import seed as _seed
from sandbox.shopify.seed.orders import Pick, compose_order, make_customer
from sandbox.shopify.webhooks import delivery as webhooks
from sandbox.shopify.webhooks import events
from sandbox.shopify.webhooks.payloads import compliance_payload, shop_payload
from sandbox.shopify.webhooks.refunds import refund_payload

ORDER_FIELDS = frozenset(
    {"note", "tags", "email", "phone", "shipping_address", "financial_status", "source_name"}
)
CANCEL_REASONS = ("customer", "declined", "fraud", "inventory", "staff", "other")


def get_shop(shop: str) -> SandboxShop:
    """The sandbox shop with domain ``shop``; raises ``LookupError`` if it was never seeded."""
    found = SandboxShop.objects.filter(domain=shop).first()
    if found is None:
        raise LookupError(f"No sandbox shop {shop!r}; run sandbox_seed --shop {shop} first.")
    return found


def register_app(*, api_key: str, api_secret: str) -> SandboxApp:
    """Create the app ``api_key`` or update its secret (idempotent)."""
    app = SandboxApp.objects.filter(api_key=api_key).first()
    if app is None:
        return SandboxApp.objects.create(
            id=allocate_id("App"), api_key=api_key, api_secret=api_secret, created_at=clock.now()
        )
    if app.api_secret != api_secret:
        app.api_secret = api_secret
        app.save(update_fields=["api_secret"])
    return app


def seed_shop(
    *,
    shop: str,
    products: int = 60,
    variants: int = 300,
    orders: int = 3000,
    days: int = 90,
    seed: int = 42,
    bucket_size: int = 1000,
    restore_rate: int = 50,
    reset: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> SandboxShop:
    """Seed a deterministic Indian D2C store (see :mod:`sandbox.shopify.seed`) and register
    the app from ``settings.SHOPIFY_API_KEY``/``SHOPIFY_API_SECRET``. ``progress(done,
    total)`` is called as products, variants and orders are built. A shop that already has
    products keeps its data unless ``reset`` (only its bucket settings are applied)."""
    if not oauth.SHOP_DOMAIN_RE.match(shop):
        raise ValueError(f"{shop!r} is not a *.myshopify.com domain")
    register_app(api_key=settings.SHOPIFY_API_KEY, api_secret=settings.SHOPIFY_API_SECRET)
    return _seed(
        domain=shop,
        products=products,
        variants=variants,
        orders=orders,
        days=days,
        seed=seed,
        bucket_size=bucket_size,
        restore_rate=restore_rate,
        reset=reset,
        progress=progress,
    )


def issue_access_token(*, shop: str, api_key: str, scope: str | None = None) -> str:
    """An Admin API token for ``api_key`` on ``shop`` without the OAuth dance (a custom app's
    token); ``scope`` defaults to ``settings.SHOPIFY_SCOPES``."""
    app = SandboxApp.objects.get(api_key=api_key)
    return oauth.issue_token(
        shop=get_shop(shop), app=app, scope=scope if scope is not None else settings.SHOPIFY_SCOPES
    )


def set_bucket(*, shop: str, size: int, restore_rate: int, available: int | None = None) -> None:
    """Change the GraphQL cost bucket: ``size`` points, refilling ``restore_rate`` points/s;
    ``available`` sets the current level of every app's bucket on the shop."""
    store = get_shop(shop)
    store.bucket_size, store.restore_rate = size, restore_rate
    store.save(update_fields=["bucket_size", "restore_rate"])
    if available is not None:
        now = clock.time()
        for app_id in (
            SandboxAccessToken.objects.filter(shop=store)
            .values_list("app_id", flat=True)
            .distinct()
        ):
            SandboxBucket.objects.get_or_create(
                shop=store, app_id=app_id, defaults={"available": available, "refilled_at": now}
            )
    throttle.reset_buckets(store, available)


def inject_faults(*, shop: str, graphql_5xx: int = 0, graphql_429: int = 0) -> None:
    """Make the next ``graphql_5xx`` GraphQL requests answer 503, then the next
    ``graphql_429`` answer 429 with ``Retry-After: 1`` (replaces pending faults)."""
    SandboxShop.objects.filter(pk=get_shop(shop).pk).update(
        faults_5xx=graphql_5xx, faults_429=graphql_429
    )


def _primary(shop: SandboxShop) -> SandboxLocation:
    return SandboxLocation.objects.get(shop=shop, is_primary=True)


def simulate_orders(
    *, shop: str, count: int, seed: int | None = None, deliver: bool = True
) -> list[SandboxOrder]:
    """Place ``count`` orders now from random (new or returning) customers for in-stock
    variants at the primary location; commits stock (available −q, committed +q) and emits
    ``orders/create`` (+ ``orders/paid`` for prepaid), ``inventory_levels/update`` and
    ``products/update``. Returns the orders placed (fewer if stock runs out), line items loaded.
    """
    rng = random.Random(seed)  # noqa: S311 - reproducible fake data, not secrets
    now = clock.now()
    created: list[int] = []
    with transaction.atomic():
        store = SandboxShop.objects.select_for_update().get(pk=get_shop(shop).pk)
        primary = _primary(store)
        levels = inventory.lock_levels(
            store,
            SandboxInventoryLevel.objects.filter(location=primary, available__gt=0).values_list(
                "item_id", "location_id"
            ),
        )
        remaining = {lv.item.variant_id: lv.available for lv in levels.values()}
        item_of = {lv.item.variant_id: lv.item_id for lv in levels.values()}
        variants = list(SandboxVariant.objects.filter(id__in=remaining).select_related("product"))
        flat = {t.product_type: t.flat_gst for t in templates.TEMPLATES}
        returning = list(SandboxCustomer.objects.filter(shop=store).order_by("-updated_at")[:200])
        moves: list[tuple[int, int, int, int]] = []
        for _ in range(count):
            in_stock = [v for v in variants if remaining[v.id] > 0]
            if not in_stock:
                break
            size = min(rng.choices((1, 2, 3), (70, 22, 8))[0], len(in_stock))
            picks = [
                Pick(
                    v,
                    min(rng.choices((1, 2), (88, 12))[0], remaining[v.id]),
                    flat.get(v.product.product_type),
                )
                for v in rng.sample(in_stock, size)
            ]
            customer = rng.choice(returning) if returning and rng.random() < 0.4 else None
            if customer is None:
                customer = make_customer(
                    rng, store, allocate_id("Customer"), allocate_id("MailingAddress"), now
                )
                customer.save()
            order, items = compose_order(
                rng,
                shop=store,
                order_id=allocate_id("Order"),
                number=store.next_order_number,
                customer=customer,
                picks=picks,
                line_ids=list(allocate_ids("LineItem", len(picks))),
                shipping_line_id=allocate_id("ShippingLine"),
                created_at=now,
                repeat=customer.created_at < now,
            )
            order.save()
            SandboxLineItem.objects.bulk_create(items)
            store.next_order_number += 1
            for pick in picks:
                remaining[pick.variant.id] -= pick.quantity
                moves.append((item_of[pick.variant.id], primary.id, -pick.quantity, pick.quantity))
            created.append(order.id)
        store.save(update_fields=["next_order_number"])
        touched = inventory.move(levels, moves)
        product_of = {v.id: v.product_id for v in variants}
        product_ids = {product_of[lv.item.variant_id] for lv in touched}
        for product in SandboxProduct.objects.filter(pk__in=product_ids):
            product.updated_at = clock.after(product.updated_at)
            product.save(update_fields=["updated_at"])
        events.emit_orders(store, created, ["ORDERS_CREATE", "ORDERS_PAID"], deliver)
        events.emit_levels(store, touched, deliver)
        events.emit_products(store, product_ids, deliver)
    return list(with_line_items(SandboxOrder.objects.filter(pk__in=created)).order_by("number"))


def _locked_order(order: SandboxOrder) -> SandboxOrder:
    return SandboxOrder.objects.select_for_update().select_related("shop").get(pk=order.pk)


def update_order(order: SandboxOrder, **changes: Any) -> SandboxOrder:
    """Change merchant-editable fields (``note``, ``tags`` list, ``email``, ``phone``,
    ``shipping_address`` dict merge, ``financial_status`` e.g. ``"PAID"`` when COD is
    collected, ``source_name``); emits ``orders/updated`` (and ``orders/paid`` when it becomes
    paid). Raises ``TypeError`` for other fields."""
    unknown = set(changes) - ORDER_FIELDS
    if unknown:
        raise TypeError(f"update_order() cannot change {sorted(unknown)}")
    with transaction.atomic():
        locked = _locked_order(order)
        became_paid = (
            changes.get("financial_status") == "PAID" and locked.financial_status != "PAID"
        )
        for name, value in changes.items():
            if name == "shipping_address":
                value = {**locked.shipping_address, **value}
            setattr(locked, name, value)
        locked.updated_at = clock.after(locked.updated_at)
        if became_paid and locked.fulfillment_status == "FULFILLED":
            locked.closed_at = locked.updated_at
        locked.save()
        topics = ["ORDERS_UPDATED"] + (["ORDERS_PAID"] if became_paid else [])
        events.emit_orders(locked.shop, [locked.pk], topics, deliver=True)
    return locked


def cancel_order(order: SandboxOrder, reason: str = "customer") -> SandboxOrder:
    """Cancel like the Shopify admin with restock and refund: unfulfilled quantities go back to
    ``available`` (``committed`` −), paid orders are refunded, pending ones voided. Emits
    ``orders/cancelled``, ``orders/updated`` and ``inventory_levels/update``."""
    if reason not in CANCEL_REASONS:
        raise ValueError(f"reason must be one of {CANCEL_REASONS}")
    with transaction.atomic():
        locked = _locked_order(order)
        if locked.cancelled_at is not None:
            raise ValueError(f"{locked.name} is already cancelled")
        now = clock.after(locked.updated_at)
        items = list(locked.line_items.select_related("variant__inventory_item"))
        primary = _primary(locked.shop)
        moves = [
            (i.variant.inventory_item.id, primary.id, open_qty, -open_qty)
            for i in items
            if i.variant and (open_qty := i.current_quantity - i.fulfilled_quantity) > 0
        ]
        levels = inventory.lock_levels(locked.shop, [(m[0], m[1]) for m in moves])
        touched = inventory.move(levels, moves)
        SandboxLineItem.objects.filter(order=locked).update(current_quantity=0)
        if locked.financial_status in ("PAID", "PARTIALLY_REFUNDED"):
            locked.financial_status, locked.total_refunded = "REFUNDED", locked.total_price
        elif locked.financial_status == "PENDING":
            locked.financial_status = "VOIDED"
        locked.cancelled_at = locked.closed_at = locked.updated_at = now
        locked.cancel_reason = reason.upper()
        locked.save()
        events.emit_orders(locked.shop, [locked.pk], ["ORDERS_CANCELLED", "ORDERS_UPDATED"], True)
        events.emit_levels(locked.shop, touched, True)
    return locked


def fulfill_order(order: SandboxOrder) -> SandboxOrder:
    """Ship every open quantity in one fulfillment (a ``SandboxFulfillment`` at
    ``fulfilled_at`` with a line per line item that had open units; none, and ``fulfilled_at``
    kept, when nothing was open): ``committed`` drops (so ``on_hand`` does), the order becomes
    ``FULFILLED`` (closed if already paid). Emits ``orders/fulfilled`` and ``orders/updated``."""
    with transaction.atomic():
        locked = _locked_order(order)
        if locked.cancelled_at is not None:
            raise ValueError(f"{locked.name} is cancelled")
        now = clock.after(locked.updated_at)
        items = list(locked.line_items.select_related("variant__inventory_item"))
        primary = _primary(locked.shop)
        shipped = [
            (i, open_qty)
            for i in items
            if (open_qty := i.current_quantity - i.fulfilled_quantity) > 0
        ]
        moves = [(i.variant.inventory_item.id, primary.id, 0, -q) for i, q in shipped if i.variant]
        inventory.move(inventory.lock_levels(locked.shop, [(m[0], m[1]) for m in moves]), moves)
        if shipped:
            fulfillment = SandboxFulfillment.objects.create(
                id=allocate_id("Fulfillment"), order=locked, created_at=now, updated_at=now
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
                item.fulfilled_quantity += units
            SandboxLineItem.objects.bulk_update([i for i, _ in shipped], ["fulfilled_quantity"])
            locked.fulfilled_at = now
        locked.fulfillment_status = "FULFILLED"
        locked.updated_at = now
        if locked.financial_status == "PAID":
            locked.closed_at = now
        locked.save()
        events.emit_orders(locked.shop, [locked.pk], ["ORDERS_FULFILLED", "ORDERS_UPDATED"], True)
    return locked


def refund_order(
    order: SandboxOrder,
    *,
    lines: Mapping[int, int] | None = None,
    restock: bool = False,
    note: str = "",
    deliver: bool = True,
    return_request: SandboxReturn | None = None,
) -> dict[str, Any]:
    """Refund line items like the Shopify admin's "Refund" (``refundCreate``) and emit
    ``refunds/create``, ``orders/updated`` and, when stock came back, ``inventory_levels/update``.

    ``lines`` maps line item id → units (default: every unit still on the order). Per line,
    units still unfulfilled are removed (``restock_type`` ``cancel`` with ``restock``, else
    ``no_restock``; committed −q, and available +q when restocked); units of a fully shipped
    line are a return (``return`` with ``restock``: available +q at the primary location, else
    ``no_restock``). A line's current quantity drops by the units. A paid order gets a refund
    transaction of the lines' subtotal (GST-inclusive, after discounts) on its first gateway,
    ``total_refunded`` grows and the financial status becomes ``PARTIALLY_REFUNDED`` or
    ``REFUNDED``; an unpaid (COD pending) order refunds no money.

    The refund is stored (``SandboxRefund`` with its ``SandboxRefundLineItem`` rows, served by
    ``Order.refunds`` over GraphQL) and the webhook payload is built from those rows; with
    ``deliver=False`` the webhook is recorded but not sent (a lost delivery). A refund made for
    a Shopify return (``return_request``, one of this order's) says so (``Refund.return``, the
    payload's ``return``).

    Returns the ``refunds/create`` payload. Raises ``ValueError`` for a cancelled order, a line
    not on the order, units ≤ 0 or above what is still on the line, nothing to refund, or a
    line whose units are partly shipped and partly open (refund those separately)."""
    with transaction.atomic():
        locked = _locked_order(order)
        if locked.cancelled_at is not None:
            raise ValueError(f"{locked.name} is cancelled")
        items = {i.id: i for i in locked.line_items.select_related("variant__inventory_item")}
        wanted = (
            dict(lines)
            if lines is not None
            else {i.id: i.current_quantity for i in items.values() if i.current_quantity}
        )
        if not wanted:
            raise ValueError(f"{locked.name} has nothing left to refund")
        store = locked.shop
        primary = _primary(store)
        now = clock.after(locked.updated_at)
        if return_request is not None and return_request.order_id != locked.pk:
            raise ValueError(f"return {return_request.name} is not of {locked.name}")
        refund = SandboxRefund(
            id=allocate_id("Refund"),
            order=locked,
            note=note,
            created_at=now,
            return_request=return_request,
        )
        line_ids = iter(allocate_ids("RefundLineItem", len(wanted)))
        refund_lines: list[SandboxRefundLineItem] = []
        moves: list[tuple[int, int, int, int]] = []
        for item_id, units in wanted.items():
            item = items.get(item_id)
            if item is None:
                raise ValueError(f"line item {item_id} is not on {locked.name}")
            if units <= 0 or units > item.current_quantity:
                raise ValueError(
                    f"{item.sku}: can refund 1..{item.current_quantity} units, not {units}"
                )
            open_units = max(item.current_quantity - item.fulfilled_quantity, 0)
            if units <= open_units:
                restock_type = "cancel" if restock else "no_restock"
                d_available, d_committed = (units if restock else 0), -units
            elif open_units == 0:
                restock_type = "return" if restock else "no_restock"
                d_available, d_committed = (units if restock else 0), 0
            else:
                raise ValueError(
                    f"{item.sku}: {open_units} units are unshipped and the rest shipped; "
                    "refund them separately"
                )
            if item.variant is not None:
                moves.append((item.variant.inventory_item.id, primary.id, d_available, d_committed))
            share = Decimal(units) / Decimal(item.quantity)
            refund_lines.append(
                SandboxRefundLineItem(
                    id=next(line_ids),
                    refund=refund,
                    line_item=item,
                    quantity=units,
                    restock_type=restock_type,
                    location=primary if restock else None,
                    subtotal=((item.price * item.quantity - item.total_discount) * share).quantize(
                        CENT
                    ),
                    total_tax=(
                        sum((Decimal(t["amount"]) for t in item.tax_lines), Decimal("0")) * share
                    ).quantize(CENT),
                )
            )
            item.current_quantity -= units
        SandboxLineItem.objects.bulk_update(
            [line.line_item for line in refund_lines], ["current_quantity"]
        )
        touched = inventory.move(inventory.lock_levels(store, [(m[0], m[1]) for m in moves]), moves)
        amount = sum((line.subtotal for line in refund_lines), Decimal("0"))
        if locked.financial_status in ("PAID", "PARTIALLY_REFUNDED") and amount > 0:
            amount = min(amount, locked.total_price - locked.total_refunded)
            refund.transaction_id = allocate_id("OrderTransaction")
            refund.amount = amount
            refund.gateway = (locked.payment_gateway_names or ["manual"])[0]
            locked.total_refunded += amount
            locked.financial_status = (
                "REFUNDED" if locked.total_refunded >= locked.total_price else "PARTIALLY_REFUNDED"
            )
        locked.updated_at = now
        locked.save()
        refund.save()
        SandboxRefundLineItem.objects.bulk_create(refund_lines)
        payload = refund_payload(refund, refund_lines, store)
        webhooks.emit(store, "REFUNDS_CREATE", payload, deliver=deliver)
        events.emit_orders(store, [locked.pk], ["ORDERS_UPDATED"], deliver)
        restocked = {(m[0], m[1]) for m in moves if m[2]}
        events.emit_levels(
            store, [lv for lv in touched if (lv.item_id, lv.location_id) in restocked], deliver
        )
    return payload


def set_available(
    *, shop: str, sku: str, available: int, location: str | None = None
) -> SandboxInventoryLevel:
    """Set ``available`` of ``sku`` at ``location`` (a location name; default the primary),
    stocking it there if needed; emits ``inventory_levels/update``."""
    store = get_shop(shop)
    with transaction.atomic():
        variant = SandboxVariant.objects.select_related("inventory_item").get(shop=store, sku=sku)
        place = (
            SandboxLocation.objects.get(shop=store, name=location) if location else _primary(store)
        )
        now = clock.now()
        level, created = SandboxInventoryLevel.objects.select_for_update().get_or_create(
            item=variant.inventory_item,
            location=place,
            defaults={"created_at": now, "updated_at": now},
        )
        level.available = available
        level.updated_at = now if created else clock.after(level.updated_at)
        level.save(update_fields=["available", "updated_at"])
        events.emit_levels(store, [level], True)
    return level


def deliver_due_webhooks(now: datetime | None = None) -> int:
    """Retry every webhook delivery whose backoff has elapsed; returns how many were tried."""
    return webhooks.deliver_due(now)


def redeliver(delivery: SandboxWebhookDelivery) -> SandboxWebhookDelivery:
    """Send ``delivery``'s event again (same ``X-Shopify-Event-Id``, new
    ``X-Shopify-Webhook-Id``), as Shopify's duplicate deliveries do."""
    return webhooks.redeliver(delivery)


def send_compliance_webhook(
    *, shop: str, topic: str, url: str, api_key: str, payload: dict[str, Any] | None = None
) -> requests.Response:
    """POST a mandatory compliance webhook (``customers/data_request``, ``customers/redact``,
    ``shop/redact``) to ``url`` signed with ``api_key``'s secret; the default payload has the
    shapes of channel-apis.md §1.3 for the shop's first customer. Raises
    ``requests.ConnectionError`` when ``url`` cannot be reached (the attempt is recorded and
    retried like any delivery)."""
    if topic not in COMPLIANCE_TOPICS:
        raise ValueError(f"topic must be one of {COMPLIANCE_TOPICS}")
    store = get_shop(shop)
    app = SandboxApp.objects.get(api_key=api_key)
    sent, response = webhooks.send_direct(
        shop=store,
        app=app,
        topic=topic,
        url=url,
        payload=payload if payload is not None else compliance_payload(store, topic),
        api_version=settings.SHOPIFY_API_VERSION,
    )
    if response is None:
        raise requests.ConnectionError(sent.last_error)
    return response


def uninstall_app(*, shop: str, api_key: str) -> None:
    """Uninstall ``api_key`` from ``shop``: revoke its tokens, send it ``app/uninstalled`` and
    drop its webhook subscriptions and cost bucket, as Shopify does."""
    store = get_shop(shop)
    app = SandboxApp.objects.get(api_key=api_key)
    with transaction.atomic():
        SandboxAccessToken.objects.filter(shop=store, app=app, revoked_at__isnull=True).update(
            revoked_at=clock.now()
        )
        webhooks.emit(store, "APP_UNINSTALLED", shop_payload(store), app=app)
        SandboxWebhookSubscription.objects.filter(shop=store, app=app).delete()
        SandboxBucket.objects.filter(shop=store, app=app).delete()
