"""The stock pool: all-or-nothing reservations, backorders, the ledger rebuilding the levels,
and (PostgreSQL) 50 concurrent orders for 10 units."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest
from django.db import connection

from integrations.dto import OrderStatus
from inventory.models import ChannelListing, MovementKind, MovementSource, StockLevel, StockMovement
from inventory.services import default_warehouse, stock_adjust, stock_rebuild
from orders.models import Order
from orders.services import order_import, orders_import
from tests.factories import ChannelAccountFactory, MembershipFactory, VariantFactory, order_dto

pytestmark = pytest.mark.django_db
LATER = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def merchant():
    return MembershipFactory().merchant


@pytest.fixture
def account(merchant):
    return ChannelAccountFactory(merchant=merchant)


def stocked(merchant, sku: str, on_hand: int):
    variant = VariantFactory(product__merchant=merchant, merchant=merchant, sku=sku)
    if on_hand:
        stock_adjust(merchant=merchant, variant_id=variant.pk, on_hand=on_hand, note="opening")
    return variant


def level(variant) -> tuple[int, int]:
    row = StockLevel.objects.get(variant=variant, warehouse__is_default=True)
    return row.on_hand, row.reserved


def test_an_order_that_does_not_fit_reserves_nothing_and_is_flagged(merchant, account):
    a, b = stocked(merchant, "SKU-A", 5), stocked(merchant, "SKU-B", 1)
    order_import(account=account, order=order_dto("1", items=(("SKU-A", 2), ("SKU-B", 2))))
    order = Order.objects.get(external_id="1")
    assert (order.stock_reserved, order.unfulfillable) == (False, True)
    assert level(a) == (5, 0)
    assert level(b) == (1, 0)

    order_import(account=account, order=order_dto("2", items=(("SKU-A", 2), ("SKU-B", 1))))
    assert Order.objects.get(external_id="2").stock_reserved
    assert level(a) == (5, 2)
    assert level(b) == (1, 1)


def test_stock_arriving_allocates_waiting_backorders_oldest_first(merchant, account):
    variant = stocked(merchant, "SKU-A", 1)
    order_import(account=account, order=order_dto("1", items=(("SKU-A", 1),)))
    order_import(account=account, order=order_dto("2", items=(("SKU-A", 2),)))
    order_import(account=account, order=order_dto("3", items=(("SKU-A", 1),)))
    flagged = set(Order.objects.filter(unfulfillable=True).values_list("external_id", flat=True))
    assert flagged == {"2", "3"}

    stock_adjust(merchant=merchant, variant_id=variant.pk, delta=2, kind=MovementKind.RECEIPT)

    # Order 2 (older, needs 2) gets the two new units; order 3 keeps waiting.
    assert set(Order.objects.filter(unfulfillable=True).values_list("external_id", flat=True)) == {
        "3"
    }
    assert level(variant) == (3, 3)


def test_a_cancellation_frees_stock_for_a_backorder(merchant, account):
    variant = stocked(merchant, "SKU-A", 1)
    order_import(account=account, order=order_dto("1", items=(("SKU-A", 1),)))
    order_import(account=account, order=order_dto("2", items=(("SKU-A", 1),)))
    assert Order.objects.get(external_id="2").unfulfillable

    later = order_dto("1", items=(("SKU-A", 1),), status=OrderStatus.CANCELLED, updated_at=LATER)
    order_import(account=account, order=later)

    two = Order.objects.get(external_id="2")
    assert (two.stock_reserved, two.unfulfillable) == (True, False)
    assert level(variant) == (1, 1)


def test_replaying_orders_changes_nothing(merchant, account):
    variant = stocked(merchant, "SKU-A", 10)
    dtos = [order_dto(str(n), items=(("SKU-A", 1),)) for n in range(3)]
    orders_import(account=account, orders=dtos)
    movements = StockMovement.objects.count()
    result = orders_import(account=account, orders=dtos)
    assert result.skipped == 3
    assert StockMovement.objects.count() == movements
    assert level(variant) == (10, 3)


def test_amazon_fulfilled_orders_do_not_touch_the_pool(merchant, account):
    variant = stocked(merchant, "SKU-A", 1)
    dto = order_dto("AFN-1", items=(("SKU-A", 1),))
    # What the Amazon mapping gives an AFN order.
    dto = replace(dto, tags=("AFN",), fulfilled_by_channel=True)
    order_import(account=account, order=dto)
    order = Order.objects.get(external_id="AFN-1")
    assert (order.stock_reserved, order.unfulfillable) == (False, False)
    assert level(variant) == (1, 0)


def test_counts_never_go_negative_and_the_ledger_records_what_was_applied(merchant, account):
    variant = stocked(merchant, "SKU-A", 3)
    order_import(account=account, order=order_dto("1", items=(("SKU-A", 2),)))
    stock_adjust(merchant=merchant, variant_id=variant.pk, delta=-10, note="lost in flood")
    assert level(variant) == (0, 2)
    cut = StockMovement.objects.filter(note="lost in flood").get()
    assert (cut.on_hand_delta, cut.source) == (-3, MovementSource.USER)
    with pytest.raises(ValueError, match="negative"):
        stock_adjust(merchant=merchant, variant_id=variant.pk, on_hand=-1)
    with pytest.raises(ValueError, match="either"):
        stock_adjust(merchant=merchant, variant_id=variant.pk, on_hand=1, delta=1)


def test_the_ledger_rebuilds_the_levels_exactly(merchant, account):
    a, b = stocked(merchant, "SKU-A", 7), stocked(merchant, "SKU-B", 2)
    orders_import(
        account=account,
        orders=[order_dto(str(n), items=(("SKU-A", 1), ("SKU-B", 1))) for n in range(4)],
    )
    shipped = order_dto(
        "0", items=(("SKU-A", 1), ("SKU-B", 1)), status=OrderStatus.SHIPPED, updated_at=LATER
    )
    order_import(account=account, order=shipped)
    stock_adjust(merchant=merchant, variant_id=a.pk, on_hand=4)
    stock_adjust(merchant=merchant, variant_id=b.pk, delta=5, kind=MovementKind.RECEIPT)

    warehouse = default_warehouse(merchant)
    levels = {
        row.variant_id: (row.on_hand, row.reserved)
        for row in StockLevel.objects.filter(warehouse=warehouse)
    }
    assert stock_rebuild(warehouse=warehouse) == levels
    assert levels[a.pk][0] >= 0
    assert levels[b.pk][0] >= 0


# --- PostgreSQL: real row locks ----------------------------------------------------------------
postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="needs PostgreSQL row locks (SQLite serializes)"
)


@pytest.mark.postgres
@postgres_only
@pytest.mark.django_db(transaction=True)
def test_fifty_concurrent_orders_for_ten_units_on_three_channels_reserve_exactly_ten():
    from tests.orders.test_order_import import _run_concurrently

    merchant = MembershipFactory().merchant
    accounts = [
        ChannelAccountFactory(merchant=merchant, provider=provider)
        for provider in ("shopify", "amazon", "flipkart")
    ]
    variant = stocked(merchant, "SKU-HOT", 10)
    for account in accounts:
        ChannelListing.objects.create(
            account=account, variant=variant, external_variant_id="SKU-HOT", channel_sku="SKU-HOT"
        )
    calls = [
        (
            lambda n=n: order_import(
                account=accounts[n % 3], order=order_dto(f"hot-{n}", items=(("SKU-HOT", 1),))
            )
        )
        for n in range(50)
    ]

    results = _run_concurrently(*calls)

    assert sum(r.created for r in results) == 50
    assert level(variant) == (10, 10)
    assert Order.objects.filter(stock_reserved=True).count() == 10
    assert Order.objects.filter(unfulfillable=True).count() == 40
    assert StockMovement.objects.filter(kind=MovementKind.RESERVE).count() == 10
    warehouse = default_warehouse(merchant)
    assert stock_rebuild(warehouse=warehouse)[variant.pk] == (10, 10)
