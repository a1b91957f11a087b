"""Table-driven mapping tests over the Admin GraphQL order fixtures in
``tests/fixtures/shopify/graphql/`` (2025-01 schema shapes; see the README)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from integrations.connectors.shopify.connector import ShopifyConnector
from integrations.dto import OrderDTO, OrderStatus, PaymentMethod, RecordFailure

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "shopify" / "graphql"
D = Decimal


def node(name: str, order_id: str) -> dict:
    nodes = json.loads((FIXTURES / name).read_text())["data"]["orders"]["nodes"]
    found = next(n for n in nodes if n["id"] == f"gid://shopify/Order/{order_id}")
    return {**found, "lineItems": found["lineItems"]["nodes"]}


# (file, order id, order fields, lines as (id, sku, quantity, current, unit, discount, tax))
ORDER_ROWS = [
    (
        "orders_page.json",
        "5820982911946154508",
        {
            "order_number": "#1001",
            "status": OrderStatus.PARTIALLY_SHIPPED,
            "payment_method": PaymentMethod.PREPAID,
            "subtotal": D("1997.00"),
            "discount_total": D("100.00"),
            "shipping_total": D("99.00"),
            "tax_total": D("289.53"),
            "total": D("2096.00"),
            "placed_at": datetime(2025, 1, 10, 4, 30, tzinfo=UTC),
            "updated_at": datetime(2025, 1, 11, 9, 15, 20, tzinfo=UTC),
            "customer_external_id": "7340012345678901",
            "tags": ("wholesale",),
        },
        [
            ("13800000000000000001", "KURTA-BLU-M", 2, 2, D("999.00"), D("100.00"), D("274.42")),
            ("13800000000000000002", "SOCKS-3P", 1, 1, D("99.00"), D("0.00"), D("15.11")),
        ],
    ),
    (
        "orders_page.json",
        "5820982911946154509",
        {
            "status": OrderStatus.CONFIRMED,
            "payment_method": PaymentMethod.COD,
            "subtotal": D("599.00"),
            "total": D("599.00"),
        },
        [("13800000000000000003", "MUG-CER-350", 1, 1, D("599.00"), D("0.00"), D("91.37"))],
    ),
    (
        "orders_page.json",
        "5820982911946154510",
        {
            "status": OrderStatus.CANCELLED,
            "cancelled_at": datetime(2025, 1, 11, 9, 15, tzinfo=UTC),
            "total": D("0.00"),
        },
        [("13800000000000000004", "LAMP-DESK-LED", 1, 0, D("799.00"), D("0.00"), D("121.88"))],
    ),
]


@pytest.mark.parametrize(("name", "order_id", "fields", "lines"), ORDER_ROWS)
def test_graphql_order_fixture_maps_to_order_dto(name, order_id, fields, lines):
    order = ShopifyConnector.parse_record("orders", node(name, order_id))
    assert isinstance(order, OrderDTO)
    assert order.external_id == order_id
    assert order.currency == "INR"
    for field, value in fields.items():
        assert getattr(order, field) == value, field
    got = [
        (i.external_id, i.sku, i.quantity, i.current_quantity, i.unit_price, i.discount, i.tax)
        for i in order.items
    ]
    assert got == lines
    assert order.total == order.subtotal + order.shipping_total
    assert order.ship_to.pincode == "560034"


@pytest.mark.parametrize(
    ("order_id", "error"),
    [
        ("5820982911946154511", "subtotalPriceSet: not a decimal amount"),
        ("5820982911946154512", "bad quantity -1"),
    ],
)
def test_a_malformed_graphql_order_is_a_record_failure(order_id, error):
    record = ShopifyConnector.parse_record("orders", node("orders_malformed.json", order_id))
    assert isinstance(record, RecordFailure)
    assert error in record.error


def test_every_shopify_graphql_fixture_is_used_by_a_table_row():
    used = {row[0] for row in ORDER_ROWS} | {"orders_malformed.json"}
    assert {p.name for p in FIXTURES.glob("*.json")} - used == set()
