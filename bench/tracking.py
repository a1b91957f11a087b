"""Courier tracking at scale against the Delhivery sandbox (issue 20 §4): the poll's full
refresh at Delhivery's real tracking limit, the scan-push latency, and dropped pushes caught by
the poll.

Everything runs as in production on one machine: gunicorn serves the hub and the Delhivery
sandbox on loopback, a Celery worker (prefork) consumes the Redis broker, PostgreSQL holds the
data, and the connector's token buckets live in the Redis cache. Each phase connects its own
Delhivery account (``connect_with_credentials`` against the sandbox: the token is checked, a
push token issued) to a sandbox client whose push URL is the hub's
``/api/webhooks/delhivery/<push token>``. Shipments are not booked over HTTP: the sandbox's
shipments and their whole journeys (``sandbox.delhivery.journeys.plan``, the code
``create.json`` runs: 60 % COD, the sandbox's outcome shares, ~15–25 scans each) and Sangam's
orders (one line each, on a self-shipped marketplace account) and ``Shipment`` rows are
bulk-inserted (the scans with ``COPY``).

1. **Full refresh** (``--shipments``, default 100,000): journeys manifested 1–48 hours ago on
   the sandbox clock, so tracking answers carry the ~5–15 scans of a shipment in flight; no
   scan push (the phase measures the poll). Sangam holds them as manifested, never tracked.
   One ``shipments_track_account`` (the function ``shipments_track_task`` runs every 30
   minutes) is timed in this process; the sandbox enforces the real limit (750 tracking calls
   per 5 minutes per IP, a WAF-style 403 above it; ``SANDBOX_DELHIVERY_LIMITS`` is left at its
   default) and the connector paces at 80 % (600 per 5 minutes, burst 60). Every tracking call
   is timed from the connector's HTTP log (``sangam.http``), giving the peak calls in any
   sliding 5-minute window and the 403s; the sandbox's own fixed windows are printed beside.
   This is the heaviest refresh: every scan is new to Sangam (a steady-state refresh mostly
   re-sends stored scans, skipped by the unique constraint). ``--history N`` adds N delivered
   shipments to the account (Sangam only), the history a courier account accumulates, which
   the poll's due selection must not read; its time per batch of 50 is printed.
2. **Scan push** (``--push-shipments``, ``--pushes`` at ``--push-rate`` per second): fresh
   journeys; the bench moves the sandbox clock forward so that scans fall due at the given
   rate and runs the sandbox's pusher (``sandbox.delhivery.push.deliver_due``: POST to the
   hub, one immediate retry). A thread watches Sangam's ``TrackingEvent`` rows (stored in the
   same transaction as the shipment's status): latency runs from the start of the sandbox's
   POST until the scan is committed in Sangam (webhook stored → inbox drain in the worker →
   ``tracking_events_import``). Target p95 < 2 s.
3. **Dropped pushes** (``--drop-shipments``, default 2,000; ``--drop-share`` 0.3, the
   sandbox's ``SANDBOX_DELHIVERY_PUSH_DROP_SHARE``): fresh journeys played to their end
   (``--play-days`` of sandbox time in ``--step-hours`` steps, pushing after each step, with
   ``--pushers`` concurrent pushers); once the worker has drained the inbox, the statuses are
   compared with each waybill's true outcome (delivered, RTO delivered, lost); then one poll
   cycle runs and they are compared again.

    createdb -h 127.0.0.1 -U postgres sangam_bench_tracking   # once
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/sangam_bench_tracking \\
    CELERY_BROKER_URL=redis://127.0.0.1:6379/10 CACHE_URL=redis://127.0.0.1:6379/11 \\
    .venv/bin/python bench/tracking.py [--shipments 100000] [--phases refresh push drop]

The refresh at 100,000 shipments takes about 18 minutes of real time: the limit is real and
time-based (2,000 calls; 60 at once, then 1.8 per second). ``--shipments 5000`` gives a run of
about a minute with the same pacing. Bench data of earlier runs is deleted at the start and
between phases (raw SQL: 100,000 shipments through the ORM's cascade would take minutes).
"""

from __future__ import annotations

import argparse
import logging
import os
import random
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


PORT = free_port()
BASE_URL = f"http://127.0.0.1:{PORT}"

from cryptography.fernet import Fernet  # noqa: E402

os.environ.setdefault("CREDENTIALS_ENCRYPTION_KEYS", Fernet.generate_key().decode())
os.environ.setdefault("SECRET_KEY", "bench-tracking-secret-key")
os.environ["DEBUG"] = "False"
os.environ["SANDBOX_ENABLED"] = "True"
os.environ["ALLOWED_HOSTS"] = "127.0.0.1,localhost"
os.environ["PUBLIC_BASE_URL"] = BASE_URL
os.environ["LOG_LEVEL"] = "WARNING"

