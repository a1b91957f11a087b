"""Shipments and their tracking events (issue 20 §2).

A ``Shipment`` is one parcel of one order booked with a courier account (a ``ChannelAccount``
of kind logistics), known by its AWB; its ``status`` is a ``ShipmentStatus`` that only ever
moves forward (``shipments.services.tracking``). Money is rupees (``MoneyField``, Decimal),
weight grams, dimensions centimetres. A ``TrackingEvent`` is one courier scan, with the
courier's raw status, type and code kept as sent; unique on the scan's identity, so a push and
a poll of the same scan are one row.
"""

from __future__ import annotations

from django.db import models

from accounts.fields import MoneyField
from accounts.models import Merchant, MerchantScopedQuerySet
from integrations.dto import NdrReason, PaymentMethod, ShipmentStatus


class Shipment(models.Model):
    """One parcel of ``order`` at courier ``account``: AWB, package, status and charges.

    ``status_at`` is the time of the scan that set ``status`` (the courier's clock), so a late
    scan older than it never moves the shipment; ``last_tracked_at`` is when Sangam last read
    or received its tracking (the poll serves the oldest first). ``attempts`` counts failed
    delivery attempts (NDR scans). Charges (rupees, before GST; ``charges_gst`` is the GST on
    them): ``freight`` forward, ``cod_fee``, ``rto_freight`` for the return leg."""

    merchant = models.ForeignKey(Merchant, on_delete=models.CASCADE, related_name="shipments")
    order = models.ForeignKey("orders.Order", on_delete=models.CASCADE, related_name="shipments")
    account = models.ForeignKey(
        "integrations.ChannelAccount", on_delete=models.PROTECT, related_name="shipments"
    )
    awb = models.CharField("AWB", max_length=64)
    courier_name = models.CharField(max_length=100, blank=True)
    pickup_location = models.CharField(max_length=255, blank=True)
    payment_method = models.CharField(max_length=10, choices=PaymentMethod.CHOICES)
    cod_amount = MoneyField()
    weight_grams = models.PositiveIntegerField(default=0)
    length_cm = models.DecimalField(max_digits=7, decimal_places=1, default=0)
    breadth_cm = models.DecimalField(max_digits=7, decimal_places=1, default=0)
    height_cm = models.DecimalField(max_digits=7, decimal_places=1, default=0)
    status = models.CharField(
        max_length=20, choices=ShipmentStatus.CHOICES, default=ShipmentStatus.CREATED
    )
    status_at = models.DateTimeField(null=True, blank=True)
    ndr_reason = models.CharField(max_length=30, choices=NdrReason.CHOICES, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    expected_delivery_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    rto_started_at = models.DateTimeField(null=True, blank=True)
    freight = MoneyField(null=True, blank=True, default=None)
    cod_fee = MoneyField(null=True, blank=True, default=None)
    rto_freight = MoneyField(null=True, blank=True, default=None)
    charges_gst = MoneyField(null=True, blank=True, default=None)
    label = models.FileField(upload_to="labels/%Y/%m/", blank=True)
    # The store's fulfilment made for this shipment (Shopify ``fulfillmentCreate``): its id
    # once written, and the last error (cleared on success).
    channel_fulfillment_id = models.CharField(max_length=64, blank=True)
    channel_sync_error = models.CharField(max_length=1000, blank=True)
    last_tracked_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = MerchantScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [models.UniqueConstraint(fields=["account", "awb"], name="uniq_shipment_awb")]
        indexes = [models.Index(fields=["account", "status", "last_tracked_at"])]

    def __str__(self) -> str:
        return f"{self.awb} ({self.status})"

    @property
    def is_final(self) -> bool:
        return self.status in ShipmentStatus.FINAL


class TrackingEvent(models.Model):
    """One courier scan of a shipment, as the courier sent it (``raw_*``) and normalized
    (``status``, ``ndr_reason``). ``source`` is ``push`` or ``poll``. Unique on (shipment,
    ``at``, ``raw_type``, ``raw_status``, ``raw_code``): the courier's identity of a scan."""

    shipment = models.ForeignKey(Shipment, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField()
    status = models.CharField(max_length=20, choices=ShipmentStatus.CHOICES)
    raw_status = models.CharField(max_length=100)
    raw_type = models.CharField(max_length=20, blank=True)
    raw_code = models.CharField(max_length=40, blank=True)
    location = models.CharField(max_length=255, blank=True)
    remark = models.CharField(max_length=500, blank=True)
    ndr_reason = models.CharField(max_length=30, choices=NdrReason.CHOICES, blank=True)
    source = models.CharField(max_length=10, default="poll")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["shipment", "at", "raw_type", "raw_status", "raw_code"],
                name="uniq_tracking_scan",
            )
        ]

    def __str__(self) -> str:
        return f"{self.shipment.awb} {self.at:%Y-%m-%d %H:%M} {self.status}"
