"""Stock pushes and reads for Shopify: ``inventorySetQuantities`` with compare-and-set, and
inventory levels read back by inventory item. Mixed into ``ShopifyConnector``.
Design: docs/providers/shopify.md#inventory
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from integrations.connectors.shopify import queries
from integrations.connectors.shopify.mapping import gid_to_id
from integrations.dto import PushResult, PushStatus, StockLevelDTO

if TYPE_CHECKING:
    from integrations.connectors.shopify.client import ShopifyGraphQLClient

MAX_SET_QUANTITIES = 250  # input arrays max 250 (channel-apis.md §1.2, shopify.dev rate limits)
# nodes() costs one node per id (item 1 + level 1 + location 1 + quantities 1): ~400 points
# for 100 ids at one location, ~450 for 50 ids with two levels each; the single-query cap is 1000.
MAX_READ_IDS = 100
MAX_LOCATE_IDS = 50
MAX_STALE_ATTEMPTS = 3
STALE = "COMPARE_QUANTITY_STALE"
STALE_CODES = frozenset({STALE, "CHANGE_FROM_QUANTITY_STALE"})
# The first API version whose rows use ``changeFromQuantity`` and take an idempotency key.
CHANGE_FROM_VERSION = "2026-01"
REASON = "correction"
REFERENCE_PREFIX = "gid://sangam/StockPush/"


def api_version_at_least(version: str, release: str) -> bool:
    """Whether Admin API ``version`` (``"2026-04"``, ``"unstable"``) is ``release`` or later;
    ``YYYY-MM`` handles compare as strings, ``unstable`` is the newest."""
    return version == "unstable" or version >= release


def inventory_item_gid(value: str) -> str:
    """``"30322695"`` or a GID → ``gid://shopify/InventoryItem/30322695`` ("" when not numeric)."""
    number = gid_to_id(value).strip()
    return f"gid://shopify/InventoryItem/{number}" if number.isdigit() else ""


def location_gid(value: str) -> str:
    """``"124656943"`` or a GID → ``gid://shopify/Location/124656943`` ("" when not numeric)."""
    number = gid_to_id(value).strip()
    return f"gid://shopify/Location/{number}" if number.isdigit() else ""


@dataclass(frozen=True, slots=True)
class Reading:
    """What Shopify holds for one inventory item (at ``location``, a GID): ``available`` in
    units, or None with ``problem`` saying why (unknown item, not stocked there, ambiguous)."""

    location: str
    available: int | None
    problem: str = ""


@dataclass(slots=True)
class _Row:
    """One quantity to set: position in the caller's list, GIDs, value and compare value."""

    index: int
    sku: str
    item: str
    location: str
    quantity: int
    compare: int | None
    stale: int = 0
    stale_code: str = STALE


def _available(level: dict[str, Any] | None) -> int | None:
    for entry in (level or {}).get("quantities") or []:
        if entry.get("name") == "available" and entry.get("quantity") is not None:
            return int(entry["quantity"])
    return None


def _chunks(values: Sequence[Any], size: int) -> Iterable[list[Any]]:
    for start in range(0, len(values), size):
        yield list(values[start : start + size])


def _row_position(field: Any) -> int | None:
    """``["input", "quantities", "3", "locationId"]`` → 3 (the row within the mutation)."""
    path = [str(part) for part in field or []]
    if len(path) >= 3 and path[:2] == ["input", "quantities"] and path[2].isdigit():
        return int(path[2])
    return None


def _error_text(error: dict[str, Any]) -> str:
    code = error.get("code") or "ERROR"
    return f"{code}: {error.get('message') or ''}".strip()


def _failure(sku: str, message: str, issues: Sequence[str] = ()) -> PushResult:
    return PushResult(sku, PushStatus.FAILURE, message[:1000], tuple(issues) or (message,))