from _setup import django_setup  # noqa: E402

django_setup()

import _procs  # noqa: E402
from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, connections  # noqa: E402

from accounts.models import Merchant  # noqa: E402
from config.celery import app as celery_app  # noqa: E402
from integrations.dto import ShipmentStatus  # noqa: E402
from integrations.models import ChannelAccount, WebhookEvent, WebhookStatus  # noqa: E402
from integrations.services.accounts import connect_with_credentials  # noqa: E402
from orders.models import Order, OrderItem  # noqa: E402
from sandbox.delhivery import clock as dlv_clock  # noqa: E402
from sandbox.delhivery import journeys, places  # noqa: E402
from sandbox.delhivery import push as dlv_push  # noqa: E402
from sandbox.delhivery.models import (  # noqa: E402
    PushState,
    SandboxDelhiveryClient,
    SandboxDelhiveryRateWindow,
    SandboxDelhiveryScan,
    SandboxDelhiveryShipment,
)
from sandbox.delhivery.seed import DESTINATIONS, NAMES, PRODUCTS, seed_client  # noqa: E402
from shipments.models import Shipment, TrackingEvent  # noqa: E402
from shipments.services.tracking import shipments_track_account  # noqa: E402

MERCHANT = "bench-tracking"
CLIENT_PREFIX = "bench-tracking-"
WAREHOUSE = "BENCH-TRK-WH"
WAREHOUSE_PIN = "110044"
TRACK_LIMIT, TRACK_WINDOW = 750, 300
BUDGET = int(TRACK_LIMIT * 0.8)
TRUE_STATUS = {
    journeys.DELIVERED: ShipmentStatus.DELIVERED,
    journeys.RTO: ShipmentStatus.RTO_DELIVERED,
    journeys.LOST: ShipmentStatus.LOST,
}
HTTP_LINE = re.compile(r"http provider=delhivery account=\S+ GET (\S+) status=(\S+)")


class BenchError(RuntimeError):
    """Setup did not reach the state the measurement needs."""


# --- processes ----------------------------------------------------------------------------------


def start_processes(args: argparse.Namespace, logs: Path) -> list[subprocess.Popen]:
    """gunicorn (hub + sandboxes) and one Celery worker (``bench/_procs.py``)."""
    return _procs.start_processes(
        port=PORT,
        logs=logs,
        web_workers=args.web_workers,
        web_threads=args.web_threads,
        concurrency=args.concurrency,
        worker_loglevel="WARNING",
    )


stop_processes = _procs.stop_processes


# --- data ---------------------------------------------------------------------------------------


def table(model) -> str:
    return model._meta.db_table


def delete_bench_data(clients: list[SandboxDelhiveryClient] | None = None) -> None:
    """Delete the bench's sandbox clients (or only ``clients``) with their shipments and scans,
    and the Sangam data of their courier accounts (tracking events, shipments, orders), in raw
    SQL; the bench merchant itself (and what is left of it) goes through the ORM when every
    client goes."""
    if clients is None:
        ids = list(
            SandboxDelhiveryClient.objects.filter(name__startswith=CLIENT_PREFIX).values_list(
                "pk", "name"
            )
        )
    else:
        ids = [(c.pk, c.name) for c in clients]
    scan, ship, client = (
        table(SandboxDelhiveryScan),
        table(SandboxDelhiveryShipment),
        table(SandboxDelhiveryClient),
    )
    event, shipment, item, order = (
        table(TrackingEvent),
        table(Shipment),
        table(OrderItem),
        table(Order),
    )
    with connection.cursor() as cursor:
        for pk, name in ids:
            cursor.execute(
                f"DELETE FROM {scan} s USING {ship} sh WHERE s.shipment_id = sh.id "  # noqa: S608
                "AND sh.client_id = %s",
                [pk],
            )
            cursor.execute(f"DELETE FROM {ship} WHERE client_id = %s", [pk])  # noqa: S608
            accounts = list(
                ChannelAccount.objects.filter(provider="delhivery", external_id=name).values_list(
                    "pk", flat=True
                )
            )
            for account in accounts:
                orders = list(
                    Shipment.objects.filter(account_id=account).values_list("order_id", flat=True)
                )
                cursor.execute(
                    f"DELETE FROM {event} e USING {shipment} s "  # noqa: S608
                    "WHERE e.shipment_id = s.id AND s.account_id = %s",
                    [account],
                )
                cursor.execute(
                    f"DELETE FROM {shipment} WHERE account_id = %s",  # noqa: S608
                    [account],
                )
                for start in range(0, len(orders), 10_000):
                    chunk = orders[start : start + 10_000]
                    cursor.execute(
                        f"DELETE FROM {item} WHERE order_id = ANY(%s)",  # noqa: S608
                        [chunk],
                    )
                    # Returns (RTO hook) reference orders; the ORM removes them with the order.
                    Order.objects.filter(pk__in=chunk, returns__isnull=False).delete()
                    cursor.execute(
                        f"DELETE FROM {order} WHERE id = ANY(%s)",  # noqa: S608
                        [chunk],
                    )
                WebhookEvent.objects.filter(account_id=account).delete()
            if clients is None:
                cursor.execute(f"DELETE FROM {client} WHERE id = %s", [pk])  # noqa: S608
    if clients is None:
        Merchant.objects.filter(slug=MERCHANT).delete()
        SandboxDelhiveryRateWindow.objects.all().delete()


