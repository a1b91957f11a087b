"""Customers, orders and line items of a shop, and what happened to the lines after the sale:
fulfillments (shipments) and refunds."""

from __future__ import annotations

from decimal import Decimal

from django.db import models

from sandbox.shopify.models.catalog import (
    SandboxLocation,
    SandboxProduct,
    SandboxVariant,
    money_field,
)
from sandbox.shopify.models.store import SandboxShop


class SandboxCustomer(models.Model):
    """A buyer. ``address`` is the default address in REST shape (snake_case keys, incl. ``id``)."""

    id = models.BigIntegerField(primary_key=True)
    shop = models.ForeignKey(SandboxShop, on_delete=models.CASCADE, related_name="customers")
    first_name = models.CharField(max_length=100)
    last_name = models.CharField(max_length=100)
    email = models.EmailField()
    phone = models.CharField(max_length=40)
    address = models.JSONField(default=dict)
    accepts_marketing = models.BooleanField(default=False)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.first_name} {self.last_name}"


class SandboxOrder(models.Model):
    """An order. Statuses use the GraphQL enum values (``PAID``, ``UNFULFILLED``…); amounts are
    GST-inclusive rupees: ``total_price = subtotal + total_shipping`` where ``subtotal`` is the
    line items after discounts, and ``total_tax`` is the GST contained in them.
    ``shipping_address``/``billing_address`` are REST-shaped dicts; ``discount_codes`` is a list
    of ``{"code", "amount", "type"}``."""

    id = models.BigIntegerField(primary_key=True)
    shop = models.ForeignKey(SandboxShop, on_delete=models.CASCADE, related_name="orders")
    number = models.PositiveIntegerField()
    customer = models.ForeignKey(
        SandboxCustomer, on_delete=models.SET_NULL, null=True, blank=True, related_name="orders"
    )
    email = models.CharField(max_length=254, blank=True)
    phone = models.CharField(max_length=40, blank=True)
    token = models.CharField(max_length=32)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()
    processed_at = models.DateTimeField()
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancel_reason = models.CharField(max_length=20, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    fulfilled_at = models.DateTimeField(null=True, blank=True)
    financial_status = models.CharField(max_length=20)
    fulfillment_status = models.CharField(max_length=20)
    currency = models.CharField(max_length=3, default="INR")
    payment_gateway_names = models.JSONField(default=list)
    tags = models.JSONField(default=list)
    test = models.BooleanField(default=False)
    source_name = models.CharField(max_length=40, default="web")
    note = models.TextField(blank=True)
    subtotal = money_field()
    total_discounts = money_field(default=Decimal("0"))
    total_shipping = money_field(default=Decimal("0"))
    total_tax = money_field(default=Decimal("0"))
    total_price = money_field()
    total_refunded = money_field(default=Decimal("0"))
    shipping_title = models.CharField(max_length=100, default="Standard Shipping")
    shipping_line_id = models.BigIntegerField()
    shipping_address = models.JSONField(default=dict)
    billing_address = models.JSONField(default=dict)
    discount_codes = models.JSONField(default=list)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["shop", "number"], name="sandbox_order_number_uniq")
        ]
        indexes = [
            models.Index(fields=["shop", "updated_at", "id"]),
            models.Index(fields=["shop", "created_at", "id"]),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return f"#{self.number}"

    @property
    def is_cod(self) -> bool:
        return "Cash on Delivery (COD)" in self.payment_gateway_names


class SandboxLineItem(models.Model):
    """One order line. ``price`` is the GST-inclusive unit price before discounts,
    ``total_discount`` the line's share of discounts; ``tax_lines`` a list of
    ``{"title": "IGST", "rate": "0.12", "amount": "107.04"}``."""

    id = models.BigIntegerField(primary_key=True)
    order = models.ForeignKey(SandboxOrder, on_delete=models.CASCADE, related_name="line_items")
    variant = models.ForeignKey(
        SandboxVariant, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    product = models.ForeignKey(
        SandboxProduct, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    position = models.PositiveIntegerField()
    sku = models.CharField(max_length=100)
    title = models.CharField(max_length=255)
    variant_title = models.CharField(max_length=255, blank=True)
    vendor = models.CharField(max_length=200)
    quantity = models.PositiveIntegerField()
    current_quantity = models.PositiveIntegerField()
    fulfilled_quantity = models.PositiveIntegerField(default=0)
    price = money_field()
    total_discount = money_field(default=Decimal("0"))
    tax_lines = models.JSONField(default=list)
    grams = models.PositiveIntegerField(default=300)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return f"{self.sku} × {self.quantity}"

    @property
    def name(self) -> str:
        return f"{self.title} - {self.variant_title}" if self.variant_title else self.title

    @property
    def fulfillment_status(self) -> str | None:
        """REST ``line_item.fulfillment_status``: None while no unit has shipped, ``partial``
        while some units still on the order wait to ship, ``fulfilled`` once none does
        (refunded units no longer count). GraphQL's ``LineItem.fulfillmentStatus`` is the same
        with ``unfulfilled`` for None."""
        if not self.fulfilled_quantity:
            return None
        return "partial" if self.current_quantity > self.fulfilled_quantity else "fulfilled"


class SandboxFulfillment(models.Model):
    """A shipment of some units of an order (``fulfill_order`` and seeded history), status
    ``FulfillmentStatus`` (``SUCCESS``; ``CANCELLED`` for a cancelled shipment). Its lines say
    which line items went in it and how many units."""

    id = models.BigIntegerField(primary_key=True)
    order = models.ForeignKey(SandboxOrder, on_delete=models.CASCADE, related_name="fulfillments")
    status = models.CharField(max_length=20, default="SUCCESS")
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()
    # Set by ``fulfillmentCreate`` (blank for ``fulfill_order`` and seeded history).
    fulfillment_order = models.ForeignKey(
        "SandboxFulfillmentOrder",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="fulfillments",
    )
    tracking_number = models.CharField(max_length=255, blank=True)
    tracking_company = models.CharField(max_length=255, blank=True)
    tracking_url = models.CharField(max_length=2000, blank=True)
    notify_customer = models.BooleanField(default=False)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"Fulfillment {self.id}"


class SandboxFulfillmentLineItem(models.Model):
    """``quantity`` units of ``line_item`` shipped in ``fulfillment``."""

    id = models.BigIntegerField(primary_key=True)
    fulfillment = models.ForeignKey(
        SandboxFulfillment, on_delete=models.CASCADE, related_name="line_items"
    )
    line_item = models.ForeignKey(SandboxLineItem, on_delete=models.CASCADE, related_name="+")
    quantity = models.PositiveIntegerField()

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.line_item_id} × {self.quantity}"


class SandboxFulfillmentEvent(models.Model):
    """Where a fulfillment's shipment stands (``FulfillmentEvent``, made by
    ``fulfillmentEventCreate``; shopify.dev/docs/api/admin-graphql/2025-01/objects/
    FulfillmentEvent): ``status`` a ``FulfillmentEventStatus`` since ``happened_at``, with the
    carrier's expected delivery and a message. The fulfillment's ``displayStatus``,
    ``inTransitAt``, ``deliveredAt`` and ``estimatedDeliveryAt`` are read from its events."""

    id = models.BigIntegerField(primary_key=True)
    fulfillment = models.ForeignKey(
        SandboxFulfillment, on_delete=models.CASCADE, related_name="events"
    )
    status = models.CharField(max_length=30)
    happened_at = models.DateTimeField()
    created_at = models.DateTimeField()
    estimated_delivery_at = models.DateTimeField(null=True, blank=True)
    message = models.TextField(blank=True)

    class Meta:
        ordering = ["happened_at", "id"]

    def __str__(self) -> str:
        return f"{self.fulfillment_id} {self.status}"


class SandboxFulfillmentOrder(models.Model):
    """The work of shipping an order's units from a location (``FulfillmentOrder``,
    shopify.dev/docs/api/admin-graphql/2025-01/objects/FulfillmentOrder), merchant-managed.
    The sandbox keeps one per order at the shop's primary location, with a line per line item,
    made the first time it is asked for (``sandbox.shopify.fulfillment.fulfillment_order_of``).
    Its status and the lines' ``remainingQuantity`` follow from the order's line items
    (``fulfillment.status_of``): ``OPEN`` → ``IN_PROGRESS`` (partly shipped) → ``CLOSED``."""

    id = models.BigIntegerField(primary_key=True)
    order = models.OneToOneField(
        SandboxOrder, on_delete=models.CASCADE, related_name="fulfillment_order"
    )
    location = models.ForeignKey(SandboxLocation, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"FulfillmentOrder {self.id} of {self.order_id}"


class SandboxFulfillmentOrderLineItem(models.Model):
    """One line item of a fulfillment order (``FulfillmentOrderLineItem``)."""

    id = models.BigIntegerField(primary_key=True)
    fulfillment_order = models.ForeignKey(
        SandboxFulfillmentOrder, on_delete=models.CASCADE, related_name="line_items"
    )
    line_item = models.OneToOneField(
        SandboxLineItem, on_delete=models.CASCADE, related_name="fulfillment_order_line"
    )

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"FulfillmentOrderLineItem {self.id}"


class SandboxRefund(models.Model):
    """A refund of an order (``refund_order``, like ``refundCreate``): ``note`` as the staff
    typed it; the money sent back, if any, as one refund transaction (``transaction_id``,
    ``amount`` in rupees through ``gateway``; no transaction and ``amount`` 0 when nothing had
    been paid). Refunds never change once made. ``return_request`` is the Shopify return the
    refund was made for (``Refund.return``), if any."""

    id = models.BigIntegerField(primary_key=True)
    order = models.ForeignKey(SandboxOrder, on_delete=models.CASCADE, related_name="refunds")
    note = models.TextField(blank=True)
    created_at = models.DateTimeField()
    transaction_id = models.BigIntegerField(null=True, blank=True)
    amount = money_field(default=Decimal("0"))
    gateway = models.CharField(max_length=100, blank=True)
    return_request = models.ForeignKey(
        "SandboxReturn", on_delete=models.SET_NULL, null=True, blank=True, related_name="refunds"
    )

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"Refund {self.id}"


class SandboxRefundLineItem(models.Model):
    """``quantity`` units of ``line_item`` refunded. ``restock_type`` in REST spelling
    (``return``, ``cancel``, ``no_restock``; GraphQL's ``RefundLineItemRestockType`` is the same
    upper-cased); ``location`` is where restocked units went (null when not restocked);
    ``subtotal`` (GST-inclusive, after discounts) and ``total_tax`` (the GST in it) in rupees
    for those units."""

    id = models.BigIntegerField(primary_key=True)
    refund = models.ForeignKey(SandboxRefund, on_delete=models.CASCADE, related_name="line_items")
    line_item = models.ForeignKey(SandboxLineItem, on_delete=models.CASCADE, related_name="+")
    quantity = models.PositiveIntegerField()
    restock_type = models.CharField(max_length=20)
    location = models.ForeignKey(
        SandboxLocation, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    subtotal = money_field()
    total_tax = money_field(default=Decimal("0"))

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.line_item_id} × {self.quantity} ({self.restock_type})"


class SandboxReturn(models.Model):
    """A Shopify return of shipped units (``Return``, shopify.dev/docs/api/admin-graphql/
    2025-01/objects/Return; made by ``sandbox.shopify.returns``). ``name`` is the order
    name with ``-R<n>``; ``status`` is ``ReturnStatus``: ``REQUESTED`` (the customer asked),
    ``OPEN`` (approved, the goods are on their way back), ``CLOSED`` (done), ``DECLINED`` or
    ``CANCELED``. Refunds made for it point back to it (``SandboxRefund.return_request``)."""

    id = models.BigIntegerField(primary_key=True)
    order = models.ForeignKey(SandboxOrder, on_delete=models.CASCADE, related_name="returns")
    name = models.CharField(max_length=40)
    status = models.CharField(max_length=20)
    decline_reason = models.CharField(max_length=40, blank=True)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"Return {self.name} ({self.status})"


class SandboxReturnLineItem(models.Model):
    """``quantity`` shipped units of one fulfillment line coming back in a return, with the
    customer's ``return_reason`` (``ReturnReason``: ``SIZE_TOO_SMALL``, ``DEFECTIVE``…) and
    ``return_reason_note``."""

    id = models.BigIntegerField(primary_key=True)
    return_request = models.ForeignKey(
        SandboxReturn, on_delete=models.CASCADE, related_name="line_items"
    )
    fulfillment_line_item = models.ForeignKey(
        SandboxFulfillmentLineItem, on_delete=models.CASCADE, related_name="+"
    )
    quantity = models.PositiveIntegerField()
    return_reason = models.CharField(max_length=40, default="UNKNOWN")
    return_reason_note = models.CharField(max_length=255, blank=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.fulfillment_line_item_id} × {self.quantity} ({self.return_reason})"


class SandboxReverseFulfillmentOrder(models.Model):
    """The work of taking back a return's goods (``ReverseFulfillmentOrder``, shopify.dev/docs/
    api/admin-graphql/2025-01/objects/ReverseFulfillmentOrder): made when the return is created
    approved or its request approved ("Creating a return or approving a return creates a reverse
    fulfillment order", shopify.dev "Manage reverse fulfillment orders"). The sandbox makes one
    per return, with one line per return line; its status follows from the return and the
    dispositions (``sandbox.shopify.returns.reverse_status``)."""

    id = models.BigIntegerField(primary_key=True)
    return_request = models.OneToOneField(
        SandboxReturn, on_delete=models.CASCADE, related_name="reverse_fulfillment_order"
    )
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"ReverseFulfillmentOrder {self.id} of {self.return_request_id}"


class SandboxReverseFulfillmentOrderLineItem(models.Model):
    """One return line to be taken back (``ReverseFulfillmentOrderLineItem``): its
    ``totalQuantity`` is the return line's quantity, its fulfillment line the return line's."""

    id = models.BigIntegerField(primary_key=True)
    reverse_fulfillment_order = models.ForeignKey(
        SandboxReverseFulfillmentOrder, on_delete=models.CASCADE, related_name="line_items"
    )
    return_line_item = models.OneToOneField(
        SandboxReturnLineItem, on_delete=models.CASCADE, related_name="reverse_line_item"
    )

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"ReverseFulfillmentOrderLineItem {self.id}"


class SandboxReverseDisposition(models.Model):
    """What became of ``quantity`` returned units of a reverse line
    (``ReverseFulfillmentOrderDisposition``): ``type`` is
    ``ReverseFulfillmentOrderDispositionType`` (``RESTOCKED`` at ``location``: ``available``
    rose there; ``NOT_RESTOCKED``, ``PROCESSING_REQUIRED``, ``MISSING``). 2025-01 exposes no
    time for it; ``created_at`` is kept for the sandbox's own order."""

    id = models.BigIntegerField(primary_key=True)
    line_item = models.ForeignKey(
        SandboxReverseFulfillmentOrderLineItem,
        on_delete=models.CASCADE,
        related_name="dispositions",
    )
    quantity = models.PositiveIntegerField()
    type = models.CharField(max_length=30)
    location = models.ForeignKey(
        SandboxLocation, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.type} × {self.quantity}"
