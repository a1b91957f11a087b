"""The stock push engine: coalescing, the inventory lock at zero, results and backoff, echo
suppression and the drift check. The channel here is an in-memory double of the connector
interface (the real connectors are tested against their sandboxes over HTTP elsewhere)."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from unittest import mock

import pytest
from django.utils import timezone

from channel_stock.services.drift import drift_check_account
from channel_stock.services.levels import (
    channel_level_check,
    channel_level_read,
    channel_level_settle,
)
from channel_stock.services.levels_import import inventory_levels_import
from channel_stock.services.push import account_set_manages_stock, stock_push_account
from integrations.dto import InventoryLevelDTO, OrderStatus, PushResult, PushStatus
from integrations.http import ConnectorError
from inventory.models import (
    ChannelListing,
    DriftEvent,
    MovementSource,
    PushState,
    StockMovement,
    StockPush,
)
from inventory.selectors import listing_states
from inventory.services import stock_adjust
from orders.models import Return
from orders.services import order_import
from tests.concurrency import open_transaction
from tests.factories import ChannelAccountFactory, MembershipFactory, VariantFactory, order_dto

pytestmark = pytest.mark.django_db


class FakeChannel:
    """Holds quantities by SKU like a channel would; records every push call."""

    push_run_max: int | None = None
    push_bulk_min: int | None = None
    push_outcome_poll_seconds = 30.0
    push_outcome_timeout_seconds = 1800.0

    def __init__(self):
        # Shopify reports each set's delta and quantity after it (InventoryChange); the
        # marketplaces report nothing of the kind.
        self.reports_delta = False
        self.quantities: dict[str, int] = {}
        self.calls: list[list] = []
        self.fail_with: Exception | None = None
        self.reject: set[str] = set()
        # Bulk mode (like an Amazon feed): a push of ``push_bulk_min`` or more is submitted and
        # applied only when ``processed`` holds its id and ``push_outcome`` is asked.
        self.submissions: dict[str, list] = {}
        self.processed: set[str] = set()
        self.outcome_calls: list[tuple[str, list[str]]] = []

    def push_inventory(self, levels):
        if self.fail_with:
            raise self.fail_with
        self.calls.append(list(levels))
        if self.push_bulk_min is not None and len(levels) >= self.push_bulk_min:
            submission_id = f"FEED-{len(self.submissions) + 1}"
            self.submissions[submission_id] = list(levels)
            return [
                PushResult(
                    level.sku,
                    PushStatus.SUBMITTED,
                    f"{submission_id} submitted",
                    submission_id=submission_id,
                )
                for level in levels
            ]
        results = []
        for level in levels:
            if level.sku in self.reject:
                results.append(PushResult(level.sku, PushStatus.FAILURE, "listing suppressed"))
                continue
            before = self.quantities.get(level.sku, 0)
            self.quantities[level.sku] = level.quantity
            # Like Shopify's InventoryChange: what the set changed and what it left.
            results.append(
                PushResult(
                    level.sku,
                    PushStatus.SUCCESS,
                    delta=level.quantity - before if self.reports_delta else None,
                    quantity_after=level.quantity if self.reports_delta else None,
                )
            )
        return results

    def push_outcome(self, submission_id, skus):
        self.outcome_calls.append((submission_id, list(skus)))
        if submission_id not in self.processed:
            return None
        by_sku = {level.sku: level for level in self.submissions[submission_id]}
        results = []
        for sku in skus:
            if sku in self.reject:
                results.append(PushResult(sku, PushStatus.FAILURE, "feed error 8541"))
                continue
            self.quantities[sku] = by_sku[sku].quantity
            results.append(PushResult(sku, PushStatus.SUCCESS, submission_id=submission_id))
        return results

    def read_inventory(self, levels):
        return {level.sku: self.quantities.get(level.sku) for level in levels}


# The modules that build an account's connector (``build_connector``) for the stock work.
CONNECTOR_USERS = (
    "integrations.services.accounts",
    "channel_stock.services.push",
    "channel_stock.services.levels",
    "channel_stock.services.drift",
    "channel_stock.services.listings",
)


@pytest.fixture
def channel(monkeypatch):
    fake = FakeChannel()
    for module in CONNECTOR_USERS:
        monkeypatch.setattr(f"{module}.build_connector", lambda account, **kw: fake)
    return fake


@pytest.fixture(autouse=True)
def polls(monkeypatch):
    """The returns poll a rise waits for, done at once: a succeeded ``returns`` run per call
    (what ``sync_account`` records), its account ids listed."""
    from integrations.models import ChannelAccount, SyncRun, SyncStatus

    calls: list[int] = []

    def sync_account(*, account_id, streams):
        assert list(streams) == ["returns"]
        calls.append(account_id)
        account = ChannelAccount.objects.get(pk=account_id)
        return [
            SyncRun.objects.create(
                account=account,
                stream="returns",
                status=SyncStatus.SUCCEEDED,
                started_at=timezone.now(),
                finished_at=timezone.now(),
            )
        ]

    monkeypatch.setattr("integrations.services.sync.sync_account", sync_account)
    return calls


def settle_rise(listing: ChannelListing, available: int, polls: list[int]) -> str:
    """Judge a reading that shows a rise: held back until the refunds are polled, then
    judged."""
    assert settle(listing, available) == "checking"
    from channel_stock.services.levels import channel_level_refunds_check

    with mock.patch("channel_stock.services.levels.channel_level_read"):
        channel_level_refunds_check(listing_id=listing.pk)
    assert polls[-1] == listing.account_id
    return settle(listing, available)


@pytest.fixture
def scheduled(monkeypatch):
    """Record push tasks instead of running them (the eager test setup would run each at once
    and there would be nothing to coalesce)."""
    calls: list[tuple] = []

    def apply_async(args, countdown=None, **kwargs):
        calls.append((args, countdown))

    monkeypatch.setattr("channel_stock.tasks.push_stock_task.apply_async", apply_async)
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


@pytest.mark.django_db(transaction=True)
def test_a_change_committing_while_a_run_claims_its_listing_is_not_lost(amazon, channel, scheduled):
    """SKU-A is already waiting for the push when an order reserves a unit; before that order's
    transaction commits, a push run claims the account's pending listings. The run must leave
    SKU-A (still locked by the order) for the next run: pushing the quantity from before the
    order and clearing the flag would leave Amazon one unit high until some later change."""
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("row locks (SELECT … FOR UPDATE SKIP LOCKED) need PostgreSQL; CI runs it")
    variant = listed(amazon, "SKU-A", 10)
    assert ChannelListing.objects.get(variant=variant).push_pending

    def order_reserves_a_unit() -> None:
        stock_adjust(merchant=amazon.merchant, variant_id=variant.pk, delta=-1)

    with open_transaction(order_reserves_a_unit):
        summary = stock_push_account(account_id=amazon.pk)
    assert (summary.pushed, channel.calls) == (0, [])
    assert ChannelListing.objects.get(variant=variant).push_pending

    stock_push_account(account_id=amazon.pk)
    assert channel.quantities == {"SKU-A": 9}


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


@pytest.fixture
def reads(monkeypatch):
    """Record the ledger reads webhooks queue instead of running them."""
    calls: list[tuple] = []
    monkeypatch.setattr(
        "channel_stock.services.levels.schedule_level_read",
        lambda listing_id, **kw: calls.append((listing_id, kw)),
    )
    return calls


@pytest.fixture
def checks(monkeypatch):
    """Record the webhook triage tasks instead of running them."""
    calls: list[tuple] = []
    monkeypatch.setattr(
        "channel_stock.tasks.channel_level_check_task.apply_async",
        lambda args, countdown=None, **kw: calls.append(args),
    )
    return calls


def pushed_to_shopify(shop, channel, sku: str, on_hand: int, *, ago: int = 60) -> ChannelListing:
    """A Shopify listing after its first push, its ledger baseline (taken from the set) moved
    ``ago`` seconds back so that orders placed since are clear of it."""
    channel.reports_delta = True
    variant = shopify_listed(shop, sku, on_hand)
    stock_push_account(account_id=shop.pk)
    listing = ChannelListing.objects.get(variant=variant)
    assert (listing.channel_base_quantity, listing.channel_set_delta) == (on_hand, 0)
    ChannelListing.objects.filter(pk=listing.pk).update(
        channel_base_at=timezone.now() - timedelta(seconds=ago)
    )
    listing.refresh_from_db()
    return listing


def settle(listing: ChannelListing, available: int, *, at=None, attempt: int = 0) -> str:
    """Judge a reading of ``available`` taken ``at`` (now) against the listing's ledger."""
    listing.refresh_from_db()
    return channel_level_settle(
        listing_id=listing.pk,
        available=available,
        read_at=at or timezone.now(),
        base_at=listing.channel_base_at,
        set_delta=listing.channel_set_delta,
        attempt=attempt,
    )


