"""Query shapes that load related rows up front (no N+1 in resolvers or payload builders).

Related rows land in plain-list attributes (``loaded_*``) that the accessors below prefer, so
a page of 250 orders costs three queries however many fields a client selects.
"""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet

from sandbox.shopify.models import (
    SandboxInventoryItem,
    SandboxInventoryLevel,
    SandboxLineItem,
    SandboxOrder,
    SandboxProduct,
    SandboxVariant,
)


def with_line_items(qs: QuerySet) -> QuerySet:
    """Orders with their customer and line items."""
    items = SandboxLineItem.objects.order_by("position", "id")
    return qs.select_related("customer").prefetch_related(
        Prefetch("line_items", queryset=items, to_attr="loaded_line_items")
    )


def _levels() -> QuerySet:
    return SandboxInventoryLevel.objects.select_related("location").order_by("location_id")


def with_variants(qs: QuerySet) -> QuerySet:
    """Products with their variants, each variant's inventory item and its levels."""
    variants = SandboxVariant.objects.select_related("inventory_item").prefetch_related(
        Prefetch("inventory_item__levels", queryset=_levels(), to_attr="loaded_levels")
    )
    return qs.prefetch_related(Prefetch("variants", queryset=variants, to_attr="loaded_variants"))


def with_levels(qs: QuerySet) -> QuerySet:
    """Inventory items with their variant (and product) and their levels."""
    return qs.select_related("variant__product").prefetch_related(
        Prefetch("levels", queryset=_levels(), to_attr="loaded_levels")
    )


def line_items_of(order: SandboxOrder) -> list[SandboxLineItem]:
    """The order's line items, from the prefetch when there was one."""
    loaded = getattr(order, "loaded_line_items", None)
    return loaded if loaded is not None else list(order.line_items.order_by("position", "id"))


def variants_of(product: SandboxProduct) -> list[SandboxVariant]:
    """The product's variants, from the prefetch when there was one."""
    loaded = getattr(product, "loaded_variants", None)
    return loaded if loaded is not None else list(product.variants.all())


def levels_of(item: SandboxInventoryItem) -> list[SandboxInventoryLevel]:
    """The inventory item's levels (with locations), from the prefetch when there was one."""
    loaded = getattr(item, "loaded_levels", None)
    return loaded if loaded is not None else list(_levels().filter(item=item))
