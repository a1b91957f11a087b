"""Seeding the Flipkart sandbox (catalog, realistic history, idempotency) and the services that
change it (new orders, state changes)."""

from __future__ import annotations

import re
import uuid
from collections import Counter

import pytest
from django.db.models import Count

from tests.sandbox.flipkart.conftest import APP_ID, SECRET

SHOP = "kesari-fk.myshopify.com"


def items_of(seller):
    from sandbox.flipkart.models import SandboxFlipkartOrderItem

    return SandboxFlipkartOrderItem.objects.filter(shipment__seller=seller)


@pytest.fixture
def big_seller(db):
    from sandbox.flipkart.services import seed_seller

    return seed_seller(
        application_id=APP_ID, orders=400, days=60, seed=5, application_secret=SECRET
    )


def test_ids_look_like_flipkarts(big_seller):
    item = items_of(big_seller).select_related("shipment", "listing").first()
    assert re.fullmatch(r"OD\d{18}", item.order_id)
    assert re.fullmatch(r"\d{16}", item.order_item_id)
    assert uuid.UUID(item.shipment.shipment_id).version == 4
    assert re.fullmatch(r"[A-Z0-9]{16}", item.fsn)
    assert item.listing_code == item.listing.listing_id
    assert re.fullmatch(rf"LST{item.fsn}[A-Z0-9]{{6}}", item.listing_code)
    assert big_seller.location_id == "LOCa1b2c3d4e5"


def test_the_history_looks_like_a_real_flipkart_seller(big_seller):
    from sandbox.flipkart.models import SandboxFlipkartReturn, SandboxFlipkartShipment

    items = items_of(big_seller)
    statuses = Counter(items.values_list("status", flat=True))
    assert {"SHIPPED", "DELIVERED", "CANCELLED", "RETURN_REQUESTED", "RETURNED"} <= set(statuses)
    assert set(statuses) & {"APPROVED", "PACKING_IN_PROGRESS", "PACKED", "READY_TO_DISPATCH"}
    assert statuses["DELIVERED"] > statuses["CANCELLED"] > 0
    assert set(items.values_list("payment_type", flat=True)) == {"COD", "PREPAID"}
    split = (
        SandboxFlipkartShipment.objects.filter(seller=big_seller)
        .values("order_id")
        .annotate(n=Count("id"))
        .filter(n=2)
    )
    assert split.exists()
    cancelled = items.filter(status="CANCELLED")
    assert not cancelled.filter(cancellation_reason="").exists()
    assert not cancelled.filter(cancellation_date__isnull=True).exists()
    returns = SandboxFlipkartReturn.objects.filter(seller=big_seller)
    assert set(returns.values_list("source", flat=True)) == {"customer_return", "courier_return"}
    assert all(r.order_item.courier_return for r in returns.filter(source="courier_return"))
    assert all(
        r.order_item.status in ("RETURN_REQUESTED", "RETURNED")
        for r in returns.select_related("order_item")
    )
    small = items.filter(selling_price__lt=500, shipping_charge=40)
    assert small.exists()  # orders under ₹500 pay ₹40 shipping
    assert items.filter(flipkart_discount__gt=0).exists()
    for shipment in SandboxFlipkartShipment.objects.filter(seller=big_seller)[:50]:
        assert shipment.order_date <= shipment.updated_at


def test_the_catalog_is_the_shopify_shops_when_given(db):
    from sandbox.flipkart.services import listing_inventory, seed_seller
    from sandbox.shopify.models import SandboxInventoryLevel, SandboxVariant
    from sandbox.shopify.services import seed_shop

    seed_shop(shop=SHOP, products=5, variants=14, orders=5, days=5, seed=2)
    seller = seed_seller(application_id=APP_ID, shop=SHOP, orders=20, days=10)

    variants = {v.sku: v for v in SandboxVariant.objects.filter(shop__domain=SHOP)}
    listings = {listing.sku: listing for listing in seller.listings.all()}
    assert set(listings) == set(variants)
    sku, variant = next(iter(variants.items()))
    assert listings[sku].selling_price == variant.price
    assert listings[sku].mrp >= variant.price
    primary = SandboxInventoryLevel.objects.get(item__variant=variant, location__is_primary=True)
    assert listing_inventory(APP_ID, sku) == max(primary.available, 0)
    assert seller.shop_domain == SHOP


def test_an_unknown_shop_is_refused(db):
    from sandbox.flipkart.services import seed_seller

    with pytest.raises(LookupError):
        seed_seller(application_id=APP_ID, shop="ghost.myshopify.com", orders=1)


