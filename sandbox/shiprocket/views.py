"""Shiprocket's paths under ``/sandbox/shiprocket/<email>/`` (the account's API root, where
production's is ``https://apiv2.shiprocket.in/v1/external``; ``…/<email>/v1/external/…``
works too). Every call is counted against its limit (:mod:`.limits`), then authenticated
(:mod:`.auth`), then answered by :mod:`.services`. Label and manifest PDFs are public URLs, as
Shiprocket's S3 links are.
"""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from sandbox.shiprocket import auth, clock, limits, services
from sandbox.shiprocket.models import SandboxShiprocketUser


def _json_body(request: HttpRequest) -> dict:
    try:
        body = json.loads(request.body or b"{}")
    except ValueError:
        raise services.ApiError({"message": "Invalid JSON", "status_code": 400}, 400) from None
    if not isinstance(body, dict):
        raise services.ApiError({"message": "Invalid JSON", "status_code": 400}, 400)
    return body


def _root(request: HttpRequest, user: str) -> str:
    return request.build_absolute_uri(f"/sandbox/shiprocket/{user}").rstrip("/")


def api(limited: str, *, status: int = 200) -> Callable:
    def decorate(view: Callable[..., Any]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def wrapper(request: HttpRequest, user: str, **kwargs: Any) -> HttpResponse:
            try:
                account = auth.authenticate(user, request.headers.get("Authorization", ""))
            except auth.Unauthorized as exc:
                return JsonResponse(exc.body, status=exc.status)
            if not limits.take(account.email, limited):
                return limits.too_many()
            try:
                return JsonResponse(view(request, account, **kwargs), status=status, safe=False)
            except services.ApiError as exc:
                return JsonResponse(exc.body, status=exc.status)

        return csrf_exempt(wrapper)

    return decorate


@csrf_exempt
@require_POST
def login(request: HttpRequest, user: str) -> HttpResponse:
    """``POST /auth/login {"email", "password"}`` → ``{id, first_name, last_name, email,
    company_id, created_at, token}``; logins are limited per client IP."""
    if not limits.take(request.META.get("REMOTE_ADDR", "") or "unknown", "login"):
        return limits.too_many()
    try:
        body = _json_body(request)
        account, token = auth.login(str(body.get("email") or ""), str(body.get("password") or ""))
    except services.ApiError as exc:
        return JsonResponse(exc.body, status=exc.status)
    except auth.Unauthorized as exc:
        return JsonResponse(exc.body, status=exc.status)
    if account.email != user.strip().lower():
        return JsonResponse(auth.BAD_LOGIN, status=400)
    return JsonResponse(
        {
            "id": account.pk,
            "first_name": "API",
            "last_name": "User",
            "email": account.email,
            "company_id": account.company_id,
            "created_at": clock.wire(account.created_at),
            "token": token.token,
        }
    )


@require_POST
@api("orders")
def create_adhoc(request: HttpRequest, user: SandboxShiprocketUser) -> Any:
    return services.create_adhoc(user, _json_body(request))


@require_POST
@api("cancel")
def cancel(request: HttpRequest, user: SandboxShiprocketUser) -> Any:
    return services.cancel(user, _json_body(request))


@require_POST
@api("awb")
def assign_awb(request: HttpRequest, user: SandboxShiprocketUser) -> Any:
    return services.assign_awb(user, _json_body(request))


@require_GET
@api("serviceability")
def serviceability(request: HttpRequest, user: SandboxShiprocketUser) -> Any:
    return services.serviceability(user, request.GET.dict())


@require_POST
@api("label")
def label(request: HttpRequest, user: SandboxShiprocketUser) -> Any:
    return services.label(user, _json_body(request), _root(request, user.email))


@require_POST
@api("label")
def manifest(request: HttpRequest, user: SandboxShiprocketUser) -> Any:
    return services.manifest(user, _json_body(request), _root(request, user.email))


@require_POST
@api("pickup")
def pickup(request: HttpRequest, user: SandboxShiprocketUser) -> Any:
    return services.pickup(user, _json_body(request))


@require_POST
@api("track")
def track_awbs(request: HttpRequest, user: SandboxShiprocketUser) -> Any:
    return services.track_awbs(user, _json_body(request))


@require_GET
@api("track")
def track_awb(request: HttpRequest, user: SandboxShiprocketUser, awb: str) -> Any:
    return services.track_awb(user, awb)


@require_GET
@api("ndr")
def ndr_all(request: HttpRequest, user: SandboxShiprocketUser) -> Any:
    return services.ndr_all(user, request.GET.dict())


@require_POST
@api("ndr", status=202)
def ndr_action(request: HttpRequest, user: SandboxShiprocketUser, awb: str) -> Any:
    return services.ndr_action(user, awb, _json_body(request))


@require_GET
def document(request: HttpRequest, user: str, company_id: int, kind: str, ids: str) -> HttpResponse:
    """A label (one page per AWB, Code128 barcode) or a manifest (one table) as a PDF."""
    from reportlab.graphics.barcode import code128
    from reportlab.lib.pagesizes import A4, A6
    from reportlab.lib.units import mm
    from reportlab.pdfgen import canvas

    orders = services.orders_for_file(company_id, ids)
    if not orders or kind not in ("labels", "manifests"):
        raise Http404("No such document.")
    buffer = io.BytesIO()
    if kind == "labels":
        pdf = canvas.Canvas(buffer, pagesize=A6)
        width, height = A6
        for order in orders:
            y = height - 12 * mm
            pdf.setFont("Helvetica-Bold", 11)
            pdf.drawString(8 * mm, y, f"{order.courier_name}  ·  {order.payment_method}")
            code128.Code128(order.awb or "", barHeight=14 * mm, barWidth=0.9).drawOn(
                pdf, 6 * mm, y - 22 * mm
            )
            pdf.setFont("Helvetica", 9)
            lines = [
                f"AWB {order.awb}   Order {order.channel_order_id}",
                f"To: {order.name}",
                order.address[:60],
                f"{order.city}, {order.state} {order.pincode}",
                f"COD: Rs {order.sub_total}" if order.payment_method == "COD" else "Prepaid",
                f"Routing {order.pincode[:3]}/{order.courier_id}",
            ]
            for n, text in enumerate(lines):
                pdf.drawString(8 * mm, y - 30 * mm - n * 5 * mm, text)
            pdf.showPage()
    else:
        pdf = canvas.Canvas(buffer, pagesize=A4)
        width, height = A4
        pdf.setFont("Helvetica-Bold", 12)
        pdf.drawString(15 * mm, height - 20 * mm, f"Manifest · {len(orders)} shipments")
        pdf.setFont("Helvetica", 9)
        for n, order in enumerate(orders):
            pdf.drawString(
                15 * mm,
                height - 30 * mm - n * 5 * mm,
                f"{order.awb}  {order.courier_name}  {order.channel_order_id}  {order.pincode}",
            )
        pdf.showPage()
    pdf.save()
    return HttpResponse(buffer.getvalue(), content_type="application/pdf")
