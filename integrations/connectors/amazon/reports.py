"""Order history through the Reports API 2021-06-30 (channel-apis.md §2.5): the connector's
bulk protocol for the ``orders`` and ``backfill`` streams.
Design: docs/providers/amazon.md#reports
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote

from django.conf import settings

from integrations.connectors.amazon.mapping import parse_time
from integrations.dto import RecordFailure
from integrations.http import ConnectorError

REPORT_TYPE = "GET_FLAT_FILE_ALL_ORDERS_DATA_BY_LAST_UPDATE_GENERAL"
REPORT_WINDOW = timedelta(days=30)
REPORT_MAX_AGE = timedelta(days=729)
# ``dataEndTime`` must not be after Amazon's "now"; stay clear of clock skew.
END_MARGIN = timedelta(minutes=2)
# Order reports can lag live data by up to 30 minutes (Reports API use-case guide): after a
# backfill, the incremental sync restarts this far before the report's end.
REPORT_LAG = timedelta(minutes=30)
DEFAULT_BACKFILL_DAYS = 365
ID_SEPARATOR = ","
ORDER_ID_COLUMN = "amazon-order-id"
FREE_TEXT_COLUMN = "product-name"
REPORT_COLUMNS = (
    "amazon-order-id",
    "merchant-order-id",
    "purchase-date",
    "last-updated-date",
    "order-status",
    "fulfillment-channel",
    "sales-channel",
    "order-channel",
    "url",
    "ship-service-level",
    "product-name",
    "sku",
    "asin",
    "item-status",
    "quantity",
    "currency",
    "item-price",
    "item-tax",
    "shipping-price",
    "shipping-tax",
    "gift-wrap-price",
    "gift-wrap-tax",
    "item-promotion-discount",
    "ship-promotion-discount",
    "ship-city",
    "ship-state",
    "ship-postal-code",
    "ship-country",
    "promotion-ids",
    "is-business-order",
    "purchase-order-number",
    "price-designation",
    "is-iba",
)


def iso_z(moment: datetime) -> str:
    """``2024-05-01T03:58:30Z``: the ISO-8601 UTC form SP-API parameters take."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def report_windows(
    start: datetime, end: datetime, *, window: timedelta = REPORT_WINDOW
) -> list[tuple[datetime, datetime]]:
    """Consecutive ``(start, end)`` ranges of at most ``window`` covering ``start``–``end``,
    oldest first (one range when ``start >= end``)."""
    start = min(start, end)
    ranges = []
    while True:
        stop = min(start + window, end)
        ranges.append((start, stop))
        if stop >= end:
            return ranges
        start = stop


def iter_report_rows(
    lines: Iterable[str],
) -> Iterator[dict[str, str] | tuple[int, str, list[str]]]:
    """Rows of a tab-separated flat file as ``{column: value}``; a row that cannot be read is
    ``(line number, reason, raw values)``. Lazy: reads one line per row."""
    reader = csv.reader(lines, delimiter="\t", quoting=csv.QUOTE_NONE)
    header = [h.strip() for h in next(reader, [])]
    if not header:
        return
    width = len(header)
    text_at = header.index(FREE_TEXT_COLUMN) if FREE_TEXT_COLUMN in header else None
    for values in reader:
        if not any(v.strip() for v in values):
            continue
        if len(values) > width and text_at is not None:
            cut = text_at + len(values) - width + 1
            values = [*values[:text_at], "\t".join(values[text_at:cut]), *values[cut:]]
        if len(values) != width:
            yield (reader.line_num, f"expected {width} columns, found {len(values)}", values)
            continue
        yield dict(zip(header, values, strict=True))


def group_report_orders(
    rows: Iterable[dict[str, str] | tuple[int, str, list[str]]],
) -> Iterator[list[dict[str, str]] | RecordFailure]:
    """Consecutive rows of one ``amazon-order-id`` → one list; an order with an unreadable row
    becomes a ``RecordFailure`` (never imported with lines missing)."""
    current: str | None = None
    group: list[dict[str, str]] = []
    problems: list[str] = []
    bad: list[list[str]] = []

    def flush() -> list[dict[str, str]] | RecordFailure:
        if problems:
            return RecordFailure(
                current or "",
                "report: " + "; ".join(problems),
                {"report_rows": list(group), "unreadable_rows": list(bad)},
            )
        return list(group)

    for row in rows:
        if isinstance(row, tuple):
            line, reason, values = row
            order_id = values[0].strip() if values else ""
        else:
            order_id = (row.get(ORDER_ID_COLUMN) or "").strip()
        if order_id != current:
            if group or problems:
                yield flush()
            current, group, problems, bad = order_id, [], [], []
        if isinstance(row, tuple):
            problems.append(f"line {line}: {reason}")
            bad.append(values)
        else:
            group.append(row)
    if group or problems:
        yield flush()


