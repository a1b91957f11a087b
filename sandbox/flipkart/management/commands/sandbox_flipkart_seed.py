"""``manage.py sandbox_flipkart_seed``: seed a Flipkart sandbox seller (see
``sandbox.flipkart.services.seed_seller``)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from sandbox.flipkart import services
from sandbox.flipkart.models import SandboxFlipkartOrderItem, SandboxFlipkartReturn


class Command(BaseCommand):
    help = "Seed a Flipkart sandbox seller: listings (a Shopify sandbox shop's catalog or a "
    "generated one), shipments and returns."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--app-id", default="sangam-flipkart-demo", help="application id")
        parser.add_argument("--secret", default="sandbox-secret", help="application secret")
        parser.add_argument("--shop", default=None, help="Shopify sandbox shop to list")
        parser.add_argument("--orders", type=int, default=500)
        parser.add_argument("--days", type=int, default=60, help="order history window")
        parser.add_argument("--seed", type=int, default=5, help="random seed")
        parser.add_argument("--location", default="LOCa1b2c3d4e5", help="warehouse location id")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            seller = services.seed_seller(
                application_id=options["app_id"],
                shop=options["shop"],
                orders=options["orders"],
                days=options["days"],
                seed=options["seed"],
                application_secret=options["secret"],
                location_id=options["location"],
            )
        except LookupError as exc:
            raise CommandError(str(exc)) from None
        items = SandboxFlipkartOrderItem.objects.filter(shipment__seller=seller)
        self.stdout.write(
            self.style.SUCCESS(
                f"Flipkart seller {seller.application_id}: {seller.listings.count()} listings, "
                f"{items.values('order_id').distinct().count()} orders, {items.count()} items, "
                f"{SandboxFlipkartReturn.objects.filter(seller=seller).count()} returns."
            )
        )
        self.stdout.write(
            f"API root: {settings.PUBLIC_BASE_URL}/sandbox/flipkart/{seller.application_id}"
        )
