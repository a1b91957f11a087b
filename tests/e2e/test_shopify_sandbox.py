"""The real Shopify connector over real HTTP against the sandbox (live server on loopback)."""

from __future__ import annotations

import pytest
from django.db.models import Sum

from integrations.connectors.shopify.connector import ShopifyConnector
from integrations.http import TransientHTTPError
from integrations.models import (
    AccountStatus,
    SyncRun,
    SyncStatus,
    WebhookEvent,
    WebhookStatus,
    WebhookSubscription,
)
from integrations.services.sync import request_sync
from inventory.models import ChannelListing, StockLevel, Variant
from orders.models import Order, OrderItem
from tests.e2e.conftest import SHOP, oauth_connect, token_connect

pytestmark = pytest.mark.django_db(transaction=True)


def sandbox_counts(shop: str = SHOP) -> tuple[int, int]:
    from sandbox.shopify.models import SandboxLineItem, SandboxOrder

    orders = SandboxOrder.objects.filter(shop__domain=shop)
    return orders.count(), SandboxLineItem.objects.filter(order__in=orders).count()


def test_oauth_install_connects_registers_webhooks_and_imports_everything(hub, store, owner):
    account = oauth_connect(hub, owner)

    assert account.status == AccountStatus.CONNECTED
    assert account.get_credentials()["access_token"].startswith("shp")
    assert set(
        WebhookSubscription.objects.filter(account=account).values_list("topic", flat=True)
    ) == {
        "ORDERS_CREATE",
        "ORDERS_UPDATED",
        "ORDERS_CANCELLED",
        "PRODUCTS_UPDATE",
        "INVENTORY_LEVELS_UPDATE",
        "REFUNDS_CREATE",
        "APP_UNINSTALLED",
    }
    runs = {r.stream: r for r in SyncRun.objects.filter(account=account)}
    assert {s: r.status for s, r in runs.items()} == {
        "catalog": SyncStatus.SUCCEEDED,
        "inventory": SyncStatus.SUCCEEDED,
        "orders": SyncStatus.SUCCEEDED,
        "returns": SyncStatus.SUCCEEDED,
    }
    assert runs["orders"].checkpoint["mode"] == "bulk"  # first sync of history: bulk operation
    assert runs["inventory"].checkpoint["mode"] == "bulk"  # inventory snapshot: bulk operation
    from inventory.models import ChannelInventoryLevel
    from sandbox.shopify.models import SandboxInventoryLevel

    sandbox_levels = SandboxInventoryLevel.objects.filter(item__shop__domain=SHOP).count()
    assert ChannelInventoryLevel.objects.filter(account=account).count() == sandbox_levels
    orders, lines = sandbox_counts()
    assert Order.objects.filter(account=account).count() == orders
    assert OrderItem.objects.filter(order__account=account).count() == lines
    assert ChannelListing.objects.filter(account=account).count() == 36
    assert Variant.objects.filter(merchant=owner.merchant).count() == 36
    # Stock was seeded from Shopify's on_hand, and open orders hold reservations.
    assert (
        StockLevel.objects.filter(variant__merchant=owner.merchant).aggregate(s=Sum("on_hand"))["s"]
        > 0
    )
    open_orders = Order.objects.filter(account=account, stock_reserved=True)
    reserved_units = (
        OrderItem.objects.filter(order__in=open_orders, variant__isnull=False).aggregate(
            s=Sum("quantity")
        )["s"]
        or 0
    )
    assert (
        StockLevel.objects.filter(variant__merchant=owner.merchant).aggregate(s=Sum("reserved"))[
            "s"
        ]
        == reserved_units
    )
    # External ids are exact strings beyond 2^53.
    assert all(int(e) > 2**53 for e in Order.objects.values_list("external_id", flat=True)[:20])


def test_sync_with_a_tiny_bucket_paces_itself_and_loses_nothing(hub, store, owner, monkeypatch):
    from sandbox.shopify.services import set_bucket

    set_bucket(shop=SHOP, size=400, restore_rate=2000)
    account = token_connect(hub, owner)
    waits: list[float] = []
    monkeypatch.setattr("integrations.http.time.sleep", lambda s: waits.append(s))
    monkeypatch.setattr(
        "integrations.connectors.shopify.connector.time.sleep",
        lambda s: waits.append(s),
        raising=False,
    )
    runs = request_sync(
        account=account, streams=["catalog", "inventory", "orders"], options={"paged": True}
    )

    runs = [SyncRun.objects.get(pk=r.pk) for r in runs]
    assert [r.status for r in runs] == [SyncStatus.SUCCEEDED] * 3, [r.error for r in runs]
    orders, lines = sandbox_counts()
    assert Order.objects.filter(account=account).count() == orders
    assert OrderItem.objects.filter(order__account=account).count() == lines
    assert runs[2].pages > 1


