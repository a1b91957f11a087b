"""Delhivery's paths under ``/sandbox/delhivery/<client_name>/`` (channel-apis.md §5.1,
logistics-finance-notes.md §1). Every call is first counted against its per-IP limit (the WAF
sits in front of the application, :mod:`.limits`), then authenticated (:mod:`.auth`), then
answered by :mod:`.services`.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from sandbox.delhivery import auth, limits, services
from sandbox.delhivery.models import SandboxDelhiveryClient


def api(limited: str) -> Callable:
    def decorate(view: Callable[..., Any]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def wrapper(request: HttpRequest, client_name: str, **kwargs: Any) -> HttpResponse:
            if not limits.take(limits.client_ip(request), limited):
                return limits.waf_forbidden()
            try:
                client = auth.authenticate(client_name, request.headers.get("Authorization", ""))
            except auth.Unauthorized as exc:
                return JsonResponse(exc.body, status=401)
            try:
                return JsonResponse(view(request, client, **kwargs), safe=False)
            except services.ApiError as exc:
                return JsonResponse(exc.body, status=exc.status)

        return csrf_exempt(wrapper)

    return decorate


def _json_body(request: HttpRequest) -> Any:
    try:
        return json.loads(request.body or b"null")
    except ValueError:
        raise services.ApiError({"error": "Invalid JSON"}, 400) from None


@require_GET
@api("serviceability")
def pin_codes(request: HttpRequest, client: SandboxDelhiveryClient) -> Any:
    """``GET /c/api/pin-codes/json/?filter_codes=``."""
    return services.pin_codes(request.GET.dict())


@require_POST
@api("create")
def create(request: HttpRequest, client: SandboxDelhiveryClient) -> Any:
    """``POST /api/cmu/create.json`` (form ``format=json&data=…``)."""
    return services.create(client, request.POST.dict())


@require_POST
@api("edit")
def edit(request: HttpRequest, client: SandboxDelhiveryClient) -> Any:
    """``POST /api/p/edit`` (JSON body; edit or ``cancellation``)."""
    body = _json_body(request)
    if not isinstance(body, dict):
        raise services.ApiError({"error": "Invalid JSON"}, 400)
    return services.edit(client, body)


@require_GET
@api("track")
def track(request: HttpRequest, client: SandboxDelhiveryClient) -> Any:
    """``GET /api/v1/packages/json/?waybill=A,B`` or ``?ref_ids=``."""
    return services.track(client, request.GET.dict())


@require_GET
@api("charges")
def charges(request: HttpRequest, client: SandboxDelhiveryClient) -> Any:
    """``GET /api/kinko/v1/invoice/charges/.json``."""
    return services.charges(request.GET.dict())


@require_GET
@api("label")
def packing_slip(request: HttpRequest, client: SandboxDelhiveryClient) -> Any:
    """``GET /api/p/packing_slip?wbns=&pdf=false``."""
    return services.packing_slip(client, request.GET.dict())


@require_POST
@api("ndr")
def ndr_update(request: HttpRequest, client: SandboxDelhiveryClient) -> Any:
    """``POST /api/p/update`` (NDR actions)."""
    return services.ndr_update(client, _json_body(request))


@require_GET
@api("ndr")
def upl_status(request: HttpRequest, client: SandboxDelhiveryClient, upl: str) -> Any:
    """``GET /api/cmu/get_bulk_upl/<UPL>?verbose=true``."""
    verbose = request.GET.get("verbose", "").lower() == "true"
    return services.upl_status(client, upl, verbose)