def connect_courier(merchant: Merchant, tag: str, *, push: bool) -> tuple:
    """A fresh sandbox client (a new name per run: the connector's Redis buckets are keyed by
    it, so each run starts with a full bucket) and the Delhivery account connected to it."""
    name = f"{CLIENT_PREFIX}{tag}-{int(time.time())}"
    token = os.urandom(20).hex()
    client = seed_client(name, token=token, warehouse=WAREHOUSE, warehouse_pin=WAREHOUSE_PIN)
    account = connect_with_credentials(
        merchant=merchant,
        provider="delhivery",
        data={"api_token": token, "client_name": name, "pickup_location": WAREHOUSE},
        use_sandbox=True,
    )
    account.refresh_from_db()
    if push:
        push_token = account.get_credentials()["push_token"]
        client.push_url = f"{BASE_URL}/api/webhooks/delhivery/{push_token}"
        client.save(update_fields=["push_url"])
    return client, account


def copy_rows(model, columns: list[str], rows) -> None:
    """``COPY`` ``rows`` (tuples in ``columns`` order) into ``model``'s table."""
    cols = ", ".join(columns)
    with (
        connection.cursor() as cursor,
        cursor.cursor.copy(f"COPY {table(model)} ({cols}) FROM STDIN") as copy,
    ):
        for row in rows:
            copy.write_row(row)


def create_shipments(
    *,
    client: SandboxDelhiveryClient,
    account: ChannelAccount,
    store: ChannelAccount,
    count: int,
    ages: tuple[float, float],
    seed: int,
) -> dict[str, str]:
    """``count`` shipments manifested ``ages`` hours (min, max) before the sandbox's now, at
    the sandbox (shipment + every scan of its journey) and in Sangam (order with one line +
    manifested shipment, never tracked), all by bulk inserts; returns waybill → outcome."""
    rng = random.Random(seed)  # noqa: S311 - simulation
    now = dlv_clock.now()
    origin = places.region(WAREHOUSE_PIN)
    push_state = PushState.PENDING if client.push_url else PushState.NONE
    outcomes: dict[str, str] = {}
    started = time.monotonic()
    for first in range(0, count, 5_000):
        n = min(5_000, count - first)
        items, plans = [], []
        for index in range(first, first + n):
            waybill = f"2{client.pk:06d}{index + 1:07d}"
            pin, city, state = rng.choice(DESTINATIONS)
            cod = rng.random() < 0.6
            mode = "COD" if cod else "Prepaid"
            total = Decimal(rng.choice((399, 549, 799, 1299, 1899, 2499)))
            start = now - timedelta(seconds=int(rng.uniform(*ages) * 3600))
            outcome, scans = journeys.plan(
                waybill=waybill,
                payment_mode=mode,
                start=start,
                origin_pin=WAREHOUSE_PIN,
                pin=pin,
                city=city,
                state=state,
            )
            outcomes[waybill] = outcome
            dest = places.region(pin, city, state)
            items.append(
                SandboxDelhiveryShipment(
                    client=client,
                    waybill=waybill,
                    upload_wbn=f"UPLBENCH{first:013d}",
                    order=f"BT-{client.pk}-{index + 1}",
                    payment_mode=mode,
                    cod_amount=total if cod else Decimal(0),
                    total_amount=total,
                    products_desc=rng.choice(PRODUCTS),
                    weight_grams=rng.choice((250, 500, 800, 1200)),
                    name=rng.choice(NAMES),
                    address=f"{rng.randint(1, 300)}, MG Road",
                    city=city,
                    state=state,
                    pin=pin,
                    phone=f"9{rng.randint(100000000, 999999999)}",
                    origin_pin=WAREHOUSE_PIN,
                    sort_code=f"{origin.code.split('/')[0]}/{dest.code.split('/')[1]}",
                    outcome=outcome,
                    created_at=start,
                )
            )
            plans.append(scans)
        SandboxDelhiveryShipment.objects.bulk_create(items, batch_size=2_500)
        copy_rows(
            SandboxDelhiveryScan,
            [
                "shipment_id",
                "seq",
                "at",
                "scan_type",
                "scan",
                "status_code",
                "location",
                "instructions",
                "push_state",
                "push_attempts",
            ],
            (
                (
                    shipment.pk,
                    seq,
                    scan.at,
                    scan.scan_type,
                    scan.scan,
                    scan.code,
                    scan.location,
                    scan.instructions,
                    push_state,
                    0,
                )
                for shipment, scans in zip(items, plans, strict=True)
                for seq, scan in enumerate(scans, 1)
            ),
        )
        orders = Order.objects.bulk_create(
            [
                Order(
                    merchant=store.merchant,
                    account=store,
                    channel=store.provider,
                    external_id=s.order,
                    order_number=s.order,
                    placed_at=s.created_at - timedelta(hours=2),
                    source_updated_at=s.created_at,
                    status="confirmed",
                    payment_method="cod" if s.payment_mode == "COD" else "prepaid",
                    subtotal=s.total_amount,
                    total=s.total_amount,
                    ship_name=s.name,
                    ship_address1=s.address,
                    ship_city=s.city,
                    ship_state=s.state,
                    ship_pincode=s.pin,
                    ship_phone=s.phone,
                    ship_country="IN",
                )
                for s in items
            ],
            batch_size=2_500,
        )
        OrderItem.objects.bulk_create(
            [
                OrderItem(
                    order=o,
                    external_id=f"{o.external_id}-1",
                    sku=f"SKU-{o.pk % 50}",
                    title="Bench item",
                    quantity=1,
                    current_quantity=1,
                    unit_price=o.total,
                )
                for o in orders
            ],
            batch_size=2_500,
        )
        Shipment.objects.bulk_create(
            [
                Shipment(
                    merchant=account.merchant,
                    order=o,
                    account=account,
                    awb=s.waybill,
                    courier_name="Delhivery",
                    pickup_location=WAREHOUSE,
                    payment_method=o.payment_method,
                    cod_amount=s.cod_amount,
                    weight_grams=s.weight_grams,
                    status=ShipmentStatus.MANIFESTED,
                    status_at=s.created_at,
                )
                for o, s in zip(orders, items, strict=True)
            ],
            batch_size=2_500,
        )
        if count >= 20_000:
            print(
                f"  created {first + n:,} of {count:,} shipments "
                f"({time.monotonic() - started:.0f} s)",
                flush=True,
            )
    with connection.cursor() as cursor:
        for model in (SandboxDelhiveryShipment, SandboxDelhiveryScan, Shipment, Order, OrderItem):
            cursor.execute(f"ANALYZE {table(model)}")
    return outcomes


