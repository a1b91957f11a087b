"""Feeds API 2021-06-30 with JSON_LISTINGS_FEED: upload, lifecycle, processing report."""

from __future__ import annotations

import json

import pytest
from jsonschema import Draft7Validator

from sandbox.amazon import services
from sandbox.amazon.models import SandboxAmazonListing
from tests.sandbox.amazon.conftest import MARKETPLACE, SELLER, assert_matches_model, feed_schema

DOCUMENTS = "/feeds/2021-06-30/documents"
DOCUMENT = "/feeds/2021-06-30/documents/{feedDocumentId}"
FEEDS = "/feeds/2021-06-30/feeds"
FEED = "/feeds/2021-06-30/feeds/{feedId}"
MODEL = "feeds_2021-06-30.json"
CONTENT_TYPE = "application/json; charset=UTF-8"


def quantity_patch(message_id: int, sku: str, quantity: int) -> dict:
    return {
        "messageId": message_id,
        "sku": sku,
        "operationType": "PATCH",
        "productType": "PRODUCT",
        "patches": [
            {
                "op": "replace",
                "path": "/attributes/fulfillment_availability",
                "value": [{"fulfillment_channel_code": "DEFAULT", "quantity": quantity}],
            }
        ],
    }


def price_patch(message_id: int, sku: str, price: float) -> dict:
    offer = {
        "marketplace_id": MARKETPLACE,
        "currency": "INR",
        "audience": "ALL",
        "our_price": [{"schedule": [{"value_with_tax": price}]}],
    }
    return {
        "messageId": message_id,
        "sku": sku,
        "operationType": "PATCH",
        "productType": "PRODUCT",
        "patches": [{"op": "replace", "path": "/attributes/purchasable_offer", "value": [offer]}],
    }


def feed(*messages: dict) -> bytes:
    header = {"sellerId": SELLER, "version": "2.0", "issueLocale": "en_US"}
    return json.dumps({"header": header, "messages": list(messages)}).encode()


def submit(sp, content: bytes) -> str:
    created = sp.post(DOCUMENTS, {"contentType": CONTENT_TYPE})
    assert created.status_code == 201
    assert_matches_model(MODEL, DOCUMENTS, "post", 201, created.json())
    upload = sp.client.put(created.json()["url"], data=content, content_type=CONTENT_TYPE)
    assert upload.status_code == 200
    response = sp.post(
        FEEDS,
        {
            "feedType": "JSON_LISTINGS_FEED",
            "marketplaceIds": [MARKETPLACE],
            "inputFeedDocumentId": created.json()["feedDocumentId"],
        },
    )
    assert response.status_code == 202, response.content
    assert_matches_model(MODEL, FEEDS, "post", 202, response.json())
    return response.json()["feedId"]


def finish(sp, feed_id: str) -> list[dict]:
    states = []
    for _ in range(10):
        response = sp.get(FEED.format(feedId=feed_id))
        assert response.status_code == 200
        assert_matches_model(MODEL, FEED, "get", 200, response.json())
        states.append(response.json())
        if states[-1]["processingStatus"] in ("DONE", "FATAL", "CANCELLED"):
            return states
    raise AssertionError("feed never finished")


def processing_report(sp, state: dict) -> dict:
    meta = sp.get(DOCUMENT.format(feedDocumentId=state["resultFeedDocumentId"]))
    assert meta.status_code == 200
    assert_matches_model(MODEL, DOCUMENT, "get", 200, meta.json())
    response = sp.client.get(meta.json()["url"])
    report = json.loads(b"".join(response.streaming_content))
    schema = feed_schema("listings-feed-processing-report-schema-v2.json")
    problems = [e.message for e in Draft7Validator(schema).iter_errors(report)]
    assert not problems, problems
    return report


@pytest.fixture
def skus(seller) -> list[str]:
    return list(SandboxAmazonListing.objects.order_by("sku").values_list("sku", flat=True)[:3])


def test_valid_feed_sets_quantities_and_prices(fast, sp, skus):
    feed_id = submit(sp, feed(quantity_patch(1, skus[0], 17), price_patch(2, skus[1], 1299.0)))

    states = finish(sp, feed_id)

    assert [s["processingStatus"] for s in states] == ["IN_QUEUE", "IN_PROGRESS", "DONE"]
    report = processing_report(sp, states[-1])
    assert report["header"]["feedId"] == feed_id
    assert report["issues"] == []
    assert report["summary"]["messagesProcessed"] == 2
    assert report["summary"]["messagesAccepted"] == 2
    assert services.listing_quantity(SELLER, skus[0]) == 17
    assert str(SandboxAmazonListing.objects.get(sku=skus[1]).price) == "1299.00"


