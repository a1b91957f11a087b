"""Dashboard: the connector hub, one account's live sync status, and "Sync now".

The hub is generated from the connector registry (``integrations.registry.CONNECTORS``), one
section per provider kind, never from a hard-coded list. Every query starts from
``ChannelAccount.objects.for_merchant(request.merchant)``: another merchant's account is a 404.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, reverse
from django.views.decorators.http import require_GET, require_POST

from accounts.decorators import merchant_required
from integrations.catalog import SECTION_TITLES
from integrations.connectors.base import (
    ENGINE_CAPABILITIES,
    Connector,
    ConnectType,
    CredentialField,
    ProviderKind,
)
from integrations.http import ConnectorError
from integrations.models import ACTIVE_SYNC_STATUSES, ChannelAccount, SyncRun
from integrations.registry import CONNECTORS, PLANNED
from integrations.selectors import latest_runs
from integrations.services.accounts import ConnectValidationError, connect_with_credentials
from integrations.services.sync import (
    provider_streams,
    request_sync,
    streams_for,
    sync_run_stale_reason,
    sync_run_take_over,
)

STATUS_TEMPLATE = "integrations/_account_status.html"
HEX_COLOR = re.compile(r"#([0-9a-fA-F]{2})([0-9a-fA-F]{2})([0-9a-fA-F]{2})")


@dataclass
class AccountCard:
    """One connected account and the latest run of each of its streams."""

    account: ChannelAccount
    runs: list[SyncRun] = field(default_factory=list)

    @property
    def is_syncing(self) -> bool:
        return any(run.status in ACTIVE_SYNC_STATUSES for run in self.runs)

    @property
    def syncs(self) -> bool:
        """The provider has sync streams (a courier's shipments are tracked by their own
        poll, so it has no "Sync now")."""
        return self.account.provider in CONNECTORS and bool(provider_streams(self.account.provider))

    @property
    def imports_files(self) -> bool:
        """A file channel (Meesho, Myntra, Ajio): orders arrive by upload, not by sync."""
        connector = CONNECTORS.get(self.account.provider)
        return connector is not None and connector.connect_type == ConnectType.FILE


@dataclass
class ProviderCard:
    """One provider of the registry with the merchant's accounts of it.

    Templates read the connector's metadata through these attributes: a template would call
    the connector class itself (it is callable) instead of reading its class attributes."""

    connector: type[Connector]
    accounts: list[AccountCard]
    install_url: str = ""

    @property
    def id(self) -> str:
        return self.connector.id

    @property
    def label(self) -> str:
        return self.connector.label

    @property
    def color(self) -> str:
        return self.connector.color

    @property
    def setup_steps(self) -> tuple[str, ...]:
        return tuple(self.connector.setup_steps)

    @property
    def initials(self) -> str:
        """ "Shopify" → "S", "Meta Ads" → "MA": the badge text (no external images)."""
        words = self.connector.label.replace("_", " ").split()
        return "".join(w[0] for w in words[:2]).upper() or self.connector.id[:2].upper()

    @property
    def capability_labels(self) -> list[str]:
        """``inventory_push`` → "Inventory push", sorted; the engine's own capabilities
        (``ENGINE_CAPABILITIES``) are not listed."""
        names = {"oauth": "OAuth install"}
        return sorted(
            names.get(str(c), str(c).replace("_", " ").capitalize())
            for c in self.connector.capabilities - ENGINE_CAPABILITIES
        )

    @property
    def credential_fields(self) -> tuple[CredentialField, ...]:
        return tuple(self.connector.credential_fields)

    @property
    def imports_files(self) -> bool:
        return self.connector.connect_type == ConnectType.FILE

    @property
    def connect_field(self) -> CredentialField | None:
        """The account-key field of the connect form (e.g. Shopify's shop domain)."""
        return next((f for f in self.connector.credential_fields if not f.secret), None)

    @property
    def badge_text_color(self) -> str:
        """Dark or white text, whichever reads better on the provider's colour (WCAG
        relative luminance of ``#rrggbb``)."""
        match = HEX_COLOR.fullmatch(self.connector.color or "")
        if not match:
            return "#ffffff"
        channels = [int(match.group(i), 16) / 255 for i in (1, 2, 3)]
        linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        luminance = 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]
        return "#111827" if luminance > 0.4 else "#ffffff"


