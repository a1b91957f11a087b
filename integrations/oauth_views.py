"""Shopify app install: ``GET /channels/shopify/oauth/install?shop=…`` and its callback."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect
from django.urls import reverse

from integrations.http import ConnectorError
from integrations.services.shopify_app import (
    OAuthError,
    shopify_oauth_begin,
    shopify_oauth_complete,
)


def _refuse(message: str, status: int) -> HttpResponse:
    return HttpResponse(message, status=status, content_type="text/plain; charset=utf-8")


@login_required
def shopify_install(request: HttpRequest) -> HttpResponse:
    """Validate the shop, bind a state nonce to the session, redirect to Shopify's authorize
    page (or the sandbox's). A bad shop → 400, never a redirect."""
    if request.membership is None or not request.membership.can_manage:
        return _refuse("Only a merchant's owner or manager can connect a store.", 403)
    sandbox = request.GET.get("sandbox", "").lower() in ("1", "true", "on", "yes")
    try:
        url = shopify_oauth_begin(
            session=request.session,
            merchant=request.merchant,
            shop=request.GET.get("shop", ""),
            sandbox=sandbox,
            redirect_uri=request.build_absolute_uri(reverse("shopify-oauth-callback")),
        )
    except OAuthError as exc:
        return _refuse(str(exc), exc.status)
    return HttpResponseRedirect(url)


@login_required
def shopify_callback(request: HttpRequest) -> HttpResponse:
    """Verify hmac/state/shop/timestamp, exchange the code, store the token, register webhooks
    and queue the initial sync; then back to the connector hub."""
    if request.membership is None or not request.membership.can_manage:
        return _refuse("Only a merchant's owner or manager can connect a store.", 403)
    try:
        account = shopify_oauth_complete(
            session=request.session, merchant=request.merchant, params=request.GET.dict()
        )
    except OAuthError as exc:
        return _refuse(str(exc), exc.status)
    except ConnectorError as exc:
        return _refuse(f"Shopify refused the authorization code: {exc}", 400)
    messages.success(request, f"Connected {account.external_id}. The first sync has started.")
    return redirect("dashboard:home")
