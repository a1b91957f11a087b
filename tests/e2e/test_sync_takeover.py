"""A sync run whose process dies is recognised at once and taken over by whoever waits on it,
resuming from its checkpoint (defects issue §1: an interrupted demo hung the next one).

The owner is a real subprocess running the sync against the sandbox over HTTP; it is killed
(SIGKILL) while a page is in flight."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.db import connection
from django.utils import timezone

from integrations.connectors.shopify.connector import ShopifyConnector
from integrations.models import SyncRun, SyncStatus
from integrations.services.run_owner import current_owner, heartbeat
from integrations.services.sync import (
    _beat,
    request_sync,
    sync_run_interrupt,
    sync_run_stale_reason,
)
from orders.models import Order
from sandbox import demo
from tests.e2e.conftest import SHOP, token_connect

ROOT = Path(__file__).resolve().parents[2]
PAGE_SECONDS = 0.25  # each sandbox GraphQL answer is slowed down by this much


def database_url() -> str:
    """The test database, for a child process."""
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    host = db.get("HOST") or "127.0.0.1"
    port = db.get("PORT") or 5432
    user = db.get("USER") or "postgres"
    return f"postgres://{user}@{host}:{port}/{db['NAME']}"


def sandbox_orders() -> int:
    from sandbox.shopify.models import SandboxOrder

    return SandboxOrder.objects.filter(shop__domain=SHOP).count()


@pytest.fixture(autouse=True)
def _large_plan(store):
    """A larger plan's query-cost bucket (shopify.dev "API rate limits": higher plans refill
    faster), so the rate limit does not dominate the test's time."""
    from sandbox.shopify.models import SandboxShop

    SandboxShop.objects.filter(domain=SHOP).update(bucket_size=10000, restore_rate=1000)


@pytest.fixture
def slow_sandbox(monkeypatch) -> dict[str, float]:
    """Slow every sandbox GraphQL answer by ``["delay"]`` seconds (set it to 0 to stop)."""
    from sandbox.shopify import views

    real = views.executor.run
    control = {"delay": PAGE_SECONDS}

    def slow(context, payload):
        time.sleep(control["delay"])
        return real(context, payload)

    monkeypatch.setattr(views.executor, "run", slow)
    return control


