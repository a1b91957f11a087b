"""What a channel says it holds, and telling our own push's echo from a genuine change.

Shopify sends ``inventory_levels/update`` for every change of ``available`` at a location: the
ones our own ``inventorySetQuantities`` caused (echoes), the ones its own orders caused
(``available`` drops as ``committed`` rises; Sangam learns of the order from ``orders/create``)
and genuine changes a person made in the Shopify admin (or another app, or POS). Only the last
kind is news for the pool, and the issue asks for it to be taken in as an adjustment.

The webhook carries ``available`` and a whole-second ``updated_at`` only (shopify.dev
"inventory_levels/update"), so which orders a value already reflects cannot be told by
timestamps alone in a burst. Sangam therefore keeps a small ledger per listing instead of a
time window around each push:

- a **baseline**: the channel's ``available`` at an exact moment — the
  ``quantityAfterChange`` of one of our sets, or a read taken while the account's push lock is
  held (so no set is in flight);
- the **set deltas**: every later set of ours adds the ``delta`` Shopify reported for it;
- the channel's **own flows**, counted by identity from what Sangam imported: units of this
  account's orders placed since the baseline (−), of its orders cancelled since then (+,
  Shopify's cancel restocks unfulfilled units), units removed from unshipped lines by
  restocking refunds (``restock_type`` cancel, +), units Shopify restocked by refunds of
  returns (``restock_type`` return/legacy_restock, +) and units a return's disposition
  restocked at the listing's location (+; ``ReturnDisposition``, counted only in a window
  holding its whole span, since Shopify gives it no time: see ``_units_disposed``).

At any exact reading ``available`` at ``t``::

    foreign(t) = available − baseline − set deltas − flows(baseline, t]

is what changed outside Sangam since the baseline. Readings come from two places: a webhook
level that is not our echo is triaged after the grace period (``channel_level_check``: if the
channel's own flows since our push can account for the move, nothing is read) and otherwise
read back under the lock (``channel_level_read``); the nightly drift check reads every listing
under the lock and hands each reading to ``channel_level_settle``. The part not yet dealt with
(``foreign − channel_foreign_units``) is taken into the pool as an ``adjust`` movement (source
``channel``), or, with ``STOCK_ADOPT_CHANNEL_CHANGES`` off, overwritten by Sangam's quantity.
A rise is taken in only once the account's refunds have been polled after it was first seen
(``_refunds_polled``: the returns stream runs at once and the listing is read again), because
a restocking refund whose webhook was lost looks exactly like one and its units reach the pool
through the return's QC receipt.

Soundness: the only ambiguity left is an order, cancellation or refund stamped within
``QUIET`` of the baseline or of the reading (its effect may fall on either side). A reading
with such activity is not judged (it is read again later, ``MAX_READ_ATTEMPTS`` times); a
baseline with such activity is dropped and the next set or read takes a new one. Because the
sum runs from the baseline, an order whose webhook comes late is corrected at the next
reading. Judging waits ``STOCK_ECHO_GRACE_SECONDS`` after the reading so the orders placed
before it have been imported (eager mode, the demo and tests, does not wait).

Partial cancellations count too: a refund that removes unshipped units with ``restock_type``
``cancel`` is recorded as an ``OrderLineRemoval`` (webhook and returns poll) and is Shopify's
own +units at the refund's time; a whole cancellation restocks the units ordered less those
removed before it. Order edits that add or remove units leave no timed record (the 2025-01
``orders/updated`` body has no edit history, nor whether the edit restocked): a window with an
open order whose current quantity its removals do not explain is not judged, and the baseline
is taken again. Locations: the order webhooks do not say which location an order was
allocated to (nor where a cancellation or refund restocked), so for an item the store also
stocks at another location a window with any such flow is not judged either; one without
flows is exact at any location.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime, timedelta

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import F, Q, Sum
from django.utils import timezone

from integrations.dto import DispositionType, InventoryLevelDTO, OrderStatus
from integrations.http import ConnectorError
from inventory.models import ChannelListing, MovementKind, MovementSource

logger = logging.getLogger(__name__)

# Orders are stamped by Shopify's clock in whole seconds, our readings by ours: activity this
# close to a baseline or a reading may have landed on either side of it.
QUIET = timedelta(seconds=2)
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
        from inventory.tasks import channel_level_check_task

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
    sold, back = _flow_units(listing, low, high)
    back += _units_disposed(listing, low, high, overlapping=True)
    if pushed_quantity - sold <= available <= pushed_quantity + back:
        return "explained"
    schedule_level_read(listing_id, countdown=0)
    return "read"


def _check_key(listing_id: int) -> str:
    return f"stock:level-read:{listing_id}"


def schedule_level_read(listing_id: int, *, attempt: int = 0, countdown: float | None = None):
    """Queue ``channel_level_read`` for a listing: one waiting read per listing (webhooks of a
    burst ride on it); ``attempt`` > 0 is a retry and always queued."""
    from inventory.tasks import channel_level_read_task

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
    from integrations.services.accounts import build_connector
    from inventory.services.push import listing_level, push_lock_acquire, push_lock_release
    from inventory.tasks import channel_level_settle_task

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
    from inventory.services.stock import stock_adjust

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
            _activity_near(listing, base_at)
            or _edited_between(listing, base_at, read_at)
            or _flows_maybe_elsewhere(listing, base_at, read_at)
        ):
            ChannelListing.objects.filter(pk=listing_id, channel_base_at=base_at).update(
                channel_base_quantity=None,
                channel_base_at=None,
                channel_set_delta=0,
                channel_foreign_units=0,
            )
            return "rebased"
        if _activity_near(listing, read_at):
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
            from inventory.services.push import schedule_push

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
    from integrations.connectors.base import Capability
    from integrations.models import SyncRun, SyncStatus
    from integrations.registry import get_connector_class

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
    from inventory.tasks import channel_level_refunds_task

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


def _activity_near(listing: ChannelListing, moment: datetime) -> bool:
    """Whether an order of the listing's variant was placed or cancelled on its account, or a
    restocking refund recorded, within ``QUIET`` of ``moment``, or a restock disposition at the
    listing's location may have happened then (its span ``not_before``–``seen_at``, widened by
    ``QUIET``, holds ``moment``)."""
    from orders.models import Order

    low, high = moment - QUIET, moment + QUIET
    if (
        Order.objects.filter(account_id=listing.account_id, items__variant_id=listing.variant_id)
        .filter(Q(placed_at__range=(low, high)) | Q(cancelled_at__range=(low, high)))
        .exists()
    ):
        return True
    sku = listing.channel_sku or listing.variant.sku
    if _removals(listing.account_id, sku, low, high).filter(restocked=True).exists():
        return True
    if _restock_dispositions(listing).filter(not_before__lte=high, seen_at__gte=low).exists():
        return True
    return (
        channel_restocked_units(account_id=listing.account_id, sku=sku, since=low, until=high) > 0
    )


def _edited_between(listing: ChannelListing, since: datetime, until: datetime) -> bool:
    """Whether an open, unshipped order of the listing's variant on its account, last updated
    in the window, holds a current quantity that its recorded removals (refunds of unshipped
    units) do not account for: an order edit, whose restock Sangam cannot see."""
    from orders.models import OrderLineRemoval

    drops: dict[str, int] = {}
    for external_id, quantity, current in (
        _items(listing)
        .filter(
            order__status__in=(OrderStatus.PENDING, OrderStatus.CONFIRMED),
            order__source_updated_at__gt=since,
            order__source_updated_at__lte=until,
        )
        .values_list("order__external_id", "quantity", "current_quantity")
    ):
        drops[external_id] = drops.get(external_id, 0) + quantity - current
    if not any(drops.values()):
        return False
    removed: dict[str, int] = {}
    for external_id, units in OrderLineRemoval.objects.filter(
        account_id=listing.account_id,
        sku=listing.channel_sku or listing.variant.sku,
        order_external_id__in=[k for k, v in drops.items() if v],
    ).values_list("order_external_id", "quantity"):
        removed[external_id] = removed.get(external_id, 0) + units
    return any(drop != removed.get(external_id, 0) for external_id, drop in drops.items())


def _flows_maybe_elsewhere(listing: ChannelListing, since: datetime, until: datetime) -> bool:
    """Whether the channel's own flows moved in the window while the listing's inventory item
    is also stocked at another of the store's locations (a ``ChannelInventoryLevel`` there).
    Shopify allocates an order to a location, and restocks a cancellation or refund at one,
    in its fulfillment orders, which the order webhooks Sangam imports do not carry: such a
    flow may not have touched the listing's location at all, and counting it there would book
    phantom units."""
    from inventory.models import ChannelInventoryLevel

    elsewhere = (
        ChannelInventoryLevel.objects.filter(
            account_id=listing.account_id,
            external_inventory_item_id=listing.external_inventory_item_id,
        )
        .exclude(external_location_id=listing.external_location_id)
        .exists()
    )
    return elsewhere and _flow_units(listing, since, until, open_start=True) != (0, 0)


def channel_flows(listing: ChannelListing, *, since: datetime, until: datetime) -> int:
    """The channel's own change of ``available`` (units) for the listing's variant between
    ``since`` (excluded) and ``until`` as Sangam knows it: − units of the account's orders
    placed, + units of its orders cancelled before fulfilment (Shopify restocks them), + units
    Shopify restocked by refunds, + units restocked at the listing's location by return
    dispositions known to have happened in the window."""
    placed, back = _flow_units(listing, since, until, open_start=True)
    return back + _units_disposed(listing, since, until) - placed


def _flow_units(
    listing: ChannelListing, since: datetime, until: datetime, *, open_start: bool = False
) -> tuple[int, int]:
    """``(units placed, units back)`` of the channel's own flows in the window: placed by the
    account's orders; back by its cancellations before fulfilment, its restocked removals of
    unshipped units (partial cancellations) and refund restocks."""
    sku = listing.channel_sku or listing.variant.sku
    placed = _units_placed(listing, since, until, open_start=open_start)
    back = _units_cancelled(listing, sku, since, until, open_start=open_start)
    back += _units_removed(listing.account_id, sku, since, until, open_start=open_start)
    back += channel_restocked_units(
        account_id=listing.account_id, sku=sku, since=since, until=until, open_start=open_start
    )
    return placed, back


def _restock_dispositions(listing: ChannelListing):
    """``ReturnDisposition`` rows restocking the listing's SKU at its location on its account."""
    from orders.models import ReturnDisposition

    return ReturnDisposition.objects.filter(
        account_id=listing.account_id,
        sku=listing.channel_sku or listing.variant.sku,
        disposition=DispositionType.RESTOCKED,
        location_id=listing.external_location_id,
    )


