"""Frozen data transfer objects: what connectors return (provider payload → DTO) and accept.

Money is ``Decimal`` in the currency named next to it (rupees for INR, never paise). Times are
timezone-aware ``datetime`` in UTC. External ids are strings (Shopify ids exceed 2^53).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Generic, TypeVar

T = TypeVar("T")


class OrderStatus:
    """Normalized order statuses shared by every channel."""

    PENDING = "pending"  # placed, payment not confirmed (prepaid awaiting capture)
    CONFIRMED = "confirmed"  # accepted, not yet shipped (prepaid paid or COD)
    PARTIALLY_SHIPPED = "partially_shipped"
    SHIPPED = "shipped"
    DELIVERED = "delivered"
    CANCELLED = "cancelled"
    RETURNED = "returned"
    REFUNDED = "refunded"

    CHOICES = (
        (PENDING, "Pending"),
        (CONFIRMED, "Confirmed"),
        (PARTIALLY_SHIPPED, "Partially shipped"),
        (SHIPPED, "Shipped"),
        (DELIVERED, "Delivered"),
        (CANCELLED, "Cancelled"),
        (RETURNED, "Returned"),
        (REFUNDED, "Refunded"),
    )
    # Statuses in which the order still holds reserved stock in the warehouse.
    OPEN = frozenset({PENDING, CONFIRMED, PARTIALLY_SHIPPED})


class PaymentMethod:
    PREPAID = "prepaid"
    COD = "cod"
    CHOICES = ((PREPAID, "Prepaid"), (COD, "Cash on delivery"))


@dataclass(frozen=True, slots=True)
class OrderItemDTO:
    """One order line. ``quantity`` is the units ordered; ``current_quantity`` the units the
    order still asks for after removals (Shopify ``currentQuantity``: refunded, cancelled before
    shipping or edited out), ``None`` when the channel reports no such thing (then it is
    ``quantity``). ``unit_price`` is the pre-discount price per unit (tax-inclusive where the
    channel prices tax-inclusive, as Indian stores do); ``discount`` and ``tax`` are line
    totals, all in rupees."""

    external_id: str
    sku: str
    title: str
    quantity: int
    unit_price: Decimal
    discount: Decimal = Decimal("0")
    tax: Decimal = Decimal("0")
    variant_external_id: str = ""
    current_quantity: int | None = None

    @property
    def units_current(self) -> int:
        """``current_quantity`` if the channel reported it, else ``quantity``."""
        return self.quantity if self.current_quantity is None else self.current_quantity


@dataclass(frozen=True, slots=True)
class AddressDTO:
    """A shipping address. ``address1``/``address2`` and ``phone`` are what a courier needs to
    deliver (Shopify: ``MailingAddress``; protected customer data, level 2)."""

    name: str = ""
    address1: str = ""
    address2: str = ""
    phone: str = ""
    city: str = ""
    state: str = ""
    state_code: str = ""
    pincode: str = ""
    country_code: str = ""


@dataclass(frozen=True, slots=True)
class OrderDTO:
    """An order in the normalized shape. ``updated_at`` is the channel's last-modified time and
    orders the deliveries: an older update never overwrites a newer one."""

    external_id: str
    order_number: str
    placed_at: datetime
    updated_at: datetime
    status: str
    payment_method: str
    currency: str
    subtotal: Decimal
    discount_total: Decimal
    shipping_total: Decimal
    tax_total: Decimal
    total: Decimal
    items: tuple[OrderItemDTO, ...]
    financial_status: str = ""
    fulfillment_status: str = ""
    cancelled_at: datetime | None = None
    payment_gateways: tuple[str, ...] = ()
    customer_name: str = ""
    customer_email: str = ""
    customer_phone: str = ""
    customer_external_id: str = ""
    ship_to: AddressDTO = field(default_factory=AddressDTO)
    tags: tuple[str, ...] = ()
    is_test: bool = False
    # The channel ships the order from its own stock (Amazon AFN/FBA): it never draws on
    # Sangam's pool.
    fulfilled_by_channel: bool = False
    # False when the source could not say how the order is paid (Amazon flat-file order
    # reports have no payment column): ``payment_method`` is then a placeholder (prepaid),
    # to be read by ``Connector.payment_methods`` (``Capability.PAYMENT_LOOKUP``).
    payment_known: bool = True
    raw: dict[str, Any] = field(default_factory=dict, compare=False)


@dataclass(frozen=True, slots=True)
class VariantDTO:
    """A sellable variant. ``price`` in the shop currency; ``inventory_item_id`` is the
    channel's stock handle (Shopify InventoryItem id)."""

    external_id: str
    sku: str
    title: str
    price: Decimal
    barcode: str = ""
    compare_at_price: Decimal | None = None
    inventory_item_id: str = ""
    options: tuple[tuple[str, str], ...] = ()
    updated_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class ProductDTO:
    external_id: str
    title: str
    variants: tuple[VariantDTO, ...]
    handle: str = ""
    vendor: str = ""
    product_type: str = ""
    status: str = ""
    updated_at: datetime | None = None
    raw: dict[str, Any] = field(default_factory=dict, compare=False)


