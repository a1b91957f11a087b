"""How far an uploaded export may expand before, and while, it is read: zip, row and cell limits
that bound an import's peak memory whatever the file.
Design: docs/providers/files.md#limits
"""

from __future__ import annotations

from dataclasses import dataclass, fields


@dataclass(frozen=True, slots=True)
class ImportLimits:
    """Limits of one import (docs/providers/files.md#limits); sizes in bytes, counts in rows,
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