def _units_disposed(
    listing: ChannelListing, since: datetime, until: datetime, *, overlapping: bool = False
) -> int:
    """Units Shopify put back into ``available`` at the listing's location by return
    dispositions (``ReturnDisposition``, restocked) in the window: those whose whole span
    (after ``not_before``, by ``seen_at``) lies in it, or with ``overlapping`` those that may
    have happened in it (what can explain a webhook's move, ``channel_level_check``). A span
    that holds the baseline or the reading makes the window unjudged (``_activity_near``), so
    a disposition is never counted on the wrong side of either."""
    rows = _restock_dispositions(listing)
    if overlapping:
        rows = rows.filter(seen_at__gte=since, not_before__lte=until)
    else:
        rows = rows.filter(not_before__gte=since, seen_at__lte=until)
    return rows.aggregate(units=Sum("quantity"))["units"] or 0


def _items(listing: ChannelListing):
    from orders.models import OrderItem

    return OrderItem.objects.filter(
        order__account_id=listing.account_id, variant_id=listing.variant_id
    )


def _units_placed(
    listing: ChannelListing, since: datetime, until: datetime, *, open_start: bool = False
) -> int:
    """Units of the listing's variant in the account's orders placed in the window."""
    start = "order__placed_at__gt" if open_start else "order__placed_at__gte"
    window = {start: since, "order__placed_at__lte": until}
    return _items(listing).filter(**window).aggregate(units=Sum("quantity"))["units"] or 0


