"""Orders and order items as Amazon.in reports them (Orders API v0, channel-apis.md §2.2)."""

from __future__ import annotations

from decimal import Decimal

from django.db import models

from sandbox.amazon.models.seller import SandboxAmazonSeller


def money_field(**kwargs: object) -> models.DecimalField:
    """A money amount in rupees: ``DecimalField(max_digits=14, decimal_places=2)``."""
    return models.DecimalField(max_digits=14, decimal_places=2, **kwargs)  # type: ignore[arg-type]


class SandboxAmazonOrder(models.Model):
    """An order. ``status`` is an ``OrderStatus`` value (``Pending``, ``Unshipped``,
    ``PartiallyShipped``, ``Shipped``, ``Canceled``…); ``fulfillment_channel`` ``AFN``/``MFN``;
    ``payment_method`` ``COD`` or ``Other``. ``ship_city``/``ship_state``/``ship_postal_code``
    are the non-PII part of the shipping address (what SP-API returns without a Restricted Data
    Token). ``order_total`` is the sum of the items' charges."""

    seller = models.ForeignKey(SandboxAmazonSeller, on_delete=models.CASCADE, related_name="orders")
    amazon_order_id = models.CharField(max_length=19)
    seller_order_id = models.CharField(max_length=40, blank=True)
    purchase_date = models.DateTimeField()
    last_update_date = models.DateTimeField()
    status = models.CharField(max_length=20)
    fulfillment_channel = models.CharField(max_length=3)
    ship_service_level = models.CharField(max_length=40)
    shipment_category = models.CharField(max_length=20)
    payment_method = models.CharField(max_length=5)
    payment_method_details = models.JSONField(default=list)
    order_total = money_field(default=Decimal("0"))
    items_shipped = models.PositiveIntegerField(default=0)
    items_unshipped = models.PositiveIntegerField(default=0)
    is_prime = models.BooleanField(default=False)
    is_business_order = models.BooleanField(default=False)
    is_premium_order = models.BooleanField(default=False)
    earliest_ship_date = models.DateTimeField()
    latest_ship_date = models.DateTimeField()
    earliest_delivery_date = models.DateTimeField()
    latest_delivery_date = models.DateTimeField()
    ship_city = models.CharField(max_length=100)
    ship_state = models.CharField(max_length=100)
    ship_postal_code = models.CharField(max_length=10)
    purchase_order_number = models.CharField(max_length=40, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["seller", "amazon_order_id"], name="sandbox_amazon_order_uniq"
            )
        ]
        indexes = [
            models.Index(fields=["seller", "last_update_date", "amazon_order_id"]),
            models.Index(fields=["seller", "purchase_date", "amazon_order_id"]),
        ]

    def __str__(self) -> str:
        return self.amazon_order_id


class SandboxAmazonOrderItem(models.Model):
    """An order item: ``item_price`` is the line total (unit price × quantity, GST-inclusive),
    ``item_tax`` the GST inside it; ``shipping_discount``/``promotion_discount`` are positive
    amounts taken off. ``promotion_ids`` a list of strings."""

    order = models.ForeignKey(SandboxAmazonOrder, on_delete=models.CASCADE, related_name="items")
    order_item_id = models.CharField(max_length=20)
    position = models.PositiveIntegerField()
    asin = models.CharField(max_length=10)
    seller_sku = models.CharField(max_length=100)
    title = models.CharField(max_length=500)
    quantity_ordered = models.PositiveIntegerField()
    quantity_shipped = models.PositiveIntegerField(default=0)
    item_price = money_field()
    item_tax = money_field()
    shipping_price = money_field(default=Decimal("0"))
    shipping_tax = money_field(default=Decimal("0"))
    shipping_discount = money_field(default=Decimal("0"))
    promotion_discount = money_field(default=Decimal("0"))
    promotion_ids = models.JSONField(default=list)
    is_gift = models.BooleanField(default=False)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return f"{self.seller_sku} × {self.quantity_ordered}"