def add_history(account: ChannelAccount, store: ChannelAccount, count: int) -> None:
    """``count`` delivered shipments (with their orders) of ``account``, tracked days ago: the
    history a courier account accumulates, which the poll must not read."""
    delivered = datetime.now(tz=UTC) - timedelta(days=3)
    for first in range(0, count, 10_000):
        n = min(10_000, count - first)
        orders = Order.objects.bulk_create(
            [
                Order(
                    merchant=store.merchant,
                    account=store,
                    channel=store.provider,
                    external_id=f"BT-H{account.pk}-{first + i}",
                    order_number=f"BT-H{first + i}",
                    placed_at=delivered - timedelta(days=5),
                    source_updated_at=delivered,
                    status="delivered",
                    payment_method="prepaid",
                    total=Decimal(799),
                )
                for i in range(n)
            ],
            batch_size=5_000,
        )
        Shipment.objects.bulk_create(
            [
                Shipment(
                    merchant=account.merchant,
                    order=o,
                    account=account,
                    awb=f"3{account.pk:06d}{first + i:07d}",
                    courier_name="Delhivery",
                    payment_method="prepaid",
                    status=ShipmentStatus.DELIVERED,
                    status_at=delivered,
                    delivered_at=delivered,
                    last_tracked_at=delivered,
                )
                for i, o in enumerate(orders)
            ],
            batch_size=5_000,
        )
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {table(Shipment)}")


def due_selection_ms(account: ChannelAccount, rounds: int = 20) -> float:
    """Mean time of the poll's due selection (a batch of 50) on ``account`` now."""
    from shipments.services.tracking import shipments_due_for_tracking

    cycle = datetime.now(tz=UTC)
    started = time.perf_counter()
    for _ in range(rounds):
        shipments_due_for_tracking(account=account, limit=50, before=cycle)
    return (time.perf_counter() - started) / rounds * 1000


def quantiles(values: list[float]) -> tuple[float, float, float]:
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))]
    return statistics.median(ordered), p95, ordered[-1]


class CallLog(logging.Handler):
    """Times and statuses of the connector's tracking calls (the ``sangam.http`` INFO line)."""

    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.calls: list[tuple[float, str]] = []

    def emit(self, record: logging.LogRecord) -> None:
        found = HTTP_LINE.search(record.getMessage())
        if found and "/api/v1/packages/json/" in found.group(1):
            self.calls.append((time.time(), found.group(2)))


