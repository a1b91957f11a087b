"""Streaming CSV/XLSX rows: memory stays flat however large the export is.

The format is sniffed from the content (an XLSX workbook is a zip: it starts with ``PK``;
legacy ``.xls`` is refused), the file name's extension only confirms it. CSV is read with the
``csv`` module over a text stream — UTF-8 (a BOM is dropped) or, when the bytes are not UTF-8,
Windows-1252, which Excel on Windows writes — with the delimiter guessed from the first lines.
XLSX is read with openpyxl in read-only mode, row by row.

Rows come as ``(row_number, [cell text, …])``; row numbers are the spreadsheet's (1-based,
counting empty rows), so a seller can find the row an error names.

Memory: CSV reading holds one row. openpyxl's read-only XLSX reader holds the workbook's
shared-string table (Excel stores each distinct text once there) and, because ElementTree's
``iterparse`` keeps each cleared ``<row>`` element attached to ``<sheetData>``, about 100 bytes
per row read until the workbook is closed — a few MB for 50,000 rows, never the rows' data.
"""

from __future__ import annotations

import codecs
import csv
import zipfile
from collections.abc import Callable, Generator, Iterator
from contextlib import contextmanager
from pathlib import Path

from integrations.connectors.files.errors import FileFormatError
from integrations.connectors.files.values import cell_text

Rows = Generator[tuple[int, list[str]], None, None]
ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0"  # legacy binary .xls
CSV_DELIMITERS = (",", "\t", ";", "|")
CHUNK = 1 << 20


def detect_format(path: str, filename: str = "") -> str:
    """``"xlsx"`` or ``"csv"`` for the file at ``path``. Raises ``FileFormatError`` for an
    empty file, a legacy ``.xls`` workbook, or a name ending ``.xlsx`` whose content is not
    a workbook."""
    with open(path, "rb") as handle:
        head = handle.read(8)
    suffix = Path(filename or path).suffix.lower()
    if not head:
        raise FileFormatError("The file is empty.")
    if head.startswith(OLE_MAGIC) or suffix == ".xls":
        raise FileFormatError(
            "Old Excel .xls files are not supported: open it in Excel and save it as .xlsx or "
            "CSV, then upload it again."
        )
    if head.startswith(ZIP_MAGIC):
        return "xlsx"
    if suffix in (".xlsx", ".xlsm"):
        raise FileFormatError(f"'{filename or Path(path).name}' is not a valid .xlsx workbook.")
    return "csv"


def detect_encoding(path: str) -> str:
    """``"utf-8-sig"`` when every byte decodes as UTF-8 (checked incrementally, 1 MiB at a
    time), else ``"cp1252"``."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    with open(path, "rb") as handle:
        try:
            while chunk := handle.read(CHUNK):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return "cp1252"
    return "utf-8-sig"


def _delimiter(path: str, encoding: str) -> str:
    with open(path, encoding=encoding, errors="replace", newline="") as handle:
        sample = [line for line in (handle.readline() for _ in range(5)) if line.strip()]
    counts = {d: sum(line.count(d) for line in sample) for d in CSV_DELIMITERS}
    best = max(CSV_DELIMITERS, key=lambda d: counts[d])
    return best if counts[best] else ","


def _csv_rows(path: str) -> Rows:
    encoding = detect_encoding(path)
    delimiter = _delimiter(path, encoding)
    with open(path, encoding=encoding, errors="replace", newline="") as handle:
        for number, row in enumerate(csv.reader(handle, delimiter=delimiter), start=1):
            yield number, [cell.strip() for cell in row]


@contextmanager
def open_sheets(path: str, filename: str = "") -> Iterator[list[tuple[str, Callable[[], Rows]]]]:
    """The file's sheets as ``[(sheet name, rows factory)]`` — one ``("csv", …)`` entry for a
    CSV. Each factory starts a fresh row stream. The workbook is closed on exit. Raises
    ``FileFormatError`` for files that are not CSV or a readable XLSX workbook."""
    if detect_format(path, filename) == "csv":
        yield [("csv", lambda: _csv_rows(path))]
        return
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, ValueError) as exc:
        raise FileFormatError(
            f"'{filename or Path(path).name}' could not be read as an .xlsx workbook ({exc})."
        ) from None
    try:
        sheets = []
        for sheet in workbook.worksheets:
            # Some writers record a wrong sheet size; without this, rows past it are dropped.
            sheet.reset_dimensions()

            def rows(sheet=sheet) -> Rows:
                for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
                    yield number, [cell_text(value) for value in values]

            sheets.append((sheet.title, rows))
        yield sheets
    finally:
        workbook.close()
