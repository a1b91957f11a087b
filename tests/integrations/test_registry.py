"""The connector registry and the catalog generated from it."""

from __future__ import annotations

from typing import ClassVar

import pytest
from django.urls import Resolver404, resolve

from integrations.catalog import integration_catalog
from integrations.connectors.base import (
    CAPABILITY_METHODS,
    Capability,
    Connector,
    ConnectType,
    ProviderKind,
)
from integrations.models import Provider
from integrations.registry import CONNECTORS, UnknownProvider, get_connector_class
from integrations.services.sync import provider_streams

ALL = sorted(CONNECTORS)


def _base_function(name: str):
    """The base class's stub of ``name`` (the function under a classmethod), or None."""
    stub = getattr(Connector, name, None)
    return getattr(stub, "__func__", stub)


def unimplemented_capability_methods(cls: type[Connector]) -> list[str]:
    """Methods a connector's declared capabilities require that it does not implement: missing,
    or still the base class's ``NotImplementedError`` stub."""
    missing = []
    for capability in cls.capabilities:
        for name in CAPABILITY_METHODS[capability]:
            method = getattr(cls, name, None)
            if not callable(method) or getattr(method, "__func__", method) is _base_function(name):
                missing.append(f"{capability}.{name}")
    return sorted(missing)


def test_registry_keys_are_the_connector_ids():
    assert all(key == cls.id for key, cls in CONNECTORS.items())


def test_connector_ids_are_unique():
    classes = list(CONNECTORS.values())
    assert len({cls.id for cls in classes}) == len(classes)


def test_connector_ids_equal_the_provider_choices():
    assert set(CONNECTORS) == set(Provider.values)


def test_every_capability_has_required_methods_declared():
    assert set(CAPABILITY_METHODS) == set(Capability)


@pytest.mark.parametrize("provider", ALL)
def test_every_declared_capability_method_is_implemented(provider):
    assert unimplemented_capability_methods(CONNECTORS[provider]) == []


@pytest.mark.parametrize("provider", ALL)
def test_check_credentials_is_implemented(provider):
    assert CONNECTORS[provider].check_credentials is not Connector.check_credentials


def test_the_capability_check_catches_a_connector_that_declares_without_implementing():
    """Control: the helper above must report a stub, or the registry test cannot fail."""

    class Half(CONNECTORS["shopify"]):
        capabilities: ClassVar = frozenset({Capability.ORDERS, Capability.INVENTORY_PUSH})
        fetch_orders = Connector.fetch_orders
        push_inventory = Connector.push_inventory
        read_inventory = Connector.read_inventory

    assert unimplemented_capability_methods(Half) == [
        "inventory_push.push_inventory",
        "inventory_push.read_inventory",
        "orders.fetch_orders",
    ]


@pytest.mark.parametrize("provider", ALL)
def test_connector_metadata_is_complete(provider):
    cls = CONNECTORS[provider]
    assert cls.label
    assert isinstance(cls.kind, ProviderKind)
    assert isinstance(cls.connect_type, ConnectType)
    assert cls.capabilities <= set(Capability)
    names = [f.name for f in cls.credential_fields]
    assert len(names) == len(set(names))
    assert cls.setup_steps


def test_shopify_secret_fields_are_flagged_secret():
    cls = CONNECTORS["shopify"]
    assert cls.secret_field_names() == frozenset({"access_token", "api_secret_key"})


def test_get_connector_class_raises_unknown_provider():
    assert get_connector_class("shopify") is CONNECTORS["shopify"]
    with pytest.raises(UnknownProvider):
        get_connector_class("nope")


PROVIDER_KEYS = {
    "id",
    "name",
    "icon",
    "color",
    "kind",
    "connectType",
    "capabilities",
    "statusEndpoint",
    "connectEndpoint",
    "setupFormFields",
    "setupSteps",
    "actions",
}


def _catalog_providers():
    return [p for s in integration_catalog()["sections"] for p in s["providers"]]


def test_catalog_lists_every_registered_provider_once_in_its_kind_section():
    catalog = integration_catalog()
    assert set(catalog) == {"sections"}
    seen = []
    for section in catalog["sections"]:
        assert set(section) == {"id", "title", "providers", "planned"}
        assert section["providers"], "empty sections are left out"
        for entry in section["providers"]:
            assert entry["kind"] == section["id"]
            seen.append(entry["id"])
    assert sorted(seen) == ALL


def test_catalog_sections_follow_the_kind_order():
    ids = [s["id"] for s in integration_catalog()["sections"]]
    order = [str(k) for k in ProviderKind]
    assert ids == sorted(ids, key=order.index)


