"""``manage.py sandbox_amazon_seed``: seed an Amazon SP-API sandbox seller (see
``sandbox.amazon.services.seed_seller``)."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from tqdm import tqdm

from sandbox.amazon import services


class Command(BaseCommand):
    help = "Seed an Amazon sandbox seller: LWA credentials, listings and order history."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--seller-id", default="A2SANGAMDEMO01", help="merchant token")
        parser.add_argument(
            "--shop", default=None, help="copy the catalog of this seeded *.myshopify.com shop"
        )
        parser.add_argument("--orders", type=int, default=3000)
        parser.add_argument("--days", type=int, default=90, help="order history window")
        parser.add_argument("--seed", type=int, default=7, help="random seed")
        parser.add_argument("--client-id", default="amzn1.application-oa2-client.sandbox")
        parser.add_argument("--client-secret", default="sandbox-secret")
        parser.add_argument("--refresh-token", default=None, help="default: a new Atzr|… token")
        parser.add_argument("--store-name", default=None)
        parser.add_argument(
            "--rate-scale", type=float, default=1.0, help="multiply every usage plan's rate"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.monotonic()
        with tqdm(total=1, unit="order", desc="Seeding", disable=options["verbosity"] == 0) as bar:

            def progress(done: int, total: int) -> None:
                bar.total = max(total, 1)
                bar.update(done - bar.n)

            seller = services.seed_seller(
                seller_id=options["seller_id"],
                shop=options["shop"],
                orders=options["orders"],
                days=options["days"],
                seed=options["seed"],
                client_id=options["client_id"],
                client_secret=options["client_secret"],
                refresh_token=options["refresh_token"],
                store_name=options["store_name"],
                progress=progress,
            )
        if options["rate_scale"] != 1.0:
            services.set_rate_scale(seller.seller_id, options["rate_scale"])
        self.stdout.write(
            self.style.SUCCESS(
                f"{seller.seller_id} ({seller.store_name}): {seller.listings.count()} listings, "
                f"{seller.orders.count()} orders ({time.monotonic() - started:.1f} s). "
                f"Refresh token: {services.refresh_token(seller.seller_id)}"
            )
        )
