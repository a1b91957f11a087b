"""The integration catalog, generated from the registry (the UI is driven by it)."""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from integrations.connectors.base import Capability, Connector, ConnectType, ProviderKind
from integrations.registry import CONNECTORS, PLANNED, PlannedProvider
from integrations.services.sync import provider_streams

SECTION_TITLES = {
    ProviderKind.COMMERCE: "Sales channels",
    ProviderKind.LOGISTICS: "Shipping",
    ProviderKind.MARKETING: "Marketing",
}


def provider_entry(cls: type[Connector]) -> dict[str, Any]:
    """One provider in the catalog shape the frontend consumes."""
    entry: dict[str, Any] = {
        "id": cls.id,
        "name": cls.label,
        "icon": cls.icon or cls.id,
        "color": cls.color,
        "kind": str(cls.kind),
        "connectType": str(cls.connect_type),
        "capabilities": sorted(str(c) for c in cls.capabilities),
        "statusEndpoint": reverse("api-provider-status", args=[cls.id]),
        "connectEndpoint": reverse("api-provider-connect", args=[cls.id]),
        "setupFormFields": [
            {
                "name": f.name,
                "label": f.label,
                "type": f.field_type if not f.secret else "password",
                "secret": f.secret,
                "required": f.required,
                "helpText": f.help_text,
                "placeholder": f.placeholder,
                "default": f.default,
            }
            for f in cls.credential_fields
        ],
        "setupSteps": list(cls.setup_steps),
        "actions": [
            *_stream_actions(cls),
            {
                "id": "disconnect",
                "label": "Disconnect",
                "method": "POST",
                "endpoint": reverse("api-provider-disconnect", args=[cls.id]),
            },
        ],
    }
    if Capability.OAUTH in cls.capabilities:
        entry["oauthInstallEndpoint"] = reverse("oauth-install", kwargs={"provider": cls.id})
        entry["oauthInstallQueryKey"] = cls.oauth_account_param
    return entry


def _stream_actions(cls: type[Connector]) -> list[dict[str, Any]]:
    """Upload for file channels, "Sync now" for providers with sync streams, none for the
    others (a courier's shipments are tracked by their own poll)."""
    if cls.connect_type == ConnectType.FILE:
        return [_import_action(cls)]
    if provider_streams(cls.id):
        return [_sync_action(cls)]
    return []


def _sync_action(cls: type[Connector]) -> dict[str, Any]:
    return {
        "id": "sync",
        "label": "Sync now",
        "method": "POST",
        "endpoint": reverse("api-provider-sync", args=[cls.id]),
    }


def _import_action(cls: type[Connector]) -> dict[str, Any]:
    """File channels: upload the seller panel's export (multipart field ``file``)."""
    return {
        "id": "import",
        "label": "Import orders file",
        "method": "POST",
        "endpoint": reverse("api-provider-import", args=[cls.id]),
        "contentType": "multipart/form-data",
        "fileField": "file",
        "accept": [".csv", ".xlsx"],
    }


def planned_entry(planned: PlannedProvider) -> dict[str, Any]:
    """A provider that is not yet connectable (``registry.PLANNED``): shown with its reason,
    ``connectable`` false and no endpoints, form or actions."""
    return {
        "id": planned.id,
        "name": planned.label,
        "icon": planned.id,
        "color": "#94A3B8",
        "kind": str(planned.kind),
        "connectable": False,
        "status": "not_yet_connectable",
        "reason": planned.reason,
        "capabilities": [],
        "setupFormFields": [],
        "setupSteps": [],
        "actions": [],
    }


def integration_catalog() -> dict[str, Any]:
    """``{"sections": [{"id", "title", "providers": [...], "planned": [...]}, ...]}`` in kind
    order: each kind's connectors, and its providers that are not yet connectable
    (``planned``: ``connectable`` false, with a ``reason``); a kind with no connector is left
    out rather than shown empty."""
    sections = []
    for kind in ProviderKind:
        providers = [provider_entry(cls) for cls in CONNECTORS.values() if cls.kind == kind]
        planned = [planned_entry(p) for p in PLANNED.values() if p.kind == kind]
        if providers:
            sections.append(
                {
                    "id": str(kind),
                    "title": SECTION_TITLES[kind],
                    "providers": providers,
                    "planned": planned,
                }
            )
    return {"sections": sections}
