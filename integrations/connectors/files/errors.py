"""Errors of the file-import connectors."""

from __future__ import annotations


class FileFormatError(ValueError):
    """The uploaded file as a whole cannot be read: not CSV/XLSX, empty, or a required column
    is missing. The message is written for the seller (it names the missing columns and the
    columns found); the sync engine fails the run with it."""


class ProfileError(ValueError):
    """A column-mapping profile is malformed (unknown field, bad status, wrong type). Raised
    by ``validate_profile`` so the admin can refuse to save it."""


class RowError(ValueError):
    """One cell of one row is unusable. ``column`` is the file's header (or the order field
    when the column is absent); ``reason`` says why, for the seller."""

    def __init__(self, column: str, reason: str) -> None:
        super().__init__(f"column '{column}': {reason}")
        self.column = column
        self.reason = reason
