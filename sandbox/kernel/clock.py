"""The sandbox's one source of time, so tests can move it (patch :func:`time`).

Everything time-dependent in the sandbox (leaky-bucket refill, OAuth code expiry, webhook retry
schedule, record timestamps) reads :func:`now` or :func:`time`, never ``datetime.now`` directly.
"""

from __future__ import annotations

import time as _time
from datetime import UTC, datetime, timedelta


def time() -> float:
    """Seconds since the epoch (float). Patch this in tests to control the sandbox clock."""
    return _time.time()


def now() -> datetime:
    """The current instant as an aware UTC datetime, truncated to whole seconds.

    Shopify renders timestamps with second precision (``2024-05-01T10:15:00Z``); storing whole
    seconds keeps ``updated_at:>=…`` searches consistent with what clients were shown."""
    return datetime.fromtimestamp(int(time()), tz=UTC)


def after(previous: datetime | None) -> datetime:
    """The ``updated_at`` for a record changing now: :func:`now`, or one second after
    ``previous`` when that is later. With whole-second timestamps two changes in one second
    would otherwise look identical, and clients rightly drop updates that are not newer."""
    current = now()
    if previous is None:
        return current
    return max(current, previous + timedelta(seconds=1))
