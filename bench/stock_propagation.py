"""Stock propagation: a Shopify order lowers the quantity on Amazon and Flipkart, how fast, and
with how many API calls (issue 4 §7).

Everything runs as in production on one machine: gunicorn serves the hub and the sandboxes
(Shopify, Amazon.in SP-API, Flipkart Seller API) on loopback, a Celery worker (prefork,
concurrency 2) consumes the Redis broker, PostgreSQL holds the data. A sandbox Shopify store,
an Amazon seller and a Flipkart seller list the same SKUs; all three are connected to one
merchant (Shopify by token with its webhooks registered, Amazon and Flipkart with their API
credentials), the listings are matched by SKU, every SKU gets the same on-hand and "Sangam
manages stock" is switched on everywhere.

Then, per phase, ``--orders`` orders are placed in the sandbox store at one of the ``--rate``
values per second (default: 2/s, the target load, then 10/s, the stress load; see
``DEFAULT_RATES``), one ``simulate_orders(count=1)`` call each: the store commits the order
and its stock, and ``--deliverers`` threads send the signed ``orders/create`` (and ``orders/paid``,
``inventory_levels/update``, ``products/update``) webhooks to the hub, apart from the order's
transaction as Shopify does; the hub stores each and wakes the inbox drain, a worker task
that processes the waiting events a few at a time, orders first; the import reserves the
units, marks the listings and schedules the coalesced push. For each order the latency runs
from its commit until BOTH the Amazon and the Flipkart sandbox offer, for every SKU of the
order, at most start available-to-sell − units of that SKU sold up to and
including this order (a poller reads the two sandboxes every ``--poll`` seconds). Orders not
there after ``--timeout`` seconds count as timeouts. After the last order the bench waits
(``--settle-timeout``) until every channel holds available-to-sell, then prints the figures
and what explains them: import delay, worker tasks, broker queue depth, push outcomes,
adjustments the ledger rule took in (phantoms: nothing is edited in the Shopify admin during
the run), and channels still off at the end.

API calls per 100 stock changes (order lines): Amazon and Flipkart from the sandboxes' own
per-operation call counters; Shopify from the worker's HTTP log (``integrations.http`` logs
every request: the GraphQL requests of the push, i.e. ``inventorySetQuantities`` and the
re-reads after ``COMPARE_QUANTITY_STALE``, and the ledger's read-back of each Shopify level
that is not our echo), with the number of applied
``inventorySetQuantities`` (distinct adjustment groups in ``StockPush``) next to it.

    createdb -h 127.0.0.1 -U postgres sangam_bench   # once
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/sangam_bench \\
    CELERY_BROKER_URL=redis://127.0.0.1:6379/13 CACHE_URL=redis://127.0.0.1:6379/12 \\
    .venv/bin/python bench/stock_propagation.py [--orders 200] [--rate 2 10]

``--amazon-job-polls N`` sets how many ``getFeed`` polls a sandbox feed spends queued and then
in progress (sandbox default 1 and 1; Amazon's real feeds take minutes). Leaves the bench data
in the database for inspection; the next run deletes it first.
"""

from __future__ import annotations

import argparse
import os
import queue
import re
import socket
import statistics
import subprocess
import tempfile
import threading
import time
import traceback
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


PORT = free_port()
BASE_URL = f"http://127.0.0.1:{PORT}"

from cryptography.fernet import Fernet  # noqa: E402

os.environ.setdefault("CREDENTIALS_ENCRYPTION_KEYS", Fernet.generate_key().decode())
os.environ.setdefault("SECRET_KEY", "bench-stock-propagation-secret-key")
os.environ["DEBUG"] = "False"
os.environ["SANDBOX_ENABLED"] = "True"
os.environ["ALLOWED_HOSTS"] = "127.0.0.1,localhost"
os.environ["PUBLIC_BASE_URL"] = BASE_URL
# Setup only: the Amazon account's first sync backfills orders through reports (the seller has
# none); a short window polled quickly keeps setup to seconds. The push path does not use them.
os.environ.setdefault("AMAZON_BACKFILL_DAYS", "30")
os.environ.setdefault("AMAZON_REPORT_POLL_SECONDS", "0.2")
# This process only seeds, places orders and polls; its INFO lines (each webhook delivery) are
# noise. The worker logs at INFO (see ``start_processes``).
os.environ["LOG_LEVEL"] = "WARNING"

from _setup import django_setup  # noqa: E402

django_setup()

import _procs  # noqa: E402
import redis  # noqa: E402
from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.db.models import Count, Sum  # noqa: E402