class AmazonReports:
    """Bulk protocol on the Reports API; mixed into ``AmazonConnector`` (uses its ``api``,
    ``marketplace_ids``, ``clock``, ``sleep``, ``bulk_streams`` and ``parse_record``)."""

    def _now(self) -> datetime:
        return datetime.fromtimestamp(self.clock(), UTC)

    def start_bulk(self, stream: str, *, since: datetime | None) -> str:
        """Request the order report(s) for orders updated since ``since`` (default: the last
        ``AMAZON_BACKFILL_DAYS`` = 365 days; never older than two years). Returns the
        ``reportId``s joined by ``,``."""
        if stream not in self.bulk_streams:
            raise ValueError(f"no bulk export for stream {stream!r}")
        now = self._now()
        days = int(getattr(settings, "AMAZON_BACKFILL_DAYS", DEFAULT_BACKFILL_DAYS))
        start = max(since or now - timedelta(days=days), now - REPORT_MAX_AGE)
        report_ids = []
        for window_start, window_end in report_windows(start, now - END_MARGIN):
            created = self.api.call(
                "createReport",
                "POST",
                "/reports/2021-06-30/reports",
                json_body={
                    "reportType": REPORT_TYPE,
                    "marketplaceIds": list(self.marketplace_ids),
                    "dataStartTime": iso_z(window_start),
                    "dataEndTime": iso_z(window_end),
                },
            )
            if not created.get("reportId"):
                raise ConnectorError("amazon: createReport answered without a reportId")
            report_ids.append(str(created["reportId"]))
        return ID_SEPARATOR.join(report_ids)

    def wait_for_bulk(
        self,
        bulk_id: str,
        *,
        poll_seconds: float | None = None,
        timeout_seconds: float = 7200.0,
        on_poll: Callable[[dict[str, Any]], None] | None = None,
    ) -> dict[str, Any]:
        """Poll every report of ``bulk_id`` until it finishes (``poll_seconds`` apart, at most
        ``timeout_seconds`` in all). Returns ``{"url": <document ids>, "rootObjectCount":
        None, "reports": {reportId: processingStatus}, "cursor_cap": <ISO>}``; ``url`` is ``""``
        when every report was cancelled for lack of data; ``cursor_cap`` is where the next
        incremental sync may safely continue (the last report's end − ``REPORT_LAG``).
        ``poll_seconds`` defaults to ``settings.AMAZON_REPORT_POLL_SECONDS`` (15 s). Raises
        ``ConnectorError`` on ``FATAL`` or timeout."""
        if poll_seconds is None:
            poll_seconds = float(getattr(settings, "AMAZON_REPORT_POLL_SECONDS", 15.0))
        data_end: datetime | None = None
        documents: list[str] = []
        statuses: dict[str, str] = {}
        waited = 0.0
        for report_id in [r for r in bulk_id.split(ID_SEPARATOR) if r]:
            while True:
                report = self.api.call(
                    "getReport", "GET", f"/reports/2021-06-30/reports/{quote(report_id, safe='')}"
                )
                status = str(report.get("processingStatus") or "")
                statuses[report_id] = status
                if on_poll:
                    on_poll(report)
                if report.get("dataEndTime") and status in ("DONE", "CANCELLED"):
                    end = parse_time(str(report["dataEndTime"]))
                    data_end = end if data_end is None else max(data_end, end)
                if status == "DONE":
                    if not report.get("reportDocumentId"):
                        raise ConnectorError(
                            f"amazon: report {report_id} is DONE without a document"
                        )
                    documents.append(str(report["reportDocumentId"]))
                    break
                if status == "CANCELLED":
                    break
                if status == "FATAL":
                    raise ConnectorError(
                        f"amazon: report {report_id} ({REPORT_TYPE}) ended FATAL; "
                        "request the export again"
                    )
                if waited >= timeout_seconds:
                    raise ConnectorError(
                        f"amazon: report {report_id} still {status or 'unknown'} after "
                        f"{waited:.0f} s"
                    )
                self.sleep(poll_seconds)
                waited += poll_seconds
        return {
            "url": ID_SEPARATOR.join(documents),
            "rootObjectCount": None,
            "reports": statuses,
            "cursor_cap": iso_z(data_end - REPORT_LAG) if data_end else None,
        }

    def iter_bulk(self, stream: str, url: str | None) -> Iterator[tuple[Any, ...] | RecordFailure]:
        """Stream the report documents named in ``url`` (from ``wait_for_bulk``): one
        ``(OrderDTO,)`` or ``RecordFailure`` per order, in file order."""
        if stream not in self.bulk_streams:
            raise ValueError(f"no bulk export for stream {stream!r}")
        for document_id in [d for d in (url or "").split(ID_SEPARATOR) if d]:
            document = self.api.call(
                "getReportDocument",
                "GET",
                f"/reports/2021-06-30/documents/{quote(document_id, safe='')}",
            )
            if not document.get("url"):
                raise ConnectorError(f"amazon: report document {document_id} has no url")
            with self.api.open_document(
                document["url"], compression=document.get("compressionAlgorithm")
            ) as text:
                for group in group_report_orders(iter_report_rows(text)):
                    if isinstance(group, RecordFailure):
                        yield group
                        continue
                    record = self.parse_record(stream, {"report_rows": group})
                    yield record if isinstance(record, RecordFailure) else (record,)
