"""Public webhook receivers: ``POST /api/webhooks/{provider}`` and, for providers that sign
nothing, ``POST /api/webhooks/{provider}/{token}`` (no session, no CSRF).

The raw body is verified before anything is parsed or stored; the answer is sent as soon as the
event is persisted (processing happens after commit, in a worker)."""

from __future__ import annotations

from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt

from integrations.services.webhooks import webhook_receive

# The receiver's own cap (bytes), above Django's DATA_UPLOAD_MAX_MEMORY_SIZE (2.5 MB), which
# ``request.body`` would enforce with an HTML 400: a large real order's webhook must get in.
MAX_BODY_BYTES = 5 * 1024 * 1024


@csrf_exempt
def receive_webhook(request: HttpRequest, provider: str, token: str | None = None) -> JsonResponse:
    """``token``: the secret of ``/api/webhooks/<provider>/<token>``, for providers that sign
    nothing (the connector's ``webhook_path_token``). 401 on a bad signature or token
    (nothing stored); 200 for accepted, duplicate or malformed (stored as failed, so the
    provider stops retrying); 400 for a verified body naming another
    shop (stored as rejected); 405 for another method than POST; 413 for a body over
    ``MAX_BODY_BYTES``. Every refusal answers JSON ``{"error": reason}``."""
    if request.method != "POST":
        response = JsonResponse({"error": "Only POST is allowed."}, status=405)
        response["Allow"] = "POST"
        return response
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return JsonResponse({"error": "Invalid Content-Length."}, status=400)
    if declared > MAX_BODY_BYTES:
        return JsonResponse({"error": "Payload too large."}, status=413)
    # Read the stream ourselves (bounded by Content-Length and by the cap) instead of
    # ``request.body``, whose 2.5 MB limit is lower than ours.
    body = request.read(MAX_BODY_BYTES + 1)
    if len(body) > MAX_BODY_BYTES:
        return JsonResponse({"error": "Payload too large."}, status=413)
    outcome = webhook_receive(
        provider=provider, headers=request.headers, body=body, path_token=token
    )
    payload = {"status": "duplicate" if outcome.duplicate else outcome.reason}
    if outcome.event is not None:
        payload["event_id"] = outcome.event.pk
    if outcome.status >= 400:
        payload = {"error": outcome.reason}
    return JsonResponse(payload, status=outcome.status)
