"""Catalog and one stock pool: products, variants, warehouses, stock levels, the movement
ledger, and which variant is which listing on which channel."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from accounts.fields import MoneyField
from accounts.models import Merchant, MerchantScopedQuerySet


class Product(models.Model):
    """A merchant's product; channel copies are linked through ``ChannelListing``."""

    merchant = models.ForeignKey(Merchant, on_delete=models.CASCADE, related_name="products")
    title = models.CharField(max_length=500)
    handle = models.CharField(max_length=255, blank=True)
    vendor = models.CharField(max_length=255, blank=True)
    product_type = models.CharField(max_length=255, blank=True)
    status = models.CharField(max_length=40, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = MerchantScopedQuerySet.as_manager()

    class Meta:
        ordering = ["title"]
        constraints = [
            models.UniqueConstraint(
                fields=["merchant", "handle"],
                condition=~Q(handle=""),
                name="uniq_product_handle",
            )
        ]

    def __str__(self) -> str:
        return self.title


class Variant(models.Model):
    """A sellable unit identified by SKU (unique per merchant). ``price`` and ``cost_price``
    in rupees; ``weight_grams`` in grams."""

    merchant = models.ForeignKey(Merchant, on_delete=models.CASCADE, related_name="variants")
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="variants")
    sku = models.CharField(max_length=255)
    barcode = models.CharField(max_length=64, blank=True)
    title = models.CharField(max_length=255, blank=True)
    options = models.JSONField(default=dict, blank=True)
    price = MoneyField()
    compare_at_price = MoneyField(null=True, blank=True, default=None)
    cost_price = MoneyField(null=True, blank=True, default=None)
    weight_grams = models.PositiveIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = MerchantScopedQuerySet.as_manager()

    class Meta:
        ordering = ["sku"]
        constraints = [models.UniqueConstraint(fields=["merchant", "sku"], name="uniq_variant_sku")]

    def __str__(self) -> str:
        return self.sku


