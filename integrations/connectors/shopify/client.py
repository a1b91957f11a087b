"""Shopify Admin GraphQL client with cost-based pacing (channel-apis.md §1.2).

Every response carries ``extensions.cost`` (requestedQueryCost, actualQueryCost, throttleStatus
{maximumAvailable, currentlyAvailable, restoreRate}). The client keeps the last throttle status
per account in the Django cache (Redis when configured, so all workers share it) and, before a
query that would not fit, waits ``(requested − available) / restoreRate`` seconds, so the bucket
is never exhausted. A ``THROTTLED`` answer (HTTP 200) is waited out and retried; a query above
the single-query maximum raises ``QueryCostExceeded`` so callers can shrink their page size.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable
from typing import Any

from django.core.cache import cache

from integrations.http import ConnectorError, HttpClient, RejectedError

logger = logging.getLogger(__name__)

_OPERATION_RE = re.compile(r"^\s*(query|mutation)\s+(\w+)", re.MULTILINE)
MAX_THROTTLE_RETRIES = 20
BUCKET_CACHE_SECONDS = 3600


class QueryCostExceeded(ConnectorError):
    """The query's requested cost is above what Shopify accepts (``MAX_COST_EXCEEDED``) or
    above the bucket's maximum; ``cost``/``max_cost`` are in points."""

    def __init__(self, message: str, *, cost: float, max_cost: float) -> None:
        super().__init__(message)
        self.cost = cost
        self.max_cost = max_cost


class AccessDenied(ConnectorError):
    """Shopify answered ``ACCESS_DENIED``: the token lacks an access scope (permanent).

    ``scopes`` are the handles named by the errors' ``extensions.requiredAccess`` (e.g.
    ```read_returns` access scope.`` → ``{"read_returns"}``; shopify.dev "Access scopes"),
    empty when Shopify did not say."""

    def __init__(self, message: str, *, scopes: frozenset[str] = frozenset()) -> None:
        super().__init__(message, permanent=True)
        self.scopes = scopes


class ShopifyUserError(RejectedError):
    """A mutation answered with ``userErrors`` (message lists field and reason)."""


def raise_for_user_errors(payload: dict[str, Any] | None, action: str) -> None:
    """Raise ``ShopifyUserError`` if a mutation payload has ``userErrors``."""
    errors = (payload or {}).get("userErrors") or []
    if errors:
        details = "; ".join(
            f"{'.'.join(e.get('field') or []) or '-'}: {e.get('message')}" for e in errors
        )
        raise ShopifyUserError(f"Shopify rejected {action}: {details}")


