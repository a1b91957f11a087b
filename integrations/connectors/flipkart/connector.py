"""The Flipkart connector: Marketplace Seller API v3 with a self-access application.

- Auth: application id/secret → client-credentials token (≈60 days), kept encrypted in the
  account's credentials and refreshed 3 days before expiry (:mod:`.client`).
- Orders: shipment searches completed into whole orders (:mod:`.orders`).
- Returns: customer returns and courier returns (RTO) (:mod:`.returns`).
- Inventory and price pushes, stock read-back and listing look-ups: Listings v3, ≤ 10 SKUs
  per call (:mod:`.listings`).
- Rate limits are not published (channel-apis.md §3): the shared ``HttpClient`` backs off on
  429/5xx (honouring ``Retry-After``).

Wire formats: channel-apis.md §3; official SDK Flipkart/flipkart-seller-api-java-sdk and docs
Flipkart/fk-api-platform-docs. Mapping rules: :mod:`.mapping`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from datetime import datetime, timedelta
from typing import Any, ClassVar

from integrations.connectors.base import (
    Capability,
    Connector,
    ConnectType,
    CredentialField,
    ProviderKind,
)
from integrations.connectors.flipkart.client import FlipkartClient
from integrations.connectors.flipkart.listings import Listings
from integrations.connectors.flipkart.orders import OrderReader, filter_body, order_record
from integrations.connectors.flipkart.returns import ReturnReader, return_record
from integrations.dto import (
    AccountHandle,
    ListingDTO,
    OrderDTO,
    Page,
    PriceDTO,
    PushResult,
    RecordFailure,
    ReturnDTO,
    StockLevelDTO,
)
from integrations.http import HttpClient


class FlipkartConnector(Connector):
    """A Flipkart seller account reached through a self-access application.

    Settings: ``application_id`` (the account's ``external_id``), optional ``location_id``
    (Flipkart warehouse ``LOC…`` used for inventory pushes). Credentials: ``application_secret``
    and, once obtained, ``access_token`` + ``access_token_expires_at``. ``now`` (aware UTC) is
    injectable for tests.
    """

    id: ClassVar[str] = "flipkart"
    label: ClassVar[str] = "Flipkart"
    kind = ProviderKind.COMMERCE
    connect_type = ConnectType.API_KEY
    icon = "flipkart"
    color = "#2874F0"
    account_key_field = "application_id"
    credential_fields = (
        CredentialField(
            "application_id",
            "Application ID",
            help_text="Seller Hub → Developer access → your self-access application's ID.",
        ),
        CredentialField(
            "application_secret",
            "Application secret",
            secret=True,
            help_text="Shown next to the application ID; used to obtain the 60-day API token.",
            field_type="password",
        ),
        CredentialField(
            "location_id",
            "Warehouse location ID",
            required=False,
            placeholder="LOC…",
            help_text="The Flipkart location whose stock Sangam sets (Seller Hub → Locations).",
        ),
    )
    capabilities = frozenset(
        {
            Capability.ORDERS,
            Capability.RETURNS,
            Capability.INVENTORY_PUSH,
            Capability.PRICE_PUSH,
            Capability.LISTINGS,
            Capability.ORDER_LOOKUP,
        }
    )
    setup_steps = (
        "In Flipkart Seller Hub open Manage Profile → Developer Access and create a "
        "self-access application.",
        "Copy its Application ID and Application secret here; add the location ID of the "
        "warehouse whose stock Sangam should manage.",
        "Sangam obtains the API token (valid about 60 days, renewed automatically), then "
        "imports shipments as orders and returns, and pushes stock and prices.",
    )

    def __init__(
        self,
        account: AccountHandle,
        http: HttpClient,
        *,
        now: Callable[[], datetime] | None = None,
    ) -> None:
        super().__init__(account, http)
        client_kwargs = {"now": now} if now else {}
        self.client = FlipkartClient(
            account=account, http=http, save=self.save_credentials, **client_kwargs
        )
        self.orders = OrderReader(self.client, self.client.now)
        self.returns = ReturnReader(self.client, self.client.now)
        self.listings = Listings(self.client, str(account.settings.get("location_id") or ""))

    # --- every connector -----------------------------------------------------------------------
    def check_credentials(self) -> dict[str, Any]:
        """Get a token (verifies the application id/secret), then read one pre-dispatch
        shipment (verifies Seller API access). Returns ``name`` and ``token_expires_at``.
        Raises ``ConnectorError(permanent=True)`` when Flipkart refuses either."""
        self.client.access_token()
        now = self.client.now()
        self.client.post_json(
            "/v3/shipments/filter",
            filter_body(0, start=now - timedelta(days=1), until=now, page_size=1),
            idempotent=True,
        )
        return {
            "name": f"Flipkart seller {self.client.application_id}",
            "token_expires_at": self.client.token_expires_at(),
        }

    # --- capabilities --------------------------------------------------------------------------
    def fetch_orders(
        self, *, since: datetime | None, cursor: str | None, page_size: int | None = None
    ) -> Page[OrderDTO]:
        """One page of whole orders whose shipments changed since ``since`` (see
        :mod:`.orders`); ``page_size`` is capped at Flipkart's 20 shipments."""
        return self.orders.page(since=since, cursor=cursor, page_size=page_size)

    def fetch_orders_by_id(self, order_ids: Sequence[str]) -> list[OrderDTO | RecordFailure]:
        """Whole orders by Flipkart order id (``GET /v3/shipments?orderIds=``, 100 per call):
        how an order first seen in the returns API — already past the states the shipment
        search covers — still reaches the order book."""
        found = self.orders.complete_orders(order_ids)
        return [
            order_record({"orderId": order_id, "items": items}) for order_id, items in found.items()
        ]

    def fetch_returns(self, *, since: datetime | None, cursor: str | None) -> Page[ReturnDTO]:
        """One page of customer returns and RTOs updated since ``since``."""
        return self.returns.page(since=since, cursor=cursor)

    def push_inventory(self, levels: Sequence[StockLevelDTO]) -> list[PushResult]:
        """Set sellable units (``POST /listings/v3/update/inventory``, ≤ 10 SKUs a call)."""
        return self.listings.push_inventory(levels)

    def read_inventory(self, levels: Sequence[StockLevelDTO]) -> dict[str, int | None]:
        """Units Flipkart offers per SKU (``GET /listings/v3/{skus}``, ≤ 10 SKUs a call) at the
        level's location, else the account's, else summed over the listing's locations; None
        for a SKU Flipkart does not list (:meth:`.listings.Listings.read_inventory`)."""
        return self.listings.read_inventory(levels)

    def fetch_listings(self, *, skus: Sequence[str] = ()) -> Iterator[ListingDTO]:
        """The listings of ``skus`` (``GET /listings/v3/{skus}``); unknown SKUs are left out.
        Without ``skus`` nothing: Listings v3 reads by SKU only and has no call that lists a
        seller's catalogue, so discovery starts from the SKUs Sangam knows."""
        return self.listings.fetch_listings(skus)

    def push_prices(self, prices: Sequence[PriceDTO]) -> list[PushResult]:
        """Set selling prices and MRP (``POST /listings/v3/update/price``, ≤ 10 SKUs a call)."""
        return self.listings.push_prices(prices)

    @classmethod
    def parse_record(cls, stream: str, payload: dict[str, Any]) -> Any:
        """``orders``: ``{"orderId", "items": [order items with shipment context]}`` →
        ``OrderDTO``; ``returns``: one return item (with ``source``) → ``ReturnDTO``; a
        ``RecordFailure`` when the payload cannot be translated."""
        if stream == "orders":
            return order_record(payload)
        if stream == "returns":
            return return_record(payload)
        raise ValueError(f"unknown stream {stream!r}")
