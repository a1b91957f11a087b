"""Stock and price push: ``patchListingsItem`` per SKU (stock below ``FEED_MIN``, prices up to
five), a ``JSON_LISTINGS_FEED`` end to end for more — stock feeds submitted and their outcome
read later, price feeds waited for — with both feed documents checked against Amazon's JSON
Schemas."""

from __future__ import annotations

import gzip
import json
from decimal import Decimal

import jsonschema
import pytest

from integrations.connectors.amazon.listings import (
    FEED_CONTENT_TYPE,
    FEED_MIN,
    PATCH_MAX,
    build_listings_feed,
    price_patch,
    quantity_patch,
    results_from_processing_report,
)
from integrations.dto import PriceDTO, PushStatus, StockLevelDTO
from integrations.http import ConnectorError
from tests.integrations.amazon.conftest import SELLER, feed_schema, model, query
from tests.integrations.conftest import Recorded, Reply

PATCH = r"/listings/2021-08-01/items/.+"
FEED_DOCUMENTS = "/feeds/2021-06-30/documents"
FEEDS = "/feeds/2021-06-30/feeds"
FEED = r"/feeds/2021-06-30/feeds/[^/]+"
FEED_DOCUMENT = r"/feeds/2021-06-30/documents/[^/]+"


def patch_request_schema() -> dict:
    definitions = model("listingsItems_2021-08-01.json")["definitions"]
    return {"$ref": "#/definitions/ListingsItemPatchRequest", "definitions": definitions}


def accepted(request: Recorded) -> Reply:
    sku = request.path.rsplit("/", 1)[1]
    return Reply(
        200, {"sku": sku, "status": "ACCEPTED", "submissionId": f"sub-{sku}", "issues": []}
    )


# --- patchListingsItem ------------------------------------------------------------------------
def test_up_to_five_skus_are_patched_one_by_one(connector, amazon_server):
    amazon_server.on("PATCH", PATCH, accepted)
    levels = [StockLevelDTO(sku=f"SKU-{n}", quantity=n) for n in range(PATCH_MAX)]
    results = connector.push_inventory(levels)

    assert [(r.sku, r.status, r.submission_id) for r in results] == [
        (f"SKU-{n}", PushStatus.SUCCESS, f"sub-SKU-{n}") for n in range(5)
    ]
    requests = amazon_server.calls("PATCH")
    assert [r.path for r in requests] == [
        f"/listings/2021-08-01/items/{SELLER}/SKU-{n}" for n in range(5)
    ]
    for n, request in enumerate(requests):
        assert query(request) == {"marketplaceIds": "A21TJRUUN4KGV", "issueLocale": "en_US"}
        body = request.json()
        jsonschema.validate(body, patch_request_schema())
        assert body == {
            "productType": "PRODUCT",
            "patches": [
                {
                    "op": "replace",
                    "path": "/attributes/fulfillment_availability",
                    "value": [{"fulfillment_channel_code": "DEFAULT", "quantity": n}],
                }
            ],
        }
        assert request.headers["x-amz-access-token"]
    assert amazon_server.calls("POST", FEED_DOCUMENTS) == []


def test_prices_are_patched_as_tax_inclusive_offers(make_connector, amazon_server):
    amazon_server.on("PATCH", PATCH, accepted)
    connector = make_connector(marketplace_ids="A21TJRUUN4KGV")
    (result,) = connector.push_prices([PriceDTO(sku="KURTA/BLU M", price=Decimal("499.5"))])
    assert result.ok
    (request,) = amazon_server.calls("PATCH")
    assert request.path == f"/listings/2021-08-01/items/{SELLER}/KURTA%2FBLU%20M"
    assert request.json()["patches"] == [
        {
            "op": "replace",
            "path": "/attributes/purchasable_offer",
            "value": [
                {
                    "marketplace_id": "A21TJRUUN4KGV",
                    "currency": "INR",
                    "audience": "ALL",
                    "our_price": [{"schedule": [{"value_with_tax": 499.5}]}],
                }
            ],
        }
    ]