def _units_cancelled(
    listing: ChannelListing,
    sku: str,
    since: datetime,
    until: datetime,
    *,
    open_start: bool = False,
) -> int:
    """Units of the listing's variant in the account's orders cancelled in the window before
    they were fulfilled: what Shopify's cancel restocks, i.e. the units ordered less those
    already removed earlier (``OrderLineRemoval`` stamped before the cancellation; the removal
    lines of the cancellation's own refund are the same units and are not counted twice)."""
    from orders.models import OrderLineRemoval

    start = "order__cancelled_at__gt" if open_start else "order__cancelled_at__gte"
    window = {start: since, "order__cancelled_at__lte": until}
    cancelled: dict[str, tuple[datetime, int]] = {}
    for external_id, cancelled_at, quantity in (
        _items(listing)
        .filter(**window)
        .exclude(order__fulfillment_status__iexact="fulfilled")
        .values_list("order__external_id", "order__cancelled_at", "quantity")
    ):
        units = cancelled.get(external_id, (cancelled_at, 0))[1] + quantity
        cancelled[external_id] = (cancelled_at, units)
    if not cancelled:
        return 0
    for external_id, quantity, removed_at in OrderLineRemoval.objects.filter(
        account_id=listing.account_id, sku=sku, order_external_id__in=list(cancelled)
    ).values_list("order_external_id", "quantity", "removed_at"):
        cancelled_at, units = cancelled[external_id]
        if removed_at < cancelled_at - QUIET:
            cancelled[external_id] = (cancelled_at, units - quantity)
    return sum(max(units, 0) for _, units in cancelled.values())


