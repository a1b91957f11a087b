"""Returns: ``GET /v2/returns?source=…&modifiedAfter=…&modifiedBefore=…`` for customer returns
and courier returns (RTO) in turn, following ``nextUrl`` while ``hasMore`` (channel-apis.md §3,
docs "Fetch returns"; returns page with ``nextUrl`` where shipments use ``nextPageUrl``).
Dates are sent as ISO-8601 UTC (``2024-05-01T10:15:00.000Z``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from integrations.connectors.flipkart.client import FlipkartClient
from integrations.connectors.flipkart.mapping import (
    RETURN_SOURCES,
    MappingError,
    iso_z,
    return_from_flipkart,
)
from integrations.connectors.flipkart.paging import StreamCursor, capped_high_water, window_start
from integrations.dto import Page, RecordFailure, ReturnDTO

RETURNS_PATH = "/v2/returns"
SOURCES: tuple[str, ...] = tuple(RETURN_SOURCES)  # customer_return, courier_return


def return_record(payload: Mapping[str, Any]) -> ReturnDTO | RecordFailure:
    """A ``returnItems[]`` entry with ``source`` → ``ReturnDTO`` or ``RecordFailure``."""
    try:
        return return_from_flipkart(payload)
    except MappingError as exc:
        return RecordFailure(str(payload.get("returnId") or ""), str(exc), dict(payload))


class ReturnReader:
    """Reads return pages for one account."""

    def __init__(self, client: FlipkartClient, now: Callable[[], datetime]) -> None:
        self.client = client
        self.now = now

    def page(self, *, since: datetime | None, cursor: str | None) -> Page[ReturnDTO]:
        """One page of returns updated in the window, customer returns first; an empty last
        page of one source moves straight on to the next source."""
        state = StreamCursor.decode(cursor) if cursor else StreamCursor.start(self.now())
        until = state.until_time
        while True:
            source = SOURCES[state.index]
            if state.next_url:
                body = self.client.get_json(state.next_url)
            else:
                body = self.client.get_json(
                    RETURNS_PATH,
                    source=source,
                    modifiedAfter=iso_z(window_start(since, until)),
                    modifiedBefore=iso_z(until),
                )
            rows = [r for r in body.get("returnItems") or [] if isinstance(r, dict)]
            following = state.after(
                has_more=bool(body.get("hasMore")),
                next_url=str(body.get("nextUrl") or ""),
                queries=len(SOURCES),
            )
            if rows or following is None or following.next_url:
                break
            state = following
        items: list[ReturnDTO] = []
        failures: list[RecordFailure] = []
        moments: list[datetime] = []
        for row in rows:
            record = return_record({**row, "source": row.get("source") or source})
            if isinstance(record, RecordFailure):
                failures.append(record)
                continue
            items.append(record)
            moments.append(record.updated_at)
        return Page(
            items=items,
            next_cursor=following.encode() if following else None,
            high_water=capped_high_water(moments, until),
            failures=failures,
        )
