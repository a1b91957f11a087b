"""Seeding and the services the demo and benchmark use: deterministic data, the Shopify
sandbox's catalog, Amazon.in realism, simulated orders and status changes."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.core.management import call_command

from sandbox.amazon import services
from sandbox.amazon.models import (
    SandboxAmazonListing,
    SandboxAmazonOrder,
    SandboxAmazonOrderItem,
)
from sandbox.kernel.seed.data import CITIES
from sandbox.shopify.models import SandboxInventoryLevel, SandboxVariant
from sandbox.shopify.services import seed_shop
from tests.sandbox.amazon.conftest import SELLER

SHOP = "kesari-amazon.myshopify.com"
STATES = {city[1] for city in CITIES}


def fingerprint() -> list[tuple]:
    listings = list(
        SandboxAmazonListing.objects.order_by("sku").values_list(
            "sku", "asin", "title", "price", "quantity"
        )
    )
    orders = list(
        SandboxAmazonOrder.objects.order_by("amazon_order_id").values_list(
            "amazon_order_id", "status", "order_total", "payment_method", "fulfillment_channel"
        )
    )
    items = list(
        SandboxAmazonOrderItem.objects.order_by("order_item_id").values_list(
            "order_item_id", "seller_sku", "quantity_ordered", "item_price", "item_tax"
        )
    )
    return [*listings, *orders, *items]


def seed(seed: int = 7, **kwargs) -> None:
    options = {"orders": 60, "days": 15, "products": 10, "variants": 30, **kwargs}
    services.seed_seller(seller_id=SELLER, seed=seed, **options)


def test_same_seed_gives_the_same_seller(db, frozen_clock):
    seed(11)
    first = fingerprint()
    seed(11)
    again = fingerprint()
    seed(12)

    assert first == again
    assert fingerprint() != first
    assert SandboxAmazonOrder.objects.count() == 60


def test_reseeding_resets_tokens_and_counters(db, client):
    seed(refresh_token="Atzr|first")
    services.inject_faults(SELLER, count=5, status=500)
    seed(refresh_token="Atzr|second")

    assert services.refresh_token(SELLER) == "Atzr|second"
    seller = services.get_seller(SELLER)
    assert seller.fault_count == 0


def test_without_a_shop_the_catalog_is_the_shopify_generators(db):
    seed_shop(shop=SHOP, products=10, variants=30, orders=5, days=15, seed=7)
    seed(7)

    shop = set(SandboxVariant.objects.values_list("sku", "price"))
    amazon = set(SandboxAmazonListing.objects.values_list("sku", "price"))
    assert amazon == shop


def test_listings_copy_a_given_shop(db):
    seed_shop(shop=SHOP, products=8, variants=20, orders=5, days=15, seed=3)
    seed(9, shop=SHOP)

    available = dict(
        SandboxInventoryLevel.objects.filter(location__is_primary=True).values_list(
            "item__variant__sku", "available"
        )
    )
    listings = {
        row[0]: row for row in SandboxAmazonListing.objects.values_list("sku", "quantity", "title")
    }
    assert set(listings) == set(SandboxVariant.objects.values_list("sku", flat=True))
    assert all(listings[sku][1] == available.get(sku, 0) for sku in listings)
    assert all(title.startswith("Kesari Amazon ") for _, _, title in listings.values())


def test_unknown_shop_is_a_lookup_error(db):
    with pytest.raises(LookupError):
        seed(shop="nowhere.myshopify.com")


def test_orders_look_like_amazon_in(db):
    seed(5, orders=600, days=60, products=20, variants=60)
    orders = SandboxAmazonOrder.objects.all()

    assert all(re.fullmatch(r"40[2-8]-\d{7}-\d{7}", o.amazon_order_id) for o in orders)
    assert {o.fulfillment_channel for o in orders} == {"AFN", "MFN"}
    assert {o.payment_method for o in orders} == {"COD", "Other"}
    assert {"Shipped", "Unshipped", "Canceled"} <= {o.status for o in orders}
    assert any(o.is_prime for o in orders)
    assert any(o.is_business_order for o in orders)
    assert {o.ship_state for o in orders} <= STATES
    assert all(re.fullmatch(r"\d{6}", o.ship_postal_code) for o in orders)
    items = SandboxAmazonOrderItem.objects.all()
    assert any(i.promotion_discount > 0 for i in items)
    assert any(len(i.promotion_ids) > 0 for i in items)
    assert any('"' in i.title for i in items)
    for item in items[:50]:
        listing = SandboxAmazonListing.objects.get(sku=item.seller_sku)
        assert item.item_price == listing.price * item.quantity_ordered
        rate = listing.gst_rate
        assert abs(item.item_tax - item.item_price * rate / (1 + rate)) < Decimal("0.01")


def test_simulated_orders_are_new_and_take_merchant_stock(seller):
    stock = dict(SandboxAmazonListing.objects.values_list("sku", "quantity"))

    created = services.simulate_orders(seller_id=SELLER, count=5, seed=2)

    orders = SandboxAmazonOrder.objects.filter(amazon_order_id__in=created)
    assert len(created) == orders.count() == 5
    assert all(o.status in ("Pending", "Unshipped") for o in orders)
    assert all((o.status == "Pending") == (o.payment_method == "Other") for o in orders)
    sold: dict[str, int] = {}
    for item in SandboxAmazonOrderItem.objects.filter(
        order__in=orders, order__fulfillment_channel="MFN"
    ):
        sold[item.seller_sku] = sold.get(item.seller_sku, 0) + item.quantity_ordered
    for sku, quantity in sold.items():
        assert services.listing_quantity(SELLER, sku) == stock[sku] - quantity


def test_status_changes_bump_last_update_and_cancelling_restocks(seller, frozen_clock):
    (order_id,) = services.simulate_orders(seller_id=SELLER, count=1, seed=4)
    order = SandboxAmazonOrder.objects.get(amazon_order_id=order_id)
    order.fulfillment_channel = "MFN"
    order.save()
    item = order.items.first()
    before = services.listing_quantity(SELLER, item.seller_sku)

    frozen_clock.advance(60)
    cancelled = services.update_order_status(
        seller_id=SELLER, amazon_order_id=order_id, status="Canceled"
    )

    assert cancelled.status == "Canceled"
    assert cancelled.last_update_date > order.last_update_date
    assert services.listing_quantity(SELLER, item.seller_sku) == before + item.quantity_ordered
    with pytest.raises(ValueError, match="cannot change"):
        services.update_order_status(seller_id=SELLER, amazon_order_id=order_id, status="Shipped")


def test_shipping_an_order_ships_every_item(seller):
    order = SandboxAmazonOrder.objects.filter(status="Unshipped").first()

    shipped = services.update_order_status(
        seller_id=SELLER, amazon_order_id=order.amazon_order_id, status="Shipped"
    )

    assert shipped.items_unshipped == 0
    assert shipped.items_shipped == sum(i.quantity_ordered for i in order.items.all())


def test_management_command_seeds_a_seller(db, capsys):
    call_command(
        "sandbox_amazon_seed",
        "--seller-id",
        SELLER,
        "--orders",
        "25",
        "--rate-scale",
        "50",
        verbosity=0,
    )

    seller = services.get_seller(SELLER)
    assert seller.orders.count() == 25
    assert seller.rate_scale == 50
    assert "Refresh token: Atzr|" in capsys.readouterr().out