def shopify_order(shop, external_id: str, sku: str, units: int, placed_at, **changes) -> None:
    order = order_dto(external_id, items=((sku, units),), updated_at=placed_at)
    order_import(account=shop, order=replace(order, placed_at=placed_at, **changes))


def restocking_refund(sku: str, units: int, *, ago: int):
    """The Return a Shopify refund with ``restock_type: return`` of ``units`` × ``sku``, made
    ``ago`` seconds back, gives (Shopify's own sample, one line)."""
    from integrations.connectors.shopify.returns import returns_from_refund
    from tests.integrations.test_shopify_returns import sample_refund

    body = sample_refund()
    body["refund_line_items"] = body["refund_line_items"][:1]
    body["refund_line_items"][0].update(restock_type="return", quantity=units)
    body["refund_line_items"][0]["line_item"]["sku"] = sku
    at = timezone.now() - timedelta(seconds=ago)
    body["created_at"] = at.isoformat()
    (dto,) = returns_from_refund(body)
    return dto


def channel_movements() -> list[int]:
    return list(
        StockMovement.objects.filter(source=MovementSource.CHANNEL)
        .order_by("pk")
        .values_list("on_hand_delta", flat=True)
    )


def test_our_own_push_coming_back_is_ignored(
    shop, channel, scheduled, checks, django_capture_on_commit_callbacks
):
    shopify_listed(shop, "SKU-A", 8)
    stock_push_account(account_id=shop.pk)
    movements = StockMovement.objects.count()

    with django_capture_on_commit_callbacks(execute=True):
        inventory_levels_import(
            account=shop, levels=[webhook_level("SKU-A", 8, timezone.now())], source="webhook"
        )
        assert checks == []
        inventory_levels_import(
            account=shop, levels=[webhook_level("SKU-A", 9, timezone.now())], source="webhook"
        )

    assert [args[:3] for args in checks] == [(ChannelListing.objects.get().pk, 9, 8)]
    assert StockMovement.objects.count() == movements


