"""What a channel says it holds, and telling our own push's echo from a genuine change.

Shopify sends ``inventory_levels/update`` for every change of ``available`` at a location: the
ones our own ``inventorySetQuantities`` caused (echoes), the ones its own orders caused
(``available`` drops as ``committed`` rises; Sangam learns of the order from ``orders/create``)
and genuine changes a person made in the Shopify admin. Only the last kind is news for the pool.

Rule for a webhook on a managed listing (shopify.dev "inventory_levels/update"; the payload
carries ``available`` and ``updated_at`` only):

- older than our last push → stale, ignored;
- ``available`` equals what we last pushed → our echo, ignored;
- otherwise, after a grace period (``STOCK_ECHO_GRACE_SECONDS``, so the order webhook that caused
  it has been imported), ``expected`` = last pushed − units of this account's orders placed
  between that push and the webhook + units Shopify itself restocked by refunds in that time
  (``restock_type`` return/legacy_restock: those units reach the pool only when the return is
  received and passes QC, so counting them as a Shopify admin change would count them twice).
  ``available == expected`` → explained; else, with ``STOCK_ADOPT_CHANNEL_CHANGES``, the
  difference is taken into the pool as an ``adjust`` movement (source ``channel``) and pushed
  to every other channel, and by default Sangam's quantity is pushed back over it.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from integrations.dto import InventoryLevelDTO, OrderStatus
from inventory.models import ChannelListing, MovementKind, MovementSource

# Orders and our push are stamped by different clocks (Shopify's, ours).
CLOCK_SLACK = timedelta(seconds=2)


def channel_levels_observed(
    *,
    account,
    levels: Iterable[InventoryLevelDTO],
    listings: dict[str, ChannelListing],
    source: str,
) -> None:
    """Record the quantity each listing holds at its push location (``channel_quantity``),
    giving a listing without a location the account's ``location_id`` setting or the first
    location seen; on webhooks, apply the echo rule of this module."""
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
        if observed_at + CLOCK_SLACK < listing.last_pushed_at:
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
            lambda: [channel_level_check_task.apply_async(args, countdown=grace) for args in checks]
        )


def channel_level_check(
    *,
    listing_id: int,
    available: int,
    baseline_quantity: int,
    baseline_at: datetime,
    observed_at: datetime,
) -> str:
    """Decide whether a channel's ``available`` (seen at ``observed_at``) is explained by its
    own orders since our push of ``baseline_quantity`` at ``baseline_at``; take a genuine
    change into the pool (only with ``STOCK_ADOPT_CHANNEL_CHANGES``; otherwise Sangam's quantity is
    pushed again). Returns ``"explained"``, ``"adjusted"``, ``"reasserted"`` or ``"gone"``."""
    from inventory.services.stock import stock_adjust
    from orders.models import OrderItem

    listing = (
        ChannelListing.objects.select_related("account", "variant").filter(pk=listing_id).first()
    )
    if listing is None or listing.variant_id is None:
        return "gone"
    sold = (
        OrderItem.objects.filter(
            order__account_id=listing.account_id,
            variant_id=listing.variant_id,
            order__placed_at__gte=baseline_at - CLOCK_SLACK,
            order__placed_at__lte=observed_at + CLOCK_SLACK,
        )
        .exclude(order__status=OrderStatus.CANCELLED)
        .aggregate(units=Sum("quantity"))["units"]
        or 0
    )
    restocked = channel_restocked_units(
        account_id=listing.account_id,
        sku=listing.channel_sku or listing.variant.sku,
        since=baseline_at - CLOCK_SLACK,
        until=observed_at + CLOCK_SLACK,
    )
    expected = baseline_quantity - sold + restocked
    untouched = listing.last_pushed_at == baseline_at
    if available == expected:
        if untouched:
            ChannelListing.objects.filter(pk=listing.pk).update(channel_quantity=available)
        return "explained"
    if not settings.STOCK_ADOPT_CHANNEL_CHANGES:
        # Counting orders by time window misjudges bursts of orders (Shopify stamps whole
        # seconds; bench/stock_propagation.py booked phantom units that way), so by default
        # Sangam stays the master: the channel's value is recorded and Sangam's quantity is
        # pushed again; nothing enters the pool.
        ChannelListing.objects.filter(pk=listing.pk).update(
            channel_quantity=available, push_pending=True, next_push_at=None
        )
        from inventory.services.push import schedule_push

        schedule_push([listing.account_id])
        return "reasserted"
    with transaction.atomic():
        stock_adjust(
            merchant=listing.account.merchant_id,
            variant_id=listing.variant_id,
            delta=available - expected,
            kind=MovementKind.ADJUST,
            source=MovementSource.CHANNEL,
            reference=f"{listing.account.provider}-admin:{listing.pk}",
            note=(
                f"changed on {listing.account.get_provider_display()}: expected {expected}, "
                f"found {available}"
            ),
        )
        if untouched:
            ChannelListing.objects.filter(pk=listing.pk).update(channel_quantity=available)
    return "adjusted"


def channel_restocked_units(*, account_id: int, sku: str, since: datetime, until: datetime) -> int:
    """Units of ``sku`` the channel put back into its own stock by refunds recorded between
    ``since`` and ``until`` (Shopify refund lines with ``restock_type`` ``return`` or
    ``legacy_restock``, kept in ``Return.raw`` by the ``refunds/create`` import)."""
    from integrations.connectors.shopify.returns import restocked_units
    from orders.models import Return

    raws = Return.objects.filter(
        account_id=account_id, requested_at__gte=since, requested_at__lte=until
    ).values_list("raw", flat=True)
    return sum(restocked_units(raw, sku) for raw in raws)