@dataclass(frozen=True, slots=True)
class InventoryLevelDTO:
    """Stock of one channel inventory item at one channel location (units)."""

    inventory_item_id: str
    location_id: str
    available: int | None
    on_hand: int | None = None
    committed: int | None = None
    updated_at: datetime | None = None
    variant_external_id: str = ""
    sku: str = ""


class ReturnKind:
    CUSTOMER_RETURN = "customer_return"
    RTO = "rto"  # return to origin: the courier could not deliver
    CHOICES = ((CUSTOMER_RETURN, "Customer return"), (RTO, "RTO"))


class ReturnStatus:
    REQUESTED = "requested"
    IN_TRANSIT = "in_transit"
    RECEIVED = "received"
    QC_PASSED = "qc_passed"
    QC_FAILED = "qc_failed"
    REFUNDED = "refunded"
    CANCELLED = "cancelled"
    CHOICES = (
        (REQUESTED, "Requested"),
        (IN_TRANSIT, "In transit"),
        (RECEIVED, "Received"),
        (QC_PASSED, "QC passed"),
        (QC_FAILED, "QC failed"),
        (REFUNDED, "Refunded"),
        (CANCELLED, "Cancelled"),
    )


class DispositionType:
    """What became of returned units at the channel (Shopify
    ``ReverseFulfillmentOrderDispositionType``)."""

    RESTOCKED = "restocked"
    NOT_RESTOCKED = "not_restocked"
    PROCESSING_REQUIRED = "processing_required"
    MISSING = "missing"
    CHOICES = (
        (RESTOCKED, "Restocked"),
        (NOT_RESTOCKED, "Not restocked"),
        (PROCESSING_REQUIRED, "Processing required"),
        (MISSING, "Missing"),
    )


@dataclass(frozen=True, slots=True)
class ReturnDTO:
    """A customer return or RTO of (part of) one order line, as the channel reports it.
    ``kind`` is a ``ReturnKind``, ``status`` a ``ReturnStatus``; ``quantity`` in units."""

    external_id: str
    order_external_id: str
    status: str
    kind: str
    quantity: int
    created_at: datetime
    updated_at: datetime
    order_item_external_id: str = ""
    sku: str = ""
    reason: str = ""
    sub_reason: str = ""
    tracking_id: str = ""
    # The channel return ids this return takes over (a Shopify return supersedes the refund
    # returns ``refund:<refund id>`` of the refunds made for it).
    supersedes: tuple[str, ...] = ()
    # The channel still reports the return open (it may still approve, decline, dispose of or
    # refund it: Shopify ``REQUESTED``/``OPEN``).
    channel_open: bool = False
    # The channel can re-read the return through its order (``Connector.fetch_order_returns``,
    # ``Capability.ORDER_RETURNS``), and changes it without a webhook of its own: a Shopify
    # return (not a refund return).
    refreshable: bool = False
    # Units the channel put back into its own stock for this return (refund restocks), each
    # timed. A return whose lines share one payload carries the same ``restocks`` on every
    # line's DTO; a return of one DTO per refund line carries that line's.
    restocks: tuple[ChannelRestockDTO, ...] = ()
    raw: dict[str, Any] = field(default_factory=dict, compare=False)


