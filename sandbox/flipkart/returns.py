"""``GET /v2/returns`` (docs "Fetch returns"; channel-apis.md §3).

Parameters: ``source`` (required: ``customer_return`` | ``courier_return``), ``modifiedAfter``
/ ``modifiedBefore``, ``createdAfter`` / ``createdBefore`` (ISO-8601 with offset; at least one
bound or ids is required), ``returnIds`` / ``trackingIds`` (comma separated, ≤ 25 each),
``locationId``. Answers ``{hasMore, nextUrl, returnItems}``, 20 returns a page ordered by
``updatedDate`` (a sandbox choice), ``nextUrl`` = ``/v2/returns?next_token=…`` relative to
``/sellers``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from urllib.parse import quote

from django.db.models import Q

from sandbox.flipkart.models import SandboxFlipkartReturn, SandboxFlipkartSeller
from sandbox.flipkart.paging import BadRequest, make_token, read_token
from sandbox.flipkart.payloads import return_json

SOURCES = ("customer_return", "courier_return")
PAGE_SIZE = 20
MAX_IDS = 25
BOUNDS = {
    "modifiedAfter": "updated_at__gte",
    "modifiedBefore": "updated_at__lte",
    "createdAfter": "created_at__gte",
    "createdBefore": "created_at__lte",
}


def _ids(params: dict[str, str], name: str) -> list[str]:
    ids = [p.strip() for p in (params.get(name) or "").split(",") if p.strip()]
    if len(ids) > MAX_IDS:
        raise BadRequest(("INVALID_REQUEST", f"at most {MAX_IDS} {name} are allowed", name))
    return ids


def validate_returns_query(params: dict[str, str]) -> dict[str, Any]:
    """The normalized query (JSON-safe); raises ``BadRequest``."""
    source = params.get("source") or ""
    if source not in SOURCES:
        raise BadRequest(("INVALID_SOURCE", f"source must be one of {list(SOURCES)}", "source"))
    bounds: dict[str, str] = {}
    for name in BOUNDS:
        if params.get(name):
            try:
                moment = datetime.fromisoformat(params[name])
            except ValueError:
                moment = None
            if moment is None or moment.tzinfo is None:
                raise BadRequest(
                    ("INVALID_DATE", f"{name} must be an ISO-8601 time with offset", name)
                )
            bounds[name] = moment.isoformat()
    query = {
        "source": source,
        "bounds": bounds,
        "returnIds": _ids(params, "returnIds"),
        "trackingIds": _ids(params, "trackingIds"),
        "locationId": params.get("locationId") or "",
        "after": None,
    }
    if not (bounds or query["returnIds"] or query["trackingIds"]):
        raise BadRequest(
            (
                "INVALID_REQUEST",
                "give a modified/created date range, returnIds or trackingIds",
                "$",
            )
        )
    return query


def returns_page(seller: SandboxFlipkartSeller, query: dict[str, Any]) -> dict[str, Any]:
    """One page of returns matching ``query``, keyset-paginated on (updated time, id)."""
    rows = SandboxFlipkartReturn.objects.filter(seller=seller, source=query["source"])
    for name, value in query["bounds"].items():
        rows = rows.filter(**{BOUNDS[name]: datetime.fromisoformat(value)})
    if query["returnIds"]:
        rows = rows.filter(return_id__in=query["returnIds"])
    if query["trackingIds"]:
        rows = rows.filter(tracking_id__in=query["trackingIds"])
    if query["locationId"]:
        rows = rows.filter(order_item__shipment__location_id=query["locationId"])
    if query.get("after"):
        moment, pk = datetime.fromisoformat(query["after"][0]), int(query["after"][1])
        rows = rows.filter(Q(updated_at__gt=moment) | Q(updated_at=moment, pk__gt=pk))
    page = list(
        rows.order_by("updated_at", "pk").select_related("order_item__shipment")[: PAGE_SIZE + 1]
    )
    has_more = len(page) > PAGE_SIZE
    page = page[:PAGE_SIZE]
    next_url = None
    if has_more:
        state = {**query, "after": [page[-1].updated_at.isoformat(), page[-1].pk]}
        next_url = "/v2/returns?next_token=" + quote(
            make_token("returns", seller.pk, state), safe=""
        )
    return {
        "hasMore": has_more,
        "nextUrl": next_url,
        "returnItems": [return_json(r, seller.seller_id) for r in page],
    }


def search_returns(seller: SandboxFlipkartSeller, params: dict[str, str]) -> dict[str, Any]:
    """A first page (query parameters) or a next page (``next_token``)."""
    if params.get("next_token"):
        return returns_page(seller, read_token("returns", seller.pk, params["next_token"]))
    return returns_page(seller, validate_returns_query(params))
