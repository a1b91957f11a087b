"""XLSX workbooks read with bounded memory: the zip is inspected before anything is unpacked,
then openpyxl streams the rows in read-only mode.

A few hundred KB of XLSX can unpack to gigabytes, and openpyxl's read-only reader holds what it
unpacks: the whole shared-strings table as Python strings (several times the XML's size), a
husk of every parsed ``<row>`` element (about 850 bytes a row), and each row padded to its
last cell (one value in column XFD makes the row 16,384 cells). So:

- :func:`inspect_zip` checks the central directory against ``ImportLimits`` (entries, total
  uncompressed bytes, per-entry compression ratio, shared-strings size, compression method)
  without decompressing anything: it runs at upload (a refusal is a 400) and again when the
  import run opens the file;
- :func:`open_workbook` reads each sheet with openpyxl (``read_only=True, data_only=True``) and
  stops after ``max_rows`` rows, so the row husks are bounded too; a row keeps its first
  ``max_columns`` cells (a value past them becomes a ``CellProblem`` failing that row only).

Measured by ``bench/upload_memory.py``: at the default limits the peak stays a few hundred MB
whatever the file (against 2.7 GB for a 307 KB file before the limits).
"""

from __future__ import annotations

import re
import struct
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import IO

from integrations.connectors.files.errors import CellProblem, FileFormatError, FileLimitError
from integrations.connectors.files.limits import ImportLimits
from integrations.connectors.files.values import cell_text

HEAD_BYTES = 64 * 1024  # bytes of the first sheet read for its <dimension>
MB = 1024 * 1024
EOCD = b"PK\x05\x06"
ZIP64_LOCATOR = b"PK\x06\x07"
ZIP64_EOCD = b"PK\x06\x06"
CENTRAL_RECORD_BYTES = 1024  # central-directory bytes allowed per entry (46 + a long name)
_DIMENSION = re.compile(rb"<(?:\w+:)?dimension\s+ref=\"[A-Z]+\d+:?[A-Z]*(\d*)\"")
_SHEET_PART = re.compile(r"xl/worksheets/sheet(\d+)\.xml")

Rows = Iterator[tuple[int, list[str]]]


def _mb(size: int) -> str:
    return f"{size / MB:,.1f} MB"


def _zip_tail(handle: IO[bytes]) -> tuple[int, int] | None:
    """``(entries, central directory bytes)`` from the end-of-central-directory record (ZIP64
    aware), read from at most the last 64 KiB; None when there is none (not a zip)."""
    handle.seek(0, 2)
    size = handle.tell()
    tail_len = min(size, 22 + 65535)
    handle.seek(size - tail_len)
    tail = handle.read(tail_len)
    at = tail.rfind(EOCD)
    if at < 0 or len(tail) - at < 22:
        return None
    entries, cd_bytes = struct.unpack("<HI", tail[at + 10 : at + 16])
    if (entries == 0xFFFF or cd_bytes == 0xFFFFFFFF) and tail[at - 20 : at - 16] == ZIP64_LOCATOR:
        (offset,) = struct.unpack("<Q", tail[at - 12 : at - 4])
        handle.seek(offset)
        record = handle.read(56)
        if record[:4] == ZIP64_EOCD:
            entries, cd_bytes = struct.unpack("<QQ", record[32:48])
    return entries, cd_bytes


def inspect_zip(source: str | IO[bytes], limits: ImportLimits) -> None:
    """Refuse a workbook beyond ``limits`` from its zip directory alone (nothing is
    decompressed; reads the last 64 KiB and the central directory, itself bounded by
    ``zip_entries`` × 1 KiB). Checks, in bytes: entries ≤ ``zip_entries``; Σ uncompressed ≤
    ``uncompressed_bytes``; per entry over 1 MiB, uncompressed ≤ ``compression_ratio`` ×
    compressed; ``xl/sharedStrings.xml`` ≤ ``shared_strings_bytes``; only stored or deflated,
    unencrypted entries. zipfile itself stops an entry at its declared size (and fails its
    CRC), so the declared sizes bind. Raises ``FileLimitError`` naming the limit, or
    ``FileFormatError`` when it is not a readable zip."""
    handle = open(source, "rb") if isinstance(source, str) else source  # noqa: SIM115
    try:
        position = handle.tell()
        tail = _zip_tail(handle)
        handle.seek(position)
        if tail is None:
            raise FileFormatError("The file could not be read as an .xlsx workbook (not a zip).")
        entries, cd_bytes = tail
        if entries > limits.zip_entries or cd_bytes > limits.zip_entries * CENTRAL_RECORD_BYTES:
            raise FileLimitError(
                f"The workbook has {entries:,} parts; an export has a few dozen (limit "
                f"{limits.zip_entries:,}). Save it again from Excel, or export it as CSV."
            )
        try:
            with zipfile.ZipFile(handle) as archive:
                infos = archive.infolist()
        except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
            raise FileFormatError(
                f"The file could not be read as an .xlsx workbook ({exc})."
            ) from None
        finally:
            handle.seek(position)
    finally:
        if isinstance(source, str):
            handle.close()
    _check_entries(infos, limits)


