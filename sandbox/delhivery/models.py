"""Data of the Delhivery sandbox (channel-apis.md §5.1, logistics-finance-notes.md §1).

A *client* is a Delhivery B2C account: its registered name (the ``client`` of create answers
and the first path segment of its sandbox root), a static API token and the scan-push URL that
Delhivery registers through a support form (here an admin/seed field). A *shipment* keeps what
``create.json`` was given; its *scans* are its whole journey, generated at creation on the
sandbox clock (:mod:`.journeys`): a scan is visible to tracking, and pushed, once its time has
come. These tables belong to the simulator only; the hub never reads them.
"""

from __future__ import annotations

from django.db import models


def money_field(**kwargs: object) -> models.DecimalField:
    """Rupees with two places."""
    return models.DecimalField(max_digits=12, decimal_places=2, **kwargs)  # type: ignore[arg-type]


class SandboxDelhiveryClient(models.Model):
    """A Delhivery account: ``name`` (registered client name), static ``token``
    (``Authorization: Token <token>``, no expiry), ``warehouse`` (the registered pickup
    location's name, checked against ``pickup_location.name``) and its pin, and ``push_url``
    where scans are pushed (blank: no push registered)."""

    name = models.CharField(max_length=100, unique=True)
    token = models.CharField(max_length=64, unique=True)
    warehouse = models.CharField(max_length=100)
    warehouse_pin = models.CharField(max_length=6)
    push_url = models.URLField(max_length=500, blank=True)
    created_at = models.DateTimeField()

    def __str__(self) -> str:
        return self.name


class SandboxDelhiveryClock(models.Model):
    """The one row holding how far ``manage.py sandbox_delhivery_simulate`` moved Delhivery's
    time ahead of the kernel clock (seconds), shared by every process serving the sandbox."""

    offset_seconds = models.FloatField(default=0.0)

    def __str__(self) -> str:
        return f"+{self.offset_seconds:.0f}s"


class SandboxDelhiveryShipment(models.Model):
    """One waybill as created: consignee, order, payment, amounts, weight (grams) and the
    pickup warehouse; ``cancelled_at`` when ``/api/p/edit`` cancelled it."""

    client = models.ForeignKey(
        SandboxDelhiveryClient, on_delete=models.CASCADE, related_name="shipments"
    )
    waybill = models.CharField(max_length=20, unique=True)
    upload_wbn = models.CharField(max_length=40)
    order = models.CharField(max_length=50)
    payment_mode = models.CharField(max_length=10)
    cod_amount = money_field(default=0)
    total_amount = money_field(default=0)
    products_desc = models.CharField(max_length=500, blank=True)
    quantity = models.CharField(max_length=10, default="1")
    weight_grams = models.PositiveIntegerField(default=500)
    shipping_mode = models.CharField(max_length=10, default="Surface")
    name = models.CharField(max_length=200)
    address = models.TextField(blank=True)
    city = models.CharField(max_length=100, blank=True)
    state = models.CharField(max_length=100, blank=True)
    pin = models.CharField(max_length=6)
    phone = models.CharField(max_length=40, blank=True)
    country = models.CharField(max_length=40, default="India")
    origin_pin = models.CharField(max_length=6)
    sort_code = models.CharField(max_length=20)
    outcome = models.CharField(max_length=20)
    created_at = models.DateTimeField()
    cancelled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["client", "order"], name="sandbox_dlv_client_order")]

    def __str__(self) -> str:
        return self.waybill


class PushState(models.TextChoices):
    PENDING = "pending"
    DELIVERED = "delivered"
    FAILED = "failed"
    DROPPED = "dropped"
    NONE = "none"


class SandboxDelhiveryScan(models.Model):
    """One scan of a journey (``ScanDetail`` of tracking, ``Status`` of the push): ``at`` is
    its sandbox time (UTC, with milliseconds), ``seq`` its order. ``push_state`` tracks the
    push: pending until due, then delivered, failed (after the one retry) or dropped."""

    shipment = models.ForeignKey(
        SandboxDelhiveryShipment, on_delete=models.CASCADE, related_name="scans"
    )
    seq = models.PositiveIntegerField()
    at = models.DateTimeField(db_index=True)
    scan_type = models.CharField(max_length=4)
    scan = models.CharField(max_length=30)
    status_code = models.CharField(max_length=20)
    location = models.CharField(max_length=120)
    instructions = models.CharField(max_length=200)
    push_state = models.CharField(
        max_length=10, choices=PushState.choices, default=PushState.PENDING
    )
    push_attempts = models.PositiveSmallIntegerField(default=0)
    push_status_code = models.PositiveSmallIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["shipment_id", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["shipment", "seq"], name="sandbox_dlv_scan_seq_uniq")
        ]

    def __str__(self) -> str:
        return f"{self.shipment_id}#{self.seq} {self.scan_type} {self.scan}"


class SandboxDelhiveryUpload(models.Model):
    """An NDR action upload (``POST /api/p/update``): its ``UPL…`` id and per-waybill
    results, read back by ``GET /api/cmu/get_bulk_upl/<UPL>``."""

    client = models.ForeignKey(SandboxDelhiveryClient, on_delete=models.CASCADE, related_name="+")
    upl = models.CharField(max_length=40, unique=True)
    results = models.JSONField(default=list)
    created_at = models.DateTimeField()

    def __str__(self) -> str:
        return self.upl


class SandboxDelhiveryRateWindow(models.Model):
    """Requests of one client IP to one limited API in one fixed window (``window`` = start
    second of the window on the Delhivery clock)."""

    ip = models.CharField(max_length=64)
    api = models.CharField(max_length=20)
    window = models.BigIntegerField()
    count = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["ip", "api", "window"], name="sandbox_dlv_rate_window_uniq"
            )
        ]

    def __str__(self) -> str:
        return f"{self.ip} {self.api}@{self.window}: {self.count}"
