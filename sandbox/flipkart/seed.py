"""Building a Flipkart seller's listings and order history (unsaved rows for ``bulk_create``).

The catalog is the same as a Shopify sandbox shop's when one is given (its SKUs, titles and
prices; stock from the shop's primary location), else it comes from the Shopify sandbox's
seed generators. Orders are spread over a window of days; their state follows their age (new
orders waiting to be packed, recent ones in transit, older ones delivered, cancelled, returned
by the buyer or returned to origin by the courier). Multi-item orders are split over two
shipments half of the time. Money: whole-rupee listing prices, GST-inclusive; orders under
₹500 pay ₹40 shipping; 15% of orders carry a Flipkart-funded discount.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

from sandbox.flipkart import fakes
from sandbox.flipkart.models import (
    SandboxFlipkartListing,
    SandboxFlipkartOrderItem,
    SandboxFlipkartReturn,
    SandboxFlipkartSeller,
    SandboxFlipkartShipment,
    SandboxFlipkartStock,
)

LINES = ((1, 2, 3), (75, 20, 5))
QUANTITIES = ((1, 2), (90, 10))
COD_SHARE = 0.55
SPLIT_SHARE = 0.5
PARTIAL_CANCEL_SHARE = 0.1
DISCOUNT_SHARE = 0.15
SMALL_ORDER = Decimal("500")
SMALL_ORDER_SHIPPING = Decimal("40")
GENERATED_PRODUCTS, GENERATED_VARIANTS = 15, 50

# State of a shipment by its order's age in days (upper bound, (state, weight)…). RTO_* are
# courier returns: item status RETURN_REQUESTED/RETURNED with ``courierReturn`` true.
AGE_STATES: tuple[tuple[float, tuple[tuple[str, int], ...]], ...] = (
    (
        1,
        (
            ("APPROVED", 40),
            ("PACKING_IN_PROGRESS", 12),
            ("PACKED", 20),
            ("READY_TO_DISPATCH", 15),
            ("FORM_FAILED", 3),
            ("CANCELLED", 10),
        ),
    ),
    (
        3,
        (
            ("PACKED", 5),
            ("READY_TO_DISPATCH", 10),
            ("PICKUP_COMPLETE", 20),
            ("SHIPPED", 55),
            ("CANCELLED", 10),
        ),
    ),
    (
        8,
        (
            ("SHIPPED", 35),
            ("DELIVERED", 47),
            ("CANCELLED", 7),
            ("RETURN_REQUESTED", 4),
            ("RTO_REQUESTED", 7),
        ),
    ),
    (
        math.inf,
        (
            ("DELIVERED", 75),
            ("CANCELLED", 7),
            ("RETURN_REQUESTED", 3),
            ("RETURNED", 8),
            ("RTO_RETURNED", 7),
        ),
    ),
)
# Minutes after the order at which a shipment reached each state (range).
REACHED_AFTER = {
    "APPROVED": (1, 30),
    "PACKING_IN_PROGRESS": (60, 180),
    "FORM_FAILED": (120, 240),
    "PACKED": (120, 360),
    "READY_TO_DISPATCH": (240, 720),
    "PICKUP_COMPLETE": (720, 1440),
    "SHIPPED": (1440, 2880),
    "DELIVERED": (2880, 7200),
    "CANCELLED": (10, 1200),
    "RETURN_REQUESTED": (7200, 12960),
    "RETURNED": (12960, 21600),
    "RTO_REQUESTED": (4320, 7200),
    "RTO_RETURNED": (8640, 14400),
}
RTO_ITEM_STATUS = {"RTO_REQUESTED": "RETURN_REQUESTED", "RTO_RETURNED": "RETURNED"}
RETURN_STATES = {
    # state: (source, return status, reverse shipment states)
    "RETURN_REQUESTED": ("customer_return", "CREATED", ("PICKUP_SCHEDULED", "PICKED_UP")),
    "RETURNED": ("customer_return", "COMPLETED", ("DELIVERED",)),
    "RTO_REQUESTED": ("courier_return", "CREATED", ("IN_TRANSIT",)),
    "RTO_RETURNED": ("courier_return", "COMPLETED", ("DELIVERED",)),
}


@dataclass(frozen=True)
class CatalogRow:
    """One SKU to list: title, category, selling price and MRP (whole rupees), stock."""

    sku: str
    title: str
    category: str
    price: Decimal
    mrp: Decimal
    inventory: int


@dataclass
class History:
    """Unsaved rows of an order history, in foreign-key order."""

    shipments: list[SandboxFlipkartShipment] = field(default_factory=list)
    items: list[SandboxFlipkartOrderItem] = field(default_factory=list)
    returns: list[SandboxFlipkartReturn] = field(default_factory=list)

    def extend(self, other: History) -> None:
        self.shipments.extend(other.shipments)
        self.items.extend(other.items)
        self.returns.extend(other.returns)


def _mrp(price: Decimal, compare_at: Decimal | None) -> Decimal:
    if compare_at is not None and compare_at > price:
        return compare_at.to_integral_value()
    return Decimal(math.ceil(price * Decimal("1.3") / 100) * 100 - 1)


def catalog_from_shop(domain: str) -> list[CatalogRow]:
    """The Shopify sandbox shop's variants as listings; stock = available at its primary
    location. Raises ``LookupError`` when the shop was never seeded."""
    from sandbox.shopify.models import SandboxInventoryLevel, SandboxShop, SandboxVariant

    shop = SandboxShop.objects.filter(domain=domain).first()
    if shop is None:
        raise LookupError(f"No sandbox shop {domain!r}; seed it first.")
    stock = dict(
        SandboxInventoryLevel.objects.filter(
            item__shop=shop, location__is_primary=True
        ).values_list("item__variant_id", "available")
    )
    rows = []
    for variant in SandboxVariant.objects.filter(shop=shop).select_related("product"):
        product = variant.product
        rows.append(
            CatalogRow(
                sku=variant.sku,
                title=f"{product.title} ({variant.title})",
                category=(product.tags or ["apparel"])[0],
                price=variant.price.to_integral_value(),
                mrp=_mrp(variant.price, variant.compare_at_price),
                inventory=max(0, stock.get(variant.id, 0)),
            )
        )
    return rows


def generated_catalog(rng: random.Random, now: datetime) -> list[CatalogRow]:
    """A catalog from the Shopify sandbox's seed generators (nothing is saved)."""
    from sandbox.shopify.models import SandboxLocation, SandboxShop
    from sandbox.shopify.seed.catalog import build_catalog

    shop = SandboxShop(id=0, domain="flipkart-catalog.myshopify.com", name="Flipkart Catalog")
    location = SandboxLocation(id=0, shop=shop, name="Warehouse", is_primary=True)
    catalog = build_catalog(rng, shop, GENERATED_PRODUCTS, GENERATED_VARIANTS, [location], now, 60)
    stock = {lv.item.variant_id: lv.available for lv in catalog.levels}
    products = {p.id: p for p in catalog.products}
    return [
        CatalogRow(
            sku=v.sku,
            title=f"{products[v.product_id].title} ({v.title})",
            category=products[v.product_id].tags[0],
            price=v.price,
            mrp=_mrp(v.price, v.compare_at_price),
            inventory=stock.get(v.id, 0),
        )
        for v in catalog.variants
    ]


