"""The real Amazon connector over real HTTP against the Amazon sandbox (live server): connect
through the API (LWA + marketplaceParticipations), the first sync backfills through the Reports
API, later syncs read getOrders + getOrderItems incrementally, nothing is ever duplicated, stock
is reserved in the shared pool, 429s are survived and a revoked grant marks the account."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.db.models import Sum

from integrations.models import AccountStatus, ChannelAccount, SyncRun, SyncStatus
from integrations.services.sync import request_sync
from inventory.models import StockLevel
from orders.models import Order, OrderItem
from sandbox import demo
from tests.e2e.conftest import SHOP, token_connect

pytestmark = pytest.mark.django_db(transaction=True)

SELLER = "A2E2ESANGAM01"


@pytest.fixture
def seller(store, settings):
    """An Amazon.in seller listing the same catalog as the Shopify sandbox store."""
    from sandbox.amazon import services

    settings.AMAZON_REPORT_POLL_SECONDS = 0.01
    settings.AMAZON_BACKFILL_DAYS = 45  # two 30-day report windows cover the seeded history
    seller = services.seed_seller(seller_id=SELLER, shop=SHOP, orders=120, days=30, seed=13)
    services.set_job_polls(SELLER, queue=1, progress=1)
    return seller


def sandbox_order_count() -> int:
    from sandbox.amazon.models import SandboxAmazonOrder

    return SandboxAmazonOrder.objects.filter(seller__seller_id=SELLER).count()


def connect_amazon(api_client) -> ChannelAccount:
    from sandbox.amazon import services

    response = api_client.post(
        "/api/integrations/providers/amazon/connect",
        {
            "seller_id": SELLER,
            "lwa_client_id": "amzn1.application-oa2-client.sandbox",
            "lwa_client_secret": "sandbox-secret",
            "refresh_token": services.refresh_token(SELLER),
            "use_sandbox": True,
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    account = ChannelAccount.objects.get(provider="amazon", external_id=SELLER)
    demo.watch_runs(lambda: account.pk, lambda: True, lambda _runs: None, timeout=300)
    return account


@pytest.fixture
def owner_api(owner):
    from rest_framework.test import APIClient

    client = APIClient()
    client.force_authenticate(owner.user)
    return client


def test_connect_backfills_through_reports_and_reserves_stock_in_the_shared_pool(
    hub, seller, owner, owner_api
):
    from sandbox.amazon import services

    shopify = token_connect(hub, owner)
    request_sync(account=shopify, streams=["catalog", "inventory"])
    reserved_before = StockLevel.objects.aggregate(s=Sum("reserved"))["s"] or 0
    services.reset_call_counts(SELLER)

    account = connect_amazon(owner_api)

    assert account.status == AccountStatus.CONNECTED, account.last_error
    assert account.settings["marketplace_ids"] == "A21TJRUUN4KGV"
    assert "refresh_token" not in account.settings
    assert account.get_credentials()["refresh_token"].startswith("Atzr|")
    (run,) = SyncRun.objects.filter(account=account)
    assert (run.stream, run.status) == ("orders", SyncStatus.SUCCEEDED), run.error
    assert run.checkpoint["mode"] == "bulk"  # history came through the Reports API
    assert Order.objects.filter(account=account).count() == sandbox_order_count()
    calls = services.call_counts(SELLER)
    assert calls.get("getOrderItems", 0) == 0  # not one call per order
    assert calls["createReport"] == 2  # two 30-day windows
    assert calls["getReportDocument"] >= 1
    # Amazon lines match the Shopify catalog by SKU; open orders hold stock.
    matched = OrderItem.objects.filter(order__account=account, variant__isnull=False)
    assert matched.exists()
    assert (StockLevel.objects.aggregate(s=Sum("reserved"))["s"] or 0) > reserved_before
    assert {"AFN", "MFN"} <= {
        t
        for tags in Order.objects.filter(account=account).values_list("tags", flat=True)
        for t in tags
    }


def test_incremental_sync_reads_new_orders_once_and_never_duplicates(
    hub, seller, owner_api, monkeypatch
):
    from sandbox.amazon import services
    from sandbox.kernel import clock

    account = connect_amazon(owner_api)
    before = Order.objects.filter(account=account).count()
    placed = services.simulate_orders(seller_id=SELLER, count=4, seed=99)
    # getOrders serves orders once they are two minutes old (the model's "…Before" rule).
    real_time = clock.time
    monkeypatch.setattr(clock, "time", lambda: real_time() + 180)

    (first,) = request_sync(account=account, streams=["orders"])
    first.refresh_from_db()
    (second,) = request_sync(account=account, streams=["orders"])
    second.refresh_from_db()

    assert first.status == SyncStatus.SUCCEEDED, first.error
    assert first.checkpoint.get("mode") != "bulk"  # getOrders, not a report
    assert set(placed) <= set(
        Order.objects.filter(account=account).values_list("external_id", flat=True)
    )
    assert Order.objects.filter(account=account).count() == before + len(placed)
    assert second.status == SyncStatus.SUCCEEDED
    assert second.created == 0  # the overlap re-reads; nothing is created twice
    new = Order.objects.filter(account=account, external_id__in=placed)
    assert all(o.items.count() >= 1 for o in new)


def test_throttled_calls_are_retried_without_losing_orders(hub, seller, owner_api, monkeypatch):
    from sandbox.amazon import services
    from sandbox.kernel import clock

    account = connect_amazon(owner_api)
    placed = services.simulate_orders(seller_id=SELLER, count=3, seed=7)
    real_time = clock.time
    monkeypatch.setattr(clock, "time", lambda: real_time() + 180)
    services.inject_faults(SELLER, count=2, status=429)

    (run,) = request_sync(account=account, streams=["orders"])
    run.refresh_from_db()

    assert run.status == SyncStatus.SUCCEEDED, run.error
    assert Order.objects.filter(account=account, external_id__in=placed).count() == 3


def test_a_revoked_grant_marks_the_account_for_reauthorisation(hub, seller, owner_api):
    from sandbox.amazon import services

    account = connect_amazon(owner_api)
    services.revoke_refresh_token(SELLER)
    cache.clear()  # the cached access token would otherwise carry on for its hour

    (run,) = request_sync(account=account, streams=["orders"])
    run.refresh_from_db()
    account.refresh_from_db()

    assert run.status == SyncStatus.FAILED
    assert account.status == AccountStatus.ERROR
    assert "re-authorise" in account.last_error


def test_reconnecting_with_a_bad_secret_is_refused_and_stores_nothing(hub, seller, owner_api):
    response = owner_api.post(
        "/api/integrations/providers/amazon/connect",
        {
            "seller_id": SELLER,
            "lwa_client_id": "amzn1.application-oa2-client.sandbox",
            "lwa_client_secret": "wrong",
            "refresh_token": "Atzr|nope",
            "use_sandbox": True,
        },
        format="json",
    )
    assert response.status_code == 400
    assert not ChannelAccount.objects.filter(provider="amazon").exists()


def test_run_history_lists_runs_with_counts(hub, seller, owner_api):
    account = connect_amazon(owner_api)
    body = owner_api.get(f"/api/integrations/accounts/{account.pk}/sync-runs").json()
    (run,) = body["results"]
    assert (run["stream"], run["status"]) == ("orders", "succeeded")
    assert run["created"] == sandbox_order_count()
    assert body["account"]["provider"] == "amazon"
    assert owner_api.get("/api/integrations/accounts/999999/sync-runs").status_code == 404


def test_quantity_and_price_pushes_reach_the_sandbox_listings(hub, seller, owner_api):
    """A few SKUs go by patchListingsItem, a bulk push by JSON_LISTINGS_FEED (submitted, its
    outcome read by polling getFeed); an unknown SKU comes back as a failure mapped to its SKU
    while the others apply."""
    from decimal import Decimal

    from integrations.dto import PriceDTO, PushStatus, StockLevelDTO
    from integrations.services.accounts import build_connector
    from sandbox.amazon import services
    from sandbox.amazon.models import SandboxAmazonListing

    account = connect_amazon(owner_api)
    connector = build_connector(account, sleep=lambda _s: None)
    connector.feed_poll_seconds = 0.01
    skus = list(
        SandboxAmazonListing.objects.filter(seller__seller_id=SELLER)
        .order_by("sku")
        .values_list("sku", flat=True)[:9]
    )

    few = connector.push_inventory([StockLevelDTO(sku=s, quantity=3) for s in skus[:2]])
    connector.push_bulk_min = 8
    bulk = [StockLevelDTO(sku=s, quantity=11) for s in skus[2:]] + [
        StockLevelDTO(sku="NO-SUCH-SKU", quantity=1)
    ]
    submitted = connector.push_inventory(bulk)
    assert {r.status for r in submitted} == {PushStatus.SUBMITTED}
    feed_id = submitted[0].submission_id
    batch = None
    for _ in range(10):  # the sandbox feed spends a poll queued and one in progress
        batch = connector.push_outcome(feed_id, [level.sku for level in bulk])
        if batch is not None:
            break
    assert batch is not None
    prices = connector.push_prices([PriceDTO(sku=skus[0], price=Decimal("649.00"))])

    assert [r.status for r in few] == [PushStatus.SUCCESS] * 2
    assert [services.listing_quantity(SELLER, s) for s in skus[:2]] == [3, 3]
    by_sku = {r.sku: r for r in batch}
    assert by_sku["NO-SUCH-SKU"].status == PushStatus.FAILURE
    assert by_sku["NO-SUCH-SKU"].issues
    assert all(by_sku[s].status == PushStatus.SUCCESS for s in skus[2:])
    assert [services.listing_quantity(SELLER, s) for s in skus[2:]] == [11] * 7
    assert prices[0].status == PushStatus.SUCCESS
    listing = SandboxAmazonListing.objects.get(seller__seller_id=SELLER, sku=skus[0])
    assert listing.price == Decimal("649.00")


def test_report_backfilled_orders_get_their_payment_method_from_getorders(hub, seller, owner_api):
    """The order reports have no payment column: backfilled orders start as prepaid; the
    refresh reads them by id (getOrders with AmazonOrderIds, 50 a call) and marks the COD ones,
    each order once."""
    from orders.services.payments import order_payments_refresh, unchecked_report_orders
    from sandbox.amazon import services
    from sandbox.amazon.models import SandboxAmazonOrder

    account = connect_amazon(owner_api)
    cod = set(
        SandboxAmazonOrder.objects.filter(
            seller__seller_id=SELLER, payment_method="COD"
        ).values_list("amazon_order_id", flat=True)
    )
    assert cod  # the seeded seller has COD orders
    assert not Order.objects.filter(account=account, payment_method="cod").exists()
    total = unchecked_report_orders(account).count()
    assert total == sandbox_order_count()
    services.reset_call_counts(SELLER)

    first = order_payments_refresh(account=account, calls=1)
    assert (first.checked, first.missing, first.error) == (50, 0, "")
    assert services.call_counts(SELLER)["getOrders"] == 1
    while unchecked_report_orders(account).exists():
        assert not order_payments_refresh(account=account, calls=2).error

    found = set(
        Order.objects.filter(account=account, payment_method="cod").values_list(
            "external_id", flat=True
        )
    )
    assert found == cod
    assert services.call_counts(SELLER)["getOrders"] == -(-total // 50)  # each order read once
    assert order_payments_refresh(account=account).checked == 0