def peak_window(times: list[float], window: float) -> int:
    """Most calls in any ``window`` seconds (sliding)."""
    best, low = 0, 0
    for high, at in enumerate(times):
        while at - times[low] >= window:
            low += 1
        best = max(best, high - low + 1)
    return best


# --- phases -------------------------------------------------------------------------------------


def phase_refresh(args, merchant, store, figures: dict) -> None:
    print(f"\n=== 1. full refresh of {args.shipments:,} active shipments ===", flush=True)
    client, account = connect_courier(merchant, "refresh", push=False)
    started = time.monotonic()
    outcomes = create_shipments(
        client=client, account=account, store=store, count=args.shipments, ages=(1, 48), seed=1
    )
    setup = time.monotonic() - started
    scans = SandboxDelhiveryScan.objects.filter(shipment__client=client)
    total_scans = scans.count()
    visible = scans.filter(at__lte=dlv_clock.now()).count()
    print(
        f"  bulk-inserted {len(outcomes):,} sandbox shipments ({total_scans:,} journey scans, "
        f"{visible:,} visible now: {visible / len(outcomes):.1f} per tracking answer) and "
        f"{len(outcomes):,} Sangam orders + shipments in {setup:.0f} s",
        flush=True,
    )
    if args.history:
        started = time.monotonic()
        add_history(account, store, args.history)
        print(
            f"  plus {args.history:,} delivered shipments of the account's past (Sangam only) in "
            f"{time.monotonic() - started:.0f} s",
            flush=True,
        )
    selection = due_selection_ms(account)
    print(f"  due selection (50 AWBs, before the refresh): {selection:.1f} ms a call", flush=True)
    SandboxDelhiveryRateWindow.objects.filter(api="track").delete()
    log = CallLog()
    http_logger = logging.getLogger("sangam.http")
    http_logger.addHandler(log)
    previous_level = http_logger.level
    http_logger.setLevel(logging.INFO)
    http_logger.propagate = False
    cycle = datetime.now(tz=UTC)
    started = time.monotonic()
    try:
        run = shipments_track_account(account_id=account.pk, started_at=cycle)
    finally:
        http_logger.removeHandler(log)
        http_logger.setLevel(previous_level)
        http_logger.propagate = True
    wall = time.monotonic() - started
    open_rows = Shipment.objects.filter(account=account).exclude(status__in=ShipmentStatus.FINAL)
    untracked = (
        open_rows.filter(last_tracked_at__lt=cycle).count()
        + open_rows.filter(last_tracked_at__isnull=True).count()
    )
    tracked_rows = Shipment.objects.filter(account=account, last_tracked_at__gte=cycle).count()
    times = [at for at, _ in log.calls]
    statuses = Counter(status for _, status in log.calls)
    peak = peak_window(times, TRACK_WINDOW)
    windows = list(
        SandboxDelhiveryRateWindow.objects.filter(api="track").values_list("window", "count")
    )
    sandbox_peak = max((c for _, c in windows), default=0)
    sandbox_403 = sum(max(0, c - TRACK_LIMIT) for _, c in windows)
    events = TrackingEvent.objects.filter(shipment__account=account).count()
    by_status = Counter(Shipment.objects.filter(account=account).values_list("status", flat=True))
    rate = len(times) / max(1e-9, times[-1] - times[0]) * 60 if len(times) > 1 else 0.0
    print(
        f"  wall time of one full refresh: {wall:.1f} s ({wall / 60:.1f} min); calls "
        f"{run.calls:,} ({run.tracked:,} shipments answered, {run.moved:,} moved, "
        f"{run.unknown} unknown, error: {run.error or 'none'})"
    )
    print(
        f"  shipments tracked in this cycle: {tracked_rows:,} of {len(outcomes):,}; non-final "
        f"not tracked in it: {untracked}; TrackingEvent rows stored: {events:,}"
    )
    print(
        f"  peak calls in any 5-minute window: {peak} (limit {TRACK_LIMIT}: "
        f"{peak / TRACK_LIMIT:.0%}; 80% budget {BUDGET}: {peak / BUDGET:.0%}); mean "
        f"{rate:.0f} calls/min; sandbox fixed windows: max {sandbox_peak} in one"
    )
    print(
        f"  HTTP statuses of the tracking calls: {dict(statuses)}; 403s: "
        f"{statuses.get('403', 0)} (sandbox counted {sandbox_403} over its limit)"
    )
    print(f"  statuses after the refresh: {dict(by_status.most_common())}")
    figures["refresh"] = {
        "shipments": len(outcomes),
        "wall_s": wall,
        "calls": run.calls,
        "http_calls": len(times),
        "peak_5min": peak,
        "sandbox_peak_window": sandbox_peak,
        "403s": statuses.get("403", 0),
        "sandbox_403s": sandbox_403,
        "not_tracked": untracked,
        "error": run.error,
        "history": args.history,
        "due_selection_ms": selection,
        "wall_per_call_ms": wall / max(1, run.calls) * 1000,
    }
    print("  deleting the refresh data ...", flush=True)
    delete_bench_data([client])


