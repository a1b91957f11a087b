"""Public Python API of the Amazon SP-API sandbox, for the demo, the benchmark, management
commands and tests.

Sellers are addressed by their seller id (merchant token, e.g. ``A2SANDBOXSELLER``). Money is
``Decimal`` rupees (GST-inclusive); times come from the sandbox clock
(:mod:`sandbox.kernel.clock`).
"""

from __future__ import annotations

import random
import shutil
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.db import transaction

from sandbox.amazon import auth, throttle
from sandbox.amazon.constants import FAULT_BODIES
from sandbox.amazon.models import (
    SandboxAmazonListing,
    SandboxAmazonOrder,
    SandboxAmazonOrderItem,
    SandboxAmazonRefreshToken,
    SandboxAmazonSeller,
)
from sandbox.amazon.seed import catalog
from sandbox.amazon.seed import orders as order_seed
from sandbox.kernel import clock
from sandbox.shopify.models import SandboxShop

BATCH = 1000
STATUSES = ("Pending", "Unshipped", "PartiallyShipped", "Shipped", "Canceled")
Progress = Callable[[int, int], None]


def get_seller(seller_id: str) -> SandboxAmazonSeller:
    """The sandbox seller ``seller_id``; raises ``LookupError`` if it was never seeded."""
    seller = SandboxAmazonSeller.objects.filter(seller_id=seller_id).first()
    if seller is None:
        raise LookupError(f"No Amazon sandbox seller {seller_id!r}; run sandbox_amazon_seed.")
    return seller


def _storage(seller_id: str) -> Path:
    return Path(settings.VAR_DIR) / "sandbox" / "amazon" / seller_id


def seed_seller(
    *,
    seller_id: str,
    shop: str | None = None,
    orders: int,
    days: int = 90,
    seed: int = 7,
    client_id: str = "amzn1.application-oa2-client.sandbox",
    client_secret: str = "sandbox-secret",  # noqa: S107 - the sandbox app's well-known secret
    refresh_token: str | None = None,
    store_name: str | None = None,
    products: int = 60,
    variants: int = 300,
    progress: Progress | None = None,
) -> SandboxAmazonSeller:
    """(Re)create seller ``seller_id`` with its LWA app credentials, a refresh token
    (``refresh_token`` or a new ``Atzr|…``), listings and ``orders`` orders over ``days``.

    Listings copy the Shopify sandbox shop ``shop`` (a ``*.myshopify.com`` domain, seeded
    before) or, without one, the catalog the Shopify generator builds from ``seed``
    (``products``/``variants``). Orders are deterministic for a seed (ids, amounts, statuses;
    times are offsets from now). Re-seeding the same seller id deletes its previous data,
    tokens, usage counters and documents. Rows are bulk inserted, so 10,000 orders take
    seconds. ``progress(done, total)`` is called as orders are built and saved."""
    report = progress or (lambda done, total: None)
    now = clock.now()
    rng = random.Random(seed)  # noqa: S311 - reproducible fake data, not secrets
    with transaction.atomic():
        SandboxAmazonSeller.objects.filter(seller_id=seller_id).delete()
        shutil.rmtree(_storage(seller_id), ignore_errors=True)
        name = store_name
        if name is None and shop:
            name = SandboxShop.objects.filter(domain=shop).values_list("name", flat=True).first()
        seller = SandboxAmazonSeller.objects.create(
            seller_id=seller_id,
            store_name=name or "Sangam Sandbox Store",
            client_id=client_id,
            client_secret=client_secret,
            seed=seed,
            created_at=now,
            updated_at=now,
        )
        SandboxAmazonRefreshToken.objects.create(
            seller=seller, token=refresh_token or auth.new_refresh_token(), created_at=now
        )
        listings = (
            catalog.listings_from_shop(seller, shop, now)
            if shop
            else catalog.generated_listings(seller, products, variants, days, now)
        )
        SandboxAmazonListing.objects.bulk_create(listings, batch_size=BATCH)
        report(0, orders)
        order_rows, item_rows = order_seed.history(rng, seller, listings, orders, days, now)
        _save_orders(order_rows, item_rows, lambda done: report(done, orders))
    return seller


