"""Parsing streams: peak memory does not grow with the number of rows."""

from __future__ import annotations

import tracemalloc
from datetime import date

from integrations.dto import RecordFailure
from sandbox.files.exports import write_meesho_orders_csv, write_myntra_orders_xlsx

START = date(2024, 5, 1)


def peak_while_parsing(connector, path: str) -> tuple[int, int, int]:
    """(peak bytes allocated while the whole file is parsed, orders, failures)."""
    orders = failures = 0
    tracemalloc.start()
    try:
        for result in connector.parse_file(path):
            if isinstance(result, RecordFailure):
                failures += 1
            else:
                orders += 1
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return peak, orders, failures


def test_a_50000_row_csv_parses_in_the_memory_of_a_5000_row_one(meesho, skus, tmp_path):
    small, large = tmp_path / "small.csv", tmp_path / "large.csv"
    write_meesho_orders_csv(str(small), skus=skus, rows=5_000, start=START, bad_rows=10)
    write_meesho_orders_csv(str(large), skus=skus, rows=50_000, start=START, bad_rows=10)
    small_peak, small_orders, _ = peak_while_parsing(meesho, str(small))
    large_peak, large_orders, large_failures = peak_while_parsing(meesho, str(large))
    assert (small_orders, large_orders, large_failures) == (4_990, 49_990, 10)
    assert large_peak < 1.5 * small_peak
    assert large_peak < 4 * 1024 * 1024


def test_xlsx_rows_are_streamed_keeping_only_openpyxls_small_per_row_husk(myntra, skus, tmp_path):
    # openpyxl's read-only reader clears each parsed <row> element but ElementTree keeps the
    # empty element attached to <sheetData>: under 100 bytes a row. Holding the rows or the
    # orders would cost kilobytes a row.
    small, large = tmp_path / "small.xlsx", tmp_path / "large.xlsx"
    write_myntra_orders_xlsx(str(small), skus=skus, rows=300, start=START, group_header=True)
    write_myntra_orders_xlsx(str(large), skus=skus, rows=2_300, start=START, group_header=True)
    small_peak, small_orders, _ = peak_while_parsing(myntra, str(small))
    large_peak, large_orders, _ = peak_while_parsing(myntra, str(large))
    assert 0 < small_orders < large_orders
    assert (large_peak - small_peak) / 2_000 < 200