def test_a_level_its_own_orders_account_for_is_not_read_back(shop, channel, scheduled, reads):
    """Triage: Shopify's drop by units of its own orders since our push costs no read."""
    listing = pushed_to_shopify(shop, channel, "SKU-A", 8)
    pushed_at = listing.last_pushed_at
    shopify_order(shop, "sh-1", "SKU-A", 2, pushed_at + timedelta(seconds=3))
    observed = pushed_at + timedelta(seconds=4)

    def check(available):
        return channel_level_check(
            listing_id=listing.pk,
            available=available,
            pushed_quantity=8,
            pushed_at=pushed_at,
            observed_at=observed,
        )

    assert check(6) == "explained"
    assert check(7) == "explained"  # the order may be one of two webhooks' worth
    assert reads == []
    assert check(5) == "read"  # more than its orders sold
    assert check(9) == "read"  # up, with nothing restocked
    assert [pk for pk, _ in reads] == [listing.pk, listing.pk]


def test_a_level_newer_than_our_push_becomes_the_compare_quantity(shop, channel, scheduled, reads):
    """Shopify's own order lowers ``available``; the webhook saying so (newer than our push)
    makes that value the compare quantity of the next ``inventorySetQuantities``, so the push
    does not hit ``COMPARE_QUANTITY_STALE``; a level older than our push changes nothing."""
    shopify_listed(shop, "SKU-A", 8)
    stock_push_account(account_id=shop.pk)
    listing = ChannelListing.objects.get()

    inventory_levels_import(
        account=shop,
        levels=[webhook_level("SKU-A", 3, listing.last_pushed_at - timedelta(seconds=30))],
        source="webhook",
    )
    listing.refresh_from_db()
    assert listing.channel_quantity == 8
    inventory_levels_import(
        account=shop,
        levels=[webhook_level("SKU-A", 7, listing.last_pushed_at + timedelta(seconds=1))],
        source="webhook",
    )
    listing.refresh_from_db()
    assert (listing.channel_quantity, listing.last_pushed_quantity) == (7, 8)

    order_import(account=shop, order=order_dto("sh-9", items=(("SKU-A", 1),)))
    stock_push_account(account_id=shop.pk)
    assert channel.calls[-1][0].compare_quantity == 7
    assert channel.quantities["SKU-A"] == 7


def test_the_ledger_follows_our_sets(shop, channel, scheduled):
    """The first set is the baseline (Shopify's ``quantityAfterChange``); later sets add the
    delta Shopify reported for them."""
    channel.reports_delta = True
    variant = shopify_listed(shop, "SKU-A", 8)
    stock_push_account(account_id=shop.pk)
    stock_adjust(merchant=shop.merchant, variant_id=variant.pk, delta=-3)
    stock_push_account(account_id=shop.pk)
    stock_adjust(merchant=shop.merchant, variant_id=variant.pk, delta=+1)
    stock_push_account(account_id=shop.pk)

    listing = ChannelListing.objects.get()
    assert (listing.channel_base_quantity, listing.channel_set_delta) == (8, -2)
    assert channel.quantities["SKU-A"] == 6


def test_a_change_made_in_the_shopify_admin_is_read_back_and_taken_in(
    shop, channel, scheduled, django_capture_on_commit_callbacks
):
    """Webhook → read under the push lock → judged: +3 units nobody sold or restocked."""
    listing = pushed_to_shopify(shop, channel, "SKU-A", 8)
    channel.quantities["SKU-A"] = 11  # a person in the Shopify admin
    with django_capture_on_commit_callbacks(execute=True):
        inventory_levels_import(
            account=shop,
            levels=[webhook_level("SKU-A", 11, timezone.now())],
            source="webhook",
        )

    assert channel_movements() == [3]
    assert listing.variant.stock_levels.get().on_hand == 11
    listing.refresh_from_db()
    assert listing.channel_foreign_units == 3
    assert settle(listing, 11) == "explained"  # taken in once


def test_shopify_orders_explain_the_drop_and_their_cancellation_the_rise(shop, channel, scheduled):
    listing = pushed_to_shopify(shop, channel, "SKU-A", 8)
    now = timezone.now()
    shopify_order(shop, "sh-1", "SKU-A", 2, now - timedelta(seconds=40))
    shopify_order(shop, "sh-2", "SKU-A", 1, now - timedelta(seconds=30))

    assert settle(listing, 5) == "explained"

    shopify_order(
        shop,
        "sh-2",
        "SKU-A",
        1,
        now - timedelta(seconds=30),
        status=OrderStatus.CANCELLED,
        cancelled_at=now - timedelta(seconds=20),
        updated_at=now - timedelta(seconds=20),
    )
    assert settle(listing, 6) == "explained"  # Shopify restocked the cancelled unit
    assert channel_movements() == []
    assert listing.variant.stock_levels.get().on_hand == 8


