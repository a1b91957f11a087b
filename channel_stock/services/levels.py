"""What a channel says it holds (``available`` per listing and location), and telling our own
push's echo from a genuine change made outside Sangam, which is taken into the pool as an
adjustment. Design (the baseline, set deltas and own flows; soundness): docs/channel-ledger.md."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from channel_stock.services.flows import (
    QUIET,
    activity_near,
    channel_flows,
    edited_between,
    flow_units,
    flows_maybe_elsewhere,
    units_disposed,
)
from integrations.connectors.base import Capability
from integrations.dto import InventoryLevelDTO
from integrations.http import ConnectorError
from integrations.models import SyncRun, SyncStatus
from integrations.registry import get_connector_class
from integrations.services.accounts import build_connector
from inventory.models import ChannelListing, MovementKind, MovementSource
from inventory.services.stock import stock_adjust

logger = logging.getLogger(__name__)

MAX_READ_ATTEMPTS = 4
# Seconds a burst of webhooks for one listing waits to ride on one read.
READ_DELAY_SECONDS = 1.0
# A rise is taken in once the account's refunds were polled after it was first seen; a poll
# that keeps failing lets it through after this long, asking again every retry interval.
REFUND_CHECK_MAX_SECONDS = 900.0
REFUND_CHECK_RETRY_SECONDS = 60.0


def channel_levels_observed(
    *,
    account,
    levels: Iterable[InventoryLevelDTO],
    listings: dict[str, ChannelListing],
    source: str,
) -> None:
    """Record the quantity each listing holds at its push location (``channel_quantity``),
    giving a listing without a location the account's ``location_id`` setting or the first
    location seen. On webhooks for a managed listing: a level older than our last push is
    ignored, one equal to our last push is our echo; any other queues ``channel_level_read``
    (the ledger rule of this module decides what it means)."""
    location_setting = str(account.settings.get("location_id") or "")
    now = timezone.now()
    changed: list[ChannelListing] = []
    checks: list[tuple] = []
    for dto in levels:
        listing = listings.get(dto.inventory_item_id)
        if listing is None:
            continue
        if not listing.external_location_id:
            listing.external_location_id = location_setting or dto.location_id
            changed.append(listing)
        if dto.location_id != listing.external_location_id or dto.available is None:
            continue
        managed = account.manages_stock and listing.variant_id and listing.last_pushed_at
        if source != "webhook" or not managed:
            listing.channel_quantity = dto.available
            changed.append(listing)
            continue
        observed_at = dto.updated_at or now
        if observed_at + QUIET < listing.last_pushed_at:
            continue  # older than our last push
        if observed_at > listing.last_pushed_at and listing.channel_quantity != dto.available:
            # Newer than our push: what Shopify holds now, the compare quantity of the next
            # push (saves a COMPARE_QUANTITY_STALE round trip after each Shopify order). Only
            # the compare quantity: the push's "already there" skip needs our own push.
            listing.channel_quantity = dto.available
            changed.append(listing)
        if dto.available == listing.last_pushed_quantity:
            continue  # our own push coming back
        checks.append(
            (
                listing.pk,
                dto.available,
                listing.last_pushed_quantity,
                listing.last_pushed_at.isoformat(),
                observed_at.isoformat(),
            )
        )
    if changed:
        ChannelListing.objects.bulk_update(
            list({c.pk: c for c in changed}.values()),
            ["external_location_id", "channel_quantity"],
        )
    if checks:
        from channel_stock.tasks import channel_level_check_task

        grace = float(settings.STOCK_ECHO_GRACE_SECONDS)
        transaction.on_commit(
            lambda: [
                channel_level_check_task.apply_async(
                    args, countdown=grace, priority=settings.TASK_PRIORITY_ORDERS
                )
                for args in checks
            ]
        )


def channel_level_check(
    *,
    listing_id: int,
    available: int,
    pushed_quantity: int,
    pushed_at: datetime,
    observed_at: datetime,
) -> str:
    """Triage a webhook level (``available`` at ``observed_at``; our last push before it was
    ``pushed_quantity`` at ``pushed_at``), run after the grace period: when the channel's own
    flows in that window (orders placed: down; cancellations and refund restocks: up) can
    account for the move, nothing is read (``"explained"``); otherwise the listing is read
    back for the ledger (``"read"``). A change skipped here stays in the ledger and is found
    by the next reading (the nightly drift check reads every listing). The window is widened
    by ``QUIET`` on both sides, so a same-second order always counts as a possible cause."""
    listing = ChannelListing.objects.select_related("variant").filter(pk=listing_id).first()
    if listing is None or listing.variant_id is None:
        return "gone"
    low, high = pushed_at - QUIET, observed_at + QUIET
    sold, back = flow_units(listing, low, high)
    back += units_disposed(listing, low, high, overlapping=True)
    if pushed_quantity - sold <= available <= pushed_quantity + back:
        return "explained"
    schedule_level_read(listing_id, countdown=0)
    return "read"


def _check_key(listing_id: int) -> str:
    return f"stock:level-read:{listing_id}"


def schedule_level_read(listing_id: int, *, attempt: int = 0, countdown: float | None = None):
    """Queue ``channel_level_read`` for a listing: one waiting read per listing (webhooks of a
    burst ride on it); ``attempt`` > 0 is a retry and always queued."""
    from channel_stock.tasks import channel_level_read_task

    if attempt == 0 and not cache.add(_check_key(listing_id), 1, timeout=60):
        return
    delay = READ_DELAY_SECONDS if countdown is None else countdown
    channel_level_read_task.apply_async(
        (listing_id, attempt), countdown=delay, priority=settings.TASK_PRIORITY_ORDERS
    )


def channel_level_read(*, listing_id: int, attempt: int = 0) -> str:
    """Read the listing's quantity from its channel under the account's push lock (an exact
    reading: no set of ours is in flight), take it as the baseline when there is none, and
    queue ``channel_level_settle`` after the grace period. Returns ``"read"``,
    ``"baseline"``, ``"busy"`` (the lock is held: read again shortly), ``"gone"`` or
    ``"error"`` (the channel could not be read; logged)."""
    from channel_stock.services.push import listing_level, push_lock_acquire, push_lock_release
    from channel_stock.tasks import channel_level_settle_task

    cache.delete(_check_key(listing_id))
    listing = (
        ChannelListing.objects.select_related("account", "variant").filter(pk=listing_id).first()
    )
    if listing is None or listing.variant_id is None or not listing.account.manages_stock:
        return "gone"
    token = push_lock_acquire(listing.account_id)
    if token is None:
        if attempt < MAX_READ_ATTEMPTS:
            schedule_level_read(listing_id, attempt=attempt + 1, countdown=1.0)
        return "busy"
    try:
        level = listing_level(listing, listing.channel_quantity or 0)
        try:
            found = build_connector(listing.account).read_inventory([level]).get(level.sku)
        except ConnectorError as exc:
            logger.warning("reading listing %s from its channel failed: %s", listing_id, exc)
            return "error"
        read_at = timezone.now()
        if found is None:
            return "gone"
        ledger = (
            ChannelListing.objects.filter(pk=listing_id)
            .values("channel_base_at", "channel_set_delta")
            .first()
        )
        if ledger is None:
            return "gone"
        if ledger["channel_base_at"] is None:
            _set_baseline(listing_id, found, read_at)
            ChannelListing.objects.filter(pk=listing_id).update(channel_quantity=found)
            return "baseline"
    finally:
        push_lock_release(listing.account_id, token)
    args = (
        listing_id,
        found,
        read_at.isoformat(),
        ledger["channel_base_at"].isoformat(),
        ledger["channel_set_delta"],
        attempt,
    )
    transaction.on_commit(
        lambda: channel_level_settle_task.apply_async(
            args,
            countdown=float(settings.STOCK_ECHO_GRACE_SECONDS),
            priority=settings.TASK_PRIORITY_ORDERS,
        )
    )
    return "read"


def channel_level_settle(
    *,
    listing_id: int,
    available: int,
    read_at: datetime,
    base_at: datetime,
    set_delta: int,
    attempt: int = 0,
) -> str:
    """Judge an exact reading (``available`` units at ``read_at``, with ``set_delta`` of our
    sets applied since the baseline of ``base_at``) by the ledger rule of this module.

    Returns ``"explained"`` (nothing changed outside Sangam), ``"adjusted"`` (the change was
    taken into the pool), ``"reasserted"`` (adoption off: Sangam's quantity is pushed again),
    ``"ambiguous"`` (orders too close to the reading: read again later), ``"checking"`` (a
    rise not yet taken in: the account's refunds are polled first and the listing read again,
    see ``_refunds_polled``), ``"rebased"`` (the
    baseline was replaced meanwhile, or had orders too close to it and is dropped) or
    ``"gone"``."""
    with transaction.atomic():
        listing = (
            ChannelListing.objects.select_for_update(of=("self",))
            .select_related("account", "variant")
            .filter(pk=listing_id)
            .first()
        )
        if listing is None or listing.variant_id is None:
            return "gone"
        if listing.channel_base_at != base_at or listing.channel_base_quantity is None:
            return "rebased"
        # An order beside the baseline, units that left (or joined) an open order by an edit
        # (whose restock Shopify does not report), or flows at a store that stocks the item at
        # other locations too: the window cannot be judged, so the baseline is dropped and the
        # next set or read takes a new one.
        if (
            activity_near(listing, base_at)
            or edited_between(listing, base_at, read_at)
            or flows_maybe_elsewhere(listing, base_at, read_at)
        ):
            ChannelListing.objects.filter(pk=listing_id, channel_base_at=base_at).update(
                channel_base_quantity=None,
                channel_base_at=None,
                channel_set_delta=0,
                channel_foreign_units=0,
            )
            return "rebased"
        if activity_near(listing, read_at):
            if attempt < MAX_READ_ATTEMPTS:
                grace = float(settings.STOCK_ECHO_GRACE_SECONDS)
                transaction.on_commit(
                    lambda: schedule_level_read(listing_id, attempt=attempt + 1, countdown=grace)
                )
            return "ambiguous"
        flows = channel_flows(listing, since=base_at, until=read_at)
        foreign = available - listing.channel_base_quantity - set_delta - flows
        new = foreign - listing.channel_foreign_units
        if new == 0:
            cache.delete(_rise_key(listing_id))
            return "explained"
        if new > 0 and settings.STOCK_ADOPT_CHANNEL_CHANGES and not _refunds_polled(listing):
            return "checking"
        ChannelListing.objects.filter(pk=listing_id).update(
            channel_foreign_units=F("channel_foreign_units") + new
        )
        if not settings.STOCK_ADOPT_CHANNEL_CHANGES:
            ChannelListing.objects.filter(pk=listing_id).update(
                channel_quantity=available, push_pending=True, next_push_at=None
            )
            from channel_stock.services.push import schedule_push

            account_id = listing.account_id
            transaction.on_commit(lambda: schedule_push([account_id]))
            return "reasserted"
        provider = listing.account.get_provider_display()
        stock_adjust(
            merchant=listing.account.merchant_id,
            variant_id=listing.variant_id,
            delta=new,
            kind=MovementKind.ADJUST,
            source=MovementSource.CHANNEL,
            reference=f"{listing.account.provider}-admin:{listing.pk}",
            note=f"changed on {provider}: {new:+d} units outside Sangam (found {available})",
        )
    return "adjusted"


def _rise_key(listing_id: int) -> str:
    return f"stock:channel-rise:{listing_id}"


def _refunds_polled(listing: ChannelListing) -> bool:
    """Whether a rise of the listing's channel quantity may be taken in: the account's refunds
    have been polled since the rise was first seen, so a restocking refund whose webhook was
    lost is in the flows by now (taking in its units as well would count them twice: the
    return restocks them at QC). The first time, the rise is stamped and a returns poll queued
    (``channel_level_refunds_task``), which reads the listing again when done; a channel
    without a returns stream, or a poll that has not succeeded within
    ``REFUND_CHECK_MAX_SECONDS``, lets the rise through."""
    account = listing.account
    if Capability.RETURNS not in get_connector_class(account.provider).capabilities:
        return True
    key = _rise_key(listing.pk)
    now = timezone.now()
    seen = cache.get(key)
    if seen is None:
        cache.set(key, now.isoformat(), timeout=int(REFUND_CHECK_MAX_SECONDS) + 3600)
        _queue_refunds_check(listing.pk)
        return False
    first = datetime.fromisoformat(seen)
    polled = SyncRun.objects.filter(
        account_id=account.pk,
        stream="returns",
        status=SyncStatus.SUCCEEDED,
        started_at__gte=first,
    ).exists()
    # Eager mode (the demo, tests) cannot wait for a later poll: one that failed lets it through.
    eager = settings.CELERY_TASK_ALWAYS_EAGER
    if polled or eager or (now - first).total_seconds() > REFUND_CHECK_MAX_SECONDS:
        cache.delete(key)
        return True
    _queue_refunds_check(listing.pk, countdown=REFUND_CHECK_RETRY_SECONDS)
    return False


def _queue_refunds_check(listing_id: int, countdown: float = 0.0) -> None:
    from channel_stock.tasks import channel_level_refunds_task

    transaction.on_commit(
        lambda: channel_level_refunds_task.apply_async(
            (listing_id,), countdown=countdown, priority=settings.TASK_PRIORITY_ORDERS
        )
    )


def channel_level_refunds_check(*, listing_id: int) -> str:
    """Poll the refunds of the listing's account now (the ``returns`` stream; a run already
    under way elsewhere is left to finish) and read the listing again, so that a rise of its
    channel quantity is judged with every refund known. Returns the read's outcome."""
    from integrations.services.sync import sync_account

    account_id = (
        ChannelListing.objects.filter(pk=listing_id).values_list("account_id", flat=True).first()
    )
    if account_id is None:
        return "gone"
    try:
        sync_account(account_id=account_id, streams=["returns"])
    except Exception:  # noqa: BLE001 - a failed poll is retried until REFUND_CHECK_MAX_SECONDS
        logger.exception("refund poll for listing %s failed", listing_id)
    return channel_level_read(listing_id=listing_id, attempt=1)


def _set_baseline(listing_id: int, available: int, at: datetime) -> None:
    ChannelListing.objects.filter(pk=listing_id).update(
        channel_base_quantity=available,
        channel_base_at=at,
        channel_set_delta=0,
        channel_foreign_units=0,
    )
