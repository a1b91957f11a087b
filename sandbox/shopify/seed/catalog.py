"""Building the catalog: products with size/colour variants, SKUs like ``KURTA-IND-BLU-M``,
EAN-13 barcodes (GS1 India prefix 890), GST-inclusive prices ending in 9, and stock levels."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

from django.utils.text import slugify

from sandbox.kernel.seed import templates
from sandbox.shopify.ids import allocate_ids
from sandbox.shopify.models import (
    SandboxInventoryItem,
    SandboxInventoryLevel,
    SandboxLocation,
    SandboxProduct,
    SandboxShop,
    SandboxVariant,
)
from sandbox.shopify.seed.orders import gst_rate

SIZE_PRIORITY = ("M", "L", "S", "XL", "XXL", "XS")


@dataclass
class Catalog:
    """Unsaved catalog rows, plus each variant's GST slab override (``None``: textile slabs)."""

    products: list[SandboxProduct] = field(default_factory=list)
    variants: list[SandboxVariant] = field(default_factory=list)
    items: list[SandboxInventoryItem] = field(default_factory=list)
    levels: list[SandboxInventoryLevel] = field(default_factory=list)
    flat_gst: dict[int, Decimal | None] = field(default_factory=dict)


def ean13(rng: random.Random) -> str:
    """A valid EAN-13 with the GS1 India prefix ``890``."""
    digits = "890" + "".join(str(rng.randint(0, 9)) for _ in range(9))
    total = sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(digits))
    return digits + str((10 - total % 10) % 10)


def price_ending_in_9(rng: random.Random, low: int, high: int) -> Decimal:
    """A price in [low, high] rounded to the 49/99 endings Indian stores use."""
    value = round(rng.uniform(low, high) / 50) * 50 - 1
    while value < low:
        value += 50
    return Decimal(value)


def _code(value: str) -> str:
    return templates.CODES.get(value) or value.upper().replace(" IN", "").replace(" ", "")


def _styles(count: int, rng: random.Random) -> list[tuple[templates.Template, str, str]]:
    """``count`` distinct (template, title, style code) triples, interleaving categories."""
    pool = [(t, title, code) for t in templates.TEMPLATES for title, code in t.styles]
    rng.shuffle(pool)
    styles = []
    for index in range(count):
        template, title, code = pool[index % len(pool)]
        edition = index // len(pool)
        if edition:
            title, code = (
                f"{title} {('II', 'III', 'IV', 'V')[min(edition - 1, 3)]}",
                f"{code}{edition}",
            )
        styles.append((template, title, code))
    return styles


def _combos(template: templates.Template, colours: list[str]) -> list[list[str]]:
    sizes = list(template.sizes)
    if sizes and colours:
        order = sorted(sizes, key=lambda s: SIZE_PRIORITY.index(s) if s in SIZE_PRIORITY else 0)
        return [[size, colour] for colour in colours for size in order]
    return [[value] for value in (sizes or colours)]


def _split(rng: random.Random, total: int, capacities: list[int]) -> list[int]:
    """Split ``total`` variants over products: each at least 1 and at most its capacity."""
    weights = [rng.uniform(0.5, 1.5) for _ in capacities]
    scale = total / sum(weights)
    counts = [
        max(1, min(cap, round(w * scale))) for w, cap in zip(weights, capacities, strict=True)
    ]
    step = 1 if sum(counts) < total else -1
    index = 0
    while sum(counts) != total and any(
        (c < cap) if step > 0 else (c > 1) for c, cap in zip(counts, capacities, strict=True)
    ):
        i = index % len(counts)
        if (step > 0 and counts[i] < capacities[i]) or (step < 0 and counts[i] > 1):
            counts[i] += step
        index += 1
    return counts


def build_catalog(
    rng: random.Random,
    shop: SandboxShop,
    products: int,
    variants: int,
    locations: list[SandboxLocation],
    now: datetime,
    days: int,
) -> Catalog:
    """``products`` products carrying ``variants`` variants in total (capped by what the
    templates can express), stocked at the primary location (and some at the second)."""
    catalog = Catalog()
    styles = _styles(products, rng)
    palettes = []
    for template, _, _ in styles:
        colours = list(template.colours)
        rng.shuffle(colours)
        palettes.append(colours[: rng.randint(2, 4)] if template.sizes else colours[:6])
    capacities = [len(_combos(t, p)) for (t, _, _), p in zip(styles, palettes, strict=True)]
    counts = _split(rng, variants, capacities)
    product_ids = iter(allocate_ids("Product", products))
    image_ids = iter(allocate_ids("ProductImage", products))
    variant_ids = iter(allocate_ids("ProductVariant", sum(counts)))
    item_ids = iter(allocate_ids("InventoryItem", sum(counts)))
    for (template, title, code), palette, count in zip(styles, palettes, counts, strict=True):
        created = now - timedelta(days=days + rng.randint(30, 400), minutes=rng.randint(0, 1440))
        updated = (created + (now - created) * rng.uniform(0.6, 1.0)).replace(microsecond=0)
        base = price_ending_in_9(rng, *template.price_range)
        product = SandboxProduct(
            id=next(product_ids),
            shop=shop,
            title=title,
            handle=slugify(title) + (f"-{code[-1]}" if code[-1].isdigit() else ""),
            body_html=f"<p>{title} by {shop.name}. Handcrafted in India.</p>",
            vendor=shop.name,
            product_type=template.product_type,
            status="ACTIVE",
            tags=[template.category, template.product_type.lower()],
            image_id=next(image_ids),
            option_names=template.option_names,
            gst_rate=gst_rate(base, template.flat_gst),
            created_at=created,
            updated_at=updated,
            published_at=created,
        )
        catalog.products.append(product)
        combos = sorted(
            _combos(template, palette)[:count],
            key=lambda c: [(template.sizes + template.colours).index(v) for v in c],
        )
        compare = rng.random() < 0.4
        for position, values in enumerate(combos, start=1):
            price = base
            if values[0] in ("XXL", "King", "200 ml", "30 ml", "100 g", "300 g", "18x18 in"):
                price = base + 100
            sku_parts = [template.prefix, code] + [_code(v) for v in reversed(values)]
            variant = SandboxVariant(
                id=next(variant_ids),
                shop=shop,
                product=product,
                title=" / ".join(values),
                sku="-".join(sku_parts),
                barcode=ean13(rng),
                price=price,
                compare_at_price=price_ending_in_9(
                    rng, int(price * Decimal("1.25")), int(price * Decimal("1.6"))
                )
                if compare
                else None,
                position=position,
                options=values,
                grams=template.grams,
                created_at=created,
                updated_at=updated,
            )
            catalog.variants.append(variant)
            catalog.flat_gst[variant.id] = template.flat_gst
            item = SandboxInventoryItem(
                id=next(item_ids),
                shop=shop,
                variant=variant,
                created_at=created,
                updated_at=updated,
            )
            catalog.items.append(item)
            stocked = locations if rng.random() < 0.4 else locations[:1]
            for index, location in enumerate(stocked):
                roll = rng.random()
                available = (
                    0 if roll < 0.08 else rng.randint(1, 5) if roll < 0.28 else rng.randint(6, 150)
                )
                catalog.levels.append(
                    SandboxInventoryLevel(
                        item=item,
                        location=location,
                        available=available if index == 0 else rng.randint(0, 40),
                        created_at=created,
                        updated_at=updated,
                    )
                )
    return catalog
