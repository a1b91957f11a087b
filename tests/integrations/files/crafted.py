"""Crafted workbooks and CSVs for the upload-limit tests and ``bench/upload_memory.py``: zip
bombs, huge shared-strings tables, row-count bombs, huge dimensions, oversized cells. Parts are
streamed into the zip, so writing a 40 MB part costs no memory."""

from __future__ import annotations

import csv
import zipfile
from collections.abc import Iterable, Iterator
from datetime import date
from pathlib import Path
from xml.sax.saxutils import escape

from sandbox.files.exports import demo_skus, write_meesho_orders_csv

NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
DOC_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
START = date(2026, 8, 1)

CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
    'relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-'
    'officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-'
    'officedocument.spreadsheetml.worksheet+xml"/>'
    '<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-'
    'officedocument.spreadsheetml.sharedStrings+xml"/>'
    "</Types>"
)
ROOT_RELS = (
    f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{PKG_REL}">'
    f'<Relationship Id="rId1" Type="{DOC_REL}/officeDocument" Target="xl/workbook.xml"/>'
    "</Relationships>"
)
WORKBOOK = (
    f'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="{NS}" xmlns:r="{REL_NS}">'
    '<sheets><sheet name="Orders" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
WORKBOOK_RELS = (
    f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{PKG_REL}">'
    f'<Relationship Id="rId1" Type="{DOC_REL}/worksheet" Target="worksheets/sheet1.xml"/>'
    f'<Relationship Id="rId2" Type="{DOC_REL}/sharedStrings" Target="sharedStrings.xml"/>'
    "</Relationships>"
)


def column_letters(index: int) -> str:
    letters = ""
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _write(archive: zipfile.ZipFile, name: str, parts: Iterable[str]) -> None:
    info = zipfile.ZipInfo(name)
    info.compress_type = zipfile.ZIP_DEFLATED
    with archive.open(info, "w", force_zip64=True) as stream:
        buffer: list[str] = []
        size = 0
        for part in parts:
            buffer.append(part)
            size += len(part)
            if size > 1 << 16:
                stream.write("".join(buffer).encode())
                buffer, size = [], 0
        stream.write("".join(buffer).encode())


def inline_row(number: int, cells: list[str]) -> str:
    """A ``<row>`` of inline strings (empty cells left out)."""
    body = "".join(
        f'<c r="{column_letters(i)}{number}" t="inlineStr"><is><t>{escape(text)}</t></is></c>'
        for i, text in enumerate(cells, start=1)
        if text
    )
    return f'<row r="{number}">{body}</row>'


def write_xlsx(
    path: str | Path,
    rows: Iterable[str],
    *,
    shared_strings: Iterable[str] = (),
    dimension: str = "",
    extra_entries: int = 0,
) -> Path:
    """A workbook whose first sheet holds the ``<row>`` XML of ``rows`` and whose
    shared-strings table holds the ``<si>`` XML of ``shared_strings``; ``extra_entries``
    empty parts are added (an entry-count bomb)."""
    path = Path(path)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("[Content_Types].xml", CONTENT_TYPES)
        archive.writestr("_rels/.rels", ROOT_RELS)
        archive.writestr("xl/workbook.xml", WORKBOOK)
        archive.writestr("xl/_rels/workbook.xml.rels", WORKBOOK_RELS)
        head = f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{NS}">'
        if dimension:
            head += f'<dimension ref="{dimension}"/>'

        def sheet() -> Iterator[str]:
            yield head + "<sheetData>"
            yield from rows
            yield "</sheetData></worksheet>"

        _write(archive, "xl/worksheets/sheet1.xml", sheet())

        def table() -> Iterator[str]:
            yield f'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="{NS}">'
            yield from shared_strings
            yield "</sst>"

        _write(archive, "xl/sharedStrings.xml", table())
        for index in range(extra_entries):
            archive.writestr(f"xl/media/empty{index}.bin", b"")
    return path


def meesho_rows(tmp: Path, rows: int = 12, seed: int = 5) -> list[list[str]]:
    """A real Meesho export as cells: the header row, then ``rows`` good rows."""
    source = tmp / "source.csv"
    write_meesho_orders_csv(source, skus=demo_skus(5), rows=rows, start=START, seed=seed)
    with open(source, encoding="utf-8-sig", newline="") as handle:
        return list(csv.reader(handle))


def meesho_xlsx(path: Path, table: list[list[str]], *, dimension: str = "") -> Path:
    """``table`` (header first) as an inline-string workbook."""
    return write_xlsx(
        path,
        (inline_row(n, cells) for n, cells in enumerate(table, start=1)),
        dimension=dimension,
    )


def shared_strings_bomb(path: Path, strings: int) -> Path:
    """A workbook whose table holds ``strings`` distinct short strings (``<si><t>s123</t>``):
    a few hundred KB that a reader holding Python objects turns into hundreds of MB."""
    return write_xlsx(
        path,
        ['<row r="1"><c r="A1" t="s"><v>0</v></c></row>'],
        shared_strings=(f"<si><t>s{n}</t></si>" for n in range(strings)),
    )


def row_bomb(path: Path, rows: int, header: list[str] | None = None) -> Path:
    """A sheet of ``rows`` empty ``<row/>`` elements (2 million pack into ~20 KB: deflate
    packs the repeats ~1000:1), after a ``header`` row when given."""
    first = [inline_row(1, header)] if header else []
    return write_xlsx(path, [*first, *("<row/>" for _ in range(rows))])


def wide_bomb(path: Path, rows: int) -> Path:
    """``rows`` rows each with one value in the last column (XFD) and a 1,048,576-row
    dimension: a reader padding rows to the widest cell makes 16,384 cells a row."""
    return write_xlsx(
        path,
        (f'<row r="{n}"><c r="XFD{n}"><v>1</v></c></row>' for n in range(1, rows + 1)),
        dimension="A1:XFD1048576",
    )
