"""Webhook receiver under gunicorn, configured by the project's gunicorn.conf.py as production
is (2 workers × 2 threads): accept latency at a fixed rate and the maximum sustained rate. Each
request is a distinct, correctly signed Shopify ``orders/create`` delivery; the receiver
verifies it, stores the event and queues processing on the broker.

Run on PostgreSQL with a Redis broker and a Redis cache (as production would; with a shared
cache the request only wakes the inbox drain instead of publishing a Celery message itself, see
``integrations.services.webhooks``):

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/sangam_bench \\
    CELERY_BROKER_URL=redis://127.0.0.1:6379/13 CACHE_URL=redis://127.0.0.1:6379/12 \\
    .venv/bin/python bench/webhooks.py

No worker runs: the figures are the receiver's (verify, store, queue); the drain and processing
tasks it queues are purged at the end.

Prints p50/p90/p99 latency at ``--rate`` req/s for ``--seconds``, then the throughput of
``--clients`` concurrent closed-loop clients.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import runpy
import socket
import statistics
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlsplit

from cryptography.fernet import Fernet

os.environ.setdefault("CREDENTIALS_ENCRYPTION_KEYS", Fernet.generate_key().decode())
os.environ.setdefault("SECRET_KEY", "bench-webhooks-secret-key")
# The server runs with DEBUG=False, which refuses the public development app secret.
os.environ.setdefault("SHOPIFY_API_SECRET", "bench-webhooks-app-secret")

from _setup import ROOT, django_setup  # noqa: E402

django_setup()

import requests  # noqa: E402
from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402

from accounts.models import Merchant  # noqa: E402
from integrations.connectors.shopify.signatures import webhook_hmac  # noqa: E402
from integrations.models import ChannelAccount, WebhookEvent  # noqa: E402

SHOP = "bench-webhooks.myshopify.com"
SECRET = "bench-webhook-secret"  # noqa: S105 - a throwaway bench secret


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Deliveries:
    """Thread-safe supply of distinct signed deliveries."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.n = 0

    def next(self) -> tuple[bytes, dict[str, str]]:
        with self.lock:
            self.n += 1
            n = self.n
        body = json.dumps(
            {
                "id": 6_000_000_000_000_000_000 + n,
                "name": f"#B{n}",
                "created_at": "2026-11-20T10:00:00+05:30",
                "updated_at": "2026-11-20T10:00:00+05:30",
                "currency": "INR",
                "financial_status": "paid",
                "total_price": "999.00",
                "payment_gateway_names": ["razorpay"],
                "line_items": [
                    {
                        "id": 7_000_000_000_000_000_000 + n,
                        "sku": "BENCH-1",
                        "quantity": 1,
                        "price": "999.00",
                    }
                ],
            }
        ).encode()
        headers = {
            "Content-Type": "application/json",
            "X-Shopify-Topic": "orders/create",
            "X-Shopify-Shop-Domain": SHOP,
            "X-Shopify-Hmac-Sha256": webhook_hmac(body, SECRET),
            "X-Shopify-Webhook-Id": f"bench-wh-{n}",
            "X-Shopify-Event-Id": f"bench-ev-{n}",
            "X-Shopify-API-Version": "2025-01",
        }
        return body, headers


class Poster:
    """One keep-alive connection (``http.client``: the client must stay light, it shares the
    two cores with the server)."""

    def __init__(self, url: str) -> None:
        parts = urlsplit(url)
        self.path = parts.path
        self.connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)

    def post(self, supply: Deliveries) -> float:
        body, headers = supply.next()
        started = time.perf_counter()
        try:
            response = self._send(body, headers)
        except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
            # The server closed an idle kept-alive connection (gunicorn's ``keepalive``); a
            # client resends on a new one, as urllib3 does. Timed from the first attempt.
            self.connection.close()
            response = self._send(body, headers)
        payload = response.read()
        elapsed = time.perf_counter() - started
        if response.status != 200:
            raise RuntimeError(f"HTTP {response.status}: {payload[:200]!r}")
        return elapsed

    def _send(self, body: bytes, headers: dict[str, str]) -> http.client.HTTPResponse:
        self.connection.request("POST", self.path, body=body, headers=headers)
        return self.connection.getresponse()


def fixed_rate(url: str, supply: Deliveries, rate: int, seconds: int) -> list[float]:
    """Open-loop: start a request every 1/rate s regardless of answers; returns latencies."""
    latencies: list[float] = []
    local = threading.local()

    def one() -> None:
        if not hasattr(local, "poster"):
            local.poster = Poster(url)
        latencies.append(local.poster.post(supply))

    total = rate * seconds
    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=32) as pool:
        futures = []
        for i in range(total):
            delay = started + i / rate - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
            futures.append(pool.submit(one))
        for future in futures:
            future.result()
    return latencies


