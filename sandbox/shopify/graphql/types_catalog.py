"""Resolvers of ``Product``, ``ProductVariant``, ``InventoryItem``, ``InventoryLevel`` and
``Location`` (shopify.dev/docs/api/admin-graphql/2025-01/objects/…).

``InventoryLevel`` ids are ``gid://shopify/InventoryLevel/<location id>?inventory_item_id=<item
id>`` as in Shopify's payloads (channel-apis.md §1.3); quantity names are those of
shopify.dev "Inventory states".
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from graphql import GraphQLError, GraphQLResolveInfo

from sandbox.kernel.formats import iso_utc, money
from sandbox.shopify.graphql.pagination import BY_ID, paginate_list, paginate_queryset
from sandbox.shopify.ids import gid, parse_gid, parse_gid_of
from sandbox.shopify.loading import levels_of, variants_of
from sandbox.shopify.models import (
    SandboxInventoryItem,
    SandboxInventoryLevel,
    SandboxLocation,
    SandboxProduct,
    SandboxVariant,
)

Resolver = Callable[..., Any]
QUANTITY_NAMES = (
    "available",
    "committed",
    "damaged",
    "incoming",
    "on_hand",
    "quality_control",
    "reserved",
    "safety_stock",
)


def level_gid(level: SandboxInventoryLevel) -> str:
    """``gid://shopify/InventoryLevel/<location id>?inventory_item_id=<item id>``."""
    return gid("InventoryLevel", level.location_id, inventory_item_id=level.item_id)


def _at(field: str) -> Resolver:
    return lambda obj, info: iso_utc(getattr(obj, field))


def _inventory_quantity(variant: SandboxVariant) -> int:
    return sum(level.available for level in levels_of(variant.inventory_item))


def _strip_tags(html: str) -> str:
    return re.sub(r"<[^>]+>", "", html).strip()


def _options(product: SandboxProduct, info: GraphQLResolveInfo, first: int | None = None) -> list:
    variants = variants_of(product)
    options = []
    for position, name in enumerate(product.option_names, start=1):
        values = list(dict.fromkeys(v.options[position - 1] for v in variants))
        options.append(
            {
                "id": gid("ProductOption", product.id + position),
                "name": name,
                "position": position,
                "values": values,
            }
        )
    return options[: first or None]


PRODUCT: dict[str, Resolver] = {
    "id": lambda p, info: gid("Product", p.id),
    "legacyResourceId": lambda p, info: str(p.id),
    "title": lambda p, info: p.title,
    "handle": lambda p, info: p.handle,
    "vendor": lambda p, info: p.vendor,
    "productType": lambda p, info: p.product_type,
    "status": lambda p, info: p.status,
    "tags": lambda p, info: list(p.tags),
    "createdAt": _at("created_at"),
    "updatedAt": _at("updated_at"),
    "publishedAt": _at("published_at"),
    "descriptionHtml": lambda p, info: p.body_html,
    "bodyHtml": lambda p, info: p.body_html,
    "description": lambda p, info, truncateAt=None: _strip_tags(p.body_html)[: truncateAt or None],
    "templateSuffix": lambda p, info: None,
    "isGiftCard": lambda p, info: False,
    "tracksInventory": lambda p, info: True,
    "requiresSellingPlan": lambda p, info: False,
    "hasOnlyDefaultVariant": lambda p, info: p.option_names == ["Title"],
    "hasOutOfStockVariants": lambda p, info: any(
        _inventory_quantity(v) <= 0 for v in variants_of(p)
    ),
    "hasVariantsThatRequiresComponents": lambda p, info: False,
    "totalInventory": lambda p, info: sum(_inventory_quantity(v) for v in variants_of(p)),
    "totalVariants": lambda p, info: len(variants_of(p)),
    "variantsCount": lambda p, info: {"count": len(variants_of(p)), "precision": "EXACT"},
    "options": _options,
    "onlineStoreUrl": lambda p, info: None,
    "variants": lambda p, info, **args: paginate_list(info, variants_of(p), args),
}

VARIANT: dict[str, Resolver] = {
    "id": lambda v, info: gid("ProductVariant", v.id),
    "legacyResourceId": lambda v, info: str(v.id),
    "title": lambda v, info: v.title,
    "displayName": lambda v, info: f"{v.product.title} - {v.title}",
    "sku": lambda v, info: v.sku or None,
    "barcode": lambda v, info: v.barcode or None,
    "price": lambda v, info: money(v.price),
    "compareAtPrice": lambda v, info: money(v.compare_at_price) if v.compare_at_price else None,
    "position": lambda v, info: v.position,
    "createdAt": _at("created_at"),
    "updatedAt": _at("updated_at"),
    "taxable": lambda v, info: True,
    "taxCode": lambda v, info: None,
    "inventoryPolicy": lambda v, info: "DENY",
    "inventoryQuantity": lambda v, info: _inventory_quantity(v),
    "sellableOnlineQuantity": lambda v, info: max(_inventory_quantity(v), 0),
    "availableForSale": lambda v, info: _inventory_quantity(v) > 0,
    "requiresComponents": lambda v, info: False,
    "selectedOptions": lambda v, info: [
        {"name": name, "value": value}
        for name, value in zip(v.product.option_names, v.options, strict=False)
    ],
    "inventoryItem": lambda v, info: v.inventory_item,
    "product": lambda v, info: v.product,
}


