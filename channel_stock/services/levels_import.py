"""``inventory_levels_import``: what a channel reports it holds per inventory item and location
(``InventoryLevelDTO``, from the products sync and Shopify's ``inventory_levels/update``), kept
as ``ChannelInventoryLevel`` rows and handed to the channel ledger
(``channel_stock.services.levels``)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from django.db import transaction
from django.utils import timezone

from channel_stock.services.levels import channel_levels_observed
from channel_stock.services.push import listings_mark_changed
from integrations.dto import ImportResult, InventoryLevelDTO
from inventory.models import (
    ChannelInventoryLevel,
    ChannelListing,
    MovementKind,
    MovementSource,
    StockLevel,
    StockMovement,
)
from inventory.services.stock import StockChange, default_warehouse, stock_apply


@transaction.atomic
def inventory_levels_import(
    *, account, levels: Sequence[InventoryLevelDTO], source: str = "sync"
) -> ImportResult:
    """Record what the channel reports per inventory item and location.

    ``ChannelInventoryLevel`` rows are upserted unless the stored level is newer (a stale
    ``inventory_levels/update`` never overwrites newer data). The first time a variant's stock is
    seen, its on-hand (sum over locations of ``on_hand``, else ``available + committed``) seeds
    the default warehouse's ``StockLevel`` with an ``import`` movement; afterwards Sangam's pool is
    the source of truth and channel levels are only recorded (drift is checked elsewhere).
    """
    result = ImportResult()
    if not levels:
        return result
    item_ids = {lv.inventory_item_id for lv in levels}
    existing = {
        (row.external_inventory_item_id, row.external_location_id): row
        for row in ChannelInventoryLevel.objects.filter(
            account=account, external_inventory_item_id__in=item_ids
        )
    }
    listings = {
        lst.external_inventory_item_id: lst
        for lst in ChannelListing.objects.filter(
            account=account, external_inventory_item_id__in=item_ids
        )
    }
    to_save: list[ChannelInventoryLevel] = []
    fresh: list[InventoryLevelDTO] = []
    now = timezone.now()
    for dto in levels:
        row = existing.get((dto.inventory_item_id, dto.location_id))
        if (
            row
            and row.source_updated_at
            and dto.updated_at
            and dto.updated_at <= row.source_updated_at  # same version again, or an older one
        ):
            result.skipped += 1
            continue
        fresh.append(dto)
        if row is None:
            row = ChannelInventoryLevel(
                account=account,
                external_inventory_item_id=dto.inventory_item_id,
                external_location_id=dto.location_id,
            )
            result.created += 1
        else:
            result.updated += 1
        row.listing = listings.get(dto.inventory_item_id)
        row.available = dto.available
        if dto.on_hand is not None:
            row.on_hand = dto.on_hand
        if dto.committed is not None:
            row.committed = dto.committed
        row.source_updated_at = dto.updated_at or now
        row.updated_at = now
        to_save.append(row)
    ChannelInventoryLevel.objects.bulk_create(
        to_save,
        update_conflicts=True,
        unique_fields=["account", "external_inventory_item_id", "external_location_id"],
        update_fields=[
            "listing",
            "available",
            "on_hand",
            "committed",
            "source_updated_at",
            "updated_at",
        ],
    )
    _seed_stock_from_channel(account=account, levels=levels, listings=listings)
    channel_levels_observed(account=account, levels=fresh, listings=listings, source=source)
    _held_elsewhere_refresh(account=account, item_ids=item_ids, listings=listings)
    return result


def _held_elsewhere_refresh(
    *, account, item_ids: set[str], listings: dict[str, ChannelListing]
) -> None:
    """Recompute ``ChannelListing.held_elsewhere`` for ``listings`` (by inventory item id, as
    ``channel_levels_observed`` left them: push locations set) from the stored levels of
    ``item_ids``: the positive ``available`` at every location but the listing's own. A
    listing whose figure changed is marked for the push (its location then gets
    available-to-sell less the new figure)."""
    located = [lst for lst in listings.values() if lst.external_location_id]
    if not located:
        return
    by_item: dict[str, list[tuple[str, int]]] = defaultdict(list)
    for item, location, available in ChannelInventoryLevel.objects.filter(
        account=account, external_inventory_item_id__in=item_ids
    ).values_list("external_inventory_item_id", "external_location_id", "available"):
        by_item[item].append((location, max(0, available or 0)))
    changed = []
    for listing in located:
        units = sum(
            available
            for location, available in by_item[listing.external_inventory_item_id]
            if location != listing.external_location_id
        )
        if units != listing.held_elsewhere:
            listing.held_elsewhere = units
            changed.append(listing)
    if not changed:
        return
    ChannelListing.objects.bulk_update(changed, ["held_elsewhere"])
    variant_ids = [listing.variant_id for listing in changed if listing.variant_id]
    if variant_ids:
        listings_mark_changed(variant_ids=variant_ids, account_ids=[account.pk])


def _seed_stock_from_channel(*, account, levels, listings) -> None:
    warehouse = default_warehouse(account.merchant_id)
    on_hand: dict[int, int] = defaultdict(int)
    for dto in levels:
        listing = listings.get(dto.inventory_item_id)
        if listing is None or dto.on_hand is None and dto.available is None:
            continue
        units = (
            dto.on_hand if dto.on_hand is not None else (dto.available or 0) + (dto.committed or 0)
        )
        on_hand[listing.variant_id] += max(0, units)
    if not on_hand:
        return
    # Taken once: only variants with no stock history at all (no import, count, order…).
    already = set(
        StockMovement.objects.filter(warehouse=warehouse, variant_id__in=list(on_hand))
        .values_list("variant_id", flat=True)
        .distinct()
    )
    reference = f"{account.provider}-import:{account.pk}"
    stock_apply(
        warehouse=warehouse,
        changes=[
            StockChange(
                variant_id=v,
                kind=MovementKind.IMPORT,
                on_hand_delta=units,
                reference=reference,
                source=MovementSource.SYNC,
            )
            for v, units in on_hand.items()
            if v not in already and units
        ],
    )
    # Variants imported with zero stock still get a level (they must show, out of stock) and
    # count as imported, so a later level is not re-seeded.
    zero = [v for v, units in on_hand.items() if v not in already and not units]
    StockLevel.objects.bulk_create(
        [StockLevel(warehouse=warehouse, variant_id=v) for v in zero], ignore_conflicts=True
    )
    StockMovement.objects.bulk_create(
        [
            StockMovement(
                warehouse=warehouse,
                variant_id=v,
                kind=MovementKind.IMPORT,
                reference=reference,
                source=MovementSource.SYNC,
                note="imported with 0 on hand",
            )
            for v in zero
        ]
    )
