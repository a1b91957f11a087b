"""Data of the Shiprocket sandbox (logistics-finance-notes.md §1; shapes in
``integrations/connectors/shiprocket/mapping.py`` and ``docs/providers/shiprocket.md``).

A *user* is a Shiprocket API user (email + password, Settings → API), with its pickup address
and the webhook URL and token set in Shiprocket's panel (here the admin or the seed command).
Logins issue JWT-looking *tokens* valid 240 hours. An *order* is an adhoc order and its one
shipment (Shiprocket's ``order_id`` and ``shipment_id``), its AWB once assigned; its *scans*
are the whole journey, generated when the pickup is requested (:mod:`.journeys`): a scan is
visible to tracking, and sent as a webhook, once its time has come on the sandbox clock.
These tables belong to the simulator only; the hub never reads them.
"""

from __future__ import annotations

from django.db import models


def money_field(**kwargs: object) -> models.DecimalField:
    """Rupees with two places."""
    return models.DecimalField(max_digits=12, decimal_places=2, **kwargs)  # type: ignore[arg-type]


class SandboxShiprocketUser(models.Model):
    """An API user: ``email``/``password`` for ``/auth/login``, ``company_id``, the pickup
    address's nickname and pincode, and the webhook ``webhook_url`` with its optional token
    (sent as ``x-api-key``)."""

    email = models.CharField(max_length=200, unique=True)
    password = models.CharField(max_length=128)
    company_id = models.PositiveIntegerField()
    pickup_location = models.CharField(max_length=100)
    pickup_postcode = models.CharField(max_length=6)
    webhook_url = models.URLField(max_length=500, blank=True)
    webhook_token = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField()

    def __str__(self) -> str:
        return self.email


class SandboxShiprocketToken(models.Model):
    """A login's JWT-looking token and its expiry (issued + 240 h)."""

    user = models.ForeignKey(SandboxShiprocketUser, on_delete=models.CASCADE, related_name="+")
    token = models.CharField(max_length=600, unique=True)
    issued_at = models.DateTimeField()
    expires_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.user_id} until {self.expires_at:%Y-%m-%d %H:%M}"


class SandboxShiprocketClock(models.Model):
    """How far ``manage.py sandbox_shiprocket_simulate`` moved Shiprocket's time ahead of the
    kernel clock (seconds); one row shared by every process serving the sandbox."""

    offset_seconds = models.FloatField(default=0.0)

    def __str__(self) -> str:
        return f"+{self.offset_seconds:.0f}s"


class SandboxShiprocketOrder(models.Model):
    """An adhoc order with its shipment: Shiprocket's ids, the seller's ``channel_order_id``,
    consignee, payment (``sub_total`` is what a COD courier collects), parcel (kg, cm), the
    AWB and courier once assigned, the planned ``outcome`` (delivered, ndr_delivered, rto,
    lost) and its failed ``planned_attempts``."""

    user = models.ForeignKey(SandboxShiprocketUser, on_delete=models.CASCADE, related_name="orders")
    order_id = models.BigIntegerField(unique=True)
    shipment_id = models.BigIntegerField(unique=True)
    channel_order_id = models.CharField(max_length=50)
    payment_method = models.CharField(max_length=10)
    sub_total = money_field(default=0)
    name = models.CharField(max_length=200)
    address = models.TextField(blank=True)
    city = models.CharField(max_length=100, blank=True)
    state = models.CharField(max_length=100, blank=True)
    pincode = models.CharField(max_length=6)
    phone = models.CharField(max_length=20, blank=True)
    weight_kg = models.DecimalField(max_digits=8, decimal_places=3, default=0)
    length_cm = models.DecimalField(max_digits=7, decimal_places=1, default=0)
    breadth_cm = models.DecimalField(max_digits=7, decimal_places=1, default=0)
    height_cm = models.DecimalField(max_digits=7, decimal_places=1, default=0)
    pickup_postcode = models.CharField(max_length=6)
    awb = models.CharField(max_length=20, null=True, blank=True, unique=True)
    courier_id = models.PositiveIntegerField(null=True, blank=True)
    courier_name = models.CharField(max_length=100, blank=True)
    outcome = models.CharField(max_length=20, blank=True)
    planned_attempts = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField()
    awb_assigned_at = models.DateTimeField(null=True, blank=True)
    pickup_requested_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["user", "channel_order_id"], name="sandbox_sr_user_order")]

    def __str__(self) -> str:
        return f"{self.order_id} ({self.awb or 'no AWB'})"


class PushState(models.TextChoices):
    PENDING = "pending"
    DELIVERED = "delivered"
    FAILED = "failed"
    NONE = "none"


class SandboxShiprocketScan(models.Model):
    """One scan: its sandbox time, Shiprocket's ``sr_status`` id and ``label``, the courier's
    own ``code`` and ``activity``, and the webhook's delivery state."""

    order = models.ForeignKey(
        SandboxShiprocketOrder, on_delete=models.CASCADE, related_name="scans"
    )
    seq = models.PositiveIntegerField()
    at = models.DateTimeField(db_index=True)
    sr_status = models.PositiveSmallIntegerField()
    label = models.CharField(max_length=60)
    code = models.CharField(max_length=20)
    activity = models.CharField(max_length=200)
    location = models.CharField(max_length=120)
    push_state = models.CharField(
        max_length=10, choices=PushState.choices, default=PushState.PENDING
    )
    push_status_code = models.PositiveSmallIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["order_id", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["order", "seq"], name="sandbox_sr_scan_seq_uniq")
        ]

    def __str__(self) -> str:
        return f"{self.order_id}#{self.seq} {self.sr_status} {self.label}"


class SandboxShiprocketNdrAction(models.Model):
    """An action taken through ``POST /ndr/<awb>/action``."""

    order = models.ForeignKey(
        SandboxShiprocketOrder, on_delete=models.CASCADE, related_name="ndr_actions"
    )
    action = models.CharField(max_length=20)
    comments = models.CharField(max_length=500, blank=True)
    at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.order_id} {self.action}"


class SandboxShiprocketRateWindow(models.Model):
    """Requests of one API user (or IP, for logins) to one API in one fixed window."""

    key = models.CharField(max_length=200)
    api = models.CharField(max_length=20)
    window = models.BigIntegerField()
    count = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["key", "api", "window"], name="sandbox_sr_rate_uniq")
        ]

    def __str__(self) -> str:
        return f"{self.key} {self.api}@{self.window}: {self.count}"
