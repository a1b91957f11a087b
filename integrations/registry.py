"""The connector registry: one explicit, greppable dict of every provider Sangam speaks.

The catalog API, admin, dashboard and sync engine all read it. ``tests/integrations/
test_registry.py`` proves ids are unique, match ``Provider`` choices, and that every declared
capability's methods are implemented.
"""

from __future__ import annotations

from integrations.connectors.amazon.connector import AmazonConnector
from integrations.connectors.base import Capability, Connector
from integrations.connectors.delhivery.connector import DelhiveryConnector
from integrations.connectors.files.ajio import AjioConnector
from integrations.connectors.files.meesho import MeeshoConnector
from integrations.connectors.files.myntra import MyntraConnector
from integrations.connectors.flipkart.connector import FlipkartConnector
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


def has_capability(provider: str, capability: Capability) -> bool:
    """Whether the connector of ``provider`` declares ``capability`` (False for a provider no
    connector is registered under): how domains decide to call a capability's method."""
    cls = CONNECTORS.get(provider)
    return cls is not None and capability in cls.capabilities
