"""Stock changes with Shopify's semantics: ``inventorySetQuantities`` (with compare-and-set),
``inventoryAdjustQuantities``, and the commit/release that orders cause.

Sources: channel-apis.md §1.2 (input fields, user-error codes) and shopify.dev "Inventory
states" (``on_hand`` = available + committed + unavailable). Rows are locked in primary-key
order; every change of ``available`` emits ``inventory_levels/update`` after commit.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db import transaction

from sandbox.kernel import clock
from sandbox.shopify.ids import parse_gid_of
from sandbox.shopify.models import SandboxInventoryLevel, SandboxShop

MAX_QUANTITY = 1_000_000_000
SET_NAMES = ("available", "on_hand")
ADJUST_NAMES = ("available", "damaged", "incoming", "quality_control", "reserved", "safety_stock")
# Reasons accepted by the inventory mutations (shopify.dev "inventorySetQuantities" → reason).
REASONS = frozenset(
    {
        "correction",
        "cycle_count_available",
        "damaged",
        "movement_canceled",
        "movement_created",
        "movement_received",
        "movement_updated",
        "other",
        "promotion",
        "quality_control",
        "received",
        "reservation_created",
        "reservation_deleted",
        "reservation_updated",
        "restock",
        "safety_stock",
        "shrinkage",
    }
)


@dataclass(frozen=True)
class Change:
    """One quantity change of one level: ``InventoryChange`` of the mutation payload."""

    level: SandboxInventoryLevel
    name: str
    delta: int
    quantity_after: int


def user_error(field: list[str], message: str, code: str) -> dict[str, Any]:
    """A ``userErrors`` entry: ``{"field": [...], "message", "code"}``."""
    return {"field": field, "message": message, "code": code}


def compare_and_set_error(
    *, row: dict[str, Any], current: int, ignore: bool, changes_from_required: bool
) -> tuple[str, str, str] | None:
    """The compare-and-set rule of one ``inventorySetQuantities`` row: ``(error code, input
    field, message)``, or ``None`` when the row may be set.

    2025-01 compares ``compareQuantity`` unless the input sets ``ignoreCompareQuantity``. From
    2026-01 a row may carry ``changeFromQuantity`` instead (an explicit ``null`` opts that row
    out); from 2026-04 it must (``changes_from_required``), the old fields being gone
    (``graphql.versions``)."""
    if "changeFromQuantity" in row:
        expected = row["changeFromQuantity"]
        if expected is None or expected == current:
            return None
        return (
            "CHANGE_FROM_QUANTITY_STALE",
            "changeFromQuantity",
            f"The changeFromQuantity value does not match persisted value ({current}).",
        )
    if changes_from_required:
        return (
            "COMPARE_QUANTITY_REQUIRED",
            "changeFromQuantity",
            "changeFromQuantity must be given for each quantity; pass null to opt out of the "
            "check.",
        )
    if ignore:
        return None
    expected = row.get("compareQuantity")
    if expected is None:
        return (
            "COMPARE_QUANTITY_REQUIRED",
            "compareQuantity",
            "The compareQuantity argument must be given to each quantity or ignored using "
            "ignoreCompareQuantity.",
        )
    if expected != current:
        return (
            "COMPARE_QUANTITY_STALE",
            "compareQuantity",
            f"The compareQuantity value does not match persisted value ({current}).",
        )
    return None


def _apply(level: SandboxInventoryLevel, name: str, delta: int) -> list[tuple[str, int, int]]:
    """Change ``name`` by ``delta``; returns ``(name, delta, after)`` for it and ``on_hand``."""
    target = "available" if name == "on_hand" else name
    setattr(level, target, getattr(level, target) + delta)
    changes = [(name, delta, level.quantity(name))]
    if name not in ("on_hand", "incoming"):
        changes.append(("on_hand", delta, level.on_hand))
    elif name == "on_hand":
        changes.append(("available", delta, level.available))
    return changes


def _locked_levels(shop: SandboxShop, pairs: Iterable[tuple[int, int]]) -> dict:
    keys = set(pairs)
    rows = (
        SandboxInventoryLevel.objects.select_for_update()
        .filter(
            item__shop=shop,
            item_id__in={i for i, _ in keys},
            location_id__in={loc for _, loc in keys},
        )
        .select_related("item", "location")
        .order_by("pk")
    )
    return {(row.item_id, row.location_id): row for row in rows}


def _resolve_targets(
    shop: SandboxShop, rows: list[dict[str, Any]], field: str
) -> tuple[list[tuple[int, int]], list[dict[str, Any]]]:
    targets: list[tuple[int, int]] = []
    errors: list[dict[str, Any]] = []
    for index, row in enumerate(rows):
        item = parse_gid_of(row["inventoryItemId"], "InventoryItem")
        location = parse_gid_of(row["locationId"], "Location")
        path = ["input", field, str(index)]
        if item is None:
            errors.append(
                user_error(
                    [*path, "inventoryItemId"],
                    "The specified inventory item could not be found.",
                    "INVALID_INVENTORY_ITEM",
                )
            )
        if location is None:
            errors.append(
                user_error(
                    [*path, "locationId"],
                    "The specified location could not be found.",
                    "INVALID_LOCATION",
                )
            )
        targets.append((item or 0, location or 0))
    return targets, errors


def _common_errors(name: str, names: tuple[str, ...], reason: str) -> list[dict[str, Any]]:
    errors = []
    if name not in names:
        errors.append(
            user_error(
                ["input", "name"],
                f"The quantity name must be one of: {', '.join(names)}.",
                "INVALID_NAME" if names == SET_NAMES else "INVALID_QUANTITY_NAME",
            )
        )
    if reason not in REASONS:
        errors.append(
            user_error(["input", "reason"], "The specified reason is invalid.", "INVALID_REASON")
        )
    return errors


def set_quantities(
    *, shop: SandboxShop, data: dict[str, Any], changes_from_required: bool = False
) -> tuple[list[Change], list[dict]]:
    """``inventorySetQuantities``: set ``available`` or ``on_hand`` absolutely, all or nothing.

    ``data`` is the coerced ``InventorySetQuantitiesInput``; ``changes_from_required`` from API
    version 2026-04 on (``compare_and_set_error``). Returns ``(changes, user_errors)``."""
    rows = data["quantities"]
    errors = _common_errors(data["name"], SET_NAMES, data["reason"])
    targets, target_errors = _resolve_targets(shop, rows, "quantities")
    errors += target_errors
    if len(set(targets)) != len(targets):
        errors.append(
            user_error(
                ["input", "quantities"],
                "The combination of inventoryItemId and locationId must be unique.",
                "NO_DUPLICATE_INVENTORY_ITEM_ID_GROUP_ID_PAIR",
            )
        )
    if errors:
        return [], errors
    changes: list[Change] = []
    with transaction.atomic():
        levels = _locked_levels(shop, targets)
        for index, (row, key) in enumerate(zip(rows, targets, strict=True)):
            path = ["input", "quantities", str(index)]
            level = levels.get(key)
            if level is None:
                errors.append(
                    user_error(
                        [*path, "locationId"],
                        "The specified inventory item is not stocked at the location.",
                        "ITEM_NOT_STOCKED_AT_LOCATION",
                    )
                )
                continue
            quantity = row["quantity"]
            if abs(quantity) > MAX_QUANTITY:
                code = "INVALID_QUANTITY_TOO_HIGH" if quantity > 0 else "INVALID_QUANTITY_TOO_LOW"
                errors.append(
                    user_error([*path, "quantity"], "The quantity is out of range.", code)
                )
                continue
            if data["name"] == "on_hand" and quantity < 0:
                errors.append(
                    user_error(
                        [*path, "quantity"],
                        "The quantity can't be negative.",
                        "INVALID_QUANTITY_NEGATIVE",
                    )
                )
                continue
            current = level.quantity(data["name"])
            conflict = compare_and_set_error(
                row=row,
                current=current,
                ignore=bool(data.get("ignoreCompareQuantity")),
                changes_from_required=changes_from_required,
            )
            if conflict is not None:
                code, input_field, message = conflict
                errors.append(user_error([*path, input_field], message, code))
                continue
            for name, delta, after in _apply(level, data["name"], quantity - current):
                changes.append(Change(level, name, delta, after))
        if errors:
            transaction.set_rollback(True)
            return [], errors
        _save([c.level for c in changes])
    return changes, []


def adjust_quantities(
    *, shop: SandboxShop, data: dict[str, Any]
) -> tuple[list[Change], list[dict]]:
    """``inventoryAdjustQuantities``: add ``delta`` to a named quantity, all or nothing."""
    rows = data["changes"]
    errors = _common_errors(data["name"], ADJUST_NAMES, data["reason"])
    targets, target_errors = _resolve_targets(shop, rows, "changes")
    errors += target_errors
    if errors:
        return [], errors
    changes: list[Change] = []
    with transaction.atomic():
        levels = _locked_levels(shop, targets)
        for index, (row, key) in enumerate(zip(rows, targets, strict=True)):
            level = levels.get(key)
            if level is None:
                errors.append(
                    user_error(
                        ["input", "changes", str(index), "locationId"],
                        "The specified inventory item is not stocked at the location.",
                        "ITEM_NOT_STOCKED_AT_LOCATION",
                    )
                )
                continue
            for name, delta, after in _apply(level, data["name"], row["delta"]):
                changes.append(Change(level, name, delta, after))
        if errors:
            transaction.set_rollback(True)
            return [], errors
        _save([c.level for c in changes])
    return changes, []


def move(
    levels: dict[tuple[int, int], SandboxInventoryLevel], moves: Iterable[tuple[int, int, int, int]]
) -> list[SandboxInventoryLevel]:
    """Apply ``(item id, location id, Δavailable, Δcommitted)`` to locked ``levels`` (orders
    commit stock: available −q, committed +q; cancellation reverses; fulfilment drops committed).
    Returns the levels touched, saved."""
    touched: dict[int, SandboxInventoryLevel] = {}
    for item_id, location_id, d_available, d_committed in moves:
        level = levels.get((item_id, location_id))
        if level is None:
            continue
        level.available += d_available
        level.committed += d_committed
        touched[level.pk] = level
    _save(touched.values())
    return list(touched.values())


def lock_levels(shop: SandboxShop, pairs: Iterable[tuple[int, int]]) -> dict:
    """Row-locked levels for ``(item id, location id)`` pairs (call inside a transaction)."""
    return _locked_levels(shop, pairs)


def _save(levels: Iterable[SandboxInventoryLevel]) -> None:
    unique = {level.pk: level for level in levels}
    for level in unique.values():
        level.updated_at = clock.after(level.updated_at)
    SandboxInventoryLevel.objects.bulk_update(
        list(unique.values()),
        [
            "available",
            "committed",
            "incoming",
            "reserved",
            "damaged",
            "quality_control",
            "safety_stock",
            "updated_at",
        ],
    )
