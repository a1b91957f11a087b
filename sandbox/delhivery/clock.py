"""Delhivery's time: the kernel clock (:mod:`sandbox.kernel.clock`, patched by tests) plus the
offset ``sandbox_delhivery_simulate --advance-hours`` stores, so journeys can be played out in
seconds from another process. Wire timestamps are IST without a zone and with variable
fractional digits (channel-apis.md §5.1: ``2024-09-21T18:20:25.57``, ``2024-09-21T14:36:53``).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from sandbox.kernel import clock as kernel_clock

IST = timezone(timedelta(hours=5, minutes=30))


def offset() -> float:
    from sandbox.delhivery.models import SandboxDelhiveryClock

    row = SandboxDelhiveryClock.objects.filter(pk=1).first()
    return row.offset_seconds if row else 0.0


def time() -> float:
    """Seconds since the epoch on Delhivery's clock."""
    return kernel_clock.time() + offset()


def now() -> datetime:
    """The current Delhivery instant (aware UTC, whole seconds)."""
    return datetime.fromtimestamp(int(time()), tz=UTC)


def advance(seconds: float) -> float:
    """Move Delhivery's clock ``seconds`` ahead (persisted); returns the new offset."""
    from sandbox.delhivery.models import SandboxDelhiveryClock

    row, _ = SandboxDelhiveryClock.objects.get_or_create(pk=1)
    row.offset_seconds += seconds
    row.save(update_fields=["offset_seconds"])
    return row.offset_seconds


def wire(value: datetime | None, *, sep: str = "T") -> str | None:
    """IST, no zone, milliseconds with trailing zeros dropped (and no dot when whole)."""
    if value is None:
        return None
    local = value.astimezone(IST)
    text = local.strftime(f"%Y-%m-%d{sep}%H:%M:%S")
    millis = local.microsecond // 1000
    if millis:
        text += "." + f"{millis:03d}".rstrip("0")
    return text


def end_of_day(value: datetime) -> str:
    """``ExpectedDeliveryDate``-style: that IST day at ``23:59:59``."""
    return value.astimezone(IST).strftime("%Y-%m-%dT23:59:59")
