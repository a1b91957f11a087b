"""How far an uploaded export may expand before, and while, it is read.

A few hundred KB of XLSX can hold gigabytes: a workbook is a zip of XML parts, deflate packs
repetitive XML about 1000:1, and a naive reader materialises the whole shared-strings table
and one Python object per row. These limits are checked on the zip's directory before any
part is decompressed (at upload, and again when the import run opens the file) and while
rows stream, so the peak memory of an import is bounded whatever the file:

- the zip: at most ``zip_entries`` parts, ``uncompressed_bytes`` unpacked in all, no part over
  1 MiB packed more than ``compression_ratio`` times, at most ``shared_strings_bytes`` of
  shared-strings XML (openpyxl holds that table as Python strings, a few times its size);
- rows: at most ``max_rows`` per sheet or CSV (openpyxl keeps a small husk of every row read);
- one row: at most ``max_columns`` cells of at most ``max_cell_chars`` characters, and at
  most ``max_row_chars`` characters in all (a longer cell or row is cut to a short prefix and
  fails its row; an order holds at most ``orders.MAX_LINES_PER_ORDER`` rows).

Defaults fit real seller-panel exports (a 100,000-row Meesho export holds about 15 MB of
shared strings, by about four distinct texts of 20 characters a row, in about 30 columns) and
keep an import's peak near 500 MB RSS whatever the file (``bench/upload_memory.py``); they are
overridden by the ``FILE_IMPORT_MAX_*`` settings of the same names. Larger exports go as CSV,
which is read a line at a time.
"""

from __future__ import annotations

from dataclasses import dataclass, fields


@dataclass(frozen=True, slots=True)
class ImportLimits:
    """Limits of one import (see the module docstring); sizes in bytes, counts in rows,
    columns, zip entries and characters."""

    uncompressed_bytes: int = 512 * 1024 * 1024  # all zip entries of an XLSX, uncompressed
    zip_entries: int = 1000  # entries in the zip's central directory
    compression_ratio: int = 100  # uncompressed ÷ compressed size of one entry over 1 MiB
    shared_strings_bytes: int = 24 * 1024 * 1024  # xl/sharedStrings.xml, uncompressed
    max_rows: int = 200_000  # rows (records) of one sheet or CSV file, empty rows included
    max_columns: int = 512  # cells read per row; a value past it fails its row
    max_cell_chars: int = 10_000  # characters of one cell; a longer cell fails its row
    max_row_chars: int = 32_768  # characters of one row's cells together; more fails the row

    # An entry smaller than this is never refused for its ratio (a tiny part of zeros packs
    # 100:1 and costs nothing to read).
    RATIO_FLOOR_BYTES = 1024 * 1024

    @classmethod
    def from_settings(cls) -> ImportLimits:
        """The defaults with any ``FILE_IMPORT_MAX_<NAME>`` Django setting on top."""
        from django.conf import settings

        if not settings.configured:
            return cls()
        values = {}
        for field in fields(cls):
            value = getattr(settings, f"FILE_IMPORT_MAX_{field.name.upper()}", None)
            if value is None and field.name.startswith("max_"):
                value = getattr(settings, f"FILE_IMPORT_{field.name.upper()}", None)
            if value is not None:
                values[field.name] = int(value)
        return cls(**values)
