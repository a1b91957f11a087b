"""All Orders report rows → DTO: amounts, statuses, line ids and timestamps of the flat-file
report ``GET_FLAT_FILE_ALL_ORDERS_DATA_BY_LAST_UPDATE_GENERAL``."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from integrations.connectors.amazon import mapping
from integrations.connectors.amazon.connector import AmazonConnector
from integrations.dto import OrderStatus, PaymentMethod, RecordFailure
from tests.integrations.amazon.conftest import report_row

D = Decimal


def test_report_rows_of_one_order_map_to_one_dto():
    rows = [
        report_row(),
        report_row(
            sku="DUPATTA-RED",
            asin="B0DUPATTA1",
            quantity="1",
            **{
                "item-price": "299.00",
                "item-tax": "32.04",
                "item-promotion-discount": "0.00",
                "shipping-price": "0.00",
                "shipping-tax": "0.00",
                "ship-promotion-discount": "0.00",
                "last-updated-date": "2024-05-04T00:00:00Z",
            },
        ),
    ]
    dto = mapping.order_from_report_rows(rows)
    assert dto.external_id == dto.order_number == "171-1234567-7654321"
    assert dto.placed_at == datetime(2024, 5, 1, 3, 58, 30, tzinfo=UTC)
    assert dto.updated_at == datetime(2024, 5, 4, tzinfo=UTC)  # the newest row
    assert dto.status == OrderStatus.SHIPPED
    assert dto.payment_method == PaymentMethod.PREPAID  # the report has no payment column
    assert dto.tags == ("AFN",)
    assert [(i.external_id, i.sku, i.quantity, i.unit_price, i.discount) for i in dto.items] == [
        ("B0KURTA001:KURTA-BLU-M", "KURTA-BLU-M", 2, D("499.00"), D("100.00")),
        ("B0DUPATTA1:DUPATTA-RED", "DUPATTA-RED", 1, D("299.00"), D("0.00")),
    ]
    assert dto.items[0].title == 'Cotton Kurta 42" Blue'
    assert (dto.subtotal, dto.discount_total, dto.shipping_total, dto.tax_total, dto.total) == (
        D("1297.00"),
        D("140.00"),
        D("40.00"),
        D("143.26"),
        D("1197.00"),
    )
    assert (dto.ship_to.city, dto.ship_to.state, dto.ship_to.pincode) == (
        "PUNE",
        "MAHARASHTRA",
        "411001",
    )
    assert dto.raw == {"report_rows": rows}


@pytest.mark.parametrize(
    ("order_status", "item_statuses", "expected"),
    [
        ("Pending", ["Unshipped"], OrderStatus.PENDING),
        ("Pending - Waiting for Pick Up", ["Unshipped"], OrderStatus.CONFIRMED),
        ("Unshipped", ["Unshipped"], OrderStatus.CONFIRMED),
        ("Shipping", ["Shipped", "Unshipped"], OrderStatus.PARTIALLY_SHIPPED),
        ("Shipped", ["Shipped", "Shipped"], OrderStatus.SHIPPED),
        ("Shipped", ["Shipped - Delivered to Buyer", "Cancelled"], OrderStatus.DELIVERED),
        ("Shipped", ["Shipped - Delivered to Buyer", "Shipped"], OrderStatus.SHIPPED),
        ("Shipped - Delivered to Buyer", ["Shipped"], OrderStatus.DELIVERED),
        ("Shipped - Returned to Seller", ["Shipped"], OrderStatus.RETURNED),
        ("Shipped", ["Shipped - Rejected by Buyer"], OrderStatus.RETURNED),
        ("Shipped - Out for Delivery", ["Shipped"], OrderStatus.SHIPPED),
        ("Shipped - Something New", ["Shipped"], OrderStatus.SHIPPED),
        ("Cancelled", ["Cancelled"], OrderStatus.CANCELLED),
    ],
)
def test_report_statuses(order_status, item_statuses, expected):
    assert mapping.report_status(order_status, item_statuses) == expected


def test_an_unknown_report_status_is_a_record_failure():
    record = AmazonConnector.parse_record(
        "backfill", {"report_rows": [report_row(**{"order-status": "Teleported"})]}
    )
    assert isinstance(record, RecordFailure)
    assert record.external_id == "171-1234567-7654321"
    assert "order-status" in record.error


def test_report_line_ids_are_deterministic_and_unique():
    rows = [report_row(), report_row(), report_row(sku="X", asin="")]
    assert mapping.report_item_ids(rows) == [
        "B0KURTA001:KURTA-BLU-M",
        "B0KURTA001:KURTA-BLU-M#2",
        "-:X",
    ]
    assert mapping.report_item_ids(rows) == mapping.report_item_ids([dict(r) for r in rows])


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2024-05-01T03:58:30+00:00", datetime(2024, 5, 1, 3, 58, 30, tzinfo=UTC)),
        ("2024-05-01T03:58:30Z", datetime(2024, 5, 1, 3, 58, 30, tzinfo=UTC)),
        ("2024-05-01T09:28:30+05:30", datetime(2024, 5, 1, 3, 58, 30, tzinfo=UTC)),
        ("2024-04-30T20:58:30-07:00", datetime(2024, 5, 1, 3, 58, 30, tzinfo=UTC)),
        ("2024-05-01 03:58:30 UTC", datetime(2024, 5, 1, 3, 58, 30, tzinfo=UTC)),
        ("", None),
    ],
)
def test_timestamps_with_zones(value, expected):
    assert mapping.parse_time(value) == expected


def test_a_report_row_with_a_bad_quantity_is_a_record_failure():
    record = AmazonConnector.parse_record("backfill", {"report_rows": [report_row(quantity="2.5")]})
    assert isinstance(record, RecordFailure)
    assert "quantity" in record.error
