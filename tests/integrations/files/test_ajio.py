"""AJIO: dropship order report rows grouped into customer orders; POB ID accounts."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from integrations.connectors.files.ajio import AjioConnector
from integrations.connectors.files.errors import FileFormatError
from integrations.dto import OrderStatus, PaymentMethod
from sandbox.files.exports import (
    AJIO_COLUMNS,
    write_ajio_orders_csv,
    write_ajio_orders_xlsx,
)
from tests.fixtures.files import fixture_path
from tests.integrations.files.conftest import make_connector, split

D = Decimal
FIXTURE = fixture_path("ajio_orders.csv")


def test_metadata_and_connect_form():
    assert (AjioConnector.id, AjioConnector.label, AjioConnector.color) == (
        "ajio",
        "AJIO",
        "#2C4152",
    )
    assert AjioConnector.account_key_field == "pob_id"
    assert [(f.name, f.label, f.required) for f in AjioConnector.credential_fields] == [
        ("pob_id", "POB ID", True),
        ("store_name", "Store name", False),
    ]
    assert make_connector(AjioConnector, "DV12345").check_credentials() == {"name": "AJIO DV12345"}


@pytest.mark.parametrize(("value", "expected"), [("DV12345", "DV12345"), (" dv9a8b ", "DV9A8B")])
def test_a_pob_id_starts_with_dv(value, expected):
    assert AjioConnector.account_key({"pob_id": value}) == expected


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("", "'pob_id' is required"),
        ("12345", "starts with 'DV'"),
        ("DV", "starts with 'DV'"),
        ("DV-123", "starts with 'DV'"),
    ],
)
def test_anything_else_is_refused_with_a_clear_message(value, message):
    with pytest.raises(ValueError, match=message):
        AjioConnector.account_key({"pob_id": value})


def test_the_order_report_maps_to_orders(ajio):
    orders, failures = split(ajio.parse_file(FIXTURE))
    first = orders[0]
    assert first.external_id == "FN4073648963"
    assert first.placed_at == datetime(2024, 5, 1, 4, 45, tzinfo=UTC)
    assert first.status == OrderStatus.DELIVERED
    assert first.payment_method == PaymentMethod.PREPAID
    assert [
        (i.external_id, i.sku, i.quantity, i.unit_price, i.discount, i.tax) for i in first.items
    ] == [
        ("FN4073648963-1", "KURTA-AJR-IND-M", 2, D("1499.00"), D("600.00"), D("256.93")),
        ("FN4073648963-2", "DUPTA-MUL-WHT", 1, D("599.00"), D("100.00"), D("23.76")),
    ]
    assert (first.subtotal, first.discount_total, first.tax_total, first.total) == (
        D("3597.00"),
        D("700.00"),
        D("280.69"),
        D("2897.00"),
    )
    assert first.items[0].title == "Ajrakh Print A-Line Kurta"
    rto = orders[1]
    assert (rto.status, rto.fulfillment_status) == (OrderStatus.RETURNED, "RTO Delivered")
    assert rto.placed_at == datetime(2024, 5, 1, 18, 30, tzinfo=UTC)
    assert (rto.items[0].unit_price, rto.total) == (D("2999.00"), D("2499.00"))
    cancelled = orders[2]
    assert (cancelled.status, cancelled.total) == (OrderStatus.CANCELLED, D("599.00"))
    assert [f.error for f in failures] == [
        "Row 6, column 'Order Qty': '1.5' is not a whole number of units"
    ]


def test_missing_columns_are_named_with_the_columns_found(ajio, tmp_path):
    path = tmp_path / "report.csv"
    path.write_text(
        "Cust Order No,Cust Order Date,Status,Description\nFN1,2024-05-01,Delivered,x\n"
    )
    with pytest.raises(FileFormatError) as error:
        list(ajio.parse_file(str(path)))
    assert str(error.value) == (
        "Missing required column(s): one of 'Seller SKU', 'SKU' (sku); one of 'Order Qty', "
        "'Quantity', 'Qty' (quantity); 'Selling Price' (unit_price). Columns found (row 1): "
        "Cust Order No, Cust Order Date, Status, Description."
    )


def test_generated_reports_carry_the_44_public_columns_and_parse(ajio, skus, tmp_path):
    assert len(AJIO_COLUMNS) == 44
    options = {"skus": skus, "rows": 300, "start": date(2024, 5, 1), "bad_rows": 6}
    assert write_ajio_orders_csv(str(tmp_path / "r.csv"), pob_id="DV777", **options) == 300
    assert write_ajio_orders_xlsx(str(tmp_path / "r.xlsx"), group_header=True, **options) == 300
    csv_orders, csv_failures = split(ajio.parse_file(str(tmp_path / "r.csv")))
    xlsx_orders, xlsx_failures = split(ajio.parse_file(str(tmp_path / "r.xlsx")))
    assert xlsx_orders == csv_orders
    assert len(csv_failures) == len(xlsx_failures) == 6
    assert (
        csv_orders[0].raw.get("values", csv_orders[0].raw.get("rows", [{}])[0].get("values"))[
            "POB ID"
        ]
        == "DV777"
    )
    for order in csv_orders:
        assert order.total == order.subtotal - order.discount_total + order.shipping_total
        assert order.tax_total > 0
