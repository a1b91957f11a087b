"""searchListingsItems over the seller's sandbox listings (Listings Items API 2021-08-01,
``GET /listings/2021-08-01/items/{sellerId}``).

Parameters as the model declares them (``listingsItems_2021-08-01.json``): ``identifiers``
(≤ 20, comma-separated) with the ``identifiersType`` they require (and the reverse);
``variationParentSku``/``packageHierarchySku`` cannot be combined with ``identifiers``;
``createdAfter``/``createdBefore``/``lastUpdatedAfter``/``lastUpdatedBefore`` are inclusive
("at or after"); ``withStatus``/``withoutStatus`` (``BUYABLE``, ``DISCOVERABLE``);
``withIssueSeverity``; ``sortBy`` ``sku``/``createdDate``/``lastUpdatedDate`` (default
``lastUpdatedDate``) and ``sortOrder`` (default ``DESC``); ``pageSize`` ≤ 20 (default 10) and
the opaque ``pageToken`` from ``pagination.nextToken``/``previousToken``. ``numberOfResults`` is
every match, but only the first ``SEARCH_LIMIT`` (1000) can be paged through
(``ItemSearchResults``: "The maximum number of items (SKUs) that can be returned and paged
through is 1000").

What the sandbox cannot match: its listings have no barcodes, FNSKUs, variation or package
relationships and no issues, so searches by ``EAN``/``GTIN``/``UPC``/``ISBN``/``JAN``/
``MINSAN``/``FNSKU``, by parent or package SKU, or with ``withIssueSeverity`` find nothing.
A listing is ``BUYABLE`` while its quantity is above 0 and always ``DISCOVERABLE`` (as
:func:`wire.listing_json` reports it).
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Mapping
from typing import Any

from django.db.models import QuerySet
from django.http import QueryDict

from sandbox.amazon.models import SandboxAmazonListing, SandboxAmazonSeller
from sandbox.amazon.params import InvalidInput, parse_time

SEARCH_LIMIT = 1000
MAX_IDENTIFIERS = 20
MAX_PAGE_SIZE = 20
DEFAULT_PAGE_SIZE = 10
IDENTIFIER_TYPES = frozenset(
    {"ASIN", "EAN", "FNSKU", "GTIN", "ISBN", "JAN", "MINSAN", "SKU", "UPC"}
)
STATUSES = frozenset({"BUYABLE", "DISCOVERABLE"})
SEVERITIES = frozenset({"WARNING", "ERROR"})
SORT_FIELDS = {"sku": "sku", "createdDate": "created_at", "lastUpdatedDate": "updated_at"}
TIME_FILTERS = {
    "createdAfter": "created_at__gte",
    "createdBefore": "created_at__lte",
    "lastUpdatedAfter": "updated_at__gte",
    "lastUpdatedBefore": "updated_at__lte",
}


def _bad(details: str) -> InvalidInput:
    return InvalidInput("Invalid input", details, code="BAD_REQUEST")


def _values(query: QueryDict, name: str) -> list[str]:
    values: list[str] = []
    for raw in query.getlist(name):
        values.extend(part.strip() for part in raw.split(",") if part.strip())
    return values


def _choice(values: list[str], allowed: frozenset[str], name: str) -> set[str]:
    unknown = sorted(set(values) - allowed)
    if unknown:
        raise _bad(f"Invalid {name}: {', '.join(unknown)}.")
    return set(values)


def _page_size(query: QueryDict) -> int:
    raw = query.get("pageSize", "")
    if raw == "":
        return DEFAULT_PAGE_SIZE
    if not raw.isdigit() or not 1 <= int(raw) <= MAX_PAGE_SIZE:
        raise _bad(f"pageSize must be between 1 and {MAX_PAGE_SIZE}.")
    return int(raw)


def _query_key(query: QueryDict) -> str:
    """A fingerprint of the search (every parameter but ``pageToken``): a token is only valid
    for the search that issued it."""
    pairs = sorted((k, v) for k in query if k != "pageToken" for v in query.getlist(k))
    return hashlib.sha256(json.dumps(pairs).encode()).hexdigest()[:16]


def page_token(offset: int, key: str) -> str:
    """The opaque ``nextToken``/``previousToken`` for the page starting at ``offset``."""
    return base64.urlsafe_b64encode(json.dumps({"o": offset, "k": key}).encode()).decode()


def _offset(query: QueryDict, key: str) -> int:
    token = query.get("pageToken", "")
    if not token:
        return 0
    try:
        state = json.loads(base64.urlsafe_b64decode(token.encode()))
        offset = int(state["o"])
    except (ValueError, KeyError, TypeError) as exc:
        raise _bad("Invalid pageToken.") from exc
    if state.get("k") != key or not 0 <= offset < SEARCH_LIMIT:
        raise _bad("Invalid pageToken.")
    return offset


def _filtered(seller: SandboxAmazonSeller, query: QueryDict) -> QuerySet[SandboxAmazonListing]:
    listings = SandboxAmazonListing.objects.filter(seller=seller)
    identifiers = _values(query, "identifiers")
    kind = query.get("identifiersType", "")
    if bool(identifiers) != bool(kind):
        raise _bad("identifiers and identifiersType must be given together.")
    if len(identifiers) > MAX_IDENTIFIERS:
        raise _bad(f"At most {MAX_IDENTIFIERS} identifiers can be given.")
    related = [n for n in ("variationParentSku", "packageHierarchySku") if query.get(n)]
    if len(related) > 1 or (related and identifiers):
        raise _bad("identifiers, variationParentSku and packageHierarchySku are exclusive.")
    if kind and kind not in IDENTIFIER_TYPES:
        raise _bad(f"Invalid identifiersType: {kind}.")
    if kind == "SKU":
        listings = listings.filter(sku__in=identifiers)
    elif kind == "ASIN":
        listings = listings.filter(asin__in=identifiers)
    elif kind or related:
        listings = listings.none()
    for name, lookup in TIME_FILTERS.items():
        if query.get(name):
            listings = listings.filter(**{lookup: parse_time(name, query[name])})
    wanted = _choice(_values(query, "withStatus"), STATUSES, "withStatus")
    unwanted = _choice(_values(query, "withoutStatus"), STATUSES, "withoutStatus")
    if "BUYABLE" in wanted:
        listings = listings.filter(quantity__gt=0)
    if "BUYABLE" in unwanted:
        listings = listings.filter(quantity__lte=0)
    if "DISCOVERABLE" in unwanted:
        listings = listings.none()
    if _choice(_values(query, "withIssueSeverity"), SEVERITIES, "withIssueSeverity"):
        listings = listings.none()
    return listings


def _ordered(
    listings: QuerySet[SandboxAmazonListing], query: QueryDict
) -> QuerySet[SandboxAmazonListing]:
    sort_by = query.get("sortBy", "lastUpdatedDate")
    order = query.get("sortOrder", "DESC")
    if sort_by not in SORT_FIELDS:
        raise _bad(f"Invalid sortBy: {sort_by}.")
    if order not in ("ASC", "DESC"):
        raise _bad(f"Invalid sortOrder: {order}.")
    sign = "-" if order == "DESC" else ""
    return listings.order_by(f"{sign}{SORT_FIELDS[sort_by]}", f"{sign}sku", f"{sign}pk")


def search(
    seller: SandboxAmazonSeller, query: QueryDict
) -> tuple[list[SandboxAmazonListing], int, Mapping[str, Any]]:
    """One page of a search: ``(listings, numberOfResults, pagination)``. Raises
    :class:`InvalidInput` for a parameter the model does not allow."""
    size = _page_size(query)
    key = _query_key(query)
    offset = _offset(query, key)
    listings = _ordered(_filtered(seller, query), query)
    total = listings.count()
    reachable = min(total, SEARCH_LIMIT)
    page = list(listings[offset : min(offset + size, reachable)])
    pagination: dict[str, Any] = {}
    if offset + size < reachable:
        pagination["nextToken"] = page_token(offset + size, key)
    if offset > 0:
        pagination["previousToken"] = page_token(max(0, offset - size), key)
    return page, total, pagination
