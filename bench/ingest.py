"""Throughput of the order import path vs a raw psycopg ``executemany`` upsert.

Imports N realistic orders (1–5 lines each, stock reservation included) through
``orders.services.orders_import`` in pages of 250 — exactly what a sync page does — on the
configured database (``DATABASE_URL``), then upserts the same order rows with one raw
``executemany`` (PostgreSQL: psycopg; SQLite: sqlite3) in the same run. Prints orders/s for both.

    .venv/bin/python bench/ingest.py [--orders 20000] [--page 250]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/sangam_bench .venv/bin/python bench/ingest.py
"""

from __future__ import annotations

import argparse
import json
import random
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from _setup import django_setup

django_setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from tqdm import tqdm  # noqa: E402

from accounts.models import Merchant  # noqa: E402
from integrations.dto import (  # noqa: E402
    AddressDTO,
    OrderDTO,
    OrderItemDTO,
    OrderStatus,
    PaymentMethod,
)
from integrations.models import ChannelAccount  # noqa: E402
from inventory.models import Product, StockLevel, Variant  # noqa: E402
from inventory.services import default_warehouse  # noqa: E402
from orders.models import Order  # noqa: E402
from orders.services import order_values, orders_import  # noqa: E402

CITIES = [
    ("Mumbai", "Maharashtra", "MH", "400001"),
    ("Bengaluru", "Karnataka", "KA", "560001"),
    ("Jaipur", "Rajasthan", "RJ", "302001"),
    ("Lucknow", "Uttar Pradesh", "UP", "226001"),
    ("Kochi", "Kerala", "KL", "682001"),
    ("Pune", "Maharashtra", "MH", "411001"),
]
STATUSES = [OrderStatus.CONFIRMED] * 6 + [OrderStatus.SHIPPED] * 3 + [OrderStatus.CANCELLED]


def make_orders(n: int, skus: list[str], prefix: str, rng: random.Random) -> list[OrderDTO]:
    start = datetime(2026, 8, 1, tzinfo=UTC)
    orders = []
    for i in range(n):
        lines = []
        for j in range(rng.randint(1, 5)):
            price = Decimal(rng.choice([499, 799, 1299, 1999, 2499]))
            lines.append(
                OrderItemDTO(
                    external_id=f"{prefix}{i}-{j}",
                    sku=rng.choice(skus),
                    title="Cotton kurta",
                    quantity=rng.randint(1, 3),
                    unit_price=price,
                    tax=(price * Decimal("0.05")).quantize(Decimal("0.01")),
                )
            )
        subtotal = sum((li.unit_price * li.quantity for li in lines), Decimal("0"))
        city, state, code, pin = rng.choice(CITIES)
        placed = start + timedelta(minutes=i)
        orders.append(
            OrderDTO(
                external_id=f"{prefix}{5_000_000_000_000_000_000 + i}",
                order_number=f"#{1001 + i}",
                placed_at=placed,
                updated_at=placed + timedelta(minutes=5),
                status=rng.choice(STATUSES),
                payment_method=PaymentMethod.COD if rng.random() < 0.6 else PaymentMethod.PREPAID,
                currency="INR",
                subtotal=subtotal,
                discount_total=Decimal("0"),
                shipping_total=Decimal("49.00"),
                tax_total=Decimal("0"),
                total=subtotal + 49,
                items=tuple(lines),
                customer_name="Priya Sharma",
                customer_email="priya@example.in",
                ship_to=AddressDTO(
                    name="Priya Sharma",
                    city=city,
                    state=state,
                    state_code=code,
                    pincode=pin,
                    country_code="IN",
                ),
                raw={"id": i, "name": f"#{1001 + i}"},
            )
        )
    return orders


def bench_service(account, orders: list[OrderDTO], page: int) -> float:
    started = time.perf_counter()
    with tqdm(total=len(orders), desc="order_import", unit="order") as bar:
        for k in range(0, len(orders), page):
            batch = orders[k : k + page]
            result = orders_import(account=account, orders=batch, source="bench")
            if result.failures:
                raise SystemExit(f"import failed: {result.failures[0].error}")
            bar.update(len(batch))
    return time.perf_counter() - started