def closed_loop(url: str, supply: Deliveries, clients: int, seconds: int) -> float:
    """``clients`` threads posting back to back for ``seconds``; returns requests/s."""
    stop = time.perf_counter() + seconds
    counts = [0] * clients

    def run(i: int) -> None:
        poster = Poster(url)
        while time.perf_counter() < stop:
            poster.post(supply)
            counts[i] += 1

    started = time.perf_counter()
    threads = [threading.Thread(target=run, args=(i,)) for i in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return sum(counts) / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rate", type=int, default=100)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument(
        "--workers", type=int, default=None, help="gunicorn workers (default: gunicorn.conf.py)"
    )
    parser.add_argument(
        "--threads",
        type=int,
        default=None,
        help="gunicorn threads per worker (default: gunicorn.conf.py; 1 gives the sync worker)",
    )
    args = parser.parse_args()
    from integrations.services.webhooks import inbox_drain_enabled

    drained = inbox_drain_enabled()
    if connection.vendor != "postgresql" or not settings.CELERY_BROKER_URL:
        print(
            "note: the target is measured on PostgreSQL with a Redis broker; this run uses "
            f"{connection.vendor} and broker={settings.CELERY_BROKER_URL or 'none (eager!)'}"
        )
    call_command("migrate", verbosity=0)
    Merchant.objects.filter(slug="bench-webhooks").delete()
    merchant = Merchant.objects.create(name="Bench webhooks", slug="bench-webhooks")
    account = ChannelAccount.objects.create(merchant=merchant, provider="shopify", external_id=SHOP)
    account.set_credentials({"access_token": "shpat_bench", "api_secret_key": SECRET})
    account.save()
    if connection.vendor == "postgresql":
        # Same starting state every run: earlier runs' deleted events leave dead tuples.
        with connection.cursor() as cursor:
            cursor.execute(f"VACUUM ANALYZE {WebhookEvent._meta.db_table}")
    connection.close()
    port = free_port()
    # The server runs with the project's gunicorn.conf.py (as in production); --workers and
    # --threads go through the environment variables that file reads.
    if args.workers:
        os.environ["WEB_CONCURRENCY"] = str(args.workers)
    if args.threads:
        os.environ["WEB_THREADS"] = str(args.threads)
    server_conf = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    env = {
        **os.environ,
        "DEBUG": "False",
        "ALLOWED_HOSTS": "127.0.0.1",
        "SANDBOX_ENABLED": "False",
        "LOG_LEVEL": "WARNING",
    }
    server = subprocess.Popen(  # noqa: S603 - fixed argv
        [
            sys.executable,
            "-m",
            "gunicorn",
            "config.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
    )
    url = f"http://127.0.0.1:{port}/api/webhooks/shopify"
    supply = Deliveries()
    try:
        for _ in range(100):
            try:
                requests.get(f"http://127.0.0.1:{port}/accounts/login/", timeout=1)
                break
            except requests.RequestException:
                time.sleep(0.2)
        # Warm every server thread (each opens its database and Redis connections on its first
        # request) with as many connections as the measurement uses, so neither phase times
        # a connection setup.
        closed_loop(url, supply, args.clients, 2)
        latencies = sorted(fixed_rate(url, supply, args.rate, args.seconds))
        q = statistics.quantiles(latencies, n=100)
        sustained = closed_loop(url, supply, args.clients, args.seconds)
        stored = WebhookEvent.objects.filter(shop_domain=SHOP).count()
    finally:
        server.terminate()
        server.wait(timeout=20)
        WebhookEvent.objects.filter(shop_domain=SHOP).delete()
        Merchant.objects.filter(slug="bench-webhooks").delete()
        if settings.CELERY_BROKER_URL:
            from config.celery import app

            app.control.purge()
    print(
        f"database: {connection.vendor}; broker: {settings.CELERY_BROKER_URL or 'none'}; "
        f"cache: {settings.CACHES['default']['BACKEND'].rsplit('.', 1)[-1]} (queueing: "
        f"{'inbox drain' if drained else 'one message per request'}); "
        f"gunicorn (gunicorn.conf.py): {server_conf['workers']} {server_conf['worker_class']} "
        f"workers x {server_conf['threads']} threads"
    )
    print(
        f"at {args.rate} req/s for {args.seconds} s: p50 {q[49] * 1000:.1f} ms, "
        f"p90 {q[89] * 1000:.1f} ms, p99 {q[98] * 1000:.1f} ms (n={len(latencies)})"
    )
    print(f"sustained with {args.clients} concurrent clients: {sustained:.0f} req/s")
    print(f"events stored: {stored} (every request distinct, signed, verified)")


if __name__ == "__main__":
    main()
