"""Catalog and one stock pool: products, variants, warehouses, stock levels, the movement
ledger, and which variant is which listing on which channel."""

from __future__ import annotations

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
    available = on_hand − reserved (never below 0). Writes lock rows in pk order."""

    warehouse = models.ForeignKey(Warehouse, on_delete=models.CASCADE, related_name="levels")
    variant = models.ForeignKey(Variant, on_delete=models.CASCADE, related_name="stock_levels")
    on_hand = models.IntegerField(default=0)
    reserved = models.IntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    objects = StockLevelQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["warehouse", "variant"], name="uniq_stock_level")
        ]

    def __str__(self) -> str:
        return f"{self.variant} @ {self.warehouse}: {self.on_hand}/{self.reserved}"

    @property
    def available(self) -> int:
        return max(0, self.on_hand - self.reserved)


class MovementKind(models.TextChoices):
    IMPORT = "import", "Initial import"
    RESERVE = "reserve", "Reserved for order"
    RELEASE = "release", "Reservation released"
    SHIP = "ship", "Shipped"
    ADJUST = "adjust", "Adjustment"


class StockMovementQuerySet(MerchantScopedQuerySet):
    merchant_lookup = "warehouse__merchant"


class StockMovement(models.Model):
    """Append-only stock ledger: every change of on_hand or reserved, with its reason.

    ``reference`` names the cause, e.g. ``order:123`` or ``shopify-import:<account id>``."""

    # No warehouse index: the ledger is append-heavy and read by variant or reference.
    warehouse = models.ForeignKey(
        Warehouse, on_delete=models.CASCADE, related_name="movements", db_index=False
    )
    variant = models.ForeignKey(Variant, on_delete=models.CASCADE, related_name="movements")
    kind = models.CharField(max_length=20, choices=MovementKind.choices)
    on_hand_delta = models.IntegerField(default=0)
    reserved_delta = models.IntegerField(default=0)
    reference = models.CharField(max_length=255, blank=True)
    note = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = StockMovementQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["reference"])]

    def __str__(self) -> str:
        return f"{self.kind} {self.variant}: {self.on_hand_delta:+}/{self.reserved_delta:+}"


class ChannelListingQuerySet(MerchantScopedQuerySet):
    merchant_lookup = "account__merchant"


class ChannelListing(models.Model):
    """Which variant is which listing on which channel account (Shopify variant + inventory
    item), with per-channel buffer stock and what was last pushed."""

    account = models.ForeignKey(
        "integrations.ChannelAccount", on_delete=models.CASCADE, related_name="listings"
    )
    variant = models.ForeignKey(Variant, on_delete=models.CASCADE, related_name="listings")
    external_product_id = models.CharField(max_length=255, blank=True)
    external_variant_id = models.CharField(max_length=255)
    external_inventory_item_id = models.CharField(max_length=255, blank=True)
    channel_sku = models.CharField(max_length=255, blank=True)
    buffer_stock = models.PositiveIntegerField(default=0)
    last_pushed_quantity = models.IntegerField(null=True, blank=True)
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
        indexes = [models.Index(fields=["account", "external_inventory_item_id"])]

    def __str__(self) -> str:
        return f"{self.account} {self.channel_sku or self.external_variant_id}"


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
