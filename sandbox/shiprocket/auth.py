"""Login and Bearer tokens (logistics-finance-notes.md §1: ``POST /auth/login`` with an API
user's email and password; the token is a JWT valid **240 hours**).

Tokens look like JWTs (``header.payload.signature``, base64url; the payload carries ``sub``,
``iat``, ``exp``, ``iss``) but the sandbox only looks them up. Refusals (bodies ASSUMED, in
the ``{"message", "status_code"}`` shape of Shiprocket's documented errors): a wrong login is
400 "Invalid email and password combination"; a missing/unknown token is 401
"Unauthenticated."; an expired one is 401 "Token has expired"; a token of another user than
the one in the sandbox path is 401 "Unauthenticated." as well.
"""

from __future__ import annotations

import base64
import hmac
import json
import secrets
from datetime import timedelta

from sandbox.shiprocket import clock
from sandbox.shiprocket.models import SandboxShiprocketToken, SandboxShiprocketUser

TOKEN_LIFETIME = timedelta(hours=240)
ISSUER = "https://apiv2.sandbox.example/v1/external/auth/login"
MISSING = {"message": "Unauthenticated.", "status_code": 401}
EXPIRED = {"message": "Token has expired", "status_code": 401}
BAD_LOGIN = {"message": "Invalid email and password combination", "status_code": 400}


class Unauthorized(Exception):
    def __init__(self, body: dict, status: int = 401) -> None:
        super().__init__(body["message"])
        self.body = body
        self.status = status


def _b64(data: dict) -> str:
    raw = json.dumps(data, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def login(email: str, password: str) -> tuple[SandboxShiprocketUser, SandboxShiprocketToken]:
    """Check the API user's email/password and issue a token. Raises ``Unauthorized``
    (400)."""
    user = SandboxShiprocketUser.objects.filter(email=str(email or "").strip().lower()).first()
    if user is None or not hmac.compare_digest(
        str(password or "").encode(), user.password.encode()
    ):
        raise Unauthorized(BAD_LOGIN, status=400)
    issued = clock.now()
    expires = issued + TOKEN_LIFETIME
    payload = {
        "sub": user.pk,
        "iss": ISSUER,
        "iat": int(issued.timestamp()),
        "exp": int(expires.timestamp()),
        "jti": secrets.token_hex(8),
    }
    token = ".".join(
        (_b64({"typ": "JWT", "alg": "HS256"}), _b64(payload), secrets.token_urlsafe(32))
    )
    row = SandboxShiprocketToken.objects.create(
        user=user, token=token, issued_at=issued, expires_at=expires
    )
    return user, row


def authenticate(user_email: str, header: str) -> SandboxShiprocketUser:
    """The user of a ``Bearer`` token, who must be the path's user. Raises
    ``Unauthorized``."""
    scheme, _, value = (header or "").partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        raise Unauthorized(MISSING)
    row = SandboxShiprocketToken.objects.select_related("user").filter(token=value.strip()).first()
    if row is None or row.user.email != user_email.strip().lower():
        raise Unauthorized(MISSING)
    if row.expires_at <= clock.now():
        raise Unauthorized(EXPIRED)
    return row.user
