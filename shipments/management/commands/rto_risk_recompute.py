"""Recompute the RTO risk score of open COD orders (``shipments.services.risk``)."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from shipments.services.risk import rto_risk_recompute


class Command(BaseCommand):
    help = (
        "Recompute the RTO risk score of every open COD order from the merchants' shipment "
        "history (--merchant ID for one merchant, --all to include closed orders)."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--merchant", type=int, default=None, help="Merchant id.")
        parser.add_argument("--all", action="store_true", help="Closed orders too.")

    def handle(self, *args, merchant=None, all=False, **options) -> None:  # noqa: A002
        def progress(done: int, total: int) -> None:
            width = 30
            filled = width * done // max(total, 1)
            self.stdout.write(
                f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{total}", ending=""
            )

        scored = rto_risk_recompute(merchant_id=merchant, open_only=not all, progress=progress)
        self.stdout.write("")
        self.stdout.write(self.style.SUCCESS(f"Scored {scored} COD order(s)."))