def test_interrupted_sync_resumes_from_its_checkpoint_without_duplicates(
    hub, store, owner, monkeypatch
):
    account = token_connect(hub, owner, orders_page_size=20)
    real_fetch = ShopifyConnector.fetch_orders
    calls = {"n": 0}

    def flaky_fetch(self, **kwargs):
        calls["n"] += 1
        if calls["n"] == 3:
            raise TransientHTTPError("shopify: HTTP 503 from sandbox (simulated outage)")
        return real_fetch(self, **kwargs)

    monkeypatch.setattr(ShopifyConnector, "fetch_orders", flaky_fetch)
    first = request_sync(account=account, streams=["orders"], options={"paged": True})[0]
    first.refresh_from_db()
    assert first.status == SyncStatus.INTERRUPTED
    assert first.pages == 2
    assert first.checkpoint["page_cursor"]
    imported = Order.objects.filter(account=account).count()
    assert imported == first.created > 0

    second = request_sync(account=account, streams=["orders"], options={"paged": True})[0]
    second.refresh_from_db()
    orders, _ = sandbox_counts()
    assert second.status == SyncStatus.SUCCEEDED
    assert second.resumed_from_id == first.pk
    assert second.created == orders - imported
    assert Order.objects.filter(account=account).count() == orders
    assert Order.objects.filter(account=account).values("external_id").distinct().count() == orders


def test_incremental_sync_after_backfill_reads_only_recent_changes(hub, store, owner):
    from sandbox.shopify.models import SandboxOrder
    from sandbox.shopify.services import update_order

    account = token_connect(hub, owner)
    request_sync(account=account, streams=["orders"])  # bulk backfill
    backfill = SyncRun.objects.get(account=account, stream="orders")
    assert backfill.status == SyncStatus.SUCCEEDED
    assert backfill.cursor_after
    changed = SandboxOrder.objects.filter(shop__domain=SHOP, cancelled_at__isnull=True).first()
    update_order(changed, note="gift wrap please")

    incremental = request_sync(account=account, streams=["orders"])[0]
    incremental.refresh_from_db()
    assert incremental.status == SyncStatus.SUCCEEDED
    assert "mode" not in incremental.checkpoint  # paged, by updated_at
    assert incremental.cursor_before == backfill.cursor_after
    assert incremental.created == 0
    assert incremental.processed < 20  # only the overlap window, not the history


def test_new_orders_arrive_by_signed_webhook_once_each(hub, store, owner):
    from sandbox.shopify.models import SandboxWebhookDelivery
    from sandbox.shopify.services import cancel_order, redeliver, simulate_orders

    account = oauth_connect(hub, owner)
    before = Order.objects.filter(account=account).count()
    placed = simulate_orders(shop=SHOP, count=3, seed=5)

    assert Order.objects.filter(account=account).count() == before + 3
    new_ids = {str(o.id) for o in placed}
    assert (
        set(Order.objects.filter(external_id__in=new_ids).values_list("external_id", flat=True))
        == new_ids
    )
    events = WebhookEvent.objects.filter(topic="orders/create")
    assert events.count() == 3
    assert set(events.values_list("status", flat=True)) == {WebhookStatus.PROCESSED}

    delivery = SandboxWebhookDelivery.objects.filter(topic="orders/create").first()
    redeliver(delivery)  # Shopify may deliver the same event twice
    assert WebhookEvent.objects.filter(topic="orders/create").count() == 3
    assert Order.objects.filter(account=account).count() == before + 3

    order = Order.objects.get(external_id=str(placed[0].id))
    assert order.stock_reserved
    cancel_order(placed[0])
    order.refresh_from_db()
    assert order.status == "cancelled"
    assert not order.stock_reserved


def test_catalog_sync_after_the_first_reads_only_products_changed_since(hub, store, owner):
    from datetime import timedelta

    from django.utils import timezone

    from sandbox.shopify.models import SandboxProduct

    account = token_connect(hub, owner)
    first = request_sync(account=account, streams=["catalog"])[0]
    first.refresh_from_db()
    assert first.status == SyncStatus.SUCCEEDED
    assert first.created == 36
    assert first.cursor_after

    product = SandboxProduct.objects.filter(shop__domain=SHOP).order_by("pk").first()
    SandboxProduct.objects.filter(pk=product.pk).update(
        title="Renamed Kurta", updated_at=timezone.now() + timedelta(minutes=10)
    )
    second = request_sync(account=account, streams=["catalog"])[0]
    second.refresh_from_db()
    assert second.status == SyncStatus.SUCCEEDED
    assert second.cursor_before == first.cursor_after
    # Only the renamed product (plus the overlap window of recently updated ones) is re-read.
    assert 0 < second.processed < first.processed
    assert Variant.objects.filter(product__title="Renamed Kurta").exists()
