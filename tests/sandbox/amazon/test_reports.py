"""Reports API 2021-06-30: the order report lifecycle, its gzip'd TSV document, FATAL and
CANCELLED endings, refused settlement requests and the report list."""

from __future__ import annotations

import csv
import gzip
import io
from datetime import timedelta

import pytest

from sandbox.amazon import services
from sandbox.amazon.models import SandboxAmazonOrderItem
from sandbox.amazon.reports import COLUMNS
from sandbox.kernel import clock
from tests.sandbox.amazon.conftest import MARKETPLACE, SELLER, assert_matches_model

REPORTS = "/reports/2021-06-30/reports"
REPORT = "/reports/2021-06-30/reports/{reportId}"
DOCUMENT = "/reports/2021-06-30/documents/{reportDocumentId}"
MODEL = "reports_2021-06-30.json"
BY_UPDATE = "GET_FLAT_FILE_ALL_ORDERS_DATA_BY_LAST_UPDATE_GENERAL"
BY_DATE = "GET_FLAT_FILE_ALL_ORDERS_DATA_BY_ORDER_DATE_GENERAL"


def request_report(sp, report_type: str = BY_UPDATE, days: int = 30, **extra) -> str:
    body = {
        "reportType": report_type,
        "marketplaceIds": [MARKETPLACE],
        "dataStartTime": (clock.now() - timedelta(days=days)).isoformat(),
        "dataEndTime": clock.now().isoformat(),
        **extra,
    }
    response = sp.post(REPORTS, body)
    assert response.status_code == 202, response.content
    assert_matches_model(MODEL, REPORTS, "post", 202, response.json())
    return response.json()["reportId"]


def poll_until_done(sp, report_id: str) -> list[dict]:
    seen = []
    for _ in range(10):
        response = sp.get(REPORT.format(reportId=report_id))
        assert response.status_code == 200
        assert_matches_model(MODEL, REPORT, "get", 200, response.json())
        seen.append(response.json())
        if seen[-1]["processingStatus"] in ("DONE", "CANCELLED", "FATAL"):
            return seen
    raise AssertionError("report never finished")


def download(sp, document_id: str) -> tuple[dict, bytes]:
    meta = sp.get(DOCUMENT.format(reportDocumentId=document_id))
    assert meta.status_code == 200
    assert_matches_model(MODEL, DOCUMENT, "get", 200, meta.json())
    response = sp.client.get(meta.json()["url"])
    assert response.status_code == 200
    return meta.json(), b"".join(response.streaming_content)


def test_report_moves_through_queue_and_progress_to_done(fast, sp):
    report_id = request_report(sp)

    states = poll_until_done(sp, report_id)

    assert [s["processingStatus"] for s in states] == ["IN_QUEUE", "IN_PROGRESS", "DONE"]
    done = states[-1]
    assert done["reportType"] == BY_UPDATE
    assert done["marketplaceIds"] == [MARKETPLACE]
    assert done["reportDocumentId"].startswith("amzn1.spdoc.")
    assert "processingStartTime" in done
    assert "processingEndTime" in done


def test_polls_per_stage_are_configurable(fast, sp):
    services.set_job_polls(SELLER, queue=0, progress=0)

    states = poll_until_done(sp, request_report(sp))

    assert [s["processingStatus"] for s in states] == ["DONE"]


def test_report_document_is_gzip_tsv_with_amazons_columns(fast, sp):
    done = poll_until_done(sp, request_report(sp))[-1]

    meta, data = download(sp, done["reportDocumentId"])

    assert meta["compressionAlgorithm"] == "GZIP"
    text = gzip.decompress(data).decode("utf-8")
    lines = text.splitlines()
    assert lines[0].split("\t") == list(COLUMNS)
    rows = list(csv.DictReader(io.StringIO(text), delimiter="\t", quoting=csv.QUOTE_NONE))
    assert len(rows) == SandboxAmazonOrderItem.objects.count()
    assert all(len(line.split("\t")) == len(COLUMNS) for line in lines)
    row = next(r for r in rows if r["order-status"] == "Shipped")
    item = SandboxAmazonOrderItem.objects.get(
        seller_sku=row["sku"], order__amazon_order_id=row["amazon-order-id"]
    )
    assert row["item-price"] == f"{item.item_price:.2f}"
    assert row["quantity"] == str(item.quantity_ordered)
    assert row["currency"] == "INR"
    assert row["purchase-date"].endswith("+00:00")
    assert row["sales-channel"] == "Amazon.in"
    assert row["fulfillment-channel"] in ("Amazon", "Merchant")


def test_product_names_keep_bare_double_quotes(fast, sp):
    done = poll_until_done(sp, request_report(sp))[-1]

    _, data = download(sp, done["reportDocumentId"])

    text = gzip.decompress(data).decode("utf-8")
    quoted = [line for line in text.splitlines() if '" chest' in line]
    assert quoted, "apparel titles give chest sizes in inches"
    assert all('"' not in line.split("\t")[0] for line in quoted)
    name = quoted[0].split("\t")[COLUMNS.index("product-name")]
    assert not name.startswith('"')
    assert '" chest' in name


