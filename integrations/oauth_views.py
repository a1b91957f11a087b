"""App install by OAuth, for every provider with ``Capability.OAUTH``:
``GET /channels/<provider>/oauth/install?<account param>=…`` and its callback
(``/channels/shopify/oauth/install?shop=…`` for Shopify)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect
from django.urls import reverse

from integrations.http import ConnectorError
from integrations.services.oauth import OAuthError, oauth_begin, oauth_complete, oauth_connector


def _refuse(message: str, status: int) -> HttpResponse:
    return HttpResponse(message, status=status, content_type="text/plain; charset=utf-8")


def _can_connect(request: HttpRequest) -> bool:
    return request.membership is not None and request.membership.can_manage


@login_required
def oauth_install(request: HttpRequest, provider: str) -> HttpResponse:
    """Validate the account key, bind a state nonce to the session, redirect to the provider's
    authorize page (or the sandbox's, ``?sandbox=1``). A bad key → 400, never a redirect; a
    provider without OAuth → 404."""
    if not _can_connect(request):
        return _refuse("Only a merchant's owner or manager can connect a store.", 403)
    sandbox = request.GET.get("sandbox", "").lower() in ("1", "true", "on", "yes")
    try:
        url = oauth_begin(
            provider=provider,
            session=request.session,
            merchant=request.merchant,
            params=request.GET.dict(),
            sandbox=sandbox,
            redirect_uri=request.build_absolute_uri(
                reverse("oauth-callback", kwargs={"provider": provider})
            ),
        )
    except OAuthError as exc:
        return _refuse(str(exc), exc.status)
    return HttpResponseRedirect(url)


@login_required
def oauth_callback(request: HttpRequest, provider: str) -> HttpResponse:
    """Verify the callback, exchange the code, store the token, register webhooks and queue
    the initial sync; then back to the connector hub."""
    if not _can_connect(request):
        return _refuse("Only a merchant's owner or manager can connect a store.", 403)
    try:
        account = oauth_complete(
            provider=provider,
            session=request.session,
            merchant=request.merchant,
            params=request.GET.dict(),
        )
    except OAuthError as exc:
        return _refuse(str(exc), exc.status)
    except ConnectorError as exc:
        label = oauth_connector(provider).label
        return _refuse(f"{label} refused the authorization code: {exc}", 400)
    messages.success(request, f"Connected {account.external_id}. The first sync has started.")
    return redirect("dashboard:home")
