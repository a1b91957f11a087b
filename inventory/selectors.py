"""Reads of the catalog and stock pool (merchant-scoped)."""

from __future__ import annotations

from django.db.models import F, QuerySet

from inventory.models import ChannelInventoryLevel, StockLevel


def stock_list(*, merchant, q: str = "", low_stock_only: bool = False) -> QuerySet[StockLevel]:
    """Stock levels of the merchant's warehouses with variant and product, by SKU; ``q``
    matches SKU or product title; ``low_stock_only`` keeps rows with available ≤ 5."""
    qs = (
        StockLevel.objects.for_merchant(merchant)
        .select_related("variant", "variant__product", "warehouse")
        .annotate(available_units=F("on_hand") - F("reserved"))
        .order_by("variant__sku", "warehouse__name")
    )
    if q:
        qs = qs.filter(variant__sku__icontains=q) | qs.filter(variant__product__title__icontains=q)
    if low_stock_only:
        qs = qs.filter(available_units__lte=5)
    return qs


def channel_levels(*, account) -> QuerySet[ChannelInventoryLevel]:
    """What one channel account reports per inventory item and location."""
    return (
        ChannelInventoryLevel.objects.filter(account=account)
        .select_related("listing", "listing__variant")
        .order_by("listing__channel_sku", "external_location_id")
    )
