"""The one HTTP choke point every connector uses.

``HttpClient`` wraps one ``requests.Session`` with default connect/read timeouts, retries with
exponential backoff and jitter (tenacity) on 429, 5xx and connection errors, honours
``Retry-After``, turns 401/403 into permanent ``ConnectorError``s, and logs method, host, path,
status, duration and the provider's request id — never headers, bodies or query strings, so no
token or secret reaches a log.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from contextlib import suppress
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urlsplit

import requests
import urllib3
from django.conf import settings
from django.utils import timezone
from tenacity import (
    RetryCallState,
    Retrying,
    retry_if_exception_type,
    stop_after_attempt,
    wait_exponential_jitter,
)

logger = logging.getLogger("sangam.http")

RETRYABLE_STATUSES = frozenset({429, 500, 502, 503, 504})
REQUEST_ID_HEADERS = ("X-Request-Id", "x-amzn-RequestId", "X-Amz-Request-Id")


class ConnectorError(Exception):
    """A provider call failed.

    ``permanent``: retrying cannot help (bad or revoked credentials, missing scope) — the sync
    engine marks the account ``error`` and stops. ``retry_after``: seconds the provider asked us
    to wait. ``status``: HTTP status when there was a response. ``detail``: the start of the
    error response's body (providers' error bodies carry no secrets), for connectors that must
    tell apart answers sharing a status (Delhivery: a WAF throttle and a refused token are
    both 403). The message never holds secrets.
    """

    def __init__(
        self,
        message: str,
        *,
        permanent: bool = False,
        retry_after: float | None = None,
        status: int | None = None,
        detail: str = "",
    ) -> None:
        super().__init__(message)
        self.permanent = permanent
        self.retry_after = retry_after
        self.status = status
        self.detail = detail


class RejectedError(ConnectorError):
    """The provider understood the request and refused it (validation errors, a state that
    forbids the change, such as Shopify's mutation ``userErrors``): the same request will be
    refused again, but the account itself is fine, so it is not ``permanent``."""


class TransientHTTPError(ConnectorError):
    """A retryable failure (429, 5xx, connection error, timeout)."""


def parse_retry_after(value: str | None) -> float | None:
    """Seconds from a ``Retry-After`` header (delta-seconds or HTTP date); None if absent/bad."""
    if not value:
        return None
    with suppress(ValueError):
        return max(0.0, float(value))
    try:
        return max(0.0, (parsedate_to_datetime(value) - timezone.now()).total_seconds())
    except (TypeError, ValueError):
        return None


class HttpClient:
    """A ``requests.Session`` with Sangam's timeouts, retries and safe logging.

    ``timeout`` is (connect, read) seconds. ``max_retries`` counts retries after the first try.
    ``sleep`` is injectable so tests can run backoff without waiting.
    """

    def __init__(
        self,
        *,
        provider: str,
        account_key: str = "",
        timeout: tuple[float, float] | None = None,
        max_retries: int | None = None,
        backoff_max: float | None = None,
        sleep: Callable[[float], None] = time.sleep,
        session: requests.Session | None = None,
    ) -> None:
        self.provider = provider
        self.account_key = account_key
        self.timeout = timeout or (settings.HTTP_TIMEOUT_CONNECT, settings.HTTP_TIMEOUT_READ)
        self.max_retries = settings.HTTP_MAX_RETRIES if max_retries is None else max_retries
        self.backoff_max = settings.HTTP_BACKOFF_MAX_SECONDS if backoff_max is None else backoff_max
        self.sleep = sleep
        self.session = session or requests.Session()
        self.session.headers["User-Agent"] = "Sangam/0.1 (+multichannel commerce hub)"
        self._backoff = wait_exponential_jitter(multiplier=0.5, max=self.backoff_max, jitter=0.5)

    def _wait(self, state: RetryCallState) -> float:
        exc = state.outcome.exception() if state.outcome else None
        if isinstance(exc, ConnectorError) and exc.retry_after is not None:
            return min(exc.retry_after, self.backoff_max)
        return self._backoff(state)

    def request(
        self, method: str, url: str, *, idempotent: bool | None = None, **kwargs: Any
    ) -> requests.Response:
        """Send a request; return the response for any status below 400.

        Retries idempotent requests (GET/HEAD/PUT/DELETE by default, or ``idempotent=True``) on
        429/5xx/connection errors; non-idempotent ones only on 429 and failures to connect,
        where the provider cannot have acted. Raises ``ConnectorError`` (``permanent`` for
        401/403) or ``TransientHTTPError`` once retries are exhausted.
        """
        if idempotent is None:
            idempotent = method.upper() in ("GET", "HEAD", "PUT", "DELETE", "OPTIONS")
        kwargs.setdefault("timeout", self.timeout)
        retrying = Retrying(
            stop=stop_after_attempt(self.max_retries + 1),
            wait=self._wait,
            retry=retry_if_exception_type(TransientHTTPError),
            sleep=self.sleep,
            reraise=True,
        )
        return retrying(self._send_once, method, url, idempotent, kwargs)

    def _send_once(
        self, method: str, url: str, idempotent: bool, kwargs: dict[str, Any]
    ) -> requests.Response:
        parts = urlsplit(url)
        where = f"{parts.netloc}{parts.path}"
        started = time.monotonic()
        try:
            response = self.session.request(method, url, **kwargs)
        except requests.ConnectionError as exc:
            self._log(method, where, "conn-error", started, None)
            connect_failed = _failed_to_connect(exc)
            error_cls = TransientHTTPError if (idempotent or connect_failed) else ConnectorError
            raise error_cls(
                f"{self.provider}: cannot reach {parts.netloc} ({type(exc).__name__})"
            ) from None
        except requests.Timeout:
            self._log(method, where, "timeout", started, None)
            error_cls = TransientHTTPError if idempotent else ConnectorError
            raise error_cls(f"{self.provider}: {parts.netloc} timed out") from None
        self._log(method, where, response.status_code, started, response)
        status = response.status_code
        if status < 400:
            return response
        retry_after = parse_retry_after(response.headers.get("Retry-After"))
        if status in (401, 403):
            raise ConnectorError(
                f"{self.provider}: access denied (HTTP {status}); reconnect the account "
                f"or check its permissions. {_safe_snippet(response)}".rstrip(),
                permanent=True,
                status=status,
                detail=_safe_snippet(response),
            )
        if status in RETRYABLE_STATUSES and (idempotent or status == 429):
            raise TransientHTTPError(
                f"{self.provider}: HTTP {status} from {parts.netloc}",
                retry_after=retry_after,
                status=status,
            )
        raise ConnectorError(
            f"{self.provider}: HTTP {status} from {where}: {_safe_snippet(response)}",
            retry_after=retry_after,
            status=status,
            detail=_safe_snippet(response),
        )

    def _log(
        self,
        method: str,
        where: str,
        status: int | str,
        started: float,
        response: requests.Response | None,
    ) -> None:
        request_id = ""
        if response is not None:
            request_id = next(
                (response.headers[h] for h in REQUEST_ID_HEADERS if h in response.headers), ""
            )
        logger.info(
            "http provider=%s account=%s %s %s status=%s duration_ms=%.0f request_id=%s",
            self.provider,
            self.account_key,
            method.upper(),
            where,
            status,
            (time.monotonic() - started) * 1000,
            request_id,
        )


def _failed_to_connect(exc: requests.ConnectionError) -> bool:
    """True only when no connection was made (refused, DNS, connect timeout), so the provider
    cannot have seen the request. requests wraps urllib3's ``MaxRetryError(reason=
    NewConnectionError | ConnectTimeoutError)`` for those; a connection dropped after the
    request was sent (``ProtocolError``) is also a ``requests.ConnectionError`` but is not
    safe to resend for a non-idempotent call."""
    if isinstance(exc, requests.ConnectTimeout):
        return True
    reason = exc.args[0] if exc.args else None
    reason = getattr(reason, "reason", reason)
    return isinstance(reason, urllib3.exceptions.ConnectTimeoutError)


def _safe_snippet(response: requests.Response, limit: int = 300) -> str:
    """A short piece of an error body for messages (provider error bodies carry no secrets)."""
    text = (response.text or "").strip().replace("\n", " ")
    return text[:limit]
