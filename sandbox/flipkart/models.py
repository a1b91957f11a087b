"""Data of the Flipkart sandbox: seller applications, tokens, listings with stock per location,
shipments with their order items, and returns (channel-apis.md §3).

External ids are strings shaped like Flipkart's (order ``OD`` + 18 digits, 16-digit order item
ids, UUID shipment ids, 16-character FSNs, ``LST…`` listing ids). Money is ``Decimal`` rupees
(GST-inclusive); timestamps are aware UTC datetimes with whole seconds (sandbox clock). These
tables belong to the simulator only; the hub never reads them.
"""

from __future__ import annotations

from decimal import Decimal

from django.db import models

DEFAULT_TOKEN_SECONDS = 5_183_999  # ≈60 days, the ``expires_in`` Flipkart answers


def money_field(**kwargs: object) -> models.DecimalField:
    """A money amount: ``DecimalField(max_digits=14, decimal_places=2)`` (rupees)."""
    return models.DecimalField(max_digits=14, decimal_places=2, **kwargs)  # type: ignore[arg-type]


class SandboxFlipkartSeller(models.Model):
    """A seller's self-access application: ``application_id``/``application_secret`` (HTTP
    Basic at the token endpoint), the warehouse ``location_id`` and the Shopify sandbox shop
    whose catalog it lists (``shop_domain``, blank when generated). ``token_lifetime`` is the
    ``expires_in`` (seconds) of new tokens; ``faults_remaining`` API calls answer
    ``fault_status`` (429/500/503) on purpose."""

    application_id = models.CharField(max_length=100, unique=True)
    application_secret = models.CharField(max_length=200)
    seller_id = models.CharField(max_length=40)
    name = models.CharField(max_length=200)
    location_id = models.CharField(max_length=40)
    shop_domain = models.CharField(max_length=255, blank=True)
    token_lifetime = models.PositiveIntegerField(default=DEFAULT_TOKEN_SECONDS)
    fault_status = models.PositiveSmallIntegerField(default=0)
    faults_remaining = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.name} ({self.application_id})"


class SandboxFlipkartToken(models.Model):
    """A client-credentials access token (UUID text) of one seller application."""

    seller = models.ForeignKey(SandboxFlipkartSeller, on_delete=models.CASCADE, related_name="+")
    token = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"token {self.token[:8]}… of {self.seller_id}"


class SandboxFlipkartCallCount(models.Model):
    """How many requests reached one endpoint of one seller (``endpoint`` e.g.
    ``shipments.filter``), for tests and the demo."""

    seller = models.ForeignKey(SandboxFlipkartSeller, on_delete=models.CASCADE, related_name="+")
    endpoint = models.CharField(max_length=40)
    count = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["seller", "endpoint"], name="sandbox_fk_calls_uniq")
        ]

    def __str__(self) -> str:
        return f"{self.endpoint}: {self.count}"


class SandboxFlipkartListing(models.Model):
    """A listing of one SKU: ``fsn`` is the Flipkart product id (``product_id`` in Listings
    v3), ``listing_id`` the marketplace listing; ``mrp``/``selling_price`` whole rupees."""

    seller = models.ForeignKey(
        SandboxFlipkartSeller, on_delete=models.CASCADE, related_name="listings"
    )
    sku = models.CharField(max_length=100)
    fsn = models.CharField(max_length=16)
    listing_id = models.CharField(max_length=40)
    title = models.CharField(max_length=255)
    hsn = models.CharField(max_length=10)
    mrp = money_field()
    selling_price = money_field()
    listing_status = models.CharField(max_length=10, default="ACTIVE")
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["seller", "sku"], name="sandbox_fk_listing_sku_uniq")
        ]

    def __str__(self) -> str:
        return self.sku

    @property
    def product_id(self) -> str:
        return self.fsn


class SandboxFlipkartStock(models.Model):
    """Sellable units of a listing at one Flipkart location (``status`` ENABLED/DISABLED)."""

    listing = models.ForeignKey(
        SandboxFlipkartListing, on_delete=models.CASCADE, related_name="stock"
    )
    location_id = models.CharField(max_length=40)
    status = models.CharField(max_length=10, default="ENABLED")
    inventory = models.IntegerField(default=0)
    updated_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["listing", "location_id"], name="sandbox_fk_stock_uniq")
        ]

    def __str__(self) -> str:
        return f"{self.listing_id}@{self.location_id}: {self.inventory}"


