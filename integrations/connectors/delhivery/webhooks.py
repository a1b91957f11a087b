"""Delhivery's scan push, read by the generic inbox (``integrations.services.webhooks``).

Delhivery signs nothing: a push is a plain ``POST`` of ``{"Shipment": {"Status": {…},
"NSLCode", "AWB", …}}`` to the URL given on its webhook requirement form, with the headers
the form names (channel-apis.md §5.1 "Scan-push webhook body"; the documentation's "Webhook
Functionality": onboarding is by e-mail to lastmile-integration@delhivery.com, no API).
It retries a failed push once, immediately, and never re-pushes.

So Sangam puts a secret in the URL: ``/api/webhooks/delhivery/<push token>``. The token is
``<client name, base64url>.<32 random bytes, base64url>``: its first part names the account
key (only to choose the candidate secrets, like Shopify's shop-domain header), the whole token
is the secret, kept encrypted in the account's credentials as ``push_token`` (the connector's
``webhook_secret_field``) and compared in constant time (``verify_webhook``). A wrong, foreign
or missing token matches no account → 401, nothing stored.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import secrets
from collections.abc import Mapping
from typing import Any

from integrations.connectors.delhivery.mapping import (
    PUSH_TOPIC,
    push_dedup_key,
    push_event,
    push_shipment,
)
from integrations.events import WebhookDelivery

TOKEN_SEPARATOR = "."  # noqa: S105 - a separator, not a secret
TOKEN_RANDOM_BYTES = 32
PUSH_TOKEN_FIELD = "push_token"  # noqa: S105 - a credential's name, not a secret


def _b64(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def new_push_token(client_name: str) -> str:
    """A fresh push token for the account whose key (Delhivery client name) is
    ``client_name``."""
    return f"{_b64(client_name)}{TOKEN_SEPARATOR}{secrets.token_urlsafe(TOKEN_RANDOM_BYTES)}"


def token_account_key(token: str) -> str:
    """The account key a token names ("" for a malformed token)."""
    head, sep, tail = (token or "").partition(TOKEN_SEPARATOR)
    if not sep or not head or not tail:
        return ""
    try:
        return base64.urlsafe_b64decode(head + "=" * (-len(head) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return ""


def delivery(headers: Mapping[str, str], body: bytes, *, path_token: str = "") -> WebhookDelivery:
    """The delivery's facts: topic ``scan_push``, the account key the token names, the token
    as its "signature", the dedup key AWB|StatusDateTime|Status|StatusType (a hash of the body
    for a body that is not a push: it is stored as malformed once)."""
    try:
        parsed: Any = json.loads(body)
    except (ValueError, RecursionError):
        parsed = None
    key = push_dedup_key(parsed) if isinstance(parsed, Mapping) else ""
    if not key:
        key = "body:" + hashlib.sha256(body).hexdigest()
    awb = ""
    if isinstance(parsed, Mapping):
        try:
            awb = str(push_shipment(parsed).get("AWB") or "")
        except ValueError:
            awb = ""
    return WebhookDelivery(
        topic=PUSH_TOPIC,
        account_key=token_account_key(path_token),
        signature=path_token,
        delivery_id="",
        event_id=awb[:255],
        dedup_key=key,
        triggered_at=None,
        api_version="",
        stored_headers={
            k: v for k, v in headers.items() if k.lower() in ("content-type", "user-agent")
        },
    )


def verify(delivery: WebhookDelivery, secret: str) -> bool:
    """True when the URL's token is the account's ``push_token`` (constant time)."""
    token = delivery.signature or ""
    return bool(token and secret) and hmac.compare_digest(token.encode(), str(secret).encode())


def parse(topic: str, body: dict[str, Any]) -> tuple[Any, ...]:
    """The push's one scan as a ``TrackingEventDTO``; nothing for another topic. Raises
    ``MappingError`` for a body without AWB or readable time."""
    if topic != PUSH_TOPIC:
        return ()
    return (push_event(body),)