def test_patch_outcomes_are_reported_per_sku(connector, amazon_server):
    def reply(request: Recorded) -> Reply:
        sku = request.path.rsplit("/", 1)[1]
        if sku == "WARN":
            issues = [{"code": "18448", "message": "Incomplete", "severity": "WARNING"}]
            return Reply(
                200, {"sku": sku, "status": "ACCEPTED", "submissionId": "s1", "issues": issues}
            )
        if sku == "INVALID":
            issues = [
                {"code": "90000900", "message": "The attributes are invalid.", "severity": "ERROR"}
            ]
            return Reply(
                200, {"sku": sku, "status": "INVALID", "submissionId": "s2", "issues": issues}
            )
        if sku == "MISSING":
            return Reply(404, {"errors": [{"code": "NOT_FOUND", "message": "SKU not found"}]})
        return Reply(400, {"errors": [{"code": "BAD_REQUEST", "message": "Invalid input"}]})

    amazon_server.on("PATCH", PATCH, reply)
    results = connector.push_inventory(
        [StockLevelDTO(sku=s, quantity=1) for s in ("WARN", "INVALID", "MISSING", "BAD")]
    )
    assert [(r.sku, r.status) for r in results] == [
        ("WARN", PushStatus.WARNING),
        ("INVALID", PushStatus.FAILURE),
        ("MISSING", PushStatus.FAILURE),
        ("BAD", PushStatus.FAILURE),
    ]
    assert results[0].issues == ("18448: Incomplete",)
    assert results[1].message == "90000900: The attributes are invalid."
    assert "SKU not found" in results[2].message
    assert "BAD_REQUEST" in results[3].message


def test_a_refused_token_on_patch_is_permanent(connector, amazon_server):
    amazon_server.on("PATCH", PATCH, Reply(403, {"errors": [{"code": "Unauthorized"}]}))
    with pytest.raises(ConnectorError) as caught:
        connector.push_inventory([StockLevelDTO(sku="A", quantity=1)])
    assert caught.value.permanent is True


def test_a_persistent_server_error_on_patch_fails_that_sku_and_the_rest(connector, amazon_server):
    amazon_server.on("PATCH", PATCH, Reply(503, {"errors": [{"code": "ServiceUnavailable"}]}))
    results = connector.push_inventory(
        [StockLevelDTO(sku="A", quantity=1), StockLevelDTO(sku="B", quantity=2)]
    )
    assert [(r.sku, r.status) for r in results] == [
        ("A", PushStatus.FAILURE),
        ("B", PushStatus.FAILURE),
    ]
    assert "503" in results[0].message
    assert results[1].message.startswith("not sent: ")
    assert len(amazon_server.calls("PATCH")) == 3  # PATCH of absolute values is retried; B waits


def test_stock_below_the_feed_minimum_is_patched_not_fed(connector, amazon_server):
    """Feeds are for bulk: ``createFeed`` allows a burst of 15, then one per 120 s."""
    amazon_server.on("PATCH", PATCH, accepted)
    count = min(FEED_MIN - 1, 12)
    results = connector.push_inventory(
        [StockLevelDTO(sku=f"SKU-{n}", quantity=n) for n in range(count)]
    )
    assert [r.status for r in results] == [PushStatus.SUCCESS] * count
    assert len(amazon_server.calls("PATCH")) == count
    assert amazon_server.calls("POST", FEEDS) == []
    assert connector.push_run_max is not None
    assert connector.push_run_max < FEED_MIN


def test_nothing_to_push_makes_no_request(connector, amazon_server):
    assert connector.push_inventory([]) == []
    assert connector.push_prices([]) == []
    assert amazon_server.requests == []


# --- JSON_LISTINGS_FEED -------------------------------------------------------------------------
def processing_report(feed_id: str, issues: list[dict]) -> dict:
    return {
        "header": {"sellerId": SELLER, "version": "2.0", "feedId": feed_id},
        "issues": issues,
        "summary": {
            "errors": sum(i["severity"] == "ERROR" for i in issues),
            "warnings": sum(i["severity"] == "WARNING" for i in issues),
            "messagesProcessed": 7,
            "messagesAccepted": 6,
            "messagesInvalid": 1,
        },
    }


def script_feed(amazon_server, *, statuses, report=None, gzipped=True):
    upload_url = f"{amazon_server.url}/files/feed-upload?X-Amz-Signature=abc"
    amazon_server.on(
        "POST", FEED_DOCUMENTS, Reply(201, {"feedDocumentId": "FD-IN", "url": upload_url})
    )
    amazon_server.on("PUT", "/files/feed-upload", Reply(200, b"", headers={"ETag": '"e"'}))
    amazon_server.on("POST", FEEDS, Reply(202, {"feedId": "F1"}))
    feed_replies = []
    for status in statuses:
        body = {
            "feedId": "F1",
            "feedType": "JSON_LISTINGS_FEED",
            "createdTime": "2024-05-01T00:00:00Z",
            "processingStatus": status,
        }
        if status in ("DONE", "FATAL") and report is not None:
            body["resultFeedDocumentId"] = "FD-OUT"
        feed_replies.append(Reply(200, body))
    amazon_server.on("GET", FEED, *feed_replies)
    document = {"feedDocumentId": "FD-OUT", "url": f"{amazon_server.url}/files/feed-result"}
    if gzipped:
        document["compressionAlgorithm"] = "GZIP"
    amazon_server.on("GET", FEED_DOCUMENT, Reply(200, document))
    if report is not None:
        data = json.dumps(report).encode()
        amazon_server.on(
            "GET", "/files/feed-result", Reply(200, gzip.compress(data) if gzipped else data)
        )


