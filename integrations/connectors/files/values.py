"""Cell values of seller-panel exports → Python values.

Exports are typed by hand or by Excel: amounts carry ``₹``/``Rs.``/``INR`` and Indian digit
grouping (``₹1,23,456.50``), quantities arrive as ``2`` or ``2.0``, and dates come in many
day-first forms without a zone — Indian panels mean IST (Asia/Kolkata), so they are read as IST
and converted to UTC. Every parser raises ``ValueError`` with a reason the seller can act on.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, tzinfo
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
IST = ZoneInfo("Asia/Kolkata")

# Day-first, as Indian panels write them; the first matching format wins.
DEFAULT_DATE_FORMATS: tuple[str, ...] = (
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%dT%H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%d",
    "%d-%m-%Y %H:%M:%S",
    "%d-%m-%Y %H:%M",
    "%d-%m-%Y %I:%M %p",
    "%d-%m-%Y",
    "%d/%m/%Y %H:%M:%S",
    "%d/%m/%Y %H:%M",
    "%d/%m/%Y %I:%M %p",
    "%d/%m/%Y",
    "%d.%m.%Y",
    "%d %b %Y %H:%M:%S",
    "%d %b %Y %H:%M",
    "%d %b %Y, %I:%M %p",
    "%d %b %Y",
    "%d %B %Y",
    "%d-%b-%Y %H:%M:%S",
    "%d-%b-%Y",
    "%d-%b-%y",
    "%b %d, %Y",
)

_CURRENCY = re.compile(r"(₹|\bINR\b|\bRs\b\.?)", re.IGNORECASE)
_SPACES = re.compile(r"[\s\u00a0\u202f]+")
_PLAIN_NUMBER = re.compile(r"\d+(?:\.\d+)?")
DATE_CACHE_SIZE = 512
# One order line's units: far above any marketplace order, far below PostgreSQL's integer
# columns (2^31 - 1), so a typo (or 10^12) is refused at the edge, not at save time.
MAX_QUANTITY = 100_000
# One amount cell, and unit price × quantity, in rupees (₹10 crore): with at most 1000 lines
# an order's totals stay within the 14-digit money columns.
MAX_AMOUNT = Decimal(100_000_000)


def cell_text(value: Any) -> str:
    """A CSV or XLSX cell as the text the seller sees: ``None`` → ``""``; whole floats lose
    their ``.0`` (Excel stores every number as a float); dates become ISO text
    (``2024-05-01 10:00:00``) so that CSV and XLSX rows read the same way."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return repr(value)
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, date | time):
        return value.isoformat()
    return str(value).strip()


def parse_amount(text: str) -> Decimal:
    """``"₹1,23,456.50"``, ``"Rs. 499"``, ``"INR 1,299.00"``, ``"499"`` → ``Decimal`` rupees
    rounded to paise. Raises ``ValueError`` for text that is not a finite, non-negative
    amount (a price or fee in an order export is never negative), or is over ``MAX_AMOUNT``."""
    if _PLAIN_NUMBER.fullmatch(text):
        amount = Decimal(text)
        if amount > MAX_AMOUNT:
            raise ValueError(f"'{text}' is more than ₹{MAX_AMOUNT:,}")
        return amount.quantize(CENT, rounding=ROUND_HALF_UP)
    cleaned = _SPACES.sub("", _CURRENCY.sub("", text)).replace(",", "")
    if cleaned.startswith("(") and cleaned.endswith(")"):
        raise ValueError(f"'{text}' is negative; expected an amount of 0 or more")
    try:
        amount = Decimal(cleaned)
    except InvalidOperation:
        raise ValueError(f"'{text}' is not an amount (expected e.g. 499 or ₹1,299.00)") from None
    if not amount.is_finite():
        raise ValueError(f"'{text}' is not an amount (expected e.g. 499 or ₹1,299.00)")
    if amount < 0:
        raise ValueError(f"'{text}' is negative; expected an amount of 0 or more")
    if amount > MAX_AMOUNT:
        raise ValueError(f"'{text}' is more than ₹{MAX_AMOUNT:,}")
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


def parse_quantity(text: str) -> int:
    """``"2"`` or ``"2.0"`` → ``2``. Raises ``ValueError`` unless a whole number from 1 to
    ``MAX_QUANTITY``."""
    cleaned = _SPACES.sub("", text).replace(",", "")
    try:
        number = Decimal(cleaned)
    except InvalidOperation:
        raise ValueError(f"'{text}' is not a whole number of units") from None
    if not number.is_finite() or number != number.to_integral_value():
        raise ValueError(f"'{text}' is not a whole number of units")
    if number < 1:
        raise ValueError(f"'{text}' is not a positive quantity (must be 1 or more)")
    if number > MAX_QUANTITY:
        raise ValueError(f"'{text}' is more than {MAX_QUANTITY:,} units for one line")
    return int(number)