def _save_orders(
    orders: list[SandboxAmazonOrder],
    items: list[SandboxAmazonOrderItem],
    report: Callable[[int], None],
) -> None:
    for start in range(0, len(orders), BATCH):
        SandboxAmazonOrder.objects.bulk_create(orders[start : start + BATCH])
        report(min(start + BATCH, len(orders)))
    for item in items:
        item.order_id = item.order.pk
    SandboxAmazonOrderItem.objects.bulk_create(items, batch_size=BATCH)


def simulate_orders(*, seller_id: str, count: int, seed: int | None = None) -> list[str]:
    """Place ``count`` orders now for listings in stock: prepaid ones start ``Pending``, COD
    ones ``Unshipped``; merchant-fulfilled quantities leave the listings' stock. Returns the
    new AmazonOrderIds (fewer when stock runs out)."""
    rng = random.Random(seed)  # noqa: S311 - reproducible fake data, not secrets
    now = clock.now()
    created: list[str] = []
    with transaction.atomic():
        seller = SandboxAmazonSeller.objects.select_for_update().get(pk=get_seller(seller_id).pk)
        listings = list(
            SandboxAmazonListing.objects.select_for_update()
            .filter(seller=seller, quantity__gt=0)
            .order_by("pk")
        )
        taken = set(
            SandboxAmazonOrder.objects.filter(seller=seller).values_list(
                "amazon_order_id", flat=True
            )
        )
        item_ids: set[str] = set()
        touched: dict[int, SandboxAmazonListing] = {}
        for _ in range(count):
            in_stock = [listing for listing in listings if listing.quantity > 0]
            if not in_stock:
                break
            lines = order_seed.pick_lines(rng, in_stock, [1.0] * len(in_stock), bulk=False)
            lines = [
                order_seed.Line(line.listing, min(line.quantity, line.listing.quantity))
                for line in lines
            ]
            order, items = order_seed.compose(
                rng,
                seller=seller,
                amazon_order_id=order_seed.order_id(rng, taken),
                purchased=now,
                lines=lines,
                now=now,
                status="Unshipped",
                item_ids=item_ids,
            )
            if order.payment_method != "COD":
                order.status = "Pending"
            order.last_update_date = now
            order.save()
            SandboxAmazonOrderItem.objects.bulk_create(items)
            if order.fulfillment_channel == "MFN":
                for line in lines:
                    line.listing.quantity -= line.quantity
                    line.listing.updated_at = clock.after(line.listing.updated_at)
                    touched[line.listing.pk] = line.listing
            created.append(order.amazon_order_id)
        SandboxAmazonListing.objects.bulk_update(touched.values(), ["quantity", "updated_at"])
    return created


def update_order_status(*, seller_id: str, amazon_order_id: str, status: str) -> SandboxAmazonOrder:
    """Move an order to ``status`` (``Unshipped``, ``PartiallyShipped``, ``Shipped`` or
    ``Canceled``), as payment authorisation, shipping or cancellation would, and bump its
    ``LastUpdateDate``. Cancelling an unshipped merchant-fulfilled order restocks its listings.
    Raises ``ValueError`` for an unknown status or a change Amazon would not make."""
    if status not in STATUSES[1:]:
        raise ValueError(f"status must be one of {STATUSES[1:]}")
    with transaction.atomic():
        order = SandboxAmazonOrder.objects.select_for_update().get(
            seller=get_seller(seller_id), amazon_order_id=amazon_order_id
        )
        if order.status in ("Shipped", "Canceled"):
            raise ValueError(f"{amazon_order_id} is {order.status} and cannot change.")
        items = list(order.items.order_by("position", "id"))
        for index, item in enumerate(items):
            shipped = status == "Shipped" or (status == "PartiallyShipped" and index == 0)
            item.quantity_shipped = item.quantity_ordered if shipped else item.quantity_shipped
        if status == "Canceled" and order.fulfillment_channel == "MFN":
            _restock(order, items)
        SandboxAmazonOrderItem.objects.bulk_update(items, ["quantity_shipped"])
        order.items_shipped = sum(item.quantity_shipped for item in items)
        order.items_unshipped = (
            0
            if status == "Canceled"
            else sum(item.quantity_ordered for item in items) - order.items_shipped
        )
        order.status = status
        order.last_update_date = clock.after(order.last_update_date)
        order.save()
    return order