from accounts.models import Merchant  # noqa: E402
from channel_stock.services.listings import listings_discover  # noqa: E402
from channel_stock.services.push import account_set_manages_stock  # noqa: E402
from config.celery import app as celery_app  # noqa: E402
from integrations.models import (  # noqa: E402
    ACTIVE_SYNC_STATUSES,
    ChannelAccount,
    SyncRun,
    WebhookEvent,
)
from integrations.services.accounts import connect_with_credentials  # noqa: E402
from integrations.services.sync import request_sync  # noqa: E402
from integrations.services.webhook_subscriptions import account_register_webhooks  # noqa: E402
from inventory.models import (  # noqa: E402
    ChannelListing,
    MovementSource,
    StockLevel,
    StockMovement,
    StockPush,
    Variant,
)
from inventory.services import default_warehouse, stock_adjust  # noqa: E402
from sandbox.amazon import services as amazon  # noqa: E402
from sandbox.amazon.models import SandboxAmazonListing  # noqa: E402
from sandbox.flipkart import services as flipkart  # noqa: E402
from sandbox.flipkart.models import SandboxFlipkartStock  # noqa: E402
from sandbox.shopify import services as shopify  # noqa: E402
from sandbox.shopify.models import SandboxInventoryLevel, SandboxShop  # noqa: E402

MERCHANT = "bench-propagation"
SHOP = "bench-propagation.myshopify.com"
AMAZON_SELLER = "A2BENCHPROPAGATE"
# SP-API usage plans are metered per seller + application, and the hub keeps its side of the
# buckets in Redis across runs while re-seeding resets the sandbox's side: a new application id
# per run starts both full, so one run's feeds do not throttle the next run.
AMAZON_CLIENT_ID = f"amzn1.application-oa2-client.benchpropagation{int(time.time())}"
FLIPKART_APP = "bench-propagation-fk-app"
FLIPKART_LOCATION = "LOCa1b2c3d4e5"
SHOPIFY_LOG = re.compile(r"http provider=shopify account=\d+ (\w+) (\S+) status=(\S+)")
TASK_RECEIVED = re.compile(r"Task ([\w.]+)\[[0-9a-f-]+\] received")
NOT_READY_EXIT = 3
# Phases, orders per second. 2/s (7,200 orders an hour) is several times the busiest hour of a
# large Indian D2C brand's sale day, and keeps the distinct SKUs changing per second under
# Amazon's patchListingsItem quota (5 per second per seller) for the 60 SKUs: the target load.
# 10/s is the stress phase: more SKUs change per second than Amazon accepts patches, so
# Amazon's latency is set by its quota (see the "distinct SKUs changed per second" line).
DEFAULT_RATES = (2.0, 10.0)


class BenchError(RuntimeError):
    """Setup did not reach the state the measurement needs."""


# --- processes ----------------------------------------------------------------------------------


def broker_queue_keys() -> list[str]:
    """The Redis lists of the default queue, one per priority step (kombu: step 0 keeps the
    bare name, the others ``name{sep}{step}``)."""
    options = settings.CELERY_BROKER_TRANSPORT_OPTIONS
    sep = options.get("sep", ":")
    return [f"celery{sep}{step}" if step else "celery" for step in options["priority_steps"]]


def start_processes(args: argparse.Namespace, logs: Path) -> list[subprocess.Popen]:
    """gunicorn (hub + sandboxes) and one Celery worker (``bench/_procs.py``)."""
    return _procs.start_processes(
        port=PORT,
        logs=logs,
        web_workers=args.web_workers,
        web_threads=args.web_threads,
        concurrency=args.concurrency,
        worker_loglevel="INFO",
    )


stop_processes = _procs.stop_processes


# --- setup --------------------------------------------------------------------------------------
def clean_previous_run() -> None:
    """Delete the bench merchant (accounts, listings, stock, orders cascade), its webhook events
    and the sandbox store (subscriptions pointing at an old port go with it)."""
    Merchant.objects.filter(slug=MERCHANT).delete()
    WebhookEvent.objects.filter(shop_domain=SHOP).delete()
    SandboxShop.objects.filter(domain=SHOP).delete()


