"""Channel account services: build connectors, connect with credentials, disconnect."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from accounts.models import Merchant
from integrations.connectors.base import Capability, Connector, ConnectType
from integrations.dto import AccountHandle, granted_scopes
from integrations.http import ConnectorError, HttpClient
from integrations.models import AccountStatus, ChannelAccount
from integrations.registry import get_connector_class

logger = logging.getLogger(__name__)


class ConnectValidationError(Exception):
    """Bad connect input; ``field`` names the offending field (→ HTTP 400)."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


def sandbox_base_url(provider: str, external_id: str) -> str:
    """The built-in sandbox's API root for an account, e.g.
    ``{PUBLIC_BASE_URL}/sandbox/shopify/demo.myshopify.com``. Raises if the sandbox is off."""
    if not settings.SANDBOX_ENABLED:
        raise ConnectValidationError("The sandbox is not enabled on this server.", field="sandbox")
    return f"{settings.PUBLIC_BASE_URL}/sandbox/{provider}/{external_id}"


def account_handle(account: ChannelAccount) -> AccountHandle:
    """The ORM-free view of an account a connector receives (credentials decrypted)."""
    return AccountHandle(
        id=account.pk,
        merchant_id=account.merchant_id,
        provider=account.provider,
        external_id=account.external_id,
        base_url=account.api_base_url,
        credentials=account.get_credentials(),
        settings=dict(account.settings or {}),
        scopes=account.scopes,
    )


def build_connector(
    account: ChannelAccount, *, sleep: Callable[[float], None] | None = None, **kwargs: Any
) -> Connector:
    """A ready connector for ``account`` with its own ``HttpClient``; secrets the connector
    refreshes (Flipkart's 60-day token) are written back encrypted with their expiry."""
    cls = get_connector_class(account.provider)
    http_kwargs = {"sleep": sleep} if sleep else {}
    http = HttpClient(provider=account.provider, account_key=str(account.pk), **http_kwargs)
    connector = cls(account_handle(account), http, **kwargs)
    connector.credentials_saver = lambda updates, expires_at: account_store_credentials(
        account_id=account.pk, updates=updates, expires_at=expires_at
    )
    return connector


def account_check_connection(*, account: ChannelAccount) -> dict[str, Any]:
    """Make the connector's cheapest authenticated call (``check_credentials``) and return what
    it learnt (name, domain…). The access scopes it reports (Shopify:
    ``currentAppInstallation.accessScopes``) replace the stored grant, so a scope the merchant
    granted or withdrew since the connect shows on the account and decides what the connector
    reads (``read_returns``). Raises ``ConnectorError``."""
    facts = build_connector(account).check_credentials() or {}
    if facts.get("scopes"):
        with transaction.atomic():
            account_store_scopes(account=account, scopes=str(facts["scopes"]))
            account.save(update_fields=["scopes", "updated_at"])
    return facts


def account_store_scopes(*, account: ChannelAccount, scopes: str) -> None:
    """Set ``account.scopes`` (not saved: the caller saves it with its other changes) to the
    grant a provider reported. A grant that now covers a scope of the connector's
    ``scope_streams`` and did not before (or was unknown) queues that stream over its window
    once the caller commits, if the stream has run before (Shopify's ``read_returns``: the
    refunds read without it are re-read with their Shopify returns, which take those refund
    returns over, ``returns.services.imports``, instead of returning the units twice)."""
    before = granted_scopes(account.scopes)
    account.scopes = scopes[:1000]
    newly_granted = granted_scopes(account.scopes) - before
    rereads = [
        (stream, window)
        for scope, (stream, window) in get_connector_class(account.provider).scope_streams.items()
        if scope in newly_granted
    ]
    if not rereads or account.pk is None:
        return
    account_id = account.pk

    def reread() -> None:
        from integrations.services.sync import last_cursor, request_sync

        fresh = ChannelAccount.objects.get(pk=account_id)
        for stream, window in rereads:
            since = (timezone.now() - window).strftime("%Y-%m-%dT%H:%M:%SZ")
            # Without a cursor the stream's first poll reads that window anyway.
            if fresh.is_active and last_cursor(fresh, stream):
                request_sync(
                    account=fresh, streams=[stream], options={"since": since}, background=True
                )

    transaction.on_commit(reread)


def account_store_credentials(
    *, account_id: int, updates: dict[str, Any], expires_at: datetime | None = None
) -> None:
    """Merge refreshed secrets into an account's encrypted credentials and record the token
    expiry; row-locked so two workers refreshing at once cannot lose each other's write."""
    with transaction.atomic():
        account = ChannelAccount.objects.select_for_update().get(pk=account_id)
        account.update_credentials(**updates)
        fields = ["credentials_encrypted", "updated_at"]
        if expires_at is not None:
            account.token_expires_at = expires_at
            fields.append("token_expires_at")
        account.save(update_fields=fields)


