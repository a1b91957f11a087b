"""Stock page: the merchant's pool only, search, low-stock toggle, pagination."""

from __future__ import annotations

import pytest
from django.urls import reverse_lazy

from tests.dashboard.builders import make_stock

pytestmark = pytest.mark.django_db

STOCK = reverse_lazy("dashboard:stock")


def skus_on(response) -> set[str]:
    return {level.variant.sku for level in response.context["page"].object_list}


def test_member_sees_on_hand_reserved_and_available(owner_client, owner):
    make_stock(owner.merchant, "KURTA-M-BLU", on_hand=20, reserved=3, title="Blue Kurta")

    response = owner_client.get(STOCK)

    body = response.content.decode()
    assert "KURTA-M-BLU" in body
    assert "Blue Kurta" in body
    assert "Main" in body
    assert '<td class="num">20</td>' in body
    assert '<td class="num">3</td>' in body
    assert '<span class="qty">17</span>' in body


def test_available_to_sell_never_shows_below_zero(owner_client, owner):
    make_stock(owner.merchant, "OVERSOLD", on_hand=1, reserved=4)

    body = owner_client.get(STOCK).content.decode()

    assert '<span class="qty qty--out">0</span>' in body
    assert "−3" not in body
    assert ">-3<" not in body


def test_another_merchants_stock_never_appears(owner_client, owner, outsider):
    make_stock(owner.merchant, "ALPHA-SKU", on_hand=5)
    make_stock(outsider.merchant, "BRAVO-SKU", on_hand=5, title="Bravo Product")

    response = owner_client.get(STOCK)

    body = response.content.decode()
    assert "ALPHA-SKU" in body
    assert "BRAVO-SKU" not in body
    assert "Bravo Product" not in body


def test_search_matches_sku_or_product_title(owner_client, owner):
    make_stock(owner.merchant, "KURTA-1", on_hand=9, title="Cotton Kurta")
    make_stock(owner.merchant, "SAREE-1", on_hand=9, title="Silk Saree")

    assert skus_on(owner_client.get(STOCK, {"q": "kurta-1"})) == {"KURTA-1"}
    assert skus_on(owner_client.get(STOCK, {"q": "silk"})) == {"SAREE-1"}


def test_low_stock_toggle_keeps_rows_with_five_or_fewer_available(owner_client, owner):
    make_stock(owner.merchant, "PLENTY", on_hand=50)
    make_stock(owner.merchant, "LOW", on_hand=8, reserved=3)

    response = owner_client.get(STOCK, {"low": "1"})

    assert skus_on(response) == {"LOW"}
    assert 'name="low" value="1" checked' in response.content.decode()


def test_stock_is_paginated_by_50(owner_client, owner):
    for i in range(51):
        make_stock(owner.merchant, f"SKU-{i:03d}", on_hand=10)

    first = owner_client.get(STOCK)
    second = owner_client.get(STOCK, {"page": 2})

    assert len(first.context["page"].object_list) == 50
    assert skus_on(second) == {"SKU-050"}
