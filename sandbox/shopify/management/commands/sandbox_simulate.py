"""``manage.py sandbox_simulate``: place new orders in a sandbox store and show the webhook
deliveries they caused."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from sandbox.shopify import services
from sandbox.shopify.loading import line_items_of
from sandbox.shopify.models import SandboxWebhookDelivery


class Command(BaseCommand):
    help = "Place N new orders now in a sandbox store (emits signed webhooks to subscribers)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--shop", default="sangam-demo.myshopify.com")
        parser.add_argument("--orders", type=int, default=5)
        parser.add_argument("--seed", type=int, default=None)

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            last = (
                SandboxWebhookDelivery.objects.order_by("-pk").values_list("pk", flat=True).first()
            )
            orders = services.simulate_orders(
                shop=options["shop"], count=options["orders"], seed=options["seed"]
            )
        except (LookupError, ValueError) as exc:
            raise CommandError(str(exc)) from exc
        for order in orders:
            items = ", ".join(f"{i.sku}×{i.quantity}" for i in line_items_of(order))
            self.stdout.write(
                f"{order.name}  ₹{order.total_price}  {order.payment_gateway_names[0]}  "
                f"{order.shipping_address.get('city')}  [{items}]"
            )
        deliveries = SandboxWebhookDelivery.objects.filter(pk__gt=last or 0).order_by("pk")
        if not deliveries:
            self.stdout.write("No webhook subscriptions: nothing delivered.")
        for delivery in deliveries:
            outcome = delivery.last_status_code or delivery.last_error or "not attempted"
            self.stdout.write(
                f"  webhook {delivery.topic} → {delivery.url}: {outcome} ({delivery.status})"
            )
