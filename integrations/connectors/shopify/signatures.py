"""Shopify signature checks, exactly as Shopify computes them (channel-apis.md §1.1, §1.3).

- OAuth callback/install query: drop ``hmac`` (and ``signature``), sort the remaining keys,
  form-encode ``key=value`` pairs joined by ``&``, HMAC-SHA256 with the app's API secret,
  lower-case hex; compare in constant time.
- Webhooks: base64(HMAC-SHA256(secret, raw body bytes)) in ``X-Shopify-Hmac-Sha256``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from collections.abc import Iterable, Mapping
from urllib.parse import urlencode

SHOP_DOMAIN_RE = re.compile(r"^[a-zA-Z0-9][a-zA-Z0-9-]*\.myshopify\.com$")


def is_valid_shop_domain(shop: str | None) -> bool:
    """True for ``name.myshopify.com`` only (channel-apis.md §1.1 recommendation)."""
    return bool(shop) and bool(SHOP_DOMAIN_RE.fullmatch(shop))


def oauth_message(params: Mapping[str, str] | Iterable[tuple[str, str]]) -> str:
    """The string Shopify signs: params minus ``hmac``/``signature``, sorted, form-encoded."""
    items = params.items() if isinstance(params, Mapping) else params
    kept = sorted((k, v) for k, v in items if k not in ("hmac", "signature"))
    return urlencode(kept)


def oauth_hmac(params: Mapping[str, str] | Iterable[tuple[str, str]], secret: str) -> str:
    """Lower-case hex HMAC-SHA256 of :func:`oauth_message` keyed with the app secret."""
    return hmac.new(secret.encode(), oauth_message(params).encode(), hashlib.sha256).hexdigest()


def verify_oauth_hmac(params: Mapping[str, str], secret: str) -> bool:
    """Constant-time check of the ``hmac`` query parameter."""
    given = params.get("hmac") or ""
    if not given or not secret:
        return False
    return hmac.compare_digest(oauth_hmac(params, secret), given)


def webhook_hmac(body: bytes, secret: str) -> str:
    """base64 HMAC-SHA256 of the raw body, as in ``X-Shopify-Hmac-Sha256``."""
    digest = hmac.new(secret.encode(), body, hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def verify_webhook_hmac(body: bytes, given: str | None, secrets: Iterable[str]) -> bool:
    """True if ``given`` matches the body's HMAC under any candidate secret (constant time;
    every candidate is checked so timing does not reveal which one matched)."""
    if not given:
        return False
    matched = False
    for secret in secrets:
        if secret and hmac.compare_digest(webhook_hmac(body, secret), given):
            matched = True
    return matched
