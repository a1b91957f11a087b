"""HTTP to the Flipkart Seller API: the self-access token and authenticated calls.

Token (channel-apis.md §3 "Token (self access)"; SDK ``Constants``/``AccessTokenGenerator``):
``GET {root}/oauth-service/oauth/token?grant_type=client_credentials&scope=Seller_Api`` with
HTTP Basic ``application_id:application_secret`` → ``{"access_token", "token_type": "bearer",
"expires_in": 5183999, "scope": "Seller_Api"}`` (≈60 days). API calls carry ``Authorization:
Bearer <token>`` under ``{root}/sellers``. ``root`` is the account's ``base_url`` (the sandbox)
or ``https://api.flipkart.net``; the token request goes under the same root.

The token lives in the account's encrypted credentials (``access_token`` and
``access_token_expires_at``, ISO UTC) and is replaced when missing or within
``FLIPKART_TOKEN_REFRESH_MARGIN`` of expiry. A 401 from an API call (token revoked or expired
early) gets one new token and one retry; a second 401, or a 401 from the token endpoint (bad
application id/secret), is a permanent ``ConnectorError``.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import requests

from integrations.dto import AccountHandle
from integrations.http import ConnectorError, HttpClient

PRODUCTION_ROOT = "https://api.flipkart.net"
TOKEN_PATH = "/oauth-service/oauth/token"  # noqa: S105 - a URL path, not a secret
API_PREFIX = "/sellers"
FLIPKART_TOKEN_REFRESH_MARGIN = timedelta(days=3)
# What Flipkart answers for ``expires_in`` (≈60 days); used if a token response omits it.
DEFAULT_TOKEN_SECONDS = 5_183_999

Saver = Callable[[dict[str, Any], datetime | None], None]


def _utc_now() -> datetime:
    return datetime.now(UTC)


class FlipkartClient:
    """Token management and JSON calls for one Flipkart application (seller account).

    ``save`` persists refreshed secrets (the connector's ``save_credentials``); ``now`` returns
    the current aware UTC time (injectable for tests). Raises ``ConnectorError`` (permanent
    when Flipkart refuses the credentials) and ``TransientHTTPError`` (from ``HttpClient``)."""

    def __init__(
        self,
        *,
        account: AccountHandle,
        http: HttpClient,
        save: Saver,
        now: Callable[[], datetime] = _utc_now,
    ) -> None:
        self.account = account
        self.http = http
        self.save = save
        self.now = now
        self.root = (account.base_url or PRODUCTION_ROOT).rstrip("/")

    # --- identity ------------------------------------------------------------------------------
    @property
    def application_id(self) -> str:
        return str(self.account.settings.get("application_id") or self.account.external_id)

    def url(self, path_or_url: str) -> str:
        """An absolute URL for an API path. Paths are relative to ``{root}/sellers`` (how the
        SDK and Flipkart's ``nextPageUrl``/``nextUrl`` write them: ``/v3/shipments/filter?…``);
        a path already starting with ``/sellers/`` or an absolute URL is used as it is."""
        if path_or_url.startswith(("http://", "https://")):
            return path_or_url
        path = path_or_url if path_or_url.startswith("/") else f"/{path_or_url}"
        if path.startswith(f"{API_PREFIX}/"):
            return f"{self.root}{path}"
        return f"{self.root}{API_PREFIX}{path}"

    # --- token ---------------------------------------------------------------------------------
    def token_expires_at(self) -> datetime | None:
        """Expiry of the stored token (aware UTC), or None when unknown or unreadable."""
        text = self.account.credentials.get("access_token_expires_at")
        if not text:
            return None
        try:
            moment = datetime.fromisoformat(str(text).replace("Z", "+00:00"))
        except ValueError:
            return None
        return moment if moment.tzinfo else moment.replace(tzinfo=UTC)

    def access_token(self, *, force: bool = False) -> str:
        """The stored token while it has more than the refresh margin left, else a new one."""
        token = self.account.credentials.get("access_token")
        expires = self.token_expires_at()
        if (
            not force
            and token
            and expires is not None
            and expires - FLIPKART_TOKEN_REFRESH_MARGIN > self.now()
        ):
            return str(token)
        return self.fetch_token()

    def fetch_token(self) -> str:
        """Ask the token endpoint for a new token and persist it with its expiry."""
        secret = self.account.credentials.get("application_secret")
        if not secret:
            raise ConnectorError(
                "flipkart: the application secret is missing; reconnect the account.",
                permanent=True,
            )
        try:
            response = self.http.request(
                "GET",
                f"{self.root}{TOKEN_PATH}",
                params={"grant_type": "client_credentials", "scope": "Seller_Api"},
                auth=(self.application_id, str(secret)),
                headers={"Accept": "application/json"},
            )
        except ConnectorError as exc:
            if exc.status in (400, 401, 403):
                raise ConnectorError(
                    f"flipkart: the token endpoint refused application id {self.application_id!r}"
                    f" (HTTP {exc.status}); check the application id and secret.",
                    permanent=True,
                    status=exc.status,
                ) from None
            raise
        body = _json(response, "token")
        token = body.get("access_token")
        if not token:
            raise ConnectorError("flipkart: the token response has no access_token")
        try:
            seconds = int(body.get("expires_in") or DEFAULT_TOKEN_SECONDS)
        except (TypeError, ValueError):
            seconds = DEFAULT_TOKEN_SECONDS
        expires_at = self.now() + timedelta(seconds=seconds)
        self.save(
            {"access_token": token, "access_token_expires_at": expires_at.isoformat()},
            expires_at,
        )
        return str(token)

    # --- API calls -----------------------------------------------------------------------------
    def request(
        self, method: str, path_or_url: str, *, idempotent: bool | None = None, **kwargs: Any
    ) -> requests.Response:
        """An authenticated call; on a 401 one new token and one retry, then permanent."""
        url = self.url(path_or_url)
        headers = {"Accept": "application/json", **kwargs.pop("headers", {})}

        def send(token: str) -> requests.Response:
            return self.http.request(
                method,
                url,
                idempotent=idempotent,
                headers={**headers, "Authorization": f"Bearer {token}"},
                **kwargs,
            )

        try:
            return send(self.access_token())
        except ConnectorError as exc:
            if exc.status != 401:
                raise
        try:
            return send(self.fetch_token())
        except ConnectorError as exc:
            if exc.status != 401:
                raise
            raise ConnectorError(
                "flipkart: the API refused a freshly issued access token (HTTP 401); "
                "check that the application has Seller API access.",
                permanent=True,
                status=401,
            ) from None

    def get_json(self, path_or_url: str, **params: Any) -> dict[str, Any]:
        """``GET`` → the JSON object."""
        response = self.request("GET", path_or_url, params=params or None)
        return _json(response, path_or_url)

    def post_json(self, path: str, body: Any, *, idempotent: bool | None = None) -> dict[str, Any]:
        """``POST`` a JSON body → the JSON object. Pass ``idempotent=True`` for reads sent as
        POST (``/v3/shipments/filter``) so 5xx answers are retried."""
        response = self.request("POST", path, json=body, idempotent=idempotent)
        return _json(response, path)


def _json(response: requests.Response, what: str) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        raise ConnectorError(f"flipkart: {what} answered with a non-JSON body") from None
    if not isinstance(body, dict):
        raise ConnectorError(f"flipkart: {what} answered with JSON that is not an object")
    return body
