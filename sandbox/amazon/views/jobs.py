"""Reports API and Feeds API 2021-06-30 endpoints, and the presigned document URLs."""

from __future__ import annotations

from django.http import FileResponse, HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from sandbox.amazon import documents, feeds, reports
from sandbox.amazon.models import (
    DocumentKind,
    SandboxAmazonDocument,
    SandboxAmazonFeed,
    SandboxAmazonReport,
    SandboxAmazonSeller,
)
from sandbox.amazon.params import NotFound, json_body
from sandbox.amazon.views.common import json_response, sp_api
from sandbox.kernel import clock


def _truthy(request: HttpRequest, name: str) -> bool:
    return request.GET.get(name, "").lower() == "true"


@sp_api("createReport")
def create_report(request: HttpRequest, seller: SandboxAmazonSeller) -> HttpResponse:
    """``POST /reports/2021-06-30/reports`` → 202 ``{"reportId"}``."""
    report = reports.create_report(seller, json_body(request))
    return json_response({"reportId": report.report_id}, 202)


@sp_api("getReports")
def get_reports(request: HttpRequest, seller: SandboxAmazonSeller) -> HttpResponse:
    """``GET /reports/2021-06-30/reports`` → ``{"reports", "nextToken"?}``."""
    return json_response(reports.list_reports(request, seller))


@sp_api("getReport")
def get_report(request: HttpRequest, seller: SandboxAmazonSeller, report_id: str) -> HttpResponse:
    """``GET /reports/2021-06-30/reports/{reportId}``; each call is one lifecycle poll."""
    report = SandboxAmazonReport.objects.filter(seller=seller, report_id=report_id).first()
    if report is None:
        raise NotFound(f"Report {report_id} not found.")
    return json_response(reports.report_json(reports.poll(report)))


def _document(
    seller: SandboxAmazonSeller, document_id: str, kinds: tuple[str, ...]
) -> SandboxAmazonDocument:
    document = (
        SandboxAmazonDocument.objects.filter(seller=seller, document_id=document_id, kind__in=kinds)
        .select_related("seller")
        .first()
    )
    if document is None:
        raise NotFound(f"Document {document_id} not found.")
    return document


def _document_json(request: HttpRequest, document: SandboxAmazonDocument, key: str) -> dict:
    body = {
        key: document.document_id,
        "url": documents.presigned_url(
            request,
            document,
            gzip_encoding=bool(document.compression)
            and _truthy(request, "enableContentEncodingUrlHeader"),
        ),
    }
    if document.compression:
        body["compressionAlgorithm"] = document.compression
    return body


@sp_api("getReportDocument")
def get_report_document(
    request: HttpRequest, seller: SandboxAmazonSeller, document_id: str
) -> HttpResponse:
    """``GET /reports/2021-06-30/documents/{reportDocumentId}`` →
    ``{reportDocumentId, url, compressionAlgorithm: "GZIP"}``."""
    document = _document(seller, document_id, (DocumentKind.REPORT,))
    return json_response(_document_json(request, document, "reportDocumentId"))


@sp_api("createFeedDocument")
def create_feed_document(request: HttpRequest, seller: SandboxAmazonSeller) -> HttpResponse:
    """``POST /feeds/2021-06-30/documents`` → 201 ``{feedDocumentId, url}`` (upload URL)."""
    document = feeds.create_feed_document(seller, json_body(request))
    url = documents.presigned_url(request, document)
    return json_response({"feedDocumentId": document.document_id, "url": url}, 201)


@sp_api("getFeedDocument")
def get_feed_document(
    request: HttpRequest, seller: SandboxAmazonSeller, document_id: str
) -> HttpResponse:
    """``GET /feeds/2021-06-30/documents/{feedDocumentId}`` → ``{feedDocumentId, url}``."""
    kinds = (DocumentKind.FEED_RESULT, DocumentKind.FEED_INPUT)
    return json_response(
        _document_json(request, _document(seller, document_id, kinds), "feedDocumentId")
    )


@sp_api("createFeed")
def create_feed(request: HttpRequest, seller: SandboxAmazonSeller) -> HttpResponse:
    """``POST /feeds/2021-06-30/feeds`` → 202 ``{"feedId"}``."""
    feed = feeds.create_feed(seller, json_body(request))
    return json_response({"feedId": feed.feed_id}, 202)


@sp_api("getFeed")
def get_feed(request: HttpRequest, seller: SandboxAmazonSeller, feed_id: str) -> HttpResponse:
    """``GET /feeds/2021-06-30/feeds/{feedId}``; each call is one lifecycle poll."""
    feed = SandboxAmazonFeed.objects.filter(seller=seller, feed_id=feed_id).first()
    if feed is None:
        raise NotFound(f"Feed {feed_id} not found.")
    return json_response(feeds.feed_json(feeds.poll(feed)))


def _s3_error(status: int, code: str, message: str) -> HttpResponse:
    return HttpResponse(
        documents.s3_error(code, message), status=status, content_type="application/xml"
    )


@csrf_exempt
@require_http_methods(["GET", "PUT"])
def document_file(request: HttpRequest, seller_id: str, document_id: str) -> HttpResponse:
    """A presigned document URL: ``GET`` downloads a report or processing report, ``PUT``
    uploads a feed document (its ``Content-Type`` must be the declared one)."""
    refused = documents.check_url(request, document_id)
    if refused is not None:
        return _s3_error(403, *refused)
    document = (
        SandboxAmazonDocument.objects.filter(seller__seller_id=seller_id, document_id=document_id)
        .select_related("seller")
        .first()
    )
    if document is None:
        return _s3_error(404, "NoSuchKey", "The specified key does not exist.")
    path = documents.path_of(document)
    if request.method == "PUT":
        if document.kind != DocumentKind.FEED_INPUT:
            return _s3_error(403, "AccessDenied", "Access Denied")
        sent = request.content_type or ""
        declared = document.content_type.split(";")[0].strip().lower()
        if sent.lower() != declared:
            return _s3_error(
                403,
                "SignatureDoesNotMatch",
                "The request signature we calculated does not match the signature you provided.",
            )
        path.write_bytes(request.body)
        document.size, document.uploaded_at = len(request.body), clock.now()
        document.save(update_fields=["size", "uploaded_at"])
        return HttpResponse(status=200)
    if not path.exists():
        return _s3_error(404, "NoSuchKey", "The specified key does not exist.")
    response = FileResponse(path.open("rb"), content_type=document.content_type)
    if request.GET.get("ContentEncoding") == "gzip":
        response["Content-Encoding"] = "gzip"
    return response