def oauth_install_url(connector: type[Connector]) -> str:
    """Where the "Connect" form of an OAuth provider GETs to (``<id>-oauth-install``)."""
    try:
        return reverse(f"{connector.id}-oauth-install")
    except NoReverseMatch:
        return f"/channels/{connector.id}/oauth/install"


def hub_sections(merchant) -> list[dict[str, Any]]:
    """Sections (commerce, logistics, marketing) of provider cards, and of the kind's providers
    that are not yet connectable (``planned``, shown with their reason); a kind with no
    registered provider is left out."""
    accounts = list(ChannelAccount.objects.for_merchant(merchant).order_by("provider", "pk"))
    runs = latest_runs(accounts)
    by_provider: dict[str, list[AccountCard]] = defaultdict(list)
    for account in accounts:
        by_provider[account.provider].append(AccountCard(account, runs.get(account.pk, [])))
    sections = []
    for kind in ProviderKind:
        cards = [
            ProviderCard(
                connector=cls,
                accounts=by_provider.get(cls.id, []),
                install_url=oauth_install_url(cls) if cls.connect_type == ConnectType.OAUTH else "",
            )
            for cls in CONNECTORS.values()
            if cls.kind == kind
        ]
        if cards:
            planned = [p for p in PLANNED.values() if p.kind == kind]
            sections.append(
                {"id": str(kind), "title": SECTION_TITLES[kind], "cards": cards, "planned": planned}
            )
    return sections


@require_GET
@merchant_required
def hub(request: HttpRequest) -> HttpResponse:
    """The connector hub: every registered provider, its accounts, their sync state."""
    return render(
        request,
        "integrations/hub.html",
        {
            "sections": hub_sections(request.merchant),
            "can_manage": request.membership.can_manage,
            "sandbox_enabled": settings.SANDBOX_ENABLED,
        },
    )


def _merchant_account(request: HttpRequest, account_id: int) -> ChannelAccount:
    return get_object_or_404(ChannelAccount.objects.for_merchant(request.merchant), pk=account_id)


def _status_response(
    request: HttpRequest, account: ChannelAccount, notice: tuple[str, str] | None = None
) -> HttpResponse:
    card = AccountCard(account, latest_runs([account]).get(account.pk, []))
    return render(
        request,
        STATUS_TEMPLATE,
        {"item": card, "can_manage": request.membership.can_manage, "notice": notice},
    )


@require_GET
@merchant_required
def account_status(request: HttpRequest, account_id: int) -> HttpResponse:
    """One account's status and latest runs (the partial the hub polls while a run is
    queued or running). A run nobody executes any more (its process exited or stopped
    beating: ``sync_run_stale_reason``) is taken over for an owner or manager watching it:
    interrupted and resumed from its checkpoint by a new run, with a notice saying so; a
    viewer is told it stopped."""
    account = _merchant_account(request, account_id)
    notices = []
    for run in SyncRun.objects.filter(account=account, status__in=ACTIVE_SYNC_STATUSES):
        reason = sync_run_stale_reason(run)
        if not reason:
            continue
        if not request.membership.can_manage:
            notices.append(f"The {run.label} sync stopped ({reason}); it resumes on the next sync.")
            continue
        new = sync_run_take_over(run, background=True)
        if new is not None:
            notices.append(
                f"The {run.label} sync stopped ({reason}): run #{new.pk} resumes it from its "
                f"checkpoint (page {run.pages})."
            )
    account.refresh_from_db()
    notice = ("warning", " ".join(notices)) if notices else None
    return _status_response(request, account, notice)


