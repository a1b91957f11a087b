"""Public webhook receivers: ``POST /api/webhooks/{provider}`` (no session, no CSRF).

The raw body is verified before anything is parsed or stored; the answer is sent as soon as the
event is persisted (processing happens after commit, in a worker)."""

from __future__ import annotations

from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from integrations.services.webhooks import webhook_receive

MAX_BODY_BYTES = 5 * 1024 * 1024


@csrf_exempt
@require_POST
def receive_webhook(request: HttpRequest, provider: str) -> JsonResponse:
    """401 on a bad signature (nothing stored); 200 for accepted, duplicate or malformed
    (stored as failed, so the provider stops retrying); 413 for oversized bodies."""
    if int(request.META.get("CONTENT_LENGTH") or 0) > MAX_BODY_BYTES:
        return JsonResponse({"error": "Payload too large."}, status=413)
    outcome = webhook_receive(provider=provider, headers=request.headers, body=request.body)
    payload = {"status": "duplicate" if outcome.duplicate else outcome.reason}
    if outcome.event is not None:
        payload["event_id"] = outcome.event.pk
    if outcome.status >= 400:
        payload = {"error": outcome.reason}
    return JsonResponse(payload, status=outcome.status)