def test_order_date_report_selects_by_purchase_date(fast, sp):
    done = poll_until_done(sp, request_report(sp, BY_DATE, days=2))[-1]

    _, data = download(sp, done["reportDocumentId"])

    rows = list(
        csv.DictReader(
            io.StringIO(gzip.decompress(data).decode()), delimiter="\t", quoting=csv.QUOTE_NONE
        )
    )
    expected = SandboxAmazonOrderItem.objects.filter(
        order__purchase_date__gte=clock.now() - timedelta(days=2)
    ).count()
    assert len(rows) == expected
    assert expected < SandboxAmazonOrderItem.objects.count()


def test_report_of_an_empty_window_is_cancelled(fast, sp):
    start = clock.now() - timedelta(days=400)
    body = {
        "reportType": BY_UPDATE,
        "marketplaceIds": [MARKETPLACE],
        "dataStartTime": start.isoformat(),
        "dataEndTime": (start + timedelta(days=1)).isoformat(),
    }
    report_id = sp.post(REPORTS, body).json()["reportId"]

    final = poll_until_done(sp, report_id)[-1]

    assert final["processingStatus"] == "CANCELLED"
    assert "reportDocumentId" not in final


def test_fault_report_makes_the_next_report_fatal(fast, sp):
    services.fault_report(SELLER)

    fatal = poll_until_done(sp, request_report(sp))[-1]
    after = poll_until_done(sp, request_report(sp))[-1]

    assert fatal["processingStatus"] == "FATAL"
    assert "reportDocumentId" not in fatal
    assert after["processingStatus"] == "DONE"


@pytest.mark.parametrize(
    ("report_type", "number"),
    [
        ("GET_V2_SETTLEMENT_REPORT_DATA_FLAT_FILE_V2", 1118),
        ("GET_V2_SETTLEMENT_REPORT_DATA_FLAT_FILE", 1117),
    ],
)
def test_settlement_reports_cannot_be_requested(sp, report_type, number):
    response = sp.post(REPORTS, {"reportType": report_type, "marketplaceIds": [MARKETPLACE]})

    assert response.status_code == 400
    assert_matches_model(MODEL, REPORTS, "post", 400, response.json())
    assert response.json()["errors"][0] == {
        "code": "InvalidInput",
        "message": f"Request for report type {number} is not allowed at this time",
        "details": "",
    }


@pytest.mark.parametrize(
    "body",
    [
        {"marketplaceIds": [MARKETPLACE]},
        {"reportType": BY_UPDATE},
        {"reportType": BY_UPDATE, "marketplaceIds": ["ATVPDKIKX0DER"]},
        {"reportType": BY_UPDATE, "marketplaceIds": [MARKETPLACE], "dataStartTime": "soon"},
        {"reportType": "GET_MERCHANT_LISTINGS_ALL_DATA", "marketplaceIds": [MARKETPLACE]},
    ],
)
def test_bad_report_specifications_are_refused(fast, sp, body):
    response = sp.post(REPORTS, body)

    assert response.status_code == 400
    assert_matches_model(MODEL, REPORTS, "post", 400, response.json())


def test_unknown_report_is_not_found(sp):
    response = sp.get(REPORT.format(reportId="999"))

    assert response.status_code == 404
    assert_matches_model(MODEL, REPORT, "get", 404, response.json())


def test_report_list_pages_with_lower_case_next_token(fast, sp):
    created = [request_report(sp) for _ in range(3)]

    first = sp.get(REPORTS, reportTypes=BY_UPDATE, pageSize=2)
    body = first.json()
    assert_matches_model(MODEL, REPORTS, "get", 200, body)
    second = sp.get(REPORTS, nextToken=body["nextToken"]).json()

    listed = [r["reportId"] for r in body["reports"] + second["reports"]]
    assert listed == list(reversed(created))
    assert "nextToken" not in second
    assert {r["processingStatus"] for r in body["reports"]} == {"IN_QUEUE"}


def test_report_list_refuses_next_token_with_other_parameters(fast, sp):
    request_report(sp)
    request_report(sp)
    token = sp.get(REPORTS, reportTypes=BY_UPDATE, pageSize=1).json()["nextToken"]

    mixed = sp.get(REPORTS, nextToken=token, pageSize=1)
    none = sp.get(REPORTS)

    assert mixed.status_code == 400
    assert none.status_code == 400
    assert_matches_model(MODEL, REPORTS, "get", 400, none.json())


def test_document_url_expires_after_five_minutes(fast, sp, frozen_clock):
    done = poll_until_done(sp, request_report(sp))[-1]
    url = sp.get(DOCUMENT.format(reportDocumentId=done["reportDocumentId"])).json()["url"]

    frozen_clock.advance(301)
    expired = sp.client.get(url)
    forged = sp.client.get(url.replace("Signature=", "Signature=0"))

    assert expired.status_code == 403
    assert b"<Code>AccessDenied</Code>" in expired.content
    assert forged.status_code == 403


def test_content_encoding_option_marks_the_download_gzip(fast, sp):
    done = poll_until_done(sp, request_report(sp))[-1]

    meta = sp.get(
        DOCUMENT.format(reportDocumentId=done["reportDocumentId"]),
        enableContentEncodingUrlHeader="true",
    ).json()
    response = sp.client.get(meta["url"])

    assert response["Content-Encoding"] == "gzip"
