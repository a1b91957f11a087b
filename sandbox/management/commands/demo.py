"""``manage.py demo``: seed the sandbox store, connect it through OAuth over HTTP, sync
everything with progress bars, then place a few orders that arrive by webhook."""

from __future__ import annotations

import logging
import threading
import time
from contextlib import nullcontext

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db.models import Count
from django.utils import timezone
from tqdm import tqdm

from integrations.dto import ReturnKind
from integrations.models import FileImport, SyncRun, SyncStatus, WebhookEvent
from integrations.services.run_owner import Owner
from integrations.services.sync import request_sync, streams_for
from orders.models import Order, Return
from sandbox import demo


def waiting_for(run) -> str:
    """What the demo is waiting for on one run: its status, and for a running one when its
    process last gave a sign of life (a run that stops beating is taken over)."""
    if run.status == SyncStatus.RUNNING and run.heartbeat_at:
        age = max(0, int((timezone.now() - run.heartbeat_at).total_seconds()))
        owner = Owner.parse(run.owner)
        where = f" in process {owner.pid}" if owner else ""
        return f"running{where}, heartbeat {age}s ago"
    if run.status == SyncStatus.QUEUED:
        return "queued, waiting for a worker"
    return run.status


class Command(BaseCommand):
    help = "Create the demo merchant and connect a seeded sandbox Shopify store (idempotent)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--reset", action="store_true", help="Start over: wipe demo data.")
        parser.add_argument("--variants", type=int, default=300)
        parser.add_argument("--products", type=int, default=60)
        parser.add_argument("--orders", type=int, default=3000)
        parser.add_argument("--days", type=int, default=90)
        parser.add_argument("--amazon-orders", type=int, default=600)
        parser.add_argument("--flipkart-orders", type=int, default=400)
        parser.add_argument("--meesho-rows", type=int, default=300)
        parser.add_argument(
            "--shipments", type=int, default=150, help="store orders shipped via Delhivery"
        )
        parser.add_argument(
            "--new-orders",
            type=int,
            default=5,
            help="Orders placed after the sync; they arrive by webhook.",
        )

    def handle(self, *args, **opts) -> None:
        if not settings.SANDBOX_ENABLED:
            raise CommandError("The demo needs SANDBOX_ENABLED=True.")
        from sandbox.shopify import services as sandbox

        # Progress bars, not request logs, on the console while the demo runs.
        for name in ("celery", "sangam.http", "integrations", "inventory", "orders"):
            logging.getLogger(name).setLevel(logging.WARNING)
        started = time.monotonic()
        merchant, _user = demo.ensure_demo_tenant(reset=opts["reset"])
        self.stdout.write(f"Demo merchant: {merchant.name}")

        from sandbox.shopify.models import SandboxShop

        sandbox_shop = SandboxShop.objects.filter(domain=demo.DEMO_SHOP).first()
        if opts["reset"] or sandbox_shop is None:
            with tqdm(total=opts["orders"], desc="Seeding sandbox store", unit="order") as bar:

                def progress(done: int, total: int) -> None:
                    bar.total = total
                    bar.n = done
                    bar.refresh()

                sandbox.seed_shop(
                    shop=demo.DEMO_SHOP,
                    products=opts["products"],
                    variants=opts["variants"],
                    orders=opts["orders"],
                    days=opts["days"],
                    reset=True,
                    progress=progress,
                )
        base_url = settings.PUBLIC_BASE_URL
        host, port = demo.base_host_port()
        serving = (
            nullcontext() if demo.server_answers(base_url) else demo.InProcessServer(host, port)
        )
        with serving:
            account = demo.demo_account(merchant)
            if account is None or not account.get_credentials().get("access_token"):
                self._connect(base_url, merchant)
            else:
                self.stdout.write("Store already connected: running an incremental sync.")
                runs = request_sync(account=account, streams=streams_for(account))
                first_new = min(r.pk for r in runs)
                self._watch(lambda: account.pk, lambda: True, since_pk=first_new - 1)
            account = demo.demo_account(merchant)
            if account is None:
                raise CommandError("The store did not connect.")
            self._marketplaces(merchant, opts)
            self._stock(merchant)
            self._ship(merchant, opts)
            self._simulate(sandbox, opts["new_orders"])
            for line in demo.shopify_returns(account):
                self.stdout.write(f"  Shopify return {line}")
        orders = Order.objects.for_merchant(merchant).count()
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo ready in {time.monotonic() - started:.0f}s: {orders} orders, "
                f"{account.listings.count()} listings, {account.webhook_subscriptions.count()} "
                f"webhook subscriptions."
            )
        )
        self.stdout.write(
            f"Dashboard: {base_url}/   login: {demo.DEMO_USER} / {demo.DEMO_PASSWORD}"
        )
        self.stdout.write(f"Admin: {base_url}/admin/   API docs: {base_url}/api/docs")

    def _ship(self, merchant, opts) -> None:
        """Ship some of the store's orders through both courier sandboxes (Delhivery and
        Shiprocket, chosen by the demo's courier rules) and let their journeys play out:
        deliveries, NDRs answered by NDR rules, and RTOs, which come back as returns."""
        from shipments.models import NdrActionRequest, Shipment

        couriers = [demo.connect_courier(merchant), demo.connect_shiprocket(merchant)]
        demo.demo_courier_rules(merchant, *couriers)
        shipped = Shipment.objects.filter(account__in=couriers)
        if opts["shipments"] <= 0 or shipped.exists():
            return
        self.stdout.write(
            f"Shipping up to {opts['shipments']} store orders by the courier rules "
            f"({' and '.join(c.display_name for c in couriers)})…"
        )
        booking = demo.ship_demo_orders(merchant, couriers, count=opts["shipments"], days=12)
        self.stdout.write(
            f"  {len(booking.shipments)} shipments booked ({len(booking.refused)} orders refused "
            "with their reason), labels in one PDF; after 12 days of scans:"
        )
        for courier in couriers:
            by_status = dict(
                shipped.filter(account=courier).values_list("status").annotate(n=Count("pk"))
            )
            self.stdout.write(
                f"    {courier.display_name}: "
                + (", ".join(f"{st} {n}" for st, n in sorted(by_status.items())) or "none")
            )
        ndr_by_status = dict(
            NdrActionRequest.objects.filter(shipment__account__in=couriers)
            .values_list("status")
            .annotate(n=Count("pk"))
        )
        self.stdout.write(
            "  NDR actions by the demo's NDR rules: "
            + (", ".join(f"{s} {n}" for s, n in sorted(ndr_by_status.items())) or "none")
        )
        written = shipped.exclude(channel_fulfillment_id="")
        told = dict(written.values_list("channel_event_status").annotate(n=Count("pk")))
        self.stdout.write(
            f"  {written.count()} orders marked fulfilled on the store with their AWB, then "
            f"followed there: {told.get('DELIVERED', 0)} delivered, {told.get('FAILURE', 0)} "
            "failed (RTO)"
        )

    def _marketplaces(self, merchant, opts) -> None:
        """Amazon and Flipkart sellers (sandbox) connected with API credentials and synced;
        a Meesho orders export imported like an upload: four channels in one order book."""
        # The sandbox finishes reports in seconds; poll it accordingly (Amazon: 15 s).
        settings.AMAZON_REPORT_POLL_SECONDS = min(settings.AMAZON_REPORT_POLL_SECONDS, 0.2)
        settings.AMAZON_FEED_POLL_SECONDS = min(settings.AMAZON_FEED_POLL_SECONDS, 0.2)
        with tqdm(total=2, desc="Seeding marketplaces", unit="seller") as bar:
            demo.seed_marketplaces(
                reset=opts["reset"],
                amazon_orders=opts["amazon_orders"],
                flipkart_orders=opts["flipkart_orders"],
            )
            bar.update(2)
        since = SyncRun.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
        started = demo.connect_marketplaces(merchant)
        courier = demo.connect_courier(merchant)
        self.stdout.write(f"Connected {courier}: scan pushes go to the hub's inbox")
        aggregator = demo.connect_shiprocket(merchant)
        self.stdout.write(f"Connected {aggregator}: tracking webhooks go to the hub's inbox")
        for account in started:
            how = " (history through the Reports API)" if account.provider == "amazon" else ""
            self.stdout.write(f"Connected {account}: first sync{how}…")
            self._watch(lambda a=account: a.pk, lambda: True, since_pk=since)
        if (
            opts["meesho_rows"] > 0
            and not FileImport.objects.filter(
                account__merchant=merchant, account__provider="meesho"
            ).exists()
        ):
            run = demo.import_meesho_sample(
                merchant, rows=opts["meesho_rows"], directory=settings.VAR_DIR / "demo"
            )
            self.stdout.write(
                f"Imported a Meesho orders export: {run.created} orders, {run.failed} rows "
                f"quarantined with their row, column and reason ({run.get_status_display()})."
            )
            kinds = dict(
                Return.objects.filter(account=run.account)
                .values_list("kind")
                .annotate(n=Count("pk"))
            )
            self.stdout.write(
                f"  its RTO rows became {kinds.get(ReturnKind.RTO, 0)} RTO returns and its "
                f"customer returns {kinds.get(ReturnKind.CUSTOMER_RETURN, 0)}, to receive on "
                "the Returns page."
            )
        by_channel = (
            Order.objects.for_merchant(merchant)
            .values_list("channel")
            .annotate(n=Count("pk"))
            .order_by("channel")
        )
        self.stdout.write(
            "Orders by channel: " + ", ".join(f"{channel} {n}" for channel, n in by_channel)
        )
        waiting = Order.objects.for_merchant(merchant).filter(unfulfillable=True).count()
        if waiting:
            self.stdout.write(
                f"{waiting} order{'s' if waiting != 1 else ''} wait for stock (backorders): "
                "Orders → Stock: Backorders only, and the count per SKU on the Stock page."
            )

    def _connect(self, base_url: str, merchant) -> None:
        self.stdout.write(f"Connecting {demo.DEMO_SHOP} through Shopify OAuth (sandbox)…")
        browser = demo.browser_login(base_url)
        callback = demo.oauth_install(browser, base_url, demo.DEMO_SHOP)
        result: dict = {}
        thread = threading.Thread(target=demo.follow_callback, args=(browser, callback, result))
        thread.start()

        def account_id() -> int | None:
            account = demo.demo_account(merchant)
            return account.pk if account else None

        self._watch(account_id, lambda: not thread.is_alive(), since_pk=0)
        thread.join()
        if result.get("status") != 302:
            raise CommandError(
                f"OAuth callback failed: HTTP {result.get('status')} {result.get('body')}"
            )

    def _watch(self, account_id, done, *, since_pk: int) -> None:
        bars: dict[int, tqdm] = {}

        def on_progress(runs) -> None:
            for run in runs:
                if run.pk <= since_pk:
                    continue
                bar = bars.get(run.pk)
                if bar is None:
                    bar = bars[run.pk] = tqdm(
                        desc=f"Sync {run.stream:<9}", unit="rec", total=run.total_estimate
                    )
                if run.total_estimate and bar.total != run.total_estimate:
                    bar.total = run.total_estimate
                bar.n = run.processed
                bar.set_postfix_str(waiting_for(run))
                bar.refresh()

        def on_takeover(old, new) -> None:
            bar = bars.get(old.pk)
            if bar is not None:
                bar.set_postfix_str(old.status)
                bar.close()
            old.refresh_from_db()
            tqdm.write(
                f"Sync {old.stream} run #{old.pk} had stopped ({old.error}) "
                f"Run #{new.pk} resumes it after page {old.pages}."
            )

        runs = demo.watch_runs(account_id, done, on_progress, on_takeover=on_takeover)
        for bar in bars.values():
            bar.close()
        failed = [r for r in runs if r.pk > since_pk and r.status != SyncStatus.SUCCEEDED]
        for run in failed:
            self.stderr.write(f"Sync {run.stream} ended {run.status}: {run.error}")
        if failed:
            raise CommandError("The initial sync did not complete.")

    def _stock(self, merchant) -> None:
        """One stock pool pushed to Shopify, Amazon and Flipkart."""
        self.stdout.write("Sangam manages stock: matching listings and pushing available-to-sell…")
        for account, line in demo.manage_stock_everywhere(merchant).items():
            self.stdout.write(f"  {account}: {line}")

    def _simulate(self, sandbox, count: int) -> None:
        if count <= 0:
            return
        last_event = WebhookEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
        before = demo.sandbox_channel_quantities(demo.demo_skus_listed())
        placed = sandbox.simulate_orders(shop=demo.DEMO_SHOP, count=count)
        events = demo.wait_for_webhooks(last_event, expected=len(placed))
        processed = sum(e.status == "processed" for e in events)
        self.stdout.write(
            f"Placed {len(placed)} new orders in the store; {len(events)} webhooks received, "
            f"{processed} processed."
        )
        sold = sorted({line.sku for order in placed for line in order.line_items.all()})
        after = demo.sandbox_channel_quantities(sold)
        for sku in sold[:5]:
            (amazon_before, flipkart_before), (amazon_now, flipkart_now) = (
                before.get(sku, (None, None)),
                after[sku],
            )
            self.stdout.write(
                f"  {sku} sold on Shopify → Amazon {amazon_before} → {amazon_now}, "
                f"Flipkart {flipkart_before} → {flipkart_now}"
            )
