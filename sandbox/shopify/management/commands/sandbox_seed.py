"""``manage.py sandbox_seed``: seed a sandbox Shopify store (see ``services.seed_shop``)."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from tqdm import tqdm

from sandbox.shopify import services


class Command(BaseCommand):
    help = "Seed a sandbox Shopify store with a deterministic catalog and order history."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--shop",
            default="sangam-demo.myshopify.com",
            help="*.myshopify.com domain of the store",
        )
        parser.add_argument("--products", type=int, default=60)
        parser.add_argument("--variants", type=int, default=300)
        parser.add_argument("--orders", type=int, default=3000)
        parser.add_argument("--days", type=int, default=90, help="order history window")
        parser.add_argument("--seed", type=int, default=42, help="random seed")
        parser.add_argument(
            "--bucket-size", type=int, default=1000, help="GraphQL cost bucket size (points)"
        )
        parser.add_argument(
            "--restore-rate",
            type=int,
            default=50,
            help="GraphQL cost bucket restore rate (points/s)",
        )
        parser.add_argument(
            "--reset", action="store_true", help="delete the store's existing data first"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.monotonic()
        with tqdm(total=1, unit="rec", desc="Seeding", disable=options["verbosity"] == 0) as bar:

            def progress(done: int, total: int) -> None:
                bar.total = total
                bar.update(done - bar.n)

            shop = services.seed_shop(
                shop=options["shop"],
                products=options["products"],
                variants=options["variants"],
                orders=options["orders"],
                days=options["days"],
                seed=options["seed"],
                bucket_size=options["bucket_size"],
                restore_rate=options["restore_rate"],
                reset=options["reset"],
                progress=progress,
            )
        self.stdout.write(
            self.style.SUCCESS(
                f"{shop.domain}: {shop.products.count()} products, "
                f"{shop.variants.count()} variants, "
                f"{shop.orders.count()} orders, {shop.customers.count()} customers "
                f"({time.monotonic() - started:.1f} s)."
            )
        )
