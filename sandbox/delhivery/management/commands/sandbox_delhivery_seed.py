"""``manage.py sandbox_delhivery_seed``: a Delhivery sandbox client (static token, registered
warehouse, push URL) and optionally some shipments."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from sandbox.delhivery import seed


class Command(BaseCommand):
    help = "Seed a Delhivery sandbox client (token, warehouse, push URL) and shipments."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--client", default=seed.DEMO_CLIENT, help="registered client name")
        parser.add_argument("--token", default=None, help="static API token (default: derived)")
        parser.add_argument("--warehouse", default=seed.DEMO_WAREHOUSE)
        parser.add_argument("--warehouse-pin", default=seed.DEMO_PIN)
        parser.add_argument("--push-url", default="", help="scan-push URL (blank: none)")
        parser.add_argument("--shipments", type=int, default=0)
        parser.add_argument("--seed", type=int, default=1)

    def handle(self, *args: Any, **options: Any) -> None:
        client = seed.seed_client(
            options["client"],
            token=options["token"],
            warehouse=options["warehouse"],
            warehouse_pin=options["warehouse_pin"],
            push_url=options["push_url"],
        )
        waybills = seed.seed_shipments(client, options["shipments"], options["seed"])
        self.stdout.write(
            self.style.SUCCESS(f"Delhivery client {client.name}: {len(waybills)} new shipments.")
        )
        self.stdout.write(f"API root: {settings.PUBLIC_BASE_URL}/sandbox/delhivery/{client.name}")
        self.stdout.write(f"Authorization: Token {client.token}")
        self.stdout.write(f"Push URL: {client.push_url or '(none)'}")
