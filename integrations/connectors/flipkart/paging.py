"""The connector's opaque page cursors for streams read as several queries in turn.

Orders are three shipment searches (``preDispatch``, ``postDispatch``, ``cancelled``), returns
two (``customer_return``, ``courier_return``). A cursor records which query is being read, the
provider's next-page URL exactly as Flipkart returned it (``nextPageUrl`` / ``nextUrl``; "do
not build it yourself", SDK ``searchPreDispatchShipmentGet``), and the end of the time window
(``until``) fixed when the run's first page was read, so every query of one run covers the same
window and the high-water mark never passes ``until``: a change made while the run was reading
is picked up by the next run.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from integrations.connectors.flipkart.mapping import MappingError, iso_z, parse_time
from integrations.http import ConnectorError

# Window start when the engine has no cursor yet (first sync): Flipkart orders older than this
# are settled history, which the seller's payment reports cover.
INITIAL_LOOKBACK = timedelta(days=90)


@dataclass(frozen=True)
class StreamCursor:
    """``index`` of the query being read, its ``next_url`` ("" = send the first request) and
    the window end ``until`` (ISO UTC)."""

    index: int
    next_url: str
    until: str

    def encode(self) -> str:
        """URL-safe base64 of compact JSON."""
        text = json.dumps({"i": self.index, "n": self.next_url, "u": self.until}, separators=",:")
        return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")

    @classmethod
    def decode(cls, text: str) -> StreamCursor:
        """The cursor ``encode`` wrote; raises ``ConnectorError`` for anything else."""
        try:
            padded = text + "=" * (-len(text) % 4)
            data = json.loads(base64.urlsafe_b64decode(padded.encode()))
            cursor = cls(int(data["i"]), str(data["n"]), str(data["u"]))
            parse_time(cursor.until, "until")
        except (ValueError, KeyError, TypeError, binascii.Error, MappingError):
            raise ConnectorError(f"flipkart: unreadable page cursor {text[:40]!r}") from None
        return cursor

    @property
    def until_time(self) -> datetime:
        moment = parse_time(self.until, "until")
        if moment is None:  # decode() and start() guarantee a time
            raise ConnectorError("flipkart: page cursor without a window end")
        return moment

    @classmethod
    def start(cls, now: datetime) -> StreamCursor:
        """The first query of a run whose window ends ``now``."""
        return cls(0, "", iso_z(now))

    def after(self, *, has_more: bool, next_url: str, queries: int) -> StreamCursor | None:
        """The cursor after a page: the same query's next page while the provider has more,
        else the next query's first page, else None (the run is done)."""
        if has_more and next_url:
            return StreamCursor(self.index, next_url, self.until)
        if self.index + 1 < queries:
            return StreamCursor(self.index + 1, "", self.until)
        return None


def window_start(since: datetime | None, until: datetime) -> datetime:
    """``since`` as given (the engine already subtracts its overlap; never after ``until``, so
    a clock running ahead cannot produce an inverted window), or ``until`` minus
    ``INITIAL_LOOKBACK`` on a first sync."""
    return min(since, until) if since is not None else until - INITIAL_LOOKBACK


def capped_high_water(moments: list[datetime], until: datetime) -> str | None:
    """The greatest of ``moments``, never past ``until``, as ``2024-05-01T10:15:00Z`` (whole
    seconds, rounded down, the form the sync engine compares); None when empty."""
    if not moments:
        return None
    return min(max(moments), until).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
