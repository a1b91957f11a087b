"""Staff views of orders, catalog, stock and channel listings."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from inventory.models import ChannelListing
from tests.dashboard.builders import make_order, make_stock
from tests.factories import ChannelAccountFactory, VariantFactory

pytestmark = pytest.mark.django_db


def test_order_changelist_searches_by_number_and_customer(admin_client, account):
    make_order(
        account, order_number="#FIND-ME", customer_name="Meera Iyer", total=Decimal("250000.00")
    )
    make_order(account, order_number="#OTHER", customer_name="Someone Else")
    url = reverse("admin:orders_order_changelist")

    by_number = admin_client.get(url, {"q": "FIND-ME"}).content.decode()
    by_customer = admin_client.get(url, {"q": "Meera"}).content.decode()

    assert "#FIND-ME" in by_number
    assert "#OTHER" not in by_number
    assert "#FIND-ME" in by_customer
    assert "₹2,50,000.00" in by_number


def test_order_changelist_filters_by_payment_method(admin_client, account):
    make_order(account, order_number="#COD-1", payment_method="cod")
    make_order(account, order_number="#PRE-1", payment_method="prepaid")

    body = admin_client.get(
        reverse("admin:orders_order_changelist"), {"payment_method__exact": "cod"}
    ).content.decode()

    assert "#COD-1" in body
    assert "#PRE-1" not in body


def test_order_change_page_is_read_only_with_items_and_raw_payload(admin_client, account):
    order = make_order(account, items=(("KURTA-M", 2),))

    body = admin_client.get(reverse("admin:orders_order_change", args=[order.pk])).content.decode()

    assert "KURTA-M" in body
    assert "raw-marker" in body
    assert 'name="_save"' not in body
    assert admin_client.get(reverse("admin:orders_order_add")).status_code == 403


def test_staff_fix_a_listing_match_and_buffer(admin_client, account):
    old = VariantFactory(product__merchant=account.merchant, sku="WRONG")
    right = VariantFactory(product__merchant=account.merchant, sku="RIGHT")
    listing = ChannelListing.objects.create(
        account=account, variant=old, external_variant_id="gid://shopify/ProductVariant/1"
    )

    response = admin_client.post(
        reverse("admin:inventory_channellisting_change", args=[listing.pk]),
        {"variant": right.pk, "buffer_stock": 3, "channel_sku": "RIGHT"},
    )

    assert response.status_code == 302
    listing.refresh_from_db()
    assert (listing.variant, listing.buffer_stock, listing.channel_sku) == (right, 3, "RIGHT")
    assert listing.external_variant_id == "gid://shopify/ProductVariant/1"


def test_a_listing_cannot_point_at_another_merchants_variant(admin_client, account):
    mine = VariantFactory(product__merchant=account.merchant)
    foreign = VariantFactory(product__merchant=ChannelAccountFactory().merchant)
    listing = ChannelListing.objects.create(
        account=account, variant=mine, external_variant_id="v-1"
    )

    response = admin_client.post(
        reverse("admin:inventory_channellisting_change", args=[listing.pk]),
        {"variant": foreign.pk, "buffer_stock": 0, "channel_sku": ""},
    )

    assert response.status_code == 200
    assert "belongs to another merchant" in response.content.decode()
    listing.refresh_from_db()
    assert listing.variant == mine


def test_stock_levels_and_movements_are_view_only(admin_client, merchant_a):
    level = make_stock(merchant_a, "SKU-VIEW", on_hand=4, reserved=1)

    listing = admin_client.get(reverse("admin:inventory_stocklevel_changelist")).content.decode()

    assert "SKU-VIEW" in listing
    assert admin_client.get(reverse("admin:inventory_stocklevel_add")).status_code == 403
    assert admin_client.get(reverse("admin:inventory_stockmovement_add")).status_code == 403
    detail = admin_client.get(
        reverse("admin:inventory_stocklevel_change", args=[level.pk])
    ).content.decode()
    assert 'name="_save"' not in detail


def test_variant_search_by_sku_and_barcode(admin_client, merchant_a):
    VariantFactory(
        product__merchant=merchant_a,
        product__title="Linen Kurta",
        sku="KURTA-XL",
        barcode="8901234567890",
    )
    VariantFactory(product__merchant=merchant_a, product__title="Silk Saree", sku="SAREE-1")
    url = reverse("admin:inventory_variant_changelist")

    by_barcode = admin_client.get(url, {"q": "8901234567890"}).content.decode()
    by_sku = admin_client.get(url, {"q": "KURTA-XL"}).content.decode()

    assert "KURTA-XL" in by_barcode
    assert "SAREE-1" not in by_barcode
    assert "KURTA-XL" in by_sku
    assert "SAREE-1" not in by_sku


@pytest.mark.parametrize(
    "name",
    [
        "admin:inventory_product_changelist",
        "admin:inventory_warehouse_changelist",
        "admin:inventory_channelinventorylevel_changelist",
        "admin:inventory_channellisting_changelist",
        "admin:inventory_stockmovement_changelist",
    ],
)
def test_catalog_changelists_open(admin_client, name):
    assert admin_client.get(reverse(name)).status_code == 200