def _removals(account_id: int, sku: str, low: datetime, high: datetime, *, open_start=False):
    """``OrderLineRemoval`` rows of ``sku`` on the account stamped in the window."""
    from orders.models import OrderLineRemoval

    start = "removed_at__gt" if open_start else "removed_at__gte"
    return OrderLineRemoval.objects.filter(
        account_id=account_id, sku=sku, **{start: low, "removed_at__lte": high}
    )


def _units_removed(
    account_id: int, sku: str, since: datetime, until: datetime, *, open_start: bool = False
) -> int:
    """Units of ``sku`` the channel restocked in the window by removing them from unshipped
    order lines (Shopify refund lines with ``restock_type`` ``cancel``), except the removals
    that belong to the order's own cancellation (stamped from ``QUIET`` before it on), which
    ``_units_cancelled`` counts."""
    from orders.models import Order

    rows = list(
        _removals(account_id, sku, since, until, open_start=open_start)
        .filter(restocked=True)
        .values_list("order_external_id", "quantity", "removed_at")
    )
    if not rows:
        return 0
    cancelled_at = dict(
        Order.objects.filter(
            account_id=account_id,
            external_id__in={r[0] for r in rows},
            cancelled_at__isnull=False,
        ).values_list("external_id", "cancelled_at")
    )
    return sum(
        quantity
        for order_id, quantity, removed_at in rows
        if order_id not in cancelled_at or removed_at < cancelled_at[order_id] - QUIET
    )


def channel_restocked_units(
    *, account_id: int, sku: str, since: datetime, until: datetime, open_start: bool = False
) -> int:
    """Units of ``sku`` the channel put back into its own stock by refunds created between
    ``since`` (excluded with ``open_start``) and ``until``: the ``restocks`` the returns import
    stored on the account's returns (``ReturnDTO.restocks``: Shopify refund lines with
    ``restock_type`` ``return`` or ``legacy_restock``, of a refund's own return or of the
    ``refunds`` of a Shopify return), each timed by its refund's ``created_at``; an untimed
    one is outside every window. A refund is never later than its return's
    ``source_updated_at`` nor earlier than its ``requested_at``, which narrows the query."""
    from orders.models import Return

    restocks = (
        Return.objects.filter(
            account_id=account_id,
            requested_at__lte=until,
            source_updated_at__gte=since,
            items__sku=sku,  # the line's SKU, as the returns import stores it
        )
        .values_list("pk", "restocks")
        .distinct()
    )
    units = 0
    for _pk, rows in restocks:
        for row in rows or ():
            if row.get("sku") != sku or not row.get("at"):
                continue
            moment = datetime.fromisoformat(row["at"])
            if moment < since or (open_start and moment == since) or moment > until:
                continue
            units += row["quantity"]
    return units
