"""SP-API usage plans as token buckets shared by every worker.

Amazon meters each operation per selling partner and application with a token bucket: ``burst``
tokens, restored at ``rate`` tokens per second; a call without a token is answered 429
``QuotaExceeded`` ("Usage Plans and Rate Limits in the SP-API"; the default rate/burst of each
operation is the **Usage Plan** table in its model description, e.g. ``ordersV0.json``
getOrders 0.0167 rps burst 20). The limiter keeps the same bucket on our side and takes a token
before each call, sleeping until one is restored, so the quota is never exceeded. After a
response it adopts the rate Amazon states in ``x-amzn-RateLimit-Limit`` (sellers may have a
higher plan); the burst is kept.

Bucket state lives in Redis when the Django cache is Redis (one atomic Lua script: take a
token or tell how long to wait), so all workers draw from one bucket; otherwise in a
process-wide dict under a lock. Times come from the injected clock (epoch seconds), so
workers must share a clock (NTP) and tests can use a fake one.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from django.conf import settings

logger = logging.getLogger(__name__)

REDIS_CACHE_BACKEND = "django.core.cache.backends.redis.RedisCache"
RATE_HEADER = "x-amzn-RateLimit-Limit"
# Float drift after sleeping exactly the computed wait must not cost a second, tiny sleep.
EPSILON = 1e-9


@dataclass(frozen=True, slots=True)
class UsagePlan:
    """Default plan of one operation: ``rate`` requests per second restored, ``burst`` max."""

    rate: float
    burst: int


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


class BucketStore(Protocol):
    """Where bucket state lives. ``take`` returns 0.0 when a token was taken, otherwise the
    seconds until one will be available (nothing taken)."""

    def take(self, key: str, *, rate: float, burst: int, now: float) -> float: ...

    def adopt_rate(self, key: str, rate: float, *, burst: int) -> None: ...


def _ttl(rate: float, burst: int) -> int:
    """Seconds after which an untouched bucket is full again (so its state can be dropped)."""
    return int(math.ceil(burst / rate)) + 60


class LocalBucketStore:
    """Buckets in this process (all connector instances share them), under one lock."""

    _buckets: dict[str, dict[str, float]] = {}
    _lock = threading.Lock()

    def take(self, key: str, *, rate: float, burst: int, now: float) -> float:
        """Take a token (0.0) or tell the seconds until one is restored (nothing taken)."""
        with self._lock:
            bucket = self._buckets.setdefault(key, {"tokens": float(burst), "ts": now})
            rate = bucket.get("rate") or rate
            if now > bucket["ts"]:
                bucket["tokens"] = min(float(burst), bucket["tokens"] + (now - bucket["ts"]) * rate)
                bucket["ts"] = now
            if bucket["tokens"] >= 1 - EPSILON:
                bucket["tokens"] = max(0.0, bucket["tokens"] - 1)
                return 0.0
            return (1 - bucket["tokens"]) / rate

    def adopt_rate(self, key: str, rate: float, *, burst: int) -> None:
        """Restore the bucket at ``rate`` tokens per second from now on."""
        with self._lock:
            bucket = self._buckets.setdefault(key, {"tokens": float(burst), "ts": -math.inf})
            bucket["rate"] = rate

    @classmethod
    def reset(cls) -> None:
        """Forget every bucket (tests)."""
        with cls._lock:
            cls._buckets.clear()


# KEYS[1] bucket hash; ARGV: now, default rate, burst, ttl. Returns the wait as a string (Redis
# truncates Lua numbers to integers). An adopted rate is kept in the hash field "rate".
_TAKE_SCRIPT = """
local now = tonumber(ARGV[1])
local rate = tonumber(ARGV[2])
local burst = tonumber(ARGV[3])
local state = redis.call('HMGET', KEYS[1], 'tokens', 'ts', 'rate')
local adopted = tonumber(state[3])
if adopted and adopted > 0 then rate = adopted end
local tokens = tonumber(state[1])
local ts = tonumber(state[2])
if tokens == nil or ts == nil then
  tokens = burst
  ts = now
end
if now > ts then
  tokens = math.min(burst, tokens + (now - ts) * rate)
  ts = now
end
local wait = 0
if tokens >= 1 - 1e-9 then
  tokens = math.max(0, tokens - 1)
else
  wait = (1 - tokens) / rate
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'ts', tostring(ts))
redis.call('EXPIRE', KEYS[1], tonumber(ARGV[4]))
return tostring(wait)
"""


class RedisBucketStore:
    """Buckets in Redis, shared by every worker; ``client`` is a ``redis.Redis``. While Redis
    cannot be reached the in-process store paces this worker alone (logged), so a Redis
    outage never stops a sync."""

    def __init__(self, client: Any) -> None:
        self.client = client
        self._take = client.register_script(_TAKE_SCRIPT)
        self._fallback = LocalBucketStore()

    def take(self, key: str, *, rate: float, burst: int, now: float) -> float:
        import redis

        try:
            wait = self._take(keys=[key], args=[repr(now), repr(rate), burst, _ttl(rate, burst)])
        except redis.RedisError as exc:
            logger.warning("amazon usage plans: Redis unavailable (%s); pacing in-process", exc)
            return self._fallback.take(key, rate=rate, burst=burst, now=now)
        return float(wait.decode() if isinstance(wait, bytes) else wait)

    def adopt_rate(self, key: str, rate: float, *, burst: int) -> None:
        import redis

        self._fallback.adopt_rate(key, rate, burst=burst)
        try:
            pipe = self.client.pipeline()
            pipe.hset(key, "rate", repr(rate))
            pipe.expire(key, _ttl(rate, burst))
            pipe.execute()
        except redis.RedisError as exc:
            logger.warning("amazon usage plans: Redis unavailable (%s); rate kept in-process", exc)


def default_store() -> BucketStore:
    """Redis when the default Django cache is ``RedisCache`` (its own client, so the pool is
    shared), else the in-process store."""
    config = settings.CACHES.get("default", {})
    if config.get("BACKEND") != REDIS_CACHE_BACKEND:
        return LocalBucketStore()
    from django.core.cache import caches

    backend = caches["default"]
    try:
        client = backend._cache.get_client(None, write=True)
    except (AttributeError, TypeError):
        import redis

        location = config["LOCATION"]
        if isinstance(location, list | tuple):
            location = location[0]
        client = redis.Redis.from_url(str(location).split(",")[0])
    return RedisBucketStore(client)


class UsagePlanLimiter:
    """Paces the SP-API operations of one selling partner + application (``scope``).

    ``acquire(operation)`` blocks (injected ``sleep``) until the operation's bucket yields a
    token and returns the seconds waited; ``observe(operation, headers)`` adopts the rate from
    ``x-amzn-RateLimit-Limit`` (requests per second). Unknown operations raise ``KeyError``.
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
        self.scope = scope
        self.store = store if store is not None else default_store()
        self.clock = clock
        self.sleep = sleep
        self.plans = plans
        self.seconds_waited = 0.0

    def key(self, operation: str) -> str:
        """The bucket's store key (no secret: ``scope`` is a hash)."""
        return f"amazon:usage:{self.scope}:{operation}"

    def acquire(self, operation: str) -> float:
        plan = self.plans[operation]
        waited = 0.0
        while True:
            wait = self.store.take(
                self.key(operation), rate=plan.rate, burst=plan.burst, now=self.clock()
            )
            if wait <= 0:
                self.seconds_waited += waited
                return waited
            self.sleep(wait)
            waited += wait

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
