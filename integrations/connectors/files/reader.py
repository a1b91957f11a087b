"""Streaming CSV/XLSX rows: memory stays flat however large — or however crafted — the file.

The format is sniffed from the content (an XLSX workbook is a zip: it starts with ``PK``;
legacy ``.xls`` is refused), the file name's extension only confirms it. CSV is read with the
``csv`` module over a text stream — UTF-8 (a BOM is dropped), UTF-16 with a byte-order mark
(Excel's "Unicode text"), or, when the bytes are not UTF-8, Windows-1252, which Excel on
Windows writes — with the delimiter guessed from the first lines. UTF-32, and UTF-16 without a
byte-order mark, are refused with a message saying how to save the file. XLSX is read by
:mod:`.xlsx` (the zip is checked against ``ImportLimits`` first, then openpyxl streams it).

Rows come as ``(row_number, [cell text, …])``; row numbers are the spreadsheet's (1-based,
counting empty rows), so a seller can find the row an error names.

Memory (``ImportLimits``): a row holds at most ``max_columns`` cells and ``max_row_chars``
characters; a cell longer than ``max_cell_chars``, a value past the last column read, or a
row over the row budget comes as a ``CellProblem`` (a short prefix and the reason), which
fails that row only. A CSV line is read at most ``MAX_LINE_CHARS`` characters at a time. More
than ``max_rows`` rows raise ``FileLimitError`` (rows before it have been handed out).
"""

from __future__ import annotations

import codecs
import csv
from collections.abc import Callable, Generator, Iterator
from contextlib import contextmanager
from pathlib import Path

from integrations.connectors.files.errors import CellProblem, FileFormatError, FileLimitError
from integrations.connectors.files.limits import ImportLimits

