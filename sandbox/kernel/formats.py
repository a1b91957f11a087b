"""Wire formats shared by the GraphQL resolvers and the REST-shaped webhook payloads.

* Money: decimal strings with two places (``"1299.00"``); GraphQL ``MoneyBag`` is
  ``{shopMoney{amount currencyCode} presentmentMoney{…}}`` and REST ``*_set`` is
  ``{shop_money{amount currency_code} presentment_money{…}}`` (channel-apis.md §1.2, §1.3).
  The sandbox's shops sell in one currency, so presentment equals shop money.
* Time: GraphQL ``DateTime`` is UTC with ``Z`` and whole seconds (schema description of
  ``DateTime``); REST payloads use the shop's offset (``2024-05-01T15:45:00+05:30``), as in the
  webhook samples.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any
from zoneinfo import ZoneInfo

CENT = Decimal("0.01")


def money(amount: Decimal | int | str) -> str:
    """A decimal string with two places, e.g. ``Decimal("1299") -> "1299.00"``."""
    return str(Decimal(amount).quantize(CENT, rounding=ROUND_HALF_UP))


def money_bag(amount: Decimal | int | str, currency: str) -> dict[str, Any]:
    """GraphQL ``MoneyBag`` source value."""
    value = {"amount": money(amount), "currencyCode": currency}
    return {"shopMoney": value, "presentmentMoney": dict(value)}


def money_v2(amount: Decimal | int | str, currency: str) -> dict[str, Any]:
    """GraphQL ``MoneyV2`` source value."""
    return {"amount": money(amount), "currencyCode": currency}


def rest_money_set(amount: Decimal | int | str, currency: str) -> dict[str, Any]:
    """REST ``*_set`` value: ``{"shop_money": {...}, "presentment_money": {...}}``."""
    value = {"amount": money(amount), "currency_code": currency}
    return {"shop_money": value, "presentment_money": dict(value)}


def iso_utc(value: datetime | None) -> str | None:
    """GraphQL ``DateTime``: ``2024-05-01T10:15:00Z``."""
    if value is None:
        return None
    return value.astimezone(UTC).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")


def iso_local(value: datetime | None, timezone: str) -> str | None:
    """REST timestamp in the shop's zone: ``2024-05-01T15:45:00+05:30``."""
    if value is None:
        return None
    return value.astimezone(ZoneInfo(timezone)).replace(microsecond=0).isoformat()
