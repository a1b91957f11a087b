"""Which secrets may have signed a Shopify webhook, and whose delivery it is.

A shop's key ring holds every candidate secret: each account's custom-app ``api_secret_key``,
its merchant's Shopify app credential, the platform-wide app credential and
``SHOPIFY_API_SECRET``. ``X-Shopify-Shop-Domain`` is trusted only to choose the ring.
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
    """An account of the shop and the secrets that are its own: the custom app's
    ``api_secret_key`` and its merchant's Shopify app credentials."""

    pk: int
    merchant_id: int
    status: str
    own: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class ShopKeyRing:
    """Everything that may have signed a delivery from one shop."""

    accounts: tuple[AccountKeys, ...]
    shared: tuple[str, ...]  # platform-wide app credential(s), then SHOPIFY_API_SECRET

    @property
    def secrets(self) -> list[str]:
        return list(dict.fromkeys([s for a in self.accounts for s in a.own] + list(self.shared)))


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
            .values_list("pk", "merchant_id", "status", "credentials_encrypted")
        )
        if is_valid_shop_domain(shop)
        else []
    )
    by_merchant: dict[int | None, list[str]] = {}
    for merchant_id, token in (
        ProviderAppCredential.objects.filter(provider="shopify")
        .filter(Q(merchant__isnull=True) | Q(merchant_id__in={r[1] for r in rows}))
        .order_by("pk")
        .values_list("merchant_id", "credentials_encrypted")
    ):
        secret = _decrypt_secret(token, "api_secret", f"app credential of merchant {merchant_id}")
        if secret:
            by_merchant.setdefault(merchant_id, []).append(secret)
    accounts = []
    for pk, merchant_id, status, token in rows:
        own = _decrypt_secret(token, "api_secret_key", f"account {pk}")
        accounts.append(
            AccountKeys(
                pk=pk,
                merchant_id=merchant_id,
                status=status,
                own=tuple([own] if own else []) + tuple(by_merchant.get(merchant_id, [])),
            )
        )
    shared = list(by_merchant.get(None, []))
    if settings.SHOPIFY_API_SECRET:
        shared.append(settings.SHOPIFY_API_SECRET)
    return ShopKeyRing(accounts=tuple(accounts), shared=tuple(shared))


def _decrypt_secret(token: str, key: str, what: str) -> str:
    try:
        return str(decrypt_json(token).get(key) or "")
    except CredentialDecryptError:
        # An undecryptable row must not break verification for everyone else.
        logger.warning("credentials of %s cannot be decrypted", what)
        return ""


def owner_of(ring: ShopKeyRing, body: bytes, signature: str) -> AccountKeys | None:
    """The account a verified delivery belongs to. With several merchants holding the shop,
    a delivery signed with one merchant's own secret is that merchant's, never whichever
    account is oldest; otherwise the first account still connected (or the first at all)."""
    accounts = list(ring.accounts)
    if len(accounts) > 1:
        accounts = [a for a in accounts if verify_webhook_hmac(body, signature, a.own)] or accounts
    live = [a for a in accounts if a.status != AccountStatus.DISCONNECTED]
    return (live or accounts or [None])[0]