def make_listings(
    rng: random.Random, seller: SandboxFlipkartSeller, rows: list[CatalogRow], now: datetime
) -> tuple[list[SandboxFlipkartListing], list[SandboxFlipkartStock]]:
    """Unsaved listings (one per SKU) and their stock at the seller's location."""
    listings, stocks = [], []
    for row in rows:
        product = fakes.fsn(rng, row.sku)
        listing = SandboxFlipkartListing(
            seller=seller,
            sku=row.sku,
            fsn=product,
            listing_id=fakes.listing_id(rng, product),
            title=row.title,
            hsn=fakes.hsn_for(row.category, row.sku),
            mrp=row.mrp,
            selling_price=row.price,
            created_at=now - timedelta(days=rng.randint(90, 400)),
            updated_at=now - timedelta(days=rng.randint(1, 60)),
        )
        listings.append(listing)
        stocks.append(
            SandboxFlipkartStock(
                listing=listing,
                location_id=seller.location_id,
                inventory=row.inventory,
                updated_at=listing.updated_at,
            )
        )
    return listings, stocks


def draw_state(rng: random.Random, age: timedelta) -> str:
    """A shipment state plausible for an order ``age`` old (see ``AGE_STATES``)."""
    days = age.total_seconds() / 86400
    table = next(t for bound, t in AGE_STATES if days < bound)  # the last bound is infinite
    return fakes.weighted(rng, table)[0]


