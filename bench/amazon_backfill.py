"""Amazon order backfill: the Reports API path next to getOrders + getOrderItems, counting
every SP-API call.

Seeds a sandbox Amazon.in seller with N orders over 90 days, serves the sandbox over HTTP on
loopback (the connector talks to it exactly as to Amazon), scales the sandbox's usage plans up
(``--rate-scale``; the ``x-amzn-RateLimit-Limit`` header carries the scaled rate and the
connector adapts to it, so the run takes seconds instead of hours while every call still
counts), then backfills the same history twice into the order book, once per path, each into
its own merchant. Prints API calls, calls per 1,000 orders and wall time for both.

    .venv/bin/python bench/amazon_backfill.py [--orders 10000] [--rate-scale 1000]
"""

from __future__ import annotations

import argparse
import socket
import time
from datetime import timedelta

from _setup import django_setup

django_setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.utils import timezone  # noqa: E402

from accounts.models import Merchant  # noqa: E402
from integrations.models import ChannelAccount, SyncRun  # noqa: E402
from integrations.services.sync import request_sync  # noqa: E402
from orders.models import Order  # noqa: E402
from sandbox.amazon import services as amazon  # noqa: E402
from sandbox.demo import InProcessServer  # noqa: E402

SELLER = "A2BENCHBACKFILL"
CLIENT_ID = "amzn1.application-oa2-client.bench"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def account(tag: str, base_url: str) -> ChannelAccount:
    merchant = Merchant.objects.create(name=f"Bench Amazon {tag}", slug=f"bench-amazon-{tag}")
    acc = ChannelAccount.objects.create(
        merchant=merchant,
        provider="amazon",
        external_id=SELLER,
        api_base_url=f"{base_url}/sandbox/amazon/{SELLER}",
        settings={"seller_id": SELLER, "lwa_client_id": CLIENT_ID},
    )
    acc.set_credentials(
        {"lwa_client_secret": "sandbox-secret", "refresh_token": amazon.refresh_token(SELLER)}
    )
    acc.save()
    return acc


def backfill(acc: ChannelAccount, **options) -> dict:
    amazon.reset_call_counts(SELLER)
    started = time.perf_counter()
    (run,) = request_sync(account=acc, streams=["backfill"], options=options)
    run = SyncRun.objects.get(pk=run.pk)
    elapsed = time.perf_counter() - started
    calls = amazon.call_counts(SELLER)
    return {
        "status": run.status,
        "error": run.error,
        "orders": Order.objects.filter(account=acc).count(),
        "calls": calls,
        "total_calls": sum(calls.values()),
        "seconds": elapsed,
    }


def report(name: str, result: dict, expected: int) -> None:
    per_k = 1000 * result["total_calls"] / max(1, result["orders"])
    detail = ", ".join(f"{op} {n}" for op, n in sorted(result["calls"].items()))
    print(
        f"{name}: {result['status']}, {result['orders']:,}/{expected:,} orders in "
        f"{result['seconds']:.1f} s; {result['total_calls']:,} API calls = "
        f"{per_k:.1f} per 1,000 orders ({detail})"
    )
    if result["error"]:
        print(f"  error: {result['error']}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=10_000)
    parser.add_argument("--rate-scale", type=float, default=1000.0)
    args = parser.parse_args()
    call_command("migrate", verbosity=0)
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    settings.PUBLIC_BASE_URL = base_url
    settings.AMAZON_REPORT_POLL_SECONDS = 0.05
    settings.AMAZON_BACKFILL_DAYS = 95
    Merchant.objects.filter(slug__startswith="bench-amazon-").delete()

    started = time.perf_counter()
    amazon.seed_seller(seller_id=SELLER, orders=args.orders, days=90, client_id=CLIENT_ID)
    amazon.set_rate_scale(SELLER, args.rate_scale)
    amazon.set_job_polls(SELLER, queue=1, progress=1)
    print(f"Seeded {args.orders:,} sandbox orders in {time.perf_counter() - started:.1f} s")
    expected = args.orders
    since = (timezone.now() - timedelta(days=95)).strftime("%Y-%m-%dT%H:%M:%SZ")
    with InProcessServer("127.0.0.1", port):
        via_reports = backfill(account("reports", base_url))
        via_orders_api = backfill(account("api", base_url), paged=True, since=since)
    report("Reports API (createReport → getReport → document)", via_reports, expected)
    report("getOrders + getOrderItems", via_orders_api, expected)


if __name__ == "__main__":
    main()
