"""Login lockout (django-axes): failed logins are counted per user + address and per address.

Every password check, the dashboard's ``/accounts/login/``, the admin's login and
``POST /api/auth/token``, goes through ``django.contrib.auth.authenticate(request=…)``, so
``axes.backends.AxesStandaloneBackend`` (first in ``AUTHENTICATION_BACKENDS``) refuses a locked
client before the password is even checked, and axes' signal handler records each failure.

Two limits, both over the cool-off window (``LOGIN_LOCKOUT_MINUTES``):

- ``LOGIN_FAILURE_LIMIT`` (``AXES_FAILURE_LIMIT``) failures for one username from one address
  lock that username on that address. The same username from another address is not locked,
  so an attacker cannot lock a merchant out of their own account from elsewhere.
- ``LOGIN_ADDRESS_FAILURE_LIMIT`` failures from one address, whatever the usernames, lock that
  address (password spraying across many usernames).

A locked-out attempt is refused even with the right password, and counts as a failure (the
cool-off starts again from it). A successful login clears that username's failures from that
address (not the address's count of other usernames).
"""

from __future__ import annotations

import math

from axes.handlers.database import AxesDatabaseHandler
from axes.handlers.proxy import AxesProxyHandler
from axes.helpers import (
    get_client_username,
    get_cool_off,
    get_failure_limit,
    get_lockout_parameters,
)
from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Sum
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

LOCKOUT_TEMPLATE = "registration/locked_out.html"


def lockout_message() -> str:
    """The sentence shown to a locked-out client, naming the cool-off."""
    minutes = max(1, math.ceil(get_cool_off().total_seconds() / 60))
    return (
        f"Too many failed login attempts: logins are refused for {minutes} minutes after "
        "the last attempt. Try again later, or ask a staff member to unlock the login."
    )


def client_address(request: HttpRequest) -> str | None:
    """The client's IP address (``AXES_CLIENT_IP_CALLABLE``).

    ``REMOTE_ADDR`` unless ``LOGIN_TRUSTED_PROXY_COUNT`` reverse proxies stand in front of the
    hub: then the address that the outermost trusted proxy saw, counted from the right of
    ``X-Forwarded-For`` (entries left of it are written by the client and cannot be trusted).
    """
    proxies = settings.LOGIN_TRUSTED_PROXY_COUNT
    if proxies > 0:
        forwarded = [
            part.strip()
            for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
            if part.strip()
        ]
        if len(forwarded) >= proxies:
            return forwarded[-proxies]
    return request.META.get("REMOTE_ADDR")


def forget_failures(request, *, username: str) -> None:
    """After a successful login that does not go through ``login()`` (the API token exchange):
    forget ``username``'s failures from the request's address, as ``AXES_RESET_ON_SUCCESS``
    does for dashboard logins."""
    if settings.AXES_ENABLED and username:  # no username would reset the whole address
        AxesProxyHandler.update_request(request)
        AxesProxyHandler.reset_attempts(username=username, ip_address=request.axes_ip_address)


def lockout_response(
    request: HttpRequest,
    original_response: HttpResponse | None = None,
    credentials: dict | None = None,
) -> HttpResponse:
    """What a locked-out login answers (``AXES_LOCKOUT_CALLABLE``): 429 with ``Retry-After``,
    a JSON ``{"detail": …}`` for API and XHR clients, otherwise the lockout page."""
    retry_after = str(int(get_cool_off(request).total_seconds()))
    message = lockout_message()
    path = getattr(request, "path", "") or ""
    wants_json = path.startswith("/api/") or (
        request.headers.get("x-requested-with") == "XMLHttpRequest"
    )
    if wants_json:
        response: HttpResponse = JsonResponse({"detail": message}, status=429)
    else:
        response = render(
            request,
            LOCKOUT_TEMPLATE,
            {"message": message, "cool_off_minutes": int(retry_after) // 60},
            status=429,
        )
    response["Retry-After"] = retry_after
    return response


class LoginLockoutHandler(AxesDatabaseHandler):
    """Axes' database handler with a limit of its own for the address-only parameter.

    ``AXES_LOCKOUT_PARAMETERS`` lists the groups counted (``[["username", "ip_address"],
    "ip_address"]``). Axes compares the largest group's count with one limit; here the
    ``"ip_address"`` group is compared with ``LOGIN_ADDRESS_FAILURE_LIMIT`` instead, and every
    other group with ``AXES_FAILURE_LIMIT``.
    """

    def get_failures(self, request, credentials: dict | None = None) -> int:
        """Failures counted towards the lockout: the largest count of a group held to
        ``AXES_FAILURE_LIMIT``, or at least that limit once the address group reached its own."""
        limit = get_failure_limit(request, credentials)
        groups = get_lockout_parameters(request, credentials)
        counted = 0
        for group, attempts in zip(
            groups, self.get_user_attempts(request, credentials), strict=True
        ):
            failures = attempts.aggregate(total=Sum("failures_since_start"))["total"] or 0
            if group == "ip_address":
                if failures >= settings.LOGIN_ADDRESS_FAILURE_LIMIT:
                    counted = max(counted, limit)
            else:
                counted = max(counted, failures)
        return counted

    def reset_user_attempts(self, request, credentials: dict | None = None) -> int:
        """On a successful login (``AXES_RESET_ON_SUCCESS``) forget this username's failures
        from this address only: a valid account must not wipe the address's count of other
        usernames, or a sprayer could reset it by logging in between rounds."""
        count, _ = AccessAttempt.objects.filter(
            username=get_client_username(request, credentials),
            ip_address=request.axes_ip_address,
        ).delete()
        return count