def reached_at(rng: random.Random, state: str, ordered_at: datetime, now: datetime) -> datetime:
    """When a shipment ordered at ``ordered_at`` reached ``state``: never in the future."""
    low, high = REACHED_AFTER[state]
    moment = ordered_at + timedelta(minutes=rng.randint(low, high))
    return max(ordered_at + timedelta(minutes=1), min(moment, now - timedelta(minutes=1)))


@dataclass(frozen=True)
class Pick:
    """A listing and how many units of it the buyer ordered."""

    listing: SandboxFlipkartListing
    quantity: int


def compose_order(
    rng: random.Random,
    *,
    seller: SandboxFlipkartSeller,
    picks: list[Pick],
    ordered_at: datetime,
    now: datetime,
    state: str | None = None,
) -> History:
    """One order's shipments, items and returns. ``state`` forces every shipment's state (a
    new order: ``APPROVED``); otherwise each shipment draws one from the order's age."""
    order = fakes.order_id(rng)
    cod = rng.random() < COD_SHARE
    gross = sum((p.listing.selling_price * p.quantity for p in picks), Decimal("0"))
    shipping = SMALL_ORDER_SHIPPING if gross < SMALL_ORDER else Decimal("0")
    discount_rate = rng.choice((Decimal("0.05"), Decimal("0.10")))
    discounted = rng.random() < DISCOUNT_SHARE
    groups = [picks]
    if len(picks) > 1 and rng.random() < SPLIT_SHARE:
        groups = [picks[:1], picks[1:]]
    history = History()
    for group in groups:
        shipment_state = state or draw_state(rng, now - ordered_at)
        updated = reached_at(rng, shipment_state, ordered_at, now)
        shipment = SandboxFlipkartShipment(
            seller=seller,
            shipment_id=fakes.shipment_id(rng),
            order_id=order,
            location_id=seller.location_id,
            shipment_type="EXPRESS" if rng.random() < 0.1 else "NORMAL",
            order_date=ordered_at,
            dispatch_after_date=ordered_at + timedelta(minutes=rng.randint(10, 60)),
            dispatch_by_date=ordered_at + timedelta(days=rng.choice((1, 2))),
            hold=shipment_state == "APPROVED" and rng.random() < 0.03,
            packaging_policy=rng.choice(("DEFAULT", "GREEN_PACKAGE")),
            updated_at=updated,
        )
        history.shipments.append(shipment)
        partial = state is None and len(group) > 1 and rng.random() < PARTIAL_CANCEL_SHARE
        for index, pick in enumerate(group):
            item_state = "CANCELLED" if partial and index == len(group) - 1 else shipment_state
            selling = pick.listing.selling_price * pick.quantity
            item = SandboxFlipkartOrderItem(
                shipment=shipment,
                order_item_id=fakes.order_item_id(rng),
                order_id=order,
                listing=pick.listing,
                sku=pick.listing.sku,
                fsn=pick.listing.fsn,
                listing_code=pick.listing.listing_id,
                title=pick.listing.title,
                hsn=pick.listing.hsn,
                quantity=pick.quantity,
                status=RTO_ITEM_STATUS.get(item_state, item_state),
                payment_type="COD" if cod else "PREPAID",
                order_date=ordered_at,
                courier_return=item_state.startswith("RTO_"),
                selling_price=selling,
                shipping_charge=shipping if not history.items else Decimal("0"),
                flipkart_discount=(selling * discount_rate).to_integral_value()
                if discounted
                else Decimal("0"),
            )
            if item_state == "CANCELLED":
                reason, sub_reason = fakes.weighted(rng, fakes.CANCELLATIONS)
                item.cancellation_date = reached_at(rng, "CANCELLED", ordered_at, now)
                item.cancellation_reason, item.cancellation_sub_reason = reason, sub_reason
                shipment.updated_at = max(shipment.updated_at, item.cancellation_date)
            history.items.append(item)
            if item_state in RETURN_STATES:
                history.returns.append(make_return(rng, seller, item, item_state, updated))
    return history