class Warehouse(models.Model):
    """A stock location of the merchant. Exactly one default per merchant holds the pool that
    orders reserve from."""

    merchant = models.ForeignKey(Merchant, on_delete=models.CASCADE, related_name="warehouses")
    name = models.CharField(max_length=200)
    code = models.SlugField(max_length=50)
    is_default = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = MerchantScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-is_default", "name"]
        constraints = [
            models.UniqueConstraint(fields=["merchant", "code"], name="uniq_warehouse_code"),
            models.UniqueConstraint(
                fields=["merchant"], condition=Q(is_default=True), name="one_default_warehouse"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class StockLevelQuerySet(MerchantScopedQuerySet):
    merchant_lookup = "warehouse__merchant"


class StockLevel(models.Model):
    """Units of one variant in one warehouse. ``reserved`` are held by open orders;
    available = on_hand − reserved (never below 0). Neither count is ever negative (checked by
    the database). Writes go through ``inventory.services.stock_apply``, which locks rows in pk
    order and appends the ``StockMovement`` that explains each change: summing a level's
    movements gives it back exactly (``stock_rebuild``)."""

    warehouse = models.ForeignKey(Warehouse, on_delete=models.CASCADE, related_name="levels")
    variant = models.ForeignKey(Variant, on_delete=models.CASCADE, related_name="stock_levels")
    on_hand = models.IntegerField(default=0)
    reserved = models.IntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    objects = StockLevelQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["warehouse", "variant"], name="uniq_stock_level"),
            models.CheckConstraint(condition=Q(on_hand__gte=0), name="stock_on_hand_not_negative"),
            models.CheckConstraint(
                condition=Q(reserved__gte=0), name="stock_reserved_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.variant} @ {self.warehouse}: {self.on_hand}/{self.reserved}"

    @property
    def available(self) -> int:
        return max(0, self.on_hand - self.reserved)


class MovementKind(models.TextChoices):
    IMPORT = "import", "Initial import"
    RECEIPT = "receipt", "Receipt"
    RESERVE = "reserve", "Reserved for order"
    RELEASE = "release", "Reservation released"
    SHIP = "ship", "Shipped"
    RESTOCK = "restock", "Return restocked"
    WRITE_OFF = "write_off", "Written off"
    ADJUST = "adjust", "Adjustment"
    DRIFT = "drift", "Drift correction"


class MovementSource(models.TextChoices):
    """Who caused a movement."""

    ORDER = "order", "Order"
    RETURN = "return", "Return"
    USER = "user", "User"
    SYNC = "sync", "Sync"
    CHANNEL = "channel", "Channel"


class StockMovementQuerySet(MerchantScopedQuerySet):
    merchant_lookup = "warehouse__merchant"


class StockMovement(models.Model):
    """Append-only stock ledger: every change of on_hand or reserved, with its reason.

    ``reference`` names the cause, e.g. ``order:123``, ``return:7`` or
    ``shopify-import:<account id>``; ``source`` says who caused it (``MovementSource``) and
    ``created_by`` the person for manual changes."""

    # No warehouse index: the ledger is append-heavy and read by variant or reference.
    warehouse = models.ForeignKey(
        Warehouse, on_delete=models.CASCADE, related_name="movements", db_index=False
    )
    variant = models.ForeignKey(Variant, on_delete=models.CASCADE, related_name="movements")
    kind = models.CharField(max_length=20, choices=MovementKind.choices)
    on_hand_delta = models.IntegerField(default=0)
    reserved_delta = models.IntegerField(default=0)
    reference = models.CharField(max_length=255, blank=True)
    source = models.CharField(max_length=20, choices=MovementSource.choices, blank=True)
    note = models.CharField(max_length=500, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = StockMovementQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["reference"])]

    def __str__(self) -> str:
        return f"{self.kind} {self.variant}: {self.on_hand_delta:+}/{self.reserved_delta:+}"


class ChannelListingQuerySet(MerchantScopedQuerySet):
    merchant_lookup = "account__merchant"


class MatchedBy(models.TextChoices):
    CHANNEL = "channel", "Channel catalog"
    SKU = "sku", "SKU"
    BARCODE = "barcode", "Barcode"
    MANUAL = "manual", "Mapped by staff"


class PushState(models.TextChoices):
    OK = "ok", "Pushed"
    WARNING = "warning", "Pushed with warnings"
    FAILED = "failed", "Failed"
    SKIPPED = "skipped", "Not pushed"
    SUBMITTED = "submitted", "Submitted, awaiting the channel"


class ChannelListing(models.Model):
    """Which variant is which listing on which channel account, with per-listing buffer stock
    and the state of the stock push.

    Channel handles: ``external_variant_id`` is the channel's key for the listing (Shopify
    variant id, Amazon seller SKU, Flipkart listing id, the file channel's SKU);
    ``external_inventory_item_id`` the Shopify inventory item; ``external_product_id`` the
    Shopify product, ASIN or FSN; ``external_location_id`` where stock is set (Shopify location,
    Flipkart location id). ``variant`` is null while the listing is unmatched (staff map it).

    Push state: ``push_pending`` marks a listing whose available-to-sell changed since the last
    push (the push task coalesces them); ``last_pushed_quantity``/``last_pushed_at`` what Sangam
    last set; ``channel_quantity`` the last quantity known to be on the channel (Shopify's
    compare quantity); failures back off through ``push_attempts``/``next_push_at``.
    ``held_elsewhere`` is what the channel offers of the item at its other locations (units, the
    sum of their positive ``available`` in ``ChannelInventoryLevel``): the pool was taken from
    every location (``inventory_levels_import``), so the push location gets available-to-sell
    less those units and the channel as a whole never offers more than the pool holds
    (``quantity_to_offer``).
    ``push_submission_id`` is set while a bulk push (an Amazon feed) is being processed by the
    channel; the listing is not pushed again until its outcome is recorded, so an older feed
    can never land after a newer value.

    Channel ledger (Shopify, ``channel_stock.services.levels``): ``channel_base_quantity``
    is what the channel held at ``channel_base_at`` (an exact observation: a set's
    ``quantityAfterChange`` or a read taken while no push was in flight);
    ``channel_set_delta`` sums the deltas our own sets applied since then (units, as the
    channel reported them); ``channel_foreign_units`` sums the changes made outside Sangam
    (admin edits, other apps) already taken in or overwritten since then. All null/0 until a
    baseline is taken.
    """

    account = models.ForeignKey(
        "integrations.ChannelAccount", on_delete=models.CASCADE, related_name="listings"
    )
    variant = models.ForeignKey(
        Variant, null=True, blank=True, on_delete=models.SET_NULL, related_name="listings"
    )
    matched_by = models.CharField(max_length=20, choices=MatchedBy.choices, blank=True)
    external_product_id = models.CharField(max_length=255, blank=True)
    external_variant_id = models.CharField(max_length=255)
    external_inventory_item_id = models.CharField(max_length=255, blank=True)
    external_location_id = models.CharField(max_length=255, blank=True)
    channel_sku = models.CharField(max_length=255, blank=True)
    barcode = models.CharField(max_length=64, blank=True)
    title = models.CharField(max_length=500, blank=True)
    buffer_stock = models.PositiveIntegerField(default=0)
    held_elsewhere = models.PositiveIntegerField(default=0)
    push_pending = models.BooleanField(default=False)
    last_pushed_quantity = models.IntegerField(null=True, blank=True)
    last_pushed_at = models.DateTimeField(null=True, blank=True)
    last_push_status = models.CharField(max_length=20, choices=PushState.choices, blank=True)
    last_push_message = models.CharField(max_length=1000, blank=True)
    push_attempts = models.PositiveIntegerField(default=0)
    next_push_at = models.DateTimeField(null=True, blank=True)
    channel_quantity = models.IntegerField(null=True, blank=True)
    push_submission_id = models.CharField(max_length=255, blank=True)
    channel_base_quantity = models.IntegerField(null=True, blank=True)
    channel_base_at = models.DateTimeField(null=True, blank=True)
    channel_set_delta = models.IntegerField(default=0)
    channel_foreign_units = models.IntegerField(default=0)
    last_pushed_price = MoneyField(null=True, blank=True, default=None)
    source_updated_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ChannelListingQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["account", "external_variant_id"], name="uniq_listing_variant"
            )
        ]
        indexes = [
            models.Index(fields=["account", "external_inventory_item_id"]),
            models.Index(fields=["account", "channel_sku"]),
            models.Index(
                fields=["account"], condition=Q(push_pending=True), name="listing_push_pending"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.account} {self.channel_sku or self.external_variant_id}"

    def quantity_to_offer(self, *, on_hand: int, reserved: int) -> int:
        """Units to set at the listing's location from the pool's ``on_hand`` and ``reserved``:
        available-to-sell less the buffer and less what the channel offers at its other
        locations (``held_elsewhere``), never below 0."""
        return max(0, on_hand - reserved - self.buffer_stock - self.held_elsewhere)


class StockPushQuerySet(MerchantScopedQuerySet):
    merchant_lookup = "listing__account__merchant"


class StockPush(models.Model):
    """Push history: one row per listing per push attempt (what was set, what the channel
    said). ``quantity`` in units; ``submission_id`` the channel's id (Amazon feed/submission)."""

    listing = models.ForeignKey(ChannelListing, on_delete=models.CASCADE, related_name="pushes")
    quantity = models.IntegerField()
    status = models.CharField(max_length=20, choices=PushState.choices)
    message = models.CharField(max_length=1000, blank=True)
    submission_id = models.CharField(max_length=255, blank=True)
    reason = models.CharField(max_length=40, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = StockPushQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["listing", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.listing} ← {self.quantity} ({self.status})"


class DriftEventQuerySet(MerchantScopedQuerySet):
    merchant_lookup = "account__merchant"


class DriftEvent(models.Model):
    """A listing whose channel quantity differed from Sangam's (the drift check): ``expected``
    is what Sangam last pushed, ``available_to_sell`` what it should be now, ``found`` what the
    channel held (null: the channel no longer has the listing); ``corrected`` whether the push
    that set it back succeeded."""

    account = models.ForeignKey(
        "integrations.ChannelAccount", on_delete=models.CASCADE, related_name="drift_events"
    )
    listing = models.ForeignKey(
        ChannelListing, on_delete=models.CASCADE, related_name="drift_events"
    )
    sku = models.CharField(max_length=255)
    expected = models.IntegerField(null=True, blank=True)
    available_to_sell = models.IntegerField()
    found = models.IntegerField(null=True, blank=True)
    corrected = models.BooleanField(default=False)
    message = models.CharField(max_length=1000, blank=True)
    detected_at = models.DateTimeField(auto_now_add=True)

    objects = DriftEventQuerySet.as_manager()

    class Meta:
        ordering = ["-detected_at", "-pk"]
        indexes = [models.Index(fields=["account", "-detected_at"])]

    def __str__(self) -> str:
        return f"{self.sku}: expected {self.expected}, found {self.found}"


class ChannelInventoryLevelQuerySet(MerchantScopedQuerySet):
    merchant_lookup = "account__merchant"


class ChannelInventoryLevel(models.Model):
    """What the channel reports for one inventory item at one of its locations (units).
    ``source_updated_at`` orders updates: an older webhook never overwrites a newer level."""

    account = models.ForeignKey(
        "integrations.ChannelAccount", on_delete=models.CASCADE, related_name="inventory_levels"
    )
    listing = models.ForeignKey(
        ChannelListing, null=True, blank=True, on_delete=models.SET_NULL, related_name="levels"
    )
    external_inventory_item_id = models.CharField(max_length=255)
    external_location_id = models.CharField(max_length=255)
    available = models.IntegerField(null=True, blank=True)
    on_hand = models.IntegerField(null=True, blank=True)
    committed = models.IntegerField(null=True, blank=True)
    source_updated_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ChannelInventoryLevelQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["account", "external_inventory_item_id", "external_location_id"],
                name="uniq_channel_level",
            )
        ]

    def __str__(self) -> str:
        return f"{self.external_inventory_item_id}@{self.external_location_id}: {self.available}"