def wait_for(condition, timeout: float, what: str, interval: float = 0.5):
    """Poll ``condition()`` until truthy; raises ``BenchError`` naming ``what`` on timeout."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(interval)
    raise BenchError(f"timed out after {timeout:.0f} s waiting for {what}")


def runs_finished(merchant: Merchant) -> None:
    """Wait for every sync run of the merchant to end; print the ones that did not succeed."""
    wait_for(
        lambda: (
            not SyncRun.objects.filter(
                account__merchant=merchant, status__in=ACTIVE_SYNC_STATUSES
            ).exists()
        ),
        600,
        "the sync runs",
    )
    bad = SyncRun.objects.filter(account__merchant=merchant).exclude(status="succeeded")
    for run in bad:
        print(f"  warning: {run.account.provider} {run.stream} run {run.status}: {run.error}")


def connect_accounts(merchant: Merchant) -> dict[str, ChannelAccount]:
    """Shopify by token (custom-app path) with webhooks and a catalog + inventory sync; Amazon
    and Flipkart with their API credentials (their first sync is queued on connect)."""
    from sandbox.shopify.models import SandboxApp

    app = SandboxApp.objects.get(api_key=settings.SHOPIFY_API_KEY)
    store = ChannelAccount.objects.create(
        merchant=merchant,
        provider="shopify",
        external_id=SHOP,
        display_name="Bench store",
        api_base_url=f"{BASE_URL}/sandbox/shopify/{SHOP}",
    )
    store.set_credentials(
        {
            "access_token": shopify.issue_access_token(shop=SHOP, api_key=app.api_key),
            "api_secret_key": app.api_secret,
        }
    )
    store.save()
    account_register_webhooks(account=store)
    request_sync(account=store, streams=["catalog", "inventory"])
    seller = connect_with_credentials(
        merchant=merchant,
        provider="amazon",
        data={
            "seller_id": AMAZON_SELLER,
            "lwa_client_id": AMAZON_CLIENT_ID,
            "lwa_client_secret": "sandbox-secret",
            "refresh_token": amazon.refresh_token(AMAZON_SELLER),
        },
        use_sandbox=True,
    )
    marketplace = connect_with_credentials(
        merchant=merchant,
        provider="flipkart",
        data={
            "application_id": FLIPKART_APP,
            "application_secret": "sandbox-secret",
            "location_id": FLIPKART_LOCATION,
        },
        use_sandbox=True,
    )
    runs_finished(merchant)
    return {"shopify": store, "amazon": seller, "flipkart": marketplace}


def channel_quantities(skus: list[str]) -> tuple[dict[str, int], dict[str, int]]:
    """What the Amazon and Flipkart sandboxes offer now, by SKU (two queries)."""
    on_amazon = dict(
        SandboxAmazonListing.objects.filter(
            seller__seller_id=AMAZON_SELLER, sku__in=skus
        ).values_list("sku", "quantity")
    )
    on_flipkart = {
        sku: int(total or 0)
        for sku, total in SandboxFlipkartStock.objects.filter(
            listing__seller__application_id=FLIPKART_APP, listing__sku__in=skus
        )
        .values("listing__sku")
        .annotate(total=Sum("inventory"))
        .values_list("listing__sku", "total")
    }
    return on_amazon, on_flipkart


def shopify_quantities(skus: list[str]) -> dict[str, int]:
    return dict(
        SandboxInventoryLevel.objects.filter(
            item__shop__domain=SHOP, location__is_primary=True, item__variant__sku__in=skus
        ).values_list("item__variant__sku", "available")
    )


def available_to_sell(merchant: Merchant, variant_sku: dict[int, str]) -> dict[str, int]:
    warehouse = default_warehouse(merchant)
    return {
        variant_sku[v]: max(0, on_hand - reserved)
        for v, on_hand, reserved in StockLevel.objects.filter(
            warehouse=warehouse, variant_id__in=list(variant_sku)
        ).values_list("variant_id", "on_hand", "reserved")
    }


def prepare(args: argparse.Namespace) -> tuple[Merchant, dict[str, ChannelAccount], dict]:
    """Seed, connect, match, stock and push; returns the merchant, its accounts and
    {variant id: SKU} of the variants listed on all three channels."""
    started = time.perf_counter()
    shopify.seed_shop(
        shop=SHOP,
        products=args.products,
        variants=args.variants,
        orders=args.history_orders,
        days=30,
        seed=17,
        reset=True,
    )
    amazon.seed_seller(seller_id=AMAZON_SELLER, shop=SHOP, orders=0, client_id=AMAZON_CLIENT_ID)
    if args.amazon_job_polls is not None:
        amazon.set_job_polls(AMAZON_SELLER, queue=args.amazon_job_polls, progress=0)
    flipkart.seed_seller(
        application_id=FLIPKART_APP, shop=SHOP, orders=0, location_id=FLIPKART_LOCATION
    )
    merchant = Merchant.objects.create(name="Bench propagation", slug=MERCHANT)
    accounts = connect_accounts(merchant)
    for provider in ("amazon", "flipkart"):
        result = listings_discover(account=accounts[provider])
        print(f"  {provider}: {result.created} listings found")
    matched: dict[str, set[int]] = {
        provider: set(
            ChannelListing.objects.filter(account=account, variant__isnull=False).values_list(
                "variant_id", flat=True
            )
        )
        for provider, account in accounts.items()
    }
    everywhere = matched["shopify"] & matched["amazon"] & matched["flipkart"]
    if not everywhere:
        raise BenchError(f"no variant is listed on all three channels: {matched}")
    variant_sku = dict(
        Variant.objects.filter(pk__in=everywhere).values_list("pk", "sku").order_by("pk")
    )
    # Stock only the SKUs listed on all three channels: the store then sells only those.
    for variant_id in Variant.objects.filter(merchant=merchant).values_list("pk", flat=True):
        stock_adjust(
            merchant=merchant,
            variant_id=variant_id,
            on_hand=args.stock if variant_id in everywhere else 0,
            note="bench stock",
        )
    for account in accounts.values():
        account.refresh_from_db()
        account_set_manages_stock(account=account, enabled=True)
    wait_for(
        lambda: settled(merchant, variant_sku),
        args.setup_timeout,
        "the first push to reach all three sandboxes",
    )
    # Let the echoes of the first push (Shopify inventory_levels/update) be judged first.
    time.sleep(float(settings.STOCK_ECHO_GRACE_SECONDS) + 2)
    wait_for(lambda: settled(merchant, variant_sku), 300, "the channels to settle")
    print(
        f"Setup: {len(everywhere)} SKUs listed and matched on Shopify, Amazon and Flipkart, "
        f"{args.stock} on hand each, pushed everywhere in {time.perf_counter() - started:.0f} s"
    )
    return merchant, accounts, variant_sku


# --- measurement --------------------------------------------------------------------------------
@dataclass
class Placed:
    """One order: when it was placed (monotonic s), its lines, the most each channel may offer
    per SKU once it has propagated, and when each channel got there."""

    number: int
    at: float
    lines: list[tuple[str, int]]
    expected: dict[str, int]
    done: dict[str, float] = field(default_factory=dict)


class Poller(threading.Thread):
    """Reads the Amazon and Flipkart sandboxes every ``interval`` s and completes orders."""

    def __init__(self, skus: list[str], interval: float, timeout: float) -> None:
        super().__init__(daemon=True)
        self.skus = skus
        self.interval = interval
        self.timeout = timeout
        self.lock = threading.Lock()
        self.outstanding: list[Placed] = []
        self.completed: list[Placed] = []
        self.timed_out: list[Placed] = []
        self.placing = True
        self.polls = 0
        self.broker = redis.Redis.from_url(settings.CELERY_BROKER_URL)
        self.max_queue = 0

    def add(self, order: Placed) -> None:
        with self.lock:
            self.outstanding.append(order)

    def run(self) -> None:
        try:
            while True:
                with self.lock:
                    pending = list(self.outstanding)
                    placing = self.placing
                if not pending and not placing:
                    return
                if pending:
                    self.check(pending)
                time.sleep(self.interval)
        finally:
            connection.close()

    def check(self, pending: list[Placed]) -> None:
        on_amazon, on_flipkart = channel_quantities(self.skus)
        now = time.monotonic()
        self.polls += 1
        if self.polls % 10 == 0:
            # One Redis list per priority step: "celery", "celery:3", "celery:6", "celery:9".
            depth = sum(self.broker.llen(key) for key in broker_queue_keys())
            self.max_queue = max(self.max_queue, depth)
        finished, expired = [], []
        for order in pending:
            for channel, held in (("amazon", on_amazon), ("flipkart", on_flipkart)):
                if channel not in order.done and all(
                    held.get(sku, 0) <= want for sku, want in order.expected.items()
                ):
                    order.done[channel] = now
            if len(order.done) == 2:
                finished.append(order)
            elif now - order.at > self.timeout:
                expired.append(order)
        with self.lock:
            for order in finished + expired:
                self.outstanding.remove(order)
            self.completed.extend(finished)
            self.timed_out.extend(expired)


class Deliverer(threading.Thread):
    """Sends the store's due webhooks apart from the order's own transaction, as Shopify does:
    woken once per order placed, it sends every delivery due (``deliver_due_webhooks`` claims
    each before sending, so several deliverers never send one twice)."""

    def __init__(self, wakeups: queue.Queue) -> None:
        super().__init__(daemon=True)
        self.wakeups = wakeups

    def run(self) -> None:
        try:
            while self.wakeups.get() is not None:
                shopify.deliver_due_webhooks()
        finally:
            connection.close()


def place_orders(
    args: argparse.Namespace, start_ats: dict[str, int], poller: Poller
) -> tuple[int, float, list[float], float]:
    """Place ``args.orders`` sandbox orders at ``args.rate``/s, one ``simulate_orders`` call
    each; returns (stock changes, placing seconds, per-call durations, share of the machine's
    CPU time busy while placing). An order counts as
    placed when ``simulate_orders`` returns (committed); its webhooks are sent by
    ``args.deliverers`` threads, so a slow delivery does not hold up the next order."""
    sold: dict[str, int] = defaultdict(int)
    changes = 0
    durations = []
    wakeups: queue.Queue = queue.Queue()
    deliverers = [Deliverer(wakeups) for _ in range(args.deliverers)]
    for deliverer in deliverers:
        deliverer.start()
    cpu_before = cpu_times()
    started = time.monotonic()
    try:
        for n in range(args.orders):
            delay = started + n / args.rate - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            called = time.monotonic()
            placed = shopify.simulate_orders(shop=SHOP, count=1, deliver=False)
            at = time.monotonic()
            wakeups.put(n)
            durations.append(at - called)
            if not placed:
                raise BenchError(f"the store placed no order #{n + 1} (out of stock?)")
            lines = [(item.sku, item.quantity) for item in placed[0].line_items.all()]
            unknown = [sku for sku, _ in lines if sku not in start_ats]
            if unknown:
                raise BenchError(f"{placed[0].name} sold SKUs not listed everywhere: {unknown}")
            for sku, quantity in lines:
                sold[sku] += quantity
                changes += 1
            expected = {sku: start_ats[sku] - sold[sku] for sku, _ in lines}
            poller.add(Placed(n + 1, at, lines, expected))
        elapsed = time.monotonic() - started
        busy = cpu_busy(cpu_before)
        with poller.lock:
            poller.placing = False
        poller.join()
    finally:
        with poller.lock:
            poller.placing = False
        for _ in deliverers:
            wakeups.put(None)
        for deliverer in deliverers:
            deliverer.join()
    return changes, elapsed, durations, busy


def cpu_times() -> tuple[int, int]:
    """(busy, total) jiffies of all CPUs from ``/proc/stat`` ((0, 0) where there is none)."""
    try:
        with open("/proc/stat") as handle:
            values = [int(v) for v in handle.readline().split()[1:]]
    except OSError:
        return 0, 0
    idle = values[3] + (values[4] if len(values) > 4 else 0)  # idle + iowait
    return sum(values) - idle, sum(values)


def cpu_busy(before: tuple[int, int]) -> float:
    """Share of all CPUs' time spent busy since ``before`` (0..1; 0 when unknown)."""
    busy, total = cpu_times()
    return (busy - before[0]) / max(1, total - before[1])