class Watcher(threading.Thread):
    """Records when each pushed scan (waybill, wire time) is committed in Sangam."""

    def __init__(self, account: ChannelAccount, interval: float) -> None:
        super().__init__(daemon=True)
        self.account = account
        self.interval = interval
        self.seen: dict[tuple[str, str], float] = {}
        self.stop = threading.Event()
        self._pks: set[int] = set()

    def run(self) -> None:
        low = 0
        try:
            while not self.stop.is_set():
                rows = TrackingEvent.objects.filter(
                    shipment__account=self.account, source="webhook", pk__gt=low
                ).values_list("pk", "shipment__awb", "at")
                now = time.time()
                for pk, awb, at in rows:
                    if pk in self._pks:
                        continue
                    self._pks.add(pk)
                    self.seen.setdefault((awb, dlv_clock.wire(at)), now)
                if self._pks:
                    # Rows commit slightly out of pk order: look back a little.
                    low = max(0, max(self._pks) - 500)
                time.sleep(self.interval)
        finally:
            connections.close_all()


class PushRecorder:
    """Wraps the sandbox's POST (bench instrumentation only): when each scan's push started,
    and its HTTP status."""

    def __init__(self) -> None:
        self.sent: dict[tuple[str, str], float] = {}
        self.statuses: Counter = Counter()
        self._original = dlv_push._post
        self._lock = threading.Lock()

    def __enter__(self) -> PushRecorder:
        import json

        def post(url: str, body: bytes) -> int | None:
            shipment = json.loads(body)["Shipment"]
            key = (shipment["AWB"], shipment["Status"]["StatusDateTime"])
            at = time.time()
            status = self._original(url, body)
            with self._lock:
                self.sent.setdefault(key, at)
                self.statuses[status] += 1
            return status

        dlv_push._post = post
        return self

    def __exit__(self, *exc) -> None:
        dlv_push._post = self._original


def set_sandbox_time(target: float) -> None:
    ahead = target - dlv_clock.time()
    if ahead > 0:
        dlv_clock.advance(ahead)


def phase_push(args, merchant, store, figures: dict) -> None:
    print(
        f"\n=== 2. scan push: {args.pushes:,} pushes at {args.push_rate:g}/s over "
        f"{args.push_shipments:,} shipments ===",
        flush=True,
    )
    client, account = connect_courier(merchant, "push", push=True)
    create_shipments(
        client=client,
        account=account,
        store=store,
        count=args.push_shipments,
        ages=(0, 0.01),
        seed=2,
    )
    times = sorted(
        t.timestamp()
        for t in SandboxDelhiveryScan.objects.filter(
            shipment__client=client, at__gt=dlv_clock.now()
        ).values_list("at", flat=True)
    )
    # Scans due already (the manifest of each) are pushed first, outside the measurement.
    SandboxDelhiveryScan.objects.filter(shipment__client=client, at__lte=dlv_clock.now()).update(
        push_state=PushState.NONE
    )
    target = min(args.pushes, len(times))
    watcher = Watcher(account, args.watch_interval)
    watcher.start()
    started = time.monotonic()
    with PushRecorder() as recorder:
        while True:
            due = min(target, int(args.push_rate * (time.monotonic() - started)) + 1)
            set_sandbox_time(times[due - 1] + 0.001)
            dlv_push.deliver_due()
            if due >= target:
                break
            time.sleep(0.02)
    pushing = time.monotonic() - started
    # Scans past the measured ones stay unpushed.
    SandboxDelhiveryScan.objects.filter(
        shipment__client=client, push_state=PushState.PENDING
    ).update(push_state=PushState.NONE)
    deadline = time.monotonic() + args.settle_timeout
    while time.monotonic() < deadline and not set(recorder.sent) <= set(watcher.seen):
        time.sleep(0.2)
    watcher.stop.set()
    watcher.join()
    latencies = [watcher.seen[k] - at for k, at in recorder.sent.items() if k in watcher.seen]
    missing = [k for k in recorder.sent if k not in watcher.seen]
    if missing and os.environ.get("BENCH_DEBUG"):
        print("DEBUG sent", list(recorder.sent)[:3], "seen", list(watcher.seen)[:3])
        print("DEBUG events", TrackingEvent.objects.filter(shipment__account=account).count())
    failed = WebhookEvent.objects.filter(account=account, status=WebhookStatus.FAILED).count()
    print(
        f"  pushes sent: {len(recorder.sent):,} in {pushing:.1f} s "
        f"({len(recorder.sent) / pushing:.1f}/s); HTTP answers {dict(recorder.statuses)}; "
        f"webhook events failed: {failed}"
    )
    if latencies:
        p50, p95, worst = quantiles(latencies)
        verdict = "meets" if p95 < 2 else "MISSES"
        print(
            f"  push sent → scan and status committed in Sangam: p50 {p50:.2f} s, p95 "
            f"{p95:.2f} s, max {worst:.2f} s (n={len(latencies):,}; not seen after "
            f"{args.settle_timeout:.0f} s: {len(missing)}) — {verdict} the p95 < 2 s target"
        )
        figures["push"] = {
            "n": len(latencies),
            "p50_s": p50,
            "p95_s": p95,
            "max_s": worst,
            "missing": len(missing),
            "rate": len(recorder.sent) / pushing,
        }
    else:
        print(f"  no push reached Sangam ({len(missing)} sent)")
        figures["push"] = {"n": 0, "missing": len(missing)}
    delete_bench_data([client])


