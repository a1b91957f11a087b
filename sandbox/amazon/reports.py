"""Reports API 2021-06-30 (channel-apis.md §2.5): requesting, polling, listing order reports
and writing their documents.

Only the two "all orders" flat files are generated. Settlement reports cannot be requested
(400, as Amazon answers); other types are refused by the sandbox. A report whose window holds
no orders ends ``CANCELLED`` without a document (the ``processingStatus`` description: "an
automatic cancellation if there is no data to return"); a seller's ``fail_next_report`` makes
the next one ``FATAL``.

The document is a gzip'd, tab-separated file with the columns of :data:`COLUMNS`, one row per
order item, written row by row from a database cursor (a 10,000-order report never sits in
memory). Like Amazon's flat files, fields are never quoted: a double quote in a product name
stays a bare ``"`` (FillZ "Amazon tab format" notes; selling-partner-api-models issue #2739),
so readers must parse with quoting off. Tabs and line breaks inside values become spaces,
since a flat file row is one line. ``item-price`` is the line total; dates are ISO 8601 with
an offset; discounts are negative amounts. Pending orders have blank prices and address, as in
the Orders API.
"""

from __future__ import annotations

import csv
import gzip
import uuid
from collections.abc import Iterator
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.core import signing
from django.db import transaction
from django.db.models import Q
from django.http import HttpRequest

from sandbox.amazon import documents
from sandbox.amazon.constants import ORDER_REPORT_TYPES, UNREQUESTABLE_REPORT_TYPES
from sandbox.amazon.lifecycle import status_after_poll
from sandbox.amazon.models import (
    DocumentKind,
    ProcessingStatus,
    SandboxAmazonOrderItem,
    SandboxAmazonReport,
    SandboxAmazonSeller,
)
from sandbox.amazon.models.jobs import TERMINAL
from sandbox.amazon.params import InvalidInput, parse_time, query_list
from sandbox.amazon.wire import iso_offset
from sandbox.kernel import clock
from sandbox.kernel.formats import money

