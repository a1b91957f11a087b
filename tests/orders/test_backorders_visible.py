"""Backorders are visible (defects issue §2): the order API carries the flag and when it began
and ended, ``?backorder=`` filters it, the orders page shows a badge and a filter, the stock
and SKU pages count the orders waiting for each SKU, and the admin lists and filters them;
when stock arrives and they are reserved, all of it shows."""

from __future__ import annotations

import pytest
from django.urls import reverse

from inventory.models import MovementKind
from inventory.services import stock_adjust
from orders.models import Order
from orders.selectors import backorders_by_variant
from orders.services import order_import
from tests.factories import ChannelAccountFactory, VariantFactory, order_dto

pytestmark = pytest.mark.django_db


@pytest.fixture
def account(merchant):
    return ChannelAccountFactory(merchant=merchant)


@pytest.fixture
def oversold(merchant, account):
    """SKU-A with 1 unit: order 1 takes it, orders 2 (2 units) and 3 (1 unit) wait."""
    variant = VariantFactory(product__merchant=merchant, merchant=merchant, sku="SKU-A")
    stock_adjust(merchant=merchant, variant_id=variant.pk, on_hand=1, note="opening")
    for external_id, units in (("1", 1), ("2", 2), ("3", 1)):
        order_import(account=account, order=order_dto(external_id, items=(("SKU-A", units),)))
    return variant


def by_number(results) -> dict[str, dict]:
    return {row["external_id"]: row for row in results}


def test_the_order_api_carries_the_flag_and_filters_on_it(api_client, oversold):
    rows = by_number(api_client.get("/api/multi-channel/orders").json()["results"])
    assert {k: v["backorder"] for k, v in rows.items()} == {"1": False, "2": True, "3": True}
    assert rows["2"]["backordered_at"] is not None
    assert rows["2"]["backorder_filled_at"] is None
    assert rows["1"]["backordered_at"] is None

    waiting = api_client.get("/api/multi-channel/orders", {"backorder": "true"}).json()
    assert sorted(r["external_id"] for r in waiting["results"]) == ["2", "3"]
    others = api_client.get("/api/multi-channel/orders", {"backorder": "false"}).json()
    assert [r["external_id"] for r in others["results"]] == ["1"]
    assert api_client.get("/api/multi-channel/orders", {"backorder": "maybe"}).status_code == 400

    order = Order.objects.get(external_id="2")
    detail = api_client.get(f"/api/multi-channel/orders/{order.pk}").json()
    assert detail["backorder"] is True


def test_stock_arriving_fills_backorders_and_it_shows(api_client, merchant, oversold):
    stock_adjust(merchant=merchant, variant_id=oversold.pk, delta=2, kind=MovementKind.RECEIPT)
    rows = by_number(api_client.get("/api/multi-channel/orders").json()["results"])
    assert (rows["2"]["backorder"], rows["3"]["backorder"]) == (False, True)
    assert rows["2"]["backorder_filled_at"] is not None
    assert rows["2"]["backordered_at"] is not None  # kept: it did wait
    assert rows["3"]["backorder_filled_at"] is None


def test_the_counts_per_sku_are_orders_and_units_waiting(merchant, oversold):
    other = VariantFactory(product__merchant=merchant, merchant=merchant, sku="SKU-B")
    counts = backorders_by_variant(merchant=merchant, variant_ids=[oversold.pk, other.pk])
    assert set(counts) == {oversold.pk}
    assert (counts[oversold.pk].orders, counts[oversold.pk].units) == (2, 3)
    assert counts[oversold.pk].oldest is not None


def test_the_orders_page_shows_a_badge_and_filters_backorders(client, user, oversold):
    client.force_login(user)
    page = client.get(reverse("dashboard:orders")).content.decode()
    assert page.count('class="badge badge--backorder"') == 2
    assert 'name="backorder"' in page
    only = client.get(reverse("dashboard:orders"), {"backorder": "true"}).content.decode()
    assert "2 orders match your filters" in only
    detail = client.get(
        reverse("dashboard:order_detail", args=[Order.objects.get(external_id="3").pk])
    ).content.decode()
    assert "Waiting for stock since" in detail


def test_the_stock_and_sku_pages_count_the_orders_waiting(client, user, oversold):
    client.force_login(user)
    stock = client.get(reverse("dashboard:stock")).content.decode()
    assert "2 orders · 3 u" in stock
    assert "?sku=SKU-A&amp;backorder=true" in stock
    sku = client.get(reverse("dashboard:sku_detail", args=["SKU-A"])).content.decode()
    assert "2 open orders wait for 3 units of this SKU" in sku


def test_the_admin_lists_and_filters_backorders(client, oversold, django_user_model):
    staff = django_user_model.objects.create_superuser("staff", "s@example.com", "pw")
    client.force_login(staff)
    listing = client.get("/admin/orders/order/", {"unfulfillable__exact": "1"})
    assert listing.status_code == 200
    body = listing.content.decode()
    assert "2 results (" in body
    assert body.count('<td class="field-backorder"><img src="/static/admin/img/icon-yes.svg"') == 2
    assert "By backorder (waiting for stock)" in body
