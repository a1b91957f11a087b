"""The connector base class: metadata as class attributes, behaviour as methods.

Connectors only translate — HTTP in, DTOs out, and DTOs in, HTTP out. They never touch the
ORM; they receive an ``AccountHandle`` and the shared ``HttpClient``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any, ClassVar

from integrations.dto import (
    AccountHandle,
    BookedShipmentDTO,
    FreightQuoteDTO,
    InventoryLevelDTO,
    ListingDTO,
    NdrActionCheckDTO,
    NdrActionRequestDTO,
    NdrActionResultDTO,
    OrderDTO,
    Page,
    PriceDTO,
    ProductDTO,
    PushResult,
    RecordFailure,
    ReturnRecord,
    ServiceabilityDTO,
    ShipmentRequestDTO,
    ShipmentTrackDTO,
    StockLevelDTO,
    WebhookRegistration,
)
from integrations.events import OAuthApp, WebhookDelivery
from integrations.http import ConnectorError, HttpClient

__all__ = [
    "Capability",
    "ConnectType",
    "Connector",
    "ConnectorError",
    "CredentialField",
    "ENGINE_CAPABILITIES",
    "ProviderKind",
]


class Capability(StrEnum):
    ORDERS = "orders"
    CATALOG = "catalog"
    INVENTORY_PUSH = "inventory_push"
    PRICE_PUSH = "price_push"
    SHIPMENTS = "shipments"
    AD_SPEND = "ad_spend"
    SETTLEMENTS = "settlements"
    WEBHOOKS = "webhooks"  # signed deliveries to the inbox, and their registration
    OAUTH = "oauth"  # an app install by the authorization-code grant
    RETURNS = "returns"
    FILE_IMPORT = "file_import"
    LISTINGS = "listings"  # the channel's own listings can be enumerated/looked up by SKU
    # What domains and the sync engine call beyond the streams above (not shown on the hub).
    ORDER_LOOKUP = "order_lookup"  # whole orders by channel order id
    ORDER_RETURNS = "order_returns"  # one order's returns re-read (a return changed there)
    RETURN_WRITEBACK = "return_writeback"  # a return's status written back to its order
    PAYMENT_LOOKUP = "payment_lookup"  # payment methods of orders imported without one
    BULK = "bulk"  # streams in ``bulk_streams`` exported in bulk instead of pages
    # An order marked shipped with its AWB, then its delivery progress on that fulfilment.
    FULFILLMENT_WRITEBACK = "fulfillment_writeback"


# Capabilities of the protocol between the hub and a connector, not features a merchant picks:
# the integrations hub does not list them.
ENGINE_CAPABILITIES: frozenset[Capability] = frozenset(
    {
        Capability.ORDER_LOOKUP,
        Capability.ORDER_RETURNS,
        Capability.RETURN_WRITEBACK,
        Capability.PAYMENT_LOOKUP,
        Capability.BULK,
        Capability.FULFILLMENT_WRITEBACK,
    }
)


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
    # Used when the form leaves the field empty (e.g. Amazon's India marketplace id).
    default: str = ""


# Which method each capability requires; the registry test enforces it.
CAPABILITY_METHODS: Mapping[Capability, tuple[str, ...]] = {
    Capability.ORDERS: ("fetch_orders",),
    Capability.CATALOG: ("fetch_products", "fetch_inventory_levels"),
    Capability.INVENTORY_PUSH: ("push_inventory", "read_inventory"),
    Capability.LISTINGS: ("fetch_listings",),
    Capability.PRICE_PUSH: ("push_prices",),
    Capability.SHIPMENTS: (
        "check_serviceability",
        "book_shipments",
        "cancel_shipment",
        "track_shipments",
        "freight_quote",
        "ndr_action_check",
        "request_ndr_actions",
    ),
    Capability.AD_SPEND: ("fetch_ad_spend",),
    Capability.SETTLEMENTS: ("fetch_settlements",),
    Capability.WEBHOOKS: (
        "webhook_delivery",
        "verify_webhook",
        "parse_webhook",
        "register_webhooks",
        "list_webhooks",
    ),
    Capability.OAUTH: ("oauth_account_key", "authorize_url", "verify_callback", "exchange_code"),
    Capability.RETURNS: ("fetch_returns",),
    Capability.FILE_IMPORT: ("parse_file",),
    Capability.ORDER_LOOKUP: ("fetch_orders_by_id",),
    Capability.ORDER_RETURNS: ("fetch_order_returns",),
    Capability.RETURN_WRITEBACK: ("write_return_status",),
    Capability.PAYMENT_LOOKUP: ("payment_methods",),
    Capability.BULK: ("start_bulk", "wait_for_bulk", "iter_bulk"),
    Capability.FULFILLMENT_WRITEBACK: ("write_fulfillment", "write_fulfillment_event"),
}


class Connector:
    """One external provider.

    Subclasses declare ``id``, ``label``, ``kind``, ``connect_type``, ``credential_fields``,
    ``capabilities`` and catalog presentation (``icon``, ``color``, ``setup_steps``), and
    implement the methods their capabilities require (see ``CAPABILITY_METHODS``). Methods raise
    ``ConnectorError`` (``permanent=True`` for bad credentials).

    Connect form values: ``secret`` fields land encrypted in ``account.credentials``; the other
    fields in ``account.settings``; ``account_key_field`` names the field that becomes the
    account's ``external_id`` (shop domain, seller id, application id).

    Callers test ``Capability.X in connector.capabilities`` (or ``registry.has_capability``)
    before calling a capability's method, never ``hasattr``: the base class has every method,
    as a stub raising ``NotImplementedError``.

    Bulk protocol (``Capability.BULK``, streams in ``bulk_streams``): see ``start_bulk``,
    ``wait_for_bulk`` and ``iter_bulk``. Shopify implements it with bulk operations, Amazon with
    the Reports API.
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
    # The connect-form field whose value is the account's ``external_id``.
    account_key_field: ClassVar[str] = ""
    # Credentials Sangam issued itself (not typed into the connect form) that a reconnect of
    # the same account keeps, e.g. Delhivery's ``push_token``: the URL given to the provider
    # must keep working when the merchant re-enters their API token.
    kept_credentials: ClassVar[tuple[str, ...]] = ()

    def __init__(self, account: AccountHandle, http: HttpClient) -> None:
        self.account = account
        self.http = http
        # Set by ``build_connector``: persists refreshed secrets (encrypted) and their expiry.
        self.credentials_saver: Callable[[dict[str, Any], datetime | None], None] | None = None

    def save_credentials(self, updates: dict[str, Any], expires_at: datetime | None = None) -> None:
        """Persist refreshed secrets (merged into the account's encrypted credentials) and the
        token expiry (``ChannelAccount.token_expires_at``). Without a saver (tests, connect-time
        checks) the new values live only in this connector instance."""
        self.account.credentials.update(updates)
        if self.credentials_saver is not None:
            self.credentials_saver(updates, expires_at)

    @classmethod
    def account_key(cls, data: Mapping[str, Any]) -> str:
        """The account's ``external_id`` from connect-form ``data``. Raises ``ValueError`` with
        a message naming the field when it is missing or malformed."""
        value = str(data.get(cls.account_key_field) or "").strip()
        if not value:
            raise ValueError(f"'{cls.account_key_field}' is required.")
        return value

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

    # --- webhooks (Capability.WEBHOOKS) --------------------------------------------------------
    # The inbox (``integrations.services.webhooks``) reads a delivery through these class
    # methods before it knows the account: ``webhook_delivery`` (headers → facts),
    # ``verify_webhook`` against each candidate secret of the claimed account key
    # (``integrations.services.webhook_keys``), ``webhook_other_account`` (a verified body that
    # names another account is refused), then ``parse_webhook`` (body → DTOs) when processing.
    # The credential of an account that signs its own deliveries (a custom app's secret); ""
    # when only the provider app's secret does.
    webhook_secret_field: ClassVar[str] = ""
    # The provider signs nothing, so each account's push URL carries a secret token instead
    # (``/api/webhooks/<provider>/<token>``): the inbox hands it to ``webhook_delivery`` as
    # ``path_token``, which names the claimed account key and carries the token as the
    # delivery's ``signature`` (``verify_webhook`` compares it with ``webhook_secret_field``).
    webhook_path_token: ClassVar[bool] = False
    # The inbox URL's provider segment when it must differ from ``id`` (``/api/webhooks/
    # <slug>/<token>``): Shiprocket refuses URLs containing its own name. "" means ``id``.
    webhook_url_slug: ClassVar[str] = ""
    # Topic prefixes the inbox processes ahead of the rest (they reserve or release stock).
    priority_topic_prefixes: ClassVar[tuple[str, ...]] = ()
    # Topics whose stored bodies carry customers' personal data (scrubbed by a redaction).
    personal_data_topic_prefixes: ClassVar[tuple[str, ...]] = ()

    @classmethod
    def webhook_delivery(cls, headers: Mapping[str, str], body: bytes) -> WebhookDelivery:
        """The delivery's topic, claimed account key, signature, ids and stored headers, read
        from ``headers`` (names case-insensitive). Never raises for missing headers: it names
        a missing required one in ``missing``. A connector with ``webhook_path_token`` also
        takes the URL's token as the keyword ``path_token``."""
        raise NotImplementedError

    @classmethod
    def verify_webhook(cls, delivery: WebhookDelivery, body: bytes, secret: str) -> bool:
        """True when ``secret`` signed the raw ``body`` (constant-time comparison)."""
        raise NotImplementedError

    @classmethod
    def webhook_other_account(cls, body: dict[str, Any], account_key: str) -> str:
        """Another account a verified body names (it is then refused), else ""."""
        return ""

    @classmethod
    def parse_webhook(cls, topic: str, body: dict[str, Any]) -> tuple[Any, ...]:
        """The DTOs a topic's JSON body stands for (domain DTOs of ``integrations.dto`` and the
        hub events of ``integrations.events``); empty for a topic Sangam does not act on.
        Raises an exception (the event fails and is retried) for a body that does not map."""
        raise NotImplementedError

    def push_token(self) -> str:
        """For a connector with ``webhook_path_token``: the account's secret push token (the
        last segment of its inbox URL), issued and saved on first use. Others raise
        ``NotImplementedError``."""
        raise NotImplementedError

    def register_webhooks(self, *, callback_url: str) -> list[WebhookRegistration]:
        raise NotImplementedError

    def list_webhooks(self) -> list[WebhookRegistration]:
        raise NotImplementedError

    def fetch_returns(self, *, since: datetime | None, cursor: str | None) -> Page[ReturnRecord]:
        """One page of customer returns and RTOs modified since ``since``; a channel whose
        refunds also remove unshipped units (Shopify) adds ``OrderLineRemovalDTO``s, and one
        that reports what became of returned goods (Shopify dispositions)
        ``ReturnDispositionDTO``s."""
        raise NotImplementedError

    # Stock push pacing, read by ``channel_stock.services.push``: at most ``push_run_max`` listings
    # per push run (a channel whose per-call rate limit would otherwise hold a worker for long;
    # the rest go in the next run, oldest push first), unless ``push_bulk_min`` or more are due,
    # which go in one run (the connector sends them in bulk, e.g. as an Amazon feed). None: no
    # limit. ``push_outcome_poll_seconds``: how long to wait before asking ``push_outcome``.
    push_run_max: int | None = None
    push_bulk_min: int | None = None
    push_outcome_poll_seconds: float = 30.0
    push_outcome_timeout_seconds: float = 1800.0

    def push_inventory(self, levels: Sequence[StockLevelDTO]) -> list[PushResult]:
        """Set available-to-sell quantities on the channel; one ``PushResult`` per SKU. A
        result may be ``PushStatus.SUBMITTED`` with a ``submission_id`` (processed later by
        the channel; see ``push_outcome``)."""
        raise NotImplementedError

    def push_outcome(self, submission_id: str, skus: Sequence[str]) -> list[PushResult] | None:
        """The outcome of a ``SUBMITTED`` push, one ``PushResult`` per SKU of ``skus`` (in
        submission order), or None while the channel is still processing it. Raises
        ``ConnectorError``."""
        raise NotImplementedError

    def read_inventory(self, levels: Sequence[StockLevelDTO]) -> dict[str, int | None]:
        """The quantity each listing currently offers on the channel (units), by SKU: the
        drift check and Shopify's compare-and-set retry read it. ``levels`` carry the same
        handles as for ``push_inventory`` (their ``quantity`` is ignored). A SKU the channel no
        longer lists maps to None. Raises ``ConnectorError`` when the channel cannot answer."""
        raise NotImplementedError

    def fetch_listings(self, *, skus: Sequence[str] = ()) -> Iterator[ListingDTO]:
        """The channel's listings, for matching them to Sangam variants. With ``skus`` only
        those SKUs are looked up (channels that cannot enumerate, such as Flipkart, need
        them); without, every listing the channel can enumerate (Amazon
        ``searchListingsItems``)."""
        raise NotImplementedError

    def push_prices(self, prices: Sequence[PriceDTO]) -> list[PushResult]:
        """Set selling prices on the channel; one ``PushResult`` per SKU."""
        raise NotImplementedError

    def parse_file(
        self,
        path: str,
        *,
        filename: str = "",
        profile: Mapping[str, Any] | None = None,
        as_of: datetime | None = None,
    ) -> Iterator[tuple[OrderDTO, ...] | RecordFailure]:
        """Stream a seller-panel export (CSV or XLSX at ``path``) as orders: one tuple of DTOs
        per order or a ``RecordFailure`` per bad row (row number, column and reason in
        ``error``). ``profile`` overrides the default column mapping; ``as_of`` (the upload
        time) becomes each order's ``updated_at``."""
        raise NotImplementedError

    def write_fulfillment(
        self,
        *,
        order_external_id: str,
        tracking_number: str,
        company: str,
        tracking_url: str,
        notify_customer: bool = True,
    ) -> str:
        """Mark the order's open fulfillment orders fulfilled with the shipment's tracking
        (Shopify ``fulfillmentCreate``, so the store notifies the customer); returns the
        channel's fulfillment id. Raises ``RejectedError`` when the channel refuses (its user
        errors, nothing left to fulfil)."""
        raise NotImplementedError

    def write_fulfillment_event(
        self,
        *,
        fulfillment_id: str,
        status: str,
        happened_at: datetime,
        message: str = "",
        estimated_delivery_at: datetime | None = None,
    ) -> str:
        """Record where the fulfilment ``fulfillment_id`` (as ``write_fulfillment`` returned
        it) stands: ``status`` one of ``dto.FulfillmentEventStatus`` (``IN_TRANSIT``,
        ``OUT_FOR_DELIVERY``, ``ATTEMPTED_DELIVERY``, ``DELIVERED``, ``FAILURE``, …) since
        ``happened_at`` (aware), with an optional ``message`` and the courier's expected
        delivery (Shopify ``fulfillmentEventCreate``: the store shows it and may notify the
        customer). Returns the channel's event id. Each call records one event; not sending a
        status twice is the caller's concern. Raises ``ValueError`` for a status outside the
        vocabulary, ``RejectedError`` when the channel refuses (its user errors, an unknown
        fulfilment), ``ConnectorError`` otherwise (``permanent`` for a refused token or a
        missing scope)."""
        raise NotImplementedError

    # --- couriers (Capability.SHIPMENTS) -------------------------------------------------------
    # Shapes: integrations/dto.py (logistics). Couriers' tracking limits are per call
    # (``track_batch`` AWBs) and per window; the client paces itself inside them.
    track_batch: ClassVar[int] = 50
    # The courier's public tracking page of an AWB (``{awb}`` filled in), given to the store
    # with the fulfilment so the customer can follow the parcel; "" when it has none.
    tracking_url_template: ClassVar[str] = ""
    # The account setting holding the pincode parcels are picked up from (the origin of a
    # freight quote): Delhivery ``pickup_pincode``, Shiprocket ``pickup_postcode``.
    pickup_pincode_setting: ClassVar[str] = "pickup_pincode"

    def check_serviceability(self, pincodes: Sequence[str]) -> list[ServiceabilityDTO]:
        """Whether the courier delivers to each pincode, and by which payment modes."""
        raise NotImplementedError

    def book_shipments(self, requests: Sequence[ShipmentRequestDTO]) -> list[BookedShipmentDTO]:
        """Book shipments; one ``BookedShipmentDTO`` per request, in order (a refused one has
        ``ok`` False and the courier's reason)."""
        raise NotImplementedError

    def cancel_shipment(self, awb: str) -> None:
        """Cancel at the courier (Delhivery: cancelling in transit starts an RTO). Raises
        ``RejectedError`` when the courier refuses."""
        raise NotImplementedError

    def track_shipments(self, awbs: Sequence[str]) -> list[ShipmentTrackDTO]:
        """The current status and scans of up to ``track_batch`` AWBs; unknown AWBs are absent
        from the answer."""
        raise NotImplementedError

    def freight_quote(
        self,
        *,
        origin_pincode: str,
        destination_pincode: str,
        weight_grams: int,
        payment_method: str,
        leg: str = "forward",
    ) -> FreightQuoteDTO:
        """The courier's charge for a leg (``forward`` or ``rto``) of a shipment."""
        raise NotImplementedError

    def ndr_action_check(
        self, *, action: str, raw_code: str, attempts: int, now: datetime
    ) -> NdrActionCheckDTO:
        """Whether the courier accepts NDR ``action`` (``NdrAction``) now for a shipment whose
        last failed attempt carried ``raw_code`` (the courier's own code) after ``attempts``
        failed attempts; pure (no call), so the NDR queue offers only what will be accepted."""
        raise NotImplementedError

    def request_ndr_actions(
        self, requests: Sequence[NdrActionRequestDTO]
    ) -> list[NdrActionResultDTO]:
        """Send NDR actions to the courier; one ``NdrActionResultDTO`` per request, in order.
        Raises ``ConnectorError`` when the call itself fails (a refused item is ``ok`` False)."""
        raise NotImplementedError

    # --- OAuth app install (Capability.OAUTH) --------------------------------------------------
    # The generic flow (``integrations.services.oauth``, ``/channels/<provider>/oauth/…``)
    # keeps the state nonce in the session and stores the account; the provider says how its
    # authorize URL looks, how its callback is verified and how a code becomes a token.
    # The install request's query parameter naming the account (Shopify: ``shop``).
    oauth_account_param: ClassVar[str] = ""
    # Settings holding the platform app's client id, client secret and the scopes asked for
    # (used when no ``ProviderAppCredential`` is stored), e.g. ``SHOPIFY_API_KEY``.
    app_settings: ClassVar[tuple[str, str, str]] = ("", "", "")
    # What is off when a scope asked for was not granted, in the merchant's words.
    scope_effects: ClassVar[Mapping[str, str]] = {}
    # A scope newly granted re-reads a stream over a window: ``{scope: (stream, window)}``.
    scope_streams: ClassVar[Mapping[str, tuple[str, timedelta]]] = {}

    @classmethod
    def oauth_account_key(cls, params: Mapping[str, str]) -> str:
        """The account key (``external_id``) an install request or callback names in
        ``oauth_account_param``. Raises ``CallbackRefused`` (400) when it is malformed."""
        raise NotImplementedError

    @classmethod
    def api_root(cls, account_key: str) -> str:
        """The provider's API root for an account (``https://{shop}`` for Shopify)."""
        return cls.default_base_url

    @classmethod
    def authorize_url(
        cls, *, base_url: str, app: OAuthApp, scopes: str, redirect_uri: str, state: str
    ) -> str:
        """The provider's authorize page the merchant's browser is sent to."""
        raise NotImplementedError

    @classmethod
    def verify_callback(cls, params: Mapping[str, str], *, app: OAuthApp, now: float) -> None:
        """The provider's own checks of a callback (signature, timestamp; ``now`` in Unix
        seconds). Raises ``CallbackRefused``."""
        raise NotImplementedError

    @classmethod
    def exchange_code(
        cls, *, http: HttpClient, base_url: str, app: OAuthApp, code: str
    ) -> dict[str, Any]:
        """``{"access_token": str, "scope": str}`` for an authorization code. Raises
        ``ConnectorError`` (refused) or ``CallbackRefused``."""
        raise NotImplementedError

    def fetch_orders_by_id(self, order_ids: Sequence[str]) -> list[OrderDTO | RecordFailure]:
        """``Capability.ORDER_LOOKUP``: whole orders by channel order id (the returns stream
        can name orders the order search no longer covers, e.g. Flipkart RETURNED), one
        ``OrderDTO`` or ``RecordFailure`` per order found; ids the channel does not know are
        absent. Raises ``ConnectorError``."""
        raise NotImplementedError

    def fetch_order_returns(self, *, order_external_id: str) -> Page[ReturnRecord]:
        """``Capability.ORDER_RETURNS``: what the returns stream gives for one order, as one
        ``Page`` without cursor (an order the channel no longer has: an empty page). Called
        when a return the channel still reports open (``ReturnDTO.channel_open``,
        ``refreshable``) may have changed with its order. Raises ``ConnectorError``."""
        raise NotImplementedError

    def write_return_status(
        self,
        *,
        order_external_id: str,
        tags: Sequence[str],
        note: str,
        replaces: Sequence[str] = (),
    ) -> None:
        """``Capability.RETURN_WRITEBACK``: put a return's status on its channel order: the
        order's return tag becomes ``tags`` (the merchant's other tags stay) and the return's
        note line ``note``, replacing those of the returns ``replaces`` names (the channel
        return ids a return supersedes, ``ReturnDTO.supersedes``). Raises ``RejectedError``
        (a ``ConnectorError``) when the channel refuses the write (no such order, validation
        errors), ``ConnectorError`` otherwise (``permanent`` for a refused token)."""
        raise NotImplementedError

    def payment_methods(
        self, order_ids: Sequence[str], *, created_after: datetime
    ) -> dict[str, tuple[str, dict[str, Any]]]:
        """``Capability.PAYMENT_LOOKUP``: the payment method of orders imported without one
        (``OrderDTO.payment_known`` false): ``{order id: (PaymentMethod.COD|PREPAID, <the
        channel's order payload>)}`` for the orders the channel returns (the others are
        absent); ``created_after`` no later than the oldest order's placement. Raises
        ``ConnectorError``."""
        raise NotImplementedError

    def start_bulk(self, stream: str, *, since: datetime | None) -> str:
        """``Capability.BULK``: start an export of ``stream`` (one of ``bulk_streams``) of
        records changed since ``since`` (everything when None); returns its id. Raises
        ``ConnectorError``."""
        raise NotImplementedError

    def wait_for_bulk(
        self, bulk_id: str, *, on_poll: Callable[[dict[str, Any]], None] | None = None
    ) -> dict[str, Any]:
        """``Capability.BULK``: poll the export ``bulk_id`` until it is ready, calling
        ``on_poll`` with each status; returns ``{"url": <what iter_bulk needs>,
        "rootObjectCount": int | None}`` (and ``cursor_cap``, an ISO-8601 UTC time, where the
        export lags the live data). Raises ``ConnectorError`` when the provider reports it
        failed."""
        raise NotImplementedError

    def iter_bulk(self, stream: str, url: str | None) -> Iterator[tuple[Any, ...] | RecordFailure]:
        """``Capability.BULK``: stream a ready export of ``stream``, yielding per root record a
        tuple of DTOs or a ``RecordFailure``. Raises ``ConnectorError``."""
        raise NotImplementedError

    @classmethod
    def parse_record(cls, stream: str, payload: dict[str, Any]) -> Any:
        """A quarantined payload → DTO or ``RecordFailure`` (reprocessing)."""
        raise NotImplementedError

    @classmethod
    def required_fields(cls) -> tuple[CredentialField, ...]:
        return tuple(f for f in cls.credential_fields if f.required)

    @classmethod
    def secret_field_names(cls) -> frozenset[str]:
        return frozenset(f.name for f in cls.credential_fields if f.secret)
