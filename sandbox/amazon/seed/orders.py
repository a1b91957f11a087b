"""Amazon.in orders: ids ``40X-XXXXXXX-XXXXXXX``, AFN and MFN, COD (``PaymentMethod: "COD"``,
``PaymentMethodDetails: ["CashOnDelivery"]``) and prepaid (``"Other"``, ``["Standard"]``),
Prime and business orders, promotions, Indian cities and pincodes, and a status that depends
on the order's age (recent ones Pending/Unshipped, older ones Shipped, some Canceled).

Amounts are GST-inclusive rupees: ``ItemPrice`` is unit price × quantity, ``ItemTax`` the GST
inside it; orders under ₹499 pay ₹40 shipping unless Prime (then a free-shipping promotion
takes it off). Everything random comes from the ``rng`` passed in.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

from sandbox.amazon.models import (
    SandboxAmazonListing,
    SandboxAmazonOrder,
    SandboxAmazonOrderItem,
    SandboxAmazonSeller,
)
from sandbox.kernel.seed import data
from sandbox.shopify.seed.generate import HOURLY

IST = ZoneInfo("Asia/Kolkata")
CENT = Decimal("0.01")
SHIPPING_FEE = Decimal("40")
SHIPPING_GST = Decimal("0.18")
FREE_SHIPPING_FROM = Decimal("499")
FREE_SHIPPING_PROMO = "IN Core Free Shipping 2015/04/08 23-48-5-108"


def _round(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class Line:
    """A listing ordered in some quantity, at its unit price then."""

    listing: SandboxAmazonListing
    quantity: int


def order_id(rng: random.Random, taken: set[str]) -> str:
    """A new Amazon.in order id (``40X-XXXXXXX-XXXXXXX``), unique within ``taken``."""
    while True:
        value = (
            f"40{rng.randint(2, 8)}-{rng.randint(0, 9_999_999):07d}-{rng.randint(0, 9_999_999):07d}"
        )
        if value not in taken:
            taken.add(value)
            return value


def purchase_times(rng: random.Random, count: int, days: int, now: datetime) -> list[datetime]:
    """``count`` purchase instants over the last ``days``, oldest first: growing volume and the
    IST time-of-day profile of the Shopify sandbox."""
    today = now.astimezone(IST).date()
    weights = [1 + 0.6 * (days - back) / days for back in range(days)]
    moments = []
    for back in rng.choices(range(days), weights=weights, k=count):
        hour = rng.choices(range(24), weights=HOURLY)[0]
        local = datetime.combine(today - timedelta(days=back), datetime.min.time(), tzinfo=IST)
        moment = (local + timedelta(hours=hour, seconds=rng.randint(0, 3599))).astimezone(UTC)
        moments.append(min(moment, now - timedelta(minutes=rng.randint(3, 240))))
    return sorted(moments)


def pick_lines(
    rng: random.Random, listings: list[SandboxAmazonListing], weights: list[float], bulk: bool
) -> list[Line]:
    """Distinct listings with quantities: 1–3 lines usually, 31–40 for a bulk B2B order."""
    wanted = rng.randint(31, 40) if bulk else rng.choices((1, 2, 3), (75, 19, 6))[0]
    wanted = min(wanted, len(listings))
    chosen: dict[str, SandboxAmazonListing] = {}
    while len(chosen) < wanted:
        listing = rng.choices(listings, weights=weights)[0]
        chosen.setdefault(listing.sku, listing)
    top = 10 if bulk else 3
    return [
        Line(listing, rng.randint(2, top) if bulk else rng.choices((1, 2, 3), (85, 12, 3))[0])
        for listing in chosen.values()
    ]


def _status(rng: random.Random, age: timedelta, cod: bool, afn: bool, lines: int) -> str:
    hours = age.total_seconds() / 3600
    if rng.random() < 0.04:
        return "Canceled"
    if hours < 0.5 and not cod and rng.random() < 0.6:
        return "Pending"
    if hours < 24:
        return "Shipped" if afn and hours > 6 and rng.random() < 0.6 else "Unshipped"
    if hours < 72:
        roll = rng.random()
        if roll < 0.7:
            return "Shipped"
        return "PartiallyShipped" if lines > 1 and roll < 0.8 else "Unshipped"
    return "Shipped"


def _last_update(
    rng: random.Random, status: str, purchased: datetime, afn: bool, now: datetime
) -> datetime:
    if status == "Pending":
        delay = timedelta(seconds=rng.randint(0, 90))
    elif status == "Unshipped":
        delay = timedelta(minutes=rng.randint(1, 30))
    elif status == "Canceled":
        delay = timedelta(hours=rng.uniform(0.5, 30))
    else:
        delay = timedelta(hours=rng.uniform(4, 24) if afn else rng.uniform(12, 60))
    return min(purchased + delay, max(purchased, now - timedelta(minutes=rng.randint(2, 30))))


def compose(
    rng: random.Random,
    *,
    seller: SandboxAmazonSeller,
    amazon_order_id: str,
    purchased: datetime,
    lines: list[Line],
    now: datetime,
    status: str | None = None,
    bulk: bool = False,
    item_ids: set[str],
) -> tuple[SandboxAmazonOrder, list[SandboxAmazonOrderItem]]:
    """An unsaved order with its items (``status`` forced or drawn from the order's age)."""
    afn = rng.random() < 0.35
    cod = not bulk and rng.random() < 0.45
    prime = rng.random() < (0.75 if afn else 0.08)
    business = bulk or rng.random() < 0.04
    if status is None:
        status = _status(rng, now - purchased, cod, afn, len(lines))
    city, state, _, pin_lo, pin_hi, _ = rng.choices(
        data.CITIES, weights=[c[5] for c in data.CITIES]
    )[0]
    ship_days = (1, 2) if prime else (3, 7)
    order = SandboxAmazonOrder(
        seller=seller,
        amazon_order_id=amazon_order_id,
        purchase_date=purchased,
        last_update_date=_last_update(rng, status, purchased, afn, now),
        status=status,
        fulfillment_channel="AFN" if afn else "MFN",
        ship_service_level="Exp IN Dom" if prime else "Std IN Dom",
        shipment_category="Expedited" if prime else "Standard",
        payment_method="COD" if cod else "Other",
        payment_method_details=["CashOnDelivery"] if cod else ["Standard"],
        is_prime=prime,
        is_business_order=business,
        earliest_ship_date=purchased,
        latest_ship_date=purchased + timedelta(days=2),
        earliest_delivery_date=purchased + timedelta(days=ship_days[0]),
        latest_delivery_date=purchased + timedelta(days=ship_days[1]),
        ship_city=city,
        ship_state=state,
        ship_postal_code=str(rng.randint(pin_lo, pin_hi)),
        purchase_order_number=f"PO-{rng.randint(10000, 99999)}" if business else "",
    )
    items = _items(rng, order, lines, item_ids)
    order.order_total = sum(
        (
            i.item_price + i.shipping_price - i.shipping_discount - i.promotion_discount
            for i in items
        ),
        Decimal("0"),
    )
    order.items_shipped = sum(i.quantity_shipped for i in items)
    order.items_unshipped = (
        0 if status == "Canceled" else sum(i.quantity_ordered for i in items) - order.items_shipped
    )
    return order, items


def _items(
    rng: random.Random, order: SandboxAmazonOrder, lines: list[Line], item_ids: set[str]
) -> list[SandboxAmazonOrderItem]:
    subtotal = sum((line.listing.price * line.quantity for line in lines), Decimal("0"))
    charge_shipping = subtotal < FREE_SHIPPING_FROM
    items = []
    for position, line in enumerate(lines, start=1):
        listing = line.listing
        item_price = listing.price * line.quantity
        rate = listing.gst_rate
        promotion, promo_ids = Decimal("0"), []
        if rng.random() < 0.12:
            promotion = _round(item_price * Decimal("0.10"))
            promo_ids.append(
                "A" + "".join(rng.choice("ABCDEFGHJKLMNPQRSTUVWXYZ23456789") for _ in range(13))
            )
        shipping = SHIPPING_FEE if charge_shipping and position == 1 else Decimal("0")
        discount = shipping if order.is_prime else Decimal("0")
        if discount:
            promo_ids.append(FREE_SHIPPING_PROMO)
        if order.status == "Shipped" or (order.status == "PartiallyShipped" and position == 1):
            shipped = line.quantity
        else:
            shipped = 0
        while (item_id := str(rng.randint(10**13, 10**14 - 1))) in item_ids:
            continue
        item_ids.add(item_id)
        items.append(
            SandboxAmazonOrderItem(
                order=order,
                order_item_id=item_id,
                position=position,
                asin=listing.asin,
                seller_sku=listing.sku,
                title=listing.title,
                quantity_ordered=line.quantity,
                quantity_shipped=shipped,
                item_price=item_price,
                item_tax=_round(item_price * rate / (1 + rate)),
                shipping_price=shipping,
                shipping_tax=_round(shipping * SHIPPING_GST / (1 + SHIPPING_GST)),
                shipping_discount=discount,
                promotion_discount=promotion,
                promotion_ids=promo_ids,
                is_gift=rng.random() < 0.02,
            )
        )
    return items


def popularity(rng: random.Random, listings: list[SandboxAmazonListing]) -> list[float]:
    """Demand weight per listing: a long tail (a shuffled rank, 1/rank^0.7)."""
    ranks = list(range(len(listings)))
    rng.shuffle(ranks)
    return [1 / (rank + 1) ** 0.7 for rank in ranks]


def history(
    rng: random.Random,
    seller: SandboxAmazonSeller,
    listings: list[SandboxAmazonListing],
    count: int,
    days: int,
    now: datetime,
) -> tuple[list[SandboxAmazonOrder], list[SandboxAmazonOrderItem]]:
    """``count`` unsaved orders over the last ``days`` with their items; about one in 250 is a
    bulk business order with more lines than one getOrderItems page."""
    if count <= 0 or not listings:
        return [], []
    weights = popularity(rng, listings)
    taken: set[str] = set()
    item_ids: set[str] = set()
    orders, items = [], []
    for purchased in purchase_times(rng, count, max(days, 1), now):
        bulk = rng.random() < 0.004
        order, order_items = compose(
            rng,
            seller=seller,
            amazon_order_id=order_id(rng, taken),
            purchased=purchased,
            lines=pick_lines(rng, listings, weights, bulk),
            now=now,
            bulk=bulk,
            item_ids=item_ids,
        )
        orders.append(order)
        items.extend(order_items)
    return orders, items
