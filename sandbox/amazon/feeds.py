"""Feeds API 2021-06-30 with JSON_LISTINGS_FEED (channel-apis.md §2.4).

createFeedDocument returns an upload URL; the client PUTs the feed there, then createFeed
queues it. Polls of getFeed move it through IN_QUEUE and IN_PROGRESS (see :mod:`.lifecycle`);
the finishing poll processes the document and writes a processing report (valid against
``listings-feed-processing-report-schema-v2.json``), served by getFeedDocument:

* a document that is not JSON, or whose envelope breaks ``listings-feed-schema-v2.json``, gives
  one issue ``4002001`` "Item 'Feed' cannot be parsed." and no message is processed (the answer
  quoted in selling-partner-api-docs issue #2201);
* each message is validated against the schema's message definition; an invalid one gets
  ``BAD_REQUEST`` "The provided payload is invalid." (issue #4815 of selling-partner-api-models);
* valid ``PATCH``/``PARTIAL_UPDATE``/``UPDATE`` messages change the listing's quantity, price or
  title (see :mod:`.listings`), ``DELETE`` removes the listing; unknown SKUs get ``13013``.

The schema file is read from ``settings.AMAZON_LISTINGS_FEED_SCHEMA`` (default:
``shared/reference/amazon/feeds/listings-feed-schema-v2.json`` next to the project). Validation
uses ``jsonschema`` (imported when a feed is processed).
"""

from __future__ import annotations

import copy
import json
import uuid
from functools import cache
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction

from sandbox.amazon import documents, listings
from sandbox.amazon.constants import LISTINGS_FEED_TYPE
from sandbox.amazon.lifecycle import status_after_poll
from sandbox.amazon.models import (
    DocumentKind,
    ProcessingStatus,
    SandboxAmazonDocument,
    SandboxAmazonFeed,
    SandboxAmazonListing,
    SandboxAmazonSeller,
)
from sandbox.amazon.models.jobs import TERMINAL
from sandbox.amazon.params import InvalidInput
from sandbox.amazon.wire import iso_offset, listing_json
from sandbox.kernel import clock

CANNOT_PARSE = listings.Issue("4002001", "Item 'Feed' cannot be parsed.", category="")
RESULT_CONTENT_TYPE = "application/json; charset=UTF-8"


def schema_path() -> Path:
    """Where the listings feed JSON Schema (v2) is read from."""
    default = Path(settings.BASE_DIR).parent / "shared/reference/amazon/feeds"
    return Path(
        getattr(settings, "AMAZON_LISTINGS_FEED_SCHEMA", default / "listings-feed-schema-v2.json")
    )


@cache
def _validators(path: Path) -> tuple[Any, Any]:
    from jsonschema import Draft7Validator

    schema = json.loads(path.read_text(encoding="utf-8"))
    envelope = copy.deepcopy(schema)
    envelope["properties"]["messages"]["items"] = {}
    message = schema["properties"]["messages"]["items"]
    return Draft7Validator(envelope), Draft7Validator(message)


def create_feed_document(
    seller: SandboxAmazonSeller, body: dict[str, Any]
) -> SandboxAmazonDocument:
    """A feed document awaiting its upload; raises :class:`InvalidInput` without a
    ``contentType``."""
    content_type = body.get("contentType")
    if not isinstance(content_type, str) or not content_type.strip():
        raise InvalidInput("Invalid input", "contentType is required.")
    return documents.create_document(seller, DocumentKind.FEED_INPUT, content_type.strip())


def create_feed(seller: SandboxAmazonSeller, body: dict[str, Any]) -> SandboxAmazonFeed:
    """Queue a feed; raises :class:`InvalidInput` for a missing field, a feed type other than
    JSON_LISTINGS_FEED, a foreign marketplace or an unknown input document."""
    feed_type, marketplaces = body.get("feedType"), body.get("marketplaceIds")
    document_id = body.get("inputFeedDocumentId")
    if not (isinstance(feed_type, str) and isinstance(document_id, str)):
        raise InvalidInput("Invalid input", "feedType and inputFeedDocumentId are required.")
    if feed_type != LISTINGS_FEED_TYPE:
        raise InvalidInput("Invalid input", f"Feed type {feed_type} is not available.")
    if not isinstance(marketplaces, list) or not 1 <= len(marketplaces) <= 25:
        raise InvalidInput("Invalid input", "marketplaceIds must list 1 to 25 ids.")
    if any(value != seller.marketplace_id for value in marketplaces):
        raise InvalidInput("Invalid input", f"Invalid marketplaceIds: {marketplaces}.")
    document = SandboxAmazonDocument.objects.filter(
        seller=seller, document_id=document_id, kind=DocumentKind.FEED_INPUT
    ).first()
    if document is None:
        raise InvalidInput("Invalid input", "Invalid inputFeedDocumentId.")
    feed = SandboxAmazonFeed.objects.create(
        seller=seller,
        feed_id=f"new-{uuid.uuid4().hex[:16]}",
        feed_type=feed_type,
        marketplace_ids=marketplaces,
        input_document=document,
        created_time=clock.now(),
    )
    feed.feed_id = str(60_000_000_000 + feed.pk)
    feed.save(update_fields=["feed_id"])
    return feed