def test_a_burst_of_orders_at_the_reading_is_not_judged(
    shop, channel, scheduled, reads, django_capture_on_commit_callbacks
):
    """An order in the same second as the reading may or may not be in it: no phantom units,
    the listing is read again later."""
    listing = pushed_to_shopify(shop, channel, "SKU-A", 8)
    now = timezone.now()
    shopify_order(shop, "sh-1", "SKU-A", 1, now)

    with django_capture_on_commit_callbacks(execute=True):
        # Shopify had not counted the order yet when it was read (8), or had (7): either way.
        assert settle(listing, 8, at=now) == "ambiguous"
        assert settle(listing, 7, at=now) == "ambiguous"

    assert channel_movements() == []
    assert [kw["attempt"] for _, kw in reads] == [1, 1]
    assert settle(listing, 7, at=now + timedelta(seconds=10)) == "explained"


def test_a_baseline_with_an_order_beside_it_is_dropped(shop, channel, scheduled):
    listing = pushed_to_shopify(shop, channel, "SKU-A", 8)
    shopify_order(shop, "sh-1", "SKU-A", 1, listing.channel_base_at + timedelta(seconds=1))

    assert settle(listing, 20) == "rebased"

    listing.refresh_from_db()
    assert listing.channel_base_at is None
    assert channel_movements() == []
    # The next set takes a new baseline.
    stock_adjust(merchant=shop.merchant, variant_id=listing.variant_id, delta=+2)
    stock_push_account(account_id=shop.pk)
    listing.refresh_from_db()
    assert listing.channel_base_quantity == 9


def test_an_order_imported_late_is_corrected_at_the_next_reading(shop, channel, scheduled, polls):
    """The reading came before the order's webhook: the drop looked foreign and was taken in;
    once the order is imported, the next reading gives the units back (the ledger runs from
    the baseline, so nothing is lost for good)."""
    listing = pushed_to_shopify(shop, channel, "SKU-A", 8)
    placed_at = timezone.now() - timedelta(seconds=30)

    assert settle(listing, 6) == "adjusted"
    assert channel_movements() == [-2]

    shopify_order(shop, "sh-late", "SKU-A", 2, placed_at)
    assert settle_rise(listing, 6, polls) == "adjusted"

    assert channel_movements() == [-2, 2]
    level = listing.variant.stock_levels.get()
    assert (level.on_hand, level.reserved) == (8, 2)


def test_a_change_after_our_own_corrections_is_still_found(shop, channel, scheduled, polls):
    listing = pushed_to_shopify(shop, channel, "SKU-A", 8)
    stock_adjust(merchant=shop.merchant, variant_id=listing.variant_id, delta=-3)
    stock_push_account(account_id=shop.pk)
    assert channel.quantities["SKU-A"] == 5

    assert settle_rise(listing, 6, polls) == "adjusted"  # admin +1 on top of our set of -3

    assert channel_movements() == [1]


def test_units_shopify_restocked_by_a_refund_are_not_taken_in_twice(shop, channel, scheduled):
    """A refund with ``restock_type: return`` raises Shopify's available by itself; those units
    enter the pool only at the QC receipt, so the ledger counts them as Shopify's own flow."""
    from returns.services import returns_import

    listing = pushed_to_shopify(shop, channel, "SKU-A", 8)
    refund = restocking_refund("SKU-A", 2, ago=30)
    returns_import(account=shop, returns=[refund])

    assert settle(listing, 10) == "explained"
    assert channel_movements() == []
    assert listing.variant.stock_levels.get().on_hand == 8


def test_a_shopify_returns_restock_is_timed_by_its_refund_not_by_the_request(
    shop, channel, scheduled
):
    """A Shopify return requested days ago and refunded with restock 30 s ago: the restock is
    Shopify's own flow of the window it happened in, not of the day the return was asked
    for."""
    from integrations.connectors.shopify.returns import returns_from_graphql_order
    from returns.services import returns_import
    from tests.integrations.test_shopify_returns_poll import graphql_order, linked_refund

    listing = pushed_to_shopify(shop, channel, "SKU-A", 8)
    requested = timezone.now() - timedelta(days=3)
    refunded = timezone.now() - timedelta(seconds=30)
    body = linked_refund("return")
    body["refund_line_items"] = body["refund_line_items"][:1]
    body["refund_line_items"][0]["quantity"] = 2
    body["refund_line_items"][0]["line_item"]["sku"] = "SKU-A"
    body["created_at"] = refunded.isoformat()
    order = graphql_order(body)
    was_requested = {
        **order,
        "updatedAt": requested.isoformat(),
        "returnStatus": "RETURN_REQUESTED",
        "refunds": [],
    }
    was_requested["returns"] = [{**order["returns"][0], "status": "REQUESTED"}]
    returns_import(account=shop, returns=returns_from_graphql_order(was_requested))
    returns_import(account=shop, returns=returns_from_graphql_order(order))
    ret = Return.objects.get()
    assert (ret.status, ret.requested_at) == ("refunded", requested)

    assert settle(listing, 10) == "explained"
    assert channel_movements() == []
    assert listing.variant.stock_levels.get().on_hand == 8


def remove_units(shop, order_id: str, sku: str, units: int, at, *, restocked=True, refund="r1"):
    """What a Shopify refund of unshipped units records: one ``OrderLineRemoval``."""
    from integrations.dto import OrderLineRemovalDTO
    from returns.services import returns_import

    returns_import(
        account=shop,
        returns=[
            OrderLineRemovalDTO(
                external_id=f"refund:{refund}:{order_id}-0",
                order_external_id=order_id,
                order_item_external_id=f"{order_id}-0",
                sku=sku,
                quantity=units,
                restocked=restocked,
                removed_at=at,
            )
        ],
    )


