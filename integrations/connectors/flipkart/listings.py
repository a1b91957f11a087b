"""Listings v3: inventory and price pushes, and listing look-ups (channel-apis.md §3 "Listings
v3"; docs "Update listing inventory request", "Update listing price request", "Get listings for
SKUs").

Bodies are keyed by SKU: inventory ``{"<sku>": {"product_id", "locations": [{"id": "LOC…",
"inventory": n}]}}``, price ``{"<sku>": {"product_id", "price": {"mrp", "selling_price",
"currency"}}}`` (whole rupees). At most 10 SKUs go in one call (docs FAQ: "you can update a
maximum of 10 FSNs at a time"). The answer is per SKU: ``{"status": SUCCESS|FAILURE|WARNING,
"errors": […], "attribute_errors": […]}``. SKUs whose Flipkart ``product_id`` (or, for prices,
MRP) the caller does not know are looked up with ``GET /listings/v3/{sku,…}`` first.

Both updates set absolute values, so sending one twice is harmless: they are retried on 5xx
like reads (``idempotent=True``).

Reads use the same look-up: each ``available`` entry carries ``listing_id``, ``product_id``
(FSN), ``product_title``, ``listing_status`` and ``locations`` ``[{"id", "status",
"inventory"}]``. Flipkart has no call that lists a seller's listings (the Listings v3 API reads
by SKU only; the full catalogue is a Seller Hub download), so listings can be looked up but
not enumerated.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from decimal import Decimal
from typing import Any
from urllib.parse import quote

from integrations.connectors.flipkart.client import FlipkartClient
from integrations.connectors.flipkart.mapping import MappingError, money
from integrations.dto import ListingDTO, PriceDTO, PushResult, PushStatus, StockLevelDTO

MAX_SKUS_PER_CALL = 10
INVENTORY_PATH = "/listings/v3/update/inventory"
PRICE_PATH = "/listings/v3/update/price"
LISTINGS_PATH = "/listings/v3/"

PUSH_STATUS = {
    "SUCCESS": PushStatus.SUCCESS,
    "WARNING": PushStatus.WARNING,
    "FAILURE": PushStatus.FAILURE,
}


def _chunks(keys: Sequence[str], size: int = MAX_SKUS_PER_CALL) -> Iterator[list[str]]:
    for start in range(0, len(keys), size):
        yield list(keys[start : start + size])


def _failure(sku: str, message: str) -> PushResult:
    return PushResult(sku, PushStatus.FAILURE, message, (message,))


class Listings:
    """Listing pushes for one account; ``default_location`` is the account's ``location_id``
    setting (the Flipkart warehouse used when a level names none)."""

    def __init__(self, client: FlipkartClient, default_location: str = "") -> None:
        self.client = client
        self.default_location = default_location

    def lookup(self, skus: Iterable[str]) -> dict[str, dict[str, Any]]:
        """``GET /listings/v3/{skus}`` in batches of 10 → the ``available`` details by SKU
        (``product_id``, ``listing_id``, ``price``, ``locations``…); unknown SKUs are absent."""
        wanted = list(dict.fromkeys(s for s in skus if s))
        found: dict[str, dict[str, Any]] = {}
        for batch in _chunks(wanted):
            path = LISTINGS_PATH + ",".join(quote(s, safe="") for s in batch)
            body = self.client.get_json(path)
            for sku, detail in (body.get("available") or {}).items():
                if isinstance(detail, dict):
                    found[str(sku)] = detail
        return found

    def read_inventory(self, levels: Sequence[StockLevelDTO]) -> dict[str, int | None]:
        """Sellable units per SKU as Flipkart holds them: at the level's ``location_id`` (else
        the account's location; 0 when the listing has no stock row there), summed over the
        locations of a SKU's levels, or over all its locations when neither names one. None
        for a SKU Flipkart does not list. Raises ``ConnectorError``."""
        details = self.lookup(level.sku for level in levels)
        places: dict[str, set[str]] = {}
        for level in levels:
            places.setdefault(level.sku, set()).add(level.location_id or self.default_location)
        quantities: dict[str, int | None] = {}
        for sku, locations in places.items():
            detail = details.get(sku)
            if detail is None:
                quantities[sku] = None
            elif "" in locations:
                quantities[sku] = inventory_at(detail, None)
            else:
                quantities[sku] = sum(inventory_at(detail, loc) for loc in sorted(locations))
        return quantities

    def fetch_listings(self, skus: Sequence[str]) -> Iterator[ListingDTO]:
        """``ListingDTO`` for each of ``skus`` Flipkart lists (10 per look-up), see
        :func:`listing_from_detail`; nothing without ``skus`` (Flipkart cannot enumerate)."""
        if not skus:
            return
        details = self.lookup(skus)
        for sku in dict.fromkeys(skus):
            if sku in details:
                yield listing_from_detail(sku, details[sku], self.default_location)

    def _send(
        self, path: str, entries: dict[str, dict[str, Any]], results: dict[str, PushResult]
    ) -> None:
        for batch in _chunks(list(entries)):
            body = self.client.post_json(
                path, {sku: entries[sku] for sku in batch}, idempotent=True
            )
            for sku in batch:
                results[sku] = push_result(sku, body.get(sku))

    def push_inventory(self, levels: Sequence[StockLevelDTO]) -> list[PushResult]:
        """Set sellable units per SKU and location; one result per distinct SKU, in the order
        given (several levels of one SKU are its locations; the last one per location wins).
        A SKU with a level lacking a location (level nor account), a product id or a
        non-negative quantity fails locally and is not sent."""
        by_sku: dict[str, list[StockLevelDTO]] = {}
        for level in levels:
            by_sku.setdefault(level.sku, []).append(level)
        unknown = {sku for sku, group in by_sku.items() if not any(g.product_id for g in group)}
        details = self.lookup(unknown) if unknown else {}
        results: dict[str, PushResult] = {}
        entries: dict[str, dict[str, Any]] = {}
        for sku, group in by_sku.items():
            product_id = next((g.product_id for g in reversed(group) if g.product_id), "") or str(
                (details.get(sku) or {}).get("product_id") or ""
            )
            places: dict[str, dict[str, Any]] = {}
            problem = "" if sku else "a stock level without a SKU"
            for level in group:
                location = level.location_id or self.default_location
                if not location:
                    problem = "no Flipkart location id: set the account's location_id"
                elif level.quantity < 0:
                    problem = f"negative quantity {level.quantity}"
                else:
                    places[location] = {"id": location, "inventory": int(level.quantity)}
            if not problem and not product_id:
                problem = "SKU is not listed on Flipkart"
            if problem:
                results[sku] = _failure(sku, problem)
            else:
                entries[sku] = {"product_id": product_id, "locations": list(places.values())}
        self._send(INVENTORY_PATH, entries, results)
        return [results[sku] for sku in by_sku]

    def push_prices(self, prices: Sequence[PriceDTO]) -> list[PushResult]:
        """Set selling price (and MRP) per SKU; one result per distinct SKU (the last price
        given wins). MRP or product id missing from the DTO are read from the listing;
        amounts with paise fail locally (Flipkart takes whole rupees)."""
        latest = {price.sku: price for price in prices}
        unknown = {p.sku for p in latest.values() if not p.product_id or p.mrp is None}
        details = self.lookup(unknown) if unknown else {}
        results: dict[str, PushResult] = {}
        entries: dict[str, dict[str, Any]] = {}
        for sku, price in latest.items():
            detail = details.get(sku) or {}
            product_id = price.product_id or str(detail.get("product_id") or "")
            mrp = price.mrp if price.mrp is not None else _listed_mrp(detail)
            if not product_id:
                results[sku] = _failure(sku, "SKU is not listed on Flipkart")
                continue
            if mrp is None:
                results[sku] = _failure(sku, "MRP unknown: give it or list the SKU first")
                continue
            try:
                entries[sku] = {
                    "product_id": product_id,
                    "price": {
                        "mrp": whole_rupees(mrp, "mrp"),
                        "selling_price": whole_rupees(price.price, "selling price"),
                        "currency": price.currency or "INR",
                    },
                }
            except MappingError as exc:
                results[sku] = _failure(sku, str(exc))
        self._send(PRICE_PATH, entries, results)
        return [results[sku] for sku in latest]


def _stock_rows(detail: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    return [row for row in detail.get("locations") or [] if isinstance(row, Mapping)]


def _units(row: Mapping[str, Any]) -> int:
    value = row.get("inventory")
    return int(value) if isinstance(value, int) and not isinstance(value, bool) else 0


def inventory_at(detail: Mapping[str, Any], location: str | None) -> int:
    """Units of a ``GET /listings/v3`` entry at ``location`` (0 when it has no row there), or
    over every location when ``location`` is None."""
    rows = _stock_rows(detail)
    if location is None:
        return sum(_units(row) for row in rows)
    return sum(_units(row) for row in rows if str(row.get("id") or "") == location)


def listing_from_detail(
    sku: str, detail: Mapping[str, Any], default_location: str = ""
) -> ListingDTO:
    """A ``GET /listings/v3`` ``available`` entry → ``ListingDTO``: ``listing_id``, the FSN as
    ``product_id``, ``product_title``, ``listing_status`` (``ACTIVE``/``INACTIVE``). The
    location is the account's (when set) or the listing's only one, with its units; with
    several and no account location, ``location_id`` is empty and the units are summed.
    Flipkart reports no barcode."""
    ids = [str(row.get("id") or "") for row in _stock_rows(detail) if row.get("id")]
    location = default_location or (ids[0] if len(set(ids)) == 1 else "")
    return ListingDTO(
        sku=sku,
        listing_id=str(detail.get("listing_id") or ""),
        product_id=str(detail.get("product_id") or ""),
        title=str(detail.get("product_title") or ""),
        quantity=inventory_at(detail, location or None),
        location_id=location,
        status=str(detail.get("listing_status") or ""),
    )


def _listed_mrp(detail: dict[str, Any]) -> Decimal | None:
    value = (detail.get("price") or {}).get("mrp")
    if value in (None, ""):
        return None
    try:
        return money(value, "mrp")
    except MappingError:
        return None


def _issue(error: Mapping[str, Any]) -> str:
    code = error.get("code")
    text = str(error.get("description") or error.get("message") or "").strip()
    attribute = error.get("attribute") or error.get("path")
    prefix = f"{error.get('severity') or 'ERROR'} {code}" if code is not None else "ERROR"
    return f"{prefix}: {text}" + (f" ({attribute})" if attribute else "")


def push_result(sku: str, entry: Mapping[str, Any] | None) -> PushResult:
    """One SKU of a listings update response (``{"status", "errors", "attribute_errors"}``)
    → ``PushResult``; issues are ``"<severity> <code>: <description> (<attribute>)"``. A SKU
    missing from the response is a failure."""
    if not entry:
        return PushResult(sku, PushStatus.FAILURE, "Flipkart did not answer for this SKU")
    status = PUSH_STATUS.get(str(entry.get("status") or "").upper(), PushStatus.FAILURE)
    issues = tuple(
        _issue(e)
        for e in [*(entry.get("errors") or []), *(entry.get("attribute_errors") or [])]
        if isinstance(e, Mapping)
    )
    message = issues[0] if issues else ("" if status != PushStatus.FAILURE else "rejected")
    return PushResult(sku, status, message, issues)


def whole_rupees(amount: Decimal, field: str) -> int:
    """Flipkart listing prices are integers (``Price.mrp``/``selling_price`` are int32 in the
    SDK and docs); raises ``MappingError`` for paise instead of silently rounding."""
    if amount != amount.to_integral_value():
        raise MappingError(f"{field} {amount} has paise; Flipkart takes whole rupees")
    return int(amount)
