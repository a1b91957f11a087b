"""HTTP endpoints mirroring Shopify's under ``/sandbox/shopify/<shop>/``: the OAuth approve page
and token exchange, the Admin GraphQL endpoint, and bulk-operation result files."""

from __future__ import annotations

import json
import uuid
from typing import Any

from django.db.models import F
from django.http import (
    FileResponse,
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseRedirect,
    JsonResponse,
)
from django.shortcuts import render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from sandbox.shopify import bulk, oauth
from sandbox.shopify.constants import supported_api_versions
from sandbox.shopify.graphql import executor
from sandbox.shopify.graphql.context import SandboxContext
from sandbox.shopify.models import SandboxApp, SandboxBulkOperation, SandboxShop

INVALID_TOKEN = "[API] Invalid API key or access token (unrecognized login or wrong password)"  # noqa: S105


def _json(body: Any, status: int = 200, **headers: str) -> JsonResponse:
    response = JsonResponse(body, status=status, safe=False)
    response["X-Request-Id"] = str(uuid.uuid4())
    for name, value in headers.items():
        response[name.replace("_", "-")] = value
    return response


def _shop(domain: str) -> SandboxShop | None:
    if not oauth.SHOP_DOMAIN_RE.match(domain):
        return None
    return SandboxShop.objects.filter(domain=domain.lower()).first()


def _oauth_params(data: Any) -> dict[str, str]:
    return {
        "client_id": data.get("client_id", ""),
        "scope": data.get("scope", ""),
        "redirect_uri": data.get("redirect_uri", ""),
        "state": data.get("state", ""),
        "grant_options": ",".join(data.getlist("grant_options[]")),
    }


def _oauth_error(request: HttpRequest, shop: str, message: str, status: int) -> HttpResponse:
    return render(
        request, "sandbox/oauth_error.html", {"shop": shop, "message": message}, status=status
    )


@csrf_exempt
@require_http_methods(["GET", "POST"])
def authorize(request: HttpRequest, shop: str) -> HttpResponse:
    """``/admin/oauth/authorize``: GET shows the install page, POST (the Install button)
    redirects to ``redirect_uri`` with the signed ``code`` (see :mod:`oauth`)."""
    store = _shop(shop)
    if store is None:
        return _oauth_error(request, shop, "There is no store at this address.", 404)
    params = _oauth_params(request.GET if request.method == "GET" else request.POST)
    if request.method == "POST":
        params["grant_options"] = request.POST.get("grant_options", "")
    app = SandboxApp.objects.filter(api_key=params["client_id"]).first()
    if app is None:
        return _oauth_error(
            request,
            shop,
            "Oauth error invalid_request: The client_id is invalid, or the app is not registered.",
            400,
        )
    if request.method == "GET":
        scopes = [s for s in oauth.normalize_scopes(params["scope"]).split(",") if s]
        return render(
            request,
            "sandbox/authorize.html",
            {
                "shop": store,
                "app": app,
                "params": params,
                "scopes": [(s, oauth.scope_description(s)) for s in scopes],
            },
        )
    try:
        redirect = oauth.approve(
            shop=store,
            app=app,
            scope=params["scope"],
            redirect_uri=params["redirect_uri"],
            state=params["state"],
            online="per-user" in params["grant_options"],
        )
    except oauth.OAuthError as exc:
        return _oauth_error(request, shop, f"Oauth error {exc.error}: {exc.description}", 400)
    return HttpResponseRedirect(redirect.url)


@csrf_exempt
@require_POST
def access_token(request: HttpRequest, shop: str) -> HttpResponse:
    """``/admin/oauth/access_token``: exchange a code (form-encoded or JSON body)."""
    store = _shop(shop)
    if store is None:
        return _json({"errors": "Not Found"}, 404)
    if request.content_type == "application/json":
        try:
            fields = json.loads(request.body or b"{}")
        except ValueError:
            fields = {}
        fields = {k: str(v) for k, v in fields.items()} if isinstance(fields, dict) else {}
    else:
        fields = {k: request.POST.get(k, "") for k in ("client_id", "client_secret", "code")}
    try:
        return _json(oauth.exchange_code(shop=store, fields=fields))
    except oauth.OAuthError as exc:
        return _json(exc.as_json(), 400)


def _consume_fault(shop: SandboxShop) -> HttpResponse | None:
    if not (shop.faults_5xx or shop.faults_429):
        return None
    queryset = SandboxShop.objects.filter(pk=shop.pk)
    if queryset.filter(faults_5xx__gt=0).update(faults_5xx=F("faults_5xx") - 1):
        return _json({"errors": "Service Unavailable"}, 503)
    if queryset.filter(faults_429__gt=0).update(faults_429=F("faults_429") - 1):
        return _json(
            {
                "errors": "Exceeded 2 calls per second for api client. Reduce request rates to "
                "resume uninterrupted service."
            },
            429,
            Retry_After="1",
        )
    return None


@csrf_exempt
@require_POST
def graphql(request: HttpRequest, shop: str, version: str) -> HttpResponse:
    """``/admin/api/<version>/graphql.json`` (channel-apis.md §1.2)."""
    store = _shop(shop)
    if store is None or version not in supported_api_versions():
        return _json({"errors": "Not Found"}, 404)
    token = oauth.authenticate(store, request.headers.get("X-Shopify-Access-Token", ""))
    if token is None:
        return _json({"errors": INVALID_TOKEN}, 401)
    fault = _consume_fault(store)
    if fault is not None:
        return fault
    if request.content_type == "application/graphql":
        payload: Any = {"query": request.body.decode("utf-8", "replace")}
    else:
        try:
            payload = json.loads(request.body or b"null")
        except ValueError:
            payload = None
    if not isinstance(payload, dict):
        return _json({"errors": {"query": "Required parameter missing or invalid"}}, 400)
    context = SandboxContext(
        shop=store, app=token.app, scope=token.scope, api_version=version, request=request
    )
    return _json(executor.run(context, payload), X_Shopify_API_Version=version)


@require_GET
def bulk_result(request: HttpRequest, shop: str, operation_id: int) -> HttpResponse:
    """The JSONL file of a completed bulk operation (the operation's ``url``). Only through
    its signed URL, as Shopify's results on Cloud Storage: without a valid signature 403, once
    expired 400, each with Cloud Storage's XML error (``bulk.result_access_error``)."""
    refused = bulk.result_access_error(operation_id, shop, request.GET)
    if refused:
        code_status, code, message = refused
        return HttpResponse(
            "<?xml version='1.0' encoding='UTF-8'?>"
            f"<Error><Code>{code}</Code><Message>{message}</Message></Error>",
            status=code_status,
            content_type="application/xml; charset=UTF-8",
        )
    op = SandboxBulkOperation.objects.filter(
        pk=operation_id, shop__domain=shop, status="COMPLETED"
    ).first()
    path = bulk.result_path(op) if op else None
    if path is None or not path.exists():
        raise Http404("No such bulk operation result.")
    return FileResponse(
        path.open("rb"), content_type="application/jsonl", filename=f"bulk-{op.id}.jsonl"
    )
