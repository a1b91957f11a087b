"""The sandbox over real HTTP (pytest-django's live server on loopback), the way the
connector reaches it: LWA, getOrders, and a report downloaded from its absolute presigned URL."""

from __future__ import annotations

import csv
import gzip
import io
from datetime import timedelta

import pytest
import requests

from sandbox.amazon import services
from sandbox.amazon.reports import COLUMNS
from sandbox.kernel import clock
from tests.sandbox.amazon.conftest import (
    CLIENT_ID,
    CLIENT_SECRET,
    MARKETPLACE,
    REFRESH_TOKEN,
    SELLER,
)


@pytest.mark.django_db(transaction=True)
def test_connector_style_session_over_http(live_server):
    services.seed_seller(
        seller_id=SELLER,
        orders=30,
        days=10,
        products=6,
        variants=18,
        client_id=CLIENT_ID,
        client_secret=CLIENT_SECRET,
        refresh_token=REFRESH_TOKEN,
    )
    services.set_job_polls(SELLER, queue=0, progress=0)
    base = f"{live_server.url}/sandbox/amazon/{SELLER}"
    http = requests.Session()

    token = http.post(
        f"{base}/auth/o2/token",
        data={
            "grant_type": "refresh_token",
            "refresh_token": REFRESH_TOKEN,
            "client_id": CLIENT_ID,
            "client_secret": CLIENT_SECRET,
        },
        timeout=10,
    ).json()["access_token"]
    http.headers["x-amz-access-token"] = token
    since = (clock.now() - timedelta(days=30)).strftime("%Y-%m-%dT%H:%M:%SZ")
    orders = http.get(
        f"{base}/orders/v0/orders",
        params={"MarketplaceIds": MARKETPLACE, "LastUpdatedAfter": since},
        timeout=10,
    )
    report_id = http.post(
        f"{base}/reports/2021-06-30/reports",
        json={
            "reportType": "GET_FLAT_FILE_ALL_ORDERS_DATA_BY_ORDER_DATE_GENERAL",
            "marketplaceIds": [MARKETPLACE],
            "dataStartTime": since,
        },
        timeout=10,
    ).json()["reportId"]
    report = http.get(f"{base}/reports/2021-06-30/reports/{report_id}", timeout=10).json()
    document = http.get(
        f"{base}/reports/2021-06-30/documents/{report['reportDocumentId']}", timeout=10
    ).json()
    data = requests.get(document["url"], timeout=10)

    assert orders.status_code == 200
    assert orders.headers["x-amzn-RateLimit-Limit"] == "0.0167"
    assert len(orders.json()["payload"]["Orders"]) == 30
    assert report["processingStatus"] == "DONE"
    assert document["url"].startswith(live_server.url)
    rows = list(
        csv.reader(
            io.StringIO(gzip.decompress(data.content).decode()),
            delimiter="\t",
            quoting=csv.QUOTE_NONE,
        )
    )
    assert tuple(rows[0]) == COLUMNS
    assert len(rows) > 30
