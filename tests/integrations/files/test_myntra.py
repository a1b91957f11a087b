"""Myntra: order report rows (one per unit) grouped into order releases."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from integrations.connectors.base import ConnectType
from integrations.connectors.files.errors import FileFormatError
from integrations.connectors.files.myntra import MyntraConnector
from integrations.dto import AddressDTO, OrderDTO, OrderStatus, PaymentMethod, RecordFailure
from sandbox.files.exports import write_myntra_orders_csv, write_myntra_orders_xlsx
from tests.fixtures.files import fixture_path
from tests.integrations.files.conftest import UPLOADED_AT, make_connector, split

D = Decimal
FIXTURE = fixture_path("myntra_orders.csv")


def test_metadata_and_connect_form():
    assert (MyntraConnector.id, MyntraConnector.label, MyntraConnector.color) == (
        "myntra",
        "Myntra",
        "#FF3F6C",
    )
    assert MyntraConnector.connect_type == ConnectType.FILE
    assert MyntraConnector.account_key_field == "seller_id"
    assert [(f.name, f.label, f.required, f.secret) for f in MyntraConnector.credential_fields] == [
        ("seller_id", "Seller / Partner ID", True, False),
        ("store_name", "Store name", False, False),
    ]
    assert make_connector(MyntraConnector, "M-20931").check_credentials() == {
        "name": "Myntra M-20931"
    }


def test_rows_of_an_order_release_become_one_order_with_its_lines(myntra):
    orders, _ = split(myntra.parse_file(FIXTURE, as_of=UPLOADED_AT))
    first = orders[0]
    assert (first.external_id, first.order_number) == ("7100000001", "7100000001")
    assert first.placed_at == datetime(2024, 5, 1, 4, 45, tzinfo=UTC)  # 01-05-2024 10:15 IST
    assert first.updated_at == UPLOADED_AT
    assert first.status == OrderStatus.DELIVERED
    assert first.payment_method == PaymentMethod.COD
    assert [
        (i.external_id, i.sku, i.title, i.quantity, i.unit_price, i.discount) for i in first.items
    ] == [
        (
            "71000000011",
            "KURTA-CHK-WHT-M",
            "Chikankari Cotton Kurta White - M",
            1,
            D("1899.00"),
            D("400.00"),
        ),
        (
            "71000000012",
            "KURTA-CHK-WHT-L",
            "Chikankari Cotton Kurta White - L",
            1,
            D("1899.00"),
            D("400.00"),
        ),
    ]
    assert (first.subtotal, first.discount_total, first.total) == (
        D("3798.00"),
        D("800.00"),
        D("2998.00"),
    )
    assert first.ship_to == AddressDTO(
        city="Pune", state="Maharashtra", state_code="MH", pincode="411001", country_code="IN"
    )
    assert first.tags == ("myntra",)
    assert [row["row"] for row in first.raw["rows"]] == [2, 3]
    assert first.raw["rows"][1]["values"]["Order Line Id"] == "71000000012"


def test_a_cancelled_line_is_left_out_when_other_lines_remain(myntra):
    orders, _ = split(myntra.parse_file(FIXTURE))
    second = orders[1]
    assert second.status == OrderStatus.SHIPPED
    assert second.fulfillment_status == "SH, F"
    assert [i.sku for i in second.items] == ["SAREE-BNR-MRN"]
    assert (second.items[0].unit_price, second.total) == (D("4999.00"), D("3999.00"))
    assert second.payment_method == PaymentMethod.PREPAID
    assert len(second.raw["rows"]) == 2


def test_lines_in_different_stages_make_a_partially_shipped_order(myntra):
    orders, _ = split(myntra.parse_file(FIXTURE))
    assert orders[2].status == OrderStatus.PARTIALLY_SHIPPED
    assert orders[2].ship_to.state_code == "TS"


def test_one_bad_line_quarantines_its_whole_order_with_every_problem(myntra):
    orders, failures = split(myntra.parse_file(FIXTURE))
    assert [o.external_id for o in orders] == ["7100000001", "7100000002", "7100000003"]
    [failure] = failures
    assert failure.external_id == "7100000004"
    assert failure.error == (
        "Row 9, column 'Seller SKU Code': required value is missing; "
        "Row 9, column 'Final Amount': 'abc' is not an amount (expected e.g. 499 or ₹1,299.00)"
    )
    assert [row["row"] for row in failure.payload["rows"]] == [8, 9]


def test_parse_record_rebuilds_a_grouped_order_once_fixed(myntra):
    _, [failure] = split(myntra.parse_file(FIXTURE))
    assert MyntraConnector.parse_record("orders", failure.payload) == failure
    fixed = json.loads(json.dumps(failure.payload))
    fixed["rows"][1]["values"].update({"Seller SKU Code": "PLZO-PRC-BLU-L", "Final Amount": "699"})
    order, *_returns = MyntraConnector.parse_record("orders", fixed)
    assert isinstance(order, OrderDTO)
    assert [i.sku for i in order.items] == ["PLZO-PRC-BLU-M", "PLZO-PRC-BLU-L"]
    assert order.payment_method == PaymentMethod.COD  # "Cash on Delivery"
    assert order.total == D("1398.00")


def test_parse_record_of_a_grouped_order_equals_the_parsed_one(myntra):
    orders, _ = split(myntra.parse_file(FIXTURE))
    assert [MyntraConnector.parse_record("orders", o.raw)[0] for o in orders] == orders


def test_quantity_defaults_to_one_unit_per_row_but_a_quantity_column_is_read(myntra, tmp_path):
    path = tmp_path / "orders.csv"
    path.write_text(
        "order release id,created on,seller sku code,final amount,order status,quantity\n"
        "1,2024-05-01,K-1,499,C,3\n"
        "2,2024-05-01,K-2,499,C,\n"
    )
    orders, failures = split(myntra.parse_file(str(path)))
    assert failures == []
    assert [o.items[0].quantity for o in orders] == [3, 1]
    assert [o.total for o in orders] == [D("1497.00"), D("499.00")]


def test_rows_of_an_order_that_are_not_together_yield_two_versions_of_it(myntra, tmp_path):
    path = tmp_path / "orders.csv"
    path.write_text(
        "order release id,order line id,created on,seller sku code,final amount,order status\n"
        "1,11,2024-05-01,K-1,499,C\n"
        "2,21,2024-05-01,K-2,599,C\n"
        "1,12,2024-05-01,K-3,699,C\n"
    )
    orders, _ = split(myntra.parse_file(str(path), as_of=UPLOADED_AT))
    assert [(o.external_id, [i.sku for i in o.items]) for o in orders] == [
        ("1", ["K-1"]),
        ("2", ["K-2"]),
        ("1", ["K-3"]),
    ]
    assert orders[0].updated_at == orders[2].updated_at == UPLOADED_AT


def test_a_file_without_the_order_release_column_is_refused(myntra, tmp_path):
    path = tmp_path / "orders.csv"
    path.write_text("store order id,created on,seller sku code,final amount\n1,2024-05-01,K,1\n")
    with pytest.raises(FileFormatError, match=r"one of 'order release id', .* \(order_id\)"):
        list(myntra.parse_file(str(path)))


def test_generated_csv_and_xlsx_with_a_grouped_header_parse_alike(myntra, skus, tmp_path):
    options = {"skus": skus, "rows": 400, "start": date(2024, 5, 1), "seed": 5, "bad_rows": 5}
    assert write_myntra_orders_csv(str(tmp_path / "o.csv"), **options) == 400
    assert write_myntra_orders_xlsx(str(tmp_path / "o.xlsx"), group_header=True, **options) == 400
    csv_orders, csv_failures = split(myntra.parse_file(str(tmp_path / "o.csv")))
    xlsx_orders, xlsx_failures = split(myntra.parse_file(str(tmp_path / "o.xlsx")))
    assert xlsx_orders == csv_orders
    first_row = [(f.payload.get("rows") or [f.payload])[0]["row"] for f in csv_failures]
    # The XLSX has a grouped header row above the header: every row number is one more.
    assert [(f.payload.get("rows") or [f.payload])[0]["row"] for f in xlsx_failures] == [
        row + 1 for row in first_row
    ]
    assert len(csv_failures) == 5
    assert any(len(o.items) > 1 for o in csv_orders)
    rows = sum(len(o.raw["rows"]) if "rows" in o.raw else 1 for o in csv_orders)
    failed_rows = sum(len(f.payload.get("rows", [f.payload])) for f in csv_failures)
    assert rows + failed_rows == 400
    assert {o.payment_method for o in csv_orders} == {PaymentMethod.COD, PaymentMethod.PREPAID}
    assert all(isinstance(f, RecordFailure) and f.error.startswith("Row ") for f in csv_failures)
