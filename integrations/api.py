"""Integration API (DRF): catalog, provider status/connect/disconnect/sync, channel stock,
webhook registration and subscriptions (SPEC's ``/api/integrations/shopify/*`` routes are these
views for Shopify, integrations/urls.py). Thin views: validation and services
live elsewhere. Every query is scoped to the request's merchant; credentials never appear in a
response."""

from __future__ import annotations

from django.http import Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.params import MAX_ID, IdParam, MomentParam, TextParam
from accounts.permissions import bind_merchant
from integrations.catalog import integration_catalog
from integrations.connectors.base import ConnectType
from integrations.http import ConnectorError
from integrations.models import ChannelAccount, FileImport, SyncRun, SyncStatus, WebhookSubscription
from integrations.registry import CONNECTORS, UnknownProvider, get_connector_class
from integrations.serializers import (
    AccountSyncRunsOutput,
    ChannelAccountSerializer,
    ConnectedSummaryOutput,
    ProviderStatusOutput,
    SyncLogOutput,
    SyncRunDetailOutput,
    SyncRunSerializer,
    WebhookSubscriptionSerializer,
    WebhookSubscriptionsOutput,
)
from integrations.services.accounts import (
    ConnectValidationError,
    account_check_connection,
    account_disconnect,
    connect_with_credentials,
)
from integrations.services.sync import UnknownStream, request_sync, streams_for
from integrations.services.webhook_subscriptions import (
    account_register_webhooks,
    receives_webhooks,
)

# A 400 of a write: ``{"error": reason, "field": the field at fault, when there is one}``.
REFUSED = OpenApiResponse(description='The reason: {"error", "field"}.')


def provider_or_404(provider: str):
    try:
        return get_connector_class(provider)
    except UnknownProvider:
        raise Http404(f"Unknown provider '{provider}'.") from None


def _accounts(request: Request, provider: str):
    return ChannelAccount.objects.for_merchant(request.merchant).filter(provider=provider)


def pick_account(request: Request, provider: str) -> ChannelAccount:
    """``account_id`` from the body/query, else the merchant's only (or newest) account."""
    accounts = _accounts(request, provider)
    account_id = request.data.get("account_id") if request.method == "POST" else None
    account_id = account_id or request.query_params.get("account_id")
    if account_id:
        if not str(account_id).isdigit() or not 1 <= int(account_id) <= MAX_ID:
            raise serializers.ValidationError({"account_id": "Must be an account id (a number)."})
        account = accounts.filter(pk=account_id).first()
    else:
        account = accounts.exclude(status="disconnected").order_by("-pk").first()
    if account is None:
        raise Http404(f"No {provider} account is connected.")
    return account


def _status_payload(request: Request, provider: str) -> dict:
    accounts = list(_accounts(request, provider).order_by("pk"))
    runs = {
        a.pk: SyncRunSerializer(SyncRun.objects.filter(account=a)[:5], many=True).data
        for a in accounts
    }
    return {
        "provider": provider,
        "connected": any(a.status == "connected" for a in accounts),
        "accounts": [
            {**ChannelAccountSerializer(a).data, "recentSyncRuns": runs[a.pk]} for a in accounts
        ],
    }


class CatalogView(APIView):
    """``GET /api/integrations/catalog``: sections → providers, from the registry."""

    permission_classes = (IsAuthenticated,)

    @extend_schema(responses=OpenApiTypes.OBJECT)
    def get(self, request: Request) -> Response:
        return Response(integration_catalog())


class ConnectedSummaryView(APIView):
    """``GET /api/integrations/connected-summary``: what the merchant has connected."""

    @extend_schema(responses=ConnectedSummaryOutput)
    def get(self, request: Request) -> Response:
        accounts = ChannelAccount.objects.for_merchant(request.merchant)
        providers = []
        for provider_id, cls in CONNECTORS.items():
            mine = [a for a in accounts if a.provider == provider_id]
            providers.append(
                {
                    "id": provider_id,
                    "name": cls.label,
                    "kind": str(cls.kind),
                    "connected": sum(a.status == "connected" for a in mine),
                    "errors": sum(a.status == "error" for a in mine),
                    "accounts": ChannelAccountSerializer(mine, many=True).data,
                }
            )
        return Response(
            {
                "merchant": request.merchant.name,
                "connectedCount": sum(p["connected"] for p in providers),
                "providers": providers,
            }
        )


class ProviderStatusView(APIView):
    """``GET /api/integrations/providers/{id}/status``."""

    @extend_schema(responses=ProviderStatusOutput)
    def get(self, request: Request, provider: str) -> Response:
        provider_or_404(provider)
        return Response(_status_payload(request, provider))