def test_invalid_and_unknown_messages_are_reported_and_not_applied(fast, sp, skus):
    before = services.listing_quantity(SELLER, skus[1])
    broken = quantity_patch(2, skus[1], 5)
    del broken["productType"]
    negative = quantity_patch(4, skus[2], -3)

    report = processing_report(
        sp,
        finish(
            sp,
            submit(
                sp,
                feed(
                    quantity_patch(1, skus[0], 9),
                    broken,
                    quantity_patch(3, "NO-SUCH-SKU", 2),
                    negative,
                ),
            ),
        )[-1],
    )

    by_message = {issue["messageId"]: issue for issue in report["issues"]}
    assert by_message[2]["code"] == "BAD_REQUEST"
    assert by_message[2]["severity"] == "ERROR"
    assert by_message[3]["code"] == "13013"
    assert by_message[3]["sku"] == "NO-SUCH-SKU"
    assert by_message[4]["attributeName"] == "fulfillment_availability"
    assert report["summary"]["messagesProcessed"] == 4
    assert report["summary"]["messagesAccepted"] == 1
    assert report["summary"]["messagesInvalid"] == 3
    assert report["summary"]["errors"] == 3
    assert services.listing_quantity(SELLER, skus[0]) == 9
    assert services.listing_quantity(SELLER, skus[1]) == before


def test_unparseable_feed_reports_one_issue_and_processes_nothing(fast, sp, skus):
    report = processing_report(sp, finish(sp, submit(sp, b"{not json"))[-1])

    assert report["issues"] == [
        {"code": "4002001", "severity": "ERROR", "message": "Item 'Feed' cannot be parsed."}
    ]
    assert report["summary"]["messagesProcessed"] == 0


def test_included_data_adds_items_to_the_report(fast, sp, skus):
    document = json.loads(feed(quantity_patch(1, skus[0], 4)))
    document["header"]["report"] = {
        "includedData": ["fulfillmentAvailability"],
        "apiVersion": "2021-08-01",
    }

    report = processing_report(sp, finish(sp, submit(sp, json.dumps(document).encode()))[-1])

    assert report["items"] == [
        {
            "sku": skus[0],
            "fulfillmentAvailability": [{"fulfillmentChannelCode": "DEFAULT", "quantity": 4}],
        }
    ]
    assert report["summary"]["itemSummary"]["items"] == 1


def test_feed_whose_document_was_never_uploaded_is_fatal(fast, sp):
    created = sp.post(DOCUMENTS, {"contentType": CONTENT_TYPE}).json()
    feed_id = sp.post(
        FEEDS,
        {
            "feedType": "JSON_LISTINGS_FEED",
            "marketplaceIds": [MARKETPLACE],
            "inputFeedDocumentId": created["feedDocumentId"],
        },
    ).json()["feedId"]

    assert finish(sp, feed_id)[-1]["processingStatus"] == "FATAL"


def test_upload_with_another_content_type_is_refused(fast, sp):
    created = sp.post(DOCUMENTS, {"contentType": CONTENT_TYPE}).json()

    response = sp.client.put(created["url"], data=b"a\tb", content_type="text/tab-separated-values")

    assert response.status_code == 403
    assert b"SignatureDoesNotMatch" in response.content


@pytest.mark.parametrize(
    "body",
    [
        {
            "feedType": "POST_PRODUCT_DATA",
            "marketplaceIds": [MARKETPLACE],
            "inputFeedDocumentId": "x",
        },
        {
            "feedType": "JSON_LISTINGS_FEED",
            "marketplaceIds": [MARKETPLACE],
            "inputFeedDocumentId": "x",
        },
        {"feedType": "JSON_LISTINGS_FEED", "inputFeedDocumentId": "x"},
    ],
)
def test_bad_feed_requests_are_refused(fast, sp, body):
    response = sp.post(FEEDS, body)

    assert response.status_code == 400
    assert_matches_model(MODEL, FEEDS, "post", 400, response.json())


def test_feed_document_needs_a_content_type(sp):
    response = sp.post(DOCUMENTS, {})

    assert response.status_code == 400
    assert_matches_model(MODEL, DOCUMENTS, "post", 400, response.json())


def test_unknown_feed_is_not_found(sp):
    response = sp.get(FEED.format(feedId="123"))

    assert response.status_code == 404
    assert_matches_model(MODEL, FEED, "get", 404, response.json())
