"""View decorators for merchant-facing pages."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def merchant_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Login required; a signed-in user with no membership gets the friendly "no merchant"
    page (HTTP 403) instead of an empty dashboard."""

    @login_required
    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if getattr(request, "merchant", None) is None:
            return render(request, "dashboard/no_merchant.html", status=403)
        return view(request, *args, **kwargs)

    return wrapped
