"""Data of the Shopify sandbox: apps, shops, catalog, stock, orders, webhooks, bulk operations.

Primary keys of Shopify resources are the Shopify numeric ids themselves (``BigIntegerField``,
allocated by :func:`integrations.sandbox.ids.allocate_ids`, all > 2^53). Money is
``Decimal`` rupees with two places; timestamps are aware UTC datetimes with whole seconds.
These tables belong to the simulator only; the hub never reads them.
"""

from __future__ import annotations

from decimal import Decimal

from django.db import models


def _money_field(**kwargs: object) -> models.DecimalField:
    return models.DecimalField(max_digits=14, decimal_places=2, **kwargs)  # type: ignore[arg-type]


class SandboxIdSequence(models.Model):
    """Next free Shopify id per resource kind (see :mod:`integrations.sandbox.ids`)."""

    name = models.CharField(max_length=40, primary_key=True)
    next_value = models.BigIntegerField()

    def __str__(self) -> str:
        return f"{self.name} → {self.next_value}"


class SandboxApp(models.Model):
    """A Shopify app (partner app / custom app): ``api_key`` is the OAuth ``client_id`` and
    ``api_secret`` signs OAuth redirects and webhooks (channel-apis.md §1.1, §1.3)."""

    id = models.BigIntegerField(primary_key=True)
    api_key = models.CharField(max_length=100, unique=True)
    api_secret = models.CharField(max_length=200)
    title = models.CharField(max_length=200, default="Sangam")
    created_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.title} ({self.api_key})"


class SandboxShop(models.Model):
    """One ``*.myshopify.com`` store with its GraphQL cost-bucket settings and injected faults.

    ``bucket_size``/``restore_rate`` are points and points per second (legacy defaults
    1000/50, channel-apis.md §1.2). ``faults_5xx``/``faults_429`` count the next GraphQL
    requests that fail on purpose (see ``services.inject_faults``)."""

    id = models.BigIntegerField(primary_key=True)
    domain = models.CharField(max_length=255, unique=True)
    name = models.CharField(max_length=200)
    email = models.EmailField()
    shop_owner = models.CharField(max_length=200)
    phone = models.CharField(max_length=40)
    address1 = models.CharField(max_length=255)
    city = models.CharField(max_length=100)
    province = models.CharField(max_length=100)
    province_code = models.CharField(max_length=10)
    zip = models.CharField(max_length=20)
    currency = models.CharField(max_length=3, default="INR")
    iana_timezone = models.CharField(max_length=64, default="Asia/Kolkata")
    bucket_size = models.PositiveIntegerField(default=1000)
    restore_rate = models.PositiveIntegerField(default=50)
    faults_5xx = models.PositiveIntegerField(default=0)
    faults_429 = models.PositiveIntegerField(default=0)
    next_order_number = models.PositiveIntegerField(default=1001)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    def __str__(self) -> str:
        return self.domain


class SandboxBucket(models.Model):
    """Leaky-bucket state of one (shop, app): ``available`` points at epoch ``refilled_at``."""

    shop = models.ForeignKey(SandboxShop, on_delete=models.CASCADE, related_name="buckets")
    app = models.ForeignKey(SandboxApp, on_delete=models.CASCADE, related_name="buckets")
    available = models.FloatField()
    refilled_at = models.FloatField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["shop", "app"], name="sandbox_bucket_uniq")]

    def __str__(self) -> str:
        return f"bucket {self.shop_id}/{self.app_id}: {self.available:.0f}"


class SandboxAuthCode(models.Model):
    """An OAuth authorization code: single use, expires (channel-apis.md §1.1 step 4)."""

    shop = models.ForeignKey(SandboxShop, on_delete=models.CASCADE)
    app = models.ForeignKey(SandboxApp, on_delete=models.CASCADE)
    code = models.CharField(max_length=64, unique=True)
    scope = models.CharField(max_length=1000)
    online = models.BooleanField(default=False)
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"code for {self.app_id} on {self.shop_id}"


class SandboxAccessToken(models.Model):
    """An Admin API access token (``shpat_…``) of one app on one shop, with its granted scopes.

    Online (per-user) tokens expire; offline ones live until the app is uninstalled."""

    shop = models.ForeignKey(SandboxShop, on_delete=models.CASCADE, related_name="tokens")
    app = models.ForeignKey(SandboxApp, on_delete=models.CASCADE, related_name="tokens")
    token = models.CharField(max_length=64, unique=True)
    scope = models.CharField(max_length=1000)
    online = models.BooleanField(default=False)
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"token {self.token[:10]}… ({self.scope})"