@dataclass(frozen=True, slots=True)
class ChannelRestockDTO:
    """Units of ``sku`` the channel put back into its own ``available`` for a return (Shopify:
    a refund line with ``restock_type`` ``return``/``legacy_restock``); ``restocked_at`` the
    refund's ``created_at``, None when the channel gave no readable time (then no time window
    holds it)."""

    sku: str
    quantity: int
    restocked_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class OrderLineRemovalDTO:
    """Units removed from an order line before they shipped (a partial or whole cancellation
    by refund: Shopify refund lines with ``restock_type`` ``cancel``, or ``no_restock`` on a line
    not shipped). ``restocked``: the channel put the units back into its own ``available``
    (``cancel``); ``removed_at`` is the refund's ``created_at``; ``quantity`` in units.
    ``external_id`` is ``refund:<refund id>:<line item id>``."""

    external_id: str
    order_external_id: str
    order_item_external_id: str
    sku: str
    quantity: int
    restocked: bool
    removed_at: datetime
    raw: dict[str, Any] = field(default_factory=dict, compare=False)


@dataclass(frozen=True, slots=True)
class ReturnDispositionDTO:
    """What the channel did with returned units once they came back (Shopify
    ``ReverseFulfillmentOrderDisposition``): ``disposition`` is ``restocked`` (back into the
    channel's ``available`` at ``location_id``), ``not_restocked``, ``processing_required`` or
    ``missing``; ``quantity`` in units of the return line ``order_item_external_id`` (SKU
    ``sku``) of the return ``return_external_id``. ``external_id`` is the disposition's id. The
    channel gives no time for it (2025-01): the import times it by when it was first seen."""

    external_id: str
    return_external_id: str
    order_external_id: str
    order_item_external_id: str
    sku: str
    quantity: int
    disposition: str
    location_id: str = ""
    raw: dict[str, Any] = field(default_factory=dict, compare=False)


# What a channel's returns stream gives: returns, removals of unshipped units (Shopify refunds)
# and dispositions of returned goods (Shopify reverse fulfillment orders).
ReturnRecord = ReturnDTO | OrderLineRemovalDTO | ReturnDispositionDTO


@dataclass(frozen=True, slots=True)
class StockLevelDTO:
    """The available-to-sell quantity (units) to set for one channel listing. Channel handles:
    ``listing_id`` (Shopify inventory item, Flipkart listing id), ``product_id`` (Flipkart
    product id / FSN), ``location_id`` (Shopify location, Flipkart warehouse);
    ``compare_quantity`` is the last value we know the channel holds (Shopify compare-and-set)."""

    sku: str
    quantity: int
    listing_id: str = ""
    product_id: str = ""
    location_id: str = ""
    compare_quantity: int | None = None


@dataclass(frozen=True, slots=True)
class ListingDTO:
    """A listing as the channel holds it (listing discovery and drift reads).

    ``sku`` is the seller SKU on the channel; ``listing_id`` the channel's key for it (Amazon:
    the seller SKU; Flipkart: the listing id); ``product_id`` the ASIN / FSN; ``barcode`` an
    EAN/UPC/GTIN where the channel reports one; ``quantity`` the units the channel currently
    offers (None when it does not say); ``location_id`` where that quantity sits (Flipkart
    location id)."""

    sku: str
    listing_id: str = ""
    product_id: str = ""
    barcode: str = ""
    title: str = ""
    quantity: int | None = None
    location_id: str = ""
    status: str = ""


@dataclass(frozen=True, slots=True)
class PriceDTO:
    """A selling price to set (tax-inclusive, in ``currency``; rupees for INR); ``mrp`` the
    maximum retail price where the channel takes one (Flipkart)."""

    sku: str
    price: Decimal
    currency: str = "INR"
    mrp: Decimal | None = None
    product_id: str = ""


class PushStatus:
    SUCCESS = "success"
    WARNING = "warning"  # accepted with warnings
    FAILURE = "failure"
    # Handed to the channel for processing (an Amazon feed): the outcome comes later from
    # ``Connector.push_outcome(submission_id, skus)``.
    SUBMITTED = "submitted"


