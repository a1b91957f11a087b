"""Orders from shipments: ``POST /v3/shipments/filter`` pages, completed with ``GET
/v3/shipments?orderIds=…`` (channel-apis.md §3, SDK ``ShipmentV3Api``).

Each run reads three searches in turn — ``preDispatch``, ``postDispatch``, ``cancelled`` (the
filter ``type`` values; ``states`` are mandatory and must belong to the type) — over one
``modifiedDate`` window, sorted by ``modifiedDate`` ascending, 20 shipments a page, following
``nextPageUrl`` with ``GET`` while ``hasMore``. A shipment holds items of one order only, but one
order can be split over several shipments that land on different pages or searches, and
importing part of an order would replace its lines with a subset. So for the order ids on a
page the complete orders are fetched (≤ 100 ids per call, the documented maximum of
``GET /v3/shipments``) and every ``OrderDTO`` is built from all its items.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from typing import Any

from integrations.connectors.flipkart.client import FlipkartClient
from integrations.connectors.flipkart.mapping import (
    CANCELLED_STATES,
    POST_DISPATCH_STATES,
    PRE_DISPATCH_STATES,
    MappingError,
    iso_z,
    item_with_shipment,
    order_from_items,
    parse_time,
)
from integrations.connectors.flipkart.paging import StreamCursor, capped_high_water, window_start
from integrations.dto import OrderDTO, Page, RecordFailure

SEARCHES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("preDispatch", PRE_DISPATCH_STATES),
    ("postDispatch", POST_DISPATCH_STATES),
    ("cancelled", CANCELLED_STATES),
)
FILTER_PATH = "/v3/shipments/filter"
SHIPMENTS_PATH = "/v3/shipments"
# Flipkart's page size for shipment searches (the SDK's and docs' examples use 20).
MAX_PAGE_SIZE = 20
MAX_IDS_PER_LOOKUP = 100


def filter_body(search: int, *, start: datetime, until: datetime, page_size: int) -> dict[str, Any]:
    """The ``SearchShipmentRequest`` of search ``search`` (index into ``SEARCHES``)."""
    filter_type, states = SEARCHES[search]
    return {
        "filter": {
            "type": filter_type,
            "states": list(states),
            "modifiedDate": {"from": iso_z(start), "to": iso_z(until)},
        },
        "sort": {"field": "modifiedDate", "order": "asc"},
        "pagination": {"pageSize": page_size},
    }


def order_record(payload: Mapping[str, Any]) -> OrderDTO | RecordFailure:
    """``{"orderId", "items"}`` → ``OrderDTO``, or ``RecordFailure`` with the reason."""
    order_id = str(payload.get("orderId") or "")
    try:
        return order_from_items(order_id, list(payload.get("items") or []))
    except MappingError as exc:
        return RecordFailure(order_id, str(exc), dict(payload))


class OrderReader:
    """Reads order pages for one account (see the module docstring)."""

    def __init__(self, client: FlipkartClient, now: Callable[[], datetime]) -> None:
        self.client = client
        self.now = now

    def page(
        self, *, since: datetime | None, cursor: str | None, page_size: int | None = None
    ) -> Page[OrderDTO]:
        """One page of orders whose shipments changed in the window; ``next_cursor`` None
        after the last page of the last search. An empty last page of a search moves straight
        on to the next search."""
        size = max(1, min(page_size or MAX_PAGE_SIZE, MAX_PAGE_SIZE))
        state = StreamCursor.decode(cursor) if cursor else StreamCursor.start(self.now())
        until = state.until_time
        while True:
            if state.next_url:
                body = self.client.get_json(state.next_url)
            else:
                body = self.client.post_json(
                    FILTER_PATH,
                    filter_body(
                        state.index,
                        start=window_start(since, until),
                        until=until,
                        page_size=size,
                    ),
                    idempotent=True,  # a search: repeating it changes nothing
                )
            shipments = [s for s in body.get("shipments") or [] if isinstance(s, dict)]
            following = state.after(
                has_more=bool(body.get("hasMore")),
                next_url=str(body.get("nextPageUrl") or ""),
                queries=len(SEARCHES),
            )
            if shipments or following is None or following.next_url:
                break
            state = following
        items, failures = self._orders(shipments)
        moments = [t for s in shipments if (t := _time_or_none(s.get("updatedAt")))]
        return Page(
            items=items,
            next_cursor=following.encode() if following else None,
            high_water=capped_high_water(moments, until),
            failures=failures,
        )

    def _orders(
        self, shipments: list[dict[str, Any]]
    ) -> tuple[list[OrderDTO], list[RecordFailure]]:
        failures: list[RecordFailure] = []
        seen: dict[str, list[dict[str, Any]]] = {}
        for shipment in shipments:
            for item in shipment.get("orderItems") or []:
                order_id = str((item or {}).get("orderId") or "")
                if not order_id:
                    failures.append(
                        RecordFailure(
                            str(shipment.get("shipmentId") or ""),
                            "shipment has an order item without orderId",
                            shipment,
                        )
                    )
                    continue
                seen.setdefault(order_id, []).append(item_with_shipment(shipment, item))
        complete = self.complete_orders(seen)
        orders: list[OrderDTO] = []
        for order_id, page_items in seen.items():
            items = complete.get(order_id)
            if not items:
                failures.append(
                    RecordFailure(
                        order_id,
                        "GET /v3/shipments?orderIds did not return this order; not importing "
                        "the part seen in the search",
                        {"orderId": order_id, "items": page_items},
                    )
                )
                continue
            record = order_record({"orderId": order_id, "items": items})
            (failures if isinstance(record, RecordFailure) else orders).append(record)
        return orders, failures

    def complete_orders(self, order_ids: Iterable[str]) -> dict[str, list[dict[str, Any]]]:
        """Every item (with shipment context) of the given orders, from all their shipments."""
        wanted = list(dict.fromkeys(order_ids))
        found: dict[str, list[dict[str, Any]]] = {}
        for start in range(0, len(wanted), MAX_IDS_PER_LOOKUP):
            batch = wanted[start : start + MAX_IDS_PER_LOOKUP]
            body = self.client.get_json(SHIPMENTS_PATH, orderIds=",".join(batch))
            requested = set(batch)
            for shipment in body.get("shipments") or []:
                for item in (shipment or {}).get("orderItems") or []:
                    order_id = str((item or {}).get("orderId") or "")
                    if order_id in requested:
                        found.setdefault(order_id, []).append(item_with_shipment(shipment, item))
        return found


def _time_or_none(value: Any) -> datetime | None:
    try:
        return parse_time(value)
    except MappingError:
        return None
