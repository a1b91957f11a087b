"""HTTP to Shiprocket's external API: the login token, its renewal, pacing.

- Root: the account's ``base_url`` (the sandbox: ``{PUBLIC_BASE_URL}/sandbox/shiprocket/v1/
  external``) or production ``https://apiv2.shiprocket.in/v1/external``; the paths below are
  appended as they are.
- Auth (logistics-finance-notes.md §1 "Shiprocket"): ``POST /auth/login {"email",
  "password"}`` of an API user (Settings → API → Add API User) → ``{"token": <JWT>, "id",
  "email", "company_id", …}``; every other call sends ``Authorization: Bearer <token>``. The
  token lasts **10 days (240 h)** (same notes, M). It is kept, with its expiry, in the account's
  encrypted credentials (``token``, ``token_expires_at`` ISO 8601 UTC) through
  ``save_credentials`` — so every worker reuses it — and renewed only when less than
  ``RENEW_BEFORE`` (1 day) is left, or once when a call is answered 401 (revoked or expired
  early). A login that is refused is a permanent error (wrong email/password). The expiry is
  computed from the login time (240 h), not read from the JWT: the JWT's ``exp`` claim is not
  documented (ASSUMED).
- Limits: Shiprocket documents that it answers **429** "You have exceeded the API call rate
  limit" but publishes no number, window or header (api-evangelist/shiprocket
  ``rate-limits/shiprocket-rate-limits.yml``, from apidocs.shiprocket.in "Errors and Response
  codes"). So every operation is paced by a conservative bucket of our own (ASSUMED, below:
  e.g. tracking 60 calls a minute ≈ 3,000 AWBs a minute), and a 429 is retried with backoff by
  ``HttpClient`` (which honours a ``Retry-After`` should Shiprocket send one). Logins are
  paced at most 10 an hour: a 401 loop can never become a login storm.

Errors: ``ConnectorError`` (``permanent`` for refused credentials), ``TransientHTTPError``.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

import requests

from integrations.dto import AccountHandle
from integrations.http import ConnectorError, HttpClient
from integrations.ratelimit import BucketStore, Plan, RateLimiter

PRODUCTION_ROOT = "https://apiv2.shiprocket.in/v1/external"
LOGIN_PATH = "/auth/login"
CREATE_ORDER_PATH = "/orders/create/adhoc"
CANCEL_PATH = "/orders/cancel"
ASSIGN_AWB_PATH = "/courier/assign/awb"
SERVICEABILITY_PATH = "/courier/serviceability/"
LABEL_PATH = "/courier/generate/label"
MANIFEST_PATH = "/manifests/generate"
PICKUP_PATH = "/courier/generate/pickup"
TRACK_AWBS_PATH = "/courier/track/awbs"
TRACK_AWB_PATH = "/courier/track/awb/{awb}"
NDR_LIST_PATH = "/ndr/all"
NDR_ACTION_PATH = "/ndr/{awb}/action"

TOKEN_FIELD = "token"  # noqa: S105 - a credential's name, not a secret
TOKEN_EXPIRES_FIELD = "token_expires_at"  # noqa: S105 - a credential's name
TOKEN_LIFETIME = timedelta(hours=240)  # logistics-finance-notes.md §1
RENEW_BEFORE = timedelta(days=1)

# Our own pacing (ASSUMED: Shiprocket publishes no limit): calls per minute, burst a tenth.
ASSUMED_LIMITS_PER_MINUTE: Mapping[str, int] = {
    "orders": 120,
    "awb": 120,
    "serviceability": 120,
    "label": 60,
    "pickup": 60,
    "track": 60,
    "cancel": 60,
    "ndr": 60,
}
LOGIN_PLAN = Plan.per_window(10, 3600.0, burst=2)
PLANS: Mapping[str, Plan] = {
    **{
        name: Plan.per_window(limit, 60.0, burst=max(1, limit // 10))
        for name, limit in ASSUMED_LIMITS_PER_MINUTE.items()
    },
    "login": LOGIN_PLAN,
}


def _parse_expiry(value: object) -> datetime | None:
    try:
        moment = datetime.fromisoformat(str(value or ""))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


class ShiprocketClient:
    """Authenticated, paced calls for one Shiprocket API user. ``save`` persists the token
    (the connector's ``save_credentials``); ``now`` is the wall clock (aware, injectable)."""

    def __init__(
        self,
        *,
        account: AccountHandle,
        http: HttpClient,
        save: Callable[[dict[str, Any], datetime | None], None],
        store: BucketStore | None = None,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.account = account
        self.http = http
        self.save = save
        self.sleep = sleep
        self.now = now
        self.root = (account.base_url or PRODUCTION_ROOT).rstrip("/")
        self.limiter = RateLimiter(
            f"shiprocket:{account.external_id}", plans=PLANS, store=store, clock=clock, sleep=sleep
        )
        self.logins = 0  # logins made by this client (tests; never logged)

    # --- the token -----------------------------------------------------------------------------
    def login(self) -> str:
        """``POST /auth/login``; saves and returns the new token. Raises
        ``ConnectorError(permanent=True)`` when Shiprocket refuses the email/password (any
        4xx: its refusal is a 400/401/403 with ``message``, the exact status is not
        documented) or answers without a token."""
        email = str(self.account.credentials.get("email") or self.account.external_id or "")
        password = str(self.account.credentials.get("password") or "")
        if not email or not password:
            raise ConnectorError(
                "shiprocket: the API user's email or password is missing; reconnect.",
                permanent=True,
            )
        self.limiter.acquire("login")
        try:
            response = self.http.request(
                "POST",
                f"{self.root}{LOGIN_PATH}",
                json={"email": email, "password": password},
                idempotent=True,
                headers={"Accept": "application/json"},
            )
        except ConnectorError as exc:
            if exc.status is not None and 400 <= exc.status < 500 and exc.status != 429:
                raise ConnectorError(
                    f"shiprocket: the API user's login was refused (HTTP {exc.status}); check "
                    "the API user's email and password (Settings → API).",
                    permanent=True,
                    status=exc.status,
                    detail=exc.detail,
                ) from None
            raise
        self.logins += 1
        try:
            body = response.json()
        except ValueError:
            body = None
        token = str((body or {}).get("token") or "") if isinstance(body, dict) else ""
        if not token:
            raise ConnectorError("shiprocket: the login answered without a token", permanent=True)
        expires = self.now() + TOKEN_LIFETIME
        self.save({TOKEN_FIELD: token, TOKEN_EXPIRES_FIELD: expires.isoformat()}, expires)
        return token

    def token_expiry(self) -> datetime | None:
        """When the kept token expires (None without one)."""
        return _parse_expiry(self.account.credentials.get(TOKEN_EXPIRES_FIELD))

    def token(self) -> str:
        """The kept token while more than ``RENEW_BEFORE`` of its life is left, else a new
        one (one login)."""
        token = str(self.account.credentials.get(TOKEN_FIELD) or "")
        expires = self.token_expiry()
        if token and expires is not None and expires - self.now() > RENEW_BEFORE:
            return token
        return self.login()

    # --- calls ---------------------------------------------------------------------------------
    def request(
        self, operation: str, method: str, path: str, *, idempotent: bool | None = None, **kw: Any
    ) -> requests.Response:
        """One call of ``operation`` (a ``PLANS`` key) with the Bearer token; a 401 renews
        the token once and repeats the call once (a second 401 is permanent)."""
        extra = kw.pop("headers", {})
        renewed = False
        token = self.token()
        while True:
            self.limiter.acquire(operation)
            headers = {"Authorization": f"Bearer {token}", "Accept": "application/json", **extra}
            try:
                return self.http.request(
                    method, f"{self.root}{path}", idempotent=idempotent, headers=headers, **kw
                )
            except ConnectorError as exc:
                if exc.status == 401 and not renewed:
                    renewed = True
                    token = self.login()
                    continue
                if exc.status in (401, 403):
                    raise ConnectorError(
                        f"shiprocket: access refused (HTTP {exc.status}) even with a new token; "
                        "check the API user's permissions.",
                        permanent=True,
                        status=exc.status,
                        detail=exc.detail,
                    ) from None
                raise

    def json(self, operation: str, method: str, path: str, **kw: Any) -> Any:
        """``request`` → the decoded JSON (object or list)."""
        response = self.request(operation, method, path, **kw)
        try:
            return response.json()
        except ValueError:
            raise ConnectorError(f"shiprocket: {path} answered with a non-JSON body") from None