class DateParser:
    """Parses date/time text with a list of ``strptime`` formats; text without a zone is in
    ``zone`` (IST by default). ISO-8601 text with an offset (``2024-05-01T10:00:00+05:30``,
    ``…Z``) keeps its own offset. Results are aware UTC datetimes.

    Remembers the last format that matched and tries it first (an export uses one format for
    every row), and the last few hundred results (an order's rows, and date-only exports,
    repeat the same text)."""

    def __init__(
        self, formats: tuple[str, ...] | list[str] = DEFAULT_DATE_FORMATS, zone: tzinfo = IST
    ):
        self.formats = tuple(formats)
        self.zone = zone
        self._last = 0
        self._seen: dict[str, datetime] = {}

    def __call__(self, text: str) -> datetime:
        """Raises ``ValueError`` naming the expected forms when nothing matches."""
        parsed = self._seen.get(text)
        if parsed is None:
            if len(self._seen) >= DATE_CACHE_SIZE:
                self._seen.clear()
            parsed = self._seen[text] = self._parse(text)
        return parsed

    def _parse(self, text: str) -> datetime:
        value = _SPACES.sub(" ", text).strip()
        count = len(self.formats)
        for step in range(count):
            index = (self._last + step) % count
            try:
                parsed = datetime.strptime(value, self.formats[index])  # noqa: DTZ007
            except ValueError:
                continue
            self._last = index
            return parsed.replace(tzinfo=self.zone).astimezone(UTC)
        iso = _fromisoformat(value)
        if iso is not None:
            return (iso if iso.tzinfo else iso.replace(tzinfo=self.zone)).astimezone(UTC)
        raise ValueError(
            f"'{text}' is not a date (expected e.g. 2024-05-01, 01-05-2024, 01/05/2024, "
            "2024-05-01 10:00:00 or 1 May 2024)"
        )


def _fromisoformat(value: str) -> datetime | None:
    """An ISO-8601 timestamp (``Z`` accepted), or None when ``value`` is not one."""
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None


def status_key(text: str) -> str:
    """Channel status → lookup key: upper case, spaces and hyphens as ``_``
    (``"RTO Complete"`` and ``"rto-complete"`` both → ``RTO_COMPLETE``)."""
    return re.sub(r"[\s\-]+", "_", text.strip()).upper()


# Indian states and union territories with the province codes Shopify uses for India (the
# codes Sangam stores, see ``sandbox/kernel/seed/data.py``); older names as aliases.
STATE_CODES: dict[str, str] = {
    "Andaman and Nicobar Islands": "AN",
    "Andhra Pradesh": "AP",
    "Arunachal Pradesh": "AR",
    "Assam": "AS",
    "Bihar": "BR",
    "Chandigarh": "CH",
    "Chhattisgarh": "CG",
    "Dadra and Nagar Haveli and Daman and Diu": "DN",
    "Delhi": "DL",
    "Goa": "GA",
    "Gujarat": "GJ",
    "Haryana": "HR",
    "Himachal Pradesh": "HP",
    "Jammu and Kashmir": "JK",
    "Jharkhand": "JH",
    "Karnataka": "KA",
    "Kerala": "KL",
    "Ladakh": "LA",
    "Lakshadweep": "LD",
    "Madhya Pradesh": "MP",
    "Maharashtra": "MH",
    "Manipur": "MN",
    "Meghalaya": "ML",
    "Mizoram": "MZ",
    "Nagaland": "NL",
    "Odisha": "OR",
    "Puducherry": "PY",
    "Punjab": "PB",
    "Rajasthan": "RJ",
    "Sikkim": "SK",
    "Tamil Nadu": "TN",
    "Telangana": "TS",
    "Tripura": "TR",
    "Uttar Pradesh": "UP",
    "Uttarakhand": "UK",
    "West Bengal": "WB",
}
_STATE_ALIASES = {
    "andaman and nicobar": "Andaman and Nicobar Islands",
    "dadra and nagar haveli": "Dadra and Nagar Haveli and Daman and Diu",
    "daman and diu": "Dadra and Nagar Haveli and Daman and Diu",
    "nct of delhi": "Delhi",
    "new delhi": "Delhi",
    "orissa": "Odisha",
    "pondicherry": "Puducherry",
    "uttaranchal": "Uttarakhand",
}
_STATE_LOOKUP: dict[str, str] = {
    **{name.casefold(): name for name in STATE_CODES},
    **{code.casefold(): name for name, code in STATE_CODES.items()},
    **_STATE_ALIASES,
}


def indian_state(text: str) -> tuple[str, str]:
    """A state as the export writes it (``"MAHARASHTRA"``, ``"MH"``, ``"Orissa"``,
    ``"Jammu & Kashmir"``) → ``(name, code)``; unknown text is kept with an empty code."""
    key = _SPACES.sub(" ", text).strip().casefold().replace("&", "and")
    name = _STATE_LOOKUP.get(key)
    if name is None:
        return text.strip(), ""
    return name, STATE_CODES[name]