class ProviderConnectView(APIView):
    """``POST /api/integrations/providers/{id}/connect``: the provider's ``setupFormFields``
    (+ ``use_sandbox``); verified with the provider before anything is stored."""

    @extend_schema(
        request=OpenApiTypes.OBJECT,
        responses={
            201: ChannelAccountSerializer,
            400: REFUSED,
        },
    )
    def post(self, request: Request, provider: str) -> Response:
        provider_or_404(provider)
        data = {k: v for k, v in request.data.items() if k != "use_sandbox"}
        use_sandbox = str(request.data.get("use_sandbox", "")).lower() in ("1", "true", "yes")
        try:
            account = connect_with_credentials(
                merchant=request.merchant, provider=provider, data=data, use_sandbox=use_sandbox
            )
        except ConnectValidationError as exc:
            return Response({"error": str(exc), "field": exc.field}, status=400)
        except ConnectorError as exc:
            return Response({"error": f"The provider refused these credentials: {exc}"}, status=400)
        return Response(ChannelAccountSerializer(account).data, status=201)


class ProviderDisconnectView(APIView):
    """``POST /api/integrations/providers/{id}/disconnect`` (``account_id`` optional)."""

    @extend_schema(request=None, responses=ChannelAccountSerializer)
    def post(self, request: Request, provider: str) -> Response:
        provider_or_404(provider)
        account = account_disconnect(
            account=pick_account(request, provider), reason="Disconnected by the merchant."
        )
        return Response(ChannelAccountSerializer(account).data)


class SyncRequest(serializers.Serializer):
    account_id = IdParam(required=False)
    streams = serializers.ListField(child=TextParam(), required=False, max_length=20)
    since = MomentParam(required=False, help_text="Re-read history from this time (ISO 8601).")


class ProviderSyncView(APIView):
    """``POST /api/integrations/providers/{id}/sync``: queue a sync; returns the run ids
    (``sync_run_id`` is the first). ``streams`` defaults to catalog, inventory and orders;
    ``since`` (with ``streams: ["backfill"]``) re-reads history from that time."""

    default_streams: tuple[str, ...] | None = None

    @extend_schema(request=SyncRequest, responses=SyncRunSerializer(many=True))
    def post(self, request: Request, provider: str) -> Response:
        provider_or_404(provider)
        body = SyncRequest(data=request.data)
        body.is_valid(raise_exception=True)
        account = pick_account(request, provider)
        streams = body.validated_data.get("streams") or self.default_streams or streams_for(account)
        if not streams:
            return Response(
                {"error": f"{account.get_provider_display()} imports orders by file upload."},
                status=400,
            )
        options = {}
        if body.validated_data.get("since"):
            options["since"] = body.validated_data["since"].strftime("%Y-%m-%dT%H:%M:%SZ")
        try:
            runs = request_sync(account=account, streams=streams, options=options, background=True)
        except UnknownStream as exc:
            return Response({"error": str(exc), "field": "streams"}, status=400)
        return Response(
            {"sync_run_id": runs[0].pk, "runs": SyncRunSerializer(runs, many=True).data},
            status=status.HTTP_202_ACCEPTED,
        )


class ProviderImportView(APIView):
    """``POST /api/integrations/providers/{id}/import`` (multipart ``file``, optional
    ``account_id``): import a seller-panel export (CSV or XLSX) of a file channel (Meesho,
    Myntra, Ajio). Returns 202 with the import's sync run; the run's counts and its quarantined
    rows (row, column, reason) are at ``/api/integrations/sync-runs/{id}``."""

    parser_classes = (MultiPartParser, FormParser)

    @extend_schema(
        request={"multipart/form-data": OpenApiTypes.OBJECT},
        responses={
            202: OpenApiTypes.OBJECT,
            400: REFUSED,
        },
    )
    def post(self, request: Request, provider: str) -> Response:
        from integrations.services.files import FileImportError, file_import_start

        cls = provider_or_404(provider)
        if cls.connect_type != ConnectType.FILE:
            return Response(
                {"error": f"{cls.label} imports orders by API, not files.", "field": "provider"},
                status=400,
            )
        if not request.membership.can_manage:
            return Response({"error": "Only owners and managers can import files."}, status=403)
        upload = request.FILES.get("file")
        if upload is None:
            return Response({"error": "'file' is required.", "field": "file"}, status=400)
        account = pick_account(request, provider)
        try:
            record, run = file_import_start(
                account=account, upload=upload, user=request.user, background=True
            )
        except FileImportError as exc:
            return Response({"error": str(exc), "field": "file"}, status=400)
        seen_before = (
            FileImport.objects.filter(account=account, sha256=record.sha256)
            .exclude(pk=record.pk)
            .exists()
        )
        return Response(
            {
                "import_id": record.pk,
                "file_name": record.original_name,
                "seen_before": seen_before,
                "sync_run_id": run.pk,
                "run": SyncRunSerializer(run).data,
            },
            status=status.HTTP_202_ACCEPTED,
        )


