"""Writes to the catalog from the channels: products and variants and the channel listing map.
The inventory levels channels report belong to the channel stock
(``channel_stock.services.levels_import``)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from django.db import transaction
from django.utils import timezone

from integrations.dto import ImportResult, ProductDTO, RecordFailure
from inventory.models import (
    ChannelListing,
    MatchedBy,
    Product,
    Variant,
)


def variant_ids_for(
    *, merchant_id: int, account_id: int, skus: Iterable[str], external_variant_ids: Iterable[str]
) -> tuple[dict[str, int], dict[str, int]]:
    """Two lookups for matching order lines to the catalog: channel variant id → variant id (from
    listings) and SKU → variant id. Two queries, whatever the batch size."""
    by_listing = dict(
        ChannelListing.objects.filter(
            account_id=account_id, external_variant_id__in={e for e in external_variant_ids if e}
        ).values_list("external_variant_id", "variant_id")
    )
    by_sku = dict(
        Variant.objects.filter(merchant_id=merchant_id, sku__in={s for s in skus if s}).values_list(
            "sku", "id"
        )
    )
    return by_listing, by_sku


@transaction.atomic
def products_import(
    *, account, products: Sequence[ProductDTO], source: str = "sync"
) -> ImportResult:
    """Upsert a page of channel products into the catalog and the channel listing map.

    A channel variant is matched to a Sangam ``Variant`` by its listing, else by SKU, else by
    barcode; otherwise a variant (and product) is created. Variants without a SKU cannot join
    the stock pool and are quarantined. A variant whose ``updated_at`` is not newer than the
    listing's stored ``source_updated_at`` is skipped: a stale delivery, or the same version
    read again (counted as skipped, not updated).
    """
    result = ImportResult()
    merchant_id = account.merchant_id
    ext_ids = [v.external_id for p in products for v in p.variants]
    listings = {
        lst.external_variant_id: lst
        for lst in ChannelListing.objects.filter(
            account=account, external_variant_id__in=ext_ids
        ).select_related("variant__product")
    }
    skus = {v.sku for p in products for v in p.variants if v.sku}
    variants_by_sku = {
        v.sku: v for v in Variant.objects.filter(merchant_id=merchant_id, sku__in=skus)
    }
    barcodes = {v.barcode for p in products for v in p.variants if v.barcode}
    variants_by_barcode = {
        v.barcode: v for v in Variant.objects.filter(merchant_id=merchant_id, barcode__in=barcodes)
    }
    handles = {p.handle for p in products if p.handle}
    products_by_handle = {
        p.handle: p for p in Product.objects.filter(merchant_id=merchant_id, handle__in=handles)
    }
    now = timezone.now()
    variants_to_update: list[Variant] = []
    listings_to_save: list[ChannelListing] = []
    for dto in products:
        known = [listings[v.external_id] for v in dto.variants if v.external_id in listings]
        newest = max((k.source_updated_at for k in known if k.source_updated_at), default=None)
        product = products_by_handle.get(dto.handle) if dto.handle else None
        if product is None and known:
            # Already imported (a product without a handle would otherwise be duplicated).
            product = known[0].variant.product
        # A stale delivery (older than what its listings last saw) keeps the newer fields.
        stale = bool(newest and dto.updated_at and dto.updated_at < newest)
        if product is None:
            product = Product.objects.create(
                merchant_id=merchant_id,
                title=dto.title[:500],
                handle=dto.handle,
                vendor=dto.vendor,
                product_type=dto.product_type,
                status=dto.status,
            )
            if dto.handle:
                products_by_handle[dto.handle] = product
        elif not stale:
            product.title, product.vendor = dto.title[:500], dto.vendor
            product.product_type, product.status = dto.product_type, dto.status
            product.save(update_fields=["title", "vendor", "product_type", "status", "updated_at"])
        for v in dto.variants:
            listing = listings.get(v.external_id)
            stamp = v.updated_at or dto.updated_at
            if (
                listing
                and listing.source_updated_at
                and stamp
                and stamp <= listing.source_updated_at  # same version again, or an older one
            ):
                result.skipped += 1
                continue
            if not v.sku:
                result.failures.append(
                    RecordFailure(
                        v.external_id,
                        "variant has no SKU; cannot join the stock pool",
                        {"product": dto.external_id, "variant": v.external_id},
                    )
                )
                continue
            variant = listing.variant if listing else None
            how = listing.matched_by if listing else ""
            if variant is None and v.sku in variants_by_sku:
                variant, how = variants_by_sku[v.sku], MatchedBy.SKU
            if variant is None and v.barcode and v.barcode in variants_by_barcode:
                variant, how = variants_by_barcode[v.barcode], MatchedBy.BARCODE
            fields = {
                "title": v.title[:255],
                "barcode": v.barcode,
                "price": v.price,
                "compare_at_price": v.compare_at_price,
                "options": dict(v.options),
            }
            if variant is None:
                variant = Variant.objects.create(
                    merchant_id=merchant_id, product=product, sku=v.sku, **fields
                )
                variants_by_sku[v.sku] = variant
                how = MatchedBy.CHANNEL
                result.created += 1
            else:
                for key, value in fields.items():
                    setattr(variant, key, value)
                variant.updated_at = now
                variants_to_update.append(variant)
                result.updated += 1
            if listing is None:
                listing = ChannelListing(account=account, external_variant_id=v.external_id)
                listings[v.external_id] = listing
            listing.variant = variant
            listing.external_product_id = dto.external_id
            listing.external_inventory_item_id = v.inventory_item_id
            listing.channel_sku = v.sku
            listing.matched_by = how or MatchedBy.CHANNEL
            listing.barcode = v.barcode[:64]
            listing.title = (f"{dto.title} – {v.title}" if v.title else dto.title)[:500]
            listing.source_updated_at = stamp
            listing.updated_at = now
            listings_to_save.append(listing)
    Variant.objects.bulk_update(
        variants_to_update,
        ["title", "barcode", "price", "compare_at_price", "options", "updated_at"],
    )
    ChannelListing.objects.bulk_create(
        listings_to_save,
        update_conflicts=True,
        unique_fields=["account", "external_variant_id"],
        update_fields=[
            "variant",
            "external_product_id",
            "external_inventory_item_id",
            "channel_sku",
            "matched_by",
            "barcode",
            "title",
            "source_updated_at",
            "updated_at",
        ],
    )
    return result
