"""The bulk protocol on the Reports API: 30-day report windows, polling to DONE / FATAL /
CANCELLED, and the streamed, gunzipped, tab-separated order report grouped into orders."""

from __future__ import annotations

import gzip
import json
import tracemalloc
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from integrations.connectors.amazon.reports import (
    REPORT_COLUMNS,
    REPORT_TYPE,
    group_report_orders,
    iter_report_rows,
    report_windows,
)
from integrations.dto import OrderStatus, RecordFailure
from integrations.http import ConnectorError
from tests.integrations.amazon.conftest import model, report_row
from tests.integrations.conftest import Recorded, Reply

REPORTS = "/reports/2021-06-30/reports"
REPORT = r"/reports/2021-06-30/reports/[^/]+"
DOCUMENT = r"/reports/2021-06-30/documents/[^/]+"
FILES = r"/files/.+"
D = Decimal


def tsv(rows: list[dict[str, str]], *, newline: str = "\n") -> str:
    lines = ["\t".join(REPORT_COLUMNS)]
    lines += ["\t".join(row.get(c, "") for c in REPORT_COLUMNS) for row in rows]
    return newline.join(lines) + newline


def now(fake_clock) -> datetime:
    return datetime.fromtimestamp(fake_clock(), UTC)


def serve_document(amazon_server, name: str, body: bytes, *, gzipped: bool, headers=None):
    """getReportDocument for ``name`` points at /files/<name> (a fresh presigned URL)."""

    def document(request: Recorded) -> Reply:
        doc_id = request.path.rsplit("/", 1)[1]
        answer = {"reportDocumentId": doc_id, "url": f"{amazon_server.url}/files/{doc_id}"}
        if gzipped:
            answer["compressionAlgorithm"] = "GZIP"
        return Reply(200, answer)

    amazon_server.on("GET", DOCUMENT, document)
    amazon_server.on(
        "GET",
        f"/files/{name}",
        Reply(200, body, headers=headers or {"Content-Type": "text/plain; charset=UTF-8"}),
    )


# --- start_bulk -----------------------------------------------------------------------------------
def test_a_year_of_history_is_requested_as_consecutive_30_day_reports(
    connector, amazon_server, fake_clock
):
    counter = iter(range(1, 100))
    amazon_server.on("POST", REPORTS, lambda _r: Reply(202, {"reportId": f"R{next(counter)}"}))
    bulk_id = connector.start_bulk("backfill", since=None)

    assert bulk_id == ",".join(f"R{n}" for n in range(1, 14))
    bodies = [r.json() for r in amazon_server.calls("POST", REPORTS)]
    assert len(bodies) == 13  # within createReport's burst of 15: no waiting
    assert fake_clock.sleeps == []
    assert {b["reportType"] for b in bodies} == {REPORT_TYPE}
    assert {tuple(b["marketplaceIds"]) for b in bodies} == {("A21TJRUUN4KGV",)}
    starts = [datetime.fromisoformat(b["dataStartTime"]) for b in bodies]
    ends = [datetime.fromisoformat(b["dataEndTime"]) for b in bodies]
    assert starts[0] == (now(fake_clock) - timedelta(days=365)).replace(microsecond=0)
    assert ends[-1] == (now(fake_clock) - timedelta(minutes=2)).replace(microsecond=0)
    assert starts[1:] == ends[:-1]  # contiguous, oldest first
    assert all(
        timedelta(0) < e - s <= timedelta(days=30) for s, e in zip(starts, ends, strict=True)
    )


def test_a_short_window_is_one_report_and_history_stops_at_two_years(
    connector, amazon_server, fake_clock
):
    amazon_server.on("POST", REPORTS, Reply(202, {"reportId": "R1"}))
    assert connector.start_bulk("orders", since=now(fake_clock) - timedelta(days=3)) == "R1"
    connector.start_bulk("backfill", since=now(fake_clock) - timedelta(days=3000))
    bodies = [r.json() for r in amazon_server.calls("POST", REPORTS)]
    assert len(bodies) == 1 + 25
    oldest = datetime.fromisoformat(bodies[1]["dataStartTime"])
    assert now(fake_clock) - oldest <= timedelta(days=730)


def test_report_windows_cover_the_range_without_gaps():
    start = datetime(2024, 1, 1, tzinfo=UTC)
    windows = report_windows(start, start + timedelta(days=61))
    assert windows == [
        (start, start + timedelta(days=30)),
        (start + timedelta(days=30), start + timedelta(days=60)),
        (start + timedelta(days=60), start + timedelta(days=61)),
    ]
    assert report_windows(start, start) == [(start, start)]


def test_start_bulk_refuses_other_streams(connector):
    with pytest.raises(ValueError, match="catalog"):
        connector.start_bulk("catalog", since=None)


# --- wait_for_bulk --------------------------------------------------------------------------------
def report_status(report_id: str, status: str, document: str | None = None) -> Reply:
    body = {
        "reportId": report_id,
        "reportType": REPORT_TYPE,
        "processingStatus": status,
        "createdTime": "2024-05-01T00:00:00Z",
        "marketplaceIds": ["A21TJRUUN4KGV"],
    }
    if document:
        body["reportDocumentId"] = document
    return Reply(200, body)