Rows = Generator[tuple[int, list[str]], None, None]
ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0"  # legacy binary .xls
UTF32_BOMS = (b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff")
UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
CSV_DELIMITERS = (",", "\t", ";", "|")
CHUNK = 1 << 20
MAX_LINE_CHARS = 1 << 20  # characters of one CSV line read at a time; a longer line fails
PREFIX_CHARS = 100  # characters kept of a cut cell, so the seller can recognise it
SAVE_AS_UTF8 = "In Excel use Save As → 'CSV UTF-8 (Comma delimited)', then upload it again."


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


def check_text_head(head: bytes) -> str | None:
    """The encoding the first bytes of a CSV declare (``"utf-16"`` for a UTF-16 byte-order
    mark), else None. Raises ``FileFormatError`` for UTF-32, and for UTF-16 without a
    byte-order mark (NUL in every other byte of ASCII text), which cannot be read reliably."""
    if head.startswith(UTF32_BOMS):
        raise FileFormatError(f"The file is UTF-32 text, which cannot be imported. {SAVE_AS_UTF8}")
    if head.startswith(UTF16_BOMS):
        return "utf-16"
    sample = head[:4096]
    if len(sample) >= 4 and (
        sample[1::2].count(0) > len(sample) // 4 or sample[0::2].count(0) > len(sample) // 4
    ):
        raise FileFormatError(
            "The file looks like UTF-16 text without a byte-order mark, which cannot be read "
            f"reliably. {SAVE_AS_UTF8}"
        )
    return None


def detect_encoding(path: str) -> str:
    """``"utf-16"`` when the file starts with a UTF-16 byte-order mark; ``"utf-8-sig"`` when
    every byte decodes as UTF-8 (checked incrementally, 1 MiB at a time); else ``"cp1252"``.
    Raises ``FileFormatError`` as ``check_text_head`` does."""
    with open(path, "rb") as handle:
        declared = check_text_head(handle.read(4096))
        if declared:
            return declared
        handle.seek(0)
        decoder = codecs.getincrementaldecoder("utf-8")()
        try:
            while chunk := handle.read(CHUNK):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return "cp1252"
    return "utf-8-sig"


def _delimiter(path: str, encoding: str) -> str:
    with open(path, encoding=encoding, errors="replace", newline="") as handle:
        lines = (handle.readline(64 * 1024) for _ in range(5))
        sample = [line for line in lines if line.strip()]
    counts = {d: sum(line.count(d) for line in sample) for d in CSV_DELIMITERS}
    best = max(CSV_DELIMITERS, key=lambda d: counts[d])
    return best if counts[best] else ","


def bound_row(cells: list[str], limits: ImportLimits) -> list[str]:
    """``cells`` within ``limits``: a cell over ``max_cell_chars`` becomes a ``CellProblem``;
    non-empty cells past ``max_columns`` are dropped and a ``CellProblem`` put after the last
    column read; a row over ``max_row_chars`` keeps ``PREFIX_CHARS`` of each cell and its
    first cell becomes a ``CellProblem`` saying why. Empty trailing cells past
    ``max_columns`` are dropped quietly."""
    if len(cells) > limits.max_columns:
        extra = next((i for i in range(limits.max_columns, len(cells)) if cells[i]), None)
        if extra is not None:
            problem = cells[extra]
            if not isinstance(problem, CellProblem) or extra != limits.max_columns:
                problem = CellProblem(
                    "",
                    f"the row has a value in column {extra + 1:,}; at most "
                    f"{limits.max_columns:,} columns are read",
                )
            cells = [*cells[: limits.max_columns], problem]
        else:
            cells = cells[: limits.max_columns]
    if cells and max(map(len, cells)) > limits.max_cell_chars:
        for index, cell in enumerate(cells):
            if len(cell) > limits.max_cell_chars and not isinstance(cell, CellProblem):
                cells[index] = CellProblem(
                    cell[:PREFIX_CHARS],
                    f"the cell has {len(cell):,} characters; at most "
                    f"{limits.max_cell_chars:,} are read",
                )
    total = sum(map(len, cells))
    if total > limits.max_row_chars and cells:
        reason = f"the row has {total:,} characters; at most {limits.max_row_chars:,} are read"
        cells = [cell[:PREFIX_CHARS] for cell in cells]
        cells[0] = CellProblem(cells[0], reason)
    return cells


class _Lines:
    """The lines of a text stream, each at most ``MAX_LINE_CHARS`` characters: a longer line
    is skipped to its end and read as an empty line, and ``cut`` is set so the record it
    belongs to can be failed."""

    def __init__(self, handle) -> None:
        self.handle = handle
        self.cut = 0

    def __iter__(self) -> Iterator[str]:
        return self

    def __next__(self) -> str:
        line = self.handle.readline(MAX_LINE_CHARS + 1)
        if not line:
            raise StopIteration
        if len(line) > MAX_LINE_CHARS and line[-1] not in "\r\n":
            length = len(line)
            while (rest := self.handle.readline(MAX_LINE_CHARS)) and rest[-1] not in "\r\n":
                length += len(rest)
            self.cut = length + len(rest)
            return "\n"
        return line


def _csv_rows(path: str, limits: ImportLimits) -> Rows:
    encoding = detect_encoding(path)
    delimiter = _delimiter(path, encoding)
    with open(path, encoding=encoding, errors="replace", newline="") as handle:
        lines = _Lines(handle)
        reader = csv.reader(lines, delimiter=delimiter)
        number = 0
        while True:
            number += 1
            if number > limits.max_rows:
                raise FileLimitError(
                    f"The file has more than {limits.max_rows:,} rows: split the export into "
                    "smaller files and upload them one by one."
                )
            try:
                row = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                # The reader starts afresh with the next line; this record is lost.
                yield number, [CellProblem("", f"the row cannot be read as CSV ({exc})")]
                continue
            if lines.cut:
                reason = (
                    f"the line has {lines.cut:,} characters; at most {MAX_LINE_CHARS:,} are read"
                )
                lines.cut = 0
                yield number, [CellProblem("", reason)]
                continue
            yield number, bound_row([cell.strip() for cell in row], limits)


@contextmanager
def open_sheets(
    path: str, filename: str = "", limits: ImportLimits | None = None
) -> Iterator[list[tuple[str, Callable[[], Rows]]]]:
    """The file's sheets as ``[(sheet name, rows factory)]`` — one ``("csv", …)`` entry for a
    CSV. Each factory starts a fresh row stream. The workbook is closed on exit. ``limits``
    default to the ``FILE_IMPORT_MAX_*`` settings. Raises ``FileFormatError`` for files that
    are not CSV or a readable XLSX workbook, ``FileLimitError`` for files beyond ``limits``."""
    from integrations.connectors.files.xlsx import open_workbook

    limits = limits or ImportLimits.from_settings()
    if detect_format(path, filename) == "csv":
        yield [("csv", lambda: _csv_rows(path, limits))]
        return
    with open_workbook(path, limits) as sheets:
        yield sheets
