"""Public Python API of the Flipkart sandbox, for the demo, management commands and tests.

Sellers are addressed by their ``application_id`` (the account's key and the sandbox root
``/sandbox/flipkart/<application_id>``). Every change bumps the shipment's ``updatedAt`` with
the sandbox clock, so searches by ``modifiedDate`` see it. Money is ``Decimal`` rupees.
"""

from __future__ import annotations

import random
from datetime import datetime

from django.db import transaction
from django.db.models import F, Sum

from sandbox.flipkart import fakes
from sandbox.flipkart import seed as generator
from sandbox.flipkart.models import (
    SandboxFlipkartCallCount,
    SandboxFlipkartListing,
    SandboxFlipkartOrderItem,
    SandboxFlipkartReturn,
    SandboxFlipkartSeller,
    SandboxFlipkartShipment,
    SandboxFlipkartStock,
)
from sandbox.kernel import clock

BATCH = 500
FAULT_STATUSES = (429, 500, 503)


def get_seller(application_id: str) -> SandboxFlipkartSeller:
    """The seeded seller; raises ``LookupError`` when ``application_id`` was never seeded."""
    seller = SandboxFlipkartSeller.objects.filter(application_id=application_id).first()
    if seller is None:
        raise LookupError(f"No Flipkart sandbox seller {application_id!r}; seed it first.")
    return seller


def seed_seller(
    *,
    application_id: str,
    shop: str | None = None,
    orders: int,
    days: int = 60,
    seed: int = 5,
    application_secret: str = "sandbox-secret",  # noqa: S107 - the sandbox's demo secret
    location_id: str = "LOCa1b2c3d4e5",
) -> SandboxFlipkartSeller:
    """Create (or re-create) a seller with listings and ``orders`` orders over ``days`` days.

    The catalog is the Shopify sandbox ``shop``'s (raises ``LookupError`` if it is not seeded)
    or generated. Idempotent: seeding again with the same arguments replaces the listings,
    shipments and returns with the same data (shifted to the current clock); the application
    row and its tokens stay, so connected clients keep working. Rows go in with
    ``bulk_create``."""
    rng = random.Random(f"{seed}:{application_id}")  # noqa: S311 - reproducible fake data
    now = clock.now()
    with transaction.atomic():
        seller = SandboxFlipkartSeller.objects.select_for_update().filter(
            application_id=application_id
        ).first() or SandboxFlipkartSeller(application_id=application_id, created_at=now)
        seller.application_secret = application_secret
        seller.location_id = location_id
        seller.shop_domain = shop or ""
        seller.seller_id = fakes.seller_id(rng)
        seller.name = f"{(shop or 'sandbox').split('.')[0].replace('-', ' ').title()} Retail"
        seller.updated_at = now
        seller.save()
        seller.shipments.all().delete()
        seller.listings.all().delete()
        rows = generator.catalog_from_shop(shop) if shop else generator.generated_catalog(rng, now)
        listings, stocks = generator.make_listings(rng, seller, rows, now)
        SandboxFlipkartListing.objects.bulk_create(listings, batch_size=BATCH)
        SandboxFlipkartStock.objects.bulk_create(stocks, batch_size=BATCH)
        history = generator.build_history(rng, seller, listings, orders=orders, days=days, now=now)
        SandboxFlipkartShipment.objects.bulk_create(history.shipments, batch_size=BATCH)
        SandboxFlipkartOrderItem.objects.bulk_create(history.items, batch_size=BATCH)
        SandboxFlipkartReturn.objects.bulk_create(history.returns, batch_size=BATCH)
    return seller


def simulate_orders(*, application_id: str, count: int, seed: int | None = None) -> list[str]:
    """Place ``count`` new orders now (state APPROVED) for listings in stock at the seller's
    location, taking their units from the listing's inventory as Flipkart does. Returns the
    order ids (fewer when stock runs out)."""
    rng = random.Random(seed)  # noqa: S311 - reproducible fake data, not secrets
    placed: list[str] = []
    with transaction.atomic():
        seller = SandboxFlipkartSeller.objects.select_for_update().get(
            pk=get_seller(application_id).pk
        )
        stock = {
            s.listing_id: s
            for s in SandboxFlipkartStock.objects.select_for_update()
            .filter(listing__seller=seller, location_id=seller.location_id, inventory__gt=0)
            .select_related("listing")
            .order_by("pk")
        }
        for _ in range(count):
            in_stock = [s.listing for s in stock.values() if s.inventory > 0]
            if not in_stock:
                break
            picks = [
                generator.Pick(p.listing, min(p.quantity, stock[p.listing.pk].inventory))
                for p in generator.pick_lines(rng, in_stock, [1.0] * len(in_stock))
            ]
            now = clock.now()
            history = generator.compose_order(
                rng, seller=seller, picks=picks, ordered_at=now, now=now, state="APPROVED"
            )
            for shipment in history.shipments:
                shipment.updated_at = now
            SandboxFlipkartShipment.objects.bulk_create(history.shipments)
            SandboxFlipkartOrderItem.objects.bulk_create(history.items)
            for pick in picks:
                row = stock[pick.listing.pk]
                row.inventory -= pick.quantity
                row.updated_at = now
                row.save(update_fields=["inventory", "updated_at"])
            placed.append(history.shipments[0].order_id)
    return placed