class ShopifyInventory:
    """``push_inventory`` / ``read_inventory`` (uses the connector's GraphQL client)."""

    gql: ShopifyGraphQLClient
    api_version: str

    # --- read ------------------------------------------------------------------------------
    def read_inventory(self, levels: Sequence[StockLevelDTO]) -> dict[str, int | None]:
        """The ``available`` quantity (units) Shopify holds for each level, by SKU.

        ``listing_id`` is the inventory item (numeric id or GID), ``location_id`` the location
        (when empty, the item's only location). None for a level whose item does not exist,
        is not stocked at the location, or has no usable ids. Levels sharing a SKU: the last
        one wins. Raises ``ConnectorError`` (transport, GraphQL errors)."""
        targets = [
            (level.sku, inventory_item_gid(level.listing_id), location_gid(level.location_id))
            for level in levels
        ]
        readings = self.read_levels((item, location) for _, item, location in targets if item)
        return {
            sku: (readings[(item, location)].available if item else None)
            for sku, item, location in targets
        }

    def read_levels(self, pairs: Iterable[tuple[str, str]]) -> dict[tuple[str, str], Reading]:
        """``(inventory item GID, location GID or "")`` → ``Reading``; an empty location is
        resolved to the item's only location. One query per location and 100 items."""
        wanted = list(dict.fromkeys(pairs))
        found: dict[tuple[str, str], Reading] = {}
        by_location: dict[str, list[str]] = {}
        for item, location in wanted:
            if location:
                by_location.setdefault(location, []).append(item)
        for location, items in by_location.items():
            for batch in _chunks(items, MAX_READ_IDS):
                data = self.gql.execute(
                    queries.INVENTORY_AT_LOCATION_QUERY, {"ids": batch, "locationId": location}
                )
                for item, node in zip(batch, _nodes(data, len(batch)), strict=True):
                    found[(item, location)] = _reading_at(node, location)
        unplaced = [item for item, location in wanted if not location]
        for batch in _chunks(unplaced, MAX_LOCATE_IDS):
            data = self.gql.execute(queries.INVENTORY_ITEM_LOCATIONS_QUERY, {"ids": batch})
            for item, node in zip(batch, _nodes(data, len(batch)), strict=True):
                found[(item, "")] = _reading_anywhere(node)
        return found

    # --- push ------------------------------------------------------------------------------
    def push_inventory(self, levels: Sequence[StockLevelDTO]) -> list[PushResult]:
        """Set ``available`` to each level's ``quantity`` (units) with compare-and-set.

        ``listing_id``: inventory item id or GID; ``location_id``: location id or GID (empty:
        the item's only location); ``compare_quantity``: what we believe Shopify holds (None:
        read it first). Returns one ``PushResult`` per level, in order; ``submission_id`` is
        the inventory adjustment group's GID ("" when nothing changed); ``delta`` and
        ``quantity_after`` come from the group's ``changes`` of ``available``. A row whose compare
        value is stale is re-read and retried (``MAX_STALE_ATTEMPTS`` in all); other
        ``userErrors`` fail their row (or the batch when they name no row). Two levels for the
        same item and location: the later one is set, the earlier fails. Raises
        ``ConnectorError`` on transport and GraphQL errors."""
        results: list[PushResult | None] = [None] * len(levels)
        rows: dict[tuple[str, str], _Row] = {}
        for index, level in enumerate(levels):
            item = inventory_item_gid(level.listing_id)
            if not item:
                results[index] = _failure(
                    level.sku,
                    f"no Shopify inventory item id for this listing ({level.listing_id!r})",
                )
                continue
            location = location_gid(level.location_id)
            row = _Row(
                index, level.sku, item, location, int(level.quantity), level.compare_quantity
            )
            earlier = rows.pop((item, location), None)
            if earlier is not None:
                results[earlier.index] = _failure(
                    earlier.sku, "superseded by a later level for the same item and location"
                )
            rows[(item, location)] = row
        ready = self._prepare(list(rows.values()), results)
        reference = f"{REFERENCE_PREFIX}{uuid.uuid4()}"
        for batch in _chunks(ready, MAX_SET_QUANTITIES):
            self._set_batch(batch, reference, results)
        return [
            result or _failure(level.sku, "not pushed")
            for level, result in zip(levels, results, strict=True)
        ]

    def _prepare(self, rows: list[_Row], results: list[PushResult | None]) -> list[_Row]:
        """Fill in unknown locations and compare values from Shopify; rows that cannot be
        set (unknown item, not stocked) fail here."""
        unknown = [row for row in rows if row.compare is None or not row.location]
        readings = self.read_levels((row.item, row.location) for row in unknown)
        ready = []
        for row in rows:
            if row.compare is None or not row.location:
                reading = readings[(row.item, row.location)]
                if reading.available is None:
                    results[row.index] = _failure(row.sku, reading.problem)
                    continue
                row.location = reading.location
                if row.compare is None:
                    row.compare = reading.available
            ready.append(row)
        # A discovered location may repeat a pair given explicitly: the later row wins.
        unique: dict[tuple[str, str], _Row] = {}
        for row in ready:
            earlier = unique.pop((row.item, row.location), None)
            if earlier is not None:
                results[earlier.index] = _failure(
                    earlier.sku, "superseded by a later level for the same item and location"
                )
            unique[(row.item, row.location)] = row
        return sorted(unique.values(), key=lambda row: row.index)

    def _set_batch(
        self, batch: list[_Row], reference: str, results: list[PushResult | None]
    ) -> None:
        modern = api_version_at_least(self.api_version, CHANGE_FROM_VERSION)
        compare_field = "changeFromQuantity" if modern else "compareQuantity"
        pending = list(batch)
        while pending:
            variables: dict[str, Any] = {
                "input": {
                    "name": "available",
                    "reason": REASON,
                    "referenceDocumentUri": reference,
                    "quantities": [
                        {
                            "inventoryItemId": row.item,
                            "locationId": row.location,
                            "quantity": row.quantity,
                            compare_field: row.compare,
                        }
                        for row in pending
                    ],
                }
            }
            if modern:
                # A new request (new rows or compare values) gets a new key.
                variables["idempotencyKey"] = str(uuid.uuid4())
            data = self.gql.execute(
                queries.INVENTORY_SET_QUANTITIES_IDEMPOTENT
                if modern
                else queries.INVENTORY_SET_QUANTITIES,
                variables,
            )
            payload = data.get("inventorySetQuantities") or {}
            errors = [e for e in payload.get("userErrors") or [] if isinstance(e, dict)]
            if not errors:
                group = payload.get("inventoryAdjustmentGroup") or {}
                changed = _available_changes(group)
                for row in pending:
                    # A row Shopify lists no change for already held the quantity (delta 0).
                    delta, after = changed.get((row.item, row.location), (0, row.quantity))
                    results[row.index] = PushResult(
                        row.sku,
                        PushStatus.SUCCESS,
                        submission_id=str(group.get("id") or ""),
                        delta=delta,
                        quantity_after=after,
                    )
                return
            pending = self._after_errors(pending, errors, results)

    def _after_errors(
        self, pending: list[_Row], errors: list[dict[str, Any]], results: list[PushResult | None]
    ) -> list[_Row]:
        """Fail the rows the errors name (or the whole batch for errors naming no row),
        re-read stale rows, and return the rows to send again."""
        by_row: dict[int, list[dict[str, Any]]] = {}
        unplaced: list[dict[str, Any]] = []
        for error in errors:
            position = _row_position(error.get("field"))
            if position is None or position >= len(pending):
                unplaced.append(error)
            else:
                by_row.setdefault(position, []).append(error)
        if unplaced and any(e.get("code") not in STALE_CODES for e in unplaced):
            issues = [_error_text(e) for e in errors]
            for row in pending:
                results[row.index] = _failure(
                    row.sku, f"Shopify rejected the batch: {issues[0]}", issues
                )
            return []
        stale: list[_Row] = []
        again: list[_Row] = []
        for position, row in enumerate(pending):
            own = by_row.get(position, [])
            if any(e.get("code") not in STALE_CODES for e in own):
                issues = [_error_text(e) for e in own if e.get("code") not in STALE_CODES]
                results[row.index] = _failure(row.sku, issues[0], issues)
            elif own or unplaced:
                row.stale_code = str((own or unplaced)[0].get("code"))
                stale.append(row)
            else:
                again.append(row)
        for row in stale:
            row.stale += 1
        retry = [row for row in stale if row.stale < MAX_STALE_ATTEMPTS]
        for row in stale:
            if row.stale >= MAX_STALE_ATTEMPTS:
                results[row.index] = _failure(
                    row.sku,
                    f"{row.stale_code}: Shopify's quantity changed during each of "
                    f"{MAX_STALE_ATTEMPTS} attempts; the push is retried later",
                )
        readings = self.read_levels((row.item, row.location) for row in retry)
        for row in retry:
            reading = readings[(row.item, row.location)]
            if reading.available is None:
                results[row.index] = _failure(row.sku, reading.problem)
                continue
            if reading.available == row.quantity:
                # Shopify already holds the value (typically its own order moved it exactly
                # where the pool's push was taking it): nothing left to set.
                results[row.index] = PushResult(
                    row.sku,
                    PushStatus.SUCCESS,
                    message="Shopify already held this quantity",
                    delta=0,
                    quantity_after=row.quantity,
                )
                continue
            row.compare = reading.available
            again.append(row)
        return sorted(again, key=lambda row: row.index)


