"""Listings (one per seller SKU) with the offer price and the quantity for sale."""

from __future__ import annotations

from django.db import models

from sandbox.amazon.models.seller import SandboxAmazonSeller


class SandboxAmazonListing(models.Model):
    """A listings item: ``price`` is the GST-inclusive offer price in rupees (``our_price``
    ``value_with_tax``), ``quantity`` the merchant-fulfilled quantity for sale
    (``fulfillment_availability``, channel code ``DEFAULT``). ``gst_rate`` e.g. ``0.12``
    splits order amounts into ``ItemTax``."""

    seller = models.ForeignKey(
        SandboxAmazonSeller, on_delete=models.CASCADE, related_name="listings"
    )
    sku = models.CharField(max_length=100)
    asin = models.CharField(max_length=10)
    title = models.CharField(max_length=500)
    product_type = models.CharField(max_length=60)
    price = models.DecimalField(max_digits=14, decimal_places=2)
    quantity = models.IntegerField(default=0)
    gst_rate = models.DecimalField(max_digits=4, decimal_places=2)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["seller", "sku"], name="sandbox_amazon_listing_uniq")
        ]

    def __str__(self) -> str:
        return f"{self.sku} ({self.asin})"
