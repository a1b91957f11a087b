"""HTTP endpoints mirroring Flipkart's under ``/sandbox/flipkart/<application_id>/``: the token
endpoint (``/oauth-service/oauth/token``) and the Seller API under ``/sellers``.

Every API call is counted per endpoint, authenticated with a bearer token of that application
(401 otherwise), then may be answered by an injected fault: the next N calls get 429 (with
``Retry-After: 1``), 500 or 503. Flipkart publishes no rate limits or 429 body
(channel-apis.md §3); the 429 here is a generic one, an assumption. Bad requests get 400 with
the body described in :mod:`.paging`.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.db.models import F
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from sandbox.flipkart import auth, listings, returns, search
from sandbox.flipkart.models import SandboxFlipkartCallCount, SandboxFlipkartSeller
from sandbox.flipkart.paging import BadRequest

FAULT_BODIES = {
    429: {"error": "too_many_requests", "error_description": "Request rate limit exceeded"},
    500: {"error": "internal_server_error", "error_description": "Internal server error"},
    503: {"error": "service_unavailable", "error_description": "Service unavailable"},
}


def _json(body: Any, status: int = 200, **headers: str) -> JsonResponse:
    response = JsonResponse(body, status=status, safe=False)
    response["X-Request-Id"] = str(uuid.uuid4())
    for name, value in headers.items():
        response[name.replace("_", "-")] = value
    return response


def _seller(application_id: str) -> SandboxFlipkartSeller | None:
    return SandboxFlipkartSeller.objects.filter(application_id=application_id).first()


def count_call(seller: SandboxFlipkartSeller, endpoint: str) -> None:
    """Add one to ``endpoint``'s call counter of ``seller``."""
    counter, created = SandboxFlipkartCallCount.objects.get_or_create(
        seller=seller, endpoint=endpoint, defaults={"count": 1}
    )
    if not created:
        SandboxFlipkartCallCount.objects.filter(pk=counter.pk).update(count=F("count") + 1)


def _fault(seller: SandboxFlipkartSeller) -> HttpResponse | None:
    if not seller.faults_remaining:
        return None
    taken = SandboxFlipkartSeller.objects.filter(pk=seller.pk, faults_remaining__gt=0).update(
        faults_remaining=F("faults_remaining") - 1
    )
    if not taken:
        return None
    status = seller.fault_status
    headers = {"Retry_After": "1"} if status == 429 else {}
    return _json(FAULT_BODIES.get(status, FAULT_BODIES[500]), status, **headers)


def _body(request: HttpRequest) -> Any:
    try:
        return json.loads(request.body or b"null")
    except ValueError:
        raise BadRequest(("INVALID_JSON", "the body is not valid JSON", "$")) from None


def api(endpoint: str) -> Callable:
    """Wrap a Seller API view: seller lookup, call counting, bearer auth, faults, 400s."""

    def decorate(view: Callable[..., Any]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def wrapper(request: HttpRequest, application_id: str, **kwargs: Any) -> HttpResponse:
            seller = _seller(application_id)
            if seller is not None:
                count_call(seller, endpoint)
            try:
                auth.authenticate(seller, request.headers.get("Authorization", ""))
            except auth.AuthFailure as exc:
                return _json(exc.as_json(), exc.status)
            fault = _fault(seller)
            if fault is not None:
                return fault
            try:
                return _json(view(request, seller, **kwargs))
            except BadRequest as exc:
                return _json(exc.as_json(), 400)

        return csrf_exempt(wrapper)

    return decorate


@csrf_exempt
@require_http_methods(["GET", "POST"])
def token(request: HttpRequest, application_id: str) -> HttpResponse:
    """``/oauth-service/oauth/token``: client-credentials grant with HTTP Basic (GET as the
    SDK does, or POST with query or form parameters)."""
    seller = _seller(application_id)
    if seller is not None:
        count_call(seller, "token")
    params = {**request.GET.dict(), **(request.POST.dict() if request.method == "POST" else {})}
    try:
        body = auth.issue_token(
            seller,
            authorization=request.headers.get("Authorization", ""),
            grant_type=params.get("grant_type", ""),
            scope=params.get("scope", ""),
        )
    except auth.AuthFailure as exc:
        headers = {"WWW_Authenticate": 'Basic realm="oauth2/client"'} if exc.status == 401 else {}
        return _json(exc.as_json(), exc.status, **headers)
    return _json(body, Cache_Control="no-store")


@require_http_methods(["GET", "POST"])
@api("shipments.filter")
def shipments_filter(request: HttpRequest, seller: SandboxFlipkartSeller) -> Any:
    """``POST /v3/shipments/filter`` (a search) or ``GET …?next_token=`` (its next page)."""
    if request.method == "GET":
        return search.next_page(seller, request.GET.get("next_token", ""))
    return search.search_page(seller, search.validate_search(_body(request)))


@require_GET
@api("shipments.lookup")
def shipments_lookup(request: HttpRequest, seller: SandboxFlipkartSeller) -> Any:
    """``GET /v3/shipments?shipmentIds=|orderIds=|orderItemIds=``."""
    return search.lookup(seller, request.GET.dict())


@require_GET
@api("returns")
def returns_search(request: HttpRequest, seller: SandboxFlipkartSeller) -> Any:
    """``GET /v2/returns``."""
    return returns.search_returns(seller, request.GET.dict())


@require_POST
@api("listings.inventory")
def update_inventory(request: HttpRequest, seller: SandboxFlipkartSeller) -> Any:
    """``POST /listings/v3/update/inventory``."""
    return listings.update_inventory(seller, _body(request))


@require_POST
@api("listings.price")
def update_price(request: HttpRequest, seller: SandboxFlipkartSeller) -> Any:
    """``POST /listings/v3/update/price``."""
    return listings.update_price(seller, _body(request))


@require_GET
@api("listings.get")
def get_listings(request: HttpRequest, seller: SandboxFlipkartSeller, sku_ids: str) -> Any:
    """``GET /listings/v3/{skuIds}``."""
    return listings.get_listings(seller, sku_ids)
