"""Shipment search and look-up (channel-apis.md §3 "Search shipments"; docs "Search shipments
using filters", "Get order details for given shipment or order ids").

``POST /v3/shipments/filter`` takes a ``SearchShipmentRequest``; the body is validated against
a JSON Schema of the SDK model (enums included), then: ``filter.type`` and ``filter.states``
are mandatory and every state must belong to the type (``preDispatch``: APPROVED,
PACKING_IN_PROGRESS, PACKED, FORM_FAILED, READY_TO_DISPATCH; ``postDispatch``: SHIPPED,
DELIVERED, PICKUP_COMPLETE; ``cancelled``: CANCELLED), date ranges need ISO times with an offset
and ``from`` ≤ ``to``, ``pageSize`` is 1–20 (default 20; Flipkart's documented page size —
assumed to be the maximum). A shipment matches when any of its items is in a requested state;
it is returned whole. Default sort: ``modifiedDate`` ascending. ``hasMore`` pages continue
with ``GET /v3/shipments/filter?next_token=…`` (``nextPageUrl`` relative to ``/sellers``).

``GET /v3/shipments`` takes exactly one of ``shipmentIds``, ``orderIds``, ``orderItemIds``
(comma separated, ≤ 100 — the documented maximum).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from urllib.parse import quote

from django.db.models import Exists, OuterRef, Q, QuerySet
from jsonschema import Draft202012Validator

from sandbox.flipkart.fakes import ITEM_STATES
from sandbox.flipkart.models import (
    SandboxFlipkartOrderItem,
    SandboxFlipkartSeller,
    SandboxFlipkartShipment,
)
from sandbox.flipkart.paging import BadRequest, make_token, read_token
from sandbox.flipkart.payloads import shipment_json

TYPE_STATES = {
    "preDispatch": (
        "APPROVED",
        "PACKING_IN_PROGRESS",
        "PACKED",
        "FORM_FAILED",
        "READY_TO_DISPATCH",
    ),
    "postDispatch": ("SHIPPED", "DELIVERED", "PICKUP_COMPLETE"),
    "cancelled": ("CANCELLED",),
}
MAX_PAGE_SIZE = 20
MAX_LOOKUP_IDS = 100
SORT_COLUMNS = {
    "modifiedDate": "updated_at",
    "orderDate": "order_date",
    "dispatchByDate": "dispatch_by_date",
    "dispatchAfterDate": "dispatch_after_date",
}
DATE_FILTERS = {
    "orderDate": "order_date",
    "dispatchAfterDate": "dispatch_after_date",
    "dispatchByDate": "dispatch_by_date",
    "modifiedDate": "updated_at",
}
CANCELLATION_TYPES = {
    "sellerCancellation": "seller_cancellation",
    "buyerCancellation": "buyer_cancellation",
    "marketplaceCancellation": "marketplace_cancellation",
}
_RANGE = {
    "type": "object",
    "properties": {"from": {"type": "string"}, "to": {"type": "string"}},
    "additionalProperties": False,
}
SEARCH_SCHEMA = {
    "type": "object",
    "required": ["filter"],
    "additionalProperties": False,
    "properties": {
        "filter": {
            "type": "object",
            "required": ["type", "states"],
            "additionalProperties": False,
            "properties": {
                "type": {"enum": list(TYPE_STATES)},
                "states": {"type": "array", "minItems": 1, "items": {"enum": list(ITEM_STATES)}},
                "locationId": {"type": "string"},
                "sku": {"type": "array", "items": {"type": "string"}},
                "orderDate": _RANGE,
                "dispatchAfterDate": _RANGE,
                "dispatchByDate": _RANGE,
                "modifiedDate": _RANGE,
                "cancellationDate": _RANGE,
                "shipmentTypes": {
                    "type": "array",
                    "items": {"enum": ["EXPRESS", "NORMAL", "SELF"]},
                },
                "serviceProfiles": {
                    "type": "array",
                    "items": {"enum": ["FBF", "NON_FBF", "FBF_LITE"]},
                },
                "dispatchServiceTiers": {
                    "type": "array",
                    "items": {"enum": ["EXPRESS", "REGULAR"]},
                },
                "cancellationType": {"enum": list(CANCELLATION_TYPES)},
            },
        },
        "pagination": {
            "type": "object",
            "properties": {"pageSize": {"type": "integer"}},
            "additionalProperties": False,
        },
        "sort": {
            "type": "object",
            "properties": {
                "field": {"enum": list(SORT_COLUMNS)},
                "order": {"enum": ["asc", "desc"]},
            },
            "additionalProperties": False,
        },
        "sellerId": {"type": "string"},
    },
}
_VALIDATOR = Draft202012Validator(SEARCH_SCHEMA)


def _time(value: str, path: str) -> datetime:
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        moment = None
    if moment is None or moment.tzinfo is None:
        raise BadRequest(("INVALID_DATE", f"{value!r} is not an ISO-8601 time with offset", path))
    return moment


def validate_search(body: Any) -> dict[str, Any]:
    """The normalized query of a ``SearchShipmentRequest`` (JSON-safe, goes into the next
    token); raises ``BadRequest`` listing every problem."""
    problems = [
        (
            "INVALID_REQUEST",
            error.message,
            ".".join(str(p) for p in error.absolute_path) or "$",
        )
        for error in sorted(_VALIDATOR.iter_errors(body), key=lambda e: list(e.absolute_path))
    ]
    if problems:
        raise BadRequest(*problems)
    flt = body["filter"]
    wrong = [s for s in flt["states"] if s not in TYPE_STATES[flt["type"]]]
    if wrong:
        raise BadRequest(
            (
                "INVALID_STATES",
                f"states {wrong} are not valid for filter type {flt['type']}; allowed: "
                f"{list(TYPE_STATES[flt['type']])}",
                "filter.states",
            )
        )
    for name in (*DATE_FILTERS, "cancellationDate"):
        window = flt.get(name) or {}
        start = _time(window["from"], f"filter.{name}.from") if "from" in window else None
        end = _time(window["to"], f"filter.{name}.to") if "to" in window else None
        if start and end and start > end:
            raise BadRequest(("INVALID_DATE_RANGE", f"{name}.from is after .to", f"filter.{name}"))
    size = (body.get("pagination") or {}).get("pageSize", MAX_PAGE_SIZE)
    if not 1 <= size <= MAX_PAGE_SIZE:
        raise BadRequest(
            (
                "INVALID_PAGE_SIZE",
                f"pageSize must be between 1 and {MAX_PAGE_SIZE}",
                "pagination.pageSize",
            )
        )
    sort = body.get("sort") or {}
    return {
        "filter": flt,
        "size": size,
        "field": sort.get("field", "modifiedDate"),
        "order": sort.get("order", "asc"),
        "after": None,
    }


def _matching(seller: SandboxFlipkartSeller, query: dict[str, Any]) -> QuerySet:
    flt = query["filter"]
    items = SandboxFlipkartOrderItem.objects.filter(
        shipment=OuterRef("pk"), status__in=flt["states"]
    )
    if flt.get("sku"):
        items = items.filter(sku__in=flt["sku"])
    if flt.get("serviceProfiles"):
        items = items.filter(service_profile__in=flt["serviceProfiles"])
    if flt.get("cancellationType"):
        items = items.filter(cancellation_reason=CANCELLATION_TYPES[flt["cancellationType"]])
    window = flt.get("cancellationDate") or {}
    if "from" in window:
        items = items.filter(cancellation_date__gte=_time(window["from"], ""))
    if "to" in window:
        items = items.filter(cancellation_date__lte=_time(window["to"], ""))
    shipments = SandboxFlipkartShipment.objects.filter(seller=seller).filter(Exists(items))
    if flt.get("locationId"):
        shipments = shipments.filter(location_id=flt["locationId"])
    types = set(flt.get("shipmentTypes") or ())
    tiers = flt.get("dispatchServiceTiers") or ()
    types |= {"EXPRESS" if tier == "EXPRESS" else "NORMAL" for tier in tiers}
    if types:
        shipments = shipments.filter(shipment_type__in=types)
    for name, column in DATE_FILTERS.items():
        window = flt.get(name) or {}
        if "from" in window:
            shipments = shipments.filter(**{f"{column}__gte": _time(window["from"], "")})
        if "to" in window:
            shipments = shipments.filter(**{f"{column}__lte": _time(window["to"], "")})
    return shipments


def search_page(seller: SandboxFlipkartSeller, query: dict[str, Any]) -> dict[str, Any]:
    """One ``SearchShipmentResponse`` page of ``query`` (from ``validate_search`` or a next
    token), keyset-paginated on (sort column, id)."""
    column = SORT_COLUMNS[query["field"]]
    descending = query["order"] == "desc"
    shipments = _matching(seller, query)
    if query.get("after"):
        value, pk = datetime.fromisoformat(query["after"][0]), int(query["after"][1])
        op = "lt" if descending else "gt"
        shipments = shipments.filter(
            Q(**{f"{column}__{op}": value}) | Q(**{column: value, f"pk__{op}": pk})
        )
    prefix = "-" if descending else ""
    rows = list(
        shipments.order_by(f"{prefix}{column}", f"{prefix}pk").prefetch_related("items")[
            : query["size"] + 1
        ]
    )
    has_more = len(rows) > query["size"]
    rows = rows[: query["size"]]
    next_url = None
    if has_more:
        last = rows[-1]
        state = {**query, "after": [getattr(last, column).isoformat(), last.pk]}
        next_url = "/v3/shipments/filter?next_token=" + quote(
            make_token("shipments", seller.pk, state), safe=""
        )
    return {
        "hasMore": has_more,
        "nextPageUrl": next_url,
        "shipments": [shipment_json(s, s.items.all()) for s in rows],
    }


def next_page(seller: SandboxFlipkartSeller, token: str) -> dict[str, Any]:
    """The page after the one that returned ``next_token``; raises ``BadRequest``."""
    if not token:
        raise BadRequest(("MISSING_NEXT_TOKEN", "next_token is required", "next_token"))
    return search_page(seller, read_token("shipments", seller.pk, token))


def lookup(seller: SandboxFlipkartSeller, params: dict[str, str]) -> dict[str, Any]:
    """``GET /v3/shipments`` by exactly one id kind; unknown ids are left out."""
    given = {k: v for k, v in params.items() if k in ("shipmentIds", "orderIds", "orderItemIds")}
    if len(given) != 1:
        raise BadRequest(
            (
                "INVALID_REQUEST",
                "exactly one of shipmentIds, orderIds or orderItemIds is required",
                "$",
            )
        )
    ((kind, text),) = given.items()
    ids = [part.strip() for part in text.split(",") if part.strip()]
    if not ids or len(ids) > MAX_LOOKUP_IDS:
        raise BadRequest(
            ("INVALID_REQUEST", f"{kind}: give 1 to {MAX_LOOKUP_IDS} comma-separated ids", kind)
        )
    shipments = SandboxFlipkartShipment.objects.filter(seller=seller)
    if kind == "shipmentIds":
        shipments = shipments.filter(shipment_id__in=ids)
    elif kind == "orderIds":
        shipments = shipments.filter(order_id__in=ids)
    else:
        shipments = shipments.filter(
            Exists(
                SandboxFlipkartOrderItem.objects.filter(
                    shipment=OuterRef("pk"), order_item_id__in=ids
                )
            )
        )
    rows = shipments.order_by("order_date", "pk").prefetch_related("items")
    return {"shipments": [shipment_json(s, s.items.all()) for s in rows]}