@dataclass(frozen=True, slots=True)
class PushResult:
    """What the channel said about one SKU of a push. ``status`` is a ``PushStatus``;
    ``issues`` carries the channel's messages (code: text) for the dashboard.

    ``delta``/``quantity_after`` (units): what the set changed and what the channel held right
    after it, for channels that report it (Shopify's ``InventoryChange``); None elsewhere."""

    sku: str
    status: str
    message: str = ""
    issues: tuple[str, ...] = ()
    submission_id: str = ""
    delta: int | None = None
    quantity_after: int | None = None

    @property
    def ok(self) -> bool:
        """The channel applied the value (possibly with warnings)."""
        return self.status in (PushStatus.SUCCESS, PushStatus.WARNING)


@dataclass(frozen=True, slots=True)
class RecordFailure:
    """A record the connector could not translate: quarantined with its payload."""

    external_id: str
    error: str
    payload: dict[str, Any]


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    """One page of a stream. ``next_cursor`` None = last page. ``high_water`` is the greatest
    ``updated_at`` (ISO-8601 UTC) seen, the next incremental cursor."""

    items: Sequence[T]
    next_cursor: str | None = None
    high_water: str | None = None
    failures: Sequence[RecordFailure] = ()


@dataclass(frozen=True, slots=True)
class WebhookRegistration:
    topic: str
    remote_id: str
    callback_url: str
    api_version: str = ""


@dataclass(frozen=True, slots=True)
class AccountHandle:
    """What a connector knows of an account: no ORM object, so connectors stay ORM-free.

    ``base_url`` is the API root (e.g. ``https://shop.myshopify.com`` or the sandbox URL);
    ``credentials`` the decrypted secrets (never logged); ``scopes`` the access scopes granted,
    as stored on the account."""

    id: int | None
    merchant_id: int | None
    provider: str
    external_id: str
    base_url: str
    credentials: dict[str, Any] = field(default_factory=dict, repr=False)
    settings: dict[str, Any] = field(default_factory=dict)
    # Access scopes the provider granted (Shopify: comma-separated handles,
    # ``read_orders,write_inventory``); empty when unknown.
    scopes: str = ""


def granted_scopes(scopes: str) -> frozenset[str]:
    """The access scopes a comma-separated grant (``"write_orders, read_products"``) covers: its
    handles plus the ``read_x`` of every ``write_x`` (shopify.dev "Access scopes": a write scope
    implies its read). Empty for an empty grant, which means unknown, not none."""
    granted = {s.strip() for s in scopes.split(",") if s.strip()}
    implied = {"read_" + s[len("write_") :] for s in granted if s.startswith("write_")}
    return frozenset(granted | implied)


@dataclass(slots=True)
class ImportResult:
    """What a domain importer did with a batch: counts and the records it quarantined."""

    created: int = 0
    updated: int = 0
    skipped: int = 0
    failures: list[RecordFailure] = field(default_factory=list)

    def add(self, other: ImportResult) -> None:
        self.created += other.created
        self.updated += other.updated
        self.skipped += other.skipped
        self.failures.extend(other.failures)


# --- logistics (Capability.SHIPMENTS): couriers ---------------------------------------------------
class ShipmentStatus:
    """Sangam's normalized shipment statuses (issue 20). Couriers' own codes are kept raw on
    every ``TrackingEventDTO``; each courier package maps them (Delhivery: the
    (``StatusType``, ``Status``) pair and its NSL code, channel-apis.md §5.1)."""

    CREATED = "created"  # booked at the courier, AWB assigned
    MANIFESTED = "manifested"  # manifest uploaded, waiting for pickup
    PICKED_UP = "picked_up"
    IN_TRANSIT = "in_transit"
    OUT_FOR_DELIVERY = "out_for_delivery"
    DELIVERED = "delivered"
    NDR = "ndr"  # a delivery attempt failed (non-delivery report)
    RTO_INITIATED = "rto_initiated"  # return to origin started
    RTO_IN_TRANSIT = "rto_in_transit"
    RTO_DELIVERED = "rto_delivered"  # back at the seller's pickup location
    LOST = "lost"
    CANCELLED = "cancelled"
    CHOICES = (
        (CREATED, "Created"),
        (MANIFESTED, "Manifested"),
        (PICKED_UP, "Picked up"),
        (IN_TRANSIT, "In transit"),
        (OUT_FOR_DELIVERY, "Out for delivery"),
        (DELIVERED, "Delivered"),
        (NDR, "Delivery failed (NDR)"),
        (RTO_INITIATED, "RTO initiated"),
        (RTO_IN_TRANSIT, "RTO in transit"),
        (RTO_DELIVERED, "RTO delivered"),
        (LOST, "Lost"),
        (CANCELLED, "Cancelled"),
    )
    FINAL = frozenset({DELIVERED, RTO_DELIVERED, LOST, CANCELLED})
    RTO = frozenset({RTO_INITIATED, RTO_IN_TRANSIT, RTO_DELIVERED})


