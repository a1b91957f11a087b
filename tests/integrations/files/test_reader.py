"""Opening exports: format sniffing, encodings, delimiters, XLSX sheets and row numbers."""

from __future__ import annotations

import pytest
from openpyxl import Workbook

from integrations.connectors.files.errors import FileFormatError
from integrations.connectors.files.reader import detect_encoding, detect_format, open_sheets


def rows_of(path, filename=""):
    with open_sheets(str(path), filename) as sheets:
        return {name: list(factory()) for name, factory in sheets}


def test_a_zip_is_read_as_xlsx_whatever_its_name(tmp_path):
    workbook = Workbook()
    workbook.active.append(["Sub Order No", "SKU"])
    path = tmp_path / "orders.csv"
    workbook.save(path)
    assert detect_format(str(path), "orders.csv") == "xlsx"


def test_text_is_read_as_csv(tmp_path):
    path = tmp_path / "upload"
    path.write_text("a,b\n1,2\n")
    assert detect_format(str(path)) == "csv"


@pytest.mark.parametrize(
    ("content", "filename", "message"),
    [
        (b"", "orders.csv", "The file is empty"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1rest", "orders.bin", "Old Excel .xls"),
        (b"a,b\n", "orders.xls", "Old Excel .xls"),
        (b"a,b\n1,2\n", "orders.xlsx", "'orders.xlsx' is not a valid .xlsx workbook"),
        (b"PK\x03\x04 not really a zip", "orders.xlsx", "could not be read as an .xlsx"),
    ],
)
def test_unreadable_files_raise_a_file_format_error(tmp_path, content, filename, message):
    path = tmp_path / "upload"
    path.write_bytes(content)
    with pytest.raises(FileFormatError, match=message):
        rows_of(path, filename)


def test_utf8_with_bom_loses_the_bom(tmp_path):
    path = tmp_path / "orders.csv"
    path.write_bytes("\ufeffSKU,Title\nK-1,Café ₹\n".encode())
    assert detect_encoding(str(path)) == "utf-8-sig"
    assert rows_of(path)["csv"] == [(1, ["SKU", "Title"]), (2, ["K-1", "Café ₹"])]


def test_windows_1252_files_are_decoded_as_such(tmp_path):
    path = tmp_path / "orders.csv"
    path.write_bytes("SKU,Title\nK-1,Café – Kurta\n".encode("cp1252"))
    assert detect_encoding(str(path)) == "cp1252"
    assert rows_of(path)["csv"][1] == (2, ["K-1", "Café – Kurta"])


@pytest.mark.parametrize("delimiter", [";", "\t", "|"])
def test_the_delimiter_is_guessed(tmp_path, delimiter):
    path = tmp_path / "orders.csv"
    lines = [["Sub Order No", "SKU", "Price"], ["1_1", "K", "1,099"]]
    path.write_text("".join(delimiter.join(line) + "\n" for line in lines))
    assert rows_of(path)["csv"] == [(1, lines[0]), (2, lines[1])]


def test_csv_row_numbers_count_records_not_physical_lines(tmp_path):
    path = tmp_path / "orders.csv"
    path.write_text('SKU,Title\nK-1,"two\nlines"\n\nK-2,x\n')
    assert rows_of(path)["csv"] == [
        (1, ["SKU", "Title"]),
        (2, ["K-1", "two\nlines"]),
        (3, []),
        (4, ["K-2", "x"]),
    ]


def test_xlsx_rows_keep_the_sheet_row_numbers_across_gaps(tmp_path):
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Order Payments"
    sheet["A1"] = "Order Details"
    sheet["A3"] = "Sub Order No"
    sheet["B3"] = "Quantity"
    sheet["A6"] = "1_1"
    sheet["B6"] = 2
    workbook.create_sheet("Notes")["A1"] = "hello"
    path = tmp_path / "payments.xlsx"
    workbook.save(path)
    sheets = rows_of(path, "payments.xlsx")
    assert list(sheets) == ["Order Payments", "Notes"]
    numbered = [(n, cells) for n, cells in sheets["Order Payments"] if any(cells)]
    assert numbered == [
        (1, ["Order Details"]),
        (3, ["Sub Order No", "Quantity"]),
        (6, ["1_1", "2"]),
    ]
