"""The column-mapping profile: which header of an export feeds which order field (plain JSON,
edited by staff in the admin).
Design: docs/providers/files.md#profile
"""

from __future__ import annotations

import copy
import re
from collections.abc import Mapping, Sequence
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from integrations.connectors.files.errors import ProfileError
from integrations.connectors.files.values import status_key
from integrations.dto import OrderStatus, PaymentMethod, ReturnKind, ReturnStatus

ORDER_FIELDS: tuple[str, ...] = (
    "order_id",
    "line_id",
    "order_date",
    "status",
    "sku",
    "title",
    "size",
    "quantity",
    "unit_price",
    "list_price",
    "discount",
    "shipping",
    "tax",
    "total",
    "payment_method",
    "ship_state",
    "ship_city",
    "ship_pincode",
    "customer_name",
)
REQUIRED_FIELDS: tuple[str, ...] = ("order_id", "order_date", "sku", "quantity", "unit_price")
MERGED_KEYS = ("columns", "status_map", "return_map", "defaults")
PROFILE_KEYS = frozenset(
    {
        "columns",
        "date_formats",
        "status_map",
        "return_map",
        "header_row_search",
        "defaults",
        "default_payment_method",
        "timezone",
        "append_size_to_sku",
    }
)
STATUSES = frozenset(value for value, _ in OrderStatus.CHOICES)
RETURN_KINDS = frozenset(value for value, _ in ReturnKind.CHOICES)
RETURN_STATUSES = frozenset(value for value, _ in ReturnStatus.CHOICES)
PAYMENT_METHODS = frozenset(value for value, _ in PaymentMethod.CHOICES)
MAX_HEADER_ROW_SEARCH = 200


def normalize_header(text: str) -> str:
    """``" Order_Release ID. "`` → ``"order release id"``: how headers are compared."""
    return " ".join(re.sub(r"[_.]", " ", str(text)).split()).casefold()


def merge_profile(default: Mapping[str, Any], override: Mapping[str, Any] | None) -> dict[str, Any]:
    """``default`` with ``override`` applied (docs/providers/files.md#profile), validated.
    Raises ``ProfileError``."""
    merged = copy.deepcopy(dict(default))
    for key, value in (override or {}).items():
        if key in MERGED_KEYS and isinstance(value, Mapping):
            entries = dict(merged.get(key) or {})
            for name, entry in value.items():
                if entry is None:
                    entries.pop(name, None)
                else:
                    entries[name] = copy.deepcopy(entry)
            merged[key] = entries
        else:
            merged[key] = copy.deepcopy(value)
    return validate_profile(merged)


def _column_spec(field: str, spec: Any) -> list[str] | dict[str, list[str]]:
    def headers(value: Any) -> list[str]:
        items = [value] if isinstance(value, str) else value
        if (
            not isinstance(items, list)
            or not items
            or not all(isinstance(h, str) and h.strip() for h in items)
        ):
            raise ProfileError(
                f"columns.{field}: expected a header name or a non-empty list of header names"
            )
        return list(items)

    if isinstance(spec, Mapping):
        if set(spec) != {"sum"}:
            raise ProfileError(f'columns.{field}: the only object form is {{"sum": [...]}}')
        return {"sum": headers(spec["sum"])}
    return headers(spec)


