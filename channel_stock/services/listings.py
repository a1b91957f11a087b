"""The listing map: which variant each channel listing sells.

Listings come from the channel's catalog (Shopify products, ``catalog.products_import``) or from
the channel's listing lookup (Amazon ``searchListingsItems``, Flipkart ``GET /listings/v3``;
``listings_discover``). A new listing is matched to a Sangam variant by SKU, then by barcode
(EAN/UPC/GTIN); one that matches neither stays unmatched (``variant`` null) for staff to map
(``listing_map``). A mapping made by staff is never overwritten by a later discovery.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from django.db import transaction
from django.utils import timezone

from integrations.dto import ImportResult, ListingDTO
from integrations.services.accounts import build_connector
from inventory.models import ChannelListing, MatchedBy, Variant


def listings_discover(*, account, connector=None) -> ImportResult:
    """Read the account's listings from the channel and upsert the listing map. Channels that
    can enumerate (Amazon) are read whole; the others (Flipkart) are asked for every SKU of the
    merchant's catalog. Raises ``ConnectorError`` when the channel cannot be read."""
    connector = connector or build_connector(account)
    found = list(connector.fetch_listings())
    if not found:
        skus = list(
            Variant.objects.filter(merchant_id=account.merchant_id)
            .order_by("sku")
            .values_list("sku", flat=True)
        )
        found = list(connector.fetch_listings(skus=skus)) if skus else []
    return listings_upsert(account=account, listings=found)


@transaction.atomic
def listings_upsert(*, account, listings: Sequence[ListingDTO]) -> ImportResult:
    """Create or refresh listings of ``account`` from channel ``ListingDTO``s, matching new
    and still-unmatched ones by SKU then barcode. Counts: created, updated; a listing without
    a SKU is a failure."""
    result = ImportResult()
    merchant_id = account.merchant_id
    keyed = {(dto.listing_id or dto.sku): dto for dto in listings if dto.sku}
    existing = {
        lst.external_variant_id: lst
        for lst in ChannelListing.objects.filter(account=account, external_variant_id__in=keyed)
    }
    by_sku = dict(
        Variant.objects.filter(
            merchant_id=merchant_id, sku__in={d.sku for d in keyed.values()}
        ).values_list("sku", "id")
    )
    barcodes = {d.barcode for d in keyed.values() if d.barcode}
    by_barcode = dict(
        Variant.objects.filter(merchant_id=merchant_id, barcode__in=barcodes)
        .exclude(barcode="")
        .values_list("barcode", "id")
    )
    now = timezone.now()
    rows: list[ChannelListing] = []
    for key, dto in keyed.items():
        listing = existing.get(key)
        if listing is None:
            listing = ChannelListing(account=account, external_variant_id=key)
            result.created += 1
        else:
            result.updated += 1
        if listing.variant_id is None:
            variant_id, how = _match(dto, by_sku, by_barcode)
            listing.variant_id, listing.matched_by = variant_id, how
            if variant_id and account.manages_stock:
                listing.push_pending = True
        listing.channel_sku = dto.sku[:255]
        listing.external_product_id = dto.product_id[:255]
        listing.barcode = dto.barcode[:64]
        listing.title = dto.title[:500]
        if dto.location_id:
            listing.external_location_id = dto.location_id[:255]
        if dto.quantity is not None:
            listing.channel_quantity = dto.quantity
        listing.updated_at = now
        rows.append(listing)
    ChannelListing.objects.bulk_create(
        rows,
        update_conflicts=True,
        unique_fields=["account", "external_variant_id"],
        update_fields=[
            "variant",
            "matched_by",
            "channel_sku",
            "external_product_id",
            "barcode",
            "title",
            "external_location_id",
            "channel_quantity",
            "push_pending",
            "updated_at",
        ],
    )
    result.skipped += len(listings) - len(keyed)
    if account.manages_stock and any(r.push_pending for r in rows):
        from channel_stock.services.push import schedule_push

        transaction.on_commit(lambda: schedule_push([account.pk]))
    return result


def _match(dto: ListingDTO, by_sku: dict, by_barcode: dict) -> tuple[int | None, str]:
    if dto.sku in by_sku:
        return by_sku[dto.sku], MatchedBy.SKU
    if dto.barcode and dto.barcode in by_barcode:
        return by_barcode[dto.barcode], MatchedBy.BARCODE
    return None, ""


def listing_map(*, listing: ChannelListing, variant: Variant | None) -> ChannelListing:
    """Staff map (or unmap, ``variant`` None) a listing. The variant must belong to the
    listing's merchant (``ValueError`` otherwise); a mapped listing of a managed account is
    pushed at once."""
    if variant is not None and variant.merchant_id != listing.account.merchant_id:
        raise ValueError("the variant belongs to another merchant")
    listing.variant = variant
    listing.matched_by = MatchedBy.MANUAL if variant else ""
    listing.push_pending = bool(variant and listing.account.manages_stock)
    listing.save(update_fields=["variant", "matched_by", "push_pending", "updated_at"])
    if listing.push_pending:
        from channel_stock.services.push import schedule_push

        transaction.on_commit(lambda: schedule_push([listing.account_id], urgent=True))
    return listing


def unmatched_listings(*, merchant, account_ids: Iterable[int] = ()):
    """Listings no variant is mapped to yet (for the "map listings" page)."""
    qs = ChannelListing.objects.for_merchant(merchant).filter(variant__isnull=True)
    if account_ids:
        qs = qs.filter(account_id__in=list(account_ids))
    return qs.select_related("account").order_by("account_id", "channel_sku")
