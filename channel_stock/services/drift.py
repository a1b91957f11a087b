"""The drift check: does each channel still offer what Sangam says it should?

Daily at 03:00 IST (``stock-drift-check`` in the beat schedule) and on demand per account: read
every managed listing's quantity from the channel (``Connector.read_inventory``), compare it
with current available-to-sell, and where they differ record a ``DriftEvent`` (expected = what
Sangam last pushed, found = what the channel held) and correct the channel with a push. The
event records whether the correction succeeded. Listings whose channel keeps a ledger (Shopify)
are read under the account's push lock and every reading is then judged by ``channel_levels``:
a change made in the Shopify admin whose webhook was missed is taken into the pool there.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field

from django.conf import settings
from django.utils import timezone

from channel_stock.services.push import (
    listing_level,
    listing_quantities,
    push_lock_acquire,
    push_lock_release,
    stock_push_account,
)
from integrations.http import ConnectorError
from integrations.models import ChannelAccount
from integrations.services.accounts import build_connector
from inventory.models import ChannelListing, DriftEvent, PushState

logger = logging.getLogger(__name__)

READ_CHUNK = 200
BUSY_WAITS = 30  # seconds the check waits for another push run to release the account


@dataclass(slots=True)
class DriftReport:
    """One account's check: listings read, listings found drifted, drifted listings whose
    correction succeeded, and read errors."""

    checked: int = 0
    drifted: int = 0
    corrected: int = 0
    errors: list[str] = field(default_factory=list)


def drift_check_account(*, account_id: int) -> DriftReport:
    """Check and correct one account (see the module doc). Channel read errors are reported
    in ``DriftReport.errors`` (the listings read before the error are still checked)."""
    report = DriftReport()
    account = ChannelAccount.objects.filter(pk=account_id).first()
    if account is None or not account.manages_stock or account.status != "connected":
        return report
    listings = list(
        ChannelListing.objects.filter(account=account, variant__isnull=False)
        .select_related("variant")
        .order_by("pk")
    )
    if not listings:
        return report
    connector = build_connector(account)
    expected_now = listing_quantities(account.merchant_id, listings)
    events: list[DriftEvent] = []
    readings: list[list] = []
    # Listings with a channel ledger (Shopify) are read under the push lock, so each reading
    # is exact against our own sets and can be judged by ``channel_levels`` afterwards.
    ledger = {lst.pk for lst in listings if lst.channel_base_at is not None}
    token = _wait_for_push_lock(account.pk) if ledger else None
    try:
        for start in range(0, len(listings), READ_CHUNK):
            chunk = listings[start : start + READ_CHUNK]
            try:
                found = connector.read_inventory([listing_level(lst, 0) for lst in chunk])
            except ConnectorError as exc:
                report.errors.append(str(exc)[:500])
                logger.warning("drift check of account %s: %s", account_id, exc)
                continue
            read_at = timezone.now()
            if token is not None:
                readings += _ledger_readings(chunk, found, read_at, ledger)
            for listing in chunk:
                sku = listing.channel_sku or listing.variant.sku
                report.checked += 1
                on_channel = found.get(sku)
                should = expected_now[listing.pk]
                if on_channel == should:
                    continue
                events.append(
                    DriftEvent(
                        account=account,
                        listing=listing,
                        sku=sku,
                        expected=listing.last_pushed_quantity,
                        available_to_sell=should,
                        found=on_channel,
                    )
                )
                # The channel's real value becomes the compare quantity of the correcting push.
                ChannelListing.objects.filter(pk=listing.pk).update(
                    channel_quantity=on_channel, push_pending=True, next_push_at=None
                )
    finally:
        if token is not None:
            push_lock_release(account.pk, token)
    DriftEvent.objects.bulk_create(events)
    report.drifted = len(events)
    if events:
        # Another run may hold the account's push lock (a sale's push); wait for it rather
        # than leave the correction to that run and report it as not corrected.
        for _ in range(BUSY_WAITS):
            if not stock_push_account(account_id=account.pk, reason="drift", all_due=True).busy:
                break
            time.sleep(1.0)
        outcome = {
            pk: (status, message)
            for pk, status, message in ChannelListing.objects.filter(
                pk__in=[e.listing_id for e in events]
            ).values_list("pk", "last_push_status", "last_push_message")
        }
        for event in events:
            status, message = outcome.get(event.listing_id, ("", ""))
            # A bulk correction (an Amazon feed) is confirmed later by ``push_outcome_check``,
            # which marks these events corrected.
            event.corrected = status in (PushState.OK, PushState.WARNING)
            event.message = "" if event.corrected else message[:1000]
        DriftEvent.objects.bulk_update(events, ["corrected", "message"])
        report.corrected = sum(1 for e in events if e.corrected)
    if readings:
        # A drift may be a change made outside Sangam whose webhook never came (or one the
        # webhook triage left for a reading): the ledger judges every reading after the
        # grace period and takes such changes into the pool (channel_levels).
        from channel_stock.tasks import channel_levels_settle_many_task

        channel_levels_settle_many_task.apply_async(
            (readings,),
            countdown=float(settings.STOCK_ECHO_GRACE_SECONDS),
            priority=settings.TASK_PRIORITY_ORDERS,
        )
    return report


def _wait_for_push_lock(account_id: int) -> str | None:
    """The account's push lock, waiting up to ``BUSY_WAITS`` seconds; None if still busy (the
    readings are then not used for the ledger)."""
    for _ in range(BUSY_WAITS):
        token = push_lock_acquire(account_id)
        if token is not None:
            return token
        time.sleep(1.0)
    logger.warning("drift check of account %s: push lock busy; ledger not checked", account_id)
    return None


def _ledger_readings(chunk, found: dict, read_at, ledger: set[int]) -> list[list]:
    """``[listing_id, available, read_at, base_at, set_delta]`` for the chunk's ledger
    listings the channel reported, with the ledger as it stands now (under the push lock)."""
    state = {
        pk: (base_at, set_delta)
        for pk, base_at, set_delta in ChannelListing.objects.filter(
            pk__in=[lst.pk for lst in chunk if lst.pk in ledger], channel_base_at__isnull=False
        ).values_list("pk", "channel_base_at", "channel_set_delta")
    }
    rows = []
    for listing in chunk:
        available = found.get(listing.channel_sku or listing.variant.sku)
        if listing.pk in state and available is not None:
            base_at, set_delta = state[listing.pk]
            rows.append(
                [listing.pk, available, read_at.isoformat(), base_at.isoformat(), set_delta]
            )
    return rows


def drift_check_all() -> list[int]:
    """Queue the check of every connected account where Sangam manages stock."""
    from channel_stock.tasks import drift_check_task
    from integrations.tasks import enqueue

    ids = list(
        ChannelAccount.objects.filter(manages_stock=True, status="connected").values_list(
            "pk", flat=True
        )
    )
    for account_id in ids:
        enqueue(drift_check_task, account_id)
    return ids