def poll(feed: SandboxAmazonFeed) -> SandboxAmazonFeed:
    """One ``getFeed`` poll; the finishing poll processes the feed (row locked meanwhile). A
    feed whose document was never uploaded ends FATAL."""
    with transaction.atomic():
        feed = (
            SandboxAmazonFeed.objects.select_for_update(of=("self",))
            .select_related("seller", "input_document", "result_document")
            .get(pk=feed.pk)
        )
        if feed.processing_status in TERMINAL:
            return feed
        feed.polls += 1
        now = clock.now()
        status = status_after_poll(feed.polls, feed.seller)
        if status != ProcessingStatus.IN_QUEUE:
            feed.processing_start_time = feed.processing_start_time or now
        if status is not None:
            feed.processing_status = status
        elif feed.input_document.uploaded_at is None:
            feed.processing_status = ProcessingStatus.FATAL
        else:
            report = process(feed)
            result = documents.create_document(
                feed.seller, DocumentKind.FEED_RESULT, RESULT_CONTENT_TYPE
            )
            data = json.dumps(report, ensure_ascii=False).encode("utf-8")
            documents.path_of(result).write_bytes(data)
            result.size = len(data)
            result.save(update_fields=["size"])
            feed.result_document = result
            feed.processing_status = ProcessingStatus.DONE
        if status is None:
            feed.processing_end_time = clock.now()
        feed.save()
    return feed


def _summary(issues: list[dict[str, Any]], processed: int, accepted: int) -> dict[str, Any]:
    return {
        "errors": sum(1 for i in issues if i["severity"] == "ERROR"),
        "warnings": sum(1 for i in issues if i["severity"] == "WARNING"),
        "messagesProcessed": processed,
        "messagesAccepted": accepted,
        "messagesInvalid": processed - accepted,
    }


def process(feed: SandboxAmazonFeed) -> dict[str, Any]:
    """Apply the feed's messages and return its processing report."""
    header = {"sellerId": feed.seller.seller_id, "version": "2.0", "feedId": feed.feed_id}
    envelope_validator, message_validator = _validators(schema_path())
    try:
        document = json.loads(documents.path_of(feed.input_document).read_bytes())
    except ValueError:
        document = None
    if not isinstance(document, dict) or not envelope_validator.is_valid(document):
        issues = [CANNOT_PARSE.feed_json(None, None)]
        return {"header": header, "issues": issues, "summary": _summary(issues, 0, 0)}
    marketplace = feed.seller.marketplace_id
    issues: list[dict[str, Any]] = []
    accepted_skus: list[str] = []
    for message in document["messages"]:
        message_id, sku = (message.get("messageId"), message.get("sku"))
        found = _message_issues(feed.seller, message, message_validator, marketplace)
        issues.extend(issue.feed_json(message_id, sku) for issue in found)
        if not found:
            accepted_skus.append(sku)
    report: dict[str, Any] = {
        "header": header,
        "issues": issues,
        "summary": _summary(issues, len(document["messages"]), len(accepted_skus)),
    }
    included = document["header"].get("report", {}).get("includedData")
    if included:
        header["report"] = {"includedData": included, "apiVersion": "2021-08-01"}
        items = [
            listing_json(listing, marketplace, set(included))
            for listing in SandboxAmazonListing.objects.filter(
                seller=feed.seller, sku__in=accepted_skus
            ).order_by("sku")
        ]
        report["items"] = items
        report["summary"]["itemSummary"] = {"items": len(items), "errors": 0, "warnings": 0}
    return report


def _message_issues(
    seller: SandboxAmazonSeller, message: Any, validator: Any, marketplace: str
) -> list[listings.Issue]:
    """Validate and apply one message; the issues that made it invalid (none: applied)."""
    if not isinstance(message, dict) or not validator.is_valid(message):
        detail = next(iter(validator.iter_errors(message)), None)
        text = "The provided payload is invalid."
        if detail is not None:
            text += f" {detail.message}"
        return [listings.Issue("BAD_REQUEST", text, category="")]
    listing = (
        SandboxAmazonListing.objects.select_for_update()
        .filter(seller=seller, sku=message["sku"])
        .first()
    )
    if listing is None:
        return [listings.unknown_sku()]
    operation = message["operationType"]
    if operation == "DELETE":
        listing.delete()
        return []
    if operation == "PATCH":
        patches = message["patches"]
    else:
        patches = [
            {"op": "replace", "path": f"/attributes/{name}", "value": value}
            for name, value in message["attributes"].items()
            if name in listings.SUPPORTED
        ]
    changes, found = listings.plan(patches, marketplace)
    if not found and changes:
        listings.apply(listing, changes)
    return found


def feed_json(feed: SandboxAmazonFeed) -> dict[str, Any]:
    """A ``Feed`` (optional fields only when set)."""
    body: dict[str, Any] = {
        "feedId": feed.feed_id,
        "feedType": feed.feed_type,
        "marketplaceIds": list(feed.marketplace_ids),
        "createdTime": iso_offset(feed.created_time),
        "processingStatus": feed.processing_status,
    }
    if feed.processing_start_time:
        body["processingStartTime"] = iso_offset(feed.processing_start_time)
    if feed.processing_end_time:
        body["processingEndTime"] = iso_offset(feed.processing_end_time)
    if feed.result_document_id:
        body["resultFeedDocumentId"] = feed.result_document.document_id
    return body
