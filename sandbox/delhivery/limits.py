"""Delhivery's per-IP request limits (logistics-finance-notes.md §1, "limits per 5 min per IP";
channel-apis.md §5.1): tracking 750 per 5 minutes, beyond which **AWS WAF** answers 403 (wait at
least 30 s); the charges API 40 per minute with a one-minute IP throttle; create 20,000,
edit/cancel 12,200, serviceability 4,500, label 3,000 per 5 minutes.

Windows are fixed (aligned to the window length) on Delhivery's sandbox clock, counted in the
database so every worker shares them. The limits are the setting
``SANDBOX_DELHIVERY_LIMITS`` (``{api: (requests, window_seconds)}``, merged over the defaults) so
tests can lower them.

Every refusal is the WAF's, not Delhivery's application: the sources describe only the track
limit's answer (a 403 from AWS WAF), and the same per-IP WAF rules front every API, so the
sandbox answers all of them alike. The body is the default block page an AWS WAF web ACL sends
from an Application Load Balancer — ``text/html``, ``403 Forbidden`` in nginx-like markup — which
differs in content type and shape from the JSON ``{"detail": …}`` of a 401, so a client can tell
"slow down" from "bad token". (The exact bytes Delhivery's WAF sends are not in the sources.)
"""

from __future__ import annotations

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.http import HttpResponse

from sandbox.delhivery import clock
from sandbox.delhivery.models import SandboxDelhiveryRateWindow

DEFAULT_LIMITS: dict[str, tuple[int, int]] = {
    "track": (750, 300),
    "charges": (40, 60),
    "create": (20_000, 300),
    "edit": (12_200, 300),
    "serviceability": (4_500, 300),
    "label": (3_000, 300),
    "ndr": (12_200, 300),
}
WAF_BODY = (
    "<html>\r\n<head><title>403 Forbidden</title></head>\r\n<body>\r\n"
    "<center><h1>403 Forbidden</h1></center>\r\n</body>\r\n</html>\r\n"
)


def limits() -> dict[str, tuple[int, int]]:
    return {**DEFAULT_LIMITS, **getattr(settings, "SANDBOX_DELHIVERY_LIMITS", {})}


def client_ip(request) -> str:  # noqa: ANN001 - an HttpRequest
    return request.META.get("REMOTE_ADDR", "") or "unknown"


def take(ip: str, api: str) -> bool:
    """Count one request of ``ip`` to ``api``; False when it is over the window's limit."""
    allowed, window_seconds = limits()[api]
    window = int(clock.time()) // window_seconds * window_seconds
    updated = SandboxDelhiveryRateWindow.objects.filter(ip=ip, api=api, window=window).update(
        count=F("count") + 1
    )
    if not updated:
        try:
            with transaction.atomic():
                SandboxDelhiveryRateWindow.objects.create(ip=ip, api=api, window=window, count=1)
        except IntegrityError:
            SandboxDelhiveryRateWindow.objects.filter(ip=ip, api=api, window=window).update(
                count=F("count") + 1
            )
    count = SandboxDelhiveryRateWindow.objects.get(ip=ip, api=api, window=window).count
    return count <= allowed


def waf_forbidden() -> HttpResponse:
    response = HttpResponse(WAF_BODY, status=403, content_type="text/html")
    response["Server"] = "awselb/2.0"
    return response