class SandboxLocation(models.Model):
    """A stock location (warehouse) of a shop."""

    id = models.BigIntegerField(primary_key=True)
    shop = models.ForeignKey(SandboxShop, on_delete=models.CASCADE, related_name="locations")
    name = models.CharField(max_length=200)
    address1 = models.CharField(max_length=255)
    city = models.CharField(max_length=100)
    province = models.CharField(max_length=100)
    province_code = models.CharField(max_length=10)
    zip = models.CharField(max_length=20)
    phone = models.CharField(max_length=40, blank=True)
    is_active = models.BooleanField(default=True)
    is_primary = models.BooleanField(default=False)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    def __str__(self) -> str:
        return self.name


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


class SandboxProduct(models.Model):
    """A product. ``option_names`` e.g. ``["Size", "Colour"]``; ``gst_rate`` e.g. ``0.12``
    (GST included in the variant prices); ``tags`` a list of strings."""

    id = models.BigIntegerField(primary_key=True)
    shop = models.ForeignKey(SandboxShop, on_delete=models.CASCADE, related_name="products")
    title = models.CharField(max_length=255)
    handle = models.CharField(max_length=255)
    body_html = models.TextField(blank=True)
    vendor = models.CharField(max_length=200)
    product_type = models.CharField(max_length=200)
    status = models.CharField(max_length=10, default="ACTIVE")
    tags = models.JSONField(default=list)
    option_names = models.JSONField(default=list)
    image_id = models.BigIntegerField()
    gst_rate = models.DecimalField(max_digits=4, decimal_places=2)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()
    published_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["shop", "updated_at", "id"])]

    def __str__(self) -> str:
        return self.title


class SandboxVariant(models.Model):
    """A product variant (one SKU). ``options`` are the values for the product's option names;
    ``price``/``compare_at_price`` are GST-inclusive rupees."""

    id = models.BigIntegerField(primary_key=True)
    shop = models.ForeignKey(SandboxShop, on_delete=models.CASCADE, related_name="variants")
    product = models.ForeignKey(SandboxProduct, on_delete=models.CASCADE, related_name="variants")
    title = models.CharField(max_length=255)
    sku = models.CharField(max_length=100, db_index=True)
    barcode = models.CharField(max_length=20, blank=True)
    price = _money_field()
    compare_at_price = _money_field(null=True, blank=True)
    position = models.PositiveIntegerField()
    options = models.JSONField(default=list)
    grams = models.PositiveIntegerField(default=300)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.sku


class SandboxInventoryItem(models.Model):
    """The stock-keeping record behind a variant (Shopify ``InventoryItem``)."""

    id = models.BigIntegerField(primary_key=True)
    shop = models.ForeignKey(SandboxShop, on_delete=models.CASCADE, related_name="inventory_items")
    variant = models.OneToOneField(
        SandboxVariant, on_delete=models.CASCADE, related_name="inventory_item"
    )
    tracked = models.BooleanField(default=True)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"inventory item {self.id}"


class SandboxInventoryLevel(models.Model):
    """Quantities of one inventory item at one location, by Shopify quantity name.

    ``on_hand`` is derived: available + committed + the unavailable states (reserved, damaged,
    quality_control, safety_stock); ``incoming`` is not on hand (shopify.dev "Inventory
    states")."""

    item = models.ForeignKey(SandboxInventoryItem, on_delete=models.CASCADE, related_name="levels")
    location = models.ForeignKey(SandboxLocation, on_delete=models.CASCADE, related_name="levels")
    available = models.IntegerField(default=0)
    committed = models.IntegerField(default=0)
    incoming = models.IntegerField(default=0)
    reserved = models.IntegerField(default=0)
    damaged = models.IntegerField(default=0)
    quality_control = models.IntegerField(default=0)
    safety_stock = models.IntegerField(default=0)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["item", "location"], name="sandbox_level_uniq")
        ]

    def __str__(self) -> str:
        return f"{self.item_id}@{self.location_id}: {self.available} available"

    @property
    def on_hand(self) -> int:
        return (
            self.available
            + self.committed
            + self.reserved
            + self.damaged
            + self.quality_control
            + self.safety_stock
        )

    def quantity(self, name: str) -> int:
        """The quantity called ``name`` (``available``, ``on_hand``, ``committed``, …)."""
        return self.on_hand if name == "on_hand" else int(getattr(self, name))


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
    subtotal = _money_field()
    total_discounts = _money_field(default=Decimal("0"))
    total_shipping = _money_field(default=Decimal("0"))
    total_tax = _money_field(default=Decimal("0"))
    total_price = _money_field()
    total_refunded = _money_field(default=Decimal("0"))
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
    price = _money_field()
    total_discount = _money_field(default=Decimal("0"))
    tax_lines = models.JSONField(default=list)
    grams = models.PositiveIntegerField(default=300)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return f"{self.sku} × {self.quantity}"

    @property
    def name(self) -> str:
        return f"{self.title} - {self.variant_title}" if self.variant_title else self.title


