"""SP-API usage plans as token buckets shared by every worker.

Amazon meters each operation per selling partner and application with a token bucket: ``burst``
tokens, restored at ``rate`` tokens per second; a call without a token is answered 429
``QuotaExceeded`` ("Usage Plans and Rate Limits in the SP-API"; the default rate/burst of each
operation is the **Usage Plan** table in its model description, e.g. ``ordersV0.json``
getOrders 0.0167 rps burst 20). The limiter keeps the same bucket on our side and takes a token
before each call, sleeping until one is restored, so the quota is never exceeded. After a
response it adopts the rate Amazon states in ``x-amzn-RateLimit-Limit`` (sellers may have a
higher plan); the burst is kept.

The buckets themselves (Redis when the Django cache is Redis, else in-process) are the
generic ones of ``integrations.ratelimit``, shared with the other connectors that pace
themselves (Delhivery).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Mapping

from integrations.ratelimit import (
    REDIS_CACHE_BACKEND,
    BucketStore,
    LocalBucketStore,
    Plan,
    RateLimiter,
    RedisBucketStore,
    default_store,
)

__all__ = [
    "REDIS_CACHE_BACKEND",
    "USAGE_PLANS",
    "BucketStore",
    "LocalBucketStore",
    "RedisBucketStore",
    "UsagePlan",
    "UsagePlanLimiter",
    "default_store",
]

RATE_HEADER = "x-amzn-RateLimit-Limit"

# An operation's default usage plan: ``rate`` requests per second restored, ``burst`` max.
UsagePlan = Plan

# Rates and bursts from the Usage Plan tables of the models in shared/reference/amazon/models
# (ordersV0, reports_2021-06-30, feeds_2021-06-30, listingsItems_2021-08-01) and sellers v1.
USAGE_PLANS: Mapping[str, UsagePlan] = {
    "getOrders": UsagePlan(0.0167, 20),
    "getOrderItems": UsagePlan(0.5, 30),
    "createReport": UsagePlan(0.0167, 15),
    "getReport": UsagePlan(2.0, 15),
    "getReportDocument": UsagePlan(0.0167, 15),
    "createFeedDocument": UsagePlan(0.5, 15),
    "createFeed": UsagePlan(0.0083, 15),
    "getFeed": UsagePlan(2.0, 15),
    "getFeedDocument": UsagePlan(0.0222, 10),
    "patchListingsItem": UsagePlan(5.0, 5),
    "getListingsItem": UsagePlan(5.0, 10),
    "searchListingsItems": UsagePlan(5.0, 5),
    "getMarketplaceParticipations": UsagePlan(0.016, 15),
}


class UsagePlanLimiter(RateLimiter):
    """Paces the SP-API operations of one selling partner + application (``scope``).

    ``acquire(operation)`` blocks (injected ``sleep``) until the operation's bucket yields a
    token and returns the seconds waited; ``observe(operation, headers)`` adopts the rate from
    ``x-amzn-RateLimit-Limit`` (requests per second). Unknown operations raise ``KeyError``.
    Bucket keys are ``amazon:usage:{scope}:{operation}`` (no secret: ``scope`` is a hash).
    """

    def __init__(
        self,
        scope: str,
        *,
        store: BucketStore | None = None,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
        plans: Mapping[str, UsagePlan] = USAGE_PLANS,
    ) -> None:
        super().__init__(
            f"amazon:usage:{scope}", plans=plans, store=store, clock=clock, sleep=sleep
        )
        self.scope = scope

    def observe(self, operation: str, headers: Mapping[str, str]) -> float | None:
        """Adopt the stated rate; returns it, or None when the header is absent or invalid."""
        value = headers.get(RATE_HEADER)
        if not value:
            return None
        try:
            rate = float(value)
        except ValueError:
            return None
        if not math.isfinite(rate) or rate <= 0:
            return None
        self.store.adopt_rate(self.key(operation), rate, burst=self.plans[operation].burst)
        return rate
