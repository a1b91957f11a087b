"""Shiprocket's tracking webhook, read by the generic inbox (``integrations.services.webhooks``).

Shiprocket signs nothing: a status change is a plain ``POST`` of the tracking body
(:mod:`.mapping`) to the URL set in its panel (Settings → API → Webhooks), with an optional
``x-api-key`` header carrying a token the seller types in next to the URL; it wants HTTP 200
and its retries are not documented (logistics-finance-notes.md §1, M).

Shiprocket refuses a webhook URL that contains "shiprocket", "kartrocket", "sr" or "kr" (same
source). So the inbox path of a Shiprocket account is ``/api/webhooks/courier-push/<token>``
(the connector's ``webhook_url_slug``; ``/api/webhooks/shiprocket/<token>`` works too, but
Shiprocket would not take it), and the token is made only of ``[0-9a-f.]``:
``<account key, hex>.<32 random bytes, hex>``, so no forbidden word can occur in it by
construction. Its first part names the account key (the API user's email: only to choose the
candidate secrets), the whole token is the secret, kept encrypted in the account's credentials
as ``push_token`` (``webhook_secret_field``). A delivery is accepted when either the URL's
token or the ``x-api-key`` header equals it (constant time); anything else → 401, nothing
stored. The domain of ``PUBLIC_BASE_URL`` is the deployment's: ``register_webhooks`` refuses
to hand out a URL in which it finds a forbidden word.
"""

from __future__ import annotations

import binascii
import hashlib
import hmac
import json
import secrets
from collections.abc import Mapping
from typing import Any

from integrations.connectors.shiprocket.mapping import (
    WEBHOOK_TOPIC,
    webhook_dedup_key,
    webhook_events,
)
from integrations.events import WebhookDelivery

TOKEN_SEPARATOR = "."  # noqa: S105 - a separator, not a secret
TOKEN_RANDOM_BYTES = 32
PUSH_TOKEN_FIELD = "push_token"  # noqa: S105 - a credential's name, not a secret
API_KEY_HEADER = "x-api-key"
# Words Shiprocket refuses in a webhook URL (logistics-finance-notes.md §1).
FORBIDDEN_URL_WORDS = ("shiprocket", "kartrocket", "sr", "kr")
URL_SLUG = "courier-push"
# The signature field carries both candidates, URL token first: "<token>\n<x-api-key>".
_JOIN = "\n"


def forbidden_word(url: str) -> str:
    """The first word Shiprocket refuses that ``url`` contains (case-insensitive), or ""."""
    lowered = url.lower()
    return next((w for w in FORBIDDEN_URL_WORDS if w in lowered), "")


def new_push_token(account_key: str) -> str:
    """A fresh push token for the account whose key (API user email) is ``account_key``:
    hex only, so free of every forbidden word."""
    return f"{account_key.encode().hex()}{TOKEN_SEPARATOR}{secrets.token_hex(TOKEN_RANDOM_BYTES)}"


def token_account_key(token: str) -> str:
    """The account key a token names ("" for a malformed token)."""
    head, sep, tail = (token or "").partition(TOKEN_SEPARATOR)
    if not sep or not head or not tail:
        return ""
    try:
        return bytes.fromhex(head).decode()
    except (ValueError, binascii.Error, UnicodeDecodeError):
        return ""


def delivery(headers: Mapping[str, str], body: bytes, *, path_token: str = "") -> WebhookDelivery:
    """The delivery's facts: topic ``tracking``, the account key the URL token names (or, for
    a malformed URL token, the one the ``x-api-key`` names), both candidate secrets as the
    "signature", the dedup key AWB|current_timestamp|current_status_id (a body hash for a body
    that is not a tracking update: it is stored as malformed once)."""
    lowered = {k.lower(): v for k, v in headers.items()}
    api_key = str(lowered.get(API_KEY_HEADER) or "").strip()
    try:
        parsed: Any = json.loads(body)
    except (ValueError, RecursionError):
        parsed = None
    key = webhook_dedup_key(parsed) if isinstance(parsed, Mapping) else ""
    if not key:
        key = "body:" + hashlib.sha256(body).hexdigest()
    awb = str(parsed.get("awb") or "") if isinstance(parsed, Mapping) else ""
    account_key = token_account_key(path_token) or token_account_key(api_key)
    return WebhookDelivery(
        topic=WEBHOOK_TOPIC,
        account_key=account_key,
        signature=f"{path_token}{_JOIN}{api_key}",
        delivery_id="",
        event_id=awb[:255],
        dedup_key=key,
        triggered_at=None,
        api_version="",
        stored_headers={k: v for k, v in lowered.items() if k in ("content-type", "user-agent")},
    )


def verify(delivery: WebhookDelivery, secret: str) -> bool:
    """True when the URL's token or the ``x-api-key`` is the account's ``push_token``
    (constant time; both compared, whatever the first gives)."""
    if not secret:
        return False
    path_token, _, api_key = (delivery.signature or "").partition(_JOIN)
    expected = str(secret).encode()
    by_path = bool(path_token) and hmac.compare_digest(path_token.encode(), expected)
    by_key = bool(api_key) and hmac.compare_digest(api_key.encode(), expected)
    return by_path or by_key


def parse(topic: str, body: dict[str, Any]) -> tuple[Any, ...]:
    """The webhook's scans as ``TrackingEventDTO``s; nothing for another topic. Raises
    ``MappingError`` for a body without AWB or readable time."""
    if topic != WEBHOOK_TOPIC:
        return ()
    return webhook_events(body)
