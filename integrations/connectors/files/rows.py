"""One export row → one validated order line (``Line``) or the list of what is wrong with it.

Validation per row: no cell the reader had to cut (``CellProblem``: too long, past the last
column read) and no NUL character in any cell (PostgreSQL cannot store one); required values
present (``order_id``, ``order_date``, ``sku``, ``quantity``, ``unit_price``), quantity a
whole number from 1 to ``MAX_QUANTITY``, amounts parseable (``₹``, ``Rs.``, commas stripped)
and at most ``MAX_AMOUNT`` (also unit price × quantity), the date parseable, the status known
to the profile's status map. Every problem is a ``RowError`` naming the file's column, so the
seller can fix the cell.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from integrations.connectors.files.errors import CellProblem, RowError
from integrations.connectors.files.profile import normalize_header
from integrations.connectors.files.values import (
    MAX_AMOUNT,
    ZERO,
    DateParser,
    parse_amount,
    parse_quantity,
    status_key,
)
from integrations.dto import OrderStatus, PaymentMethod

MISSING = "required value is missing"
NUL = "\x00"
NUL_REASON = "the cell holds a NUL character (\\x00), which cannot be stored: remove it"
# "COD", "Cash on Delivery", "cod" → COD; any other payment text (prepaid, online, UPI) → prepaid.
COD_WORDS = frozenset({"cod", "cash"})


@dataclass(frozen=True, slots=True)
class Line:
    """A validated row. Money in rupees: ``unit_price`` before discount (per unit);
    ``discount``, ``tax``, ``shipping`` for the whole line; ``total`` the row's own total or
    ``None`` when the file has none."""

    row: int
    order_id: str
    line_id: str
    placed_at: datetime
    status: str
    channel_status: str
    sku: str
    title: str
    quantity: int
    unit_price: Decimal
    discount: Decimal
    tax: Decimal
    shipping: Decimal
    total: Decimal | None
    payment_method: str
    customer_name: str
    ship_state: str
    ship_city: str
    ship_pincode: str


def unique_headers(cells: list[str]) -> list[str]:
    """Header cells with repeats made unique (``Fixed Fee``, ``Fixed Fee (2)``): Meesho's
    payment sheet repeats a header. Empty header cells stay empty."""
    seen: dict[str, int] = {}
    names = []
    for cell in cells:
        cell = str(cell).replace(NUL, "")
        if not cell:
            names.append("")
            continue
        seen[cell] = seen.get(cell, 0) + 1
        names.append(cell if seen[cell] == 1 else f"{cell} ({seen[cell]})")
    return names


def row_values(headers: list[str], cells: list[str]) -> dict[str, str]:
    """``{header: cell text}`` for every named column (``""`` when the row is short); cells
    past the last header are kept as ``column N`` when not empty."""
    values = {name: (cells[i] if i < len(cells) else "") for i, name in enumerate(headers) if name}
    for i in range(len(headers), len(cells)):
        if cells[i]:
            values[f"column {i + 1}"] = cells[i]
    return values


def cell_errors(values: Mapping[str, str]) -> list[RowError]:
    """A ``RowError`` for every cell the reader cut (``CellProblem``) or holding a NUL."""
    errors = []
    for header, text in values.items():
        if isinstance(text, CellProblem):
            errors.append(RowError(header, text.reason))
        elif NUL in text:
            errors.append(RowError(header, NUL_REASON))
    return errors


def storable(values: dict[str, str]) -> dict[str, str]:
    """``values`` as they can be stored in a quarantine payload: cut cells as plain text
    ending ``…``, NUL characters removed (the same dict when there is nothing to change)."""
    if not any(isinstance(text, CellProblem) or NUL in text for text in values.values()):
        return values
    return {
        header: f"{text}…" if isinstance(text, CellProblem) else text.replace(NUL, "")
        for header, text in values.items()
    }


class RowParser:
    """Reads the order fields of rows with a validated profile whose columns were resolved
    against the file's headers (``profile.resolve_columns``)."""

    def __init__(self, profile: Mapping[str, Any], columns: Mapping[str, tuple[str, ...]]):
        self.profile = profile
        self.columns = columns
        self.defaults: Mapping[str, str] = profile["defaults"]
        self.status_map: Mapping[str, str] = profile["status_map"]
        self.dates = DateParser(profile["date_formats"], ZoneInfo(profile["timezone"]))
        self.header_keys = frozenset(normalize_header(h) for hs in columns.values() for h in hs)
        self.first = {field: headers[0] for field, headers in columns.items()}

    def label(self, field: str) -> str:
        """The file's header for ``field`` (the field name when the file has no such column)."""
        headers = self.columns.get(field)
        return headers[0] if headers else field

    def text(self, values: Mapping[str, str], field: str) -> str:
        """The cell of ``field`` (first header of a sum), or the profile default when empty."""
        header = self.first.get(field)
        text = values.get(header, "") if header else ""
        return text or self.defaults.get(field, "")

    def is_header_repeat(self, values: Mapping[str, str]) -> bool:
        """A row that repeats the header (exports concatenated with their headers)."""
        if normalize_header(values.get(self.label("order_id"), "")) not in self.header_keys:
            return False
        cells = [normalize_header(v) for v in values.values() if v]
        return bool(cells) and all(cell in self.header_keys for cell in cells) and len(cells) > 2

    def looks_like_description(self, values: Mapping[str, str]) -> bool:
        """A row right under the header that explains the columns (Meesho's XLSX): none of
        its date, quantity and price cells (those the file has) parse."""
        checks = (
            ("order_date", self.dates),
            ("quantity", parse_quantity),
            ("unit_price", parse_amount),
        )
        for field, parse in checks:
            if field not in self.columns:
                continue
            try:
                parse(values.get(self.columns[field][0], ""))
            except ValueError:
                continue
            return False
        return True

    def _amount(self, values: Mapping[str, str], field: str, errors: list[RowError]) -> Decimal:
        total, seen = ZERO, False
        for header in self.columns.get(field, ()):
            text = values.get(header, "")
            if not text:
                continue
            seen = True
            try:
                total += parse_amount(text)
            except ValueError as exc:
                errors.append(RowError(header, str(exc)))
        if not seen and self.defaults.get(field):
            try:
                total = parse_amount(self.defaults[field])
            except ValueError as exc:
                errors.append(RowError(field, f"default {exc}"))
        return total

    def _required(self, values: Mapping[str, str], field: str, errors: list[RowError]) -> str:
        text = self.text(values, field)
        if not text:
            errors.append(RowError(self.label(field), MISSING))
        return text

    def _status(self, values: Mapping[str, str], errors: list[RowError]) -> tuple[str, str]:
        text = self.text(values, "status")
        if not text:
            return OrderStatus.CONFIRMED, ""
        status = self.status_map.get(status_key(text))
        if status is None:
            errors.append(
                RowError(
                    self.label("status"),
                    f"unknown status '{text}' (staff can map it in the channel's import profile)",
                )
            )
            return "", text
        return status, text

    def parse(self, row: int, values: Mapping[str, str]) -> Line | list[RowError]:
        """The row as a ``Line``, or every ``RowError`` found in it."""
        errors: list[RowError] = cell_errors(values)
        if errors:  # the cut or unstorable cells first: other checks would read cut text
            return errors
        order_id = self._required(values, "order_id", errors)
        date_text = self._required(values, "order_date", errors)
        placed_at = None
        if date_text:
            try:
                placed_at = self.dates(date_text)
            except ValueError as exc:
                errors.append(RowError(self.label("order_date"), str(exc)))
        status, channel_status = self._status(values, errors)
        sku = self._required(values, "sku", errors)
        quantity = 0
        quantity_text = self._required(values, "quantity", errors)
        if quantity_text:
            try:
                quantity = parse_quantity(quantity_text)
            except ValueError as exc:
                errors.append(RowError(self.label("quantity"), str(exc)))
        if not any(values.get(h) for h in self.columns.get("unit_price", ())) and not (
            self.defaults.get("unit_price")
        ):
            errors.append(RowError(self.label("unit_price"), MISSING))
        unit_price = self._amount(values, "unit_price", errors)
        list_price = self._amount(values, "list_price", errors)
        extra_discount = self._amount(values, "discount", errors)
        tax = self._amount(values, "tax", errors)
        shipping = self._amount(values, "shipping", errors)
        has_total = any(values.get(h) for h in self.columns.get("total", ()))
        total = self._amount(values, "total", errors) if has_total else None
        if quantity and max(unit_price, list_price) * quantity > MAX_AMOUNT:
            errors.append(
                RowError(
                    self.label("quantity"),
                    f"{quantity:,} units at ₹{max(unit_price, list_price):,} is more than "
                    f"₹{MAX_AMOUNT:,} for one line",
                )
            )
        if errors or placed_at is None:
            return errors
        size = self.text(values, "size")
        separator = self.profile["append_size_to_sku"]
        if separator and size and not sku.casefold().endswith(f"{separator}{size}".casefold()):
            sku = f"{sku}{separator}{size}"
        title = self.text(values, "title") or sku
        if size:
            title = f"{title} - {size}"
        if list_price > unit_price:
            discount = (list_price - unit_price) * quantity + extra_discount
            unit_price = list_price
        else:
            discount = extra_discount
        payment_words = re.findall(r"[a-z]+", self.text(values, "payment_method").casefold())
        if not payment_words:
            payment = self.profile["default_payment_method"]
        elif any(word in COD_WORDS for word in payment_words):
            payment = PaymentMethod.COD
        else:
            payment = PaymentMethod.PREPAID
        return Line(
            row=row,
            order_id=order_id,
            line_id=self.text(values, "line_id"),
            placed_at=placed_at,
            status=status,
            channel_status=channel_status,
            sku=sku,
            title=title,
            quantity=quantity,
            unit_price=unit_price,
            discount=discount,
            tax=tax,
            shipping=shipping,
            total=total,
            payment_method=payment,
            customer_name=self.text(values, "customer_name"),
            ship_state=self.text(values, "ship_state"),
            ship_city=self.text(values, "ship_city"),
            ship_pincode=self.text(values, "ship_pincode").replace(" ", ""),
        )
