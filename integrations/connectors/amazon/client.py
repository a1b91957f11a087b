"""SP-API transport: Login with Amazon (LWA) access tokens, usage-plan pacing, documents.

- LWA (channel-apis.md §2.1): ``POST {lwa_url}`` form-encoded ``grant_type=refresh_token,
  refresh_token, client_id, client_secret`` → ``{"access_token": "Atza|…", "expires_in": 3600}``.
  The token is cached in Django's cache (Redis in production, so workers share it) under a key
  per account — a hash, never the secret — until ``expires_in − 60`` seconds.
- Every call carries ``x-amz-access-token``, ``x-amz-date`` (``YYYYMMDDTHHMMSSZ``) and a
  user-agent; requests are no longer SigV4-signed (SP-API dropped the AWS signature in 2023).
- A 401/403 drops the cached token, refreshes it once and retries once; a second refusal is a
  permanent ``ConnectorError``. LWA ``invalid_grant`` (HTTP 400) is permanent too.
- Before each call a token is taken from the operation's usage-plan bucket (``ratelimit``);
  429 ``QuotaExceeded`` is retried with backoff by ``HttpClient``.
- Report and feed documents live at presigned URLs (used verbatim, without SP-API headers),
  streamed and gunzipped on the fly when ``compressionAlgorithm`` is ``GZIP``.
"""

from __future__ import annotations

import codecs
import gzip
import io
import re
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any, TextIO

import requests
from django.core.cache import cache

from integrations.connectors.amazon.ratelimit import UsagePlanLimiter
from integrations.http import ConnectorError, HttpClient

REGION_HOSTS: Mapping[str, str] = {
    "na": "https://sellingpartnerapi-na.amazon.com",
    "eu": "https://sellingpartnerapi-eu.amazon.com",
    "fe": "https://sellingpartnerapi-fe.amazon.com",
}
LWA_ENDPOINT = "https://api.amazon.com/auth/o2/token"
USER_AGENT = "Sangam/0.1 (Language=Python/3.11; Platform=Linux)"
TOKEN_EARLY_SECONDS = 60
DEFAULT_TOKEN_SECONDS = 3600
REAUTHORISE = "re-authorise Sangam in Seller Central"
INVALID_GRANT_MESSAGE = (
    f"Amazon refused the refresh token (invalid_grant): {REAUTHORISE} "
    "(Apps & Services → Manage Your Apps) and paste the new refresh token."
)
# Error codes of the LWA token endpoint (LWAExceptionErrorCode.cs, channel-apis.md §2.1) that no
# retry can fix.
PERMANENT_LWA_ERRORS = (
    "invalid_grant",
    "invalid_client",
    "unauthorized_client",
    "access_denied",
    "invalid_scope",
    "invalid_request",
)
_CHARSET_RE = re.compile(r"charset=([\w.:-]+)", re.IGNORECASE)


class LWAError(ConnectorError):
    """The LWA token exchange failed (``permanent`` when Amazon refused the grant or app)."""


def amz_date(moment: datetime) -> str:
    """``x-amz-date`` form: ``20240501T035830Z`` (UTC)."""
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