def test_wait_polls_each_report_until_done(connector, amazon_server, fake_clock):
    amazon_server.on(
        "GET", f"{REPORTS}/R1", report_status("R1", "IN_QUEUE"), report_status("R1", "DONE", "D1")
    )
    amazon_server.on(
        "GET",
        f"{REPORTS}/R2",
        report_status("R2", "IN_PROGRESS"),
        report_status("R2", "IN_PROGRESS"),
        report_status("R2", "DONE", "D2"),
    )
    polls = []
    result = connector.wait_for_bulk("R1,R2", poll_seconds=5, on_poll=polls.append)
    assert result["url"] == "D1,D2"
    assert result["rootObjectCount"] is None
    assert [p["processingStatus"] for p in polls] == [
        "IN_QUEUE",
        "DONE",
        "IN_PROGRESS",
        "IN_PROGRESS",
        "DONE",
    ]
    assert fake_clock.sleeps == [5, 5, 5]


def test_cancelled_means_no_data_and_yields_nothing(connector, amazon_server):
    amazon_server.on("GET", REPORT, lambda r: report_status(r.path.rsplit("/", 1)[1], "CANCELLED"))
    result = connector.wait_for_bulk("R1,R2")
    assert result["url"] == ""
    assert result["reports"] == {"R1": "CANCELLED", "R2": "CANCELLED"}
    before = len(amazon_server.requests)
    assert list(connector.iter_bulk("backfill", result["url"])) == []
    assert len(amazon_server.requests) == before


def test_a_cancelled_window_is_skipped_among_done_ones(connector, amazon_server):
    amazon_server.on("GET", f"{REPORTS}/R1", report_status("R1", "CANCELLED"))
    amazon_server.on("GET", f"{REPORTS}/R2", report_status("R2", "DONE", "D2"))
    assert connector.wait_for_bulk("R1,R2")["url"] == "D2"


def test_a_fatal_report_raises(connector, amazon_server):
    amazon_server.on("GET", REPORT, report_status("R9", "FATAL"))
    with pytest.raises(ConnectorError, match="R9.*FATAL") as caught:
        connector.wait_for_bulk("R9")
    assert caught.value.permanent is False


def test_a_report_that_never_finishes_times_out(connector, amazon_server, fake_clock):
    amazon_server.on("GET", REPORT, report_status("R1", "IN_PROGRESS"))
    with pytest.raises(ConnectorError, match="still IN_PROGRESS"):
        connector.wait_for_bulk("R1", poll_seconds=10, timeout_seconds=30)
    assert fake_clock.sleeps == [10, 10, 10]


def test_polling_stays_within_getreport_usage_plan(connector, amazon_server, fake_clock):
    amazon_server.on("GET", REPORT, report_status("R1", "IN_PROGRESS"))
    with pytest.raises(ConnectorError):
        connector.wait_for_bulk("R1", poll_seconds=0, timeout_seconds=0)
    amazon_server.on("GET", REPORT, report_status("R1", "DONE", "D1"))
    for _ in range(20):
        connector.wait_for_bulk("R1", poll_seconds=0)
    # 21 getReport calls: burst 15, then one per 0.5 s (2 rps)
    assert fake_clock.sleeps == [pytest.approx(0.5)] * 6


# --- iter_bulk ------------------------------------------------------------------------------------
def test_a_gzipped_report_streams_one_order_per_group(connector, amazon_server):
    kurta = report_row()
    dupatta = report_row(sku="DUPATTA-RED", asin="B0DUPATTA1", quantity="1")
    quoted = report_row(
        **{
            "amazon-order-id": "171-0000002-0000002",
            "product-name": '"Banarasi" Saree 5.5m \tSilk, 12" border',
            "purchase-date": "2024-05-02T10:00:00+05:30",
            "last-updated-date": "2024-05-02T12:00:00Z",
            "order-status": "Shipped - Delivered to Buyer",
        }
    )
    cancelled = report_row(
        **{
            "amazon-order-id": "171-0000003-0000003",
            "order-status": "Cancelled",
            "item-status": "Cancelled",
            "quantity": "0",
            "item-price": "",
        }
    )
    body = gzip.compress(tsv([kurta, dupatta, quoted, cancelled], newline="\r\n").encode())
    serve_document(amazon_server, "D1", body, gzipped=True)

    records = list(connector.iter_bulk("backfill", "D1"))

    assert [type(r) for r in records] == [tuple, tuple, tuple]
    first, second, third = (r[0] for r in records)
    assert first.external_id == "171-1234567-7654321"
    assert [(i.sku, i.quantity, i.unit_price) for i in first.items] == [
        ("KURTA-BLU-M", 2, D("499.00")),
        ("DUPATTA-RED", 1, D("998.00")),
    ]
    assert second.items[0].title == '"Banarasi" Saree 5.5m \tSilk, 12" border'
    assert second.status == OrderStatus.DELIVERED
    assert second.placed_at == datetime(2024, 5, 2, 4, 30, tzinfo=UTC)
    assert second.updated_at == datetime(2024, 5, 2, 12, 0, tzinfo=UTC)
    assert third.status == OrderStatus.CANCELLED
    assert third.items[0].quantity == 0
    (doc_request,) = amazon_server.calls("GET", DOCUMENT)
    assert doc_request.path == "/reports/2021-06-30/documents/D1"
    assert doc_request.headers["x-amz-access-token"]
    assert "x-amz-access-token" not in amazon_server.calls("GET", "/files/D1")[0].headers