COLUMNS = (
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
# Orders API status → flat-file ``order-status``.
REPORT_STATUS = {
    "Pending": "Pending",
    "Unshipped": "Unshipped",
    "PartiallyShipped": "Shipping",
    "Shipped": "Shipped",
    "Canceled": "Cancelled",
}
REPORT_CONTENT_TYPE = "text/tab-separated-values; charset=UTF-8"
PROCESSING_STATUSES = frozenset(ProcessingStatus.values)
_SALT_LIST = "sandbox-amazon-reports"
_SPACES = str.maketrans({"\t": " ", "\r": " ", "\n": " "})


def _marketplaces(seller: SandboxAmazonSeller, values: Any, limit: int) -> list[str]:
    if not isinstance(values, list) or not values or len(values) > limit:
        raise InvalidInput("Invalid input", f"marketplaceIds must list 1 to {limit} ids.")
    if any(value != seller.marketplace_id for value in values):
        raise InvalidInput("Invalid input", f"Invalid marketplaceIds: {values}.")
    return values


def create_report(seller: SandboxAmazonSeller, body: dict[str, Any]) -> SandboxAmazonReport:
    """Validate a ``CreateReportSpecification`` and queue the report. Raises
    :class:`InvalidInput` (400) for a bad specification or an unrequestable type."""
    report_type = body.get("reportType")
    if not isinstance(report_type, str) or not report_type:
        raise InvalidInput("Invalid input", "reportType is required.")
    if report_type in UNREQUESTABLE_REPORT_TYPES:
        number = UNREQUESTABLE_REPORT_TYPES[report_type]
        raise InvalidInput(f"Request for report type {number} is not allowed at this time")
    if report_type not in ORDER_REPORT_TYPES:
        raise InvalidInput("Invalid input", f"Report type {report_type} is not available.")
    marketplaces = _marketplaces(seller, body.get("marketplaceIds"), 25)
    options = body.get("reportOptions") or {}
    if not isinstance(options, dict) or not all(isinstance(v, str) for v in options.values()):
        raise InvalidInput("Invalid input", "reportOptions must map names to strings.")
    now = clock.now()
    start, end = (
        parse_time(name, body[name]) if isinstance(body.get(name), str) else now
        for name in ("dataStartTime", "dataEndTime")
    )
    if start > now or end > now:
        raise InvalidInput("Invalid input", "The data time range must not be in the future.")
    if end < start:
        raise InvalidInput("Invalid input", "dataEndTime must not be before dataStartTime.")
    with transaction.atomic():
        locked = SandboxAmazonSeller.objects.select_for_update().get(pk=seller.pk)
        report = SandboxAmazonReport.objects.create(
            seller=locked,
            report_id=f"new-{uuid.uuid4().hex[:16]}",
            report_type=report_type,
            marketplace_ids=marketplaces,
            report_options=options,
            data_start_time=start,
            data_end_time=end,
            created_time=now,
            fatal=locked.fail_next_report,
        )
        report.report_id = str(50_000_000_000 + report.pk)
        report.save(update_fields=["report_id"])
        if locked.fail_next_report:
            locked.fail_next_report = False
            locked.save(update_fields=["fail_next_report"])
    return report


def poll(report: SandboxAmazonReport) -> SandboxAmazonReport:
    """One ``getReport`` poll: advance the lifecycle (see :mod:`.lifecycle`); the finishing
    poll writes the document. The row is locked so concurrent polls finish it once."""
    with transaction.atomic():
        report = (
            SandboxAmazonReport.objects.select_for_update(of=("self",))
            .select_related("seller", "document")
            .get(pk=report.pk)
        )
        if report.processing_status in TERMINAL:
            return report
        report.polls += 1
        now = clock.now()
        status = status_after_poll(report.polls, report.seller)
        if status != ProcessingStatus.IN_QUEUE:
            report.processing_start_time = report.processing_start_time or now
        if status is None:
            _finish(report)
            report.processing_end_time = clock.now()
        else:
            report.processing_status = status
        report.save()
    return report


def _finish(report: SandboxAmazonReport) -> None:
    if report.fatal:
        report.processing_status = ProcessingStatus.FATAL
        return
    document = documents.create_document(
        report.seller, DocumentKind.REPORT, REPORT_CONTENT_TYPE, compression="GZIP"
    )
    path = documents.path_of(document)
    with gzip.open(path, "wt", encoding="utf-8", newline="") as handle:
        writer = csv.writer(
            handle, delimiter="\t", quoting=csv.QUOTE_NONE, quotechar=None, lineterminator="\n"
        )
        writer.writerow(COLUMNS)
        rows = 0
        for row in _rows(report):
            writer.writerow(row)
            rows += 1
    report.rows = rows
    if rows == 0:
        path.unlink(missing_ok=True)
        document.delete()
        report.processing_status = ProcessingStatus.CANCELLED
        return
    document.size = path.stat().st_size
    document.save(update_fields=["size"])
    report.document = document
    report.processing_status = ProcessingStatus.DONE


def _amount(value: Decimal, shown: bool) -> str:
    return money(value) if shown else ""


def _discount(value: Decimal, shown: bool) -> str:
    return ("-" + money(value) if value else money(0)) if shown else ""


def _rows(report: SandboxAmazonReport) -> Iterator[list[str]]:
    by_update = report.report_type == ORDER_REPORT_TYPES[0]
    field = "order__last_update_date" if by_update else "order__purchase_date"
    items = (
        SandboxAmazonOrderItem.objects.filter(
            order__seller=report.seller,
            **{f"{field}__gte": report.data_start_time, f"{field}__lte": report.data_end_time},
        )
        .select_related("order")
        .order_by(field, "order__amazon_order_id", "position", "id")
    )
    for item in items.iterator(chunk_size=2000):
        order = item.order
        priced = order.status != "Pending"
        if order.status == "Canceled":
            item_status = "Cancelled"
        elif item.quantity_shipped >= item.quantity_ordered:
            item_status = "Shipped"
        else:
            item_status = "Unshipped"
        yield [
            value.translate(_SPACES)
            for value in (
                order.amazon_order_id,
                order.seller_order_id,
                iso_offset(order.purchase_date) or "",
                iso_offset(order.last_update_date) or "",
                REPORT_STATUS.get(order.status, order.status),
                "Amazon" if order.fulfillment_channel == "AFN" else "Merchant",
                "Amazon.in",
                "",
                "",
                order.shipment_category,
                item.title,
                item.seller_sku,
                item.asin,
                item_status,
                str(item.quantity_ordered),
                "INR" if priced else "",
                _amount(item.item_price, priced),
                _amount(item.item_tax, priced),
                _amount(item.shipping_price, priced),
                _amount(item.shipping_tax, priced),
                _amount(Decimal(0), priced),
                _amount(Decimal(0), priced),
                _discount(item.promotion_discount, priced),
                _discount(item.shipping_discount, priced),
                order.ship_city if priced else "",
                order.ship_state if priced else "",
                order.ship_postal_code if priced else "",
                "IN",
                ",".join(item.promotion_ids) if priced else "",
                "true" if order.is_business_order else "false",
                order.purchase_order_number,
                "BusinessPrice" if order.is_business_order else "",
                "false",
            )
        ]


def report_json(report: SandboxAmazonReport) -> dict[str, Any]:
    """A ``Report`` (optional timestamps and ``reportDocumentId`` only when set)."""
    body: dict[str, Any] = {
        "reportId": report.report_id,
        "reportType": report.report_type,
        "marketplaceIds": list(report.marketplace_ids),
        "dataStartTime": iso_offset(report.data_start_time),
        "dataEndTime": iso_offset(report.data_end_time),
        "createdTime": iso_offset(report.created_time),
        "processingStatus": report.processing_status,
    }
    if report.processing_start_time:
        body["processingStartTime"] = iso_offset(report.processing_start_time)
    if report.processing_end_time:
        body["processingEndTime"] = iso_offset(report.processing_end_time)
    if report.document_id:
        body["reportDocumentId"] = report.document.document_id
    return body


def _list_state(request: HttpRequest, seller: SandboxAmazonSeller) -> dict[str, Any]:
    types = query_list(request, "reportTypes")
    if not types:
        raise InvalidInput("Invalid input", "Either reportTypes or nextToken is required.")
    if len(types) > 10:
        raise InvalidInput("Invalid input", "reportTypes accepts at most 10 values.")
    statuses = query_list(request, "processingStatuses")
    if set(statuses) - PROCESSING_STATUSES:
        raise InvalidInput("Invalid input", "Invalid input in processing status")
    marketplaces = query_list(request, "marketplaceIds")
    if marketplaces:
        _marketplaces(seller, marketplaces, 10)
    size = request.GET.get("pageSize", "10")
    if not size.isdigit() or not 1 <= int(size) <= 100:
        raise InvalidInput("Invalid input", "pageSize must be between 1 and 100.")
    now = clock.now()
    since, until = request.GET.get("createdSince"), request.GET.get("createdUntil")
    return {
        "seller": seller.seller_id,
        "types": types,
        "statuses": statuses,
        "since": (
            parse_time("createdSince", since) if since else now - timedelta(days=90)
        ).isoformat(),
        "until": (parse_time("createdUntil", until) if until else now).isoformat(),
        "size": int(size),
        "key": None,
    }


def list_reports(request: HttpRequest, seller: SandboxAmazonSeller) -> dict[str, Any]:
    """getReports: ``{"reports": [...], "nextToken"?}``, newest first. ``nextToken`` must come
    alone (the model: "Specifying nextToken with any other parameters will cause the request to
    fail"). Raises :class:`InvalidInput`."""
    token = request.GET.get("nextToken", "")
    if token:
        if set(request.GET) - {"nextToken"}:
            raise InvalidInput("Invalid input", "nextToken must be the only parameter.")
        try:
            state = signing.loads(token, salt=_SALT_LIST)
        except signing.BadSignature as exc:
            raise InvalidInput("Invalid input", "Invalid nextToken.") from exc
        if state.get("seller") != seller.seller_id:
            raise InvalidInput("Invalid input", "Invalid nextToken.")
    else:
        state = _list_state(request, seller)
    qs = SandboxAmazonReport.objects.filter(
        seller=seller,
        report_type__in=state["types"],
        created_time__gte=datetime.fromisoformat(state["since"]),
        created_time__lte=datetime.fromisoformat(state["until"]),
    ).select_related("document")
    if state["statuses"]:
        qs = qs.filter(processing_status__in=state["statuses"])
    if state["key"]:
        moment, pk = datetime.fromisoformat(state["key"][0]), state["key"][1]
        qs = qs.filter(Q(created_time__lt=moment) | Q(created_time=moment, pk__lt=pk))
    rows = list(qs.order_by("-created_time", "-pk")[: state["size"] + 1])
    page = rows[: state["size"]]
    body: dict[str, Any] = {"reports": [report_json(report) for report in page]}
    if len(rows) > state["size"]:
        following = {**state, "key": [page[-1].created_time.isoformat(), page[-1].pk]}
        body["nextToken"] = signing.dumps(following, salt=_SALT_LIST, compress=True)
    return body
