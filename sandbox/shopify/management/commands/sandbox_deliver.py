"""``manage.py sandbox_deliver``: retry sandbox webhook deliveries whose backoff has elapsed."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from sandbox.shopify import services


class Command(BaseCommand):
    help = "Retry due sandbox webhook deliveries (Shopify's 8 retries over ~4 hours)."

    def handle(self, *args: Any, **options: Any) -> None:
        attempted = services.deliver_due_webhooks()
        self.stdout.write(f"Attempted {attempted} due webhook deliveries.")