def placed_three(shop, now):
    """Shopify order ``sh-1`` of 3 × SKU-A placed 40 s before ``now``, imported."""
    placed = now - timedelta(seconds=40)
    order = replace(order_dto("sh-1", items=(("SKU-A", 3),), updated_at=placed), placed_at=placed)
    order_import(account=shop, order=order)
    return order


def with_current(order, units: int):
    """``order`` with its only line's current quantity set to ``units``."""
    (line,) = order.items
    return replace(order, items=(replace(line, current_quantity=units),))


def test_a_partial_cancellation_that_restocks_is_shopifys_own_flow(shop, channel, scheduled):
    """3 units sold, 2 of them refunded before shipping with ``restock_type: cancel`` (Shopify
    puts them back), then the order cancelled (Shopify restocks the last unit; the cancel's own
    refund line is the same unit): every reading is explained, the reservation follows the
    order's current quantity, and nothing is taken in."""
    listing = pushed_to_shopify(shop, channel, "SKU-A", 8)
    now = timezone.now()
    order = placed_three(shop, now)
    level = listing.variant.stock_levels.get
    assert (level().reserved, settle(listing, 5)) == (3, "explained")

    removed = now - timedelta(seconds=30)
    remove_units(shop, "sh-1", "SKU-A", 2, removed)
    order_import(account=shop, order=replace(with_current(order, 1), updated_at=removed))
    assert level().reserved == 1
    assert settle(listing, 7) == "explained"

    cancelled = now - timedelta(seconds=20)
    remove_units(shop, "sh-1", "SKU-A", 1, cancelled, refund="r2")  # the cancel's own refund
    order_import(
        account=shop,
        order=replace(
            with_current(order, 0),
            status=OrderStatus.CANCELLED,
            cancelled_at=cancelled,
            updated_at=cancelled,
        ),
    )
    assert level().reserved == 0
    assert settle(listing, 8) == "explained"
    assert channel_movements() == []
    assert level().on_hand == 8


def test_a_removal_without_restock_leaves_shopifys_available_alone(shop, channel, scheduled, polls):
    """2 unshipped units refunded with ``no_restock``: Shopify's available stays, so a reading
    that rose by 2 is a change made outside Sangam (taken in), while Sangam releases the 2."""
    listing = pushed_to_shopify(shop, channel, "SKU-A", 8)
    now = timezone.now()
    order = placed_three(shop, now)
    removed = now - timedelta(seconds=30)
    remove_units(shop, "sh-1", "SKU-A", 2, removed, restocked=False)
    order_import(account=shop, order=replace(with_current(order, 1), updated_at=removed))

    assert listing.variant.stock_levels.get().reserved == 1
    assert settle(listing, 5) == "explained"
    assert settle_rise(listing, 7, polls) == "adjusted"
    assert channel_movements() == [2]


def test_an_order_edit_that_removed_units_is_not_judged(shop, channel, scheduled):
    """An edit takes 2 units off an open order (no refund record; whether Shopify restocked
    them is unknown): Sangam releases them, and a reading that rose by 2 is not booked as a
    change outside Sangam; the baseline is taken again. A later admin change is found."""
    listing = pushed_to_shopify(shop, channel, "SKU-A", 8)
    now = timezone.now()
    order = placed_three(shop, now)
    edited = now - timedelta(seconds=30)
    order_import(account=shop, order=replace(with_current(order, 1), updated_at=edited))
    assert listing.variant.stock_levels.get().reserved == 1

    assert settle(listing, 7) == "rebased"
    assert channel_movements() == []
    listing.refresh_from_db()
    assert listing.channel_base_at is None


def test_an_order_at_a_store_that_stocks_the_item_at_two_locations_is_not_judged(
    shop, channel, scheduled, polls
):
    """The store also stocks SKU-A at a second location, and Shopify allocated the order there:
    the listing's location still reads 8. Counting the order at the listing's location would
    book 2 phantom units; the window is not judged and the baseline is taken again. A later
    change without orders is exact at any location and is taken in."""
    listing = pushed_to_shopify(shop, channel, "SKU-A", 8)
    inventory_levels_import(
        account=shop,
        levels=[
            InventoryLevelDTO(
                inventory_item_id="ii-SKU-A",
                location_id="loc-2",
                available=5,
                updated_at=timezone.now() - timedelta(seconds=50),
            )
        ],
        source="webhook",
    )
    shopify_order(shop, "sh-1", "SKU-A", 2, timezone.now() - timedelta(seconds=30))

    assert settle(listing, 8) == "rebased"
    assert channel_movements() == []
    listing.refresh_from_db()
    assert listing.channel_base_at is None

    # The next set takes a new baseline; a change made in the admin after it is taken in.
    stock_adjust(merchant=shop.merchant, variant_id=listing.variant_id, delta=+1)
    stock_push_account(account_id=shop.pk)
    listing.refresh_from_db()
    assert listing.channel_base_quantity == 2  # 8 on hand + 1 − 2 reserved − 5 at loc-2
    assert settle(listing, 0) == "adjusted"
    assert channel_movements() == [-2]