def quantiles(values: list[float]) -> tuple[float, float, float]:
    """(p50, p95, max) in seconds; p95 by the inclusive method (exact for n ≥ 20)."""
    if len(values) == 1:
        return values[0], values[0], values[0]
    cuts = statistics.quantiles(values, n=100, method="inclusive")
    return cuts[49], cuts[94], max(values)


def shopify_calls(log: Path, offset: int) -> Counter:
    """Shopify HTTP requests the worker logged after byte ``offset``, by (method, path tail)."""
    counts: Counter = Counter()
    with open(log, "rb") as handle:
        handle.seek(offset)
        for raw in handle:
            match = SHOPIFY_LOG.search(raw.decode("utf-8", "replace"))
            if match:
                counts[(match.group(1), match.group(2).rsplit("/", 1)[-1], match.group(3))] += 1
    return counts


def settled(merchant: Merchant, variant_sku: dict[int, str]) -> bool:
    """No listing waits for a push and all three sandboxes hold available-to-sell (a listing
    is not pending while its push is in flight, so the quantities are checked too)."""
    if ChannelListing.objects.filter(account__merchant=merchant, push_pending=True).exists():
        return False
    target = available_to_sell(merchant, variant_sku)
    skus = list(target)
    on_amazon, on_flipkart = channel_quantities(skus)
    on_shopify = shopify_quantities(skus)
    return all(
        on_amazon.get(s) == q and on_flipkart.get(s) == q and on_shopify.get(s) == q
        for s, q in target.items()
    )


