"""The stock push engine: coalescing, the inventory lock at zero, results and backoff, echo
suppression and the drift check. The channel here is an in-memory double of the connector
interface (the real connectors are tested against their sandboxes over HTTP elsewhere)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from integrations.dto import InventoryLevelDTO, PushResult, PushStatus
from integrations.http import ConnectorError
from inventory.models import (
    ChannelListing,
    DriftEvent,
    MovementSource,
    PushState,
    StockMovement,
    StockPush,
)
from inventory.services import inventory_levels_import, stock_adjust
from inventory.services.channel_levels import channel_level_check
from inventory.services.drift import drift_check_account
from inventory.services.push import account_set_manages_stock, stock_push_account
from orders.services import order_import
from tests.factories import ChannelAccountFactory, MembershipFactory, VariantFactory, order_dto

pytestmark = pytest.mark.django_db


class FakeChannel:
    """Holds quantities by SKU like a channel would; records every push call."""

    def __init__(self):
        self.quantities: dict[str, int] = {}
        self.calls: list[list] = []
        self.fail_with: Exception | None = None
        self.reject: set[str] = set()

    def push_inventory(self, levels):
        if self.fail_with:
            raise self.fail_with
        self.calls.append(list(levels))
        results = []
        for level in levels:
            if level.sku in self.reject:
                results.append(PushResult(level.sku, PushStatus.FAILURE, "listing suppressed"))
                continue
            self.quantities[level.sku] = level.quantity
            results.append(PushResult(level.sku, PushStatus.SUCCESS))
        return results

    def read_inventory(self, levels):
        return {level.sku: self.quantities.get(level.sku) for level in levels}


@pytest.fixture
def channel(monkeypatch):
    fake = FakeChannel()
    monkeypatch.setattr(
        "integrations.services.accounts.build_connector", lambda account, **kw: fake
    )
    return fake


@pytest.fixture
def scheduled(monkeypatch):
    """Record push tasks instead of running them (the eager test setup would run each at once
    and there would be nothing to coalesce)."""
    calls: list[tuple] = []

    def apply_async(args, countdown=None, **kwargs):
        calls.append((args, countdown))

    monkeypatch.setattr("inventory.tasks.push_stock_task.apply_async", apply_async)
    return calls


@pytest.fixture
def merchant():
    return MembershipFactory().merchant


@pytest.fixture
def amazon(merchant):
    account = ChannelAccountFactory(merchant=merchant, provider="amazon", external_id="A2SELLER")
    account.manages_stock = True
    account.save()
    return account


def listed(account, sku: str, on_hand: int, *, buffer: int = 0):
    variant = VariantFactory(product__merchant=account.merchant, merchant=account.merchant, sku=sku)
    ChannelListing.objects.create(
        account=account,
        variant=variant,
        external_variant_id=sku,
        channel_sku=sku,
        buffer_stock=buffer,
    )
    if on_hand:
        stock_adjust(merchant=account.merchant, variant_id=variant.pk, on_hand=on_hand)
    return variant


def test_a_burst_of_changes_is_pushed_once_per_listing(
    amazon, channel, scheduled, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        variants = [listed(amazon, f"SKU-{n}", 20) for n in range(5)]
    stock_push_account(account_id=amazon.pk)  # the first push
    channel.calls.clear()
    scheduled.clear()
    with django_capture_on_commit_callbacks(execute=True):
        for n in range(40):  # 40 stock changes over 5 SKUs, each its own transaction
            order_import(account=amazon, order=order_dto(f"o{n}", items=((f"SKU-{n % 5}", 1),)))

    # One task waits out the debounce for the whole burst.
    assert len(scheduled) == 1
    assert scheduled[0][1] == pytest.approx(1.0)
    summary = stock_push_account(account_id=amazon.pk)

    assert len(channel.calls) == 1
    assert sorted(level.sku for level in channel.calls[0]) == [f"SKU-{n}" for n in range(5)]
    assert channel.quantities == {f"SKU-{n}": 12 for n in range(5)}
    assert summary.pushed == 5
    assert StockPush.objects.count() == 10  # 5 first pushes + 5 after the burst
    assert not ChannelListing.objects.filter(push_pending=True).exists()
    assert len(variants) == 5


def test_reaching_zero_pushes_at_once_and_buffer_counts(
    amazon, channel, scheduled, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        listed(amazon, "SKU-LAST", 3, buffer=1)
    stock_push_account(account_id=amazon.pk)
    assert channel.quantities["SKU-LAST"] == 2  # 3 on hand − 1 buffer
    scheduled.clear()

    with django_capture_on_commit_callbacks(execute=True):
        order_import(account=amazon, order=order_dto("1", items=(("SKU-LAST", 3),)))

    assert scheduled == [((amazon.pk,), 0)]  # the inventory lock skips the debounce
    stock_push_account(account_id=amazon.pk)
    assert channel.quantities["SKU-LAST"] == 0


def test_unchanged_quantities_are_not_pushed_again(amazon, channel, scheduled):
    listed(amazon, "SKU-A", 5)
    stock_push_account(account_id=amazon.pk)
    ChannelListing.objects.update(push_pending=True)
    summary = stock_push_account(account_id=amazon.pk)
    assert (summary.pushed, summary.unchanged) == (0, 1)
    assert len(channel.calls) == 1


def test_failures_are_recorded_and_retried_with_backoff(amazon, channel, scheduled):
    listed(amazon, "SKU-A", 5)
    listed(amazon, "SKU-B", 5)
    channel.reject = {"SKU-B"}
    summary = stock_push_account(account_id=amazon.pk)

    assert (summary.pushed, summary.failed) == (1, 1)
    bad = ChannelListing.objects.get(channel_sku="SKU-B")
    assert bad.last_push_status == PushState.FAILED
    assert bad.last_push_message == "listing suppressed"
    assert bad.push_pending
    assert bad.push_attempts == 1
    assert bad.next_push_at > timezone.now() + timedelta(seconds=20)

    # Not due yet: nothing is sent.
    assert stock_push_account(account_id=amazon.pk).pushed == 0
    assert len(channel.calls) == 1
    # Due: sent again; a transport error counts as a failure of every listing of the call.
    ChannelListing.objects.filter(pk=bad.pk).update(next_push_at=timezone.now())
    channel.fail_with = ConnectorError("amazon: 503 Service Unavailable", status=503)
    stock_push_account(account_id=amazon.pk)
    bad.refresh_from_db()
    assert bad.push_attempts == 2
    assert bad.next_push_at > timezone.now() + timedelta(seconds=50)

    channel.fail_with, channel.reject = None, set()
    ChannelListing.objects.filter(pk=bad.pk).update(next_push_at=timezone.now())
    stock_push_account(account_id=amazon.pk)
    bad.refresh_from_db()
    assert (bad.last_push_status, bad.push_attempts, bad.push_pending) == (PushState.OK, 0, False)
    assert list(
        StockPush.objects.filter(listing=bad).order_by("pk").values_list("status", flat=True)
    ) == [PushState.FAILED, PushState.FAILED, PushState.OK]


def test_accounts_not_managed_are_never_pushed(merchant, channel, scheduled):
    account = ChannelAccountFactory(merchant=merchant, provider="flipkart", external_id="fk")
    listed(account, "SKU-A", 5)
    assert not ChannelListing.objects.filter(push_pending=True).exists()
    assert stock_push_account(account_id=account.pk).pushed == 0
    account_set_manages_stock(account=account, enabled=True)
    assert stock_push_account(account_id=account.pk).pushed == 1
    assert channel.quantities == {"SKU-A": 5}


# --- echo suppression (Shopify inventory_levels/update) ----------------------------------------
@pytest.fixture
def shop(merchant):
    account = ChannelAccountFactory(merchant=merchant, provider="shopify")
    account.manages_stock = True
    account.save()
    return account


def shopify_listed(shop, sku: str, on_hand: int):
    variant = listed(shop, sku, on_hand)
    ChannelListing.objects.filter(variant=variant).update(
        external_inventory_item_id=f"ii-{sku}", external_location_id="loc-1"
    )
    return variant


def webhook_level(sku: str, available: int, at):
    return InventoryLevelDTO(
        inventory_item_id=f"ii-{sku}", location_id="loc-1", available=available, updated_at=at
    )


def test_our_own_push_coming_back_is_ignored(shop, channel, scheduled, monkeypatch):
    checks = []
    monkeypatch.setattr(
        "inventory.tasks.channel_level_check_task.apply_async",
        lambda args, countdown=None: checks.append(args),
    )
    shopify_listed(shop, "SKU-A", 8)
    stock_push_account(account_id=shop.pk)
    movements = StockMovement.objects.count()

    inventory_levels_import(
        account=shop, levels=[webhook_level("SKU-A", 8, timezone.now())], source="webhook"
    )

    assert checks == []
    assert StockMovement.objects.count() == movements


def test_a_change_made_in_the_shopify_admin_is_taken_in_when_adoption_is_on(
    shop, channel, scheduled, django_capture_on_commit_callbacks, monkeypatch, settings
):
    settings.STOCK_ADOPT_CHANNEL_CHANGES = True
    checks = []
    monkeypatch.setattr(
        "inventory.tasks.channel_level_check_task.apply_async",
        lambda args, countdown=None: checks.append(args),
    )
    variant = shopify_listed(shop, "SKU-A", 8)
    stock_push_account(account_id=shop.pk)
    with django_capture_on_commit_callbacks(execute=True):
        inventory_levels_import(
            account=shop,
            levels=[webhook_level("SKU-A", 11, timezone.now() + timedelta(seconds=5))],
            source="webhook",
        )
    assert len(checks) == 1
    listing_id, available, baseline, baseline_at, observed_at = checks[0]

    from datetime import datetime

    outcome = channel_level_check(
        listing_id=listing_id,
        available=available,
        baseline_quantity=baseline,
        baseline_at=datetime.fromisoformat(baseline_at),
        observed_at=datetime.fromisoformat(observed_at),
    )

    assert outcome == "adjusted"
    taken = StockMovement.objects.get(source=MovementSource.CHANNEL)
    assert taken.on_hand_delta == 3
    assert variant.stock_levels.get().on_hand == 11


def test_a_shopify_order_explains_the_drop(shop, channel, scheduled):
    variant = shopify_listed(shop, "SKU-A", 8)
    stock_push_account(account_id=shop.pk)
    listing = ChannelListing.objects.get(variant=variant)
    order = order_dto("sh-1", items=(("SKU-A", 2),))
    from dataclasses import replace

    order_import(account=shop, order=replace(order, placed_at=timezone.now()))

    outcome = channel_level_check(
        listing_id=listing.pk,
        available=6,
        baseline_quantity=8,
        baseline_at=listing.last_pushed_at,
        observed_at=timezone.now(),
    )

    assert outcome == "explained"
    assert not StockMovement.objects.filter(source=MovementSource.CHANNEL).exists()
    assert variant.stock_levels.get().on_hand == 8


# --- drift --------------------------------------------------------------------------------------
def test_drift_is_found_recorded_and_corrected(amazon, channel, scheduled):
    listed(amazon, "SKU-A", 5)
    listed(amazon, "SKU-B", 7)
    stock_push_account(account_id=amazon.pk)
    channel.quantities["SKU-A"] = 9  # someone edited the listing in Seller Central
    del channel.quantities["SKU-B"]  # the listing vanished

    report = drift_check_account(account_id=amazon.pk)

    assert (report.checked, report.drifted, report.corrected) == (2, 2, 2)
    events = {e.sku: e for e in DriftEvent.objects.all()}
    assert (events["SKU-A"].expected, events["SKU-A"].found) == (5, 9)
    assert events["SKU-B"].found is None
    assert all(e.corrected for e in events.values())
    assert channel.quantities == {"SKU-A": 5, "SKU-B": 7}
    assert drift_check_account(account_id=amazon.pk).drifted == 0


def test_by_default_an_unexplained_change_is_overwritten_not_taken_in(shop, channel, scheduled):
    """Sangam stays the master: no phantom units from a misjudged burst of orders."""
    variant = shopify_listed(shop, "SKU-A", 8)
    stock_push_account(account_id=shop.pk)
    listing = ChannelListing.objects.get(variant=variant)

    outcome = channel_level_check(
        listing_id=listing.pk,
        available=11,
        baseline_quantity=8,
        baseline_at=listing.last_pushed_at,
        observed_at=timezone.now(),
    )

    assert outcome == "reasserted"
    assert not StockMovement.objects.filter(source=MovementSource.CHANNEL).exists()
    assert variant.stock_levels.get().on_hand == 8
    stock_push_account(account_id=shop.pk)
    assert channel.quantities["SKU-A"] == 8
