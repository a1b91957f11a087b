"""Login with Amazon (LWA) token exchange and the access-token check of SP-API calls.

LWA (channel-apis.md §2.1): ``grant_type=refresh_token`` with ``refresh_token``, ``client_id``
and ``client_secret`` returns ``{"access_token": "Atza|…", "refresh_token", "token_type":
"bearer", "expires_in": 3600}``. Errors are ``{"error", "error_description"}``: 400
``invalid_request`` (missing field), 400 ``unsupported_grant_type``, 401 ``invalid_client`` (bad
client id/secret), 400 ``invalid_grant`` (unknown or revoked refresh token).

SP-API calls carry the access token in ``x-amz-access-token``; a missing, unknown, expired or
other seller's token is refused with 403 ``Unauthorized`` and the ``details`` texts Amazon
sends (see :mod:`.constants`).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sandbox.amazon.constants import (
    ACCESS_TOKEN_SECONDS,
    DETAILS_EXPIRED,
    DETAILS_INVALID,
    DETAILS_MISSING,
)
from sandbox.amazon.models import (
    SandboxAmazonAccessToken,
    SandboxAmazonRefreshToken,
    SandboxAmazonSeller,
)
from sandbox.kernel import clock


@dataclass
class LwaError(Exception):
    """An LWA error response: HTTP ``status`` and the ``error``/``error_description`` body."""

    status: int
    error: str
    description: str

    def as_json(self) -> dict[str, str]:
        return {"error": self.error, "error_description": self.description}


def new_refresh_token() -> str:
    """A fresh ``Atzr|…`` refresh token."""
    return "Atzr|" + secrets.token_urlsafe(96)


def issue_access_token(seller: SandboxAmazonSeller) -> SandboxAmazonAccessToken:
    """A new one-hour ``Atza|…`` access token for ``seller``."""
    now = clock.now()
    return SandboxAmazonAccessToken.objects.create(
        seller=seller,
        token="Atza|" + secrets.token_urlsafe(96),
        created_at=now,
        expires_at=now + timedelta(seconds=ACCESS_TOKEN_SECONDS),
    )


def exchange(seller_id: str, fields: dict[str, Any]) -> dict[str, Any]:
    """Answer an LWA token request made under the root of ``seller_id``.

    ``fields`` are the form or JSON body fields. Returns the token response body; raises
    :class:`LwaError`."""
    for name in ("grant_type", "client_id", "client_secret"):
        if not fields.get(name):
            raise LwaError(
                400, "invalid_request", f"The request is missing a required parameter : {name}"
            )
    if fields["grant_type"] != "refresh_token":
        raise LwaError(
            400,
            "unsupported_grant_type",
            "The authorization grant type is not supported by the authorization server",
        )
    if not fields.get("refresh_token"):
        raise LwaError(
            400, "invalid_request", "The request is missing a required parameter : refresh_token"
        )
    seller = SandboxAmazonSeller.objects.filter(seller_id=seller_id).first()
    if seller is None or not (
        secrets.compare_digest(str(fields["client_id"]), seller.client_id)
        and secrets.compare_digest(str(fields["client_secret"]), seller.client_secret)
    ):
        raise LwaError(401, "invalid_client", "Client authentication failed")
    grant = SandboxAmazonRefreshToken.objects.filter(
        seller=seller, token=str(fields["refresh_token"]), revoked_at__isnull=True
    ).first()
    if grant is None:
        raise LwaError(
            400, "invalid_grant", "The request has an invalid grant parameter : refresh_token"
        )
    access = issue_access_token(seller)
    return {
        "access_token": access.token,
        "refresh_token": grant.token,
        "token_type": "bearer",
        "expires_in": ACCESS_TOKEN_SECONDS,
    }


def check_access(seller: SandboxAmazonSeller | None, token: str) -> str | None:
    """``None`` when ``token`` is a live access token of ``seller``, else the ``details`` text
    of the 403 ``Unauthorized`` answer."""
    if not token:
        return DETAILS_MISSING
    access = SandboxAmazonAccessToken.objects.filter(token=token).first()
    if access is None:
        return DETAILS_INVALID
    if access.expires_at <= clock.now():
        return DETAILS_EXPIRED
    if seller is None or access.seller_id != seller.pk:
        return ""
    return None