def bench_raw(account, orders: list[OrderDTO]) -> float:
    """One executemany upsert of the same order rows (no items, no stock) on the raw driver."""
    table = Order._meta.db_table
    now = datetime.now(UTC)
    rows = []
    for o in orders:
        values = order_values(o)
        values["raw"] = json.dumps(values["raw"])
        values["tags"] = json.dumps(values["tags"])
        rows.append(
            {
                "merchant_id": account.merchant_id,
                "account_id": account.pk,
                "channel": "bench",
                "external_id": o.external_id,
                "stock_reserved": False,
                "unfulfillable": False,
                "created_at": now,
                "updated_at": now,
                **values,
            }
        )
    cols = list(rows[0])
    rows = [tuple(r[c] for c in cols) for r in rows]
    ph = "%s" if connection.vendor == "postgresql" else "?"
    updates = ", ".join(f"{c} = excluded.{c}" for c in cols[4:] if c != "created_at")
    sql = (
        f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({', '.join([ph] * len(cols))}) "
        f"ON CONFLICT (account_id, external_id) DO UPDATE SET {updates}"
    )
    raw = connection.connection  # the driver connection: psycopg or sqlite3
    started = time.perf_counter()
    cursor = raw.cursor()
    if connection.vendor == "sqlite":
        rows = [tuple(str(v) if isinstance(v, Decimal | datetime) else v for v in r) for r in rows]
    cursor.executemany(sql, rows)
    raw.commit()
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--orders", type=int, default=20_000)
    parser.add_argument("--page", type=int, default=250)
    parser.add_argument("--variants", type=int, default=300)
    args = parser.parse_args()
    call_command("migrate", verbosity=0)
    rng = random.Random(7)
    Merchant.objects.filter(slug="bench-ingest").delete()
    merchant = Merchant.objects.create(name="Bench ingest", slug="bench-ingest")
    account = ChannelAccount.objects.create(
        merchant=merchant, provider="shopify", external_id="bench-ingest.myshopify.com"
    )
    raw_account = ChannelAccount.objects.create(
        merchant=merchant, provider="shopify", external_id="bench-raw.myshopify.com"
    )
    product = Product.objects.create(merchant=merchant, title="Bench kurta", handle="bench-kurta")
    variants = Variant.objects.bulk_create(
        Variant(merchant=merchant, product=product, sku=f"BENCH-{i:04d}", price=Decimal("999"))
        for i in range(args.variants)
    )
    warehouse = default_warehouse(merchant)
    StockLevel.objects.bulk_create(
        StockLevel(warehouse=warehouse, variant=v, on_hand=1_000_000) for v in variants
    )
    skus = [v.sku for v in variants]
    orders = make_orders(args.orders, skus, "", rng)
    lines = sum(len(o.items) for o in orders)
    try:
        service_seconds = bench_service(account, orders, args.page)
        raw_seconds = bench_raw(raw_account, orders)
        stored = Order.objects.filter(account=account).count()
        reserved = sum(
            StockLevel.objects.filter(warehouse=warehouse).values_list("reserved", flat=True)
        )
    finally:
        Merchant.objects.filter(slug="bench-ingest").delete()
    print(f"database: {connection.vendor} ({connection.settings_dict['NAME']})")
    print(
        f"orders: {args.orders}  lines: {lines}  page size: {args.page}  stored: {stored}  "
        f"units reserved: {reserved}"
    )
    print(
        f"order_import (items + stock + history): {args.orders / service_seconds:8.0f} orders/s "
        f"({service_seconds:.2f} s)"
    )
    print(
        f"raw {connection.vendor} executemany upsert (order rows only): "
        f"{args.orders / raw_seconds:8.0f} orders/s ({raw_seconds:.2f} s)"
    )


if __name__ == "__main__":
    main()