class SandboxFlipkartShipment(models.Model):
    """A shipment: items of one order that are packed and handed over together.
    ``updated_at`` is the shipment's ``updatedAt`` (the ``modifiedDate`` filters and sorts on);
    ``order_date`` repeats its order's date for sorting."""

    seller = models.ForeignKey(
        SandboxFlipkartSeller, on_delete=models.CASCADE, related_name="shipments"
    )
    shipment_id = models.CharField(max_length=40, unique=True)
    order_id = models.CharField(max_length=24, db_index=True)
    location_id = models.CharField(max_length=40)
    shipment_type = models.CharField(max_length=10, default="NORMAL")
    order_date = models.DateTimeField()
    dispatch_after_date = models.DateTimeField()
    dispatch_by_date = models.DateTimeField()
    hold = models.BooleanField(default=False)
    mps = models.BooleanField(default=False)
    packaging_policy = models.CharField(max_length=20, default="DEFAULT")
    updated_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["seller", "updated_at", "id"])]

    def __str__(self) -> str:
        return self.shipment_id


class SandboxFlipkartOrderItem(models.Model):
    """An order item inside a shipment, with Flipkart's ``status`` (``OrderItem.StatusEnum``)
    and price components: ``selling_price`` (all units), ``shipping_charge`` and
    ``flipkart_discount``; ``total_price`` and ``customer_price`` are derived."""

    shipment = models.ForeignKey(
        SandboxFlipkartShipment, on_delete=models.CASCADE, related_name="items"
    )
    order_item_id = models.CharField(max_length=24, unique=True)
    order_id = models.CharField(max_length=24, db_index=True)
    listing = models.ForeignKey(
        SandboxFlipkartListing, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    sku = models.CharField(max_length=100)
    fsn = models.CharField(max_length=16)
    listing_code = models.CharField(max_length=40)
    title = models.CharField(max_length=255)
    hsn = models.CharField(max_length=10)
    quantity = models.PositiveIntegerField()
    status = models.CharField(max_length=24)
    payment_type = models.CharField(max_length=10)
    order_date = models.DateTimeField()
    cancellation_date = models.DateTimeField(null=True, blank=True)
    cancellation_reason = models.CharField(max_length=60, blank=True)
    cancellation_sub_reason = models.CharField(max_length=60, blank=True)
    courier_return = models.BooleanField(default=False)
    selling_price = money_field()
    shipping_charge = money_field(default=Decimal("0"))
    flipkart_discount = money_field(default=Decimal("0"))
    service_profile = models.CharField(max_length=20, default="NON_FBF")
    is_replacement = models.BooleanField(default=False)

    def __str__(self) -> str:
        return f"{self.order_item_id} {self.sku} × {self.quantity} ({self.status})"

    @property
    def total_price(self) -> Decimal:
        return self.selling_price + self.shipping_charge

    @property
    def customer_price(self) -> Decimal:
        return self.total_price - self.flipkart_discount


class SandboxFlipkartReturn(models.Model):
    """A return of an order item: ``source`` ``customer_return`` (buyer sends it back) or
    ``courier_return`` (RTO); ``status`` CREATED → COMPLETED or CANCELLED; ``shipment_status``
    the reverse shipment's state (``PICKUP_SCHEDULED``, ``PICKED_UP``, ``IN_TRANSIT``,
    ``DELIVERED``)."""

    seller = models.ForeignKey(
        SandboxFlipkartSeller, on_delete=models.CASCADE, related_name="returns"
    )
    return_id = models.CharField(max_length=24, unique=True)
    order_item = models.ForeignKey(
        SandboxFlipkartOrderItem, on_delete=models.CASCADE, related_name="returns"
    )
    source = models.CharField(max_length=20)
    return_type = models.CharField(max_length=20)
    status = models.CharField(max_length=20)
    shipment_status = models.CharField(max_length=30, blank=True)
    reason = models.CharField(max_length=60)
    sub_reason = models.CharField(max_length=60, blank=True)
    quantity = models.PositiveIntegerField()
    tracking_id = models.CharField(max_length=30)
    courier_name = models.CharField(max_length=60)
    comments = models.CharField(max_length=255, blank=True)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()
    approved_on = models.DateTimeField(null=True, blank=True)
    expected_date = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["seller", "source", "updated_at", "id"])]

    def __str__(self) -> str:
        return f"{self.source} {self.return_id} ({self.status})"