class FulfillmentEventStatus:
    """Where a channel fulfilment stands, as written back to the store
    (``Connector.write_fulfillment_event``): Shopify's ``FulfillmentEventStatus`` enum
    (shopify.dev/docs/api/admin-graphql/2025-01/enums/FulfillmentEventStatus), the protocol's
    vocabulary; each domain maps its own statuses to it."""

    LABEL_PURCHASED = "LABEL_PURCHASED"
    LABEL_PRINTED = "LABEL_PRINTED"
    READY_FOR_PICKUP = "READY_FOR_PICKUP"
    CONFIRMED = "CONFIRMED"
    IN_TRANSIT = "IN_TRANSIT"
    OUT_FOR_DELIVERY = "OUT_FOR_DELIVERY"
    ATTEMPTED_DELIVERY = "ATTEMPTED_DELIVERY"
    DELAYED = "DELAYED"
    DELIVERED = "DELIVERED"
    FAILURE = "FAILURE"
    ALL = frozenset(
        {
            LABEL_PURCHASED,
            LABEL_PRINTED,
            READY_FOR_PICKUP,
            CONFIRMED,
            IN_TRANSIT,
            OUT_FOR_DELIVERY,
            ATTEMPTED_DELIVERY,
            DELAYED,
            DELIVERED,
            FAILURE,
        }
    )


class NdrReason:
    """Why a delivery attempt failed, normalized from the courier's code (Delhivery NSL
    ``EOD-*``; Shiprocket's NDR ``reason``); the raw code stays on the event."""

    CUSTOMER_UNAVAILABLE = "customer_unavailable"
    REFUSED = "refused"
    ADDRESS_ISSUE = "address_issue"
    RESCHEDULED = "rescheduled"  # the customer asked for another day
    COD_NOT_READY = "cod_not_ready"
    OUT_OF_DELIVERY_AREA = "out_of_delivery_area"
    OTHER = "other"
    CHOICES = (
        (CUSTOMER_UNAVAILABLE, "Customer unavailable"),
        (REFUSED, "Refused by the customer"),
        (ADDRESS_ISSUE, "Address issue"),
        (RESCHEDULED, "Customer asked for another day"),
        (COD_NOT_READY, "COD amount not ready"),
        (OUT_OF_DELIVERY_AREA, "Out of delivery area"),
        (OTHER, "Other"),
    )


@dataclass(frozen=True, slots=True)
class TrackingEventDTO:
    """One scan of a shipment. ``at`` is aware (a courier's zone-less IST time converted);
    ``status`` a ``ShipmentStatus``; ``raw_status``/``raw_type``/``raw_code`` the courier's own
    values (Delhivery: ``Status``, ``StatusType``, the NSL ``StatusCode``); ``ndr_reason`` an
    ``NdrReason`` when ``status`` is ``ndr``."""

    awb: str
    at: datetime
    status: str
    raw_status: str
    raw_type: str = ""
    raw_code: str = ""
    location: str = ""
    remark: str = ""
    ndr_reason: str = ""


@dataclass(frozen=True, slots=True)
class ShipmentTrackDTO:
    """A shipment as the courier's tracking API reports it: its current status and its scans,
    oldest first. ``reference`` is the order reference Sangam sent at creation; ``attempts``
    the delivery attempts so far."""

    awb: str
    status: str
    events: tuple[TrackingEventDTO, ...] = ()
    reference: str = ""
    expected_delivery: datetime | None = None
    delivered_at: datetime | None = None
    rto_started_at: datetime | None = None
    attempts: int = 0
    raw: dict[str, Any] = field(default_factory=dict, repr=False)


