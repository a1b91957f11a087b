"""What every SP-API endpoint does before and after its own work.

:func:`sp_api` wraps a view of one operation: checks ``x-amz-access-token`` (403
``Unauthorized``), takes a token from the usage-plan bucket (429 ``QuotaExceeded``), serves an
injected fault (500/503/429), then runs the view. Calls are counted from the bucket step on,
so failed and throttled calls show in ``call_counts`` as they would on a quota. Every answer carries
``x-amzn-RateLimit-Limit`` (the effective rate) and ``x-amzn-RequestId``.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt

from sandbox.amazon import auth, throttle
from sandbox.amazon.constants import FAULT_BODIES, UNAUTHORIZED_MESSAGE
from sandbox.amazon.models import SandboxAmazonSeller
from sandbox.amazon.params import InvalidInput, NotFound
from sandbox.amazon.wire import errors

View = Callable[..., HttpResponse]


def json_response(body: Any, status: int = 200) -> JsonResponse:
    """A JSON answer with a fresh ``x-amzn-RequestId``."""
    response = JsonResponse(body, status=status, safe=False)
    response["x-amzn-RequestId"] = str(uuid.uuid4())
    return response


def error_response(status: int, code: str, message: str, details: str = "") -> JsonResponse:
    """An ``ErrorList`` answer."""
    return json_response(errors(code, message, details), status)


def sp_api(operation: str) -> Callable[[View], View]:
    """Decorate the view of ``operation`` (a key of ``USAGE_PLANS``); the view receives the
    :class:`SandboxAmazonSeller` instead of the seller id."""

    def decorate(view: View) -> View:
        @csrf_exempt
        @wraps(view)
        def wrapped(request: HttpRequest, seller_id: str, *args: Any, **kwargs: Any) -> Any:
            seller = SandboxAmazonSeller.objects.filter(seller_id=seller_id).first()
            denied = auth.check_access(seller, request.headers.get("x-amz-access-token", ""))
            response: HttpResponse
            if denied is not None or seller is None:
                response = error_response(403, "Unauthorized", UNAUTHORIZED_MESSAGE, denied or "")
            elif not throttle.take(seller, operation):
                response = error_response(429, *FAULT_BODIES[429])
            elif (fault := throttle.consume_fault(seller)) is not None:
                code, message = FAULT_BODIES.get(fault, FAULT_BODIES[500])
                response = error_response(fault, code, message)
            else:
                try:
                    response = view(request, seller, *args, **kwargs)
                except InvalidInput as exc:
                    response = error_response(400, exc.code, exc.message, exc.details)
                except NotFound as exc:
                    response = error_response(404, exc.code, exc.message)
            response["x-amzn-RateLimit-Limit"] = throttle.limit_header(seller, operation)
            return response

        return wrapped

    return decorate


def by_method(**views: View) -> View:
    """One URL served by several operations, chosen by HTTP method (``GET=…, POST=…``)."""

    @csrf_exempt
    def dispatch(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        view = views.get(request.method or "")
        if view is None:
            response = error_response(405, "MethodNotAllowed", "Method not allowed.")
            response["Allow"] = ", ".join(views)
            return response
        return view(request, *args, **kwargs)

    return dispatch