class SPAPIClient:
    """Authenticated, paced calls to one SP-API root for one account.

    ``api_root``: region host or the sandbox root; ``lwa_url``: the token endpoint;
    ``cache_key``: where the access token is cached (no secret in it); ``limiter``: the
    account's usage-plan buckets; ``clock``: epoch seconds (injectable for tests).
    """

    def __init__(
        self,
        *,
        http: HttpClient,
        api_root: str,
        lwa_url: str,
        client_id: str,
        client_secret: str,
        refresh_token: str,
        cache_key: str,
        limiter: UsagePlanLimiter,
        clock: Callable[[], float],
    ) -> None:
        self.http = http
        self.api_root = api_root.rstrip("/")
        self.lwa_url = lwa_url
        self.client_id = client_id
        self.client_secret = client_secret
        self.refresh_token = refresh_token
        self.cache_key = cache_key
        self.limiter = limiter
        self.clock = clock

    # --- LWA -------------------------------------------------------------------------------
    def access_token(self) -> str:
        """A valid LWA access token, from the cache or a fresh exchange. Raises a permanent
        ``ConnectorError`` when Amazon refuses the refresh token or the app credentials."""
        cached = cache.get(self.cache_key)
        if cached and cached.get("expires_at", 0) > self.clock():
            return cached["token"]
        token, expires_in = self._exchange_refresh_token()
        lifetime = max(1, expires_in - TOKEN_EARLY_SECONDS)
        cache.set(self.cache_key, {"token": token, "expires_at": self.clock() + lifetime}, lifetime)
        return token

    def forget_token(self) -> None:
        """Drop the cached access token (after Amazon refused it)."""
        cache.delete(self.cache_key)

    def _exchange_refresh_token(self) -> tuple[str, int]:
        if not (self.refresh_token and self.client_id and self.client_secret):
            raise LWAError(
                "amazon: the LWA client id, client secret and refresh token are required; "
                f"{REAUTHORISE} and paste them here.",
                permanent=True,
            )
        try:
            response = self.http.request(
                "POST",
                self.lwa_url,
                idempotent=True,
                data={
                    "grant_type": "refresh_token",
                    "refresh_token": self.refresh_token,
                    "client_id": self.client_id,
                    "client_secret": self.client_secret,
                },
                headers={"Accept": "application/json", "User-Agent": USER_AGENT},
            )
        except ConnectorError as exc:
            raise _lwa_error(exc) from None
        try:
            body = response.json()
            token = str(body["access_token"])
        except (ValueError, KeyError, TypeError) as exc:
            raise LWAError("amazon: LWA answered without an access_token") from exc
        try:
            expires_in = int(body.get("expires_in") or DEFAULT_TOKEN_SECONDS)
        except (TypeError, ValueError):
            expires_in = DEFAULT_TOKEN_SECONDS
        return token, expires_in

    # --- SP-API calls ----------------------------------------------------------------------
    def call(
        self,
        operation: str,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json_body: Any = None,
        idempotent: bool | None = None,
    ) -> dict[str, Any]:
        """Send one SP-API request (``operation`` names its usage plan) and return the JSON
        body (``{}`` when empty). Raises ``ConnectorError``: permanent after a second 401/403,
        with the provider's status otherwise."""
        try:
            response = self._send(operation, method, path, params, json_body, idempotent)
        except LWAError:
            raise
        except ConnectorError as exc:
            if exc.status not in (401, 403):
                raise
            self.forget_token()
            try:
                response = self._send(operation, method, path, params, json_body, idempotent)
            except ConnectorError as again:
                if again.status not in (401, 403):
                    raise
                self.forget_token()
                raise ConnectorError(
                    f"amazon: {operation} was refused (HTTP {again.status}) with a fresh "
                    f"access token; {REAUTHORISE} or check the app's roles.",
                    permanent=True,
                    status=again.status,
                ) from None
        if not response.content:
            return {}
        try:
            return response.json()
        except ValueError as exc:
            raise ConnectorError(f"amazon: {operation} answered with a non-JSON body") from exc

    def _send(
        self,
        operation: str,
        method: str,
        path: str,
        params: Mapping[str, Any] | None,
        json_body: Any,
        idempotent: bool | None,
    ) -> requests.Response:
        self.limiter.acquire(operation)
        headers = {
            "x-amz-access-token": self.access_token(),
            "x-amz-date": amz_date(datetime.fromtimestamp(self.clock(), UTC)),
            "User-Agent": USER_AGENT,
            "Accept": "application/json",
        }
        response = self.http.request(
            method,
            f"{self.api_root}{path}",
            params=dict(params) if params else None,
            json=json_body,
            headers=headers,
            idempotent=idempotent,
        )
        self.limiter.observe(operation, response.headers)
        return response

    # --- documents -------------------------------------------------------------------------
    @contextmanager
    def open_document(self, url: str, *, compression: str | None = None) -> Iterator[TextIO]:
        """Stream a report/feed document from its presigned ``url`` as text, never holding it
        in memory: gunzipped when ``compression == "GZIP"``, decoded with the charset the
        response names (UTF-8 by default, a BOM dropped)."""
        response = self.http.request("GET", url, stream=True, idempotent=True)
        try:
            raw = response.raw
            raw.decode_content = True  # transport-level Content-Encoding only
            # Stay readable at EOF: gzip reads past the end of a member to look for another.
            raw.auto_close = False
            binary: Any = io.BufferedReader(raw, buffer_size=64 * 1024)
            if (compression or "").upper() == "GZIP":
                binary = gzip.GzipFile(fileobj=binary, mode="rb")
            yield io.TextIOWrapper(
                binary, encoding=_encoding(response), errors="replace", newline=""
            )
        finally:
            response.close()

    def upload_document(self, url: str, body: bytes, *, content_type: str) -> None:
        """PUT a feed document to its presigned ``url`` with the Content-Type given to
        createFeedDocument (Feeds API use case guide, step 2)."""
        self.http.request("PUT", url, data=body, headers={"Content-Type": content_type})


def _encoding(response: requests.Response) -> str:
    """The charset the document response names (Amazon uses e.g. ``Cp1252`` for some
    marketplaces), UTF-8 with an optional BOM otherwise or when Python does not know it."""
    match = _CHARSET_RE.search(response.headers.get("Content-Type") or "")
    encoding = match.group(1) if match else "utf-8"
    try:
        name = codecs.lookup(encoding).name
    except LookupError:
        name = "utf-8"
    return "utf-8-sig" if name == "utf-8" else name


def _lwa_error(exc: ConnectorError) -> LWAError:
    """Translate a failed token exchange: refused grants and credentials are permanent. (For
    a 401/403 ``HttpClient`` keeps no body, so the LWA error code is only known for 400s.)"""
    text = str(exc)
    code = next((c for c in PERMANENT_LWA_ERRORS if c in text), "")
    if code == "invalid_grant":
        return LWAError(INVALID_GRANT_MESSAGE, permanent=True, status=exc.status)
    if code or exc.status in (400, 401, 403):
        return LWAError(
            f"Amazon refused the app credentials ({code or f'HTTP {exc.status}'}): check the "
            f"LWA client id and secret, or {REAUTHORISE}.",
            permanent=True,
            status=exc.status,
        )
    return LWAError(
        str(exc), permanent=exc.permanent, retry_after=exc.retry_after, status=exc.status
    )
