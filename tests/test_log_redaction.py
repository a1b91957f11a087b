"""OAuth codes, hmacs and tokens never reach the logs (security issue §5): the console handler
masks them in every record, such as the development server's line for a failed callback."""

from __future__ import annotations

import io
import logging

import pytest

from config.log_redaction import RedactSecrets, redact

CALLBACK = (
    "GET /channels/shopify/oauth/callback?code=0907a61c0c8d55e99db179b68161bc00"
    "&hmac=700e2dadb827fcc8609e9d5ce208b2e9cdaab9df07390d2cbca10d7c328fc4bf"
    "&shop=brand.myshopify.com&state=0.6784241404160823&timestamp=1337178173 HTTP/1.1"
)


@pytest.fixture
def console():
    """The configured console handler (settings.LOGGING), writing into a buffer."""
    (handler,) = [
        h
        for h in logging.getLogger().handlers
        if any(isinstance(f, RedactSecrets) for f in h.filters)
    ]
    buffer = io.StringIO()
    previous = handler.setStream(buffer)
    try:
        yield buffer
    finally:
        handler.setStream(previous)


def test_a_failed_oauth_callback_logged_by_the_server_shows_no_code_or_hmac(console):
    # What django.core.servers.basehttp.WSGIRequestHandler.log_message logs for a 400.
    logging.getLogger("django.server").warning('"%s" %s %s', CALLBACK, "400", "52")
    line = console.getvalue()
    assert "/channels/shopify/oauth/callback?" in line
    assert '" 400 52' in line
    assert "0907a61c0c8d55e99db179b68161bc00" not in line
    assert "700e2dadb827fcc8609e9d5ce208b2e9cdaab9df07390d2cbca10d7c328fc4bf" not in line
    assert "0.6784241404160823" not in line
    assert "code=[redacted]&hmac=[redacted]&shop=brand.myshopify.com" in line
    assert "state=[redacted]&timestamp=1337178173" in line


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("?access_token=shpat_123&x=1", "?access_token=[redacted]&x=1"),
        (
            "spapi_oauth_code=ANabc&selling_partner_id=A1",
            "spapi_oauth_code=[redacted]&selling_partner_id=A1",
        ),
        (
            "refresh_token=Atzr|IwEB&client_secret=s3",
            "refresh_token=[redacted]&client_secret=[redacted]",
        ),
        ("zipcode=560001&barcode=890", "zipcode=560001&barcode=890"),  # not a 'code' parameter
        ("GET /api/returns?status=open HTTP/1.1", "GET /api/returns?status=open HTTP/1.1"),
    ],
)
def test_only_secret_parameters_are_masked(text, expected):
    assert redact(text) == expected


def test_records_without_secrets_keep_their_arguments():
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "run %s for %s", (7, "acct"), None)
    assert RedactSecrets().filter(record)
    assert (record.msg, record.args) == ("run %s for %s", (7, "acct"))
