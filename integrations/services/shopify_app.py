"""Shopify app install (authorization-code grant) and webhook registration.

Flow (channel-apis.md §1.1; shopify.dev "Implement authorization code grant manually"):
``shopify_oauth_begin`` validates the shop and stores a single-use state nonce in the user's
session, then the browser goes to ``{shop}/admin/oauth/authorize``; ``shopify_oauth_complete``
verifies the callback's ``hmac`` (sorted, form-encoded params, HMAC-SHA256 hex), the state,
the shop and the timestamp's freshness, exchanges the code at ``/admin/oauth/access_token``,
stores the token encrypted, registers webhooks and queues the initial sync. Any failed check
raises ``OAuthError`` before anything is written.
"""

from __future__ import annotations

import logging
import secrets
import time
from collections.abc import Mapping, MutableMapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from accounts.models import Merchant
from integrations.connectors.shopify.signatures import is_valid_shop_domain, verify_oauth_hmac
from integrations.http import HttpClient
from integrations.models import (
    AccountStatus,
    ChannelAccount,
    ProviderAppCredential,
    WebhookSubscription,
)
from integrations.services.accounts import (
    account_connected,
    account_store_scopes,
    build_connector,
    sandbox_base_url,
)

logger = logging.getLogger(__name__)

SESSION_KEY = "shopify_oauth"
STATE_TTL_SECONDS = 600
# shopify-api-js rejects callbacks whose timestamp is more than 90 s from now
# (HMAC_TIMESTAMP_PERMITTED_CLOCK_TOLERANCE_SEC), channel-apis.md §1.1.
TIMESTAMP_TOLERANCE_SECONDS = 90
WEBHOOK_PATH = "/api/webhooks/shopify"


class OAuthError(Exception):
    """A failed install/callback check. ``status`` is the HTTP status to answer (400/401)."""

    def __init__(self, message: str, *, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True, slots=True)
class AppCredentials:
    api_key: str
    api_secret: str


def shopify_app_credentials(merchant: Merchant | None) -> AppCredentials:
    """The Shopify app used for OAuth: the merchant's own app credential if staff stored one,
    else ``SHOPIFY_API_KEY``/``SHOPIFY_API_SECRET``."""
    cred = None
    if merchant is not None:
        cred = ProviderAppCredential.objects.filter(merchant=merchant, provider="shopify").first()
    if cred is None:
        cred = ProviderAppCredential.objects.filter(
            merchant__isnull=True, provider="shopify"
        ).first()
    if cred is not None:
        return AppCredentials(cred.api_key, cred.get_credentials().get("api_secret", ""))
    return AppCredentials(settings.SHOPIFY_API_KEY, settings.SHOPIFY_API_SECRET)


def shop_base_url(shop: str, *, sandbox: bool) -> str:
    return sandbox_base_url("shopify", shop) if sandbox else f"https://{shop}"


def shopify_oauth_begin(
    *,
    session: MutableMapping[str, Any],
    merchant: Merchant,
    shop: str,
    sandbox: bool,
    redirect_uri: str,
) -> str:
    """Validate ``shop``, bind a fresh state nonce to the session, return the authorize URL.

    Raises ``OAuthError(400)`` for a shop that is not ``*.myshopify.com`` (never redirects)."""
    shop = (shop or "").strip().lower()
    if not is_valid_shop_domain(shop):
        raise OAuthError("shop must be a your-store.myshopify.com domain.")
    if sandbox and not settings.SANDBOX_ENABLED:
        raise OAuthError("The sandbox is not enabled on this server.")
    app = shopify_app_credentials(merchant)
    state = secrets.token_urlsafe(24)
    session[SESSION_KEY] = {
        "state": state,
        "shop": shop,
        "sandbox": bool(sandbox),
        "merchant_id": merchant.pk,
        "created": time.time(),
        "redirect_uri": redirect_uri,
    }
    query = urlencode(
        {
            "client_id": app.api_key,
            "scope": settings.SHOPIFY_SCOPES,
            "redirect_uri": redirect_uri,
            "state": state,
        }
    )
    return f"{shop_base_url(shop, sandbox=sandbox)}/admin/oauth/authorize?{query}"