def update_shipment_state(
    *,
    application_id: str,
    shipment_id: str,
    state: str,
    order_item_ids: list[str] | None = None,
    reason: str = "",
    sub_reason: str = "",
    courier_return: bool = False,
) -> SandboxFlipkartShipment:
    """Move a shipment's items (all, or ``order_item_ids``) to ``state`` (a Flipkart order
    item status) and bump its ``updatedAt``. CANCELLED records the reason and puts
    not-yet-dispatched units back in stock; RETURN_REQUESTED opens a return (customer return,
    or courier return when ``courier_return``) and RETURNED completes it. Raises
    ``ValueError`` for an unknown state and ``LookupError`` for an unknown shipment."""
    if state not in fakes.ITEM_STATES:
        raise ValueError(f"state must be one of {fakes.ITEM_STATES}")
    seller = get_seller(application_id)
    with transaction.atomic():
        shipment = (
            SandboxFlipkartShipment.objects.select_for_update()
            .filter(seller=seller, shipment_id=shipment_id)
            .first()
        )
        if shipment is None:
            raise LookupError(f"No shipment {shipment_id!r}")
        now = clock.after(shipment.updated_at)
        items = list(shipment.items.select_related("listing").order_by("pk"))
        if order_item_ids is not None:
            wanted = set(order_item_ids)
            items = [i for i in items if i.order_item_id in wanted]
        rng = random.Random(f"{shipment_id}:{state}:{now.isoformat()}")  # noqa: S311
        for item in items:
            if state == "CANCELLED" and item.status in fakes.PRE_DISPATCH and item.listing:
                SandboxFlipkartStock.objects.filter(
                    listing=item.listing, location_id=shipment.location_id
                ).update(inventory=F("inventory") + item.quantity, updated_at=now)
            item.status = state
            if state == "CANCELLED":
                item.cancellation_date = now
                item.cancellation_reason = reason or "seller_cancellation"
                item.cancellation_sub_reason = sub_reason or "not_enough_inventory"
            if state in ("RETURN_REQUESTED", "RETURNED"):
                item.courier_return = item.courier_return or courier_return
                _advance_return(rng, seller, item, state, now, reason, sub_reason)
            item.save()
        shipment.updated_at = now
        shipment.save(update_fields=["updated_at"])
    return shipment


def _advance_return(
    rng: random.Random,
    seller: SandboxFlipkartSeller,
    item: SandboxFlipkartOrderItem,
    state: str,
    now: datetime,
    reason: str,
    sub_reason: str,
) -> None:
    ret = item.returns.exclude(status="CANCELLED").order_by("-pk").first()
    if ret is None:
        ret = generator.make_return(
            rng, seller, item, "RTO_REQUESTED" if item.courier_return else "RETURN_REQUESTED", now
        )
        ret.created_at = ret.updated_at = now
        ret.reason, ret.sub_reason = reason or ret.reason, sub_reason or ret.sub_reason
    if state == "RETURNED":
        ret.status, ret.shipment_status = "COMPLETED", "DELIVERED"
    ret.updated_at = now
    ret.save()


def listing_inventory(application_id: str, sku: str) -> int:
    """Units of ``sku`` across the seller's locations (0 when unlisted)."""
    total = SandboxFlipkartStock.objects.filter(
        listing__seller=get_seller(application_id), listing__sku=sku
    ).aggregate(total=Sum("inventory"))["total"]
    return int(total or 0)


def inject_faults(application_id: str, *, count: int, status: int) -> None:
    """The next ``count`` Seller API calls (not token requests) answer ``status`` (429 with
    ``Retry-After: 1``, 500 or 503); replaces pending faults."""
    if status not in FAULT_STATUSES:
        raise ValueError(f"status must be one of {FAULT_STATUSES}")
    SandboxFlipkartSeller.objects.filter(pk=get_seller(application_id).pk).update(
        fault_status=status, faults_remaining=max(0, count)
    )


def set_token_lifetime(application_id: str, seconds: int) -> None:
    """Tokens issued from now on expire after ``seconds`` (default ≈60 days)."""
    if seconds < 1:
        raise ValueError("seconds must be positive")
    SandboxFlipkartSeller.objects.filter(pk=get_seller(application_id).pk).update(
        token_lifetime=seconds
    )


def call_counts(application_id: str) -> dict[str, int]:
    """Requests received per endpoint (``token``, ``shipments.filter``, ``shipments.lookup``,
    ``returns``, ``listings.get``, ``listings.inventory``, ``listings.price``)."""
    return dict(
        SandboxFlipkartCallCount.objects.filter(seller=get_seller(application_id)).values_list(
            "endpoint", "count"
        )
    )


def reset_call_counts(application_id: str) -> None:
    """Start counting from zero."""
    SandboxFlipkartCallCount.objects.filter(seller=get_seller(application_id)).delete()
