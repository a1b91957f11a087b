"""What a provider's webhooks and OAuth hand the generic layer, besides the domain DTOs.

The inbox (``integrations.services.webhooks``) knows a delivery only as a ``WebhookDelivery``
(read from the headers by the provider's connector) and acts on the tuple of DTOs the
connector's ``parse_webhook`` returns: domain DTOs (``OrderDTO``, ``ProductDTO``,
``ReturnDTO``…, ``integrations/dto.py``) go to their domain importer, the events below to the
hub's own handlers (``WEBHOOK_HANDLERS``). An empty tuple means the topic is not one Sangam acts
on (the event is stored as ignored).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True, slots=True)
class WebhookDelivery:
    """One delivery as its headers describe it, before its signature is checked.

    ``account_key`` is the account's ``external_id`` the delivery claims (Shopify's
    ``X-Shopify-Shop-Domain``): it only chooses the candidate secrets, it is never trusted by
    itself. ``dedup_key`` is the same on every retry of one event (Shopify's event id, else the
    delivery id, else a hash of topic and body). ``missing`` names the required header that is
    absent ("" when none), ``stored_headers`` the headers kept with the event."""

    topic: str
    account_key: str
    signature: str
    delivery_id: str
    event_id: str
    dedup_key: str
    triggered_at: datetime | None
    api_version: str
    stored_headers: dict[str, str] = field(default_factory=dict)
    missing: str = ""


@dataclass(frozen=True, slots=True)
class AccountUninstalled:
    """The merchant removed the app from the provider (Shopify ``app/uninstalled``): the
    account is disconnected and its credentials forgotten."""

    reason: str


@dataclass(frozen=True, slots=True)
class OrderReturnsChanged:
    """The channel's returns of these orders changed in a way the body cannot carry whole
    (a Shopify refund made for a return): their returns are read from the channel again after
    the event commits. ``order_external_ids`` are the channel's order ids."""

    order_external_ids: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class CustomerDataRequest:
    """A privacy-law data request for a customer (Shopify ``customers/data_request``):
    recorded for the merchant to answer. Ids are the channel's."""

    customer_id: str
    order_ids: tuple[str, ...]
    request_id: str = ""


@dataclass(frozen=True, slots=True)
class CustomerRedaction:
    """Erase a customer's personal data from these orders (Shopify ``customers/redact``)."""

    customer_id: str
    order_ids: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class AccountRedaction:
    """Erase everything held for the account (Shopify ``shop/redact``, sent 48 h after the app
    was uninstalled)."""


PRIVACY_EVENTS = (CustomerDataRequest, CustomerRedaction, AccountRedaction)


@dataclass(frozen=True, slots=True)
class OAuthApp:
    """The provider app an OAuth install goes through: its client id and secret."""

    api_key: str
    api_secret: str = field(repr=False)


class CallbackRefused(Exception):  # noqa: N818 - it reads as what happened to the callback
    """An OAuth callback (or install request) failed a provider check. ``status`` is the HTTP
    status to answer: 400, or 401 for a signature that does not verify."""

    def __init__(self, message: str, *, status: int = 400) -> None:
        super().__init__(message)
        self.status = status
