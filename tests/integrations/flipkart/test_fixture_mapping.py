"""Table-driven mapping tests over the Flipkart fixtures in ``tests/fixtures/flipkart/``
(shapes of channel-apis.md §3; see the README)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from integrations.connectors.flipkart.listings import listing_from_detail, push_result
from integrations.connectors.flipkart.mapping import item_with_shipment
from integrations.connectors.flipkart.orders import order_record
from integrations.connectors.flipkart.returns import return_record
from integrations.dto import (
    OrderDTO,
    OrderStatus,
    PaymentMethod,
    PushStatus,
    RecordFailure,
    ReturnDTO,
    ReturnKind,
    ReturnStatus,
)

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "flipkart"


def load(name: str):
    return json.loads((FIXTURES / name).read_text())


def order_payload(name: str, order_id: str) -> dict:
    items = [
        item_with_shipment(shipment, item)
        for shipment in load(name)["shipments"]
        for item in shipment["orderItems"]
        if item["orderId"] == order_id
    ]
    return {"orderId": order_id, "items": items}


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


D = Decimal
# (file, order id, order fields, lines as (id, sku, quantity, unit price, discount, listing id))
ORDER_ROWS = [
    (
        "shipments_filter_pre_dispatch.json",
        "OD431000000000000001",
        {
            "status": OrderStatus.CONFIRMED,
            "payment_method": PaymentMethod.PREPAID,
            "subtotal": D("499.00"),
            "shipping_total": D("0.00"),
            "total": D("499.00"),
            "placed_at": utc(2024, 6, 1, 4, 45, 30),
            "updated_at": utc(2024, 6, 1, 5, 30),
            "tags": (),
        },
        [
            (
                "431000000000000101",
                "tshirt-blk-m",
                1,
                D("499.00"),
                D("0.00"),
                "LSTTSHFZ3GHXBYKQ8VZABC123",
            )
        ],
    ),
    (
        "shipments_filter_pre_dispatch.json",
        "OD431000000000000002",
        {
            "status": OrderStatus.CONFIRMED,
            "payment_method": PaymentMethod.COD,
            "financial_status": "COD",
            "subtotal": D("748.00"),
            "discount_total": D("50.00"),
            "shipping_total": D("40.00"),
            "total": D("788.00"),
            "tags": ("flipkart_funded_discount",),
        },
        [
            (
                "431000000000000201",
                "mug-cer-350",
                2,
                D("399.00"),
                D("50.00"),
                "LSTMUGFZ3GHXBYKQ8VZDEF456",
            )
        ],
    ),
    (
        "shipments_filter_post_dispatch.json",
        "OD431000000000000003",
        {"status": OrderStatus.DELIVERED, "total": D("799.00"), "updated_at": utc(2024, 6, 4, 9)},
        [
            (
                "431000000000000301",
                "lamp-desk-led",
                1,
                D("799.00"),
                D("0.00"),
                "LSTLMPFZ3GHXBYKQ8VZGHI789",
            )
        ],
    ),
    (
        "shipments_filter_cancelled.json",
        "OD431000000000000004",
        {
            "status": OrderStatus.CANCELLED,
            "payment_method": PaymentMethod.COD,
            "cancelled_at": utc(2024, 6, 2, 2, 15),
            "total": D("1299.00"),
        },
        [
            (
                "431000000000000401",
                "saree-slk-red",
                1,
                D("1299.00"),
                D("0.00"),
                "LSTSARFZ3GHXBYKQ8VZJKL012",
            )
        ],
    ),
    (
        "shipments_by_order_ids.json",
        "OD431000000000000005",
        {
            "status": OrderStatus.PARTIALLY_SHIPPED,
            "subtotal": D("1028.00"),
            "discount_total": D("20.00"),
            "shipping_total": D("40.00"),
            "total": D("1068.00"),
            "updated_at": utc(2024, 6, 2, 5, 30),
            "cancelled_at": None,
            "tags": ("flipkart_funded_discount", "partially_cancelled"),
        },
        [
            (
                "431000000000000501",
                "kurta-blu-m",
                1,
                D("699.00"),
                D("0.00"),
                "LSTKURFZ3GHXBYKQ8VZMNO345",
            ),
            (
                "431000000000000502",
                "dupatta-red",
                1,
                D("349.00"),
                D("20.00"),
                "LSTDUPFZ3GHXBYKQ8VZPQR678",
            ),
            (
                "431000000000000503",
                "bangle-set",
                0,
                D("199.00"),
                D("0.00"),
                "LSTBNGFZ3GHXBYKQ8VZSTU901",
            ),
        ],
    ),
]


@pytest.mark.parametrize(("name", "order_id", "fields", "lines"), ORDER_ROWS)
def test_shipment_fixture_maps_to_order_dto(name, order_id, fields, lines):
    order = order_record(order_payload(name, order_id))
    assert isinstance(order, OrderDTO)
    assert order.external_id == order.order_number == order_id
    assert order.currency == "INR"
    for field, value in fields.items():
        assert getattr(order, field) == value, field
    got = [
        (i.external_id, i.sku, i.quantity, i.unit_price, i.discount, i.variant_external_id)
        for i in order.items
    ]
    assert got == lines
    if order.status != OrderStatus.CANCELLED:
        assert order.total == order.subtotal + order.shipping_total


MALFORMED_ORDER_ROWS = [
    ("OD431000000000000007", "unknown status 'ON_HOLD'"),
    ("OD431000000000000008", "unknown paymentType 'UPI'"),
    ("OD431000000000000009", "bad quantity 0"),
    ("OD431000000000000010", "sellingPrice: not an amount: '99.9x'"),
]


@pytest.mark.parametrize(("order_id", "error"), MALFORMED_ORDER_ROWS)
def test_a_malformed_shipment_item_is_a_record_failure(order_id, error):
    payload = order_payload("shipments_malformed.json", order_id)
    record = order_record(payload)
    assert isinstance(record, RecordFailure)
    assert record.external_id == order_id
    assert error in record.error
    assert record.payload == payload


# (file, source, return id, expected fields)
RETURN_ROWS = [
    (
        "returns_customer.json",
        "customer_return",
        "12345678901",
        {
            "status": ReturnStatus.IN_TRANSIT,
            "kind": ReturnKind.CUSTOMER_RETURN,
            "order_external_id": "OD431000000000000003",
            "order_item_external_id": "431000000000000301",
            "quantity": 1,
            "reason": "SIZE_ISSUE",
            "sub_reason": "SIZE_TOO_SMALL",
            "tracking_id": "FMPR1234567890",
            "created_at": utc(2024, 6, 6, 3, 30),
            "updated_at": utc(2024, 6, 7, 6, 30),
        },
    ),
    (
        "returns_customer.json",
        "customer_return",
        "12345678902",
        {
            "status": ReturnStatus.RECEIVED,
            "updated_at": utc(2024, 6, 6, 3, 30),
        },
    ),
    (
        "returns_courier.json",
        "courier_return",
        "12345678903",
        {
            "status": ReturnStatus.REQUESTED,
            "kind": ReturnKind.RTO,
            "reason": "UNDELIVERED",
        },
    ),
]


def return_item(name: str, return_id: str) -> dict:
    return next(r for r in load(name)["returnItems"] if r["returnId"] == return_id)


@pytest.mark.parametrize(("name", "source", "return_id", "fields"), RETURN_ROWS)
def test_return_fixture_maps_to_return_dto(name, source, return_id, fields):
    record = return_record({**return_item(name, return_id), "source": source})
    assert isinstance(record, ReturnDTO)
    assert record.external_id == return_id
    for field, value in fields.items():
        assert getattr(record, field) == value, field


def test_a_return_with_an_unknown_status_is_a_record_failure():
    record = return_record(
        {**return_item("returns_courier.json", "12345678904"), "source": "courier_return"}
    )
    assert isinstance(record, RecordFailure)
    assert record.external_id == "12345678904"
    assert "unknown return status 'ON_HOLD'" in record.error


# (sku, account location, expected (listing id, FSN, title, quantity, location, status))
LISTING_ROWS = [
    (
        "tshirt-blk-m",
        "",
        (
            "LSTTSHFZ3GHXBYKQ8VZABC123",
            "TSHFZ3GHXBYKQ8VZ",
            "Cotton T-shirt Black M",
            12,
            "LOC7a1b2c3d",
            "ACTIVE",
        ),
    ),
    (
        "mug-cer-350",
        "",
        ("LSTMUGFZ3GHXBYKQ8VZDEF456", "MUGFZ3GHXBYKQ8VZ", "Ceramic Mug 350 ml", 8, "", "INACTIVE"),
    ),
    (
        "mug-cer-350",
        "LOC9z8y7x6w",
        (
            "LSTMUGFZ3GHXBYKQ8VZDEF456",
            "MUGFZ3GHXBYKQ8VZ",
            "Ceramic Mug 350 ml",
            3,
            "LOC9z8y7x6w",
            "INACTIVE",
        ),
    ),
]


@pytest.mark.parametrize(("sku", "location", "expected"), LISTING_ROWS)
def test_listing_fixture_maps_to_listing_dto(sku, location, expected):
    listing = listing_from_detail(sku, load("listings_by_skus.json")["available"][sku], location)
    assert listing.sku == sku
    got = (
        listing.listing_id,
        listing.product_id,
        listing.title,
        listing.quantity,
        listing.location_id,
        listing.status,
    )
    assert got == expected


UPDATE_ROWS = [
    ("tshirt-blk-m", PushStatus.SUCCESS, ()),
    (
        "mug-cer-350",
        PushStatus.FAILURE,
        ("ERROR 10004: Selling price should be less than or equal to MRP (price.selling_price)",),
    ),
    (
        "lamp-desk-led",
        PushStatus.WARNING,
        ("WARNING 2001: Inventory is below threshold (inventory)",),
    ),
    ("no-answer-sku", PushStatus.FAILURE, ()),
]


@pytest.mark.parametrize(("sku", "status", "issues"), UPDATE_ROWS)
def test_listing_update_response_fixture_maps_to_push_result(sku, status, issues):
    result = push_result(sku, load("listings_update_response.json").get(sku))
    assert (result.sku, result.status, result.issues) == (sku, status, issues)


def test_every_flipkart_fixture_is_used_by_a_table_row():
    used = {row[0] for row in ORDER_ROWS} | {row[0] for row in RETURN_ROWS}
    used |= {"shipments_malformed.json", "listings_by_skus.json", "listings_update_response.json"}
    files = {p.name for p in FIXTURES.iterdir() if p.is_file() and p.suffix == ".json"}
    assert files - used == set()
