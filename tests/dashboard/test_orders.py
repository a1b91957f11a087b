"""Orders list (filters, pagination, tenancy) and order detail."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from django.urls import reverse, reverse_lazy

from integrations.dto import OrderStatus, PaymentMethod
from tests.dashboard.builders import make_order

pytestmark = pytest.mark.django_db

ORDERS = reverse_lazy("dashboard:orders")


def numbers_on(response) -> set[str]:
    return {o.order_number for o in response.context["page"].object_list}


def test_member_sees_their_orders_with_ist_time_rupees_and_badges(owner_client, account):
    make_order(
        account,
        order_number="#A-1",
        total=Decimal("123456.50"),
        payment_method=PaymentMethod.COD,
        items=(("SKU-A", 1), ("SKU-B", 2)),
    )

    response = owner_client.get(ORDERS)

    body = response.content.decode()
    assert response.status_code == 200
    assert "#A-1" in body
    assert "01 Nov 2026, 14:30" in body  # 09:00 UTC is 14:30 IST
    assert "₹1,23,456.50" in body
    assert '<span class="badge badge--cod">COD</span>' in body
    assert '<span class="status status--confirmed">Confirmed</span>' in body
    assert "Pune, Maharashtra" in body
    assert "411001" in body
    assert '<td class="num">2</td>' in body  # item count


def test_another_merchants_orders_never_appear_in_the_list(owner_client, account, other_account):
    make_order(account, order_number="#ALPHA-1")
    make_order(other_account, order_number="#BRAVO-1", customer_name="Bravo Buyer")

    response = owner_client.get(ORDERS)

    body = response.content.decode()
    assert "#ALPHA-1" in body
    assert "#BRAVO-1" not in body
    assert "Bravo Buyer" not in body
    assert response.context["page"].paginator.count == 1


def test_filter_by_status(owner_client, account):
    make_order(account, order_number="#OPEN", status=OrderStatus.CONFIRMED)
    make_order(account, order_number="#GONE", status=OrderStatus.CANCELLED)

    response = owner_client.get(ORDERS, {"status": OrderStatus.CANCELLED})

    assert numbers_on(response) == {"#GONE"}
    assert "match your filters" in response.content.decode()


def test_filter_by_payment_method(owner_client, account):
    make_order(account, order_number="#COD", payment_method=PaymentMethod.COD)
    make_order(account, order_number="#PRE", payment_method=PaymentMethod.PREPAID)

    assert numbers_on(owner_client.get(ORDERS, {"payment_method": "cod"})) == {"#COD"}
    assert numbers_on(owner_client.get(ORDERS, {"payment_method": "prepaid"})) == {"#PRE"}


def test_filter_by_sku(owner_client, account):
    make_order(account, order_number="#KURTA", items=(("KURTA-M", 1), ("DUPATTA", 1)))
    make_order(account, order_number="#SAREE", items=(("SAREE-RED", 1),))

    response = owner_client.get(ORDERS, {"sku": "KURTA-M"})

    assert numbers_on(response) == {"#KURTA"}


def test_filter_by_channel_search_and_dates(owner_client, account):
    make_order(
        account,
        order_number="#OCT",
        placed_at=datetime(2026, 10, 30, 10, tzinfo=UTC),
        customer_name="Ravi Kumar",
    )
    make_order(account, order_number="#NOV", placed_at=datetime(2026, 11, 2, 10, tzinfo=UTC))

    assert numbers_on(owner_client.get(ORDERS, {"q": "ravi"})) == {"#OCT"}
    assert numbers_on(owner_client.get(ORDERS, {"q": "#NOV"})) == {"#NOV"}
    assert numbers_on(owner_client.get(ORDERS, {"date_from": "2026-11-01"})) == {"#NOV"}
    assert numbers_on(owner_client.get(ORDERS, {"date_to": "2026-10-31"})) == {"#OCT"}
    assert numbers_on(owner_client.get(ORDERS, {"channel": "shopify"})) == {"#OCT", "#NOV"}


def test_an_invalid_filter_value_is_reported_and_ignored(owner_client, account):
    make_order(account, order_number="#ANY")

    response = owner_client.get(ORDERS, {"date_from": "not-a-date", "status": "bogus"})

    assert response.status_code == 200
    assert numbers_on(response) == {"#ANY"}
    assert "were not understood" in response.content.decode()


def test_list_is_paginated_by_50_and_keeps_filters_in_page_links(owner_client, account):
    for _ in range(51):
        make_order(account, status=OrderStatus.SHIPPED)

    first = owner_client.get(ORDERS, {"status": "shipped"})
    second = owner_client.get(ORDERS, {"status": "shipped", "page": 2})

    assert len(first.context["page"].object_list) == 50
    assert len(second.context["page"].object_list) == 1
    assert "Page 1 of 2" in first.content.decode()
    assert "?status=shipped&amp;page=2" in first.content.decode()


def test_order_detail_shows_facts_amounts_items_history_and_raw_payload(
    owner_client, account, status_event
):
    order = make_order(
        account,
        order_number="#D-1",
        subtotal=Decimal("2000.00"),
        discount_total=Decimal("200.00"),
        shipping_total=Decimal("49.00"),
        tax_total=Decimal("96.43"),
        total=Decimal("1849.00"),
        items=(("KURTA-M", 2),),
        customer_email="asha@example.in",
    )
    status_event(order, OrderStatus.SHIPPED, previous=OrderStatus.CONFIRMED)

    response = owner_client.get(reverse("dashboard:order_detail", args=[order.pk]))

    body = response.content.decode()
    assert response.status_code == 200
    assert "Order #D-1" in body
    for amount in ("₹2,000.00", "₹200.00", "₹49.00", "₹96.43", "₹1,849.00"):
        assert amount in body
    assert "KURTA-M" in body
    assert "₹1,998.00" in body  # line total: 2 × 999
    assert "Not matched" in body  # no catalog variant linked
    assert "02 Nov 2026, 09:30 IST" in body  # status event 04:00 UTC
    assert "<details" in body
    assert "&quot;note&quot;: &quot;raw-marker&quot;" in body  # pretty-printed, escaped
    assert "asha@example.in" in body
    assert "Tax (included in prices)" in body  # 2000 − 200 + 49 = 1849: tax-inclusive


def test_order_detail_labels_tax_added_on_top_as_plain_tax(owner_client, account):
    order = make_order(
        account, subtotal=Decimal("1000.00"), tax_total=Decimal("180.00"), total=Decimal("1180.00")
    )

    body = owner_client.get(reverse("dashboard:order_detail", args=[order.pk])).content.decode()

    assert "<dt>Tax</dt>" in body
    assert "included in prices" not in body


def test_order_detail_shows_units_removed_before_shipping(owner_client, account):
    order = make_order(account, items=(("KURTA-M", 3), ("DUPATTA", 1)), stock_reserved=True)
    order.items.filter(sku="KURTA-M").update(current_quantity=1)

    body = owner_client.get(reverse("dashboard:order_detail", args=[order.pk])).content.decode()

    assert body.count("removed)") == 1
    assert "(2 removed)" in body


def test_order_detail_of_another_merchant_is_404(owner_client, other_account):
    order = make_order(other_account)

    response = owner_client.get(reverse("dashboard:order_detail", args=[order.pk]))

    assert response.status_code == 404


def test_viewer_can_read_orders(viewer_client, account):
    order = make_order(account, order_number="#V-1")

    assert "#V-1" in viewer_client.get(ORDERS).content.decode()
    assert viewer_client.get(reverse("dashboard:order_detail", args=[order.pk])).status_code == 200


def test_sku_filter_still_counts_every_line_of_the_order(owner_client, account):
    make_order(account, order_number="#MIX", items=(("KURTA-M", 1), ("DUPATTA", 1), ("X", 2)))

    response = owner_client.get(ORDERS, {"sku": "KURTA-M"})

    (order,) = response.context["page"].object_list
    assert order.item_count == 3