def test_each_document_gets_a_fresh_url_in_order(connector, amazon_server):
    serve_document(amazon_server, "D1", tsv([report_row()]).encode(), gzipped=False)
    amazon_server.on(
        "GET",
        "/files/D2",
        Reply(200, tsv([report_row(**{"amazon-order-id": "171-0000009-0000009"})]).encode()),
    )
    records = list(connector.iter_bulk("orders", "D1,D2"))
    assert [r[0].external_id for r in records] == ["171-1234567-7654321", "171-0000009-0000009"]
    assert [r.path.rsplit("/", 1)[1] for r in amazon_server.calls("GET", DOCUMENT)] == ["D1", "D2"]


def test_the_response_charset_is_honoured(connector, amazon_server):
    row = report_row(**{"product-name": "Café Kurta – ₹ edition"})
    serve_document(
        amazon_server,
        "D1",
        tsv([row]).encode("utf-8"),
        gzipped=False,
        headers={"Content-Type": "text/plain;charset=UTF-8"},
    )
    ((dto,),) = list(connector.iter_bulk("backfill", "D1"))
    assert dto.items[0].title == "Café Kurta – ₹ edition"
    latin = report_row(**{"product-name": "Café Kurta"})
    serve_document(
        amazon_server,
        "D1",
        tsv([latin]).encode("cp1252"),
        gzipped=False,
        headers={"Content-Type": "text/plain;charset=Cp1252"},
    )
    ((dto,),) = list(connector.iter_bulk("backfill", "D1"))
    assert dto.items[0].title == "Café Kurta"
    serve_document(
        amazon_server,
        "D1",
        "\ufeff".encode() + tsv([row]).encode(),
        gzipped=False,
        headers={"Content-Type": "text/plain; charset=x-unknown-charset"},
    )
    ((dto,),) = list(connector.iter_bulk("backfill", "D1"))  # BOM dropped, UTF-8 assumed
    assert (dto.external_id, dto.items[0].title) == (
        "171-1234567-7654321",
        "Café Kurta – ₹ edition",
    )


def test_an_order_with_an_unreadable_row_is_quarantined_whole(connector, amazon_server):
    good = report_row(**{"amazon-order-id": "171-0000001-0000001"})
    text = tsv([good, report_row(), report_row(sku="B")])
    lines = text.splitlines()
    lines[2] = "\t".join(lines[2].split("\t")[:10])  # second row of order 171-1234567-…: cut short
    serve_document(amazon_server, "D1", ("\n".join(lines) + "\n").encode(), gzipped=False)
    records = list(connector.iter_bulk("backfill", "D1"))
    assert isinstance(records[0], tuple)
    failure = records[1]
    assert isinstance(failure, RecordFailure)
    assert failure.external_id == "171-1234567-7654321"
    assert "line 3: expected 33 columns, found 10" in failure.error
    assert len(failure.payload["report_rows"]) == 1
    assert len(records) == 2


def test_rows_are_read_and_grouped_lazily():
    def lines():
        yield "\t".join(REPORT_COLUMNS) + "\n"
        yield "\t".join(report_row().get(c, "") for c in REPORT_COLUMNS) + "\n"
        yield (
            "\t".join(
                report_row(**{"amazon-order-id": "171-0000002-0000002"}).get(c, "")
                for c in REPORT_COLUMNS
            )
            + "\n"
        )
        raise AssertionError("read past the second order")

    groups = group_report_orders(iter_report_rows(lines()))
    first = next(groups)
    assert [r["amazon-order-id"] for r in first] == ["171-1234567-7654321"]


def test_memory_does_not_grow_with_the_file(connector, amazon_server):
    rows = []
    for n in range(5000):
        rows.append(
            report_row(
                **{
                    "amazon-order-id": f"171-{n:07d}-0000001",
                    "product-name": f"Handloom cotton kurta, style {n}, " + "x" * 1200,
                }
            )
        )
    text = tsv(rows)
    assert len(text) > 6_000_000
    serve_document(amazon_server, "D1", gzip.compress(text.encode()), gzipped=True)
    del rows, text
    tracemalloc.start()
    try:
        count = sum(1 for _ in connector.iter_bulk("backfill", "D1"))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert count == 5000
    assert peak < 2_000_000, peak  # the file is over 6 MB


def test_the_report_columns_are_the_documented_ones():
    assert REPORT_COLUMNS[:3] == ("amazon-order-id", "merchant-order-id", "purchase-date")
    assert REPORT_COLUMNS[-1] == "is-iba"
    assert len(REPORT_COLUMNS) == 33
    assert "processingStatus" in json.dumps(model("reports_2021-06-30.json")["definitions"])
