"""``manage.py sandbox_shiprocket_seed``: a Shiprocket sandbox API user (email, password,
pickup address, webhook URL and token) and optionally some booked shipments."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from sandbox.shiprocket import seed


class Command(BaseCommand):
    help = "Seed a Shiprocket sandbox API user (login, pickup, webhook) and shipments."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--email", default=seed.DEMO_EMAIL, help="API user email")
        parser.add_argument("--password", default=seed.DEMO_PASSWORD)
        parser.add_argument("--pickup-location", default=seed.DEMO_PICKUP)
        parser.add_argument("--pickup-postcode", default=seed.DEMO_PIN)
        parser.add_argument("--webhook-url", default="", help="tracking webhook URL")
        parser.add_argument("--webhook-token", default="", help="sent as x-api-key")
        parser.add_argument("--shipments", type=int, default=0)
        parser.add_argument("--seed", type=int, default=1)

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            user = seed.seed_user(
                options["email"],
                password=options["password"],
                pickup_location=options["pickup_location"],
                pickup_postcode=options["pickup_postcode"],
                webhook_url=options["webhook_url"],
                webhook_token=options["webhook_token"],
            )
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        awbs = seed.seed_shipments(user, options["shipments"], options["seed"])
        self.stdout.write(
            self.style.SUCCESS(f"Shiprocket API user {user.email}: {len(awbs)} new shipments.")
        )
        self.stdout.write(f"API root: {settings.PUBLIC_BASE_URL}/sandbox/shiprocket/{user.email}")
        self.stdout.write(f"Webhook URL: {user.webhook_url or '(none)'}")
