"""The connector registry: one explicit, greppable dict of every provider Sangam speaks.

The catalog API, admin, dashboard and sync engine all read it. ``tests/integrations/
test_registry.py`` proves ids are unique, match ``Provider`` choices, and that every declared
capability's methods are implemented.
"""

from __future__ import annotations

from dataclasses import dataclass

from integrations.connectors.amazon.connector import AmazonConnector
from integrations.connectors.base import Capability, Connector, ProviderKind
from integrations.connectors.delhivery.connector import DelhiveryConnector
from integrations.connectors.files.ajio import AjioConnector
from integrations.connectors.files.meesho import MeeshoConnector
from integrations.connectors.files.myntra import MyntraConnector
from integrations.connectors.flipkart.connector import FlipkartConnector
from integrations.connectors.shiprocket.connector import ShiprocketConnector
from integrations.connectors.shopify.connector import ShopifyConnector

CONNECTORS: dict[str, type[Connector]] = {
    cls.id: cls
    for cls in (
        ShopifyConnector,
        AmazonConnector,
        FlipkartConnector,
        MeeshoConnector,
        MyntraConnector,
        AjioConnector,
        DelhiveryConnector,
        ShiprocketConnector,
    )
}

# Inbox URL segments that name a provider by another word than its id (a provider that
# refuses URLs containing its own name: Shiprocket), slug → provider id.
WEBHOOK_SLUGS: dict[str, str] = {
    cls.webhook_url_slug: cls.id for cls in CONNECTORS.values() if cls.webhook_url_slug
}


@dataclass(frozen=True, slots=True)
class PlannedProvider:
    """A provider sellers ask for that Sangam cannot connect yet, shown in the catalog as
    "not yet connectable" with ``reason`` (never connectable, no ``Provider`` choice)."""

    id: str
    label: str
    kind: ProviderKind
    reason: str


PLANNED: dict[str, PlannedProvider] = {
    p.id: p
    for p in (
        PlannedProvider(
            id="selloship",
            label="Selloship",
            kind=ProviderKind.LOGISTICS,
            reason="Selloship publishes no API documentation: only community code shows a "
            "token login, shipment create, a status lookup of up to 50 AWBs and cancel "
            "(logistics-finance-notes.md §1, low confidence). Sangam will connect it once "
            "Selloship documents its API or shares it with us.",
        ),
    )
}


class UnknownProvider(LookupError):
    """No connector is registered under that provider id."""


def get_connector_class(provider: str) -> type[Connector]:
    """The connector class for ``provider``; raises ``UnknownProvider``."""
    try:
        return CONNECTORS[provider]
    except KeyError:
        raise UnknownProvider(provider) from None


def webhook_provider(segment: str) -> str:
    """The provider id an inbox URL segment names: a ``WEBHOOK_SLUGS`` slug's provider, else
    the segment itself."""
    return WEBHOOK_SLUGS.get(segment, segment)


def webhook_segment(provider: str) -> str:
    """The inbox URL segment of ``provider``: its connector's ``webhook_url_slug`` or its
    id."""
    cls = CONNECTORS.get(provider)
    return (cls.webhook_url_slug if cls is not None else "") or provider


def has_capability(provider: str, capability: Capability) -> bool:
    """Whether the connector of ``provider`` declares ``capability`` (False for a provider no
    connector is registered under): how domains decide to call a capability's method."""
    cls = CONNECTORS.get(provider)
    return cls is not None and capability in cls.capabilities