def worker_tasks(log: Path, offset: int) -> Counter:
    """Tasks the worker received after byte ``offset`` by name, plus push runs that found
    nothing to do (``{'pushed': 0, 'unchanged': 0, 'failed': 0}``)."""
    counts: Counter = Counter()
    with open(log, "rb") as handle:
        handle.seek(offset)
        for raw in handle:
            line = raw.decode("utf-8", "replace")
            found = TASK_RECEIVED.search(line)
            if found:
                counts[found.group(1).rsplit(".", 1)[-1]] += 1
            elif "push_stock_task" in line and "{'pushed': 0, 'unchanged': 0, 'failed': 0}" in line:
                counts["push runs with nothing done"] += 1
    return counts


def report_calls(name: str, calls: dict[str, int], skip: tuple[str, ...], changes: int) -> int:
    counted = {op: n for op, n in calls.items() if op not in skip and n}
    total = sum(counted.values())
    detail = ", ".join(f"{op} {n}" for op, n in sorted(counted.items())) or "none"
    extra = ", ".join(f"{op} {calls[op]}" for op in skip if calls.get(op))
    print(
        f"  {name}: {total} calls = {100 * total / max(1, changes):.1f} per 100 stock changes "
        f"({detail}){f'; not counted: {extra}' if extra else ''}"
    )
    return total