def level_at(sku: str, location: str, available: int, *, ago: int = 0) -> InventoryLevelDTO:
    return InventoryLevelDTO(
        inventory_item_id=f"ii-{sku}",
        location_id=location,
        available=available,
        updated_at=timezone.now() - timedelta(seconds=ago),
    )


def test_a_store_with_two_locations_offers_the_pool_once(
    shop, channel, scheduled, django_capture_on_commit_callbacks
):
    """The pool holds 8 of SKU-A, taken from both locations; loc-2 offers 3 of them. The push
    location gets 8 − 3, so the store as a whole offers 8, not 11. When loc-2's quantity moves
    (a transfer, a sale allocated there) the push location follows; what loc-2 oversold
    (negative) offers nothing and is not added back."""
    variant = shopify_listed(shop, "SKU-A", 8)
    listing = ChannelListing.objects.get(variant=variant)
    with django_capture_on_commit_callbacks(execute=True):
        inventory_levels_import(account=shop, levels=[level_at("SKU-A", "loc-2", 3)])
    listing.refresh_from_db()
    assert (listing.held_elsewhere, listing.push_pending) == (3, True)
    assert scheduled  # the change was scheduled for the push
    (state,) = listing_states(merchant=shop.merchant, listing_ids=[listing.pk])
    assert state.available_to_sell == 5

    stock_push_account(account_id=shop.pk)
    assert channel.quantities["SKU-A"] == 5

    inventory_levels_import(account=shop, levels=[level_at("SKU-A", "loc-2", 1)], source="webhook")
    stock_push_account(account_id=shop.pk)
    assert channel.quantities["SKU-A"] == 7

    inventory_levels_import(account=shop, levels=[level_at("SKU-A", "loc-2", -2)], source="webhook")
    stock_push_account(account_id=shop.pk)
    assert channel.quantities["SKU-A"] == 8
    listing.refresh_from_db()
    assert listing.held_elsewhere == 0

    # A level at the push location itself is not "elsewhere"; an unchanged figure marks nothing.
    ChannelListing.objects.filter(pk=listing.pk).update(push_pending=False)
    inventory_levels_import(account=shop, levels=[level_at("SKU-A", "loc-1", 8)])
    inventory_levels_import(account=shop, levels=[level_at("SKU-A", "loc-2", -1)])
    listing.refresh_from_db()
    assert (listing.held_elsewhere, listing.push_pending) == (0, False)


def test_the_same_order_at_a_one_location_store_is_judged(shop, channel, scheduled, polls):
    listing = pushed_to_shopify(shop, channel, "SKU-A", 8)
    shopify_order(shop, "sh-1", "SKU-A", 2, timezone.now() - timedelta(seconds=30))

    assert settle(listing, 6) == "explained"
    assert settle(listing, 5) == "adjusted"
    assert channel_movements() == [-1]


def test_a_restock_whose_refund_webhook_was_lost_waits_for_the_refund_poll(
    shop, channel, scheduled, monkeypatch
):
    """Shopify restocked 2 units by a refund whose ``refunds/create`` never came: the rise is
    not taken in at once; the account's refunds are polled first, the poll brings the refund,
    and the next reading is explained: nothing is counted twice (the return restocks at QC)."""
    from integrations.models import SyncRun, SyncStatus
    from returns.services import returns_import

    listing = pushed_to_shopify(shop, channel, "SKU-A", 8)
    refund = restocking_refund("SKU-A", 2, ago=30)

    def poll(*, account_id, streams):
        returns_import(account=shop, returns=[refund])
        SyncRun.objects.create(
            account=shop, stream="returns", status=SyncStatus.SUCCEEDED, started_at=timezone.now()
        )

    monkeypatch.setattr("integrations.services.sync.sync_account", poll)
    read_again: list[int] = []
    monkeypatch.setattr(
        "channel_stock.services.levels.channel_level_read",
        lambda *, listing_id, attempt: read_again.append(listing_id) or "read",
    )

    assert settle(listing, 10) == "checking"
    assert channel_movements() == []
    from channel_stock.services.levels import channel_level_refunds_check

    assert channel_level_refunds_check(listing_id=listing.pk) == "read"
    assert read_again == [listing.pk]
    assert settle(listing, 10) == "explained"
    assert channel_movements() == []
    assert listing.variant.stock_levels.get().on_hand == 8


def test_with_adoption_off_the_change_is_overwritten_once(shop, channel, scheduled, settings):
    """Sangam as the only master: the foreign change is pushed over, and the ledger remembers
    it was dealt with, so the overwrite itself is not judged again."""
    settings.STOCK_ADOPT_CHANNEL_CHANGES = False
    listing = pushed_to_shopify(shop, channel, "SKU-A", 8)
    channel.quantities["SKU-A"] = 11

    assert settle(listing, 11) == "reasserted"
    stock_push_account(account_id=shop.pk)

    assert channel.quantities["SKU-A"] == 8
    assert channel_movements() == []
    assert settle(listing, 8) == "explained"


def test_a_listing_without_a_baseline_takes_its_reading_as_one(
    shop, channel, scheduled, django_capture_on_commit_callbacks
):
    listing = pushed_to_shopify(shop, channel, "SKU-A", 8)
    ChannelListing.objects.filter(pk=listing.pk).update(
        channel_base_quantity=None, channel_base_at=None
    )
    channel.quantities["SKU-A"] = 9

    with django_capture_on_commit_callbacks(execute=True):
        assert channel_level_read(listing_id=listing.pk) == "baseline"

    listing.refresh_from_db()
    assert (listing.channel_base_quantity, listing.channel_set_delta) == (9, 0)
    assert channel_movements() == []