def connect_with_credentials(
    *,
    merchant: Merchant,
    provider: str,
    data: dict[str, Any],
    use_sandbox: bool = False,
    api_base_url: str = "",
) -> ChannelAccount:
    """Validate the provider's required fields, verify them against the provider, then store
    them and ensure the ``ChannelAccount`` (status connected); webhooks and the first sync
    follow after commit (``account_connected``).

    Secret fields are stored encrypted in the credentials; the other fields (seller id,
    marketplace ids, region, location id) in ``ChannelAccount.settings``, with the field's
    default when left empty. The connector's ``account_key_field`` becomes the ``external_id``.
    ``api_base_url`` is for staff tools only; merchants can only ask for the sandbox.
    Raises ``ConnectValidationError`` (missing/invalid field) or ``ConnectorError`` (the
    provider refused the credentials); nothing is stored in either case.
    """
    cls = get_connector_class(provider)
    for field in cls.required_fields():
        value = data.get(field.name)
        if (value is None or str(value).strip() == "") and not field.default:
            raise ConnectValidationError(f"'{field.name}' is required.", field=field.name)
    try:
        external_id = cls.account_key(data)
    except ValueError as exc:
        raise ConnectValidationError(str(exc), field=cls.account_key_field or None) from None
    base_url = api_base_url or (sandbox_base_url(provider, external_id) if use_sandbox else "")
    values = {
        f.name: str(data.get(f.name) or "").strip() or f.default for f in cls.credential_fields
    }
    secrets = {f.name: values[f.name] for f in cls.credential_fields if f.secret and values[f.name]}
    public = {
        f.name: values[f.name] for f in cls.credential_fields if not f.secret and values[f.name]
    }
    handle = AccountHandle(
        id=None,
        merchant_id=merchant.pk,
        provider=provider,
        external_id=external_id,
        base_url=base_url,
        credentials=dict(secrets),
        settings=dict(public),
    )
    checker = cls(handle, HttpClient(provider=provider, account_key=external_id))
    facts = checker.check_credentials()
    with transaction.atomic():
        account, created = ChannelAccount.objects.select_for_update().get_or_create(
            merchant=merchant, provider=provider, external_id=external_id
        )
        previous = {} if created or not cls.kept_credentials else account.get_credentials()
        kept = {k: previous[k] for k in cls.kept_credentials if previous.get(k)}
        account.display_name = facts.get("name") or external_id
        account.api_base_url = base_url
        account.status = AccountStatus.CONNECTED
        account.last_error = ""
        # Secrets the check obtained (e.g. Flipkart's access token) are kept too, and those
        # Sangam issued for the account (``kept_credentials``).
        account.set_credentials({**kept, **secrets, **checker.account.credentials})
        account.settings = {**(account.settings or {}), **public}
        if facts.get("scopes"):
            account_store_scopes(account=account, scopes=str(facts["scopes"]))
        token_expiry = facts.get("token_expires_at")
        if token_expiry is not None:
            account.token_expires_at = token_expiry
        account.save()
        account_connected(account=account)
    logger.info("connected %s account %s for merchant %s", provider, account.pk, merchant.pk)
    return account


def account_connected(*, account: ChannelAccount) -> None:
    """After a (re)connect commits: register the provider's webhooks (when it has them) and
    queue the first sync of every stream, so a connected store starts working at once."""
    transaction.on_commit(lambda: _start_connected_account(account.pk))


def _start_connected_account(account_id: int) -> None:
    from integrations.services.sync import request_sync, streams_for
    from integrations.services.webhook_subscriptions import account_register_webhooks

    account = ChannelAccount.objects.get(pk=account_id)
    cls = get_connector_class(account.provider)
    if cls.connect_type == ConnectType.FILE:
        return  # file channels sync by upload
    if Capability.WEBHOOKS in cls.capabilities:
        try:
            account_register_webhooks(account=account)
        except ConnectorError as exc:
            logger.warning("webhook registration for account %s failed: %s", account.pk, exc)
            account.last_error = f"Webhook registration failed: {exc}"
            account.save(update_fields=["last_error", "updated_at"])
    # In the background: the person who connected gets their page back at once and watches the
    # first sync's progress on the hub (with a broker the sync is queued either way).
    request_sync(account=account, streams=streams_for(account), background=True)


def account_disconnect(*, account: ChannelAccount, reason: str = "") -> ChannelAccount:
    """Mark the account disconnected and forget its credentials (webhooks stop verifying)."""
    account.status = AccountStatus.DISCONNECTED
    account.set_credentials({})
    account.last_error = reason
    account.save(update_fields=["status", "credentials_encrypted", "last_error", "updated_at"])
    return account


def account_mark_error(*, account: ChannelAccount, error: ConnectorError | str) -> None:
    """Record a permanent failure on the account (status ``error``) with its reason."""
    account.status = AccountStatus.ERROR
    account.last_error = str(error)[:2000]
    account.save(update_fields=["status", "last_error", "updated_at"])