def diagnostics(
    merchant: Merchant, first_push_pk: int, skus: list[str], started_at, orders: list[Placed]
) -> None:
    """What the push did during the measurement: outcomes per channel, failures, channel
    adjustments (echo rule), and where each channel stands now against available-to-sell."""
    pushes = StockPush.objects.filter(pk__gt=first_push_pk, listing__account__merchant=merchant)
    per = Counter(pushes.values_list("listing__account__provider", "status"))
    print(
        "  listing pushes recorded: "
        + ", ".join(f"{p} {s} {n}" for (p, s), n in sorted(per.items()))
    )
    for provider, message, n in (
        pushes.exclude(status__in=("ok", "warning"))
        .values("listing__account__provider", "message")
        .annotate(n=Count("pk"))
        .order_by("-n")
        .values_list("listing__account__provider", "message", "n")[:5]
    ):
        print(f"  failed push ({provider}, x{n}): {message[:200]}")
    adjusted = StockMovement.objects.filter(
        warehouse__merchant=merchant, source=MovementSource.CHANNEL, created_at__gte=started_at
    ).aggregate(n=Count("pk"), units=Sum("on_hand_delta"), skus=Count("variant", distinct=True))
    touched = set(
        StockMovement.objects.filter(
            warehouse__merchant=merchant,
            source=MovementSource.CHANNEL,
            created_at__gte=started_at,
        ).values_list("variant__sku", flat=True)
    )
    stuck = [o for o in orders if len(o.done) < 2]
    explained = sum(1 for o in stuck if any(sku in touched for sku, _ in o.lines))
    print(
        "  Shopify changes taken in as adjustments (ledger rule; nothing was changed in the "
        f"Shopify admin during the run, so each is a phantom): {adjusted['n']} movements, net "
        f"{adjusted['units'] or 0:+d} units on hand over {adjusted['skus']} SKUs"
        + (
            f"; {explained} of the {len(stuck)} orders not propagated to both channels sold "
            "one of these SKUs"
            if adjusted["n"]
            else ""
        )
    )
    failed_events = WebhookEvent.objects.filter(shop_domain=SHOP, status="failed").count()
    if failed_events:
        print(f"  webhook events failed: {failed_events}")
    variant_sku = dict(
        ChannelListing.objects.filter(
            account__merchant=merchant, account__provider="amazon", variant__isnull=False
        ).values_list("variant_id", "channel_sku")
    )
    ats = available_to_sell(merchant, {v: s for v, s in variant_sku.items() if s in skus})
    on_amazon, on_flipkart = channel_quantities(skus)
    on_shopify = shopify_quantities(skus)
    off = {
        name: sum(1 for s, q in ats.items() if held.get(s) != q)
        for name, held in (
            ("amazon", on_amazon),
            ("flipkart", on_flipkart),
            ("shopify", on_shopify),
        )
    }
    print(
        "  SKUs whose channel quantity differs from available-to-sell at the end: "
        + ", ".join(f"{k} {v}" for k, v in off.items())
    )


