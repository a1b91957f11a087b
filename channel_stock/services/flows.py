"""The channel's own flows of ``available`` for a listing, counted by identity from what Sangam
imported into the order book: orders placed and cancelled, removals of unshipped units, refund
restocks and return dispositions. The channel ledger (``channel_stock.services.levels``) sums
them between a baseline and a reading. Design: docs/channel-ledger.md."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db.models import Q, Sum

from integrations.dto import DispositionType, OrderStatus
from inventory.models import ChannelInventoryLevel, ChannelListing
from orders.models import Order, OrderItem, OrderLineRemoval, Return, ReturnDisposition

# Orders are stamped by Shopify's clock in whole seconds, our readings by ours: activity this
# close to a baseline or a reading may have landed on either side of it.
QUIET = timedelta(seconds=2)


def activity_near(listing: ChannelListing, moment: datetime) -> bool:
    """Whether an order of the listing's variant was placed or cancelled on its account, or a
    restocking refund recorded, within ``QUIET`` of ``moment``, or a restock disposition at the
    listing's location may have happened then (its span ``not_before``–``seen_at``, widened by
    ``QUIET``, holds ``moment``)."""
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


def edited_between(listing: ChannelListing, since: datetime, until: datetime) -> bool:
    """Whether an open, unshipped order of the listing's variant on its account, last updated
    in the window, holds a current quantity that its recorded removals (refunds of unshipped
    units) do not account for: an order edit, whose restock Sangam cannot see."""
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


def flows_maybe_elsewhere(listing: ChannelListing, since: datetime, until: datetime) -> bool:
    """Whether the channel's own flows moved in the window while the listing's inventory item
    is also stocked at another of the store's locations (a ``ChannelInventoryLevel`` there).
    Shopify allocates an order to a location, and restocks a cancellation or refund at one,
    in its fulfillment orders, which the order webhooks Sangam imports do not carry: such a
    flow may not have touched the listing's location at all, and counting it there would book
    phantom units."""
    elsewhere = (
        ChannelInventoryLevel.objects.filter(
            account_id=listing.account_id,
            external_inventory_item_id=listing.external_inventory_item_id,
        )
        .exclude(external_location_id=listing.external_location_id)
        .exists()
    )
    return elsewhere and flow_units(listing, since, until, open_start=True) != (0, 0)


def channel_flows(listing: ChannelListing, *, since: datetime, until: datetime) -> int:
    """The channel's own change of ``available`` (units) for the listing's variant between
    ``since`` (excluded) and ``until`` as Sangam knows it: − units of the account's orders
    placed, + units of its orders cancelled before fulfilment (Shopify restocks them), + units
    Shopify restocked by refunds, + units restocked at the listing's location by return
    dispositions known to have happened in the window."""
    placed, back = flow_units(listing, since, until, open_start=True)
    return back + units_disposed(listing, since, until) - placed


def flow_units(
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
    return ReturnDisposition.objects.filter(
        account_id=listing.account_id,
        sku=listing.channel_sku or listing.variant.sku,
        disposition=DispositionType.RESTOCKED,
        location_id=listing.external_location_id,
    )


def units_disposed(
    listing: ChannelListing, since: datetime, until: datetime, *, overlapping: bool = False
) -> int:
    """Units Shopify put back into ``available`` at the listing's location by return
    dispositions (``ReturnDisposition``, restocked) in the window: those whose whole span
    (after ``not_before``, by ``seen_at``) lies in it, or with ``overlapping`` those that may
    have happened in it (what can explain a webhook's move, ``channel_level_check``). A span
    that holds the baseline or the reading makes the window unjudged (``activity_near``), so
    a disposition is never counted on the wrong side of either."""
    rows = _restock_dispositions(listing)
    if overlapping:
        rows = rows.filter(seen_at__gte=since, not_before__lte=until)
    else:
        rows = rows.filter(not_before__gte=since, seen_at__lte=until)
    return rows.aggregate(units=Sum("quantity"))["units"] or 0


def _items(listing: ChannelListing):
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