def _available_changes(group: dict[str, Any]) -> dict[tuple[str, str], tuple[int, int]]:
    """``InventoryAdjustmentGroup.changes`` → ``(item GID, location GID)`` → ``(delta,
    quantityAfterChange)`` of ``available`` (entries lacking either number are left out)."""
    found: dict[tuple[str, str], tuple[int, int]] = {}
    for change in group.get("changes") or []:
        if not isinstance(change, dict) or change.get("name") != "available":
            continue
        item = str((change.get("item") or {}).get("id") or "")
        location = str((change.get("location") or {}).get("id") or "")
        delta, after = change.get("delta"), change.get("quantityAfterChange")
        if item and location and isinstance(delta, int) and isinstance(after, int):
            found[(item, location)] = (delta, after)
    return found


def _nodes(data: dict[str, Any], count: int) -> list[dict[str, Any] | None]:
    nodes = list(data.get("nodes") or [])
    nodes += [None] * (count - len(nodes))
    return [node if isinstance(node, dict) and node.get("id") else None for node in nodes[:count]]


def _reading_at(node: dict[str, Any] | None, location: str) -> Reading:
    if node is None:
        return Reading(location, None, "the Shopify inventory item does not exist")
    level = node.get("inventoryLevel")
    if not level:
        return Reading(
            location, None, f"the item is not stocked at Shopify location {gid_to_id(location)}"
        )
    available = _available(level)
    problem = "" if available is not None else "Shopify reported no available quantity"
    return Reading(location, available, problem)


def _reading_anywhere(node: dict[str, Any] | None) -> Reading:
    if node is None:
        return Reading("", None, "the Shopify inventory item does not exist")
    levels = (node.get("inventoryLevels") or {}).get("nodes") or []
    if len(levels) != 1:
        problem = (
            "the item is not stocked at any Shopify location"
            if not levels
            else "the item is stocked at several Shopify locations; the listing needs one"
        )
        return Reading("", None, problem)
    location = str((levels[0].get("location") or {}).get("id") or "")
    available = _available(levels[0])
    problem = "" if available is not None else "Shopify reported no available quantity"
    return Reading(location, available, problem)
