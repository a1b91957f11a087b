"""``manage.py sandbox_shiprocket_simulate --advance-hours N``: move Shiprocket's sandbox clock
N hours ahead and send every scan that became due as the tracking webhook
(:mod:`sandbox.shiprocket.push`), so journeys play out in seconds."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from sandbox.shiprocket import clock, push


class Command(BaseCommand):
    help = "Advance the Shiprocket sandbox clock and send the tracking webhooks that became due."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--advance-hours", type=float, default=0.0)
        parser.add_argument(
            "--step-hours",
            type=float,
            default=1.0,
            help="send in steps of this many hours, so scans arrive in time order",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        remaining = max(options["advance_hours"], 0.0)
        step = max(options["step_hours"], 0.01)
        total = push.PushReport()
        while True:
            report = push.deliver_due()
            total.delivered += report.delivered
            total.failed += report.failed
            if remaining <= 0:
                break
            hours = min(step, remaining)
            clock.advance(hours * 3600)
            remaining -= hours
        self.stdout.write(
            f"Shiprocket clock now {clock.wire(clock.now())} IST; webhooks: "
            f"{total.delivered} delivered, {total.failed} failed."
        )