def _check_entries(infos: list[zipfile.ZipInfo], limits: ImportLimits) -> None:
    if len(infos) > limits.zip_entries:
        raise FileLimitError(
            f"The workbook has {len(infos):,} parts; an export has a few dozen (limit "
            f"{limits.zip_entries:,}). Save it again from Excel, or export it as CSV."
        )
    total = 0
    for info in infos:
        if info.flag_bits & 0x1 or info.compress_type not in (
            zipfile.ZIP_STORED,
            zipfile.ZIP_DEFLATED,
        ):
            raise FileFormatError(
                f"Part '{info.filename}' of the workbook is encrypted or compressed in a way "
                "Excel does not write: save the workbook again from Excel without a password."
            )
        total += info.file_size
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size > limits.RATIO_FLOOR_BYTES and ratio > limits.compression_ratio:
            raise FileLimitError(
                f"Part '{info.filename}' of the workbook unpacks to {ratio:,.0f}× its packed "
                f"size (limit {limits.compression_ratio:,}×): this is not an ordinary export."
            )
        if (
            info.filename.lower().endswith("sharedstrings.xml")
            and info.file_size > limits.shared_strings_bytes
        ):
            raise FileLimitError(
                f"The workbook's text table (sharedStrings.xml) is {_mb(info.file_size)} "
                f"unpacked (limit {_mb(limits.shared_strings_bytes)}): split the export into "
                "smaller files, or export it as CSV."
            )
    if total > limits.uncompressed_bytes:
        raise FileLimitError(
            f"The workbook unpacks to {_mb(total)} (limit {_mb(limits.uncompressed_bytes)}): "
            "split the export into smaller files, or export it as CSV."
        )


@contextmanager
def open_workbook(
    path: str, limits: ImportLimits
) -> Iterator[list[tuple[str, Callable[[], Rows]]]]:
    """The workbook's sheets as ``[(name, rows factory)]`` after :func:`inspect_zip`; each
    factory streams the sheet's rows as ``(row number, [cell text, …])`` through
    ``reader.bound_row``. The workbook is closed on exit. Raises ``FileLimitError`` (beyond
    ``limits``, or more than ``max_rows`` rows in a sheet) and ``FileFormatError``."""
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    inspect_zip(path, limits)
    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, ValueError) as exc:
        raise FileFormatError(f"The file could not be read as an .xlsx workbook ({exc}).") from None
    try:
        sheets = []
        for sheet in workbook.worksheets:
            # Some writers record a wrong sheet size; without this, rows past it are dropped.
            sheet.reset_dimensions()
            sheets.append((sheet.title, lambda sheet=sheet: sheet_rows(sheet, limits)))
        yield sheets
    finally:
        workbook.close()


def sheet_rows(sheet, limits: ImportLimits) -> Rows:
    """The rows of an openpyxl read-only ``sheet`` as ``(row number, [cell text, …])``, each
    within ``limits`` (``reader.bound_row``). Raises ``FileLimitError`` past ``max_rows``."""
    from openpyxl.utils import get_column_letter

    from integrations.connectors.files.reader import bound_row

    width = limits.max_columns
    for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
        if number > limits.max_rows:
            raise FileLimitError(
                f"The sheet '{sheet.title}' has more than {limits.max_rows:,} rows: split the "
                "export into smaller files and upload them one by one."
            )
        cells = [cell_text(value) for value in values[:width]]
        if len(values) > width:
            extra = next((i for i in range(width, len(values)) if values[i] is not None), None)
            if extra is not None:
                cells += [""] * (width - len(cells))
                cells.append(
                    CellProblem(
                        "",
                        f"the row has a value in column {get_column_letter(extra + 1)}; at "
                        f"most {width:,} columns are read",
                    )
                )
        yield number, bound_row(cells, limits)


def first_sheet_rows_estimate(source: str | IO[bytes]) -> int | None:
    """The data rows (excluding one header row) the first worksheet's ``<dimension>`` claims,
    read from at most the sheet's first 64 KiB (``xl/worksheets/sheet<n>.xml`` with the lowest
    n, where every Excel writer puts the first sheet); None when it has none. The dimension can
    lie: it is only a progress estimate, and nothing else of the workbook is read."""
    try:
        with zipfile.ZipFile(source) as archive:
            parts = sorted(
                (int(match.group(1)), name)
                for name in archive.namelist()
                if (match := _SHEET_PART.fullmatch(name))
            )
            if not parts:
                return None
            with archive.open(parts[0][1]) as stream:
                head = stream.read(HEAD_BYTES)
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        return None
    match = _DIMENSION.search(head)
    if not match:
        return None
    last = match.group(1)
    return max(0, int(last) - 1) if last else 0