@dataclass(frozen=True, slots=True)
class ConsigneeDTO:
    """Where a shipment goes. ``phone`` is 10 digits for Indian couriers."""

    name: str
    address: str
    city: str
    state: str
    pincode: str
    phone: str
    country: str = "India"


@dataclass(frozen=True, slots=True)
class ShipmentRequestDTO:
    """One shipment to book. ``reference`` is Sangam's order reference (≤ 50 characters for
    Delhivery); amounts in rupees (``cod_amount`` 0 for prepaid); weight in grams, dimensions in
    centimetres; ``pickup_location`` the warehouse name registered with the courier."""

    reference: str
    consignee: ConsigneeDTO
    payment_method: str  # PaymentMethod
    cod_amount: Decimal
    total_amount: Decimal
    weight_grams: int
    length_cm: Decimal
    breadth_cm: Decimal
    height_cm: Decimal
    products_desc: str
    quantity: int
    pickup_location: str
    hsn_code: str = ""
    courier_hint: str = ""  # an aggregator's courier to ask for (Shiprocket courier id)


@dataclass(frozen=True, slots=True)
class BookedShipmentDTO:
    """The courier's answer for one ``ShipmentRequestDTO``: ``ok`` with the AWB, or refused
    with the courier's ``error`` (e.g. "non serviceable pincode")."""

    reference: str
    ok: bool
    awb: str = ""
    courier_name: str = ""
    sort_code: str = ""
    error: str = ""
    raw: dict[str, Any] = field(default_factory=dict, repr=False)


@dataclass(frozen=True, slots=True)
class ServiceabilityDTO:
    """Whether the courier delivers to ``pincode``, and by which payment modes."""

    pincode: str
    serviceable: bool
    prepaid: bool = False
    cod: bool = False
    city: str = ""
    state: str = ""


@dataclass(frozen=True, slots=True)
class FreightQuoteDTO:
    """The courier's charge for one leg (forward, or the RTO leg), rupees: ``freight`` and
    ``cod_fee`` before GST, ``gst`` on them, ``total`` = freight + cod_fee + gst."""

    freight: Decimal
    cod_fee: Decimal
    gst: Decimal
    total: Decimal
    raw: dict[str, Any] = field(default_factory=dict, repr=False)


class NdrAction:
    """What a seller can ask a courier to do with a shipment whose delivery failed (NDR):
    deliver again (``reattempt``, optionally on a date or with a corrected phone/address) or
    return it to origin (``rto``). ``wait`` is Sangam's own "do nothing yet" (an NDR rule's
    action; never sent to a courier)."""

    REATTEMPT = "reattempt"
    RTO = "rto"
    WAIT = "wait"
    SENT_CHOICES = ((REATTEMPT, "Re-attempt delivery"), (RTO, "Return to origin"))
    CHOICES = (*SENT_CHOICES, (WAIT, "Wait"))
    SENT = frozenset({REATTEMPT, RTO})


@dataclass(frozen=True, slots=True)
class NdrActionRequestDTO:
    """One NDR action for the courier. ``reattempt_on`` (a date) and ``phone``/``address``
    apply to a re-attempt, where the courier accepts them; ``remark`` is free text."""

    awb: str
    action: str  # NdrAction.REATTEMPT | NdrAction.RTO
    reattempt_on: date | None = None
    phone: str = ""
    address: str = ""
    remark: str = ""


@dataclass(frozen=True, slots=True)
class NdrActionResultDTO:
    """The courier's answer for one ``NdrActionRequestDTO``: ``ok``, or refused with its
    ``error``; ``reference`` is the courier's id of the request (Delhivery's UPL id)."""

    awb: str
    ok: bool
    reference: str = ""
    error: str = ""
    raw: dict[str, Any] = field(default_factory=dict, repr=False)


@dataclass(frozen=True, slots=True)
class NdrActionCheckDTO:
    """Whether the courier would accept ``action`` for a shipment now, and if not why (shown
    in the NDR queue instead of the button). Decided by the courier's documented rules
    (Delhivery: re-attempt only on certain NSL codes, asked for after 21:00 IST)."""

    action: str
    allowed: bool
    reason: str = ""
    # Set when the courier takes the action only from a later time (Delhivery: re-attempt
    # requests after 21:00 IST): Sangam holds the action and sends it then.
    send_after: datetime | None = None
