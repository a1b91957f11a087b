"""Shiprocket's time: the kernel clock (:mod:`sandbox.kernel.clock`, patched by tests) plus the
offset ``sandbox_shiprocket_simulate --advance-hours`` stores. Wire times are IST without a
zone: ``2022-07-19 11:37:00`` in tracking, ``23 05 2023 11:43:52`` in the webhook's
``current_timestamp`` (logistics-finance-notes.md §1)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from sandbox.kernel import clock as kernel_clock

IST = timezone(timedelta(hours=5, minutes=30))


def offset() -> float:
    from sandbox.shiprocket.models import SandboxShiprocketClock

    row = SandboxShiprocketClock.objects.filter(pk=1).first()
    return row.offset_seconds if row else 0.0


def time() -> float:
    """Seconds since the epoch on Shiprocket's clock."""
    return kernel_clock.time() + offset()


def now() -> datetime:
    """The current Shiprocket instant (aware UTC, whole seconds)."""
    return datetime.fromtimestamp(int(time()), tz=UTC)


def advance(seconds: float) -> float:
    """Move Shiprocket's clock ``seconds`` ahead (persisted); returns the new offset."""
    from sandbox.shiprocket.models import SandboxShiprocketClock

    row, _ = SandboxShiprocketClock.objects.get_or_create(pk=1)
    row.offset_seconds += seconds
    row.save(update_fields=["offset_seconds"])
    return row.offset_seconds


def wire(value: datetime | None) -> str | None:
    """Tracking's form: ``2022-07-19 11:37:00`` (IST)."""
    return None if value is None else value.astimezone(IST).strftime("%Y-%m-%d %H:%M:%S")


def webhook(value: datetime) -> str:
    """The webhook's ``current_timestamp`` form: ``23 05 2023 11:43:52`` (IST)."""
    return value.astimezone(IST).strftime("%d %m %Y %H:%M:%S")