def _restock(order: SandboxAmazonOrder, items: list[SandboxAmazonOrderItem]) -> None:
    open_quantity = {
        item.seller_sku: item.quantity_ordered - item.quantity_shipped for item in items
    }
    for listing in (
        SandboxAmazonListing.objects.select_for_update()
        .filter(seller_id=order.seller_id, sku__in=open_quantity)
        .order_by("pk")
    ):
        listing.quantity += open_quantity[listing.sku]
        listing.updated_at = clock.after(listing.updated_at)
        listing.save(update_fields=["quantity", "updated_at"])


def set_rate_scale(seller_id: str, scale: float) -> None:
    """Multiply every usage plan's refill rate of the seller by ``scale`` (> 0; 1.0 restores
    Amazon's defaults). ``x-amzn-RateLimit-Limit`` reports the scaled rate."""
    if scale <= 0:
        raise ValueError("scale must be positive")
    SandboxAmazonSeller.objects.filter(pk=get_seller(seller_id).pk).update(rate_scale=scale)


def inject_faults(seller_id: str, *, count: int, status: int) -> None:
    """Make the next ``count`` SP-API calls of the seller fail with ``status`` (429, 500 or
    503), replacing pending faults. LWA and document URLs are not affected."""
    if status not in FAULT_BODIES:
        raise ValueError(f"status must be one of {sorted(FAULT_BODIES)}")
    SandboxAmazonSeller.objects.filter(pk=get_seller(seller_id).pk).update(
        fault_count=count, fault_status=status
    )


def fault_report(seller_id: str) -> None:
    """Make the next report the seller requests end FATAL."""
    SandboxAmazonSeller.objects.filter(pk=get_seller(seller_id).pk).update(fail_next_report=True)


def set_job_polls(seller_id: str, *, queue: int, progress: int) -> None:
    """How many polls reports and feeds spend IN_QUEUE and then IN_PROGRESS (the next poll
    finishes them); ``queue=0, progress=0`` finishes on the first poll."""
    SandboxAmazonSeller.objects.filter(pk=get_seller(seller_id).pk).update(
        queue_polls=queue, progress_polls=progress
    )


def listing_quantity(seller_id: str, sku: str) -> int:
    """The quantity for sale of ``sku``; raises ``LookupError`` for an unknown SKU."""
    quantity = (
        SandboxAmazonListing.objects.filter(seller=get_seller(seller_id), sku=sku)
        .values_list("quantity", flat=True)
        .first()
    )
    if quantity is None:
        raise LookupError(f"{seller_id} does not list {sku!r}")
    return quantity


def refresh_token(seller_id: str) -> str:
    """The seller's current (newest unrevoked) refresh token; raises ``LookupError`` when all
    are revoked."""
    token = (
        SandboxAmazonRefreshToken.objects.filter(
            seller=get_seller(seller_id), revoked_at__isnull=True
        )
        .order_by("-pk")
        .values_list("token", flat=True)
        .first()
    )
    if token is None:
        raise LookupError(f"{seller_id} has no active refresh token")
    return token


def revoke_refresh_token(seller_id: str) -> None:
    """Revoke the seller's refresh tokens (the seller removed the app): LWA then answers
    ``invalid_grant``. Access tokens already issued live until they expire."""
    SandboxAmazonRefreshToken.objects.filter(
        seller=get_seller(seller_id), revoked_at__isnull=True
    ).update(revoked_at=clock.now())


def expire_access_tokens(seller_id: str) -> None:
    """End the life of every access token of the seller now (tests of token refresh)."""
    get_seller(seller_id).access_tokens.update(expires_at=clock.now() - timedelta(seconds=1))


def call_counts(seller_id: str) -> dict[str, int]:
    """SP-API calls received per operation name (e.g. ``getOrders``), plus ``lwaToken``."""
    return throttle.call_counts(get_seller(seller_id))


def reset_call_counts(seller_id: str) -> None:
    """Zero the seller's call counters."""
    throttle.reset_call_counts(get_seller(seller_id))
