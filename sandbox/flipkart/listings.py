"""Listings v3 in the sandbox: read listings, set inventory and prices (docs "Update listing
inventory request", "Update listing price request", "Get listings for SKUs"; channel-apis.md
§3).

Update bodies are keyed by SKU, at most 10 SKUs a request (docs FAQ; more → 400). The answer is
200 with one ``ListingChangeResponse`` per SKU: ``SUCCESS``, ``WARNING`` (applied, with a
remark) or ``FAILURE`` (nothing changed for that SKU) with ``errors`` / ``attribute_errors``
(``{"severity", "code", "description", "path"[, "attribute"]}``). Codes are the sandbox's own
(Flipkart publishes none): 10001 unknown SKU, 10002 product id mismatch, 10003 unknown
location, 10004 bad inventory, 10005 location disabled (warning), 10101 bad price, 10102
selling price above MRP, 10103 unsupported currency. ``GET /listings/v3/{skuIds}`` also takes
at most 10 SKUs (an assumption matching the update limit).
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from django.db import transaction

from sandbox.flipkart.models import (
    SandboxFlipkartListing,
    SandboxFlipkartSeller,
    SandboxFlipkartStock,
)
from sandbox.flipkart.paging import BadRequest
from sandbox.flipkart.payloads import listing_json
from sandbox.kernel import clock

MAX_SKUS = 10
SKU_RE = re.compile(r"^[^\s,]{1,64}$")


def _error(code: int, description: str, path: str, **extra: str) -> dict[str, Any]:
    return {"severity": "ERROR", "code": code, "description": description, "path": path, **extra}


def _answer(errors: list[dict[str, Any]], attribute_errors: list[dict[str, Any]]) -> dict:
    problems = [*errors, *attribute_errors]
    if any(p["severity"] == "ERROR" for p in problems):
        status = "FAILURE"
    else:
        status = "WARNING" if problems else "SUCCESS"
    return {"status": status, "errors": errors, "attribute_errors": attribute_errors}


def get_listings(seller: SandboxFlipkartSeller, sku_ids: str) -> dict[str, Any]:
    """``{"available": {sku: listing}, "unavailable": [...], "invalid": [...]}``."""
    skus = [s for s in sku_ids.split(",") if s != ""]
    if not skus or len(skus) > MAX_SKUS:
        raise BadRequest(("INVALID_REQUEST", f"give 1 to {MAX_SKUS} SKU ids", "skuIds"))
    valid = [s for s in skus if SKU_RE.match(s)]
    found = {
        listing.sku: listing
        for listing in SandboxFlipkartListing.objects.filter(
            seller=seller, sku__in=valid
        ).prefetch_related("stock")
    }
    return {
        "available": {sku: listing_json(found[sku]) for sku in valid if sku in found},
        "unavailable": [sku for sku in valid if sku not in found],
        "invalid": [s for s in skus if not SKU_RE.match(s)],
    }


def _entries(body: Any) -> dict[str, Any]:
    if not isinstance(body, dict) or not body:
        raise BadRequest(("INVALID_REQUEST", "body must be an object keyed by SKU", "$"))
    if len(body) > MAX_SKUS:
        raise BadRequest(
            (
                "TOO_MANY_SKUS",
                f"at most {MAX_SKUS} SKUs can be updated in one request, got {len(body)}",
                "$",
            )
        )
    return body


def _listing(
    seller: SandboxFlipkartSeller, sku: str, entry: Any
) -> tuple[SandboxFlipkartListing | None, list[dict[str, Any]]]:
    if not isinstance(entry, dict):
        return None, [_error(10001, "entry must be an object", f"$.{sku}")]
    listing = (
        SandboxFlipkartListing.objects.select_for_update().filter(seller=seller, sku=sku).first()
    )
    if listing is None:
        return None, [_error(10001, f"No listing found for SKU {sku}", f"$.{sku}")]
    if entry.get("product_id") != listing.fsn:
        return None, [
            _error(
                10002,
                f"product_id {entry.get('product_id')!r} does not match the listing of {sku}",
                f"$.{sku}.product_id",
            )
        ]
    return listing, []


def update_inventory(seller: SandboxFlipkartSeller, body: Any) -> dict[str, Any]:
    """Apply ``{"<sku>": {"product_id", "locations": [{"id", "inventory"[, "status"]}]}}``."""
    answers: dict[str, Any] = {}
    for sku, entry in _entries(body).items():
        with transaction.atomic():
            listing, errors = _listing(seller, sku, entry)
            if listing is None:
                answers[sku] = _answer(errors, [])
                continue
            stock = {s.location_id: s for s in SandboxFlipkartStock.objects.filter(listing=listing)}
            known = {seller.location_id, *stock}
            locations = entry.get("locations")
            attribute_errors: list[dict[str, Any]] = []
            if not isinstance(locations, list) or not locations:
                attribute_errors.append(
                    _error(
                        10003, "locations is required", f"$.{sku}.locations", attribute="locations"
                    )
                )
                locations = []
            changes: list[tuple[str, int]] = []
            for index, place in enumerate(locations):
                path = f"$.{sku}.locations[{index}]"
                place = place if isinstance(place, dict) else {}
                location, units = place.get("id"), place.get("inventory")
                if location not in known:
                    attribute_errors.append(
                        _error(10003, f"Unknown location {location!r}", path, attribute="locations")
                    )
                elif not isinstance(units, int) or isinstance(units, bool) or units < 0:
                    attribute_errors.append(
                        _error(
                            10004,
                            f"inventory must be a whole number ≥ 0, got {units!r}",
                            path,
                            attribute="inventory",
                        )
                    )
                else:
                    changes.append((location, units))
                    if location in stock and stock[location].status == "DISABLED":
                        attribute_errors.append(
                            {
                                **_error(10005, f"Location {location} is disabled", path),
                                "severity": "WARNING",
                                "attribute": "locations",
                            }
                        )
            answer = _answer([], attribute_errors)
            if answer["status"] != "FAILURE":
                now = clock.now()
                for location, units in changes:
                    row = stock.get(location) or SandboxFlipkartStock(
                        listing=listing, location_id=location
                    )
                    row.inventory, row.updated_at = units, now
                    row.save()
                listing.updated_at = clock.after(listing.updated_at)
                listing.save(update_fields=["updated_at"])
            answers[sku] = answer
    return answers


def _rupees(value: Any) -> int | None:
    """A whole-rupee price (int, or a float/str with no fraction) or None."""
    if isinstance(value, bool):
        return None
    try:
        number = Decimal(str(value))
    except ArithmeticError:
        return None
    if not number.is_finite() or number != number.to_integral_value() or number <= 0:
        return None
    return int(number)


def update_price(seller: SandboxFlipkartSeller, body: Any) -> dict[str, Any]:
    """Apply ``{"<sku>": {"product_id", "price": {"mrp", "selling_price", "currency"}}}``."""
    answers: dict[str, Any] = {}
    for sku, entry in _entries(body).items():
        with transaction.atomic():
            listing, errors = _listing(seller, sku, entry)
            if listing is None:
                answers[sku] = _answer(errors, [])
                continue
            price = entry.get("price") if isinstance(entry.get("price"), dict) else {}
            mrp, selling = _rupees(price.get("mrp")), _rupees(price.get("selling_price"))
            path = f"$.{sku}.price"
            problems = []
            if mrp is None or selling is None:
                problems.append(
                    _error(10101, "mrp and selling_price must be whole rupees > 0", path)
                )
            elif selling > mrp:
                problems.append(
                    _error(10102, f"selling_price {selling} is above the MRP {mrp}", path)
                )
            if price.get("currency") != "INR":
                problems.append(
                    _error(10103, f"currency {price.get('currency')!r} is not INR", path)
                )
            answer = _answer([], [{**p, "attribute": "price"} for p in problems])
            if answer["status"] != "FAILURE":
                listing.mrp, listing.selling_price = Decimal(mrp), Decimal(selling)
                listing.updated_at = clock.after(listing.updated_at)
                listing.save(update_fields=["mrp", "selling_price", "updated_at"])
            answers[sku] = answer
    return answers
