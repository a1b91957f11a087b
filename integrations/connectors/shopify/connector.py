"""The Shopify connector (Admin GraphQL API; REST is legacy and not used).

Orders: incremental by ``updated_at`` (``query: "updated_at:>='…'"``, ``sortKey: UPDATED_AT``,
cursor pagination, ``first`` up to 250 and shrunk to fit the single-query cost limit), and bulk
operations (JSONL streamed line by line) for history. Returns: the Shopify returns and refunds
of the orders updated since the cursor (``returns.fetch.ShopifyReturns.fetch_returns``), which also
catches a lost ``refunds/create`` webhook. Catalog: products + variants, inventory items
with per-location levels. Webhooks: ``webhookSubscriptionCreate``.
Docs: https://shopify.dev/docs/api/admin-graphql/2025-01 ; wire details in channel-apis.md §1.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any, ClassVar

from django.conf import settings

from integrations.connectors.base import (
    Capability,
    Connector,
    ConnectType,
    CredentialField,
    ProviderKind,
)
from integrations.connectors.shopify import mapping, queries
from integrations.connectors.shopify import oauth as shopify_oauth
from integrations.connectors.shopify import webhooks as shopify_webhooks
from integrations.connectors.shopify.bulk import ShopifyBulkOperations
from integrations.connectors.shopify.client import (
    QueryCostExceeded,
    ShopifyGraphQLClient,
    ShopifyUserError,
    all_nodes,
    raise_for_user_errors,
)
from integrations.connectors.shopify.fulfillment.writeback import (
    FULFILLMENT_SCOPE,
    ShopifyFulfillmentWriteback,
)
from integrations.connectors.shopify.inventory import ShopifyInventory
from integrations.connectors.shopify.returns.fetch import (
    RETURNS_INITIAL_LOOKBACK,
    RETURNS_SCOPE,
    ShopifyReturns,
)
from integrations.connectors.shopify.returns.records import return_records
from integrations.connectors.shopify.returns.writeback import ShopifyReturnWriteback
from integrations.connectors.shopify.signatures import is_valid_shop_domain
from integrations.dto import (
    AccountHandle,
    InventoryLevelDTO,
    OrderDTO,
    Page,
    ProductDTO,
    RecordFailure,
    WebhookRegistration,
)
from integrations.events import OAuthApp, WebhookDelivery
from integrations.http import HttpClient

logger = logging.getLogger(__name__)

MAX_PAGE_SIZE = 250  # Shopify's maximum ``first`` (channel-apis.md §1.2)


def iso_utc(moment: datetime) -> str:
    """``2024-05-01T10:15:00Z`` — the form Shopify search syntax accepts."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class ShopifyConnector(
    ShopifyInventory,
    ShopifyReturns,
    ShopifyReturnWriteback,
    ShopifyFulfillmentWriteback,
    ShopifyBulkOperations,
    Connector,
):
    """Shopify store: OAuth app install or a custom app's Admin API access token.

    Credentials: ``access_token`` (offline Admin API token) and, for custom apps,
    ``api_secret_key`` (verifies webhook signatures). The account's ``external_id`` is the
    ``*.myshopify.com`` domain; the API root is ``https://{shop}`` unless the account points at
    the sandbox.
    """

    id: ClassVar[str] = "shopify"
    label: ClassVar[str] = "Shopify"
    kind = ProviderKind.COMMERCE
    connect_type = ConnectType.OAUTH
    icon = "shopify"
    color = "#95BF47"
    credential_fields = (
        CredentialField(
            "shop_domain", "Shop domain", placeholder="your-store.myshopify.com", secret=False
        ),
        CredentialField(
            "access_token",
            "Admin API access token",
            secret=True,
            help_text="Custom app → API credentials → Admin API access token (shpat_…).",
            field_type="password",
        ),
        CredentialField(
            "api_secret_key",
            "API secret key",
            secret=True,
            help_text="Used to verify webhook signatures from this store.",
            field_type="password",
        ),
    )
    capabilities = frozenset(
        {
            Capability.ORDERS,
            Capability.CATALOG,
            Capability.WEBHOOKS,
            Capability.INVENTORY_PUSH,
            Capability.RETURNS,
            Capability.OAUTH,
            Capability.ORDER_RETURNS,
            Capability.RETURN_WRITEBACK,
            Capability.FULFILLMENT_WRITEBACK,
            Capability.BULK,
        }
    )
    setup_steps = (
        "Install the Sangam app from your Shopify admin, or enter your store domain and click "
        "Connect to approve it (OAuth).",
        "For a custom app: Settings → Apps → Develop apps → create an app with read_orders, "
        "write_orders (return status on the order), read_returns (Shopify returns), "
        "write_merchant_managed_fulfillment_orders (shipments and tracking on the order), "
        "read_products, read_inventory and "
        "write_inventory scopes, install it, and paste the Admin API access token and API "
        "secret key here.",
        "Sangam registers order, refund, product, inventory and uninstall webhooks and imports "
        "your catalog, stock and order history.",
    )
    webhook_topics: ClassVar[tuple[str, ...]] = (
        "ORDERS_CREATE",
        "ORDERS_UPDATED",
        "ORDERS_CANCELLED",
        "PRODUCTS_UPDATE",
        "INVENTORY_LEVELS_UPDATE",
        "REFUNDS_CREATE",
        "APP_UNINSTALLED",
    )
    account_key_field: ClassVar[str] = "shop_domain"
    # Webhooks: a custom app's API secret key signs its store's deliveries; an OAuth install's
    # deliveries are signed with the app's client secret (channel-apis.md §1.3).
    webhook_secret_field: ClassVar[str] = "api_secret_key"  # noqa: S105 - a field name
    priority_topic_prefixes: ClassVar[tuple[str, ...]] = shopify_webhooks.ORDER_TOPIC_PREFIXES
    personal_data_topic_prefixes: ClassVar[tuple[str, ...]] = ("orders/",)
    # OAuth (channel-apis.md §1.1): ``/channels/shopify/oauth/install?shop=…``.
    oauth_account_param: ClassVar[str] = "shop"
    app_settings: ClassVar[tuple[str, str, str]] = (
        "SHOPIFY_API_KEY",
        "SHOPIFY_API_SECRET",
        "SHOPIFY_SCOPES",
    )
    # What Sangam cannot do for a store whose token lacks a scope (``ChannelAccount.
    # missing_scopes``; scopes per shopify.dev "Access scopes").
    scope_effects: ClassVar[Mapping[str, str]] = {
        "read_orders": "orders are not imported",
        "write_orders": "return status is not written back to its orders",
        "read_returns": (
            "Shopify returns are read as refunds only (no return requests, reasons or restock "
            "dispositions)"
        ),
        "read_products": "the catalog is not imported",
        "read_inventory": "stock levels are not read",
        "write_inventory": "stock is not pushed to the store",
        FULFILLMENT_SCOPE: (
            "shipments are not marked fulfilled on their orders (no tracking, no shipping "
            "notification to the customer, no delivery updates)"
        ),
    }
    # Once read_returns is granted, the returns read as refunds without it are read again
    # with their Shopify returns over the first poll's window.
    scope_streams: ClassVar[Mapping[str, tuple[str, Any]]] = {
        RETURNS_SCOPE: ("returns", RETURNS_INITIAL_LOOKBACK)
    }
    # Streams that can be read through a bulk operation (JSONL) instead of pages.
    bulk_streams: ClassVar[frozenset[str]] = frozenset(
        {"orders", "backfill", "catalog", "inventory"}
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
        self.api_version = account.settings.get("api_version") or settings.SHOPIFY_API_VERSION
        self.base_url = (account.base_url or f"https://{account.external_id}").rstrip("/")
        self.gql = ShopifyGraphQLClient(
            http=http,
            base_url=self.base_url,
            access_token=account.credentials.get("access_token", ""),
            api_version=self.api_version,
            bucket_key=str(account.id or account.external_id),
            clock=clock,
            sleep=self.sleep,
        )
        self.page_sizes: dict[str, int] = {}
        self.reads_returns = self.returns_readable(account.scopes)

    # --- helpers -------------------------------------------------------------------------------
    def _paged(self, key: str, document: str, variables: dict[str, Any], start: int) -> dict:
        """Execute a paged query, shrinking ``first`` when Shopify says the cost is too high."""
        first = min(self.page_sizes.get(key, start), MAX_PAGE_SIZE)
        while True:
            try:
                data = self.gql.execute(document, {**variables, "first": first})
            except QueryCostExceeded as exc:
                smaller = max(1, int(first * exc.max_cost / max(exc.cost, 1) * 0.95))
                if smaller >= first:
                    smaller = first - 1
                if smaller < 1:
                    raise
                logger.info(
                    "shopify %s: cost %.0f > %.0f, page %d→%d",
                    key,
                    exc.cost,
                    exc.max_cost,
                    first,
                    smaller,
                )
                first = smaller
                continue
            self.page_sizes[key] = first
            return data

    @staticmethod
    def orders_search(since: datetime | None) -> str | None:
        return f"updated_at:>='{iso_utc(since)}'" if since else None

    # --- Connector API -------------------------------------------------------------------------
    def check_credentials(self) -> dict[str, Any]:
        """``shop`` and ``currentAppInstallation.accessScopes`` in one query (about 2 points).
        Returns name, domain, currency, timezone and ``scopes``: the granted scope handles,
        comma-separated (``"read_orders,write_inventory"``), which the hub stores on the account
        (``ChannelAccount.scopes``). Raises ``ConnectorError`` (permanent for a bad token)."""
        data = self.gql.execute(queries.SHOP_QUERY)
        shop = data.get("shop") or {}
        installation = data.get("currentAppInstallation") or {}
        handles = [s.get("handle") for s in installation.get("accessScopes") or []]
        return {
            "name": shop.get("name") or "",
            "domain": shop.get("myshopifyDomain") or self.account.external_id,
            "currency": shop.get("currencyCode") or "",
            "timezone": shop.get("ianaTimezone") or "",
            "scopes": ",".join(h for h in handles if h),
        }

    def estimate_total(self, stream: str, *, since: datetime | None) -> int | None:
        """Records a run of ``stream`` will process, for progress bars: orders updated since
        ``since`` (``ordersCount``) or variants (``productVariantsCount``); None if unknown."""
        if stream == "orders":
            data = self.gql.execute(
                queries.ORDERS_COUNT_QUERY, {"query": self.orders_search(since)}
            )
            return (data.get("ordersCount") or {}).get("count")
        if stream == "catalog" and since is None:
            data = self.gql.execute(queries.PRODUCT_VARIANTS_COUNT_QUERY)
            return (data.get("productVariantsCount") or {}).get("count")
        return None

    def fetch_orders(
        self, *, since: datetime | None, cursor: str | None, page_size: int | None = None
    ) -> Page[OrderDTO]:
        """One page of orders updated at or after ``since`` (oldest update first). The page
        size starts at ``page_size``, the account setting ``orders_page_size`` or 250, and
        shrinks until the query's cost fits."""
        data = self._paged(
            "orders",
            queries.ORDERS_QUERY,
            {"after": cursor, "query": self.orders_search(since)},
            page_size or int(self.account.settings.get("orders_page_size") or MAX_PAGE_SIZE),
        )
        connection = data.get("orders") or {}
        items: list[OrderDTO] = []
        failures: list[RecordFailure] = []
        high_water: str | None = None
        for node in connection.get("nodes") or []:
            line_items = all_nodes(
                self.gql,
                node.get("lineItems"),
                queries.ORDER_LINE_ITEMS_QUERY,
                {"id": node.get("id")},
                lambda data: (data.get("order") or {}).get("lineItems"),
            )
            result = self.parse_record("orders", {**node, "lineItems": line_items})
            if isinstance(result, RecordFailure):
                failures.append(result)
            else:
                items.append(result)
            high_water = max(high_water or "", _utc_text(node.get("updatedAt")))
        return mapping.connection_page(connection, items, failures, high_water)

    def fetch_products(
        self, *, cursor: str | None, since: datetime | None = None
    ) -> Page[ProductDTO]:
        """One page of products (with their variants) updated at or after ``since`` — all of
        them when ``since`` is None. Editing a variant updates its product's ``updatedAt``."""
        search = f"updated_at:>='{iso_utc(since)}'" if since else None
        data = self._paged(
            "products", queries.PRODUCTS_QUERY, {"after": cursor, "query": search}, 50
        )
        connection = data.get("products") or {}
        items: list[ProductDTO] = []
        failures: list[RecordFailure] = []
        high_water: str | None = None
        for node in connection.get("nodes") or []:
            high_water = max(high_water or "", _utc_text(node.get("updatedAt")))
            variants = list((node.get("variants") or {}).get("nodes") or [])
            result = self.parse_record("catalog", {**node, "variants": variants})
            if isinstance(result, RecordFailure):
                failures.append(result)
            else:
                items.append(result)
        return mapping.connection_page(connection, items, failures, high_water)

    def fetch_inventory_levels(self, *, cursor: str | None) -> Page[InventoryLevelDTO]:
        """One page of inventory items with available/on_hand/committed per location."""
        data = self._paged(
            "inventory", queries.INVENTORY_ITEMS_QUERY, {"after": cursor}, MAX_PAGE_SIZE
        )
        connection = data.get("inventoryItems") or {}
        levels: list[InventoryLevelDTO] = []
        failures: list[RecordFailure] = []
        for item in connection.get("nodes") or []:
            try:
                levels.extend(mapping.inventory_levels_from_graphql(item))
            except mapping.MappingError as exc:
                failures.append(RecordFailure(mapping.gid_to_id(item.get("id")), str(exc), item))
        return mapping.connection_page(connection, levels, failures)

    @classmethod
    def account_key(cls, data: Mapping[str, Any]) -> str:
        """The shop's ``*.myshopify.com`` domain, lower-cased; ``ValueError`` otherwise."""
        shop = str(data.get("shop_domain") or "").strip().lower()
        if not is_valid_shop_domain(shop):
            raise ValueError("shop_domain must look like your-store.myshopify.com.")
        return shop

    @classmethod
    def parse_record(cls, stream: str, payload: dict[str, Any]) -> Any:
        """Payload (GraphQL node or REST webhook body) → DTO, or ``RecordFailure``; for
        ``returns`` a list of ``ReturnDTO`` and ``OrderLineRemovalDTO`` (one refund is a return of
        several lines and removals of unshipped ones, possibly none), see
        ``returns.records.return_records``.

        Used by pages, bulk files and the reprocessing of quarantined records."""
        try:
            if stream in ("orders", "backfill"):
                if "line_items" in payload:
                    return mapping.order_from_webhook(payload)
                return mapping.order_from_graphql(payload, list(payload.get("lineItems") or []))
            if stream == "catalog":
                if (
                    "variants" in payload
                    and isinstance(payload["variants"], list)
                    and (payload["variants"] and "inventory_item_id" in payload["variants"][0])
                ):
                    return mapping.product_from_webhook(payload)
                return mapping.product_from_graphql(payload, list(payload.get("variants") or []))
            if stream == "inventory":
                return mapping.inventory_level_from_webhook(payload)
            if stream == "returns":
                return return_records(payload)
        except mapping.MappingError as exc:
            return RecordFailure(mapping.gid_to_id(payload.get("id")), str(exc), payload)
        raise ValueError(f"unknown stream {stream!r}")

    # --- webhooks ------------------------------------------------------------------------------
    @classmethod
    def webhook_delivery(cls, headers: Mapping[str, str], body: bytes) -> WebhookDelivery:
        """``X-Shopify-*`` headers → the delivery (``webhooks.delivery_from_headers``)."""
        return shopify_webhooks.delivery_from_headers(headers, body)

    @classmethod
    def verify_webhook(cls, delivery: WebhookDelivery, body: bytes, secret: str) -> bool:
        """``X-Shopify-Hmac-Sha256`` against ``secret`` (constant time)."""
        return shopify_webhooks.signed_by(body, delivery, secret)

    @classmethod
    def webhook_other_account(cls, body: dict[str, Any], account_key: str) -> str:
        """A compliance or shop body naming another shop than the verified one."""
        return shopify_webhooks.other_shop_named(body, account_key)

    @classmethod
    def parse_webhook(cls, topic: str, body: dict[str, Any]) -> tuple[Any, ...]:
        """A topic's REST-shaped body → DTOs (``webhooks.parse``)."""
        return shopify_webhooks.parse(topic, body)

    # --- OAuth app install ---------------------------------------------------------------------
    @classmethod
    def oauth_account_key(cls, params: Mapping[str, str]) -> str:
        """The ``shop`` parameter (``*.myshopify.com``), else ``CallbackRefused``."""
        return shopify_oauth.shop_from(params)

    @classmethod
    def api_root(cls, account_key: str) -> str:
        """``https://{shop}``: the Admin API and the OAuth endpoints live on the shop."""
        return f"https://{account_key}"

    @classmethod
    def authorize_url(
        cls, *, base_url: str, app: OAuthApp, scopes: str, redirect_uri: str, state: str
    ) -> str:
        """``{shop}/admin/oauth/authorize?client_id&scope&redirect_uri&state``."""
        return shopify_oauth.authorize_url(
            base_url=base_url, app=app, scopes=scopes, redirect_uri=redirect_uri, state=state
        )

    @classmethod
    def verify_callback(cls, params: Mapping[str, str], *, app: OAuthApp, now: float) -> None:
        """The callback's ``hmac`` and ``timestamp`` (``oauth.verify_callback``)."""
        shopify_oauth.verify_callback(params, app=app, now=now)

    @classmethod
    def exchange_code(
        cls, *, http: HttpClient, base_url: str, app: OAuthApp, code: str
    ) -> dict[str, Any]:
        """``POST {shop}/admin/oauth/access_token`` (``oauth.exchange_code``)."""
        return shopify_oauth.exchange_code(http=http, base_url=base_url, app=app, code=code)

    def register_webhooks(self, *, callback_url: str) -> list[WebhookRegistration]:
        """Subscribe every topic in ``webhook_topics`` to ``callback_url`` (JSON); a topic that
        is already subscribed to this address is reused."""
        existing = {(w.topic, w.callback_url): w for w in self.list_webhooks()}
        registered: list[WebhookRegistration] = []
        for topic in self.webhook_topics:
            if (topic, callback_url) in existing:
                registered.append(existing[(topic, callback_url)])
                continue
            data = self.gql.execute(
                queries.WEBHOOK_SUBSCRIPTION_CREATE,
                {
                    "topic": topic,
                    "webhookSubscription": {"callbackUrl": callback_url, "format": "JSON"},
                },
            )
            payload = data.get("webhookSubscriptionCreate") or {}
            try:
                raise_for_user_errors(payload, f"webhook {topic}")
            except ShopifyUserError:
                if "taken" in json.dumps(payload.get("userErrors")).lower():
                    continue
                raise
            registered.append(_registration(payload.get("webhookSubscription") or {}))
        return registered

    def list_webhooks(self) -> list[WebhookRegistration]:
        """Every webhook subscription of this app on the shop."""
        found: list[WebhookRegistration] = []
        cursor: str | None = None
        while True:
            data = self.gql.execute(
                queries.WEBHOOK_SUBSCRIPTIONS_QUERY, {"first": 100, "after": cursor}
            )
            connection = data.get("webhookSubscriptions") or {}
            found.extend(_registration(n) for n in connection.get("nodes") or [])
            info = connection.get("pageInfo") or {}
            if not info.get("hasNextPage"):
                return found
            cursor = info.get("endCursor")


def _registration(node: dict[str, Any]) -> WebhookRegistration:
    return WebhookRegistration(
        topic=node.get("topic") or "",
        remote_id=node.get("id") or "",
        callback_url=node.get("callbackUrl") or "",
        api_version=((node.get("apiVersion") or {}).get("handle")) or "",
    )


def _utc_text(value: Any) -> str:
    parsed = mapping.parse_time(value) if value else None
    return parsed.strftime("%Y-%m-%dT%H:%M:%SZ") if parsed else ""