def test_a_change_whose_webhook_was_missed_is_taken_in_by_the_drift_check(
    shop, channel, scheduled, django_capture_on_commit_callbacks
):
    listing = pushed_to_shopify(shop, channel, "SKU-A", 8)
    channel.quantities["SKU-A"] = 11  # changed in the Shopify admin; no webhook came

    with django_capture_on_commit_callbacks(execute=True):
        report = drift_check_account(account_id=shop.pk)

    assert (report.drifted, report.corrected) == (1, 1)
    assert channel_movements() == [3]
    assert listing.variant.stock_levels.get().on_hand == 11


def test_a_change_our_push_covered_is_still_found_by_the_nightly_check(
    shop, channel, scheduled, django_capture_on_commit_callbacks
):
    """An admin −1 (its webhook triaged as a possible sale, or lost), then our next set
    overwrites Shopify: no drift is left to see, but the ledger still holds the −1."""
    listing = pushed_to_shopify(shop, channel, "SKU-A", 8)
    channel.quantities["SKU-A"] = 7
    stock_adjust(merchant=shop.merchant, variant_id=listing.variant_id, delta=-2)
    stock_push_account(account_id=shop.pk)
    assert channel.quantities["SKU-A"] == 6

    with django_capture_on_commit_callbacks(execute=True):
        report = drift_check_account(account_id=shop.pk)

    assert report.drifted == 0
    assert channel_movements() == [-1]
    assert listing.variant.stock_levels.get().on_hand == 5


def test_a_reading_waits_for_a_push_in_flight(shop, channel, scheduled, reads):
    from channel_stock.services.push import push_lock_acquire, push_lock_release

    listing = pushed_to_shopify(shop, channel, "SKU-A", 8)
    token = push_lock_acquire(shop.pk)
    try:
        assert channel_level_read(listing_id=listing.pk) == "busy"
    finally:
        push_lock_release(shop.pk, token)
    assert reads == [(listing.pk, {"attempt": 1, "countdown": 1.0})]


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


def test_a_bulk_drift_correction_is_confirmed_when_its_feed_is_processed(
    amazon, channel, scheduled, monkeypatch
):
    from channel_stock.services.push import push_outcome_check

    monkeypatch.setattr(
        "channel_stock.tasks.push_outcome_task.apply_async", lambda args, countdown=None, **kw: None
    )
    listed(amazon, "SKU-A", 5)
    listed(amazon, "SKU-B", 7)
    stock_push_account(account_id=amazon.pk)
    channel.quantities.update({"SKU-A": 1, "SKU-B": 2})
    channel.push_bulk_min = 2  # two corrections make a bulk push (a feed)

    report = drift_check_account(account_id=amazon.pk)

    assert (report.drifted, report.corrected) == (2, 0)
    assert all("FEED-1" in e.message for e in DriftEvent.objects.all())
    channel.processed.add("FEED-1")
    push_outcome_check(account_id=amazon.pk, submission_id="FEED-1")
    assert list(DriftEvent.objects.values_list("corrected", flat=True)) == [True, True]
    assert channel.quantities == {"SKU-A": 5, "SKU-B": 7}


def test_a_rate_limited_channel_gets_zeros_first_then_the_longest_waiting(
    amazon, channel, scheduled
):
    """``push_run_max`` paces a channel whose calls are rate limited (Amazon's 5 rps
    patchListingsItem): a run sends at most that many; listings at 0 go first, then the ones
    pushed longest ago; the rest stay pending and the next run is scheduled at once."""
    channel.push_run_max = 3
    variants = [listed(amazon, f"SKU-{n}", 10) for n in range(6)]
    now = timezone.now()
    for n, variant in enumerate(variants):  # SKU-0 pushed most recently … SKU-5 longest ago
        ChannelListing.objects.filter(variant=variant).update(
            last_pushed_at=now - timedelta(minutes=n), last_push_status=PushState.OK
        )
    stock_adjust(merchant=amazon.merchant, variant_id=variants[1].pk, on_hand=0)

    first = stock_push_account(account_id=amazon.pk)

    assert first.pushed == 3
    assert [level.sku for level in channel.calls[0]] == ["SKU-1", "SKU-5", "SKU-4"]
    assert channel.quantities["SKU-1"] == 0
    assert ChannelListing.objects.filter(push_pending=True).count() == 3
    assert scheduled, "the rest is scheduled"
    stock_push_account(account_id=amazon.pk)
    assert sorted(level.sku for level in channel.calls[1]) == ["SKU-0", "SKU-2", "SKU-3"]
    assert not ChannelListing.objects.filter(push_pending=True).exists()


