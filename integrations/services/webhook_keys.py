"""Which secrets may have signed a provider's webhook, and exactly which accounts it is for.

The key ring of an account key (a provider's ``external_id``: a Shopify shop domain) holds
every candidate secret, each with the accounts it may sign for:

- an account's own signing secret (the connector's ``webhook_secret_field``: a Shopify custom
  app's ``api_secret_key``) signs for that account alone;
- a merchant's provider app credential (``ProviderAppCredential`` with a merchant) signs for
  that merchant's accounts installed through that app (``settings["api_key"]``, stored by the
  OAuth install, equals the credential's ``api_key``);
- the platform's own app (the credential without a merchant, and the settings the connector
  names in ``app_settings``: ``SHOPIFY_API_KEY`` / ``SHOPIFY_API_SECRET``) signs for the
  accounts installed through it, whichever merchant they belong to.

A secret that signs for no account of the key is not in the ring, so a delivery it signed is
refused (401). The claimed key (``X-Shopify-Shop-Domain``) only chooses the ring: every key in
it belongs to an account of that key, so a verified delivery is bound to it and to the
accounts of the keys that verified it (``KeyRing.verify``), never to every account holding it.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Q

from integrations.connectors.base import Connector
from integrations.crypto import CredentialDecryptError, decrypt_json
from integrations.events import WebhookDelivery
from integrations.models import AccountStatus, ChannelAccount, ProviderAppCredential
from integrations.registry import get_connector_class

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class AccountKeys:
    """An account holding the key: its pk, merchant, status and the api key of the provider app
    it was installed through (empty for a custom-app token)."""

    pk: int
    merchant_id: int
    status: str
    installed_api_key: str


@dataclass(frozen=True, slots=True)
class RingKey:
    """One candidate secret and the pks of the key's accounts it may sign for (never empty)."""

    secret: str
    accounts: tuple[int, ...]
    source: str  # "custom app of account 7", "app credential of merchant 3", "platform app"


@dataclass(frozen=True, slots=True)
class KeyRing:
    """Everything that may have signed a delivery for one account key of one provider."""

    connector: type[Connector]
    accounts: tuple[AccountKeys, ...]
    keys: tuple[RingKey, ...]

    @property
    def secrets(self) -> list[str]:
        """Every candidate secret, each once."""
        return list(dict.fromkeys(k.secret for k in self.keys))

    def verify(self, delivery: WebhookDelivery, body: bytes) -> tuple[AccountKeys, ...]:
        """The accounts a delivery is for: those of every key that signed ``body`` (the
        connector's ``verify_webhook``, constant-time), in pk order, the live ones first.
        Empty when no key verifies (answer 401). Every key is tried."""
        matched = {
            pk
            for key in self.keys
            if self.connector.verify_webhook(delivery, body, key.secret)
            for pk in key.accounts
        }
        chosen = [a for a in self.accounts if a.pk in matched]
        return tuple(sorted(chosen, key=lambda a: (a.status == AccountStatus.DISCONNECTED, a.pk)))


_key_rings: dict[tuple[str, str], tuple[float, KeyRing]] = {}
_key_rings_lock = threading.Lock()


def forget_key_rings() -> None:
    """Drop cached key rings (tests; after changing credentials in bulk)."""
    with _key_rings_lock:
        _key_rings.clear()


def key_ring(provider: str, account_key: str) -> KeyRing:
    """The key ring of ``provider``'s ``account_key``, built with two queries and kept in this
    process for ``WEBHOOK_KEYS_CACHE_SECONDS`` (never in a shared cache: it holds decrypted
    secrets). Raises ``UnknownProvider``.

    Within that window a just-changed secret is not yet known; such a delivery is answered 401
    and the provider retries it (Shopify: 8 times over 4 hours, channel-apis.md §1.3), so
    nothing is lost."""
    ttl = settings.WEBHOOK_KEYS_CACHE_SECONDS
    now = time.monotonic()
    cache_key = (provider, account_key)
    if ttl > 0:
        with _key_rings_lock:
            hit = _key_rings.get(cache_key)
        if hit and hit[0] > now:
            return hit[1]
    ring = _build_key_ring(get_connector_class(provider), account_key)
    if ttl > 0:
        with _key_rings_lock:
            _key_rings[cache_key] = (now + ttl, ring)
    return ring


def _valid_key(cls: type[Connector], account_key: str) -> bool:
    try:
        return bool(account_key) and cls.account_key({cls.account_key_field: account_key}) == (
            account_key
        )
    except ValueError:
        return False


def _build_key_ring(cls: type[Connector], account_key: str) -> KeyRing:
    provider = cls.id
    rows = (
        list(
            ChannelAccount.objects.filter(provider=provider, external_id=account_key)
            .order_by("pk")
            .values_list("pk", "merchant_id", "status", "settings", "credentials_encrypted")
        )
        if _valid_key(cls, account_key)
        else []
    )
    accounts = tuple(
        AccountKeys(
            pk=pk,
            merchant_id=merchant_id,
            status=status,
            installed_api_key=str((account_settings or {}).get("api_key") or ""),
        )
        for pk, merchant_id, status, account_settings, _ in rows
    )
    keys: list[RingKey] = []
    for (pk, *_, token), account in zip(rows, accounts, strict=True):
        own = (
            _decrypt_secret(token, cls.webhook_secret_field, f"account {pk}")
            if cls.webhook_secret_field
            else ""
        )
        if own:
            keys.append(RingKey(own, (account.pk,), f"custom app of account {pk}"))

    def installed_through(api_key: str, merchant_id: int | None) -> tuple[int, ...]:
        return tuple(
            a.pk
            for a in accounts
            if api_key
            and a.installed_api_key == api_key
            and (merchant_id is None or a.merchant_id == merchant_id)
        )

    for merchant_id, api_key, token in (
        ProviderAppCredential.objects.filter(provider=provider)
        .filter(Q(merchant__isnull=True) | Q(merchant_id__in={a.merchant_id for a in accounts}))
        .order_by("pk")
        .values_list("merchant_id", "api_key", "credentials_encrypted")
    ):
        owners = installed_through(api_key, merchant_id)
        secret = _decrypt_secret(token, "api_secret", f"app credential of merchant {merchant_id}")
        if secret and owners:
            source = "platform app" if merchant_id is None else f"app of merchant {merchant_id}"
            keys.append(RingKey(secret, owners, source))
    key_setting, secret_setting, _ = cls.app_settings
    if key_setting and secret_setting:
        owners = installed_through(getattr(settings, key_setting, ""), None)
        platform_secret = getattr(settings, secret_setting, "")
        if platform_secret and owners:
            keys.append(RingKey(platform_secret, owners, secret_setting))
    return KeyRing(connector=cls, accounts=accounts, keys=tuple(keys))


def _decrypt_secret(token: str, key: str, what: str) -> str:
    try:
        return str(decrypt_json(token).get(key) or "")
    except CredentialDecryptError:
        # An undecryptable row must not break verification for everyone else.
        logger.warning("credentials of %s cannot be decrypted", what)
        return ""
