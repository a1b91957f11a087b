"""Token buckets shared by every worker: how connectors pace themselves inside a provider's
published limits.

A bucket holds at most ``burst`` tokens and restores ``rate`` tokens per second; a call takes
one token or waits until one is restored. Over any window of ``T`` seconds a bucket lets at
most ``burst + rate * T`` calls through, so ``Plan.per_window(limit, window, burst)`` (rate
``(limit - burst) / window``) never exceeds ``limit`` calls in any window of that length.
``block`` empties a bucket for a while (a provider said "stop": Delhivery's AWS WAF 403).

Bucket state lives in Redis when the Django cache is Redis (atomic Lua scripts: take a token
or tell how long to wait), so every worker process draws from one bucket; otherwise in a
process-wide dict under a lock. Times come from the injected clock (epoch seconds), so workers
must share a clock (NTP) and tests can use a fake one. No ORM: connectors use it.
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
# Float drift after sleeping exactly the computed wait must not cost a second, tiny sleep.
EPSILON = 1e-9


@dataclass(frozen=True, slots=True)
class Plan:
    """One operation's bucket: ``rate`` tokens per second restored, at most ``burst``."""

    rate: float
    burst: int

    @classmethod
    def per_window(cls, limit: int, window_seconds: float, *, burst: int) -> Plan:
        """A bucket that lets at most ``limit`` calls through in any ``window_seconds``."""
        if not 0 < burst < limit:
            raise ValueError("burst must be positive and below the limit")
        return cls((limit - burst) / window_seconds, burst)


class BucketStore(Protocol):
    """Where bucket state lives. ``take`` returns 0.0 when a token was taken, otherwise the
    seconds until one will be available (nothing taken)."""

    def take(self, key: str, *, rate: float, burst: int, now: float) -> float: ...

    def adopt_rate(self, key: str, rate: float, *, burst: int) -> None: ...

    def block(self, key: str, seconds: float, *, rate: float, burst: int, now: float) -> None: ...


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

    def block(self, key: str, seconds: float, *, rate: float, burst: int, now: float) -> None:
        """Empty the bucket so that the next token is restored ``seconds`` from ``now``."""
        with self._lock:
            bucket = self._buckets.setdefault(key, {"tokens": float(burst), "ts": now})
            bucket["tokens"] = min(bucket["tokens"], 1 - seconds * (bucket.get("rate") or rate))
            bucket["ts"] = max(bucket["ts"], now)

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


# KEYS[1] bucket hash; ARGV: now, default rate, burst, ttl, seconds. Leaves the bucket with
# the tokens that make the next one available ``seconds`` from now (never adds tokens).
_BLOCK_SCRIPT = """
local now = tonumber(ARGV[1])
local rate = tonumber(ARGV[2])
local burst = tonumber(ARGV[3])
local seconds = tonumber(ARGV[5])
local state = redis.call('HMGET', KEYS[1], 'tokens', 'ts', 'rate')
local adopted = tonumber(state[3])
if adopted and adopted > 0 then rate = adopted end
local tokens = tonumber(state[1]) or burst
local ts = tonumber(state[2]) or now
tokens = math.min(tokens, 1 - seconds * rate)
if now > ts then ts = now end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'ts', tostring(ts))
redis.call('EXPIRE', KEYS[1], tonumber(ARGV[4]) + math.ceil(seconds))
return 1
"""


class RedisBucketStore:
    """Buckets in Redis, shared by every worker; ``client`` is a ``redis.Redis``. While Redis
    cannot be reached the in-process store paces this worker alone (logged), so a Redis
    outage never stops a sync."""

    def __init__(self, client: Any) -> None:
        self.client = client
        self._take = client.register_script(_TAKE_SCRIPT)
        self._block = client.register_script(_BLOCK_SCRIPT)
        self._fallback = LocalBucketStore()

    def take(self, key: str, *, rate: float, burst: int, now: float) -> float:
        import redis

        try:
            wait = self._take(keys=[key], args=[repr(now), repr(rate), burst, _ttl(rate, burst)])
        except redis.RedisError as exc:
            logger.warning("rate limits: Redis unavailable (%s); pacing in-process", exc)
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
            logger.warning("rate limits: Redis unavailable (%s); rate kept in-process", exc)

    def block(self, key: str, seconds: float, *, rate: float, burst: int, now: float) -> None:
        import redis

        self._fallback.block(key, seconds, rate=rate, burst=burst, now=now)
        try:
            self._block(
                keys=[key],
                args=[repr(now), repr(rate), burst, _ttl(rate, burst), repr(seconds)],
            )
        except redis.RedisError as exc:
            logger.warning("rate limits: Redis unavailable (%s); block kept in-process", exc)


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


class RateLimiter:
    """Paces the operations of one scope (an account, a selling partner) through ``store``.

    ``acquire(operation)`` blocks (injected ``sleep``) until the operation's bucket yields a
    token and returns the seconds waited; ``block(operation, seconds)`` makes every worker of
    the scope wait ``seconds`` before its next call. Unknown operations raise ``KeyError``.
    Keys are ``{prefix}:{operation}``; ``prefix`` must hold no secret.
    """

    def __init__(
        self,
        prefix: str,
        *,
        plans: Mapping[str, Plan],
        store: BucketStore | None = None,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.prefix = prefix
        self.plans = plans
        self.store = store if store is not None else default_store()
        self.clock = clock
        self.sleep = sleep
        self.seconds_waited = 0.0

    def key(self, operation: str) -> str:
        return f"{self.prefix}:{operation}"

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

    def block(self, operation: str, seconds: float) -> None:
        plan = self.plans[operation]
        self.store.block(
            self.key(operation), seconds, rate=plan.rate, burst=plan.burst, now=self.clock()
        )