@pytest.mark.parametrize("entry", _catalog_providers(), ids=lambda e: e["id"])
def test_catalog_entry_shape(entry):
    cls = CONNECTORS[entry["id"]]
    assert set(entry) >= PROVIDER_KEYS
    assert entry["name"] == cls.label
    assert entry["connectType"] == str(cls.connect_type)
    assert entry["capabilities"] == sorted(str(c) for c in cls.capabilities)
    assert entry["statusEndpoint"] == f"/api/integrations/providers/{cls.id}/status"
    assert entry["connectEndpoint"] == f"/api/integrations/providers/{cls.id}/connect"
    assert [f["name"] for f in entry["setupFormFields"]] == [f.name for f in cls.credential_fields]
    for field, declared in zip(entry["setupFormFields"], cls.credential_fields, strict=True):
        assert set(field) == {
            "name",
            "label",
            "type",
            "secret",
            "required",
            "helpText",
            "placeholder",
            "default",
        }
        assert field["default"] == declared.default
        assert field["secret"] is declared.secret
        assert field["required"] is declared.required
        if declared.secret:
            assert field["type"] == "password"
    assert entry["setupSteps"] == list(cls.setup_steps)
    # File channels import uploads instead of syncing by API; a courier has no sync streams
    # (its shipments are tracked by their own poll).
    if cls.connect_type == ConnectType.FILE:
        expected = {"import", "disconnect"}
    elif provider_streams(cls.id):
        expected = {"sync", "disconnect"}
    else:
        expected = {"disconnect"}
    assert {a["id"] for a in entry["actions"]} == expected
    for action in entry["actions"]:
        assert action["method"] == "POST"
        assert action["endpoint"] == f"/api/integrations/providers/{cls.id}/{action['id']}"


@pytest.mark.parametrize("entry", _catalog_providers(), ids=lambda e: e["id"])
def test_catalog_oauth_entries_name_the_install_endpoint_and_query_key(entry):
    if entry["connectType"] != ConnectType.OAUTH:
        assert "oauthInstallEndpoint" not in entry
        return
    assert entry["oauthInstallEndpoint"] == f"/channels/{entry['id']}/oauth/install"
    assert entry["oauthInstallQueryKey"] == "shop"


@pytest.mark.parametrize("entry", _catalog_providers(), ids=lambda e: e["id"])
def test_every_catalog_endpoint_resolves_to_a_view(entry):
    endpoints = [entry["statusEndpoint"], entry["connectEndpoint"]]
    endpoints += [a["endpoint"] for a in entry["actions"]]
    if "oauthInstallEndpoint" in entry:
        endpoints.append(entry["oauthInstallEndpoint"])
    unresolved = []
    for endpoint in endpoints:
        try:
            resolve(endpoint)
        except Resolver404:
            unresolved.append(endpoint)
    assert unresolved == []


def test_the_engine_capabilities_are_declared_by_the_connectors_that_implement_them():
    """Domains and the sync engine call these methods only where the capability is declared
    (no ``hasattr`` probes), so each implementer must declare it."""
    from integrations.connectors.base import ENGINE_CAPABILITIES
    from integrations.registry import has_capability

    declared = {
        (provider, str(c))
        for provider, cls in CONNECTORS.items()
        for c in cls.capabilities & ENGINE_CAPABILITIES
    }
    assert declared == {
        ("shopify", "order_returns"),
        ("shopify", "return_writeback"),
        ("shopify", "fulfillment_writeback"),
        ("shopify", "bulk"),
        ("amazon", "payment_lookup"),
        ("amazon", "bulk"),
        ("flipkart", "order_lookup"),
    }
    for provider, cls in CONNECTORS.items():
        for capability in ENGINE_CAPABILITIES - cls.capabilities:
            for name in CAPABILITY_METHODS[capability]:
                assert getattr(cls, name) is getattr(Connector, name), (provider, name)
    assert not has_capability("no-such-provider", Capability.BULK)


# --- providers that are not yet connectable -------------------------------------------------
def test_planned_providers_are_not_connectors_nor_provider_choices():
    from integrations.registry import PLANNED

    assert "selloship" in PLANNED
    for planned in PLANNED.values():
        assert planned.id not in CONNECTORS
        assert planned.id not in Provider.values
        assert planned.reason.strip()
        with pytest.raises(UnknownProvider):
            get_connector_class(planned.id)


def test_the_catalog_shows_planned_providers_as_not_yet_connectable():
    logistics = next(s for s in integration_catalog()["sections"] if s["id"] == "logistics")
    assert {p["id"] for p in logistics["providers"]} >= {"delhivery", "shiprocket"}
    (selloship,) = [p for p in logistics["planned"] if p["id"] == "selloship"]
    assert selloship["connectable"] is False
    assert selloship["status"] == "not_yet_connectable"
    assert "no API documentation" in selloship["reason"]
    assert "connectEndpoint" not in selloship
    assert selloship["actions"] == []
    assert selloship["setupFormFields"] == []


def test_a_planned_provider_cannot_be_connected(client, user):
    client.force_login(user)
    response = client.post(
        "/api/integrations/providers/selloship/connect",
        data={"api_token": "x"},
        content_type="application/json",
    )
    assert response.status_code in (400, 404)


def test_the_hub_lists_selloship_as_not_yet_connectable(client, user):
    from django.urls import reverse

    client.force_login(user)
    page = client.get(reverse("dashboard:home")).content.decode()
    assert "Selloship" in page
    assert "Not yet connectable" in page
    assert "Shiprocket" in page