def start_owner(run: SyncRun) -> subprocess.Popen:
    """A separate process executing ``run`` as a worker would (eager tasks, no broker)."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DATABASE_URL": database_url(),
        "CELERY_BROKER_URL": "",
        "CACHE_URL": "",
        "SYNC_HEARTBEAT_SECONDS": "0.5",
    }
    code = (
        "import django; django.setup(); "
        "from integrations.services.sync import run_sync_runs; "
        f"run_sync_runs([{run.pk}])"
    )
    return subprocess.Popen(  # noqa: S603 - our own interpreter and code
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def wait_for(predicate, *, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def test_a_run_whose_process_is_killed_mid_page_is_resumed_without_duplicates(
    hub, store, owner, slow_sandbox
):
    account = token_connect(hub, owner, orders_page_size=20)
    run = SyncRun.objects.create(
        account=account, stream="orders", checkpoint={"options": {"paged": True}}
    )
    process = start_owner(run)
    try:
        wait_for(
            lambda: SyncRun.objects.filter(pk=run.pk, pages__gte=2).exists(),
            timeout=120,
            what="two pages",
        )
        time.sleep(PAGE_SECONDS / 2)  # the next page's request is in flight
    finally:
        process.kill()
        process.wait(timeout=30)
    slow_sandbox["delay"] = 0
    run.refresh_from_db()
    assert run.status == SyncStatus.RUNNING  # stranded: nobody will finish it
    assert run.owner.split(":")[1] == str(process.pid)
    assert run.checkpoint["page_cursor"]
    reason = sync_run_stale_reason(run)
    assert f"its process {process.pid}" in reason
    assert "has exited" in reason
    imported = Order.objects.filter(account=account).count()
    assert 0 < imported < sandbox_orders()

    asked = timezone.now()
    (resumed,) = request_sync(account=account, streams=["orders"], options={"paged": True})

    run.refresh_from_db()
    resumed.refresh_from_db()
    assert run.status == SyncStatus.INTERRUPTED
    assert "has exited" in run.error
    assert resumed.status == SyncStatus.SUCCEEDED, resumed.error
    assert resumed.resumed_from_id == run.pk
    assert resumed.owner == str(current_owner())
    orders = sandbox_orders()
    assert resumed.created == orders - imported
    assert Order.objects.filter(account=account).count() == orders
    assert Order.objects.filter(account=account).values("external_id").distinct().count() == orders
    assert (resumed.started_at - asked).total_seconds() < 2  # taken over at once
    assert (resumed.finished_at - asked).total_seconds() < 60


def test_the_demo_watcher_takes_over_a_run_left_by_a_stopped_demo(hub, store, owner):
    """The second demo finds the first one's run still ``running``, owned by a process that is
    gone: it says so and resumes it instead of waiting without end."""
    account = token_connect(hub, owner, orders_page_size=50)
    gone = subprocess.Popen([sys.executable, "-c", "pass"])  # noqa: S603
    gone.wait()
    host = current_owner().host
    stranded = SyncRun.objects.create(
        account=account,
        stream="orders",
        status=SyncStatus.RUNNING,
        started_at=timezone.now(),
        heartbeat_at=timezone.now(),  # fresh: only the owner's death gives it away
        owner=f"{host}:{gone.pid}:{time.time() - 5:.2f}",
        checkpoint={"options": {"paged": True}},
    )
    taken: list[tuple[SyncRun, SyncRun]] = []
    started = time.monotonic()
    runs = demo.watch_runs(
        lambda: account.pk,
        lambda: True,
        lambda _runs: None,
        on_takeover=lambda old, new: taken.append((old, new)),
        timeout=120,
    )
    assert time.monotonic() - started < 90
    ((old, new),) = taken
    assert old.pk == stranded.pk
    stranded.refresh_from_db()
    assert stranded.status == SyncStatus.INTERRUPTED
    final = {r.pk: r for r in runs}[new.pk]
    assert final.status == SyncStatus.SUCCEEDED
    assert Order.objects.filter(account=account).count() == sandbox_orders()


def test_a_taken_over_run_stops_at_its_next_checkpoint(hub, store, owner, monkeypatch):
    """If the old owner still lives after all (a false alarm), it does not race the new run:
    it stops at its next checkpoint and leaves the row as the new owner set it."""
    account = token_connect(hub, owner, orders_page_size=20)
    real_fetch = ShopifyConnector.fetch_orders
    calls = {"n": 0}

    def fetch_then_lose_the_run(self, **kwargs):
        calls["n"] += 1
        if calls["n"] == 2:
            run = SyncRun.objects.get(account=account, stream="orders", status="running")
            sync_run_interrupt(run, reason="no heartbeat for 75 s")
        return real_fetch(self, **kwargs)

    monkeypatch.setattr(ShopifyConnector, "fetch_orders", fetch_then_lose_the_run)
    (run,) = request_sync(account=account, streams=["orders"], options={"paged": True})
    run.refresh_from_db()
    assert calls["n"] == 2  # no page read after the takeover
    assert run.status == SyncStatus.INTERRUPTED
    assert run.error.startswith("Stopped: no heartbeat for 75 s.")
    assert run.pages == 1  # the page read before the takeover; the second was not recorded


@pytest.mark.django_db(transaction=True)
def test_the_heartbeat_beats_through_a_long_wait(owner):
    """A page that takes longer than the stale window keeps the run alive."""
    from tests.factories import ChannelAccountFactory

    account = ChannelAccountFactory(merchant=owner.merchant)
    long_ago = timezone.now() - timedelta(minutes=10)
    run = SyncRun.objects.create(
        account=account, stream="orders", status=SyncStatus.RUNNING, heartbeat_at=long_ago
    )
    with heartbeat(lambda: _beat(run.pk), every=0.1):
        time.sleep(0.6)
        run.refresh_from_db()
        assert run.heartbeat_at > long_ago
        assert sync_run_stale_reason(run) == ""
    beaten = run.heartbeat_at
    time.sleep(0.3)
    run.refresh_from_db()
    assert run.heartbeat_at == beaten  # the thread stopped with the block
