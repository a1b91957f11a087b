"""Shopify app install, pure: the authorize URL, the callback's checks and the code exchange.

Flow (channel-apis.md §1.1; shopify.dev "Implement authorization code grant manually"): the
browser goes to ``{shop}/admin/oauth/authorize?client_id&scope&redirect_uri&state``; Shopify
calls back with ``code, hmac, shop, state, timestamp``; the ``hmac`` is the lower-case hex
HMAC-SHA256, with the app's client secret, of the other parameters sorted and form-encoded;
the code is exchanged by ``POST {shop}/admin/oauth/access_token`` for an offline token and the
granted ``scope``. The generic flow (state nonce in the session, account storage) is
``integrations.services.oauth``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode

from integrations.connectors.shopify.signatures import is_valid_shop_domain, verify_oauth_hmac
from integrations.events import CallbackRefused, OAuthApp
from integrations.http import HttpClient

# shopify-api-js rejects callbacks whose timestamp is more than 90 s from now
# (HMAC_TIMESTAMP_PERMITTED_CLOCK_TOLERANCE_SEC), channel-apis.md §1.1.
TIMESTAMP_TOLERANCE_SECONDS = 90


def shop_from(params: Mapping[str, str]) -> str:
    """The ``shop`` parameter, lower-cased; ``CallbackRefused(400)`` unless it is a
    ``your-store.myshopify.com`` domain (never redirect to anything else)."""
    shop = str(params.get("shop") or "").strip().lower()
    if not is_valid_shop_domain(shop):
        raise CallbackRefused("shop must be a your-store.myshopify.com domain.")
    return shop


def authorize_url(
    *, base_url: str, app: OAuthApp, scopes: str, redirect_uri: str, state: str
) -> str:
    """Shopify's authorize page for this install."""
    query = urlencode(
        {"client_id": app.api_key, "scope": scopes, "redirect_uri": redirect_uri, "state": state}
    )
    return f"{base_url}/admin/oauth/authorize?{query}"


def verify_callback(params: Mapping[str, str], *, app: OAuthApp, now: float) -> None:
    """The callback's ``hmac`` (401 when wrong) and the freshness of its ``timestamp``
    (within ±90 s of ``now``, Unix seconds). Raises ``CallbackRefused``."""
    if not verify_oauth_hmac(params, app.api_secret):
        raise CallbackRefused("The callback's hmac does not verify.", status=401)
    try:
        timestamp = float(params.get("timestamp") or "")
    except ValueError:
        raise CallbackRefused("The callback has no valid timestamp.") from None
    if abs(now - timestamp) > TIMESTAMP_TOLERANCE_SECONDS:
        raise CallbackRefused("The callback's timestamp is stale.")


def exchange_code(*, http: HttpClient, base_url: str, app: OAuthApp, code: str) -> dict[str, Any]:
    """``{"access_token": …, "scope": "read_orders,…"}`` for an authorization code. Raises
    ``ConnectorError`` (refused) or ``CallbackRefused`` (an answer without a token)."""
    response = http.request(
        "POST",
        f"{base_url}/admin/oauth/access_token",
        json={"client_id": app.api_key, "client_secret": app.api_secret, "code": code},
        headers={"Accept": "application/json"},
    )
    try:
        body = response.json()
    except ValueError:
        raise CallbackRefused("Shopify answered the code exchange with a non-JSON body.") from None
    if not isinstance(body, dict) or not body.get("access_token"):
        raise CallbackRefused("Shopify did not return an access token.")
    return {"access_token": body["access_token"], "scope": str(body.get("scope") or "")}