class ShopifyGraphQLClient:
    """POST ``{base_url}/admin/api/{version}/graphql.json`` with ``X-Shopify-Access-Token``.

    ``clock``/``sleep`` are injectable for tests. Raises ``ConnectorError`` (permanent on
    401/403), ``AccessDenied`` (a missing access scope), ``QueryCostExceeded``; returns the
    ``data`` dict.
    """

    def __init__(
        self,
        *,
        http: HttpClient,
        base_url: str,
        access_token: str,
        api_version: str,
        bucket_key: str,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] | None = None,
    ) -> None:
        self.http = http
        self.endpoint = f"{base_url.rstrip('/')}/admin/api/{api_version}/graphql.json"
        self.access_token = access_token
        self.bucket_key = f"shopify:bucket:{bucket_key}"
        self.clock = clock
        self.sleep = sleep or http.sleep
        self.last_cost: dict[str, Any] = {}
        self.throttle_waits = 0
        self.seconds_waited = 0.0

    # --- bucket bookkeeping ---------------------------------------------------------------------
    def _bucket(self) -> dict[str, float] | None:
        return cache.get(self.bucket_key)

    def _remember(self, cost: dict[str, Any] | None) -> None:
        status = (cost or {}).get("throttleStatus")
        if not status:
            return
        cache.set(
            self.bucket_key,
            {
                "maximum": float(status["maximumAvailable"]),
                "available": float(status["currentlyAvailable"]),
                "restore": float(status["restoreRate"]),
                "at": self.clock(),
            },
            BUCKET_CACHE_SECONDS,
        )

    def _cost_key(self, operation: str) -> str:
        return f"{self.bucket_key}:cost:{operation}"

    def wait_seconds(self, requested: float) -> float:
        """Seconds to wait so that ``requested`` points are available (0 if they already are)."""
        bucket = self._bucket()
        if not bucket or bucket["restore"] <= 0:
            return 0.0
        elapsed = max(0.0, self.clock() - bucket["at"])
        available = min(bucket["maximum"], bucket["available"] + elapsed * bucket["restore"])
        if requested <= available:
            return 0.0
        return (requested - available) / bucket["restore"]

    def _pace(self, requested: float) -> None:
        wait = self.wait_seconds(requested)
        if wait > 0:
            self.seconds_waited += wait
            self.sleep(wait)

    # --- execution ------------------------------------------------------------------------------
    def execute(self, document: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        """Run one GraphQL operation and return its ``data``."""
        match = _OPERATION_RE.search(document)
        kind, operation = (match.group(1), match.group(2)) if match else ("query", "anonymous")
        cost_key = self._cost_key(f"{operation}:{_variables_shape(variables)}")
        for _attempt in range(MAX_THROTTLE_RETRIES):
            expected = cache.get(cost_key)
            if expected:
                self._pace(float(expected))
            response = self.http.request(
                "POST",
                self.endpoint,
                idempotent=(kind == "query"),
                json={"query": document, "variables": variables or {}},
                headers={
                    "X-Shopify-Access-Token": self.access_token,
                    "Content-Type": "application/json",
                    "Accept": "application/json",
                },
            )
            try:
                body = response.json()
            except ValueError as exc:
                raise ConnectorError("shopify: GraphQL answered with a non-JSON body") from exc
            cost = (body.get("extensions") or {}).get("cost") or {}
            self.last_cost = cost
            self._remember(cost)
            if cost.get("requestedQueryCost") is not None:
                cache.set(cost_key, cost["requestedQueryCost"], BUCKET_CACHE_SECONDS)
            errors = body.get("errors")
            if not errors:
                return body.get("data") or {}
            codes = {((e.get("extensions") or {}).get("code")) for e in _as_list(errors)}
            if "THROTTLED" in codes:
                requested = float(cost.get("requestedQueryCost") or 0)
                maximum = float((cost.get("throttleStatus") or {}).get("maximumAvailable") or 0)
                if maximum and requested > maximum:
                    raise QueryCostExceeded(
                        f"shopify: query cost {requested:g} exceeds the bucket size {maximum:g}",
                        cost=requested,
                        max_cost=maximum,
                    )
                self.throttle_waits += 1
                wait = max(self.wait_seconds(requested), 0.5)
                logger.info("shopify throttled op=%s waiting %.1fs", operation, wait)
                self.seconds_waited += wait
                self.sleep(wait)
                continue
            if "MAX_COST_EXCEEDED" in codes:
                ext = next(
                    (e.get("extensions") or {})
                    for e in _as_list(errors)
                    if (e.get("extensions") or {}).get("code") == "MAX_COST_EXCEEDED"
                )
                raise QueryCostExceeded(
                    f"shopify: {_messages(errors)}",
                    cost=float(ext.get("cost") or 0),
                    max_cost=float(ext.get("maxCost") or 1000),
                )
            if "ACCESS_DENIED" in codes:
                raise AccessDenied(f"shopify: {_messages(errors)}", scopes=_required_scopes(errors))
            raise ConnectorError(f"shopify: GraphQL error in {operation}: {_messages(errors)}")
        raise ConnectorError(
            f"shopify: still throttled after {MAX_THROTTLE_RETRIES} attempts ({operation})"
        )


def all_nodes(
    gql: ShopifyGraphQLClient,
    connection: dict[str, Any] | None,
    query: str,
    variables: dict[str, Any],
    pick: Callable[[dict[str, Any]], dict[str, Any] | None],
) -> list[dict[str, Any]]:
    """Every node of a nested connection: the nodes of ``connection`` (its first page, read
    with the parent) and then, while ``pageInfo.hasNextPage``, the pages ``query`` returns for
    ``variables`` plus ``after``; ``pick`` finds the connection in a response's ``data``.
    Raises what ``execute`` raises."""
    connection = connection or {}
    nodes = list(connection.get("nodes") or [])
    info = connection.get("pageInfo") or {}
    cursor = info.get("endCursor") if info.get("hasNextPage") else None
    while cursor:
        page = pick(gql.execute(query, {**variables, "after": cursor})) or {}
        nodes.extend(page.get("nodes") or [])
        info = page.get("pageInfo") or {}
        cursor = info.get("endCursor") if info.get("hasNextPage") else None
    return nodes


def _as_list(errors: Any) -> list[dict[str, Any]]:
    if isinstance(errors, list):
        return [e if isinstance(e, dict) else {"message": str(e)} for e in errors]
    return [{"message": str(errors)}]


_SCOPE_RE = re.compile(r"`?\b((?:read|write)_[a-z_]+)\b`?")


def _required_scopes(errors: Any) -> frozenset[str]:
    """The scope handles an ``ACCESS_DENIED`` answer asks for: its errors'
    ``extensions.requiredAccess`` (``"`read_returns` access scope."``), else their messages."""
    found: set[str] = set()
    for error in _as_list(errors):
        ext = error.get("extensions") or {}
        if ext.get("code") != "ACCESS_DENIED":
            continue
        text = str(ext.get("requiredAccess") or error.get("message") or "")
        found.update(_SCOPE_RE.findall(text))
    return frozenset(found)


def _messages(errors: Any) -> str:
    return "; ".join(str(e.get("message")) for e in _as_list(errors))[:500]


def _variables_shape(variables: dict[str, Any] | None) -> str:
    """Requested cost depends on page sizes, not on cursors: key the cost memory by ``first``."""
    if not variables:
        return "-"
    return str(variables.get("first", "-"))