def test_a_bulk_push_is_submitted_and_its_outcome_recorded_later(
    amazon, channel, scheduled, monkeypatch, django_capture_on_commit_callbacks
):
    """From ``push_bulk_min`` due listings one run sends them all as one submission (an
    Amazon feed) without waiting; the listings wait for its outcome — a change meanwhile is not
    pushed over it — and ``push_outcome_check`` records what the channel did."""
    from channel_stock.services.push import push_outcome_check

    checks: list[tuple] = []
    monkeypatch.setattr(
        "channel_stock.tasks.push_outcome_task.apply_async",
        lambda args, countdown=None, **kw: checks.append((args, countdown)),
    )
    channel.push_run_max, channel.push_bulk_min = 2, 4
    channel.reject = {"SKU-3"}
    for n in range(5):
        listed(amazon, f"SKU-{n}", 10)
    with django_capture_on_commit_callbacks(execute=True):
        run = stock_push_account(account_id=amazon.pk)

    assert (run.submitted, run.pushed, len(channel.calls[0])) == (5, 0, 5)
    assert checks == [((amazon.pk, "FEED-1"), 30.0)]
    waiting = ChannelListing.objects.get(channel_sku="SKU-0")
    assert (waiting.last_push_status, waiting.push_submission_id) == (PushState.SUBMITTED, "FEED-1")
    assert waiting.last_pushed_quantity is None
    assert channel.quantities == {}

    # A sale while the feed is processed: marked, but not pushed over the feed.
    stock_adjust(merchant=amazon.merchant, variant_id=waiting.variant_id, delta=-1)
    assert stock_push_account(account_id=amazon.pk).pushed == 0
    assert len(channel.calls) == 1

    # Still processing: asked again one poll later.
    checks.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert push_outcome_check(account_id=amazon.pk, submission_id="FEED-1").waiting
    assert checks == [((amazon.pk, "FEED-1"), 30.0)]
    assert channel.outcome_calls[0][1] == [f"SKU-{n}" for n in range(5)]

    channel.processed.add("FEED-1")
    outcome = push_outcome_check(account_id=amazon.pk, submission_id="FEED-1")
    assert (outcome.pushed, outcome.failed) == (4, 1)
    waiting.refresh_from_db()
    assert (waiting.last_push_status, waiting.last_pushed_quantity) == (PushState.OK, 10)
    assert waiting.push_submission_id == ""
    assert waiting.push_pending
    failed = ChannelListing.objects.get(channel_sku="SKU-3")
    assert (failed.last_push_status, failed.push_pending) == (PushState.FAILED, True)
    assert failed.last_push_message == "feed error 8541"
    # Asking twice changes nothing.
    assert push_outcome_check(account_id=amazon.pk, submission_id="FEED-1").pushed == 0

    # The sale now goes by itself (fewer than push_bulk_min due: a normal push).
    assert stock_push_account(account_id=amazon.pk).pushed == 1
    assert channel.quantities["SKU-0"] == 9


def test_a_submission_never_processed_fails_after_the_timeout(amazon, channel, scheduled):
    from channel_stock.services.push import push_outcome_check

    channel.push_bulk_min = 1
    channel.push_outcome_timeout_seconds = 0
    listed(amazon, "SKU-A", 4)
    stock_push_account(account_id=amazon.pk)
    outcome = push_outcome_check(account_id=amazon.pk, submission_id="FEED-1")
    listing = ChannelListing.objects.get()
    assert (outcome.waiting, outcome.failed) == (False, 1)
    assert listing.last_push_status == PushState.FAILED
    assert listing.push_pending
    assert "not processed after" in listing.last_push_message


def test_the_sweep_resumes_an_outcome_check_that_was_lost(amazon, channel, scheduled, monkeypatch):
    from django.core.cache import cache

    from channel_stock.services.push import push_due_accounts

    checks: list[tuple] = []
    monkeypatch.setattr(
        "channel_stock.tasks.push_outcome_task.apply_async",
        lambda args, countdown=None, **kw: checks.append((args, countdown)),
    )
    channel.push_bulk_min = 1
    listed(amazon, "SKU-A", 4)
    stock_push_account(account_id=amazon.pk)  # on_commit not run: the check task is "lost"
    cache.delete("stock-push:outcome:FEED-1")
    push_due_accounts()
    push_due_accounts()  # once scheduled, not twice
    assert checks == [((amazon.pk, "FEED-1"), 0)]


def test_the_push_time_is_when_the_call_went_out(amazon, channel, scheduled):
    """A webhook caused by the push carries a time after the call went out; stamping the
    result's record time instead dropped such webhooks as older than the push."""
    listed(amazon, "SKU-A", 4)
    stamps: list = []
    original = channel.push_inventory

    def slow_push(levels):
        stamps.append(timezone.now())
        return original(levels)

    channel.push_inventory = slow_push
    stock_push_account(account_id=amazon.pk)
    listing = ChannelListing.objects.get()
    assert listing.last_pushed_at <= stamps[0]


def test_a_crashed_run_does_not_release_another_runs_lock(amazon, channel, scheduled):
    """The run lock is owned: a run whose lock expired (it overran ``RUNNING_TTL``) does not
    delete the lock a later run now holds."""
    from django.core.cache import cache

    from channel_stock.services.push import RUNNING_TTL, _running_key

    listed(amazon, "SKU-A", 4)
    original = channel.push_inventory

    def overrun(levels):
        cache.set(_running_key(amazon.pk), "another-run", timeout=RUNNING_TTL)
        return original(levels)

    channel.push_inventory = overrun
    stock_push_account(account_id=amazon.pk)
    assert cache.get(_running_key(amazon.pk)) == "another-run"
    assert RUNNING_TTL <= 120
