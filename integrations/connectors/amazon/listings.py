"""Price and quantity push: Listings Items API 2021-08-01 for a few SKUs, a
``JSON_LISTINGS_FEED`` (Feeds API 2021-06-30) for more; listing reads (channel-apis.md §2.3–2.4).
Design: docs/providers/amazon.md#listings
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from decimal import Decimal
from typing import Any
from urllib.parse import quote

from integrations.dto import ListingDTO, PriceDTO, PushResult, PushStatus, StockLevelDTO
from integrations.http import ConnectorError

PATCH_MAX = 5  # prices: more than this go as a feed
PUSH_RUN_MAX = 10  # stock: patches per push run (2 s of the 5 rps budget)
FEED_MIN = 100  # stock: from this many SKUs one feed instead of patches
PRODUCT_TYPE = "PRODUCT"
FEED_TYPE = "JSON_LISTINGS_FEED"
FEED_CONTENT_TYPE = "application/json; charset=UTF-8"
FEED_POLL_SECONDS = 30.0
FEED_TIMEOUT_SECONDS = 1800.0
ISSUE_LOCALE = "en_US"
FEED_DONE = frozenset({"DONE", "FATAL", "CANCELLED"})
SEARCH_MAX_IDENTIFIERS = 20  # searchListingsItems ``identifiers`` maxItems
SEARCH_PAGE_SIZE = 20  # searchListingsItems ``pageSize`` maximum
READ_DATA = "summaries,fulfillmentAvailability"
LISTING_DATA = "summaries,fulfillmentAvailability,attributes"
MFN_CHANNEL = "DEFAULT"
BARCODE_ATTRIBUTES = ("externally_assigned_product_identifier", "external_product_id")
BARCODE_TYPES = ("ean", "gtin", "upc", "isbn", "jan")

Patch = dict[str, Any]


def quantity_patch(quantity: int) -> Patch:
    """Set the seller-fulfilled available-to-sell quantity (units, never below 0)."""
    return {
        "op": "replace",
        "path": "/attributes/fulfillment_availability",
        "value": [{"fulfillment_channel_code": "DEFAULT", "quantity": max(0, int(quantity))}],
    }


def price_patch(price: Decimal, currency: str, marketplace_ids: Sequence[str]) -> Patch:
    """Set the selling price (tax-inclusive ``value_with_tax``) in every marketplace."""
    value = float(Decimal(price).quantize(Decimal("0.01")))
    return {
        "op": "replace",
        "path": "/attributes/purchasable_offer",
        "value": [
            {
                "marketplace_id": marketplace_id,
                "currency": currency,
                "audience": "ALL",
                "our_price": [{"schedule": [{"value_with_tax": value}]}],
            }
            for marketplace_id in marketplace_ids
        ],
    }


def build_listings_feed(seller_id: str, updates: Sequence[tuple[str, Patch]]) -> dict[str, Any]:
    """A ``JSON_LISTINGS_FEED`` document: one PATCH message per ``(sku, patch)``, ``messageId``
    1…n in input order."""
    return {
        "header": {"sellerId": seller_id, "version": "2.0", "issueLocale": ISSUE_LOCALE},
        "messages": [
            {
                "messageId": number,
                "sku": sku,
                "operationType": "PATCH",
                "productType": PRODUCT_TYPE,
                "patches": [patch],
            }
            for number, (sku, patch) in enumerate(updates, start=1)
        ],
    }


def mfn_quantity(item: dict[str, Any]) -> int | None:
    """The seller-fulfilled quantity of a Listings ``Item`` (units): the
    ``fulfillmentAvailability`` entry with channel ``DEFAULT``; 0 when that entry states no
    quantity; None when the listing has no seller-fulfilled offer (FBA only)."""
    for entry in item.get("fulfillmentAvailability") or []:
        if isinstance(entry, dict) and entry.get("fulfillmentChannelCode") == MFN_CHANNEL:
            quantity = entry.get("quantity")
            return int(quantity) if isinstance(quantity, int) else 0
    return None


def listing_barcode(item: dict[str, Any], marketplace_id: str = "") -> str:
    """EAN/GTIN/UPC from the listing's ``externally_assigned_product_identifier`` attribute
    (``[{"type": "ean", "value": …, "marketplace_id": …}]``); "" when absent."""
    attributes = item.get("attributes") or {}
    for name in BARCODE_ATTRIBUTES:
        for entry in attributes.get(name) or []:
            if not isinstance(entry, dict):
                continue
            if marketplace_id and entry.get("marketplace_id") not in (None, marketplace_id):
                continue
            kind = str(entry.get("type") or "").lower()
            value = str(entry.get("value") or "").strip()
            if value and kind in BARCODE_TYPES:
                return value
    return ""


def item_summary(item: dict[str, Any], marketplace_id: str = "") -> dict[str, Any]:
    """The ``summaries`` entry of ``marketplace_id`` (else the first one; {} when none)."""
    summaries = [s for s in item.get("summaries") or [] if isinstance(s, dict)]
    chosen = next((s for s in summaries if s.get("marketplaceId") == marketplace_id), None)
    return chosen or (summaries[0] if summaries else {})


def listing_from_item(item: dict[str, Any], marketplace_id: str = "") -> ListingDTO:
    """A Listings ``Item`` → ``ListingDTO``: ``listing_id`` the seller SKU, ``product_id`` the
    ASIN, ``title`` the ``itemName``, ``quantity`` the seller-fulfilled units, ``status``
    ``BUYABLE``/``DISCOVERABLE`` (the most open of the summary's statuses) or ""."""
    sku = str(item.get("sku") or "")
    summary = item_summary(item, marketplace_id)
    statuses = summary.get("status") or []
    status = next((s for s in ("BUYABLE", "DISCOVERABLE") if s in statuses), "")
    return ListingDTO(
        sku=sku,
        listing_id=sku,
        product_id=str(summary.get("asin") or ""),
        barcode=listing_barcode(item, marketplace_id),
        title=str(summary.get("itemName") or ""),
        quantity=mfn_quantity(item),
        status=status,
    )


def _issue_text(issue: dict[str, Any]) -> str:
    code = issue.get("code")
    return f"{code}: {issue.get('message') or ''}" if code else str(issue.get("message") or "")


def _result(sku: str, issues: Sequence[dict[str, Any]], submission_id: str) -> PushResult:
    errors = [i for i in issues if i.get("severity") == "ERROR"]
    warnings = [i for i in issues if i.get("severity") == "WARNING"]
    if errors:
        status, headline = PushStatus.FAILURE, _issue_text(errors[0])
    elif warnings:
        status, headline = PushStatus.WARNING, _issue_text(warnings[0])
    else:
        status, headline = PushStatus.SUCCESS, ""
    return PushResult(
        sku=sku,
        status=status,
        message=headline,
        issues=tuple(_issue_text(i) for i in [*errors, *warnings]),
        submission_id=submission_id,
    )


def results_from_processing_report(
    report: dict[str, Any], skus: Sequence[str], feed_id: str
) -> list[PushResult]:
    """One ``PushResult`` per submitted SKU (``skus[n-1]`` was message ``n``)."""
    by_message: dict[int, list[dict[str, Any]]] = {}
    feed_level: list[dict[str, Any]] = []
    for issue in report.get("issues") or []:
        message_id = issue.get("messageId")
        if isinstance(message_id, int):
            by_message.setdefault(message_id, []).append(issue)
        else:
            feed_level.append(issue)
    return [
        _result(sku, [*feed_level, *by_message.get(number, [])], feed_id)
        for number, sku in enumerate(skus, start=1)
    ]


class AmazonListings:
    """``push_inventory``/``push_prices``, ``read_inventory``/``fetch_listings``; mixed into
    ``AmazonConnector`` (uses ``api``, ``seller_id``, ``marketplace_ids`` and ``sleep``)."""

    feed_poll_seconds: float = FEED_POLL_SECONDS
    feed_timeout_seconds: float = FEED_TIMEOUT_SECONDS
    push_run_max = PUSH_RUN_MAX
    push_bulk_min = FEED_MIN

    @property
    def push_outcome_poll_seconds(self) -> float:  # type: ignore[override]
        return self.feed_poll_seconds

    @property
    def push_outcome_timeout_seconds(self) -> float:  # type: ignore[override]
        return self.feed_timeout_seconds

    def push_inventory(self, levels: Sequence[StockLevelDTO]) -> list[PushResult]:
        """Set seller-fulfilled available-to-sell quantities (units) by seller SKU; one result
        per level. Fewer than ``push_bulk_min`` (``FEED_MIN``): ``patchListingsItem`` each, in
        order; a call that fails after the client's retries (throttled, 5xx, network) fails
        that SKU and the ones after it, the earlier results stand. More: one
        ``JSON_LISTINGS_FEED``, every result ``SUBMITTED`` with the feed id (see
        ``push_outcome``). Raises ``ConnectorError`` for refused credentials and when the feed
        cannot be submitted."""
        updates = [(level.sku, quantity_patch(level.quantity)) for level in levels]
        if self.push_bulk_min is not None and len(updates) >= self.push_bulk_min:
            feed_id = self._submit_feed(updates)
            return [
                PushResult(
                    sku=sku,
                    status=PushStatus.SUBMITTED,
                    message=f"feed {feed_id} submitted to Amazon",
                    submission_id=feed_id,
                )
                for sku, _ in updates
            ]
        results: list[PushResult] = []
        for number, (sku, patch) in enumerate(updates):
            try:
                results.append(self._patch(sku, patch))
            except ConnectorError as exc:
                if exc.permanent:
                    raise  # refused credentials: every SKU fails the same way
                message = str(exc)[:500]
                results.append(PushResult(sku=sku, status=PushStatus.FAILURE, message=message))
                results.extend(
                    PushResult(sku=rest, status=PushStatus.FAILURE, message=f"not sent: {message}")
                    for rest, _ in updates[number + 1 :]
                )
                break
        return results

    def push_outcome(self, submission_id: str, skus: Sequence[str]) -> list[PushResult] | None:
        """One ``getFeed`` of a submitted stock feed: None while it is ``IN_QUEUE`` or
        ``IN_PROGRESS``; else one result per SKU (``skus`` in submission order = messageId
        order) from its processing report. Raises ``ConnectorError``."""
        feed = self.api.call("getFeed", "GET", f"/feeds/2021-06-30/feeds/{quote(submission_id)}")
        if feed.get("processingStatus") not in FEED_DONE:
            return None
        return self._feed_results(feed, list(skus))

    def push_prices(self, prices: Sequence[PriceDTO]) -> list[PushResult]:
        """Set tax-inclusive selling prices (``PriceDTO.price`` in its currency, rupees for
        INR) by seller SKU. ``mrp`` is not sent: Amazon.in takes MRP from the catalog."""
        return self._push(
            [(p.sku, price_patch(p.price, p.currency, self.marketplace_ids)) for p in prices]
        )

    def read_inventory(self, levels: Sequence[StockLevelDTO]) -> dict[str, int | None]:
        """The seller-fulfilled quantity Amazon offers per SKU (units): ``searchListingsItems``
        by SKU, 20 per call, ``includedData=summaries,fulfillmentAvailability``. None for a SKU
        Amazon does not return (not listed) or that has no seller-fulfilled offer. Raises
        ``ConnectorError``."""
        skus = list(dict.fromkeys(level.sku for level in levels if level.sku))
        found = {item["sku"]: item for item in self._search_skus(skus, READ_DATA)}
        return {
            level.sku: (mfn_quantity(found[level.sku]) if level.sku in found else None)
            for level in levels
        }

    def fetch_listings(self, *, skus: Sequence[str] = ()) -> Iterator[ListingDTO]:
        """The seller's listings as ``ListingDTO`` (``includedData=summaries,
        fulfillmentAvailability,attributes``): those ``skus`` (20 per call; unknown SKUs are
        left out), or every listing, paged 20 at a time past the 1000-item search limit (see
        docs/providers/amazon.md#reads). A generator: calls are made as it is consumed. Raises
        ``ConnectorError``."""
        marketplace = self.marketplace_ids[0] if self.marketplace_ids else ""
        items = (
            self._search_skus(list(dict.fromkeys(s for s in skus if s)), LISTING_DATA)
            if skus
            else self._search_all(LISTING_DATA)
        )
        for item in items:
            yield listing_from_item(item, marketplace)

    # --- searchListingsItems -----------------------------------------------------------------
    def _search(self, params: dict[str, Any]) -> Iterator[tuple[dict[str, Any], dict[str, Any]]]:
        """Every page of one search: yields ``(item, page body)``, following ``nextToken``."""
        path = f"/listings/2021-08-01/items/{quote(self.seller_id, safe='')}"
        token: str | None = None
        while True:
            query = {
                "marketplaceIds": ",".join(self.marketplace_ids),
                "issueLocale": ISSUE_LOCALE,
                "pageSize": SEARCH_PAGE_SIZE,
                **params,
            }
            if token:
                query["pageToken"] = token
            body = self.api.call("searchListingsItems", "GET", path, params=query)
            for item in body.get("items") or []:
                if isinstance(item, dict) and item.get("sku"):
                    yield item, body
            token = (body.get("pagination") or {}).get("nextToken") or None
            if not token:
                return

    def _search_skus(self, skus: Sequence[str], included: str) -> Iterator[dict[str, Any]]:
        wanted = set(skus)
        for start in range(0, len(skus), SEARCH_MAX_IDENTIFIERS):
            batch = skus[start : start + SEARCH_MAX_IDENTIFIERS]
            params = {
                "identifiers": ",".join(batch),
                "identifiersType": "SKU",
                "includedData": included,
            }
            for item, _ in self._search(params):
                if item["sku"] in wanted:
                    yield item

    def _search_all(self, included: str) -> Iterator[dict[str, Any]]:
        marketplace = self.marketplace_ids[0] if self.marketplace_ids else ""
        seen: set[str] = set()
        created_after: str | None = None
        while True:
            params = {"includedData": included, "sortBy": "createdDate", "sortOrder": "ASC"}
            if created_after:
                params["createdAfter"] = created_after
            received, total, fresh, last_created = 0, 0, 0, ""
            for item, body in self._search(params):
                received += 1
                total = int(body.get("numberOfResults") or 0)
                last_created = str(item_summary(item, marketplace).get("createdDate") or "")
                if item["sku"] in seen:
                    continue
                seen.add(item["sku"])
                fresh += 1
                yield item
            # Cut off by the 1000-item limit: go on from the last creation time seen.
            if received >= total or not fresh or not last_created:
                return
            created_after = last_created

    def _push(self, updates: list[tuple[str, Patch]]) -> list[PushResult]:
        """Prices: patches up to ``PATCH_MAX`` SKUs, else a feed waited for."""
        if not updates:
            return []
        if len(updates) <= PATCH_MAX:
            return [self._patch(sku, patch) for sku, patch in updates]
        return self._feed(updates)

    # --- Listings Items ----------------------------------------------------------------------
    def _patch(self, sku: str, patch: Patch) -> PushResult:
        path = f"/listings/2021-08-01/items/{quote(self.seller_id, safe='')}/{quote(sku, safe='')}"
        try:
            body = self.api.call(
                "patchListingsItem",
                "PATCH",
                path,
                params={
                    "marketplaceIds": ",".join(self.marketplace_ids),
                    "issueLocale": ISSUE_LOCALE,
                },
                json_body={"productType": PRODUCT_TYPE, "patches": [patch]},
                # Absolute values ("replace"), so resending after a 5xx is safe.
                idempotent=True,
            )
        except ConnectorError as exc:
            if exc.permanent or exc.status is None or exc.status >= 500 or exc.status == 429:
                raise
            return PushResult(sku=sku, status=PushStatus.FAILURE, message=str(exc)[:500])
        result = _result(sku, body.get("issues") or [], str(body.get("submissionId") or ""))
        if body.get("status") == "INVALID" and result.status != PushStatus.FAILURE:
            return PushResult(
                sku=sku,
                status=PushStatus.FAILURE,
                message=result.message or "Amazon marked the submission INVALID",
                issues=result.issues,
                submission_id=result.submission_id,
            )
        return result

    # --- JSON_LISTINGS_FEED ------------------------------------------------------------------
    def _feed(self, updates: list[tuple[str, Patch]]) -> list[PushResult]:
        """Submit a feed and wait for its outcome (prices; stock feeds are not waited for)."""
        feed_id = self._submit_feed(updates)
        return self._feed_results(self._wait_for_feed(feed_id), [sku for sku, _ in updates])

    def _submit_feed(self, updates: list[tuple[str, Patch]]) -> str:
        """createFeedDocument → upload → createFeed; returns the feed id."""
        body = json.dumps(build_listings_feed(self.seller_id, updates)).encode()
        document = self.api.call(
            "createFeedDocument",
            "POST",
            "/feeds/2021-06-30/documents",
            json_body={"contentType": FEED_CONTENT_TYPE},
        )
        if not document.get("feedDocumentId") or not document.get("url"):
            raise ConnectorError("amazon: createFeedDocument answered without an id or url")
        self.api.upload_document(document["url"], body, content_type=FEED_CONTENT_TYPE)
        created = self.api.call(
            "createFeed",
            "POST",
            "/feeds/2021-06-30/feeds",
            json_body={
                "feedType": FEED_TYPE,
                "marketplaceIds": list(self.marketplace_ids),
                "inputFeedDocumentId": document["feedDocumentId"],
            },
        )
        feed_id = str(created.get("feedId") or "")
        if not feed_id:
            raise ConnectorError("amazon: createFeed answered without a feedId")
        return feed_id

    def _feed_results(self, feed: dict[str, Any], skus: list[str]) -> list[PushResult]:
        """Per-SKU results of a finished feed (``processingStatus`` DONE/FATAL/CANCELLED)."""
        feed_id = str(feed.get("feedId") or "")
        status = feed.get("processingStatus")
        results = [PushResult(sku=sku, status=PushStatus.SUCCESS) for sku in skus]
        if feed.get("resultFeedDocumentId"):
            report = self._processing_report(str(feed["resultFeedDocumentId"]))
            results = results_from_processing_report(report, skus, feed_id)
            if status == "DONE":
                return results
        # FATAL: "some, none, or all of the operations … may have completed" (Feed model), so
        # no SKU counts as pushed; CANCELLED: nothing was processed.
        reason = (
            f"feed {feed_id} was cancelled before processing"
            if status == "CANCELLED"
            else f"feed {feed_id} ended {status}: Amazon aborted it; the push is retried"
        )
        return [
            PushResult(
                sku=r.sku,
                status=PushStatus.FAILURE,
                message=r.message if r.status == PushStatus.FAILURE else reason,
                issues=r.issues,
                submission_id=feed_id,
            )
            for r in results
        ]

    def _wait_for_feed(self, feed_id: str) -> dict[str, Any]:
        waited = 0.0
        while True:
            feed = self.api.call("getFeed", "GET", f"/feeds/2021-06-30/feeds/{quote(feed_id)}")
            if feed.get("processingStatus") in FEED_DONE:
                return feed
            if waited >= self.feed_timeout_seconds:
                raise ConnectorError(
                    f"amazon: feed {feed_id} still {feed.get('processingStatus')} after "
                    f"{waited:.0f} s; the push is retried later"
                )
            self.sleep(self.feed_poll_seconds)
            waited += self.feed_poll_seconds

    def _processing_report(self, document_id: str) -> dict[str, Any]:
        document = self.api.call(
            "getFeedDocument", "GET", f"/feeds/2021-06-30/documents/{quote(document_id)}"
        )
        if not document.get("url"):
            raise ConnectorError(f"amazon: feed document {document_id} has no url")
        with self.api.open_document(
            document["url"], compression=document.get("compressionAlgorithm")
        ) as text:
            try:
                return json.load(text)
            except ValueError as exc:
                raise ConnectorError("amazon: the feed processing report is not JSON") from exc
