"""Shopify payload → DTO mapping, table-driven from the recorded webhook samples
(``tests/fixtures/shopify/webhooks``) and hand-written Admin GraphQL nodes."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings

from integrations.connectors.shopify import mapping
from integrations.connectors.shopify.connector import ShopifyConnector
from integrations.dto import OrderStatus, PaymentMethod, RecordFailure
from tests.fixtures.shopify import open_order_body, webhook_body

D = Decimal
NEW_YEAR_UTC = datetime(2022, 1, 1, 0, 0, tzinfo=UTC)  # 2021-12-31T19:00:00-05:00


# --- the recorded samples -------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["orders_create", "orders_cancelled"])
def test_recorded_order_sample_maps_to_an_order_dto(name):
    dto = mapping.order_from_webhook(webhook_body(name))
    assert dto.external_id == "820982911946154508"
    assert dto.order_number == "#9999"
    assert dto.placed_at == NEW_YEAR_UTC
    assert dto.updated_at == NEW_YEAR_UTC
    assert dto.cancelled_at == NEW_YEAR_UTC
    assert dto.status == OrderStatus.CANCELLED
    assert dto.payment_method == PaymentMethod.PREPAID
    assert dto.payment_gateways == ("visa", "bogus")
    assert dto.currency == "USD"
    assert (dto.subtotal, dto.discount_total, dto.shipping_total, dto.tax_total, dto.total) == (
        D("359.97"),
        D("20.00"),
        D("10.00"),
        D("0.00"),
        D("359.97"),
    )
    assert all(isinstance(v, Decimal) for v in (dto.subtotal, dto.total, dto.shipping_total))
    assert [(i.external_id, i.sku, i.quantity, i.unit_price) for i in dto.items] == [
        ("487817672276298554", "SKU2006-001", 1, D("89.99")),
        ("976318377106520349", "SKU2006-020", 1, D("159.99")),
        ("315789986012684393", "SKU2006-035", 1, D("119.99")),
    ]
    assert dto.customer_external_id == "115310627314723954"
    assert dto.customer_name == "John Smith"
    assert dto.ship_to.pincode == "40003"
    assert dto.ship_to.state_code == "KY"
    assert dto.is_test is True
    assert dto.raw["id"] == 820982911946154508


def test_recorded_product_sample_maps_to_a_product_dto():
    dto = mapping.product_from_webhook(webhook_body("products_update"))
    assert dto.external_id == "788032119674292922"
    assert (dto.title, dto.handle, dto.vendor, dto.product_type, dto.status) == (
        "Example T-Shirt",
        "example-t-shirt",
        "Acme",
        "Shirts",
        "active",
    )
    assert dto.updated_at == NEW_YEAR_UTC
    assert [(v.external_id, v.title, v.price, v.compare_at_price) for v in dto.variants] == [
        ("642667041472713922", "Small", D("19.99"), D("24.99")),
        ("757650484644203962", "Medium", D("19.99"), D("24.99")),
    ]
    # The sample has no SKUs and no inventory item ids: both become "" (never "None").
    assert [(v.sku, v.inventory_item_id, v.barcode) for v in dto.variants] == [("", "", "")] * 2
    assert dto.variants[0].updated_at == datetime(2021, 12, 31, 0, 0, tzinfo=UTC)


def test_recorded_inventory_level_sample_maps_to_a_level_dto():
    dto = mapping.inventory_level_from_webhook(webhook_body("inventory_levels_update"))
    assert dto.inventory_item_id == "271878346596884015"
    assert dto.location_id == "24826418"
    assert dto.available == 6
    assert dto.updated_at == NEW_YEAR_UTC


def test_inventory_level_with_null_available_keeps_none():
    dto = mapping.inventory_level_from_webhook(
        webhook_body("inventory_levels_update", available=None)
    )
    assert dto.available is None


SCHEMAS = Path(settings.SHOPIFY_ADMIN_SCHEMA_PATH).parent / "webhooks" / "schemas" / "2025-01"


@pytest.mark.parametrize(
    ("fixture", "schema"),
    [
        ("orders_create", "orders/create.json"),
        ("orders_cancelled", "orders/cancelled.json"),
        ("inventory_levels_update", "inventory_levels/update.json"),
    ],
)
def test_fixture_payloads_conform_to_the_published_webhook_schema(fixture, schema):
    """(The recorded ``products/update`` sample itself breaks its schema — ``"image": null``
    where an object is required — so it is not in this table.)"""
    jsonschema = pytest.importorskip("jsonschema")
    path = SCHEMAS / schema
    if not path.exists():
        pytest.skip(f"reference schema not available at {path}")
    jsonschema.validate(webhook_body(fixture), json.loads(path.read_text()))


# --- payment method ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("gateways", "expected"),
    [
        (["Cash on Delivery (COD)"], PaymentMethod.COD),
        (["cash_on_delivery"], PaymentMethod.COD),
        (["COD"], PaymentMethod.COD),
        (["Cash On Delivery"], PaymentMethod.COD),
        (["razorpay"], PaymentMethod.PREPAID),
        (["Razorpay Secure (UPI, Cards, Wallets, NetBanking)"], PaymentMethod.PREPAID),
        (["shopify_payments"], PaymentMethod.PREPAID),
        (["gift_card", "Cash on Delivery (COD)"], PaymentMethod.COD),
        (["codeless_gateway"], PaymentMethod.PREPAID),
        (["Payu Cod-free"], PaymentMethod.PREPAID),
        ([], PaymentMethod.PREPAID),
    ],
)
def test_payment_method_from_gateway_names(gateways, expected):
    assert mapping.payment_method_for(gateways) == expected


# --- status normalization ---------------------------------------------------------------------
@pytest.mark.parametrize(
    ("financial", "fulfillment", "cancelled", "method", "expected"),
    [
        ("paid", None, True, PaymentMethod.PREPAID, OrderStatus.CANCELLED),
        ("PAID", "FULFILLED", True, PaymentMethod.PREPAID, OrderStatus.CANCELLED),
        ("voided", None, False, PaymentMethod.PREPAID, OrderStatus.CANCELLED),
        ("EXPIRED", "UNFULFILLED", False, PaymentMethod.PREPAID, OrderStatus.CANCELLED),
        ("refunded", "fulfilled", False, PaymentMethod.PREPAID, OrderStatus.REFUNDED),
        ("REFUNDED", "UNFULFILLED", False, PaymentMethod.PREPAID, OrderStatus.REFUNDED),
        ("paid", "fulfilled", False, PaymentMethod.PREPAID, OrderStatus.SHIPPED),
        ("PENDING", "FULFILLED", False, PaymentMethod.COD, OrderStatus.SHIPPED),
        ("paid", "partial", False, PaymentMethod.PREPAID, OrderStatus.PARTIALLY_SHIPPED),
        (
            "PAID",
            "PARTIALLY_FULFILLED",
            False,
            PaymentMethod.PREPAID,
            OrderStatus.PARTIALLY_SHIPPED,
        ),
        ("paid", "restocked", False, PaymentMethod.PREPAID, OrderStatus.RETURNED),
        ("pending", None, False, PaymentMethod.PREPAID, OrderStatus.PENDING),
        ("AUTHORIZED", "UNFULFILLED", False, PaymentMethod.PREPAID, OrderStatus.PENDING),
        ("", "", False, PaymentMethod.PREPAID, OrderStatus.PENDING),
        ("pending", None, False, PaymentMethod.COD, OrderStatus.CONFIRMED),
        ("paid", None, False, PaymentMethod.PREPAID, OrderStatus.CONFIRMED),
        ("PARTIALLY_PAID", "UNFULFILLED", False, PaymentMethod.PREPAID, OrderStatus.CONFIRMED),
        ("partially_refunded", None, False, PaymentMethod.PREPAID, OrderStatus.CONFIRMED),
    ],
)
def test_status_normalization_table(financial, fulfillment, cancelled, method, expected):
    got = mapping.normalize_status(
        financial=financial or "",
        fulfillment=fulfillment or "",
        cancelled=cancelled,
        payment_method=method,
    )
    assert got == expected


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ({"financial_status": "pending", "payment_gateway_names": ["razorpay"]}, "pending"),
        ({"financial_status": "paid", "payment_gateway_names": ["razorpay"]}, "confirmed"),
        ({"financial_status": "pending"}, "confirmed"),  # COD by default in open_order_body
        ({"fulfillment_status": "fulfilled"}, "shipped"),
        ({"fulfillment_status": "partial"}, "partially_shipped"),
        ({"financial_status": "refunded"}, "refunded"),
        ({"cancelled_at": "2026-11-02T09:00:00+05:30"}, "cancelled"),
    ],
)
def test_webhook_orders_normalize_status_end_to_end(overrides, expected):
    assert mapping.order_from_webhook({**open_order_body(), **overrides}).status == expected


# --- ids, times, addresses ----------------------------------------------------------------------
def test_big_integer_ids_parsed_with_json_loads_stay_exact_strings():
    text = json.dumps(open_order_body()).replace("820982911946154508", "5000000000000000123")
    body = json.loads(text)
    assert body["id"] == 5000000000000000123  # an int, beyond 2^53
    dto = mapping.order_from_webhook(body)
    assert dto.external_id == "5000000000000000123"
    assert float(dto.external_id) != 5000000000000000123  # a float would have lost digits


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("gid://shopify/Order/820982911946154508", "820982911946154508"),
        ("gid://shopify/InventoryLevel/24826418?inventory_item_id=1", "24826418"),
        (5000000000000000123, "5000000000000000123"),
        ("123", "123"),
        (None, ""),
        ("", ""),
    ],
)
def test_gid_to_id_table(value, expected):
    assert mapping.gid_to_id(value) == expected


def test_graphql_and_webhook_shapes_give_the_same_external_ids():
    assert mapping.order_from_graphql(graphql_order(), []).external_id == (
        mapping.order_from_webhook(open_order_body(5000000000000000123)).external_id
    )


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2026-11-01T10:00:00+05:30", datetime(2026, 11, 1, 4, 30, tzinfo=UTC)),
        ("2026-11-01T04:30:00Z", datetime(2026, 11, 1, 4, 30, tzinfo=UTC)),
        ("2021-12-31T19:00:00-05:00", NEW_YEAR_UTC),
        (None, None),
    ],
)
def test_times_are_parsed_with_their_zone_into_utc(value, expected):
    parsed = mapping.parse_time(value)
    assert parsed == expected
    if parsed is not None:
        assert parsed.utcoffset().total_seconds() == 0


@pytest.mark.parametrize("value", ["2026-11-01T10:00:00", "yesterday", "2026-13-01T00:00:00Z"])
def test_times_without_a_zone_or_unparseable_raise_mapping_error(value):
    with pytest.raises(mapping.MappingError):
        mapping.parse_time(value, "updated_at")


@pytest.mark.parametrize("missing", [None, ""])
def test_webhook_order_without_updated_at_raises_mapping_error(missing):
    with pytest.raises(mapping.MappingError, match="updated_at"):
        mapping.order_from_webhook({**open_order_body(), "updated_at": missing})


def test_graphql_order_without_updated_at_raises_mapping_error():
    node = graphql_order()
    del node["updatedAt"]
    with pytest.raises(mapping.MappingError, match="updatedAt"):
        mapping.order_from_graphql(node, [])


def test_a_bad_line_quantity_raises_mapping_error():
    body = open_order_body()
    body["line_items"][0]["quantity"] = "2"
    with pytest.raises(mapping.MappingError, match="quantity"):
        mapping.order_from_webhook(body)


def test_a_bad_amount_raises_mapping_error():
    with pytest.raises(mapping.MappingError, match="total_price"):
        mapping.order_from_webhook(
            {**open_order_body(), "total_price_set": None, "total_price": "12,00"}
        )


def test_parse_record_quarantines_a_failing_payload_with_its_id():
    body = {**open_order_body(), "updated_at": None}
    failure = ShopifyConnector.parse_record("orders", body)
    assert isinstance(failure, RecordFailure)
    assert failure.external_id == "820982911946154508"
    assert "updated_at" in failure.error
    assert failure.payload is body


def test_pincode_spaces_are_stripped_for_both_shapes():
    assert mapping.order_from_webhook(open_order_body()).ship_to.pincode == "411001"
    node = graphql_order()
    node["shippingAddress"]["zip"] = " 560 034 "
    assert mapping.order_from_graphql(node, []).ship_to.pincode == "560034"


def test_the_courier_address_lines_and_phone_come_from_both_shapes():
    body = open_order_body()
    body["shipping_address"].update(
        {"address1": "Flat 12, Sai Residency", "address2": None, "phone": "+91 98765 43210"}
    )
    webhook = mapping.order_from_webhook(body).ship_to
    assert (webhook.address1, webhook.address2, webhook.phone) == (
        "Flat 12, Sai Residency",
        "",
        "+91 98765 43210",
    )
    node = graphql_order()
    node["shippingAddress"].update({"address1": "Plot 7", "address2": "MIDC", "phone": "98765"})
    graphql = mapping.order_from_graphql(node, []).ship_to
    assert (graphql.address1, graphql.address2, graphql.phone) == ("Plot 7", "MIDC", "98765")


def test_money_is_a_decimal_with_paise():
    assert str(mapping.money("403.5")) == "403.50"
    assert str(mapping.money("1999")) == "1999.00"
    assert mapping.money(None) == D("0.00")
    assert mapping.money(12.5) == D("12.50")


# --- hand-written Admin GraphQL nodes -------------------------------------------------------------
def bag(amount: str) -> dict:
    return {"shopMoney": {"amount": amount, "currencyCode": "INR"}}


def graphql_order(**overrides) -> dict:
    node = {
        "id": "gid://shopify/Order/5000000000000000123",
        "legacyResourceId": "5000000000000000123",
        "name": "#1042",
        "createdAt": "2026-11-01T04:00:00Z",
        "updatedAt": "2026-11-01T05:00:00Z",
        "processedAt": "2026-11-01T04:00:05Z",
        "cancelledAt": None,
        "displayFinancialStatus": "PENDING",
        "displayFulfillmentStatus": "UNFULFILLED",
        "currencyCode": "INR",
        "paymentGatewayNames": ["Cash on Delivery (COD)"],
        "email": "asha@example.in",
        "phone": "+919800000000",
        "tags": ["vip", "repeat"],
        "test": False,
        "subtotalPriceSet": bag("2498.00"),
        "totalDiscountsSet": bag("250.00"),
        "totalShippingPriceSet": bag("49.00"),
        "totalTaxSet": bag("242.71"),
        "totalPriceSet": bag("2297.00"),
        "customer": {"id": "gid://shopify/Customer/7000000000000000001", "displayName": "Asha"},
        "shippingAddress": {
            "name": "Asha Verma",
            "city": "Pune",
            "province": "Maharashtra",
            "provinceCode": "MH",
            "zip": "411 001",
            "countryCodeV2": "IN",
        },
    }
    node.update(overrides)
    return node


def graphql_line(line_id: int, sku: str, qty: int, price: str, **overrides) -> dict:
    node = {
        "id": f"gid://shopify/LineItem/{line_id}",
        "sku": sku,
        "name": f"{sku} name",
        "quantity": qty,
        "currentQuantity": qty,
        "variant": {"id": f"gid://shopify/ProductVariant/{line_id + 1}"},
        "originalUnitPriceSet": bag(price),
        "totalDiscountSet": bag("0.00"),
        "taxLines": [{"rate": 0.12, "priceSet": bag("107.04")}],
    }
    node.update(overrides)
    return node


def test_graphql_order_node_maps_amounts_as_decimal_and_ids_as_strings():
    lines = [
        graphql_line(9000000000000000001, " KURTA-M ", 2, "999.00"),
        graphql_line(
            9000000000000000003,
            "DUPATTA",
            1,
            "500.00",
            totalDiscountSet=bag("250.00"),
            taxLines=[
                {"rate": 0.05, "priceSet": bag("11.90")},
                {"rate": 0.0, "priceSet": bag("0")},
            ],
        ),
    ]
    dto = mapping.order_from_graphql(graphql_order(), lines)
    assert dto.external_id == "5000000000000000123"
    assert dto.order_number == "#1042"
    assert dto.placed_at == datetime(2026, 11, 1, 4, 0, 5, tzinfo=UTC)
    assert dto.updated_at == datetime(2026, 11, 1, 5, 0, tzinfo=UTC)
    assert (dto.subtotal, dto.discount_total, dto.shipping_total, dto.tax_total, dto.total) == (
        D("2498.00"),
        D("250.00"),
        D("49.00"),
        D("242.71"),
        D("2297.00"),
    )
    assert dto.currency == "INR"
    assert dto.payment_method == PaymentMethod.COD
    assert dto.status == OrderStatus.CONFIRMED
    assert dto.customer_external_id == "7000000000000000001"
    assert dto.customer_name == "Asha"
    assert dto.ship_to.pincode == "411001"
    assert dto.ship_to.country_code == "IN"
    assert dto.tags == ("vip", "repeat")
    first, second = dto.items
    assert first.external_id == "9000000000000000001"
    assert first.sku == "KURTA-M"
    assert first.variant_external_id == "9000000000000000002"
    assert (first.quantity, first.unit_price, first.tax) == (2, D("999.00"), D("107.04"))
    assert (second.discount, second.tax) == (D("250.00"), D("11.90"))


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ({"cancelledAt": "2026-11-02T00:00:00Z"}, OrderStatus.CANCELLED),
        ({"displayFinancialStatus": "REFUNDED"}, OrderStatus.REFUNDED),
        ({"displayFulfillmentStatus": "FULFILLED"}, OrderStatus.SHIPPED),
        ({"displayFulfillmentStatus": "PARTIALLY_FULFILLED"}, OrderStatus.PARTIALLY_SHIPPED),
        (
            {"paymentGatewayNames": ["razorpay"], "displayFinancialStatus": "PENDING"},
            OrderStatus.PENDING,
        ),
        (
            {"paymentGatewayNames": ["razorpay"], "displayFinancialStatus": "PAID"},
            OrderStatus.CONFIRMED,
        ),
    ],
)
def test_graphql_order_status_table(overrides, expected):
    assert mapping.order_from_graphql(graphql_order(**overrides), []).status == expected


def test_graphql_product_and_inventory_nodes_map_to_dtos():
    product = mapping.product_from_graphql(
        {
            "id": "gid://shopify/Product/8000000000000000001",
            "title": "Kurta",
            "handle": "kurta",
            "vendor": "Sangam",
            "productType": "Apparel",
            "status": "ACTIVE",
            "updatedAt": "2026-11-01T00:00:00Z",
        },
        [
            {
                "id": "gid://shopify/ProductVariant/8000000000000000002",
                "title": "M",
                "sku": "KURTA-M",
                "barcode": "8901234567890",
                "price": "999.00",
                "compareAtPrice": None,
                "updatedAt": "2026-11-01T00:00:00Z",
                "selectedOptions": [{"name": "Size", "value": "M"}],
                "inventoryItem": {"id": "gid://shopify/InventoryItem/8000000000000000003"},
            }
        ],
    )
    assert product.status == "active"
    (variant,) = product.variants
    assert (variant.external_id, variant.inventory_item_id) == (
        "8000000000000000002",
        "8000000000000000003",
    )
    assert variant.price == D("999.00")
    assert variant.compare_at_price is None
    assert variant.options == (("Size", "M"),)

    levels = mapping.inventory_levels_from_graphql(
        {
            "id": "gid://shopify/InventoryItem/8000000000000000003",
            "sku": "KURTA-M",
            "variant": {"id": "gid://shopify/ProductVariant/8000000000000000002"},
            "inventoryLevels": {
                "nodes": [
                    {
                        "id": "gid://shopify/InventoryLevel/1?inventory_item_id=8000000000000000003",
                        "updatedAt": "2026-11-01T00:00:00Z",
                        "location": {"id": "gid://shopify/Location/71"},
                        "quantities": [
                            {"name": "available", "quantity": 7},
                            {"name": "on_hand", "quantity": 9},
                            {"name": "committed", "quantity": 2},
                        ],
                    }
                ]
            },
        }
    )
    assert [(lv.location_id, lv.available, lv.on_hand, lv.committed, lv.sku) for lv in levels] == [
        ("71", 7, 9, 2, "KURTA-M")
    ]
    assert levels[0].variant_external_id == "8000000000000000002"


def test_parse_record_routes_webhook_and_graphql_shapes():
    webhook = ShopifyConnector.parse_record("orders", open_order_body())
    graphql = ShopifyConnector.parse_record("orders", {**graphql_order(), "lineItems": []})
    product = ShopifyConnector.parse_record("catalog", webhook_body("products_update"))
    level = ShopifyConnector.parse_record("inventory", webhook_body("inventory_levels_update"))
    assert webhook.external_id == "820982911946154508"
    assert graphql.external_id == "5000000000000000123"
    assert product.external_id == "788032119674292922"
    assert level.inventory_item_id == "271878346596884015"
    with pytest.raises(ValueError, match="unknown stream"):
        ShopifyConnector.parse_record("nope", {})