def test_bulk_stock_goes_as_one_feed_submitted_then_read(connector, amazon_server, fake_clock):
    issues = [
        {"messageId": 2, "sku": "SKU-2", "code": "90220", "severity": "ERROR", "message": "bad"},
        {"messageId": 2, "sku": "SKU-2", "code": "90221", "severity": "ERROR", "message": "worse"},
        {"messageId": 3, "sku": "SKU-3", "code": "18448", "severity": "WARNING", "message": "meh"},
        {"messageId": 5, "sku": "SKU-5", "code": "1", "severity": "INFO", "message": "fyi"},
    ]
    report = processing_report("F1", issues)
    jsonschema.validate(report, feed_schema("listings-feed-processing-report-schema-v2.json"))
    script_feed(amazon_server, statuses=["IN_QUEUE", "IN_PROGRESS", "DONE"], report=report)
    levels = [StockLevelDTO(sku=f"SKU-{n}", quantity=10 * n) for n in range(1, 8)]
    connector.push_bulk_min = 7

    submitted = connector.push_inventory(levels)

    # Submitted, not waited for: the worker is free while Amazon processes the feed.
    assert {(r.status, r.submission_id) for r in submitted} == {(PushStatus.SUBMITTED, "F1")}
    assert len(amazon_server.sp_calls()) == 3
    skus = [level.sku for level in levels]
    assert connector.push_outcome("F1", skus) is None  # IN_QUEUE
    assert connector.push_outcome("F1", skus) is None  # IN_PROGRESS
    results = connector.push_outcome("F1", skus)

    assert [(r.sku, r.status) for r in results] == [
        ("SKU-1", PushStatus.SUCCESS),
        ("SKU-2", PushStatus.FAILURE),
        ("SKU-3", PushStatus.WARNING),
        ("SKU-4", PushStatus.SUCCESS),
        ("SKU-5", PushStatus.SUCCESS),
        ("SKU-6", PushStatus.SUCCESS),
        ("SKU-7", PushStatus.SUCCESS),
    ]
    assert results[1].message == "90220: bad"
    assert results[1].issues == ("90220: bad", "90221: worse")
    assert {r.submission_id for r in results} == {"F1"}
    assert [(r.method, r.path) for r in amazon_server.sp_calls()] == [
        ("POST", FEED_DOCUMENTS),
        ("PUT", "/files/feed-upload"),
        ("POST", FEEDS),
        ("GET", f"{FEEDS}/F1"),
        ("GET", f"{FEEDS}/F1"),
        ("GET", f"{FEEDS}/F1"),
        ("GET", f"{FEED_DOCUMENTS}/FD-OUT"),
        ("GET", "/files/feed-result"),
    ]
    create_document, upload, create_feed = amazon_server.sp_calls()[:3]
    assert create_document.json() == {"contentType": FEED_CONTENT_TYPE}
    assert upload.headers["Content-Type"] == FEED_CONTENT_TYPE
    assert upload.query == "X-Amz-Signature=abc"  # the presigned URL is used verbatim
    assert "x-amz-access-token" not in upload.headers
    assert create_feed.json() == {
        "feedType": "JSON_LISTINGS_FEED",
        "marketplaceIds": ["A21TJRUUN4KGV"],
        "inputFeedDocumentId": "FD-IN",
    }
    feed = json.loads(upload.body)
    jsonschema.validate(feed, feed_schema("listings-feed-schema-v2.json"))
    assert feed["header"] == {"sellerId": SELLER, "version": "2.0", "issueLocale": "en_US"}
    assert [(m["messageId"], m["sku"], m["operationType"]) for m in feed["messages"]] == [
        (n, f"SKU-{n}", "PATCH") for n in range(1, 8)
    ]
    assert feed["messages"][2]["patches"] == [quantity_patch(30)]
    assert fake_clock.sleeps == []


