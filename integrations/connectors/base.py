"""The connector base class: metadata as class attributes, behaviour as methods.

Connectors only translate — HTTP in, DTOs out, and DTOs in, HTTP out. They never touch the
ORM; they receive an ``AccountHandle`` and the shared ``HttpClient``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any, ClassVar

from integrations.dto import (
    AccountHandle,
    InventoryLevelDTO,
    OrderDTO,
    Page,
    ProductDTO,
    WebhookRegistration,
)
from integrations.http import ConnectorError, HttpClient

__all__ = [
    "Capability",
    "ConnectType",
    "Connector",
    "ConnectorError",
    "CredentialField",
    "ProviderKind",
    "VerifiedWebhook",
]


class Capability(StrEnum):
    ORDERS = "orders"
    CATALOG = "catalog"
    INVENTORY_PUSH = "inventory_push"
    PRICE_PUSH = "price_push"
    SHIPMENTS = "shipments"
    AD_SPEND = "ad_spend"
    SETTLEMENTS = "settlements"
    WEBHOOKS = "webhooks"


class ProviderKind(StrEnum):
    COMMERCE = "commerce"
    LOGISTICS = "logistics"
    MARKETING = "marketing"


class ConnectType(StrEnum):
    OAUTH = "oauth"
    API_KEY = "api_key"
    FILE = "file"


@dataclass(frozen=True, slots=True)
class CredentialField:
    """A field of the connect form. ``secret`` fields are stored encrypted and never echoed."""

    name: str
    label: str
    secret: bool = False
    required: bool = True
    help_text: str = ""
    placeholder: str = ""
    field_type: str = "text"


@dataclass(frozen=True, slots=True)
class VerifiedWebhook:
    """A webhook delivery whose signature has been verified (header names normalized)."""

    topic: str
    shop_domain: str
    delivery_id: str
    event_id: str
    triggered_at: datetime | None
    api_version: str
    headers: dict[str, str]


# Which method each capability requires; the registry test enforces it.
CAPABILITY_METHODS: Mapping[Capability, tuple[str, ...]] = {
    Capability.ORDERS: ("fetch_orders",),
    Capability.CATALOG: ("fetch_products", "fetch_inventory_levels"),
    Capability.INVENTORY_PUSH: ("push_inventory",),
    Capability.PRICE_PUSH: ("push_prices",),
    Capability.SHIPMENTS: ("create_shipment",),
    Capability.AD_SPEND: ("fetch_ad_spend",),
    Capability.SETTLEMENTS: ("fetch_settlements",),
    Capability.WEBHOOKS: ("register_webhooks", "list_webhooks"),
}


class Connector:
    """One external provider.

    Subclasses declare ``id``, ``label``, ``kind``, ``connect_type``, ``credential_fields``,
    ``capabilities`` and catalog presentation (``icon``, ``color``, ``setup_steps``), and
    implement the methods their capabilities require (see ``CAPABILITY_METHODS``). Methods raise
    ``ConnectorError`` (``permanent=True`` for bad credentials).
    """

    id: ClassVar[str]
    label: ClassVar[str]
    kind: ClassVar[ProviderKind]
    connect_type: ClassVar[ConnectType]
    credential_fields: ClassVar[tuple[CredentialField, ...]] = ()
    capabilities: ClassVar[frozenset[Capability]] = frozenset()
    icon: ClassVar[str] = ""
    color: ClassVar[str] = "#475569"
    setup_steps: ClassVar[tuple[str, ...]] = ()
    default_base_url: ClassVar[str] = ""
    # Streams the connector can export in bulk (``start_bulk``/``wait_for_bulk``/``iter_bulk``).
    bulk_streams: ClassVar[frozenset[str]] = frozenset()

    def __init__(self, account: AccountHandle, http: HttpClient) -> None:
        self.account = account
        self.http = http

    # --- every connector -----------------------------------------------------------------------
    def check_credentials(self) -> dict[str, Any]:
        """Make the cheapest authenticated call; return facts about the account (e.g. its
        name). Raises ``ConnectorError(permanent=True)`` when the credentials are refused."""
        raise NotImplementedError

    def estimate_total(self, stream: str, *, since: datetime | None) -> int | None:
        """How many records a run of ``stream`` will process (progress bars); None if the
        provider cannot say cheaply."""
        return None

    # --- capabilities (implemented by subclasses that declare them) ----------------------------
    def fetch_orders(
        self, *, since: datetime | None, cursor: str | None, page_size: int | None = None
    ) -> Page[OrderDTO]:
        raise NotImplementedError

    def fetch_products(
        self, *, cursor: str | None, since: datetime | None = None
    ) -> Page[ProductDTO]:
        raise NotImplementedError

    def fetch_inventory_levels(self, *, cursor: str | None) -> Page[InventoryLevelDTO]:
        raise NotImplementedError

    def register_webhooks(self, *, callback_url: str) -> list[WebhookRegistration]:
        raise NotImplementedError

    def list_webhooks(self) -> list[WebhookRegistration]:
        raise NotImplementedError

    @classmethod
    def required_fields(cls) -> tuple[CredentialField, ...]:
        return tuple(f for f in cls.credential_fields if f.required)

    @classmethod
    def secret_field_names(cls) -> frozenset[str]:
        return frozenset(f.name for f in cls.credential_fields if f.secret)
