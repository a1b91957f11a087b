"""OAuth authorization-code grant of a Shopify app (channel-apis.md §1.1).

* The approve step redirects to ``redirect_uri?code&hmac&host&shop&state&timestamp``, signed
  like Shopify: drop ``hmac``, sort the keys, form-encode, HMAC-SHA256 with the app's secret,
  lower-case hex (verified against the official JS/Ruby/Python libraries).
* ``POST /admin/oauth/access_token`` exchanges a code once for ``{"access_token", "scope"}``
  (online tokens add ``expires_in``, ``associated_user_scope`` and ``associated_user``).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from urllib.parse import urlencode

from django.db import transaction

from sandbox.kernel import clock
from sandbox.shopify.models import SandboxAccessToken, SandboxApp, SandboxAuthCode, SandboxShop

CODE_TTL = timedelta(minutes=10)
ONLINE_TOKEN_TTL = timedelta(hours=24)
SHOP_DOMAIN_RE = re.compile(r"^[a-zA-Z0-9][a-zA-Z0-9-]*\.myshopify\.com$")


class OAuthError(Exception):
    """An OAuth request Shopify would refuse; ``error``/``description`` form the 400 body."""

    def __init__(self, description: str, error: str = "invalid_request") -> None:
        super().__init__(description)
        self.error = error
        self.description = description

    def as_json(self) -> dict[str, str]:
        return {"error": self.error, "error_description": self.description}


def sign_query(params: dict[str, str], secret: str) -> str:
    """Shopify's OAuth/App-proxy HMAC: sorted, form-encoded params without ``hmac``; hex digest."""
    message = urlencode(sorted((k, v) for k, v in params.items() if k != "hmac"))
    return hmac.new(secret.encode(), message.encode(), hashlib.sha256).hexdigest()


def normalize_scopes(scope: str) -> str:
    """``"read_orders, write_inventory"`` → ``"read_orders,write_inventory"`` (order kept)."""
    seen: dict[str, None] = {}
    for part in scope.split(","):
        if part.strip():
            seen.setdefault(part.strip(), None)
    return ",".join(seen)


SCOPE_DESCRIPTIONS: dict[str, str] = {
    "read_orders": "View orders, transactions, fulfillments and abandoned checkouts",
    "write_orders": "Manage orders, transactions, fulfillments and abandoned checkouts",
    "read_all_orders": "View all orders, not only the last 60 days",
    "read_products": "View products, variants and collections",
    "write_products": "Manage products, variants and collections",
    "read_inventory": "View inventory and inventory items",
    "write_inventory": "Manage inventory and inventory items",
    "read_locations": "View locations",
    "read_returns": "View returns",
    "write_returns": "Manage returns",
    "read_customers": "View customer details",
}


def scope_description(handle: str) -> str:
    """What a scope lets an app do, in the words of the install screen and
    ``AccessScope.description``."""
    return SCOPE_DESCRIPTIONS.get(handle, handle.replace("_", " ").capitalize())


def has_scope(granted: str, required: str) -> bool:
    """True when ``granted`` includes ``required``; ``write_x`` implies ``read_x`` and
    ``read_all_orders`` is not implied by anything (shopify.dev "Access scopes")."""
    scopes = set(granted.split(","))
    if required in scopes:
        return True
    return required.startswith("read_") and "write_" + required[len("read_") :] in scopes


@dataclass(frozen=True)
class Redirect:
    """Where the approve step sends the browser, and the signed params it carries."""

    url: str
    params: dict[str, str]


def approve(
    *,
    shop: SandboxShop,
    app: SandboxApp,
    scope: str,
    redirect_uri: str,
    state: str,
    online: bool,
) -> Redirect:
    """Record the merchant's consent: create a single-use code and the signed callback URL."""
    if not redirect_uri.startswith(("http://", "https://")):
        raise OAuthError("The redirect_uri is missing or is not an http(s) URL.")
    now = clock.now()
    code = SandboxAuthCode.objects.create(
        shop=shop,
        app=app,
        code=secrets.token_hex(16),
        scope=normalize_scopes(scope),
        online=online,
        created_at=now,
        expires_at=now + CODE_TTL,
    )
    params = {
        "code": code.code,
        "host": base64.b64encode(f"{shop.domain}/admin".encode()).decode().rstrip("="),
        "shop": shop.domain,
        "state": state,
        "timestamp": str(int(clock.time())),
    }
    params["hmac"] = sign_query(params, app.api_secret)
    separator = "&" if "?" in redirect_uri else "?"
    return Redirect(url=f"{redirect_uri}{separator}{urlencode(params)}", params=params)


def issue_token(*, shop: SandboxShop, app: SandboxApp, scope: str, online: bool = False) -> str:
    """Create an access token (``shpat_`` + 32 hex) for ``app`` on ``shop`` with ``scope``."""
    now = clock.now()
    token = SandboxAccessToken.objects.create(
        shop=shop,
        app=app,
        token="shpat_" + secrets.token_hex(16),
        scope=normalize_scopes(scope),
        online=online,
        created_at=now,
        expires_at=now + ONLINE_TOKEN_TTL if online else None,
    )
    return token.token


def exchange_code(*, shop: SandboxShop, fields: dict[str, str]) -> dict[str, Any]:
    """The ``/admin/oauth/access_token`` response body for ``client_id, client_secret, code``.

    Raises :class:`OAuthError` for an unknown app, a wrong secret, or an unknown, used or
    expired code. A code is consumed by the first exchange with the right secret, even when it
    turns out to be expired."""
    app = SandboxApp.objects.filter(api_key=fields.get("client_id", "")).first()
    if app is None:
        raise OAuthError("The client_id is not a registered app.")
    if not hmac.compare_digest(app.api_secret.encode(), fields.get("client_secret", "").encode()):
        raise OAuthError("The client_secret does not match the client_id.")
    now = clock.now()
    with transaction.atomic():
        code = (
            SandboxAuthCode.objects.select_for_update()
            .filter(shop=shop, app=app, code=fields.get("code", ""))
            .first()
        )
        if code is None or code.used_at is not None:
            raise OAuthError("The authorization code was not found or was already used.")
        code.used_at = now
        code.save(update_fields=["used_at"])
    if code.expires_at <= now:
        raise OAuthError("The authorization code has expired.")
    token = issue_token(shop=shop, app=app, scope=code.scope, online=code.online)
    body: dict[str, Any] = {"access_token": token, "scope": code.scope}
    if code.online:
        body |= {
            "expires_in": int(ONLINE_TOKEN_TTL.total_seconds()),
            "associated_user_scope": code.scope,
            "associated_user": {
                "id": shop.id,
                "first_name": shop.shop_owner.split(" ")[0],
                "last_name": shop.shop_owner.split(" ")[-1],
                "email": shop.email,
                "email_verified": True,
                "account_owner": True,
                "locale": "en-IN",
                "collaborator": False,
            },
        }
    return body


def authenticate(shop: SandboxShop, token: str) -> SandboxAccessToken | None:
    """The live token row for ``X-Shopify-Access-Token`` on ``shop``, else ``None``."""
    if not token:
        return None
    row = (
        SandboxAccessToken.objects.select_related("app")
        .filter(shop=shop, token=token, revoked_at__isnull=True)
        .first()
    )
    if row is None or (row.expires_at is not None and row.expires_at <= clock.now()):
        return None
    return row
