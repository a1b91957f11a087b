"""Table-driven mapping tests over the reference-shaped fixtures in ``tests/fixtures/amazon/``
(see its README for the reference file each follows)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from integrations.connectors.amazon import listings, mapping, reports
from integrations.connectors.amazon.connector import AmazonConnector
from integrations.dto import OrderDTO, OrderStatus, PaymentMethod, PushStatus, RecordFailure

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "amazon"
USED: set[str] = set()


def load(name: str):
    USED.add(name)
    return json.loads((FIXTURES / name).read_text())


def orders_of(name: str) -> dict[str, dict]:
    body = load(name)["payload"]
    orders = body.get("Orders", [body])
    return {o["AmazonOrderId"]: o for o in orders}


def items_of(name: str) -> list[dict]:
    return load(name)["payload"]["OrderItems"] if name else []


def d(text: str) -> Decimal:
    return Decimal(text)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


# (orders file, items file, order id, order fields, lines as (sku, qty, unit, discount, tax))
V0_ROWS = [
    (
        "orders/sandbox_get_orders_200.json",
        "orders/sandbox_get_order_items_200.json",
        "902-1845936-5435065",
        {
            "status": OrderStatus.CONFIRMED,
            "payment_method": PaymentMethod.PREPAID,
            "currency": "USD",
            "subtotal": d("10.00"),
            "shipping_total": d("0.00"),
            "discount_total": d("0.00"),
            "tax_total": d("1.01"),
            "total": d("11.01"),
            "placed_at": utc(1970, 1, 19, 3, 58, 30),
            "updated_at": utc(1970, 1, 19, 3, 58, 32),
            "tags": ("MFN",),
            "cancelled_at": None,
        },
        [("NABetaASINB00551Q3CS", 1, d("10.00"), d("0.00"), d("1.01"))],
    ),
    (
        "orders/sandbox_get_orders_pending.json",
        "",
        "902-3159896-1390916",
        {
            "status": OrderStatus.PENDING,
            "payment_method": PaymentMethod.PREPAID,
            "payment_gateways": ("CreditCard", "GiftCertificate"),
            "currency": "INR",
            "total": d("0.00"),
            "placed_at": utc(2017, 1, 20, 19, 49, 35),
            "customer_name": "",
            "customer_email": "",
        },
        [],
    ),
    (
        "orders/sandbox_get_order_iba_200.json",
        "",
        "921-3175655-0452641",
        {
            "status": OrderStatus.SHIPPED,
            "currency": "EUR",
            "total": d("100.00"),
            "placed_at": utc(2019, 5, 7, 15, 42, 57, 58000),
            "tags": ("AFN", "business"),
        },
        [],
    ),
    (
        "orders/in_get_orders_page.json",
        "orders/in_order_items_402-1845936-5435065.json",
        "402-1845936-5435065",
        {
            "status": OrderStatus.CONFIRMED,
            "payment_method": PaymentMethod.PREPAID,
            "currency": "INR",
            "subtotal": d("499.00"),
            "tax_total": d("23.76"),
            "total": d("499.00"),
            "placed_at": utc(2024, 5, 1, 3, 58, 30),
            "tags": ("MFN",),
        },
        [("KURTA-BLU-M", 1, d("499.00"), d("0.00"), d("23.76"))],
    ),
    (
        "orders/in_get_orders_page.json",
        "orders/in_order_items_403-7730115-2245921.json",
        "403-7730115-2245921",
        {
            "status": OrderStatus.CONFIRMED,
            "payment_method": PaymentMethod.COD,
            "payment_gateways": ("CashOnDelivery",),
            "subtotal": d("1398.00"),
            "shipping_total": d("80.00"),
            "discount_total": d("130.00"),
            "tax_total": d("225.46"),
            "total": d("1348.00"),
            "tags": ("MFN", "gift"),
        },
        [
            ("MUG-CER-350", 2, d("399.00"), d("50.00"), d("121.73")),
            ("COASTER-SET4", 1, d("600.00"), d("0.00"), d("91.53")),
        ],
    ),
    (
        "orders/in_get_orders_page.json",
        "orders/in_order_items_171-5523190-8841106.json",
        "171-5523190-8841106",
        {
            "status": OrderStatus.SHIPPED,
            "payment_method": PaymentMethod.PREPAID,
            "total": d("2199.00"),
            "tags": ("AFN", "prime"),
            "updated_at": utc(2024, 5, 4, 6, 45, 10),
        },
        [("FBA-EARBUDS-BLK", 1, d("2199.00"), d("0.00"), d("335.44"))],
    ),
    (
        "orders/in_get_orders_page.json",
        "orders/in_order_items_404-2290817-6630711.json",
        "404-2290817-6630711",
        {
            "status": OrderStatus.CANCELLED,
            "cancelled_at": utc(2024, 5, 4, 7, 30),
            "total": d("0.00"),
        },
        [("SAREE-SLK-RED", 1, d("0.00"), d("0.00"), d("0.00"))],
    ),
    (
        "orders/in_get_orders_page.json",
        "orders/in_order_items_405-9981276-1107346.json",
        "405-9981276-1107346",
        {"status": OrderStatus.PENDING, "total": d("0.00"), "ship_to": mapping.AddressDTO()},
        [("TEE-WHT-L", 3, d("0.00"), d("0.00"), d("0.00"))],
    ),
    (
        "orders/in_get_orders_page.json",
        "orders/in_order_items_406-3318842-7716350.json",
        "406-3318842-7716350",
        {"status": OrderStatus.DELIVERED, "total": d("799.00"), "tags": ("MFN",)},
        [("LAMP-DESK-LED", 1, d("799.00"), d("0.00"), d("121.88"))],
    ),
]


def assert_lines(order: OrderDTO, lines) -> None:
    got = [(i.sku, i.quantity, i.unit_price, i.discount, i.tax) for i in order.items]
    assert got == lines
    assert all(i.variant_external_id == i.sku for i in order.items)


@pytest.mark.parametrize(("orders_file", "items_file", "order_id", "fields", "lines"), V0_ROWS)
def test_v0_order_fixture_maps_to_order_dto(orders_file, items_file, order_id, fields, lines):
    order = mapping.order_from_v0(orders_of(orders_file)[order_id], items_of(items_file))
    assert order.external_id == order.order_number == order_id
    for name, value in fields.items():
        assert getattr(order, name) == value, name
    assert order.placed_at.tzinfo == UTC
    assert_lines(order, lines)
    if order.currency == "INR" and order.items:
        # Amazon.in prices include GST: the total is the sum of the parts without tax.
        parts = order.subtotal + order.shipping_total - order.discount_total
        assert order.total == parts


def test_the_sandbox_order_items_external_ids_are_the_order_item_ids():
    order = mapping.order_from_v0(
        orders_of("orders/sandbox_get_orders_200.json")["902-1845936-5435065"],
        items_of("orders/sandbox_get_order_items_200.json"),
    )
    assert [i.external_id for i in order.items] == ["05015851154158"]
    assert "gift" not in order.tags  # the sandbox's string "false"


MALFORMED_ROWS = [
    ("407-0000001-0000001", "OrderStatus: unknown value 'Shipping'"),
    ("407-0000002-0000002", "PurchaseDate: missing"),
    ("407-0000003-0000003", "PurchaseDate: time without a zone"),
    ("407-0000004-0000004", "OrderTotal: not a decimal amount"),
]


@pytest.mark.parametrize(("order_id", "error"), MALFORMED_ROWS)
def test_a_malformed_v0_order_is_a_record_failure(order_id, error):
    order = orders_of("orders/malformed_get_orders.json")[order_id]
    record = AmazonConnector.parse_record("orders", {"order": order, "items": []})
    assert isinstance(record, RecordFailure)
    assert record.external_id == order_id
    assert error in record.error
    assert record.payload["order"] == order


def report_groups():
    USED.add("reports/all_orders_by_last_update.tsv")
    text = (FIXTURES / "reports/all_orders_by_last_update.tsv").read_text()
    groups = list(reports.group_report_orders(reports.iter_report_rows(text.splitlines(True))))
    return {
        (g.external_id if isinstance(g, RecordFailure) else g[0]["amazon-order-id"]): g
        for g in groups
    }


REPORT_ROWS = [
    (
        "408-1122334-5566778",
        {
            "status": OrderStatus.SHIPPED,
            "payment_method": PaymentMethod.PREPAID,
            "subtotal": d("648.00"),
            "shipping_total": d("40.00"),
            "discount_total": d("60.00"),
            "tax_total": d("104.95"),
            "total": d("628.00"),
            "updated_at": utc(2024, 5, 2, 9, 30),
            "tags": ("MFN",),
        },
        [
            ("RULER-12", 2, d("199.00"), d("20.00"), d("60.71")),
            ("GEOBOX-01", 1, d("250.00"), d("0.00"), d("38.14")),
        ],
    ),
    (
        "171-9988776-1234509",
        {"status": OrderStatus.DELIVERED, "total": d("2199.00"), "tags": ("AFN",)},
        [("FBA-EARBUDS-BLK", 1, d("2199.00"), d("0.00"), d("335.44"))],
    ),
    (
        "409-5544332-2211009",
        {"status": OrderStatus.CANCELLED, "total": d("0.00"), "cancelled_at": utc(2024, 5, 4, 20)},
        [("SAREE-SLK-RED", 0, d("0.00"), d("0.00"), d("0.00"))],
    ),
    (
        "410-6655443-3322110",
        {"status": OrderStatus.PENDING, "tags": ("MFN", "business"), "total": d("0.00")},
        [("CHAIR-OFF-01", 1, d("0.00"), d("0.00"), d("0.00"))],
    ),
]


@pytest.mark.parametrize(("order_id", "fields", "lines"), REPORT_ROWS)
def test_report_fixture_rows_map_to_order_dto(order_id, fields, lines):
    record = AmazonConnector.parse_record("orders", {"report_rows": report_groups()[order_id]})
    assert isinstance(record, OrderDTO)
    assert record.external_id == order_id
    for name, value in fields.items():
        assert getattr(record, name) == value, name
    assert_lines(record, lines)
    assert record.total == record.subtotal + record.shipping_total - record.discount_total


def test_report_keeps_a_raw_quote_in_a_title():
    rows = report_groups()["408-1122334-5566778"]
    assert rows[0]["product-name"] == 'Steel Ruler 12" Pack'


@pytest.mark.parametrize(
    ("order_id", "error"),
    [
        ("411-0000000-0000001", "expected 33 columns, found 30"),
        ("412-0000000-0000002", "quantity: not a whole quantity: 'two'"),
    ],
)
def test_a_malformed_report_order_is_a_record_failure(order_id, error):
    group = report_groups()[order_id]
    record = (
        group
        if isinstance(group, RecordFailure)
        else AmazonConnector.parse_record("orders", {"report_rows": group})
    )
    assert isinstance(record, RecordFailure)
    assert record.external_id == order_id
    assert error in record.error


LISTING_ROWS = [
    ("listings/sandbox_get_listings_item_200.json", None, "ATVPDKIKX0DER", "BUYABLE"),
    ("listings/sandbox_get_listings_item_200.json", None, "A2EUQ1WTGCTBG2", ""),
    ("listings/sandbox_search_listings_items_200.json", 0, "ATVPDKIKX0DER", "BUYABLE"),
]


@pytest.mark.parametrize(("name", "index", "marketplace", "status"), LISTING_ROWS)
def test_listing_fixture_maps_to_listing_dto(name, index, marketplace, status):
    body = load(name)
    item = body if index is None else body["items"][index]
    listing = listings.listing_from_item(item, marketplace)
    assert listing.sku == listing.listing_id == "GM-ZDPI-9B4E"
    assert listing.product_id == "B071VG5N9D"
    assert listing.title == "Hardside Carry-On Spinner Suitcase Luggage"
    assert listing.quantity == 100
    assert listing.status == status
    assert listing.barcode == ""


def test_feed_processing_report_fixture_maps_issues_to_skus_by_message_id():
    report = load("feeds/processing_report_v2_example.json")
    skus = ["My-SKU-A", "My-SKU-AA", "My-SKU-AAA", "My-SKU-B", "My-SKU-C"]
    results = listings.results_from_processing_report(report, skus, "1234567890")
    assert [r.status for r in results] == [PushStatus.SUCCESS] * 3 + [PushStatus.FAILURE] * 2
    assert results[3].issues == (
        "90220: '[batteries_required]' is required but not supplied.",
        "90220: '[supplier_declared_dg_hz_regulation]' is required but not supplied.",
    )
    assert results[4].message.startswith("99022: The field")
    assert {r.submission_id for r in results} == {"1234567890"}


def test_every_amazon_fixture_is_used_by_a_table_row():
    for _, items_file, *_ in V0_ROWS:
        if items_file:
            USED.add(items_file)
    USED.update(f for f, *_ in V0_ROWS)
    USED.update(f for f, *_ in LISTING_ROWS)
    USED.update(
        {
            "orders/malformed_get_orders.json",
            "reports/all_orders_by_last_update.tsv",
            "feeds/processing_report_v2_example.json",
        }
    )
    files = {
        str(p.relative_to(FIXTURES))
        for p in FIXTURES.rglob("*")
        if p.is_file() and p.name not in ("README.md", "__init__.py")
    }
    assert files - USED == set()