def make_return(
    rng: random.Random,
    seller: SandboxFlipkartSeller,
    item: SandboxFlipkartOrderItem,
    state: str,
    updated: datetime,
) -> SandboxFlipkartReturn:
    """The return record behind an item in ``state`` (a key of ``RETURN_STATES``)."""
    source, status, moving = RETURN_STATES[state]
    courier = source == "courier_return"
    reason, sub_reason = fakes.weighted(
        rng, fakes.COURIER_RETURN_REASONS if courier else fakes.CUSTOMER_RETURN_REASONS
    )
    created = max(item.order_date, updated - timedelta(minutes=rng.randint(60, 2880)))
    return SandboxFlipkartReturn(
        seller=seller,
        return_id=fakes.return_id(rng),
        order_item=item,
        source=source,
        return_type="RTO" if courier else rng.choice(("REFUND", "REPLACEMENT")),
        status=status,
        shipment_status=rng.choice(moving),
        reason=reason,
        sub_reason=sub_reason,
        quantity=item.quantity,
        tracking_id=fakes.tracking_id(rng, courier),
        courier_name=fakes.weighted(rng, fakes.COURIERS)[0],
        created_at=created,
        updated_at=max(created, updated),
        approved_on=None if courier else created,
        expected_date=created + timedelta(days=rng.randint(3, 7)),
    )


def pick_lines(
    rng: random.Random, listings: list[SandboxFlipkartListing], weights: list[float]
) -> list[Pick]:
    """1–3 distinct listings (mostly one) with quantities (mostly 1)."""
    wanted = min(rng.choices(*LINES)[0], len(listings))
    chosen: dict[int, SandboxFlipkartListing] = {}
    while len(chosen) < wanted:
        listing = rng.choices(listings, weights=weights)[0]
        chosen.setdefault(id(listing), listing)
    return [Pick(listing, rng.choices(*QUANTITIES)[0]) for listing in chosen.values()]


def build_history(
    rng: random.Random,
    seller: SandboxFlipkartSeller,
    listings: list[SandboxFlipkartListing],
    *,
    orders: int,
    days: int,
    now: datetime,
) -> History:
    """``orders`` orders placed over the last ``days`` days (more of them recently), demand
    following a long tail over listings."""
    history = History()
    if orders <= 0 or not listings:
        return history
    ranks = list(range(len(listings)))
    rng.shuffle(ranks)
    weights = [1 / (rank + 1) ** 0.7 for rank in ranks]
    day_weights = [1 + 0.5 * (days - back) / days for back in range(days)]
    for back in sorted(rng.choices(range(days), weights=day_weights, k=orders), reverse=True):
        ordered_at = now - timedelta(days=back, seconds=rng.randint(300, 86_399))
        picks = pick_lines(rng, listings, weights)
        history.extend(
            compose_order(rng, seller=seller, picks=picks, ordered_at=ordered_at, now=now)
        )
    return history
