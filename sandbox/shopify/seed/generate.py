"""Seed one sandbox shop with a deterministic catalog and order history.

Everything random comes from ``random.Random(seed)``; timestamps are offsets from the sandbox
clock's "now", so two seeds with the same arguments give the same store (names, SKUs, prices,
orders, amounts) shifted in time. Rows are written with ``bulk_create`` in FK order.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from django.db import transaction

from sandbox.kernel import clock
from sandbox.kernel.seed import data
from sandbox.shopify.bulk import result_path
from sandbox.shopify.ids import allocate_id, allocate_ids
from sandbox.shopify.models import (
    SandboxBulkOperation,
    SandboxCustomer,
    SandboxFulfillment,
    SandboxFulfillmentLineItem,
    SandboxInventoryItem,
    SandboxInventoryLevel,
    SandboxLineItem,
    SandboxLocation,
    SandboxOrder,
    SandboxProduct,
    SandboxShop,
    SandboxVariant,
)
from sandbox.shopify.seed.catalog import Catalog, build_catalog
from sandbox.shopify.seed.orders import Pick, apply_history, compose_order, make_customer

Progress = Callable[[int, int], None]
BATCH = 500
# Relative order volume by hour of day in IST (evening peak, quiet nights).
HOURLY = (
    1,
    0.5,
    0.3,
    0.2,
    0.2,
    0.3,
    0.6,
    1,
    1.5,
    2,
    2.5,
    3,
    3.5,
    3.5,
    3,
    2.8,
    2.8,
    3,
    3.5,
    4,
    4.5,
    4.5,
    3.5,
    2,
)
LINES_PER_ORDER = ((1, 2, 3, 4, 5), (55, 25, 12, 5, 3))
QUANTITIES = ((1, 2, 3), (85, 12, 3))


def shop_for(domain: str) -> SandboxShop:
    """The shop row for ``domain``, created with Indian D2C defaults if new."""
    shop = SandboxShop.objects.filter(domain=domain).first()
    if shop is not None:
        return shop
    name = domain.split(".")[0].replace("-", " ").title()
    now = clock.now()
    slug = domain.split(".")[0].replace("-", "")
    return SandboxShop.objects.create(
        id=allocate_id("Shop"),
        domain=domain,
        name=name,
        email=f"support@{slug}.in",
        shop_owner="Ritika Malhotra",
        phone="+912240001234",
        address1="Gala No. 14, Rajlaxmi Logistics Park, Vadape",
        city="Bhiwandi",
        province="Maharashtra",
        province_code="MH",
        zip="421302",
        created_at=now,
        updated_at=now,
    )


def reset_shop(shop: SandboxShop) -> None:
    """Delete the shop's catalog, customers, orders and bulk results (apps, tokens and webhook
    subscriptions stay, so connected clients keep working)."""
    for op in SandboxBulkOperation.objects.filter(shop=shop):
        result_path(op).unlink(missing_ok=True)
    SandboxBulkOperation.objects.filter(shop=shop).delete()
    SandboxOrder.objects.filter(shop=shop).delete()
    SandboxCustomer.objects.filter(shop=shop).delete()
    SandboxProduct.objects.filter(shop=shop).delete()
    SandboxLocation.objects.filter(shop=shop).delete()
    shop.next_order_number = 1001


def _locations(shop: SandboxShop, count: int, now: datetime) -> list[SandboxLocation]:
    ids = allocate_ids("Location", count)
    rows = [
        SandboxLocation(
            id=location_id,
            shop=shop,
            name=name,
            address1=address1,
            city=city,
            province=state,
            province_code=code,
            zip=pincode,
            phone=shop.phone,
            is_primary=index == 0,
            created_at=now - timedelta(days=500),
            updated_at=now - timedelta(days=500),
        )
        for index, (location_id, (name, address1, city, state, code, pincode)) in enumerate(
            zip(ids, data.LOCATIONS[:count], strict=True)
        )
    ]
    return SandboxLocation.objects.bulk_create(rows)


def _order_times(
    rng: random.Random, count: int, days: int, now: datetime, tz: ZoneInfo
) -> list[tuple[datetime, int]]:
    """``(placed at, days back)`` of ``count`` orders, oldest first: a growth trend over the
    window and an IST time-of-day profile. The draws do not depend on the date, so a seed
    always yields the same sequence."""
    today = now.astimezone(tz).date()
    day_weights = [1 + 0.6 * (days - back) / days for back in range(days)]
    picked = []
    for back in rng.choices(range(days), weights=day_weights, k=count):
        hour = rng.choices(range(24), weights=HOURLY)[0]
        second, early = rng.randint(0, 3599), timedelta(minutes=rng.randint(2, 180))
        local = datetime.combine(today - timedelta(days=back), datetime.min.time(), tzinfo=tz)
        moment = (local + timedelta(hours=hour, seconds=second)).astimezone(UTC)
        # Today's orders cannot be in the future.
        picked.append((min(moment, now - early) if back == 0 else moment, back))
    return sorted(picked)


def variant_weights(rng: random.Random, catalog: Catalog) -> list[float]:
    """Demand per variant: a long tail over products, middle sizes preferred."""
    ranks = list(range(len(catalog.products)))
    rng.shuffle(ranks)
    popularity = {
        p.id: 1 / (rank + 1) ** 0.7 for p, rank in zip(catalog.products, ranks, strict=True)
    }
    size_boost = {"M": 1.6, "L": 1.5, "S": 1.1, "XL": 1.0}
    return [popularity[v.product_id] * size_boost.get(v.options[0], 0.8) for v in catalog.variants]


def pick_lines(
    rng: random.Random, variants: list[SandboxVariant], weights: list[float], flat_gst: dict
) -> list[Pick]:
    """1–5 distinct variants with quantities (mostly 1)."""
    wanted = rng.choices(*LINES_PER_ORDER)[0]
    chosen: dict[int, SandboxVariant] = {}
    for _ in range(wanted * 4):
        variant = rng.choices(variants, weights=weights)[0]
        chosen.setdefault(variant.id, variant)
        if len(chosen) == min(wanted, len(variants)):
            break
    return [Pick(v, rng.choices(*QUANTITIES)[0], flat_gst[v.id]) for v in chosen.values()]


def _save_all(*groups: tuple[type, list]) -> None:
    for model, rows in groups:
        model.objects.bulk_create(rows, batch_size=BATCH)


def seed(
    *,
    domain: str,
    products: int,
    variants: int,
    orders: int,
    days: int,
    seed: int,
    bucket_size: int,
    restore_rate: int,
    reset: bool,
    progress: Progress | None,
) -> SandboxShop:
    """Create (or with ``reset``, recreate) the data of shop ``domain``. A shop that already
    has products keeps its data unless ``reset`` is true; its bucket settings are applied."""
    rng = random.Random(seed)  # noqa: S311 - reproducible fake data, not secrets
    now = clock.now()
    report = progress or (lambda done, total: None)
    total = products + variants + orders
    with transaction.atomic():
        shop = shop_for(domain)
        shop.bucket_size, shop.restore_rate = bucket_size, restore_rate
        if reset:
            reset_shop(shop)
        elif SandboxProduct.objects.filter(shop=shop).exists():
            shop.save(update_fields=["bucket_size", "restore_rate"])
            return shop
        locations = _locations(shop, 2 if variants >= 100 else 1, now)
        catalog = build_catalog(rng, shop, products, variants, locations, now, days)
        report(products + variants, total)
        customers, order_rows, line_rows = _history(
            rng,
            shop,
            catalog,
            orders,
            days,
            now,
            lambda done: report(products + variants + done, total),
        )
        fulfillments, fulfillment_lines = _fulfillments(order_rows, line_rows)
        _save_all(
            (SandboxProduct, catalog.products),
            (SandboxVariant, catalog.variants),
            (SandboxInventoryItem, catalog.items),
            (SandboxInventoryLevel, catalog.levels),
            (SandboxCustomer, customers),
            (SandboxOrder, order_rows),
            (SandboxLineItem, line_rows),
            (SandboxFulfillment, fulfillments),
            (SandboxFulfillmentLineItem, fulfillment_lines),
        )
        shop.next_order_number = 1001 + len(order_rows)
        shop.updated_at = now
        shop.save()
    report(total, total)
    return shop


def _history(
    rng: random.Random,
    shop: SandboxShop,
    catalog: Catalog,
    count: int,
    days: int,
    now: datetime,
    report: Callable[[int], None],
) -> tuple[list, list, list]:
    if count <= 0 or not catalog.variants:
        return [], [], []
    times = _order_times(rng, count, days, now, ZoneInfo(shop.iana_timezone))
    weights = variant_weights(rng, catalog)
    pool_size = max(1, int(count * 0.75))
    buyer_index = [rng.randrange(pool_size) for _ in range(count)]
    used = sorted(set(buyer_index))
    customer_ids = dict(zip(used, allocate_ids("Customer", len(used)), strict=True))
    address_ids = dict(zip(used, allocate_ids("MailingAddress", len(used)), strict=True))
    order_ids = iter(allocate_ids("Order", count))
    shipping_ids = iter(allocate_ids("ShippingLine", count))
    picks = [pick_lines(rng, catalog.variants, weights, catalog.flat_gst) for _ in range(count)]
    line_ids = iter(allocate_ids("LineItem", sum(len(p) for p in picks)))
    primary = {lv.item.variant_id: lv for lv in catalog.levels if lv.location.is_primary}
    customers: dict[int, SandboxCustomer] = {}
    orders, lines = [], []
    for index, ((created, back), buyer, order_picks) in enumerate(
        zip(times, buyer_index, picks, strict=True)
    ):
        customer = customers.get(buyer)
        if customer is None:
            customer = make_customer(
                rng,
                shop,
                customer_ids[buyer],
                address_ids[buyer],
                created - timedelta(minutes=rng.randint(1, 60)),
            )
            customers[buyer] = customer
        order, items = compose_order(
            rng,
            shop=shop,
            order_id=next(order_ids),
            number=1001 + index,
            customer=customer,
            picks=order_picks,
            line_ids=[next(line_ids) for _ in order_picks],
            shipping_line_id=next(shipping_ids),
            created_at=created,
            repeat=customer.updated_at > customer.created_at,
        )
        apply_history(rng, order, items, now, back)
        customer.updated_at = max(customer.updated_at, order.created_at)
        for item in items:
            level = primary.get(item.variant_id)
            if level is not None:
                level.committed += max(item.current_quantity - item.fulfilled_quantity, 0)
        orders.append(order)
        lines.extend(items)
        if index % 250 == 249:
            report(index + 1)
    return list(customers.values()), orders, lines


def _fulfillments(
    orders: list[SandboxOrder], lines: list[SandboxLineItem]
) -> tuple[list[SandboxFulfillment], list[SandboxFulfillmentLineItem]]:
    """One fulfillment per shipped order at its ``fulfilled_at``, with the units each line
    shipped (``fulfilled_quantity``), so ``Order.fulfillments`` agrees with the lines."""
    shipped = [o for o in orders if o.fulfilled_at is not None]
    by_order: dict[int, list[SandboxLineItem]] = {}
    for line in lines:
        if line.fulfilled_quantity:
            by_order.setdefault(line.order_id, []).append(line)
    fulfillment_ids = iter(allocate_ids("Fulfillment", len(shipped)))
    line_ids = iter(
        allocate_ids("FulfillmentLineItem", sum(len(by_order.get(o.id, [])) for o in shipped))
    )
    fulfillments: list[SandboxFulfillment] = []
    fulfillment_lines: list[SandboxFulfillmentLineItem] = []
    for order in shipped:
        fulfillment = SandboxFulfillment(
            id=next(fulfillment_ids),
            order=order,
            created_at=order.fulfilled_at,
            updated_at=order.fulfilled_at,
        )
        fulfillments.append(fulfillment)
        fulfillment_lines.extend(
            SandboxFulfillmentLineItem(
                id=next(line_ids),
                fulfillment=fulfillment,
                line_item=line,
                quantity=line.fulfilled_quantity,
            )
            for line in by_order.get(order.id, [])
        )
    return fulfillments, fulfillment_lines
