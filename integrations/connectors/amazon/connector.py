"""The Amazon.in connector (Selling Partner API; channel-apis.md §2).

Orders: incremental through Orders API v0 (``getOrders`` by ``LastUpdatedAfter`` with
``NextToken`` pages, then ``getOrderItems`` per order), history through the Reports API
(``reports``). Stock and price push through Listings Items / ``JSON_LISTINGS_FEED``, stock
read-back and listing discovery through ``searchListingsItems`` (``listings``). Auth, usage
plans and documents: ``client`` and ``ratelimit``. India (``A21TJRUUN4KGV``, INR) is served by
the EU host.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar
from urllib.parse import quote

from django.conf import settings

from integrations.connectors.amazon import mapping
from integrations.connectors.amazon.client import LWA_ENDPOINT, REGION_HOSTS, SPAPIClient
from integrations.connectors.amazon.listings import AmazonListings
from integrations.connectors.amazon.ratelimit import UsagePlanLimiter
from integrations.connectors.amazon.reports import AmazonReports, iso_z
from integrations.connectors.base import (
    Capability,
    Connector,
    ConnectType,
    CredentialField,
    ProviderKind,
)
from integrations.dto import AccountHandle, OrderDTO, Page, RecordFailure
from integrations.http import ConnectorError, HttpClient

INDIA_MARKETPLACE_ID = "A21TJRUUN4KGV"
MAX_PAGE_SIZE = 100  # getOrders MaxResultsPerPage 1–100 (ordersV0.json)
ORDER_IDS_PER_CALL = 50  # getOrders AmazonOrderIds: "A maximum of 50" (ordersV0.json)
DEFAULT_LOOKBACK_DAYS = 30
ORDER_STREAMS = ("orders", "backfill")


class AmazonConnector(AmazonReports, AmazonListings, Connector):
    """Amazon seller account (SP-API self-authorised or published app).

    Connect form: ``seller_id`` (merchant token, the account's ``external_id``),
    ``lwa_client_id``, ``marketplace_ids`` (comma list, default India) and ``region``
    (na/eu/fe, default eu) arrive in ``account.settings``; ``lwa_client_secret`` and
    ``refresh_token`` in ``account.credentials``. A blank setting takes the field's default.
    The API root is ``account.base_url`` (sandbox) or the region host; the LWA token endpoint
    is ``{base_url}/auth/o2/token`` or ``https://api.amazon.com/auth/o2/token``.
    """

    id: ClassVar[str] = "amazon"
    label: ClassVar[str] = "Amazon.in"
    kind = ProviderKind.COMMERCE
    connect_type = ConnectType.API_KEY
    icon = "amazon"
    color = "#FF9900"
    account_key_field = "seller_id"
    credential_fields = (
        CredentialField(
            "seller_id",
            "Seller ID (merchant token)",
            help_text="Seller Central → Settings → Account Info → Merchant Token.",
            placeholder="A2EXAMPLE12345",
        ),
        CredentialField(
            "lwa_client_id",
            "LWA client ID",
            help_text="Developer Central → your app → LWA credentials → Client identifier.",
            placeholder="amzn1.application-oa2-client.…",
        ),
        CredentialField(
            "lwa_client_secret",
            "LWA client secret",
            secret=True,
            field_type="password",
            help_text="Developer Central → your app → LWA credentials → Client secret.",
        ),
        CredentialField(
            "refresh_token",
            "Refresh token",
            secret=True,
            field_type="password",
            help_text="Atzr|… — issued when you authorise the app for your seller account.",
        ),
        CredentialField(
            "marketplace_ids",
            "Marketplace IDs",
            required=False,
            default=INDIA_MARKETPLACE_ID,
            help_text="Comma-separated; Amazon.in is A21TJRUUN4KGV.",
        ),
        CredentialField(
            "region",
            "SP-API region",
            required=False,
            default="eu",
            help_text="na, eu or fe; Amazon.in is served by eu.",
        ),
    )
    capabilities = frozenset(
        {
            Capability.ORDERS,
            Capability.INVENTORY_PUSH,
            Capability.PRICE_PUSH,
            Capability.LISTINGS,
            Capability.PAYMENT_LOOKUP,
            Capability.BULK,
        }
    )
    bulk_streams: ClassVar[frozenset[str]] = frozenset(ORDER_STREAMS)
    setup_steps = (
        "In Seller Central open Apps & Services → Develop Apps and create (or pick) an SP-API "
        "app with the Orders, Inventory and Order Tracking, and Product Listing roles.",
        "Authorise the app for your seller account to get its refresh token (Atzr|…), and copy "
        "the app's LWA client ID and secret.",
        "Paste your merchant token, the LWA credentials and the refresh token here; Sangam "
        "imports your orders and keeps Amazon stock and prices in step.",
    )

    def __init__(
        self,
        account: AccountHandle,
        http: HttpClient,
        *,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] | None = None,
    ) -> None:
        super().__init__(account, http)
        self.clock = clock
        self.sleep = sleep or http.sleep
        # Seconds between getFeed polls (Amazon processes feeds in minutes; the sandbox in
        # a few polls): ``AMAZON_FEED_POLL_SECONDS``, default 30.
        self.feed_poll_seconds = float(
            getattr(settings, "AMAZON_FEED_POLL_SECONDS", self.feed_poll_seconds)
        )
        self.seller_id = self.setting("seller_id") or account.external_id
        self.marketplace_ids = tuple(
            m.strip() for m in self.setting("marketplace_ids").split(",") if m.strip()
        )
        client_id = self.setting("lwa_client_id")
        if account.base_url:
            api_root = account.base_url.rstrip("/")
            lwa_url = f"{api_root}/auth/o2/token"
        else:
            region = self.setting("region").lower()
            if region not in REGION_HOSTS:
                raise ConnectorError(
                    f"amazon: region must be one of {', '.join(REGION_HOSTS)}, not {region!r}",
                    permanent=True,
                )
            api_root, lwa_url = REGION_HOSTS[region], LWA_ENDPOINT
        # Usage plans are per selling partner and application; the token per account.
        partner = hashlib.sha256(f"{self.seller_id}|{client_id}".encode()).hexdigest()[:32]
        self.limiter = UsagePlanLimiter(partner, clock=clock, sleep=self.sleep)
        token_key = hashlib.sha256(f"{account.id}|{self.seller_id}|{client_id}".encode())
        self.api = SPAPIClient(
            http=http,
            api_root=api_root,
            lwa_url=lwa_url,
            client_id=client_id,
            client_secret=str(account.credentials.get("lwa_client_secret") or ""),
            refresh_token=str(account.credentials.get("refresh_token") or ""),
            cache_key=f"amazon:lwa:{token_key.hexdigest()[:40]}",
            limiter=self.limiter,
            clock=clock,
        )

    def setting(self, name: str) -> str:
        """A non-secret connect-form value: ``account.settings``, else the field default."""
        value = str(self.account.settings.get(name) or "").strip()
        if value:
            return value
        field = next((f for f in self.credential_fields if f.name == name), None)
        return field.default if field else ""

    # --- every connector -----------------------------------------------------------------------
    def check_credentials(self) -> dict[str, Any]:
        """LWA token exchange + ``getMarketplaceParticipations``. Returns ``{"name": store
        name (or seller id), "marketplaces": [ids the seller participates in], "seller_id"}``.
        Raises a permanent ``ConnectorError`` when Amazon refuses the grant or the app."""
        body = self.api.call(
            "getMarketplaceParticipations", "GET", "/sellers/v1/marketplaceParticipations"
        )
        participations = [p for p in body.get("payload") or [] if isinstance(p, dict)]
        mine = [
            p for p in participations if (p.get("participation") or {}).get("isParticipating", True)
        ]
        ids = [str((p.get("marketplace") or {}).get("id") or "") for p in mine]
        preferred = next(
            (
                p.get("storeName")
                for p in mine
                if (p.get("marketplace") or {}).get("id") in self.marketplace_ids
                and p.get("storeName")
            ),
            None,
        )
        name = preferred or next((p["storeName"] for p in mine if p.get("storeName")), None)
        return {
            "name": name or self.seller_id,
            "marketplaces": [i for i in ids if i],
            "seller_id": self.seller_id,
        }

    # --- orders --------------------------------------------------------------------------------
    def fetch_orders(
        self, *, since: datetime | None, cursor: str | None, page_size: int | None = None
    ) -> Page[OrderDTO]:
        """One page of orders updated at or after ``since`` (default: the last
        ``AMAZON_DEFAULT_LOOKBACK_DAYS`` = 30 days), each with all its items. ``cursor`` is
        getOrders' ``NextToken``: with it only ``NextToken`` and the required ``MarketplaceIds``
        are sent — "NextToken, when provided, overrides other criteria" (Orders API v0 use case
        guide), so the cursor alone resumes a run (the model's sandbox example repeats the
        first filter; the token already carries it). The page is returned only once every
        order's items are read, so a failure (e.g. 429 after retries) loses nothing: the
        engine asks for the same page again."""
        params: dict[str, Any] = {"MarketplaceIds": ",".join(self.marketplace_ids)}
        if cursor:
            params["NextToken"] = cursor
        else:
            if since is None:
                days = int(getattr(settings, "AMAZON_DEFAULT_LOOKBACK_DAYS", DEFAULT_LOOKBACK_DAYS))
                since = datetime.fromtimestamp(self.clock(), UTC) - timedelta(days=days)
            params["LastUpdatedAfter"] = iso_z(since)
            params["MaxResultsPerPage"] = max(1, min(page_size or MAX_PAGE_SIZE, MAX_PAGE_SIZE))
        payload = (
            self.api.call("getOrders", "GET", "/orders/v0/orders", params=params).get("payload")
            or {}
        )
        items: list[OrderDTO] = []
        failures: list[RecordFailure] = []
        high_water: str | None = None
        for order in payload.get("Orders") or []:
            record = self.parse_record(
                "orders", {"order": order, "items": self._order_items(order)}
            )
            if isinstance(record, RecordFailure):
                failures.append(record)
            else:
                items.append(record)
            high_water = max(high_water or "", _utc_text(order.get("LastUpdateDate"))) or None
        return Page(
            items=items,
            next_cursor=payload.get("NextToken") or None,
            high_water=high_water,
            failures=failures,
        )

    def payment_methods(
        self, order_ids: Sequence[str], *, created_after: datetime
    ) -> dict[str, tuple[str, dict[str, Any]]]:
        """The payment method of each order Amazon returns: ``{AmazonOrderId:
        (PaymentMethod.COD|PREPAID, <v0 Order>)}``, by ``getOrders`` with ``AmazonOrderIds``
        (at most ``ORDER_IDS_PER_CALL`` = 50 per call) and ``CreatedAfter`` (required by
        getOrders even with ids: "Either the CreatedAfter parameter or the LastUpdatedAfter
        parameter is required", ordersV0.json) no later than the oldest order's purchase
        date. Paced by getOrders' usage plan (0.0167 rps, burst 20). Orders Amazon does not
        return are absent. The flat-file order reports have no payment column, so
        report-backfilled orders are read here once (``orders.services.payments``). Raises
        ``ConnectorError`` from the client."""
        found: dict[str, tuple[str, dict[str, Any]]] = {}
        ids = [str(i) for i in order_ids if i]
        for start in range(0, len(ids), ORDER_IDS_PER_CALL):
            params: dict[str, Any] = {
                "MarketplaceIds": ",".join(self.marketplace_ids),
                "CreatedAfter": iso_z(created_after),
                "AmazonOrderIds": ",".join(ids[start : start + ORDER_IDS_PER_CALL]),
            }
            while True:
                payload = (
                    self.api.call("getOrders", "GET", "/orders/v0/orders", params=params).get(
                        "payload"
                    )
                    or {}
                )
                for order in payload.get("Orders") or []:
                    order_id = str(order.get("AmazonOrderId") or "")
                    if order_id:
                        found[order_id] = (mapping.v0_payment_method(order), dict(order))
                token = payload.get("NextToken")
                if not token:
                    break
                params = {"MarketplaceIds": params["MarketplaceIds"], "NextToken": token}
        return found

    def _order_items(self, order: dict[str, Any]) -> list[dict[str, Any]]:
        """Every ``OrderItem`` of ``order`` (getOrderItems, following its ``NextToken``)."""
        order_id = str(order.get("AmazonOrderId") or "")
        if not order_id:
            return []
        path = f"/orders/v0/orders/{quote(order_id, safe='')}/orderItems"
        found: list[dict[str, Any]] = []
        token: str | None = None
        while True:
            params = {"NextToken": token} if token else None
            payload = (
                self.api.call("getOrderItems", "GET", path, params=params).get("payload") or {}
            )
            found.extend(payload.get("OrderItems") or [])
            token = payload.get("NextToken") or None
            if not token:
                return found

    @classmethod
    def parse_record(cls, stream: str, payload: dict[str, Any]) -> OrderDTO | RecordFailure:
        """``{"order": <v0 Order>, "items": [<v0 OrderItem>…]}`` or ``{"report_rows": [<row
        dicts>]}`` → ``OrderDTO``, or ``RecordFailure`` (payload kept for reprocessing)."""
        if stream not in ORDER_STREAMS:
            raise ValueError(f"unknown stream {stream!r}")
        try:
            if "report_rows" in payload:
                return mapping.order_from_report_rows(list(payload["report_rows"]))
            return mapping.order_from_v0(
                payload.get("order") or {}, list(payload.get("items") or [])
            )
        except (mapping.MappingError, KeyError, TypeError, AttributeError, ArithmeticError) as exc:
            return RecordFailure(
                _payload_order_id(payload), f"{type(exc).__name__}: {exc}", payload
            )


def _payload_order_id(payload: dict[str, Any]) -> str:
    order = payload.get("order")
    if isinstance(order, dict) and order.get("AmazonOrderId"):
        return str(order["AmazonOrderId"])
    rows = payload.get("report_rows")
    if isinstance(rows, list) and rows and isinstance(rows[0], dict):
        return str(rows[0].get("amazon-order-id") or "")
    return ""


def _utc_text(value: Any) -> str:
    """``LastUpdateDate`` as ``YYYY-MM-DDTHH:MM:SSZ`` ("" when absent or unreadable)."""
    try:
        parsed = mapping.parse_time(value)
    except mapping.MappingError:
        return ""
    return parsed.strftime("%Y-%m-%dT%H:%M:%SZ") if parsed else ""
