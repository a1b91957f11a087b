"""Rate limits. Shiprocket documents only that it answers **429** "You have exceeded the API
call rate limit" and publishes no number, window or header (api-evangelist/shiprocket
``rate-limits/shiprocket-rate-limits.yml``, from apidocs.shiprocket.in "Errors and Response
codes"). The sandbox's limits are therefore ASSUMED, per API user and fixed one-minute windows
(logins per client IP and hour), generous enough for a seller's real traffic: the setting
``SANDBOX_SHIPROCKET_LIMITS`` (``{api: (requests, window_seconds)}``, merged over the
defaults) lets tests lower them. The 429 body is ``{"message": "You have exceeded the API call
rate limit.", "status_code": 429}`` without ``Retry-After`` (none is documented).
"""

from __future__ import annotations

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.http import JsonResponse

from sandbox.shiprocket import clock
from sandbox.shiprocket.models import SandboxShiprocketRateWindow

DEFAULT_LIMITS: dict[str, tuple[int, int]] = {
    "login": (60, 3600),
    "orders": (300, 60),
    "awb": (300, 60),
    "serviceability": (300, 60),
    "label": (120, 60),
    "pickup": (120, 60),
    "track": (120, 60),
    "cancel": (120, 60),
    "ndr": (120, 60),
}
TOO_MANY = {"message": "You have exceeded the API call rate limit.", "status_code": 429}


def limits() -> dict[str, tuple[int, int]]:
    return {**DEFAULT_LIMITS, **getattr(settings, "SANDBOX_SHIPROCKET_LIMITS", {})}


def take(key: str, api: str) -> bool:
    """Count one request of ``key`` to ``api``; False when it is over the window's limit."""
    allowed, window_seconds = limits()[api]
    window = int(clock.time()) // window_seconds * window_seconds
    rows = SandboxShiprocketRateWindow.objects.filter(key=key, api=api, window=window)
    if not rows.update(count=F("count") + 1):
        try:
            with transaction.atomic():
                SandboxShiprocketRateWindow.objects.create(key=key, api=api, window=window, count=1)
        except IntegrityError:
            rows.update(count=F("count") + 1)
    return rows.get().count <= allowed


def too_many() -> JsonResponse:
    return JsonResponse(TOO_MANY, status=429)
