"""Which secrets may have signed a Shopify webhook, and exactly which accounts it is for.

A shop's key ring holds every candidate secret, each with the accounts it may sign for:

- an account's custom-app ``api_secret_key`` signs for that account alone;
- a merchant's Shopify app credential (``ProviderAppCredential`` with a merchant) signs for that
  merchant's accounts of the shop installed through that app (``settings["api_key"]``, stored
  by the OAuth install, equals the credential's ``api_key``);
- the platform's own app (the credential without a merchant, and ``SHOPIFY_API_KEY`` /
  ``SHOPIFY_API_SECRET``) signs for the accounts of the shop installed through it, whichever
  merchant they belong to.

A secret that signs for no account of the shop is not in the ring, so a delivery it signed is
refused (401). ``X-Shopify-Shop-Domain`` only chooses the ring: every key in it belongs to an
account of that shop, so a verified delivery is bound to that shop and to the accounts of the
keys that verified it (``ShopKeyRing.verify``), never to every account holding the shop.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Q

from integrations.connectors.shopify.signatures import is_valid_shop_domain, verify_webhook_hmac
from integrations.crypto import CredentialDecryptError, decrypt_json
from integrations.models import AccountStatus, ChannelAccount, ProviderAppCredential

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class AccountKeys:
    """An account holding the shop: its pk, merchant, status and the api key of the Shopify app
    it was installed through (empty for a custom-app token)."""

    pk: int
    merchant_id: int
    status: str
    installed_api_key: str


@dataclass(frozen=True, slots=True)
class RingKey:
    """One candidate secret and the pks of the shop's accounts it may sign for (never empty)."""

    secret: str
    accounts: tuple[int, ...]
    source: str  # "custom app of account 7", "app credential of merchant 3", "platform app"


@dataclass(frozen=True, slots=True)
class ShopKeyRing:
    """Everything that may have signed a delivery from one shop."""

    accounts: tuple[AccountKeys, ...]
    keys: tuple[RingKey, ...]

    @property
    def secrets(self) -> list[str]:
        """Every candidate secret, each once."""
        return list(dict.fromkeys(k.secret for k in self.keys))

    def verify(self, body: bytes, signature: str) -> tuple[AccountKeys, ...]:
        """The accounts a delivery is for: those of every key whose HMAC-SHA256 of ``body``
        equals ``signature`` (base64), in pk order, the live ones first. Empty when no key
        verifies (answer 401). Each comparison is constant-time."""
        matched = {
            pk
            for key in self.keys
            if verify_webhook_hmac(body, signature, [key.secret])
            for pk in key.accounts
        }
        chosen = [a for a in self.accounts if a.pk in matched]
        return tuple(sorted(chosen, key=lambda a: (a.status == AccountStatus.DISCONNECTED, a.pk)))


_key_rings: dict[str, tuple[float, ShopKeyRing]] = {}
_key_rings_lock = threading.Lock()


def forget_key_rings() -> None:
    """Drop cached key rings (tests; after changing credentials in bulk)."""
    with _key_rings_lock:
        _key_rings.clear()


def shopify_key_ring(shop: str) -> ShopKeyRing:
    """The shop's key ring, built with two queries and kept in this process for
    ``WEBHOOK_KEYS_CACHE_SECONDS`` (never in a shared cache: it holds decrypted secrets).

    Within that window a just-changed secret is not yet known; such a delivery is answered 401
    and Shopify retries it (8 times over 4 hours, channel-apis.md §1.3), so nothing is lost."""
    ttl = settings.WEBHOOK_KEYS_CACHE_SECONDS
    now = time.monotonic()
    if ttl > 0:
        with _key_rings_lock:
            hit = _key_rings.get(shop)
        if hit and hit[0] > now:
            return hit[1]
    ring = _build_key_ring(shop)
    if ttl > 0:
        with _key_rings_lock:
            _key_rings[shop] = (now + ttl, ring)
    return ring


def _build_key_ring(shop: str) -> ShopKeyRing:
    rows = (
        list(
            ChannelAccount.objects.filter(provider="shopify", external_id=shop)
            .order_by("pk")
            .values_list("pk", "merchant_id", "status", "settings", "credentials_encrypted")
        )
        if is_valid_shop_domain(shop)
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
        own = _decrypt_secret(token, "api_secret_key", f"account {pk}")
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
        ProviderAppCredential.objects.filter(provider="shopify")
        .filter(Q(merchant__isnull=True) | Q(merchant_id__in={a.merchant_id for a in accounts}))
        .order_by("pk")
        .values_list("merchant_id", "api_key", "credentials_encrypted")
    ):
        owners = installed_through(api_key, merchant_id)
        secret = _decrypt_secret(token, "api_secret", f"app credential of merchant {merchant_id}")
        if secret and owners:
            source = "platform app" if merchant_id is None else f"app of merchant {merchant_id}"
            keys.append(RingKey(secret, owners, source))
    owners = installed_through(settings.SHOPIFY_API_KEY, None)
    if settings.SHOPIFY_API_SECRET and owners:
        keys.append(RingKey(settings.SHOPIFY_API_SECRET, owners, "SHOPIFY_API_SECRET"))
    return ShopKeyRing(accounts=accounts, keys=tuple(keys))


def _decrypt_secret(token: str, key: str, what: str) -> str:
    try:
        return str(decrypt_json(token).get(key) or "")
    except CredentialDecryptError:
        # An undecryptable row must not break verification for everyone else.
        logger.warning("credentials of %s cannot be decrypted", what)
        return ""
