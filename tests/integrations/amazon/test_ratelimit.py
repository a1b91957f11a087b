"""Usage-plan token buckets: pacing never exceeds the plan, ``x-amzn-RateLimit-Limit`` is
adopted, state is shared in-process and through Redis (the real local server, db 13)."""

from __future__ import annotations

import uuid

import pytest

from integrations.connectors.amazon.ratelimit import (
    REDIS_CACHE_BACKEND,
    USAGE_PLANS,
    LocalBucketStore,
    RedisBucketStore,
    UsagePlan,
    UsagePlanLimiter,
    default_store,
)
from tests.integrations.amazon.conftest import model

REDIS_URL = "redis://127.0.0.1:6379/13"
PLANS = {"op": UsagePlan(0.5, 3), "other": UsagePlan(0.5, 3)}


def limiter(clock, store=None, scope="acct", plans=PLANS) -> UsagePlanLimiter:
    return UsagePlanLimiter(
        scope, store=store or LocalBucketStore(), clock=clock, sleep=clock.sleep, plans=plans
    )


def assert_within_plan(times: list[float], plan: UsagePlan) -> None:
    """Every window [times[i], times[j]] holds at most burst + rate × length calls."""
    for i in range(len(times)):
        for j in range(i, len(times)):
            allowed = plan.burst + plan.rate * (times[j] - times[i]) + 1e-6
            assert j - i + 1 <= allowed, (i, j, times)


@pytest.fixture
def redis_client():
    redis = pytest.importorskip("redis")
    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=0.5, socket_timeout=2)
    try:
        client.ping()
    except redis.RedisError as exc:
        pytest.skip(f"Redis at {REDIS_URL} is unreachable ({exc}); the shared-bucket path needs it")
    scope = f"test-{uuid.uuid4().hex}"
    yield client, scope
    for key in client.scan_iter(f"amazon:usage:{scope}:*"):
        client.delete(key)
    client.close()


def test_the_burst_is_free_then_calls_wait_for_the_restore_rate(fake_clock):
    paced = limiter(fake_clock)
    times = []
    for _ in range(7):
        paced.acquire("op")
        times.append(fake_clock())
    assert fake_clock.sleeps == [2.0, 2.0, 2.0, 2.0]
    assert_within_plan(times, PLANS["op"])
    assert paced.seconds_waited == 8.0


def test_operations_have_separate_buckets(fake_clock):
    paced = limiter(fake_clock)
    for _ in range(3):
        paced.acquire("op")
    paced.acquire("other")
    assert fake_clock.sleeps == []


def test_an_idle_bucket_refills_only_up_to_its_burst(fake_clock):
    paced = limiter(fake_clock)
    for _ in range(3):
        paced.acquire("op")
    fake_clock.now += 3600
    for _ in range(4):
        paced.acquire("op")
    assert fake_clock.sleeps == [2.0]


def test_the_in_process_store_is_shared_by_limiters_of_one_scope(fake_clock):
    first, second = limiter(fake_clock), limiter(fake_clock)
    for _ in range(3):
        first.acquire("op")
    second.acquire("op")
    assert fake_clock.sleeps == [2.0]
    limiter(fake_clock, scope="another-seller").acquire("op")
    assert fake_clock.sleeps == [2.0]


def test_the_rate_limit_header_is_adopted_and_the_burst_kept(fake_clock):
    paced = limiter(fake_clock)
    assert paced.observe("op", {"x-amzn-RateLimit-Limit": "4.0"}) == 4.0
    for _ in range(5):
        paced.acquire("op")
    assert fake_clock.sleeps == [0.25, 0.25]


@pytest.mark.parametrize("value", [None, "", "fast", "0", "-1", "nan"])
def test_a_missing_or_invalid_rate_header_changes_nothing(fake_clock, value):
    paced = limiter(fake_clock)
    paced.acquire("op")
    headers = {} if value is None else {"x-amzn-RateLimit-Limit": value}
    assert paced.observe("op", headers) is None
    for _ in range(3):
        paced.acquire("op")
    assert fake_clock.sleeps == [2.0]


def test_plans_follow_the_model_usage_tables():
    assert USAGE_PLANS["getOrders"] == UsagePlan(0.0167, 20)
    assert USAGE_PLANS["getOrderItems"] == UsagePlan(0.5, 30)
    assert USAGE_PLANS["createFeed"] == UsagePlan(0.0083, 15)
    assert USAGE_PLANS["patchListingsItem"] == UsagePlan(5.0, 5)
    orders = model("ordersV0.json")["paths"]
    assert "| 0.0167 | 20 |" in orders["/orders/v0/orders"]["get"]["description"]
    assert "| 0.5 | 30 |" in orders["/orders/v0/orders/{orderId}/orderItems"]["get"]["description"]


def test_the_redis_store_shares_one_bucket_between_workers(fake_clock, redis_client):
    client, scope = redis_client
    # Two workers: separate store objects (each would have its own connection pool).
    worker_a = limiter(fake_clock, store=RedisBucketStore(client), scope=scope)
    worker_b = limiter(fake_clock, store=RedisBucketStore(client), scope=scope)
    times = []
    for worker in (worker_a, worker_b, worker_a, worker_b, worker_a):
        worker.acquire("op")
        times.append(fake_clock())
    assert fake_clock.sleeps == [2.0, 2.0]
    assert_within_plan(times, PLANS["op"])
    ttl = client.ttl(worker_a.key("op"))
    assert 0 < ttl <= 3 / 0.5 + 60


def test_the_redis_store_adopts_the_header_rate_for_every_worker(fake_clock, redis_client):
    client, scope = redis_client
    worker_a = limiter(fake_clock, store=RedisBucketStore(client), scope=scope)
    worker_b = limiter(fake_clock, store=RedisBucketStore(client), scope=scope)
    for _ in range(3):
        worker_a.acquire("op")
    worker_a.observe("op", {"x-amzn-RateLimit-Limit": "10"})
    worker_b.acquire("op")
    assert fake_clock.sleeps == [pytest.approx(0.1)]


def test_the_default_store_is_redis_when_the_cache_is_redis(settings, redis_client):
    client, scope = redis_client
    settings.CACHES = {"default": {"BACKEND": REDIS_CACHE_BACKEND, "LOCATION": REDIS_URL}}
    store = default_store()
    assert isinstance(store, RedisBucketStore)
    key = f"amazon:usage:{scope}:probe"
    assert store.take(key, rate=1.0, burst=1, now=100.0) == 0.0
    assert store.take(key, rate=1.0, burst=1, now=100.0) == pytest.approx(1.0)
    assert client.exists(key)


def test_the_default_store_is_in_process_otherwise(settings):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    assert isinstance(default_store(), LocalBucketStore)


def test_an_unreachable_redis_falls_back_to_in_process_pacing(fake_clock, caplog):
    redis = pytest.importorskip("redis")
    from redis.backoff import NoBackoff
    from redis.retry import Retry

    dead = redis.Redis(
        host="127.0.0.1", port=1, socket_connect_timeout=0.2, retry=Retry(NoBackoff(), 0)
    )
    paced = limiter(fake_clock, store=RedisBucketStore(dead))
    for _ in range(4):
        paced.acquire("op")
    paced.observe("op", {"x-amzn-RateLimit-Limit": "1"})
    paced.acquire("op")
    assert fake_clock.sleeps == [2.0, 1.0]
    assert "Redis unavailable" in caplog.text