class SandboxWebhookSubscription(models.Model):
    """A webhook subscription made by one app through ``webhookSubscriptionCreate``.

    ``topic`` is the GraphQL enum (``ORDERS_CREATE``); ``api_version`` the version of the
    request that created it (it decides ``X-Shopify-API-Version`` of deliveries)."""

    id = models.BigIntegerField(primary_key=True)
    shop = models.ForeignKey(SandboxShop, on_delete=models.CASCADE, related_name="subscriptions")
    app = models.ForeignKey(SandboxApp, on_delete=models.CASCADE, related_name="subscriptions")
    topic = models.CharField(max_length=80)
    callback_url = models.URLField(max_length=2000)
    format = models.CharField(max_length=10, default="JSON")
    api_version = models.CharField(max_length=20)
    include_fields = models.JSONField(default=list)
    filter = models.CharField(max_length=1000, blank=True)
    metafield_namespaces = models.JSONField(default=list)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["shop", "app", "topic", "callback_url"], name="sandbox_subscription_uniq"
            )
        ]

    def __str__(self) -> str:
        return f"{self.topic} → {self.callback_url}"


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    DELIVERED = "delivered", "Delivered"
    FAILED = "failed", "Failed (retries exhausted)"


class SandboxWebhookDelivery(models.Model):
    """One event sent to one endpoint, with its attempts (Shopify retries 8 times over ~4 h).

    ``body`` is the exact JSON text that was signed and sent (exact big integers);
    ``event_id`` is shared by every delivery of one event (``X-Shopify-Event-Id``),
    ``webhook_id`` is unique per delivery series (``X-Shopify-Webhook-Id``)."""

    shop = models.ForeignKey(SandboxShop, on_delete=models.CASCADE, related_name="deliveries")
    app = models.ForeignKey(SandboxApp, on_delete=models.CASCADE, related_name="deliveries")
    subscription = models.ForeignKey(
        SandboxWebhookSubscription, on_delete=models.SET_NULL, null=True, blank=True
    )
    topic = models.CharField(max_length=80)
    url = models.URLField(max_length=2000)
    api_version = models.CharField(max_length=20)
    body = models.TextField()
    event_id = models.CharField(max_length=64, db_index=True)
    webhook_id = models.CharField(max_length=64, unique=True)
    triggered_at = models.DateTimeField()
    status = models.CharField(
        max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    attempts = models.PositiveIntegerField(default=0)
    last_status_code = models.PositiveIntegerField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["status", "next_attempt_at"])]

    def __str__(self) -> str:
        return f"{self.topic} → {self.url} ({self.status})"


class SandboxBulkOperation(models.Model):
    """A ``bulkOperationRunQuery`` job; its JSONL result lives in ``VAR_DIR/sandbox/bulk``.

    ``status`` uses the ``BulkOperationStatus`` enum; ``started_at`` doubles as the claim that
    one poll is executing it."""

    id = models.BigIntegerField(primary_key=True)
    shop = models.ForeignKey(SandboxShop, on_delete=models.CASCADE, related_name="bulk_operations")
    app = models.ForeignKey(SandboxApp, on_delete=models.CASCADE, related_name="bulk_operations")
    query = models.TextField()
    status = models.CharField(max_length=12, default="CREATED")
    error_code = models.CharField(max_length=30, blank=True)
    object_count = models.BigIntegerField(default=0)
    root_object_count = models.BigIntegerField(default=0)
    file_size = models.BigIntegerField(null=True, blank=True)
    file_name = models.CharField(max_length=255, blank=True)
    created_at = models.DateTimeField()
    started_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"bulk operation {self.id} ({self.status})"