def shopify_oauth_complete(
    *,
    session: MutableMapping[str, Any],
    merchant: Merchant,
    params: Mapping[str, str],
    now: float | None = None,
) -> ChannelAccount:
    """Verify the callback and finish the install. Returns the connected account.

    Checks, in order: a pending install in this session; the shop domain's form and that it is
    the shop this session started with; the ``hmac`` (401 if wrong); the state nonce; the
    timestamp within ±90 s. Raises ``OAuthError`` (or ``ConnectorError`` if the code exchange
    fails) and changes no account in that case."""
    pending = session.get(SESSION_KEY)
    if not pending or pending.get("merchant_id") != merchant.pk:
        raise OAuthError("No Shopify install is pending in this session; start again.")
    shop = (params.get("shop") or "").lower()
    if not is_valid_shop_domain(shop):
        raise OAuthError("The callback's shop is not a myshopify.com domain.")
    app = shopify_app_credentials(merchant)
    if not verify_oauth_hmac(params, app.api_secret):
        raise OAuthError("The callback's hmac does not verify.", status=401)
    if not secrets.compare_digest(str(params.get("state") or ""), str(pending.get("state"))):
        raise OAuthError("The callback's state does not match this session.")
    if shop != pending.get("shop"):
        raise OAuthError("The callback is for a different shop than the one being installed.")
    now = time.time() if now is None else now
    if now - float(pending.get("created") or 0) > STATE_TTL_SECONDS:
        raise OAuthError("The install took too long; start again.")
    try:
        timestamp = float(params.get("timestamp") or "")
    except ValueError:
        raise OAuthError("The callback has no valid timestamp.") from None
    if abs(now - timestamp) > TIMESTAMP_TOLERANCE_SECONDS:
        raise OAuthError("The callback's timestamp is stale.")
    code = params.get("code") or ""
    if not code:
        raise OAuthError("The callback has no authorization code.")
    session.pop(SESSION_KEY, None)
    base_url = shop_base_url(shop, sandbox=bool(pending.get("sandbox")))
    token = _exchange_code(base_url=base_url, shop=shop, app=app, code=code)
    with transaction.atomic():
        account, _ = ChannelAccount.objects.select_for_update().get_or_create(
            merchant=merchant, provider="shopify", external_id=shop
        )
        account.display_name = account.display_name or shop
        account.api_base_url = base_url if pending.get("sandbox") else ""
        account.status = AccountStatus.CONNECTED
        account.last_error = ""
        account_store_scopes(account=account, scopes=token.get("scope", ""))
        account.set_credentials({"access_token": token["access_token"]})
        account.settings = {**(account.settings or {}), "api_key": app.api_key}
        account.save()
        account_connected(account=account)
    logger.info("shopify app installed on %s (account %s)", shop, account.pk)
    return account


def _exchange_code(*, base_url: str, shop: str, app: AppCredentials, code: str) -> dict[str, Any]:
    http = HttpClient(provider="shopify", account_key=shop, max_retries=0)
    response = http.request(
        "POST",
        f"{base_url}/admin/oauth/access_token",
        json={"client_id": app.api_key, "client_secret": app.api_secret, "code": code},
        headers={"Accept": "application/json"},
    )
    try:
        body = response.json()
    except ValueError:
        raise OAuthError("Shopify answered the code exchange with a non-JSON body.") from None
    if not body.get("access_token"):
        raise OAuthError("Shopify did not return an access token.")
    return body


def webhook_callback_url() -> str:
    return f"{settings.PUBLIC_BASE_URL}{WEBHOOK_PATH}"


def shopify_register_webhooks(*, account: ChannelAccount) -> list[WebhookSubscription]:
    """Subscribe the account's shop to Sangam's topics at ``{PUBLIC_BASE_URL}/api/webhooks/
    shopify`` and mirror the subscriptions locally. Raises ``ConnectorError``."""
    connector = build_connector(account)
    registrations = connector.register_webhooks(callback_url=webhook_callback_url())
    now = timezone.now()
    rows = [
        WebhookSubscription(
            account=account,
            topic=r.topic,
            remote_id=r.remote_id,
            callback_url=r.callback_url,
            api_version=r.api_version,
            updated_at=now,
        )
        for r in registrations
    ]
    WebhookSubscription.objects.bulk_create(
        rows,
        update_conflicts=True,
        unique_fields=["account", "topic"],
        update_fields=["remote_id", "callback_url", "api_version", "updated_at"],
    )
    return list(WebhookSubscription.objects.filter(account=account))
