"""Listings of a sandbox seller: the same SKUs, titles and prices as a Shopify sandbox shop.

With a seeded :class:`SandboxShop` its variants are listed (quantity = available at the shop's
primary location). Without one the Shopify sandbox's catalog generator runs with the same
``seed`` (and product/variant counts), so a seller and a shop seeded alike sell the same
catalog. Titles are written the way Amazon.in listings read, with apparel sizes given as chest
measurements in inches (``Indigo Block Print Kurta - Blue, M (38" chest)``): real item names
contain bare double quotes, which flat-file readers must survive.
"""

from __future__ import annotations

import random
import string
from datetime import datetime
from decimal import Decimal

from sandbox.amazon.models import SandboxAmazonListing, SandboxAmazonSeller
from sandbox.kernel.seed import templates
from sandbox.shopify.models import (
    SandboxInventoryLevel,
    SandboxLocation,
    SandboxShop,
    SandboxVariant,
)
from sandbox.shopify.seed.catalog import build_catalog
from sandbox.shopify.seed.orders import gst_rate

CHEST_INCHES = {"XS": 34, "S": 36, "M": 38, "L": 40, "XL": 42, "XXL": 44}
FLAT_GST = {t.product_type: t.flat_gst for t in templates.TEMPLATES}
_ASIN_ALPHABET = string.ascii_uppercase + string.digits


def asin_for(seed: int, sku: str) -> str:
    """A stable ASIN (``B0`` + 8 characters) for ``sku`` under ``seed``."""
    rng = random.Random(f"{seed}:{sku}")  # noqa: S311 - reproducible fake data, not secrets
    return "B0" + "".join(rng.choice(_ASIN_ALPHABET) for _ in range(8))


def _option(value: str) -> str:
    if value in CHEST_INCHES:
        return f'{value} ({CHEST_INCHES[value]}" chest)'
    if value.endswith(" in") and "x" in value:
        width, _, height = value[:-3].partition("x")
        return f'{width}" x {height}"'
    return value


def amazon_title(brand: str, title: str, options: list[str]) -> str:
    """An Amazon.in item name, e.g. ``Kesari Chikankari Cotton Kurta - Blue, M (38" chest)``."""
    ordered = sorted(options, key=lambda value: value in CHEST_INCHES)
    details = ", ".join(_option(value) for value in ordered)
    return f"{brand} {title} - {details}" if details else f"{brand} {title}"


def product_type(shopify_type: str) -> str:
    """Amazon product type name for a Shopify product type (``Kurta Set`` → ``KURTA_SET``)."""
    return shopify_type.upper().replace(" ", "_")


def _listing(
    seller: SandboxAmazonSeller,
    variant: SandboxVariant,
    quantity: int,
    now: datetime,
) -> SandboxAmazonListing:
    product = variant.product
    price = Decimal(variant.price)
    return SandboxAmazonListing(
        seller=seller,
        sku=variant.sku,
        asin=asin_for(seller.seed, variant.sku),
        title=amazon_title(seller.store_name, product.title, list(variant.options)),
        product_type=product_type(product.product_type),
        price=price,
        quantity=max(quantity, 0),
        gst_rate=gst_rate(price, FLAT_GST.get(product.product_type)),
        created_at=product.created_at,
        updated_at=now,
    )


def listings_from_shop(
    seller: SandboxAmazonSeller, domain: str, now: datetime
) -> list[SandboxAmazonListing]:
    """Unsaved listings for every variant of the seeded Shopify sandbox shop ``domain``;
    raises ``LookupError`` when there is no such shop."""
    shop = SandboxShop.objects.filter(domain=domain).first()
    if shop is None:
        raise LookupError(f"No sandbox shop {domain!r}; seed it first (sandbox_seed).")
    available = dict(
        SandboxInventoryLevel.objects.filter(
            item__shop=shop, location__is_primary=True
        ).values_list("item__variant_id", "available")
    )
    variants = SandboxVariant.objects.filter(shop=shop).select_related("product")
    return [
        _listing(seller, variant, available.get(variant.pk, 0), now)
        for variant in variants.order_by("product_id", "position", "id")
    ]


def generated_listings(
    seller: SandboxAmazonSeller, products: int, variants: int, days: int, now: datetime
) -> list[SandboxAmazonListing]:
    """Unsaved listings from the Shopify sandbox catalog generator seeded with
    ``seller.seed`` (the catalog ``seed_shop`` builds with the same seed and counts)."""
    rng = random.Random(seller.seed)  # noqa: S311 - reproducible fake data, not secrets
    shop = SandboxShop(id=0, domain=f"{seller.seller_id.lower()}.sandbox", name=seller.store_name)
    locations = [
        SandboxLocation(id=index + 1, shop=shop, is_primary=index == 0)
        for index in range(2 if variants >= 100 else 1)
    ]
    catalog = build_catalog(rng, shop, products, variants, locations, now, days)
    available = {
        level.item.variant_id: level.available
        for level in catalog.levels
        if level.location.is_primary
    }
    return [_listing(seller, v, available.get(v.id, 0), now) for v in catalog.variants]