def test_a_price_feed_validates_against_the_feed_schema(connector, amazon_server):
    script_feed(amazon_server, statuses=["DONE"], report=processing_report("F1", []), gzipped=False)
    prices = [PriceDTO(sku=f"SKU-{n}", price=Decimal(f"{n}99.00")) for n in range(1, 7)]
    results = connector.push_prices(prices)
    assert all(r.status == PushStatus.SUCCESS for r in results)
    feed = json.loads(amazon_server.calls("PUT")[0].body)
    jsonschema.validate(feed, feed_schema("listings-feed-schema-v2.json"))
    assert feed["messages"][0]["patches"] == [
        price_patch(Decimal("199.00"), "INR", ["A21TJRUUN4KGV"])
    ]


def test_the_official_processing_report_example_maps_to_skus():
    example = feed_schema("listings-feed-processing-report-schema-v2.example.json")
    jsonschema.validate(example, feed_schema("listings-feed-processing-report-schema-v2.json"))
    skus = ["My-SKU-A", "My-SKU-B", "My-SKU-C", "My-SKU-D", "My-SKU-E"]
    results = results_from_processing_report(example, skus, "1234567890")
    assert [(r.sku, r.status) for r in results] == [
        ("My-SKU-A", PushStatus.SUCCESS),
        ("My-SKU-B", PushStatus.SUCCESS),
        ("My-SKU-C", PushStatus.SUCCESS),
        ("My-SKU-D", PushStatus.FAILURE),  # messageId 4: two ERRORs
        ("My-SKU-E", PushStatus.FAILURE),  # messageId 5
    ]
    assert len(results[3].issues) == 2
    assert results[4].message.startswith("99022: The field")


def test_an_issue_without_message_id_fails_every_sku():
    report = processing_report("F1", [{"severity": "ERROR", "message": "Invalid JSON"}])
    jsonschema.validate(report, feed_schema("listings-feed-processing-report-schema-v2.json"))
    results = results_from_processing_report(report, ["A", "B"], "F1")
    assert [(r.sku, r.status, r.message) for r in results] == [
        ("A", PushStatus.FAILURE, "Invalid JSON"),
        ("B", PushStatus.FAILURE, "Invalid JSON"),
    ]


def submit(connector, count: int = 6) -> list[str]:
    connector.push_bulk_min = count
    levels = [StockLevelDTO(sku=f"S{n}", quantity=1) for n in range(count)]
    assert {r.status for r in connector.push_inventory(levels)} == {PushStatus.SUBMITTED}
    return [level.sku for level in levels]


@pytest.mark.parametrize("status", ["FATAL", "CANCELLED"])
def test_a_fatal_or_cancelled_feed_fails_every_sku(connector, amazon_server, status):
    script_feed(amazon_server, statuses=[status])
    results = connector.push_outcome("F1", submit(connector))
    assert {r.status for r in results} == {PushStatus.FAILURE}
    assert all("feed F1" in r.message for r in results)
    assert amazon_server.calls("GET", FEED_DOCUMENT) == []


def test_a_fatal_feed_with_a_report_keeps_its_issues_and_fails_the_rest(connector, amazon_server):
    report = processing_report(
        "F1", [{"messageId": 1, "sku": "S0", "code": "8541", "severity": "ERROR", "message": "x"}]
    )
    script_feed(amazon_server, statuses=["FATAL"], report=report)
    results = connector.push_outcome("F1", submit(connector))
    assert results[0].message == "8541: x"
    assert {r.status for r in results} == {PushStatus.FAILURE}
    assert "FATAL" in results[1].message


def test_a_price_feed_that_never_finishes_raises(connector, amazon_server, fake_clock):
    script_feed(amazon_server, statuses=["IN_PROGRESS"])
    connector.feed_timeout_seconds = 60
    prices = [PriceDTO(sku=f"S{n}", price=Decimal("10")) for n in range(PATCH_MAX + 1)]
    with pytest.raises(ConnectorError, match="still IN_PROGRESS"):
        connector.push_prices(prices)
    assert fake_clock.sleeps == [connector.feed_poll_seconds] * 2


def test_the_feed_builder_matches_the_schema_for_many_messages():
    feed = build_listings_feed(SELLER, [(f"S{n}", quantity_patch(-3)) for n in range(50)])
    jsonschema.validate(feed, feed_schema("listings-feed-schema-v2.json"))
    assert feed["messages"][0]["patches"][0]["value"] == [
        {"fulfillment_channel_code": "DEFAULT", "quantity": 0}
    ]