@require_POST
@merchant_required
def account_sync(request: HttpRequest, account_id: int) -> HttpResponse:
    """Queue every stream the provider supports. Owners and managers only (viewers: 403).
    Answers the status partial to fetch/htmx callers, otherwise redirects to the hub."""
    if not request.membership.can_manage:
        raise PermissionDenied("Only owners and managers can start a sync.")
    account = _merchant_account(request, account_id)
    if account.is_active:
        runs = request_sync(account=account, streams=streams_for(account), background=True)
        account.refresh_from_db()
        streams = ", ".join(run.stream for run in runs)
        name = account.display_name or account.external_id
        notice = ("success", f"Sync requested for {name} ({streams}).")
    else:
        status = account.get_status_display().lower()
        notice = ("error", f"{account} is {status}: connect it again before syncing.")
    if request.htmx:
        return _status_response(request, account, notice)
    messages.add_message(
        request, messages.SUCCESS if notice[0] == "success" else messages.ERROR, notice[1]
    )
    return redirect("dashboard:home")


@require_POST
@merchant_required
def provider_connect(request: HttpRequest, provider: str) -> HttpResponse:
    """Connect with the provider's credential fields (for Shopify: a custom app's Admin API
    token and API secret). Verified against the provider before anything is stored; the
    outcome is a message on the hub. Owners and managers only."""
    if not request.membership.can_manage:
        raise PermissionDenied("Only owners and managers can connect a provider.")
    connector = CONNECTORS.get(provider)
    if connector is None:
        raise Http404("Unknown provider.")
    data = {f.name: request.POST.get(f.name, "").strip() for f in connector.credential_fields}
    try:
        account = connect_with_credentials(
            merchant=request.merchant,
            provider=provider,
            data=data,
            use_sandbox=request.POST.get("sandbox") == "1" and settings.SANDBOX_ENABLED,
        )
    except ConnectValidationError as exc:
        messages.error(request, f"{connector.label}: {exc}")
    except ConnectorError as exc:
        messages.error(request, f"{connector.label} refused these credentials: {exc}")
    else:
        name = account.display_name or account.external_id
        messages.success(request, f"Connected {name}. The first sync has started.")
    return redirect("dashboard:home")


@require_POST
@merchant_required
def account_import(request: HttpRequest, account_id: int) -> HttpResponse:
    """Upload a seller-panel export (CSV/XLSX) to a file channel's account: stored, then
    imported by a background run whose progress the hub shows. Owners and managers only."""
    from integrations.services.files import FileImportError, file_import_start

    if not request.membership.can_manage:
        raise PermissionDenied("Only owners and managers can import files.")
    account = _merchant_account(request, account_id)
    upload = request.FILES.get("file")
    if upload is None:
        notice = ("error", "Choose an export file (CSV or XLSX) to import.")
    else:
        try:
            _record, run = file_import_start(
                account=account, upload=upload, user=request.user, background=True
            )
        except FileImportError as exc:
            notice = ("error", f"{upload.name}: {exc}")
        else:
            notice = ("success", f"Importing {upload.name} (run #{run.pk}).")
    if request.htmx:
        account.refresh_from_db()
        return _status_response(request, account, notice)
    messages.add_message(
        request, messages.SUCCESS if notice[0] == "success" else messages.ERROR, notice[1]
    )
    return redirect("dashboard:home")


@require_GET
@merchant_required
def sync_run_detail(request: HttpRequest, run_id: int) -> HttpResponse:
    """One run with the records it quarantined (for a file import: row, column and reason)."""
    run = get_object_or_404(
        SyncRun.objects.for_merchant(request.merchant).select_related("account"), pk=run_id
    )
    limit = 500
    return render(
        request,
        "integrations/sync_run.html",
        {"run": run, "logs": list(run.logs.order_by("pk")[:limit]), "limit": limit},
    )
