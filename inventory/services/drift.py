"""The drift check: does each channel still offer what Sangam says it should?

Daily at 03:00 IST (``stock-drift-check`` in the beat schedule) and on demand per account: read
every managed listing's quantity from the channel (``Connector.read_inventory``), compare it
with current available-to-sell, and where they differ record a ``DriftEvent`` (expected = what
Sangam last pushed, found = what the channel held) and correct the channel with a push. The
event records whether the correction succeeded. A drifted listing whose channel keeps a ledger
(Shopify) is then read back and judged by ``channel_levels``: a change made in the Shopify
admin whose webhook was missed is taken into the pool there.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field

from integrations.http import ConnectorError
from inventory.models import ChannelListing, DriftEvent, PushState
from inventory.services.push import listing_level, listing_quantities, stock_push_account

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
    from integrations.models import ChannelAccount
    from integrations.services.accounts import build_connector

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
    for start in range(0, len(listings), READ_CHUNK):
        chunk = listings[start : start + READ_CHUNK]
        try:
            found = connector.read_inventory([listing_level(lst, 0) for lst in chunk])
        except ConnectorError as exc:
            report.errors.append(str(exc)[:500])
            logger.warning("drift check of account %s: %s", account_id, exc)
            continue
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
        # Where the channel keeps a ledger (Shopify), a drift may be a change made outside
        # Sangam whose webhook never came: the ledger judges it after the correction and
        # takes it into the pool (channel_levels).
        from inventory.services.channel_levels import schedule_level_read

        for pk in ChannelListing.objects.filter(
            pk__in=[e.listing_id for e in events], channel_base_at__isnull=False
        ).values_list("pk", flat=True):
            schedule_level_read(pk)
    return report


def drift_check_all() -> list[int]:
    """Queue the check of every connected account where Sangam manages stock."""
    from integrations.models import ChannelAccount
    from integrations.tasks import enqueue
    from inventory.tasks import drift_check_task

    ids = list(
        ChannelAccount.objects.filter(manages_stock=True, status="connected").values_list(
            "pk", flat=True
        )
    )
    for account_id in ids:
        enqueue(drift_check_task, account_id)
    return ids