def test_seeding_again_recreates_the_same_data_and_keeps_tokens(
    client, seller, token, frozen_clock
):
    from sandbox.flipkart.models import SandboxFlipkartToken
    from sandbox.flipkart.services import seed_seller

    def snapshot():
        return sorted(
            items_of(seller).values_list("order_item_id", "order_id", "sku", "status", "quantity")
        )

    seed_seller(application_id=APP_ID, orders=60, days=30, seed=3, application_secret=SECRET)
    first = snapshot()
    seed_seller(application_id=APP_ID, orders=60, days=30, seed=3, application_secret=SECRET)

    assert snapshot() == first
    assert SandboxFlipkartToken.objects.filter(token=token).exists()
    other = seed_seller(application_id="other-app", orders=60, days=30, seed=3)
    assert not set(items_of(other).values_list("order_item_id", flat=True)) & {r[0] for r in first}


def test_simulated_orders_are_new_approved_shipments_that_take_stock(api, seller):
    from sandbox.flipkart.models import SandboxFlipkartOrderItem
    from sandbox.flipkart.services import listing_inventory, simulate_orders

    stock_before = {
        listing.sku: listing_inventory(APP_ID, listing.sku) for listing in seller.listings.all()
    }

    placed = simulate_orders(application_id=APP_ID, count=5, seed=1)

    assert len(placed) == 5
    items = SandboxFlipkartOrderItem.objects.filter(order_id__in=placed)
    assert set(items.values_list("status", flat=True)) == {"APPROVED"}
    taken = Counter()
    for item in items:
        taken[item.sku] += item.quantity
    for sku, units in taken.items():
        assert listing_inventory(APP_ID, sku) == stock_before[sku] - units
    found = api.post(
        "/v3/shipments/filter", {"filter": {"type": "preDispatch", "states": ["APPROVED"]}}
    ).json()
    assert set(placed) <= {i["orderId"] for s in found["shipments"] for i in s["orderItems"]}


def test_cancelling_a_new_shipment_restocks_and_bumps_updated_at(seller, frozen_clock):
    from sandbox.flipkart.models import SandboxFlipkartShipment
    from sandbox.flipkart.services import (
        listing_inventory,
        simulate_orders,
        update_shipment_state,
    )

    [order_id] = simulate_orders(application_id=APP_ID, count=1, seed=2)
    shipment = SandboxFlipkartShipment.objects.filter(order_id=order_id).first()
    item = shipment.items.first()
    before = listing_inventory(APP_ID, item.sku)
    frozen_clock.advance(120)

    updated = update_shipment_state(
        application_id=APP_ID,
        shipment_id=shipment.shipment_id,
        state="CANCELLED",
        reason="buyer_cancellation",
    )

    item.refresh_from_db()
    assert item.status == "CANCELLED"
    assert item.cancellation_reason == "buyer_cancellation"
    assert item.cancellation_date == updated.updated_at
    assert updated.updated_at > shipment.updated_at
    assert listing_inventory(APP_ID, item.sku) == before + item.quantity


def test_return_states_open_and_complete_a_return(seller):
    from sandbox.flipkart.models import SandboxFlipkartShipment
    from sandbox.flipkart.services import update_shipment_state

    shipment = (
        SandboxFlipkartShipment.objects.filter(seller=seller, items__status="DELIVERED")
        .exclude(items__returns__isnull=False)
        .first()
    )
    update_shipment_state(
        application_id=APP_ID,
        shipment_id=shipment.shipment_id,
        state="RETURN_REQUESTED",
        courier_return=True,
    )
    item = shipment.items.first()
    ret = item.returns.get()
    assert (ret.source, ret.status) == ("courier_return", "CREATED")

    update_shipment_state(application_id=APP_ID, shipment_id=shipment.shipment_id, state="RETURNED")

    ret.refresh_from_db()
    item.refresh_from_db()
    assert (item.status, ret.status, ret.shipment_status) == ("RETURNED", "COMPLETED", "DELIVERED")


def test_unknown_states_and_shipments_are_refused(seller):
    from sandbox.flipkart.services import update_shipment_state

    with pytest.raises(ValueError, match="state"):
        update_shipment_state(application_id=APP_ID, shipment_id="x", state="LOST")
    with pytest.raises(LookupError):
        update_shipment_state(application_id=APP_ID, shipment_id="x", state="SHIPPED")


def test_the_seed_command_reports_what_it_made(db):
    from io import StringIO

    from django.core.management import CommandError, call_command

    from sandbox.flipkart.services import get_seller

    out = StringIO()
    call_command("sandbox_flipkart_seed", "--app-id", "cmd-app", "--orders", "12", stdout=out)

    seller = get_seller("cmd-app")
    assert f"{seller.listings.count()} listings, 12 orders" in out.getvalue()
    assert "/sandbox/flipkart/cmd-app" in out.getvalue()
    with pytest.raises(CommandError, match="ghost"):
        call_command("sandbox_flipkart_seed", "--shop", "ghost.myshopify.com", stdout=out)