def validate_profile(profile: Mapping[str, Any]) -> dict[str, Any]:
    """Check a complete profile's shape; returns a normalized copy (``columns`` entries as
    lists, ``status_map`` keys as lookup keys). Raises ``ProfileError`` naming the bad key."""
    unknown = set(profile) - PROFILE_KEYS
    if unknown:
        raise ProfileError(f"unknown profile keys: {', '.join(sorted(unknown))}")
    columns = profile.get("columns")
    if not isinstance(columns, Mapping):
        raise ProfileError("columns: expected an object of order field → header(s)")
    bad_fields = set(columns) - set(ORDER_FIELDS)
    if bad_fields:
        raise ProfileError(
            f"columns: unknown order fields {', '.join(sorted(bad_fields))} "
            f"(known: {', '.join(ORDER_FIELDS)})"
        )
    defaults = profile.get("defaults") or {}
    if not isinstance(defaults, Mapping) or not all(
        isinstance(v, str) and k in ORDER_FIELDS for k, v in defaults.items()
    ):
        raise ProfileError("defaults: expected an object of order field → text value")
    for field in REQUIRED_FIELDS:
        if field not in columns and field not in defaults:
            raise ProfileError(f"columns.{field}: required field has no column and no default")
    formats = profile.get("date_formats")
    if (
        not isinstance(formats, list)
        or not formats
        or not all(isinstance(f, str) and "%" in f for f in formats)
    ):
        raise ProfileError("date_formats: expected a non-empty list of strptime formats")
    status_map = profile.get("status_map") or {}
    if not isinstance(status_map, Mapping):
        raise ProfileError("status_map: expected an object of channel status → order status")
    normalized_map: dict[str, str] = {}
    for name, status in status_map.items():
        if status not in STATUSES:
            raise ProfileError(
                f"status_map.{name}: '{status}' is not one of {', '.join(sorted(STATUSES))}"
            )
        normalized_map[status_key(str(name))] = status
    return_map = profile.get("return_map") or {}
    if not isinstance(return_map, Mapping):
        raise ProfileError('return_map: expected an object of channel status → {"kind", "status"}')
    normalized_returns: dict[str, dict[str, str]] = {}
    for name, entry in return_map.items():
        if (
            not isinstance(entry, Mapping)
            or entry.get("kind") not in RETURN_KINDS
            or entry.get("status") not in RETURN_STATUSES
            or set(entry) != {"kind", "status"}
        ):
            raise ProfileError(
                f'return_map.{name}: expected {{"kind": one of {", ".join(sorted(RETURN_KINDS))}'
                f', "status": one of {", ".join(sorted(RETURN_STATUSES))}}}'
            )
        key = status_key(str(name))
        if normalized_map.get(key) not in (None, OrderStatus.RETURNED, OrderStatus.REFUNDED):
            raise ProfileError(
                f"return_map.{name}: the status map makes it '{normalized_map[key]}', not a return"
            )
        normalized_returns[key] = {"kind": entry["kind"], "status": entry["status"]}
    search = profile.get("header_row_search", 10)
    if (
        not isinstance(search, int)
        or isinstance(search, bool)
        or not (1 <= search <= MAX_HEADER_ROW_SEARCH)
    ):
        raise ProfileError(f"header_row_search: expected a whole number 1–{MAX_HEADER_ROW_SEARCH}")
    payment = profile.get("default_payment_method", PaymentMethod.PREPAID)
    if payment not in PAYMENT_METHODS:
        raise ProfileError(f"default_payment_method: expected one of {sorted(PAYMENT_METHODS)}")
    zone = profile.get("timezone", "Asia/Kolkata")
    try:
        ZoneInfo(str(zone))
    except (ZoneInfoNotFoundError, ValueError):
        raise ProfileError(f"timezone: unknown time zone {zone!r}") from None
    separator = profile.get("append_size_to_sku", "")
    if not isinstance(separator, str):
        raise ProfileError('append_size_to_sku: expected text ("" to leave SKUs as they are)')
    return {
        "columns": {field: _column_spec(field, spec) for field, spec in columns.items()},
        "date_formats": list(formats),
        "status_map": normalized_map,
        "return_map": normalized_returns,
        "header_row_search": search,
        "defaults": dict(defaults),
        "default_payment_method": payment,
        "timezone": str(zone),
        "append_size_to_sku": separator,
    }


def resolve_columns(
    profile: Mapping[str, Any], headers: Sequence[str]
) -> tuple[dict[str, tuple[str, ...]], list[str]]:
    """Match a validated profile's columns against a file's ``headers``.

    Returns ``({field: (header, …)}, missing_required_fields)``: a plain spec resolves to the
    first accepted variant present (in the profile's order), a ``sum`` spec to every listed
    header present. Required fields with a default are never missing."""
    present: dict[str, str] = {}
    for header in headers:
        present.setdefault(normalize_header(header), header)
    resolved: dict[str, tuple[str, ...]] = {}
    for field, spec in profile["columns"].items():
        if isinstance(spec, Mapping):
            found = tuple(
                present[normalize_header(h)] for h in spec["sum"] if normalize_header(h) in present
            )
        else:
            first = next(
                (present[normalize_header(h)] for h in spec if normalize_header(h) in present),
                None,
            )
            found = (first,) if first else ()
        if found:
            resolved[field] = found
    missing = [
        field
        for field in REQUIRED_FIELDS
        if field not in resolved and field not in profile["defaults"]
    ]
    return resolved, missing


def describe_fields(profile: Mapping[str, Any], fields: Sequence[str]) -> str:
    """``'Sub Order No' (order_id), one of 'SKU', 'Supplier SKU' (sku)``: what a seller must
    add to the file, for error messages."""
    parts = []
    for field in fields:
        spec = profile["columns"].get(field) or [field]
        names = spec["sum"] if isinstance(spec, Mapping) else spec
        quoted = ", ".join(f"'{name}'" for name in names)
        parts.append(f"{'one of ' if len(names) > 1 else ''}{quoted} ({field})")
    return "; ".join(parts)
