"""The sandbox's OAuth service: client-credentials tokens and bearer checks.

``GET|POST /oauth-service/oauth/token?grant_type=client_credentials&scope=Seller_Api`` with
HTTP Basic ``application_id:application_secret`` answers ``{"access_token", "token_type":
"bearer", "expires_in", "scope": "Seller_Api"}`` (channel-apis.md §3). Errors use the Spring
Security OAuth2 shape Flipkart's service shows: bad credentials → 401 ``{"error":
"unauthorized", "error_description": "Bad credentials"}``; an unsupported grant or scope → 400
(``unsupported_grant_type`` / ``invalid_scope``); an API call with a missing, unknown or expired
token → 401 ``{"error": "invalid_token" | "unauthorized", "error_description": …}``.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import uuid
from datetime import timedelta

from sandbox.flipkart.models import SandboxFlipkartSeller, SandboxFlipkartToken
from sandbox.kernel import clock

SCOPE = "Seller_Api"


class AuthFailure(Exception):
    """A refused request: HTTP ``status`` and the OAuth2 error body."""

    def __init__(self, status: int, error: str, description: str) -> None:
        super().__init__(description)
        self.status = status
        self.error = error
        self.description = description

    def as_json(self) -> dict[str, str]:
        return {"error": self.error, "error_description": self.description}


def basic_credentials(header: str) -> tuple[str, str] | None:
    """``Authorization: Basic base64(id:secret)`` → ``(id, secret)``; None when absent or
    malformed."""
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "basic" or not value:
        return None
    try:
        decoded = base64.b64decode(value.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None
    user, sep, password = decoded.partition(":")
    return (user, password) if sep else None


def issue_token(
    seller: SandboxFlipkartSeller | None,
    *,
    authorization: str,
    grant_type: str,
    scope: str,
) -> dict[str, object]:
    """Check the Basic credentials against ``seller`` (None: unknown application) and the
    grant, then issue a token living ``seller.token_lifetime`` seconds. Raises
    ``AuthFailure``."""
    pair = basic_credentials(authorization)
    if (
        seller is None
        or pair is None
        or pair[0] != seller.application_id
        or not hmac.compare_digest(pair[1].encode(), seller.application_secret.encode())
    ):
        raise AuthFailure(401, "unauthorized", "Bad credentials")
    if grant_type != "client_credentials":
        raise AuthFailure(
            400, "unsupported_grant_type", f"Unsupported grant type: {grant_type or 'null'}"
        )
    if scope and scope != SCOPE:
        raise AuthFailure(400, "invalid_scope", f"Invalid scope: {scope}")
    now = clock.now()
    token = SandboxFlipkartToken.objects.create(
        seller=seller,
        token=str(uuid.uuid4()),
        created_at=now,
        expires_at=now + timedelta(seconds=seller.token_lifetime),
    )
    return {
        "access_token": token.token,
        "token_type": "bearer",
        "expires_in": seller.token_lifetime,
        "scope": SCOPE,
    }


def authenticate(seller: SandboxFlipkartSeller | None, authorization: str) -> None:
    """Accept ``Authorization: Bearer <token>`` of an unexpired token of ``seller``; raises
    ``AuthFailure`` (401) otherwise."""
    scheme, _, value = authorization.partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        raise AuthFailure(
            401, "unauthorized", "Full authentication is required to access this resource"
        )
    token = (
        SandboxFlipkartToken.objects.filter(seller=seller, token=value.strip()).first()
        if seller is not None
        else None
    )
    if token is None:
        raise AuthFailure(401, "invalid_token", "Invalid access token")
    if token.expires_at <= clock.now():
        raise AuthFailure(401, "invalid_token", "Access token expired")
