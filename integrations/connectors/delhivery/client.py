"""HTTP to Delhivery's B2C (Express) API: auth, the published rate limits, the WAF throttle.

- Root: the account's ``base_url`` (the sandbox: ``{PUBLIC_BASE_URL}/sandbox/delhivery/
  <client>``) or production ``https://track.delhivery.com``; Delhivery's paths are appended
  as they are (channel-apis.md §5.1 "Hosts").
- Auth: ``Authorization: Token <api_token>``; the token is static (same section).
- Limits, per 5 minutes per IP (logistics-finance-notes.md §1, from Delhivery's B2C developer
  documentation): serviceability 4,500, create 20,000, edit/cancel 12,200, track 750 (50 AWBs
  a call), shipping cost 50. channel-apis.md §5.1 gives the cost API "40 req/min, then a
  1-minute IP throttle"; the stricter of the two (50 per 5 min) is used. Each operation is
  paced by a shared token bucket (``integrations.ratelimit``, Redis when the cache is) at 80%
  of its limit, e.g. tracking ≤ 600 calls in any 5 minutes, across every worker of the
  account.
- Above the tracking limit AWS WAF answers **403** and the caller must wait at least 30 s
  (logistics notes §1; Delhivery's Track FAQ: "403 Forbidden … wait for at least 30
  seconds"). A 403 whose body names the login/token is a refused token (permanent); any
  other 403 is that throttle: the account's bucket is blocked for ``WAF_WAIT_SECONDS`` (every
  worker waits), the call is retried once after the wait, then ``TransientHTTPError``
  (``retry_after`` 30 s).

Errors: ``ConnectorError`` (``permanent`` for a refused token), ``TransientHTTPError``.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from typing import Any

import requests

from integrations.dto import AccountHandle
from integrations.http import ConnectorError, HttpClient, TransientHTTPError
from integrations.ratelimit import BucketStore, Plan, RateLimiter

PRODUCTION_ROOT = "https://track.delhivery.com"
SERVICEABILITY_PATH = "/c/api/pin-codes/json/"
CREATE_PATH = "/api/cmu/create.json"
EDIT_PATH = "/api/p/edit"
TRACK_PATH = "/api/v1/packages/json/"
CHARGES_PATH = "/api/kinko/v1/invoice/charges/.json"
NDR_UPDATE_PATH = "/api/p/update"
UPL_PATH = "/api/cmu/get_bulk_upl/{upl}"

WINDOW_SECONDS = 300.0
BUDGET_SHARE = 0.8  # pace at 80% of each published limit
# Published limits per 5 minutes (see the module docstring) → buckets at 80% of them, with a
# burst of one tenth of the budget (so no window of 5 minutes ever sees more than the budget).
PUBLISHED_LIMITS: Mapping[str, int] = {
    "serviceability": 4500,
    "create": 20000,
    "edit": 12200,
    "track": 750,
    "charges": 50,
    # The NDR API's limit is not published; paced as edit/cancel (our assumption, 2026-12).
    "ndr": 12200,
}


def _plan(limit: int) -> Plan:
    budget = int(limit * BUDGET_SHARE)
    return Plan.per_window(budget, WINDOW_SECONDS, burst=max(1, budget // 10))


PLANS: Mapping[str, Plan] = {name: _plan(limit) for name, limit in PUBLISHED_LIMITS.items()}
WAF_WAIT_SECONDS = 30.0
WAF_RETRIES = 1
# Words of Delhivery's refusals of a token ("Login or API Key Required", the pincode FAQ;
# "Unauthorized client/user", the NDR FAQ): a 403 carrying one is not the WAF.
AUTH_MARKERS = ("login or api key", "unauthorized", "invalid token", "api key", "credential")


def is_waf_throttle(exc: ConnectorError) -> bool:
    """True for a 403 from AWS WAF (the rate limit), False for a refused token."""
    if exc.status != 403:
        return False
    body = (exc.detail or "").lower()
    return not any(marker in body for marker in AUTH_MARKERS)


class DelhiveryClient:
    """Authenticated, paced calls for one Delhivery account. ``store``/``clock``/``sleep``
    are injectable (tests); by default the buckets are shared through the Django cache's
    Redis and the clock is wall time."""

    def __init__(
        self,
        *,
        account: AccountHandle,
        http: HttpClient,
        store: BucketStore | None = None,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.account = account
        self.http = http
        self.sleep = sleep
        self.root = (account.base_url or PRODUCTION_ROOT).rstrip("/")
        self.limiter = RateLimiter(
            f"delhivery:{account.external_id}", plans=PLANS, store=store, clock=clock, sleep=sleep
        )

    def _headers(self) -> dict[str, str]:
        token = str(self.account.credentials.get("api_token") or "")
        if not token:
            raise ConnectorError(
                "delhivery: the API token is missing; reconnect the account.", permanent=True
            )
        return {"Authorization": f"Token {token}", "Accept": "application/json"}

    def request(
        self, operation: str, method: str, path: str, *, idempotent: bool | None = None, **kw: Any
    ) -> requests.Response:
        """One call of ``operation`` (a ``PLANS`` key), paced by its bucket; a WAF 403 blocks
        the bucket for 30 s and is retried ``WAF_RETRIES`` times."""
        headers = {**self._headers(), **kw.pop("headers", {})}
        attempts = 0
        while True:
            self.limiter.acquire(operation)
            try:
                return self.http.request(
                    method, f"{self.root}{path}", idempotent=idempotent, headers=headers, **kw
                )
            except ConnectorError as exc:
                if not is_waf_throttle(exc):
                    if exc.status in (401, 403):
                        raise ConnectorError(
                            f"delhivery: the API token was refused (HTTP {exc.status}); "
                            "check the token and that it belongs to this environment.",
                            permanent=True,
                            status=exc.status,
                            detail=exc.detail,
                        ) from None
                    raise
                self.limiter.block(operation, WAF_WAIT_SECONDS)
                attempts += 1
                if attempts > WAF_RETRIES:
                    raise TransientHTTPError(
                        "delhivery: throttled by the AWS WAF (HTTP 403); retry after 30 s",
                        retry_after=WAF_WAIT_SECONDS,
                        status=403,
                    ) from None

    def json(self, operation: str, method: str, path: str, **kw: Any) -> Any:
        """``request`` → the decoded JSON (object or list)."""
        response = self.request(operation, method, path, **kw)
        try:
            return response.json()
        except ValueError:
            raise ConnectorError(f"delhivery: {path} answered with a non-JSON body") from None
