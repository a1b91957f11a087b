"""Encryption at rest for provider secrets (Fernet/MultiFernet from ``cryptography``).

``CREDENTIALS_ENCRYPTION_KEYS`` is a comma list of Fernet keys: the first encrypts, all decrypt,
so a key can be rotated by prepending a new one and running ``manage.py rotate_credentials_key``.
Without the setting (DEBUG only) a development key is derived from ``SECRET_KEY`` and a warning
is logged; with ``DEBUG=False`` settings refuse to start.
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
from functools import cache, lru_cache
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings

logger = logging.getLogger(__name__)


class CredentialDecryptError(Exception):
    """A stored secret cannot be decrypted with any configured key (the message holds no secret)."""


@cache
def _fernet() -> MultiFernet:
    keys = list(settings.CREDENTIALS_ENCRYPTION_KEYS)
    if not keys:
        logger.warning(
            "CREDENTIALS_ENCRYPTION_KEYS is not set: using a development key derived from "
            "SECRET_KEY. Set real keys before storing production credentials."
        )
        digest = hashlib.sha256(("sangam-dev-credentials:" + settings.SECRET_KEY).encode()).digest()
        keys = [base64.urlsafe_b64encode(digest).decode()]
    return MultiFernet([Fernet(k.encode() if isinstance(k, str) else k) for k in keys])


def reset_key_cache() -> None:
    """Forget the cached keys and decryptions (after changing settings or a rotation)."""
    _fernet.cache_clear()
    _decrypt_cached.cache_clear()


def encrypt_str(plaintext: str) -> str:
    """Encrypt a string; returns the Fernet token as text."""
    return _fernet().encrypt(plaintext.encode()).decode()


def decrypt_str(token: str) -> str:
    """Decrypt a Fernet token produced by :func:`encrypt_str`.

    Raises ``CredentialDecryptError`` when no configured key can decrypt it."""
    try:
        return _fernet().decrypt(token.encode()).decode()
    except InvalidToken as exc:
        raise CredentialDecryptError(
            "Stored credentials cannot be decrypted with the configured keys."
        ) from exc


def encrypt_json(data: dict[str, Any]) -> str:
    """Encrypt a JSON-serialisable dict of secrets."""
    return encrypt_str(json.dumps(data, sort_keys=True))


@lru_cache(maxsize=2048)
def _decrypt_cached(token: str) -> str:
    return decrypt_str(token)


def decrypt_json(token: str) -> dict[str, Any]:
    """Inverse of :func:`encrypt_json`; an empty token decrypts to ``{}``.

    Decryptions are memoized per ciphertext in this process (webhook verification decrypts
    the same few secrets on every delivery); a changed secret is a new ciphertext, and
    ``reset_key_cache`` forgets them all. Nothing decrypted ever goes to a shared cache."""
    if not token:
        return {}
    return json.loads(_decrypt_cached(token))


def rotate_token(token: str) -> str:
    """Re-encrypt ``token`` with the first (newest) key."""
    if not token:
        return token
    return _fernet().rotate(token.encode()).decode()
