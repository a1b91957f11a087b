"""Seeding: deterministic, realistic Indian D2C data, consistent amounts and stock."""

from __future__ import annotations

import re
from collections import Counter
from decimal import Decimal

from sandbox.kernel.seed.data import CITIES
from sandbox.shopify.models import (
    SandboxInventoryLevel,
    SandboxLineItem,
    SandboxOrder,
    SandboxVariant,
)
from sandbox.shopify.services import seed_shop
from tests.sandbox.conftest import SHOP

SKU = re.compile(r"^[A-Z]{4,5}-[A-Z]{3}\d?(-[A-Z0-9]{1,6})+$")


def fingerprint(shop: str) -> list[tuple]:
    variants = list(
        SandboxVariant.objects.filter(shop__domain=shop)
        .order_by("sku")
        .values_list("sku", "barcode", "price", "compare_at_price")
    )
    orders = list(
        SandboxOrder.objects.filter(shop__domain=shop)
        .order_by("number")
        .values_list(
            "number",
            "total_price",
            "financial_status",
            "fulfillment_status",
            "email",
            "shipping_address__zip",
        )
    )
    lines = list(
        SandboxLineItem.objects.filter(order__shop__domain=shop)
        .order_by("order__number", "position")
        .values_list("sku", "quantity")
    )
    return [*variants, *orders, *lines]


def test_same_seed_gives_the_same_store(db):
    seed_shop(shop=SHOP, products=10, variants=30, orders=60, days=15, seed=99)
    first = fingerprint(SHOP)
    seed_shop(shop=SHOP, products=10, variants=30, orders=60, days=15, seed=99, reset=True)
    again = fingerprint(SHOP)
    seed_shop(shop=SHOP, products=10, variants=30, orders=60, days=15, seed=100, reset=True)

    assert first == again
    assert fingerprint(SHOP) != first


def test_counts_and_catalog_shape(store):
    variants = SandboxVariant.objects.filter(shop=store)
    assert store.products.count() == 12
    assert variants.count() == 40
    assert SandboxOrder.objects.filter(shop=store).count() == 80
    for variant in variants:
        assert SKU.match(variant.sku), variant.sku
        digits = [int(d) for d in variant.barcode]
        assert len(digits) == 13
        assert variant.barcode.startswith("890")
        assert sum(d * (3 if i % 2 else 1) for i, d in enumerate(digits)) % 10 == 0
        if variant.compare_at_price is not None:
            assert variant.compare_at_price > variant.price
            assert str(variant.compare_at_price).endswith("9.00")
        assert str(variant.price).endswith("9.00")
        assert 349 <= variant.price <= 5099
    assert len(set(variants.values_list("sku", flat=True))) == variants.count()


def test_orders_look_like_an_indian_d2c_store(db):
    shop = seed_shop(shop=SHOP, products=20, variants=80, orders=600, days=60, seed=5)
    orders = list(SandboxOrder.objects.filter(shop=shop).prefetch_related("line_items"))
    gateways = Counter(o.payment_gateway_names[0] for o in orders)
    cancelled = sum(o.cancelled_at is not None for o in orders)
    pincodes = {(c[0], c[2]): (c[3], c[4]) for c in CITIES}

    assert 0.5 < gateways["Cash on Delivery (COD)"] / len(orders) < 0.7
    assert set(gateways) <= {"Cash on Delivery (COD)", "razorpay", "Cashfree"}
    assert 0.04 < cancelled / len(orders) < 0.13
    assert {o.financial_status for o in orders} >= {"PAID", "PENDING", "VOIDED", "REFUNDED"}
    assert {o.fulfillment_status for o in orders} >= {"FULFILLED", "UNFULFILLED"}
    for order in orders:
        items = list(order.line_items.all())
        assert 1 <= len(items) <= 5
        assert order.updated_at >= order.created_at
        address = order.shipping_address
        low, high = pincodes[(address["city"], address["province_code"])]
        assert len(address["zip"]) == 6
        assert low <= int(address["zip"]) <= high
        gross = sum(i.price * i.quantity for i in items)
        assert order.subtotal == gross - order.total_discounts
        assert order.total_price == order.subtotal + order.total_shipping
        assert order.total_shipping == 0 or 49 <= order.total_shipping <= 99
        taxes = sum(Decimal(t["amount"]) for i in items for t in i.tax_lines)
        assert order.total_tax == taxes
        assert taxes < order.subtotal * Decimal("0.16")
        assert {t["title"] for i in items for t in i.tax_lines} in ({"IGST"}, {"CGST", "SGST"})
        assert order.id > 2**53
        assert all(i.id > 2**53 for i in items)
    numbers = [o.number for o in sorted(orders, key=lambda o: (o.created_at, o.number))]
    assert numbers == sorted(numbers)
    assert numbers[0] == 1001


def test_committed_stock_matches_open_order_quantities(store):
    open_units: Counter = Counter()
    for item in SandboxLineItem.objects.filter(order__shop=store, order__cancelled_at__isnull=True):
        open_units[item.variant_id] += item.current_quantity - item.fulfilled_quantity
    committed = Counter(
        {
            level.item.variant_id: level.committed
            for level in SandboxInventoryLevel.objects.filter(
                location__is_primary=True, item__shop=store
            ).select_related("item")
            if level.committed
        }
    )

    assert committed == +open_units
    assert sum(committed.values()) > 0


def test_seeding_an_existing_store_without_reset_changes_nothing(store):
    before = fingerprint(SHOP)
    seed_shop(shop=SHOP, products=3, variants=3, orders=3, seed=1)
    assert fingerprint(SHOP) == before
