"""Locations, products, variants, inventory items and inventory levels of a shop."""

from __future__ import annotations

from django.db import models

from sandbox.shopify.models.store import SandboxShop


def money_field(**kwargs: object) -> models.DecimalField:
    """A money amount: ``DecimalField(max_digits=14, decimal_places=2)`` (rupees)."""
    return models.DecimalField(max_digits=14, decimal_places=2, **kwargs)  # type: ignore[arg-type]


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
    price = money_field()
    compare_at_price = money_field(null=True, blank=True)
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