def inbox_drained(account: ChannelAccount) -> bool:
    return not WebhookEvent.objects.filter(account=account, status=WebhookStatus.RECEIVED).exists()


def phase_drop(args, merchant, store, figures: dict) -> None:
    print(
        f"\n=== 3. dropped pushes: {args.drop_shipments:,} journeys played to their end, "
        f"{args.drop_share:.0%} of pushes dropped ===",
        flush=True,
    )
    settings.SANDBOX_DELHIVERY_PUSH_DROP_SHARE = args.drop_share
    client, account = connect_courier(merchant, "drop", push=True)
    outcomes = create_shipments(
        client=client,
        account=account,
        store=store,
        count=args.drop_shipments,
        ages=(0, 0.01),
        seed=3,
    )
    totals = Counter()
    started = time.monotonic()
    steps = int(args.play_days * 24 / args.step_hours)

    def pusher() -> None:
        try:
            report = dlv_push.deliver_due()
            for name in ("delivered", "failed", "dropped", "retried"):
                totals[name] += getattr(report, name)
        finally:
            connections.close_all()

    for _ in range(steps + 1):
        threads = [threading.Thread(target=pusher) for _ in range(args.pushers)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        dlv_clock.advance(args.step_hours * 3600)
    pusher()
    playing = time.monotonic() - started
    left = SandboxDelhiveryScan.objects.filter(
        shipment__client=client, at__gt=dlv_clock.now()
    ).count()
    deadline = time.monotonic() + args.settle_timeout
    while time.monotonic() < deadline and not inbox_drained(account):
        time.sleep(0.5)
    drained = time.monotonic() - started
    truth = {awb: TRUE_STATUS[o] for awb, o in outcomes.items()}

    def correct() -> set[str]:
        now = dict(Shipment.objects.filter(account=account).values_list("awb", "status"))
        return {awb for awb, status in truth.items() if now.get(awb) == status}

    by_push = correct()
    cycle = datetime.now(tz=UTC)
    poll_started = time.monotonic()
    run = shipments_track_account(account_id=account.pk, started_at=cycle)
    poll = time.monotonic() - poll_started
    after = correct()
    print(
        f"  played {args.play_days:g} sandbox days in {steps} steps of {args.step_hours:g} h "
        f"with {args.pushers} pushers: {playing:.0f} s; inbox drained {drained - playing:.0f} s "
        f"later; journey scans still in the future: {left}"
    )
    print(
        f"  pushes: {totals['delivered']:,} delivered, {totals['dropped']:,} dropped "
        f"({totals['dropped'] / max(1, totals['delivered'] + totals['dropped']):.0%}), "
        f"{totals['failed']} failed after the retry ({totals['retried']} retried)"
    )
    print(
        f"  true final status by push alone: {len(by_push):,} of {len(truth):,}; "
        f"needed the poll: {len(after - by_push):,}; not there after the poll cycle: "
        f"{len(truth) - len(after)}"
    )
    print(
        f"  poll cycle: {poll:.1f} s, {run.calls} calls, {run.tracked:,} shipments answered "
        f"(the {len(truth) - len(by_push):,} open ones), {run.moved:,} moved, error: "
        f"{run.error or 'none'}; outcomes {dict(Counter(outcomes.values()))}"
    )
    figures["drop"] = {
        "shipments": len(truth),
        "by_push": len(by_push),
        "needed_poll": len(after - by_push),
        "after_poll_missing": len(truth) - len(after),
        "poll_s": poll,
        "poll_calls": run.calls,
        "pushes_delivered": totals["delivered"],
        "pushes_dropped": totals["dropped"],
    }
    delete_bench_data([client])


def summary(figures: dict) -> None:
    print("\n=== summary ===")
    rows = []
    if "refresh" in figures:
        r = figures["refresh"]
        rows += [
            (f"full refresh, {r['shipments']:,} shipments: wall time", f"{r['wall_s']:.0f} s"),
            ("  tracking calls (50 AWBs each)", f"{r['calls']:,}"),
            (
                "  peak calls in any 5 min (limit 750 / budget 600)",
                f"{r['peak_5min']} ({r['peak_5min'] / TRACK_LIMIT:.0%} / "
                f"{r['peak_5min'] / BUDGET:.0%})",
            ),
            ("  403s (client log / sandbox count)", f"{r['403s']} / {r['sandbox_403s']}"),
            ("  non-final shipments not tracked in the cycle", f"{r['not_tracked']}"),
            (
                f"  due selection a call ({r['history']:,} delivered in the account)",
                f"{r['due_selection_ms']:.1f} ms",
            ),
        ]
    if figures.get("push", {}).get("n"):
        p = figures["push"]
        rows += [
            (
                f"scan push → status in Sangam (n={p['n']:,}, {p['rate']:.1f}/s)",
                f"p50 {p['p50_s']:.2f} s, p95 {p['p95_s']:.2f} s, max {p['max_s']:.2f} s",
            ),
            ("  pushes not seen in Sangam", f"{p['missing']}"),
        ]
    if "drop" in figures:
        d = figures["drop"]
        rows += [
            (
                f"dropped pushes, {d['shipments']:,} shipments: final by push alone",
                f"{d['by_push']:,}",
            ),
            ("  needed the poll", f"{d['needed_poll']:,}"),
            ("  still wrong after one poll cycle", f"{d['after_poll_missing']}"),
            ("  poll cycle", f"{d['poll_s']:.1f} s, {d['poll_calls']} calls"),
        ]
    width = max((len(name) for name, _ in rows), default=0)
    for name, value in rows:
        print(f"  {name.ljust(width)}  {value}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--phases",
        nargs="+",
        default=["refresh", "push", "drop"],
        choices=["refresh", "push", "drop"],
    )
    parser.add_argument("--shipments", type=int, default=100_000, help="refresh: shipments")
    parser.add_argument(
        "--history",
        type=int,
        default=0,
        help="refresh: delivered shipments of the account's past (Sangam only; the poll must "
        "not read them)",
    )
    parser.add_argument("--push-shipments", type=int, default=300)
    parser.add_argument("--pushes", type=int, default=1_000, help="push: scans pushed")
    parser.add_argument("--push-rate", type=float, default=10.0, help="push: scans per second")
    parser.add_argument("--watch-interval", type=float, default=0.02)
    parser.add_argument("--drop-shipments", type=int, default=2_000)
    parser.add_argument("--drop-share", type=float, default=0.3)
    parser.add_argument("--play-days", type=float, default=14.0)
    parser.add_argument("--step-hours", type=float, default=2.0)
    parser.add_argument("--pushers", type=int, default=4, help="drop: concurrent pushers")
    parser.add_argument("--settle-timeout", type=float, default=300.0)
    parser.add_argument("--web-workers", type=int, default=2)
    parser.add_argument("--web-threads", type=int, default=8)
    parser.add_argument("--concurrency", type=int, default=2, help="Celery worker processes")
    parser.add_argument("--logs", type=Path, default=None, help="directory for process logs")
    args = parser.parse_args()
    if connection.vendor != "postgresql" or not os.environ.get("CACHE_URL"):
        print(
            "note: the figures are meant for PostgreSQL with a Redis cache (shared buckets); "
            f"this run uses {connection.vendor}, cache={os.environ.get('CACHE_URL') or 'local'}"
        )
    if not settings.CELERY_BROKER_URL:
        raise SystemExit("the push path needs a real worker: set CELERY_BROKER_URL")
    logs = args.logs or Path(tempfile.mkdtemp(prefix="bench-tracking-"))
    logs.mkdir(parents=True, exist_ok=True)
    call_command("migrate", verbosity=0)
    celery_app.control.purge()
    print("deleting earlier bench data ...", flush=True)
    delete_bench_data()
    merchant = Merchant.objects.create(name="Bench tracking", slug=MERCHANT)
    store = ChannelAccount.objects.create(
        merchant=merchant, provider="flipkart", external_id="bench-tracking-store"
    )
    connection.close()
    procs = start_processes(args, logs)
    print(
        f"hub + Delhivery sandbox at {BASE_URL} (gunicorn {args.web_workers}x{args.web_threads} "
        f"gthread, celery prefork x{args.concurrency}); database {connection.vendor}; broker "
        f"{settings.CELERY_BROKER_URL}; logs in {logs}; {os.cpu_count()} CPUs",
        flush=True,
    )
    figures: dict = {}
    try:
        for name, phase in (("refresh", phase_refresh), ("push", phase_push), ("drop", phase_drop)):
            if name in args.phases:
                phase(args, merchant, store, figures)
    finally:
        stop_processes(procs)
        celery_app.control.purge()
        summary(figures)
        sys.stdout.flush()


if __name__ == "__main__":
    main()
