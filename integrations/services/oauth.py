"""App install by the OAuth authorization-code grant, for any provider whose connector
declares ``Capability.OAUTH`` (``/channels/<provider>/oauth/install`` and ``…/callback``).

``oauth_begin`` validates the account key the install names (Shopify's ``shop``), stores a
single-use state nonce in the user's session and returns the provider's authorize URL;
``oauth_complete`` checks the callback (a pending install in this session, the account key,
the provider's own checks — Shopify's ``hmac`` and ``timestamp`` — the state nonce, the same
account key as at the start, the install's age), exchanges the code for a token, stores it
encrypted with the granted scopes, and registers webhooks and queues the first sync after
commit (``account_connected``). Any failed check raises ``OAuthError`` before anything is
written. The provider's part is its connector's OAuth methods (Shopify:
``integrations/connectors/shopify/oauth.py``; channel-apis.md §1.1).
"""

from __future__ import annotations

import logging
import secrets
import time
from collections.abc import Mapping, MutableMapping
from typing import Any

from django.conf import settings
from django.db import transaction

from accounts.models import Merchant
from integrations.connectors.base import Capability, Connector
from integrations.events import CallbackRefused, OAuthApp
from integrations.http import HttpClient
from integrations.models import AccountStatus, ChannelAccount, ProviderAppCredential
from integrations.registry import UnknownProvider, get_connector_class
from integrations.services.accounts import (
    account_connected,
    account_store_scopes,
    sandbox_base_url,
)

logger = logging.getLogger(__name__)

STATE_TTL_SECONDS = 600


class OAuthError(CallbackRefused):
    """A failed install/callback check. ``status`` is the HTTP status to answer (400/401;
    404 for a provider without OAuth)."""


def oauth_connector(provider: str) -> type[Connector]:
    """The connector class of a provider installed by OAuth; ``OAuthError(404)`` otherwise."""
    try:
        cls = get_connector_class(provider)
    except UnknownProvider:
        raise OAuthError(f"Unknown provider '{provider}'.", status=404) from None
    if Capability.OAUTH not in cls.capabilities:
        raise OAuthError(f"{cls.label} is not installed by OAuth.", status=404)
    return cls


def _session_key(provider: str) -> str:
    return f"{provider}_oauth"


def oauth_app(provider: str, merchant: Merchant | None) -> OAuthApp:
    """The provider app an install goes through: the merchant's own app credential if staff
    stored one, else the platform's credential, else the settings the connector names in
    ``app_settings`` (``SHOPIFY_API_KEY``/``SHOPIFY_API_SECRET``)."""
    cred = None
    if merchant is not None:
        cred = ProviderAppCredential.objects.filter(merchant=merchant, provider=provider).first()
    if cred is None:
        cred = ProviderAppCredential.objects.filter(
            merchant__isnull=True, provider=provider
        ).first()
    if cred is not None:
        return OAuthApp(cred.api_key, cred.get_credentials().get("api_secret", ""))
    key_setting, secret_setting, _ = get_connector_class(provider).app_settings
    return OAuthApp(
        getattr(settings, key_setting, "") if key_setting else "",
        getattr(settings, secret_setting, "") if secret_setting else "",
    )


def oauth_scopes(provider: str) -> str:
    """The scopes Sangam asks the provider for (the setting named by ``app_settings``)."""
    scopes_setting = get_connector_class(provider).app_settings[2]
    return str(getattr(settings, scopes_setting, "")) if scopes_setting else ""


def _base_url(cls: type[Connector], account_key: str, *, sandbox: bool) -> str:
    return sandbox_base_url(cls.id, account_key) if sandbox else cls.api_root(account_key)


def oauth_begin(
    *,
    provider: str,
    session: MutableMapping[str, Any],
    merchant: Merchant,
    params: Mapping[str, str],
    sandbox: bool,
    redirect_uri: str,
) -> str:
    """Validate the account key ``params`` name, bind a fresh state nonce to the session,
    return the provider's authorize URL. Raises ``OAuthError`` (a malformed key: 400, never a
    redirect)."""
    cls = oauth_connector(provider)
    try:
        account_key = cls.oauth_account_key(params)
    except CallbackRefused as exc:
        raise OAuthError(str(exc), status=exc.status) from None
    if sandbox and not settings.SANDBOX_ENABLED:
        raise OAuthError("The sandbox is not enabled on this server.")
    app = oauth_app(provider, merchant)
    state = secrets.token_urlsafe(24)
    session[_session_key(provider)] = {
        "state": state,
        "shop": account_key,
        "sandbox": bool(sandbox),
        "merchant_id": merchant.pk,
        "created": time.time(),
        "redirect_uri": redirect_uri,
    }
    return cls.authorize_url(
        base_url=_base_url(cls, account_key, sandbox=sandbox),
        app=app,
        scopes=oauth_scopes(provider),
        redirect_uri=redirect_uri,
        state=state,
    )


def oauth_complete(
    *,
    provider: str,
    session: MutableMapping[str, Any],
    merchant: Merchant,
    params: Mapping[str, str],
    now: float | None = None,
) -> ChannelAccount:
    """Verify the callback and finish the install (see the module docstring). Returns the
    connected account. Raises ``OAuthError`` (or ``ConnectorError`` when the provider refuses
    the code) and changes no account in that case."""
    cls = oauth_connector(provider)
    pending = session.get(_session_key(provider))
    if not pending or pending.get("merchant_id") != merchant.pk:
        raise OAuthError(f"No {cls.label} install is pending in this session; start again.")
    now = time.time() if now is None else now
    app = oauth_app(provider, merchant)
    try:
        account_key = cls.oauth_account_key(params)
        cls.verify_callback(params, app=app, now=now)
    except CallbackRefused as exc:
        raise OAuthError(str(exc), status=exc.status) from None
    if not secrets.compare_digest(str(params.get("state") or ""), str(pending.get("state"))):
        raise OAuthError("The callback's state does not match this session.")
    if account_key != pending.get("shop"):
        raise OAuthError("The callback is for a different shop than the one being installed.")
    if now - float(pending.get("created") or 0) > STATE_TTL_SECONDS:
        raise OAuthError("The install took too long; start again.")
    code = params.get("code") or ""
    if not code:
        raise OAuthError("The callback has no authorization code.")
    session.pop(_session_key(provider), None)
    sandbox = bool(pending.get("sandbox"))
    base_url = _base_url(cls, account_key, sandbox=sandbox)
    http = HttpClient(provider=provider, account_key=account_key, max_retries=0)
    try:
        token = cls.exchange_code(http=http, base_url=base_url, app=app, code=code)
    except CallbackRefused as exc:
        raise OAuthError(str(exc), status=exc.status) from None
    with transaction.atomic():
        account, _ = ChannelAccount.objects.select_for_update().get_or_create(
            merchant=merchant, provider=provider, external_id=account_key
        )
        account.display_name = account.display_name or account_key
        account.api_base_url = base_url if sandbox else ""
        account.status = AccountStatus.CONNECTED
        account.last_error = ""
        account_store_scopes(account=account, scopes=token.get("scope", ""))
        account.set_credentials({"access_token": token["access_token"]})
        account.settings = {**(account.settings or {}), "api_key": app.api_key}
        account.save()
        account_connected(account=account)
    logger.info("%s app installed on %s (account %s)", provider, account_key, account.pk)
    return account
