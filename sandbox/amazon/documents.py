"""Report and feed documents: where their bytes live and their presigned URLs.

Amazon hands out S3 presigned URLs that expire after five minutes (``ReportDocument.url``,
``FeedDocument.url``, ``CreateFeedDocumentResponse.url``). The sandbox signs
``<document id>:<expiry>[:gzip]`` with an HMAC of the project's secret key and serves the bytes
at ``<root>/files/<document id>?Expires=…&Signature=…``; an expired or forged URL is refused as
S3 refuses it (403 ``AccessDenied`` XML). Upload URLs accept one ``PUT`` whose ``Content-Type``
equals the one declared in createFeedDocument (S3 signs it too: ``SignatureDoesNotMatch``).
"""

from __future__ import annotations

import secrets
import string
import uuid
from pathlib import Path
from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpRequest
from django.urls import reverse
from django.utils.crypto import constant_time_compare, salted_hmac

from sandbox.amazon.constants import DOCUMENT_URL_SECONDS
from sandbox.amazon.models import (
    DocumentKind,
    SandboxAmazonDocument,
    SandboxAmazonSeller,
)
from sandbox.kernel import clock

_SALT = "sandbox-amazon-document-url"
_ALPHABET = string.ascii_uppercase + string.digits


def storage_dir(seller: SandboxAmazonSeller) -> Path:
    """``VAR_DIR/sandbox/amazon/<seller id>`` (created on demand)."""
    folder = Path(settings.VAR_DIR) / "sandbox" / "amazon" / seller.seller_id
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def path_of(document: SandboxAmazonDocument) -> Path:
    """The file holding ``document``'s bytes (its id made filesystem-safe)."""
    safe = document.document_id.replace("|", "_").replace("/", "_")
    return storage_dir(document.seller) / safe


def _new_id(kind: str) -> str:
    tail = "".join(secrets.choice(_ALPHABET) for _ in range(13))
    if kind == DocumentKind.REPORT:
        # e.g. amzn1.spdoc.1.4.eu.0c4a….T1ZKAL0SL02MH.2609 (report document ids).
        return f"amzn1.spdoc.1.4.eu.{uuid.uuid4()}.T{tail}.{secrets.randbelow(9000) + 1000}"
    # e.g. amzn1.tortuga.3.0a3ffe93-….T1ZKAL0SL02MHS (feed document ids).
    return f"amzn1.tortuga.4.eu.{uuid.uuid4()}.T{tail}"


def create_document(
    seller: SandboxAmazonSeller, kind: str, content_type: str, compression: str = ""
) -> SandboxAmazonDocument:
    """A new document row of ``kind`` (a :class:`DocumentKind`); its file is written later."""
    return SandboxAmazonDocument.objects.create(
        seller=seller,
        document_id=_new_id(kind),
        kind=kind,
        content_type=content_type,
        compression=compression,
        created_at=clock.now(),
    )


def _signature(document_id: str, expires: int, encoding: str) -> str:
    return salted_hmac(_SALT, f"{document_id}:{expires}:{encoding}").hexdigest()


def presigned_url(
    request: HttpRequest, document: SandboxAmazonDocument, *, gzip_encoding: bool = False
) -> str:
    """Absolute URL of ``document``'s bytes, valid for five minutes of sandbox time.

    ``gzip_encoding`` makes the download carry ``Content-Encoding: gzip`` (the
    ``enableContentEncodingUrlHeader`` option of getReportDocument/getFeedDocument)."""
    expires = int(clock.time()) + DOCUMENT_URL_SECONDS
    encoding = "gzip" if gzip_encoding else ""
    query = {"Expires": expires, "Signature": _signature(document.document_id, expires, encoding)}
    if encoding:
        query["ContentEncoding"] = encoding
    path = reverse("sandbox_amazon:file", args=[document.seller.seller_id, document.document_id])
    return request.build_absolute_uri(f"{path}?{urlencode(query)}")


def check_url(request: HttpRequest, document_id: str) -> tuple[str, str] | None:
    """``None`` when the request's ``Expires``/``Signature`` are valid for ``document_id``, else
    S3's error ``(code, message)``."""
    expires = request.GET.get("Expires", "")
    encoding = request.GET.get("ContentEncoding", "")
    if not expires.isdigit():
        return (
            "AccessDenied",
            "Query-string authentication requires the Signature and Expires parameters",
        )
    expected = _signature(document_id, int(expires), encoding)
    if not constant_time_compare(expected, request.GET.get("Signature", "")):
        return (
            "SignatureDoesNotMatch",
            "The request signature we calculated does not match the signature you provided.",
        )
    if int(expires) < clock.time():
        return "AccessDenied", "Request has expired"
    return None


def s3_error(code: str, message: str) -> str:
    """S3's XML error body."""
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f"<Error><Code>{code}</Code><Message>{message}</Message>"
        f"<RequestId>{secrets.token_hex(8).upper()}</RequestId></Error>"
    )
