"""Stock counts from a CSV upload: each counted SKU's on hand is set through the ledger.

The file is read as a stream (the ``csv`` module over the upload's lines, never loaded whole)
in chunks of ``CHUNK_ROWS`` rows: one query finds the chunk's variants and their current on
hand, then every row is applied in its own savepoint through ``stock_adjust(on_hand=…)``, so a
bad row (unknown SKU, not a whole number, negative) is quarantined with its row number and
reason while the rest commits.
"""

from __future__ import annotations

import codecs
import csv
from collections.abc import Iterator

from django.db import transaction

from accounts.models import Merchant
from integrations.dto import ImportResult, RecordFailure
from inventory.models import MovementKind, MovementSource, StockLevel, Variant
from inventory.services.stock import stock_adjust

CHUNK_ROWS = 500
SKU_HEADERS = frozenset({"sku"})
COUNT_HEADERS = ("on_hand", "quantity", "count")  # first one present wins


class CountFileError(ValueError):
    """The file as a whole cannot be read (no usable header, not UTF-8 text)."""


def stock_counts_import(*, merchant: Merchant, file, user=None) -> ImportResult:
    """Set the on hand of every SKU counted in ``file`` (a Django ``UploadedFile`` or any
    binary/text file object with a ``name``).

    Format: CSV, UTF-8 (a BOM is fine), a header row naming a ``sku`` column and a count column
    ``on_hand`` (aliases ``quantity``, ``count``; header names are case-insensitive, spaces
    become underscores), then one row per SKU with a whole number ≥ 0 of units counted in the
    default warehouse. Blank lines are ignored; when a SKU appears twice the later row wins.

    Each valid row goes through ``stock_adjust(on_hand=…, kind="adjust", source="user",
    note="count upload <file name>", user=user)``. Result: ``updated`` rows whose on hand
    changed, ``skipped`` rows that matched the current count; ``failures`` holds one
    ``RecordFailure`` per quarantined row, ``external_id`` ``"row N"`` (the header is row 1)
    and ``payload`` ``{"row", "sku", "on_hand"}``.

    Raises ``CountFileError`` (nothing applied) when the header lacks the SKU or count
    column, or the file is not UTF-8 text.
    """
    name = getattr(file, "name", "") or "upload.csv"
    note = f"count upload {name}"[:500]
    result = ImportResult()
    reader = csv.reader(_text_lines(file))
    try:
        header = next(reader, None)
        if header is None:
            raise CountFileError("The file is empty: expected a header row 'sku,on_hand'.")
        sku_col, count_col = _columns(header)
        chunk: list[tuple[int, list[str]]] = []
        for row_number, row in enumerate(reader, start=2):
            if not any(cell.strip() for cell in row):
                continue
            chunk.append((row_number, row))
            if len(chunk) >= CHUNK_ROWS:
                _apply_chunk(merchant, chunk, sku_col, count_col, note, user, result)
                chunk = []
        _apply_chunk(merchant, chunk, sku_col, count_col, note, user, result)
    except UnicodeDecodeError as exc:
        raise CountFileError(f"The file is not UTF-8 text ({exc.reason}).") from None
    except csv.Error as exc:
        raise CountFileError(f"The file is not valid CSV: {exc}.") from None
    return result


def _text_lines(file) -> Iterator[str]:
    """The file's lines as text: bytes are decoded incrementally as UTF-8 (BOM dropped)."""
    if hasattr(file, "seek"):
        file.seek(0)
    lines: Iterator = iter(file)  # once: a Django File makes a new generator per iter()
    first = next(lines, None)
    if first is None:
        return
    if isinstance(first, str):
        yield first.lstrip("\ufeff")
        yield from lines
        return
    decoder = codecs.getincrementaldecoder("utf-8-sig")()
    yield decoder.decode(first)
    for line in lines:
        yield decoder.decode(line)
    tail = decoder.decode(b"", final=True)
    if tail:
        yield tail


def _columns(header: list[str]) -> tuple[int, int]:
    names = [cell.strip().lower().replace(" ", "_") for cell in header]
    sku_col = next((i for i, n in enumerate(names) if n in SKU_HEADERS), None)
    count_col = next((names.index(alias) for alias in COUNT_HEADERS if alias in names), None)
    if sku_col is None or count_col is None:
        found = ", ".join(n for n in names if n) or "nothing"
        raise CountFileError(
            "The header row must name a 'sku' column and an 'on_hand' column (or 'quantity' "
            f"or 'count'); found: {found}."
        )
    return sku_col, count_col


def _apply_chunk(
    merchant: Merchant,
    chunk: list[tuple[int, list[str]]],
    sku_col: int,
    count_col: int,
    note: str,
    user,
    result: ImportResult,
) -> None:
    if not chunk:
        return
    skus = {_cell(row, sku_col) for _, row in chunk}
    variants = dict(
        Variant.objects.for_merchant(merchant)
        .filter(sku__in=[s for s in skus if s])
        .values_list("sku", "pk")
    )
    current = dict(
        StockLevel.objects.for_merchant(merchant)
        .filter(warehouse__is_default=True, variant_id__in=list(variants.values()))
        .values_list("variant_id", "on_hand")
    )
    for row_number, row in chunk:
        sku, raw = _cell(row, sku_col), _cell(row, count_col)
        reason = ""
        count: int | None = None
        if not sku:
            reason = "The SKU is blank."
        elif sku not in variants:
            reason = f"Unknown SKU '{sku}'."
        else:
            try:
                count = int(raw)
            except ValueError:
                reason = f"The count '{raw}' is not a whole number."
            else:
                if count < 0:
                    reason = f"The count {count} is negative."
        if reason:
            result.failures.append(
                RecordFailure(
                    external_id=f"row {row_number}",
                    error=reason,
                    payload={"row": row_number, "sku": sku, "on_hand": raw},
                )
            )
            continue
        variant_id = variants[sku]
        try:
            with transaction.atomic():
                stock_adjust(
                    merchant=merchant,
                    variant_id=variant_id,
                    on_hand=count,
                    kind=MovementKind.ADJUST,
                    source=MovementSource.USER,
                    note=note,
                    user=user,
                )
        except ValueError as exc:
            result.failures.append(
                RecordFailure(
                    external_id=f"row {row_number}",
                    error=str(exc),
                    payload={"row": row_number, "sku": sku, "on_hand": raw},
                )
            )
            continue
        if current.get(variant_id, 0) == count:
            result.skipped += 1
        else:
            result.updated += 1
        current[variant_id] = count


def _cell(row: list[str], index: int) -> str:
    return row[index].strip() if index < len(row) else ""
