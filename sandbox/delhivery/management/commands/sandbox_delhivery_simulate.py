"""``manage.py sandbox_delhivery_simulate --advance-hours N``: move Delhivery's sandbox clock N
hours ahead and push every scan that became due (:mod:`sandbox.delhivery.push`), so journeys
play out in seconds. A separate command rather than an option of Shopify's
``sandbox_simulate``, which belongs to the Shopify sandbox and places orders."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from sandbox.delhivery import clock, push


class Command(BaseCommand):
    help = "Advance the Delhivery sandbox clock and push the scans that became due."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--advance-hours", type=float, default=0.0)
        parser.add_argument(
            "--step-hours",
            type=float,
            default=1.0,
            help="push in steps of this many hours, so scans arrive in time order",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        remaining = max(options["advance_hours"], 0.0)
        step = max(options["step_hours"], 0.01)
        total = push.PushReport()
        while True:
            report = push.deliver_due()
            for field in ("delivered", "failed", "dropped", "retried"):
                setattr(total, field, getattr(total, field) + getattr(report, field))
            if remaining <= 0:
                break
            hours = min(step, remaining)
            clock.advance(hours * 3600)
            remaining -= hours
        self.stdout.write(
            f"Delhivery clock now {clock.wire(clock.now())} IST; pushes: "
            f"{total.delivered} delivered, {total.failed} failed after one retry "
            f"({total.retried} retried), {total.dropped} dropped."
        )