def measure(args, merchant, accounts, variant_sku, logs: Path) -> str:
    """One phase: place ``args.orders`` orders at ``args.rate``/s, print the figures; returns
    the one-line verdict (p50, p95, target met or missed)."""
    from django.utils import timezone

    skus = list(variant_sku.values())
    start_ats = available_to_sell(merchant, variant_sku)
    on_amazon, on_flipkart = channel_quantities(skus)
    drift = [s for s in skus if not (on_amazon.get(s) == on_flipkart.get(s) == start_ats[s])]
    if drift:
        raise BenchError(f"channels differ from available-to-sell before the run: {drift[:5]}")
    amazon.reset_call_counts(AMAZON_SELLER)
    flipkart.reset_call_counts(FLIPKART_APP)
    log_offset = (logs / "worker.log").stat().st_size
    first_push_pk = StockPush.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    started_at = timezone.now()

    poller = Poller(skus, args.poll, args.timeout)
    poller.start()
    changes, placing, durations, busy = place_orders(args, start_ats, poller)
    settle_started = time.monotonic()
    try:
        wait_for(lambda: settled(merchant, variant_sku), args.settle_timeout, "settling", 1.0)
        settle = f"settled {time.monotonic() - settle_started:.0f} s after the last order"
    except BenchError:
        settle = f"NOT settled {args.settle_timeout:.0f} s after the last order"
    time.sleep(2)  # the last push runs' HTTP lines reach the log
    tasks = worker_tasks(logs / "worker.log", log_offset)
    imports = sorted(
        (processed - received).total_seconds()
        for received, processed in WebhookEvent.objects.filter(
            shop_domain=SHOP, topic="orders/create", received_at__gte=started_at
        )
        .exclude(processed_at=None)
        .values_list("received_at", "processed_at")
    )
    amazon_calls = amazon.call_counts(AMAZON_SELLER)
    flipkart_calls = flipkart.call_counts(FLIPKART_APP)
    shopify_log = shopify_calls(logs / "worker.log", log_offset)
    groups = (
        StockPush.objects.filter(pk__gt=first_push_pk, listing__account=accounts["shopify"])
        .exclude(submission_id="")
        .values("submission_id")
        .distinct()
        .count()
    )

    both = [max(o.done.values()) - o.at for o in poller.completed]
    verdict_line = f"no order propagated; timeouts {len(poller.timed_out)}"
    print(
        f"database: {connection.vendor}; broker: {settings.CELERY_BROKER_URL or 'none'}; "
        f"cache: {settings.CACHES['default']['BACKEND'].rsplit('.', 1)[-1]}; "
        f"gunicorn {args.web_workers}x{args.web_threads} gthread; celery prefork "
        f"x{args.concurrency}; push debounce {settings.STOCK_PUSH_DEBOUNCE_SECONDS} s; "
        f"Amazon sandbox feed polls queued/in progress: "
        f"{'1/1 (default)' if args.amazon_job_polls is None else f'{args.amazon_job_polls}/0'}"
    )
    orders = poller.completed + poller.timed_out
    sold_skus = {sku for order in orders for sku, _ in order.lines}
    print(
        f"orders placed: {args.orders} in {placing:.1f} s ({args.orders / placing:.1f}/s; "
        f"simulate_orders p50 {statistics.median(durations) * 1000:.0f} ms); stock changes "
        f"(order lines): {changes} over {len(sold_skus)} SKUs; CPU busy while placing "
        f"{busy:.0%} of {os.cpu_count()} CPUs"
    )
    if both:
        p50, p95, worst = quantiles(both)
        verdict = "meets" if p95 < 5 and not poller.timed_out else "MISSES"
        verdict_line = (
            f"p50 {p50:.2f} s, p95 {p95:.2f} s, max {worst:.2f} s (n={len(both)}); timeouts "
            f"(> {args.timeout:.0f} s): {len(poller.timed_out)} — {verdict} the p95 < 5 s target"
        )
        print(f"propagation to Amazon AND Flipkart: {verdict_line}")
    else:
        print(f"propagation: {verdict_line}")
    for channel in ("amazon", "flipkart"):
        alone = [o.done[channel] - o.at for o in orders if channel in o.done]
        missing = sum(1 for o in orders if channel not in o.done)
        if alone:
            p50, p95, worst = quantiles(alone)
            print(
                f"  {channel} alone: p50 {p50:.2f} s, p95 {p95:.2f} s, max {worst:.2f} s; "
                f"never reached: {missing}"
            )
        else:
            print(f"  {channel} alone: never reached for {missing} orders")
    if orders:
        # Amazon takes one patchListingsItem per SKU at 5 requests/s per seller (burst 5); a
        # coalesced push sends each changed SKU once per run, so when more distinct SKUs change
        # per second than that, Amazon's queue grows and its latency is set by the quota.
        windows: dict[int, set[str]] = defaultdict(set)
        for order in orders:
            windows[int(order.at)].update(sku for sku, _ in order.lines)
        per_second = statistics.fmean(len(skus) for skus in windows.values())
        print(
            f"  distinct SKUs changed per second: {per_second:.1f} (Amazon patchListingsItem "
            f"quota: 5 per second per seller — Amazon "
            f"{'keeps up' if per_second < 5 else 'cannot keep up; its latency is quota-bound'})"
        )
    if imports:
        p50, p95, worst = quantiles(imports)
        print(
            f"  orders/create webhook received → imported (stock reserved): p50 {p50:.2f} s, "
            f"p95 {p95:.2f} s, max {worst:.2f} s (n={len(imports)})"
        )
    print(
        "  worker tasks received during the run: "
        + ", ".join(f"{name} {n}" for name, n in tasks.most_common())
        + f"; broker queue depth max {poller.max_queue}"
    )
    print(f"API calls per 100 stock changes ({settle}):")
    total = report_calls("Amazon (sandbox counters)", amazon_calls, ("lwaToken",), changes)
    total += report_calls("Flipkart (sandbox counters)", flipkart_calls, ("token",), changes)
    shopify_total = sum(shopify_log.values())
    detail = ", ".join(f"{m} {p} {s}: {n}" for (m, p, s), n in sorted(shopify_log.items()))
    print(
        f"  Shopify (worker HTTP log): {shopify_total} GraphQL requests = "
        f"{100 * shopify_total / max(1, changes):.1f} per 100 stock changes ({detail or 'none'}); "
        f"inventorySetQuantities applied: {groups} (distinct adjustment groups in StockPush)"
    )
    total += shopify_total
    print(
        f"  all channels: {total} calls = {100 * total / max(1, changes):.1f} per 100 changes "
        "(a push per change and channel, uncoalesced, would be 100 per channel: 300)"
    )
    diagnostics(merchant, first_push_pk, skus, started_at, orders)
    if poller.timed_out:
        sample = poller.timed_out[0]
        now_amazon, now_flipkart = channel_quantities([s for s, _ in sample.lines])
        print(
            f"  first timeout: order {sample.number} lines {sample.lines} expected "
            f"{sample.expected}; Amazon now {now_amazon}, Flipkart now {now_flipkart}"
        )
    return verdict_line


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=200)
    parser.add_argument(
        "--rate",
        type=float,
        nargs="+",
        default=list(DEFAULT_RATES),
        help="orders per second; each rate is a phase of --orders orders (default: 2 10)",
    )
    parser.add_argument("--products", type=int, default=20)
    parser.add_argument("--variants", type=int, default=60)
    parser.add_argument("--history-orders", type=int, default=10)
    parser.add_argument("--stock", type=int, default=1000, help="on hand per SKU")
    parser.add_argument("--poll", type=float, default=0.05, help="seconds between checks")
    parser.add_argument("--timeout", type=float, default=60.0, help="per order, seconds")
    parser.add_argument("--setup-timeout", type=float, default=600.0)
    parser.add_argument(
        "--settle-timeout",
        type=float,
        default=300.0,
        help="seconds to wait after the last order for every channel to hold available-to-sell",
    )
    parser.add_argument("--deliverers", type=int, default=4, help="webhook delivery threads")
    parser.add_argument("--web-workers", type=int, default=2)
    parser.add_argument("--web-threads", type=int, default=8)
    parser.add_argument("--concurrency", type=int, default=2, help="Celery worker processes")
    parser.add_argument(
        "--amazon-job-polls",
        type=int,
        default=None,
        help="sandbox getFeed polls a feed spends queued (0: done on the first poll)",
    )
    parser.add_argument("--logs", type=Path, default=None, help="directory for process logs")
    args = parser.parse_args()
    if (
        connection.vendor != "postgresql"
        or not settings.CELERY_BROKER_URL
        or not os.environ.get("CACHE_URL")
    ):
        print(
            "note: the target is measured on PostgreSQL with a Redis broker and a Redis cache; "
            f"this run uses {connection.vendor}, broker="
            f"{settings.CELERY_BROKER_URL or 'none (eager!)'}, "
            f"cache={os.environ.get('CACHE_URL') or 'per-process memory'}"
        )
    if not settings.CELERY_BROKER_URL:
        raise SystemExit("a real worker needs CELERY_BROKER_URL")
    logs = args.logs or Path(tempfile.mkdtemp(prefix="bench-propagation-"))
    logs.mkdir(parents=True, exist_ok=True)
    call_command("migrate", verbosity=0)
    celery_app.control.purge()
    clean_previous_run()
    connection.close()
    procs = start_processes(args, logs)
    print(f"hub + sandboxes at {BASE_URL}; worker and server logs in {logs}")
    try:
        merchant, accounts, variant_sku = prepare(args)
        verdicts = []
        for number, rate in enumerate(args.rate, 1):
            phase = argparse.Namespace(**{**vars(args), "rate": rate})
            print(
                f"\n=== phase {number} of {len(args.rate)}: {args.orders} orders at {rate:g}/s "
                f"({rate * 3600:,.0f} orders an hour) ==="
            )
            verdicts.append((rate, measure(phase, merchant, accounts, variant_sku, logs)))
        if len(verdicts) > 1:
            print("\nsummary (propagation to Amazon AND Flipkart):")
            for rate, verdict in verdicts:
                print(f"  {rate:g} orders/s: {verdict}")
    except NotImplementedError as exc:
        where = traceback.extract_tb(exc.__traceback__)[-2]
        print(
            "not ready: a connector method is not implemented yet "
            f"({where.name} called from {Path(where.filename).name}:{where.lineno})"
        )
        raise SystemExit(NOT_READY_EXIT) from exc
    finally:
        stop_processes(procs)
        celery_app.control.purge()


if __name__ == "__main__":
    main()