class AccountSyncRunsView(APIView):
    """``GET /api/integrations/accounts/{id}/sync-runs?stream=&status=&limit=``: the account's
    sync history, newest first, with counts, errors and quarantined-record counts."""

    @extend_schema(
        responses=AccountSyncRunsOutput,
        parameters=[
            OpenApiParameter("stream", str, description="Streams starting with this."),
            OpenApiParameter("status", str, enum=[v for v, _ in SyncStatus.choices]),
            OpenApiParameter("limit", int, description="1–500 runs (default 50)."),
        ],
    )
    def get(self, request: Request, account_id: int) -> Response:
        account = ChannelAccount.objects.for_merchant(request.merchant).filter(pk=account_id)
        account = account.first()
        if account is None:
            raise Http404("No such account.")
        runs = SyncRun.objects.filter(account=account)
        stream = request.query_params.get("stream")
        if stream:
            runs = runs.filter(stream__startswith=stream)
        if request.query_params.get("status"):
            runs = runs.filter(status=request.query_params["status"])
        limit = request.query_params.get("limit", "50")
        limit = min(int(limit), 500) if limit.isdigit() and int(limit) > 0 else 50
        return Response(
            {
                "account": ChannelAccountSerializer(account).data,
                "results": SyncRunSerializer(runs[:limit], many=True).data,
            }
        )


class SyncRunView(APIView):
    """``GET /api/integrations/sync-runs/{id}``: progress of one run (for live status)."""

    @extend_schema(responses=SyncRunDetailOutput)
    def get(self, request: Request, run_id: int) -> Response:
        run = SyncRun.objects.for_merchant(request.merchant).filter(pk=run_id).first()
        if run is None:
            raise Http404("No such sync run.")
        logs = run.logs.order_by("pk")[:200]
        return Response(
            {**SyncRunSerializer(run).data, "logs": SyncLogOutput(logs, many=True).data}
        )


# --- channel stock and webhook registration --------------------------------------------------
class ProviderRegisterWebhooksView(APIView):
    """``POST /api/integrations/shopify/register-webhooks``: (re)subscribe the provider
    account's webhooks."""

    @extend_schema(request=None, responses=WebhookSubscriptionsOutput)
    def post(self, request: Request, provider: str) -> Response:
        provider_or_404(provider)
        return _register(pick_account(request, provider))


class RegisterWebhooksForAccountView(APIView):
    """``POST /api/webhooks/register/{account_id}``."""

    @extend_schema(request=None, responses=WebhookSubscriptionsOutput)
    def post(self, request: Request, account_id: int) -> Response:
        bind_merchant(request)
        account = (
            ChannelAccount.objects.for_merchant(request.merchant).filter(pk=account_id).first()
        )
        if account is None:
            raise Http404("No such account.")
        return _register(account)


def _register(account: ChannelAccount) -> Response:
    if not receives_webhooks(account.provider):
        return Response({"error": "This provider has no webhook registration."}, status=400)
    try:
        subs = account_register_webhooks(account=account)
    except ConnectorError as exc:
        return Response({"error": str(exc)}, status=502)
    return Response({"subscriptions": WebhookSubscriptionSerializer(subs, many=True).data})


class WebhookSubscriptionsView(APIView):
    """``GET /api/webhooks/subscriptions``: the merchant's subscriptions (as last registered)."""

    @extend_schema(responses=WebhookSubscriptionsOutput)
    def get(self, request: Request) -> Response:
        subs = WebhookSubscription.objects.for_merchant(request.merchant).select_related("account")
        return Response({"subscriptions": WebhookSubscriptionSerializer(subs, many=True).data})


class TestConnectionView(APIView):
    """``POST /api/integrations/providers/{id}/test``: the cheapest authenticated call."""

    @extend_schema(request=None, responses=OpenApiTypes.OBJECT)
    def post(self, request: Request, provider: str) -> Response:
        provider_or_404(provider)
        account = pick_account(request, provider)
        try:
            facts = account_check_connection(account=account)
        except ConnectorError as exc:
            return Response({"ok": False, "error": str(exc)}, status=200)
        return Response({"ok": True, "account": facts})
