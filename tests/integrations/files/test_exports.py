"""The sandbox export generators: deterministic files, the row count asked, broken rows placed."""

from __future__ import annotations

import csv
import hashlib
from datetime import date

import pytest
from openpyxl import load_workbook

from sandbox.files import exports

START = date(2024, 5, 1)


def digest(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.parametrize(
    "writer",
    [
        exports.write_meesho_orders_csv,
        exports.write_myntra_orders_csv,
        exports.write_ajio_orders_csv,
    ],
)
def test_the_same_arguments_write_the_same_file_and_another_seed_another(writer, skus, tmp_path):
    a, b, c = tmp_path / "a.csv", tmp_path / "b.csv", tmp_path / "c.csv"
    assert writer(str(a), skus=skus, rows=200, start=START, seed=3) == 200
    writer(str(b), skus=skus, rows=200, start=START, seed=3)
    writer(str(c), skus=skus, rows=200, start=START, seed=4)
    assert digest(a) == digest(b)
    assert digest(a) != digest(c)


def test_the_meesho_csv_has_the_public_header_and_rows_asked(skus, tmp_path):
    path = tmp_path / "orders.csv"
    assert exports.write_meesho_orders_csv(str(path), skus=skus, rows=1000, start=START) == 1000
    with open(path, encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    assert rows[0][9] == "Supplier Discounted Price (Incl GST and Commision)"
    assert len(rows) == 1001
    assert len({row[1] for row in rows[1:]}) == 1000  # sub order numbers are unique
    assert {row[0] for row in rows[1:]} >= {"DELIVERED", "CANCELLED", "RTO_COMPLETE", "PENDING"}
    assert rows[1][2] == "2024-05-01"
    assert rows[-1][2] == "2024-05-30"
    sold = {row[5] for row in rows[1:]}
    assert sold <= {sku for sku, _, _ in skus}


def test_broken_rows_sit_at_evenly_spread_positions(skus, tmp_path):
    path = tmp_path / "orders.csv"
    exports.write_meesho_orders_csv(str(path), skus=skus, rows=70, start=START, bad_rows=6)
    with open(path, encoding="utf-8", newline="") as handle:
        data = list(csv.reader(handle))[1:]
    assert [data[i][7] for i in (10,)] == ["0"]  # quantity
    assert data[20][9] == "Rs. abc"
    assert data[30][2] == "31-02-2024"
    assert data[40][0] == "MYSTERY"
    assert data[50][1] == ""
    assert data[60][5] == ""


def test_bad_rows_beyond_the_file_are_refused(skus, tmp_path):
    with pytest.raises(ValueError, match="bad_rows"):
        exports.write_meesho_orders_csv(
            str(tmp_path / "x.csv"), skus=skus, rows=3, start=START, bad_rows=4
        )
    with pytest.raises(ValueError, match="skus"):
        exports.write_meesho_orders_csv(str(tmp_path / "x.csv"), skus=[], rows=3, start=START)


def test_the_meesho_xlsx_has_a_grouped_header_row_and_a_description_row(skus, tmp_path):
    path = tmp_path / "orders.xlsx"
    assert exports.write_meesho_orders_xlsx(str(path), skus=skus, rows=5, start=START) == 5
    sheet = load_workbook(path, read_only=True).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "Order Details"
    assert "Payment Details" in rows[0]
    assert list(rows[1]) == exports.MEESHO_COLUMNS
    assert rows[2][1] == "Sub Order No as shown in the panel"
    assert len(rows) == 8


def test_demo_skus_look_like_catalog_skus():
    skus = exports.demo_skus(30)
    assert len(skus) == len({sku for sku, _, _ in skus}) == 30
    assert all(price > 0 and str(price).endswith("9") for _, _, price in skus)
    assert skus[0][0].startswith("KURTA-")


def test_the_meesho_export_has_the_columns_the_connector_reads():
    """The sandbox spells the panel's header itself (it never imports the connectors); the
    connector's default profile reads the same columns."""
    from integrations.connectors.files import meesho

    assert list(meesho.ORDER_COLUMNS) == exports.MEESHO_COLUMNS