def _quantities(level: SandboxInventoryLevel, info: GraphQLResolveInfo, names: list[str]) -> list:
    unknown = [name for name in names if name not in QUANTITY_NAMES]
    if unknown:
        raise GraphQLError(
            f"The quantity name {unknown[0]!r} is not valid. Valid names: "
            + ", ".join(QUANTITY_NAMES)
        )
    return [
        {
            "id": gid(
                "InventoryQuantity",
                level.location_id,
                inventory_item_id=level.item_id,
                name=name,
            ),
            "name": name,
            "quantity": level.quantity(name),
            "updatedAt": iso_utc(level.updated_at),
        }
        for name in names
    ]


def _level_at(levels: list[SandboxInventoryLevel], location_gid: str) -> Any:
    location_id = parse_gid_of(location_gid, "Location")
    return next((level for level in levels if level.location_id == location_id), None)


INVENTORY_ITEM: dict[str, Resolver] = {
    "id": lambda i, info: gid("InventoryItem", i.id),
    "legacyResourceId": lambda i, info: str(i.id),
    "sku": lambda i, info: i.variant.sku or None,
    "tracked": lambda i, info: i.tracked,
    "requiresShipping": lambda i, info: True,
    "createdAt": _at("created_at"),
    "updatedAt": _at("updated_at"),
    "unitCost": lambda i, info: None,
    "countryCodeOfOrigin": lambda i, info: None,
    "provinceCodeOfOrigin": lambda i, info: None,
    "harmonizedSystemCode": lambda i, info: None,
    "duplicateSkuCount": lambda i, info: 0,
    "variant": lambda i, info: i.variant,
    "locationsCount": lambda i, info: {"count": len(levels_of(i)), "precision": "EXACT"},
    "inventoryLevels": lambda i, info, **args: paginate_list(info, levels_of(i), args),
    "inventoryLevel": lambda i, info, locationId: _level_at(levels_of(i), locationId),
}

INVENTORY_LEVEL: dict[str, Resolver] = {
    "id": lambda lv, info: level_gid(lv),
    "createdAt": _at("created_at"),
    "updatedAt": _at("updated_at"),
    "canDeactivate": lambda lv, info: lv.on_hand == 0,
    "deactivationAlert": lambda lv, info: None,
    "item": lambda lv, info: lv.item,
    "location": lambda lv, info: lv.location,
    "quantities": _quantities,
}


def _location_levels(location: SandboxLocation, info: GraphQLResolveInfo, **args: Any) -> dict:
    qs = SandboxInventoryLevel.objects.filter(location=location)
    return paginate_queryset(info, qs, args, BY_ID, lambda q: q.select_related("item", "location"))


def _location_level(
    location: SandboxLocation, info: GraphQLResolveInfo, inventoryItemId: str
) -> Any:
    parsed = parse_gid(inventoryItemId)
    if parsed is None or parsed[0] != "InventoryItem":
        return None
    return SandboxInventoryLevel.objects.filter(location=location, item_id=parsed[1]).first()


LOCATION: dict[str, Resolver] = {
    "id": lambda loc, info: gid("Location", loc.id),
    "legacyResourceId": lambda loc, info: str(loc.id),
    "name": lambda loc, info: loc.name,
    "isActive": lambda loc, info: loc.is_active,
    "isPrimary": lambda loc, info: loc.is_primary,
    "activatable": lambda loc, info: not loc.is_active,
    "deactivatable": lambda loc, info: loc.is_active and not loc.is_primary,
    "deletable": lambda loc, info: False,
    "deactivatedAt": lambda loc, info: None,
    "addressVerified": lambda loc, info: True,
    "fulfillsOnlineOrders": lambda loc, info: True,
    "shipsInventory": lambda loc, info: True,
    "hasActiveInventory": lambda loc, info: loc.levels.exists(),
    "hasUnfulfilledOrders": lambda loc, info: False,
    "isFulfillmentService": lambda loc, info: False,
    "fulfillmentService": lambda loc, info: None,
    "createdAt": _at("created_at"),
    "updatedAt": _at("updated_at"),
    "address": lambda loc, info: {
        "address1": loc.address1,
        "address2": None,
        "city": loc.city,
        "province": loc.province,
        "provinceCode": loc.province_code,
        "zip": loc.zip,
        "country": "India",
        "countryCode": "IN",
        "phone": loc.phone or None,
        "latitude": None,
        "longitude": None,
        "formatted": [loc.address1, f"{loc.city} {loc.zip} {loc.province_code}", "India"],
    },
    "inventoryLevels": _location_levels,
    "inventoryLevel": _location_level,
}

RESOLVERS: dict[str, dict[str, Resolver]] = {
    "Product": PRODUCT,
    "ProductVariant": VARIANT,
    "InventoryItem": INVENTORY_ITEM,
    "InventoryLevel": INVENTORY_LEVEL,
    "Location": LOCATION,
}

TYPE_NAMES: dict[type, str] = {
    SandboxProduct: "Product",
    SandboxVariant: "ProductVariant",
    SandboxInventoryItem: "InventoryItem",
    SandboxInventoryLevel: "InventoryLevel",
    SandboxLocation: "Location",
}
