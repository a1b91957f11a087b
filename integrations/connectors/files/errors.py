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


class FileLimitError(FileFormatError):
    """The file is beyond an import limit (``ImportLimits``): too many zip entries, too much
    uncompressed data, a zip-bomb compression ratio, too large a shared-strings table, too
    many rows. The message names the limit and what the file has."""


class CellProblem(str):  # noqa: SLOT000 - a str subclass carrying why the reader cut a cell
    """A cell the reader could not take whole (longer than the cell limit, past the last
    column read): the text is a short prefix of it, ``reason`` says why, for the seller.
    ``RowParser.parse`` turns it into a ``RowError``, so the cell fails its row only. It is
    truthy even when no text is kept."""

    reason: str

    def __bool__(self) -> bool:
        # Never an empty cell, even with no text kept: the row must not be skipped as empty.
        return True

    def __new__(cls, text: str, reason: str) -> CellProblem:
        cell = super().__new__(cls, text)
        cell.reason = reason
        return cell
