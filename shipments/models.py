"""Shipments and their tracking events (issue 20 §2).

A ``Shipment`` is one parcel of one order booked with a courier account (a ``ChannelAccount``
of kind logistics), known by its AWB; its ``status`` is a ``ShipmentStatus`` that only ever
moves forward (``shipments.services.tracking``). Money is rupees (``MoneyField``, Decimal),
weight grams, dimensions centimetres. A ``TrackingEvent`` is one courier scan, with the
courier's raw status, type and code kept as sent; unique on the scan's identity, so a push and
a poll of the same scan are one row.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models

from accounts.fields import MoneyField
from accounts.models import Merchant, MerchantScopedQuerySet
from integrations.dto import NdrAction, NdrReason, PaymentMethod, ShipmentStatus


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
    # The last delivery status written to that fulfilment (a ``FulfillmentEventStatus``,
    # ``shipments.services.fulfilment.shipment_fulfilment_event``), so none is sent twice.
    channel_event_status = models.CharField(max_length=30, blank=True)
    last_tracked_at = models.DateTimeField(null=True, blank=True)
    # A failed attempt whose reason does not fit the scans (``shipments.services.ndr``): kept
    # for a dispute with the courier; the reason says which fact contradicts it.
    false_ndr = models.BooleanField("possible false NDR", default=False)
    false_ndr_reason = models.CharField(max_length=255, blank=True)
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


class NdrRule(models.Model):
    """An automatic answer to a failed delivery attempt (issue 20 §2, NDR): when a shipment
    enters NDR, the merchant's active rules are tried in ``priority`` order (lowest first) and
    the first whose conditions all hold decides ``action`` (``NdrAction``: re-attempt, RTO, or
    wait for a person). An empty condition matches anything. Conditions: ``ndr_reasons``
    (``NdrReason`` values), ``payment_method``, attempts so far (``min_attempts``/
    ``max_attempts``), ``courier_account``, the order value in rupees (``min_order_value``/
    ``max_order_value``, inclusive), and the customer's history: at most ``max_customer_rtos``
    earlier RTOs and at least ``min_customer_deliveries`` earlier deliveries (same phone or
    e-mail). An action the courier would refuse (``Connector.ndr_action_check``) is not sent;
    the shipment then waits in the queue with the reason."""

    merchant = models.ForeignKey(Merchant, on_delete=models.CASCADE, related_name="ndr_rules")
    name = models.CharField(max_length=100)
    priority = models.PositiveIntegerField(default=100)
    active = models.BooleanField(default=True)
    ndr_reasons = models.JSONField(default=list, blank=True)
    payment_method = models.CharField(max_length=10, choices=PaymentMethod.CHOICES, blank=True)
    min_attempts = models.PositiveSmallIntegerField(null=True, blank=True)
    max_attempts = models.PositiveSmallIntegerField(null=True, blank=True)
    courier_account = models.ForeignKey(
        "integrations.ChannelAccount",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
    )
    min_order_value = MoneyField(null=True, blank=True, default=None)
    max_order_value = MoneyField(null=True, blank=True, default=None)
    max_customer_rtos = models.PositiveSmallIntegerField(null=True, blank=True)
    min_customer_deliveries = models.PositiveSmallIntegerField(null=True, blank=True)
    action = models.CharField(max_length=10, choices=NdrAction.CHOICES)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = MerchantScopedQuerySet.as_manager()

    class Meta:
        ordering = ["merchant", "priority", "pk"]

    def __str__(self) -> str:
        return f"{self.priority}: {self.name} → {self.action}"

    def clean(self) -> None:
        """Reasons must be ``NdrReason`` values; each min at most its max; the courier account
        the merchant's. Raises ``ValidationError`` naming the field."""
        errors = {}
        known = {value for value, _ in NdrReason.CHOICES}
        reasons = self.ndr_reasons if isinstance(self.ndr_reasons, list) else None
        if reasons is None or any(r not in known for r in reasons):
            errors["ndr_reasons"] = f"A list of reasons among: {', '.join(sorted(known))}."
        for low, high in (
            ("min_attempts", "max_attempts"),
            ("min_order_value", "max_order_value"),
        ):
            a, b = getattr(self, low), getattr(self, high)
            if a is not None and b is not None and a > b:
                errors[high] = f"Must be at least {low.replace('_', ' ')}."
        if (
            self.courier_account_id
            and self.merchant_id
            and self.courier_account.merchant_id != self.merchant_id
        ):
            errors["courier_account"] = "Not one of this merchant's accounts."
        if errors:
            raise ValidationError(errors)


class NdrActionRequest(models.Model):
    """One NDR action asked of the courier for ``shipment`` (by a person, the API or an
    ``NdrRule``). Its life: ``held`` until ``send_after`` (Delhivery takes re-attempts after
    21:00 IST) → ``sent`` → ``accepted`` or ``refused`` (the courier's reason in ``error``);
    ``failed`` when the call itself failed (retried by the next send); ``superseded`` when the
    shipment moved on before it was sent. ``courier_reference`` is the courier's id of the
    request (Delhivery's UPL id); ``attempt`` the shipment's failed attempts when it was
    asked, so one attempt gets one action."""

    HELD, SENT, ACCEPTED, REFUSED, FAILED, SUPERSEDED = (
        "held",
        "sent",
        "accepted",
        "refused",
        "failed",
        "superseded",
    )
    STATUS_CHOICES = (
        (HELD, "Held until the courier takes it"),
        (SENT, "Sent"),
        (ACCEPTED, "Accepted by the courier"),
        (REFUSED, "Refused by the courier"),
        (FAILED, "Sending failed"),
        (SUPERSEDED, "Superseded"),
    )
    OPEN = frozenset({HELD, SENT, FAILED})  # not settled yet
    TAKEN = OPEN | {ACCEPTED}  # the attempt has its action: no second one

    shipment = models.ForeignKey(Shipment, on_delete=models.CASCADE, related_name="ndr_actions")
    action = models.CharField(max_length=10, choices=NdrAction.CHOICES)
    attempt = models.PositiveSmallIntegerField(default=0)
    reattempt_on = models.DateField(null=True, blank=True)
    phone = models.CharField(max_length=20, blank=True)
    address = models.CharField(max_length=500, blank=True)
    remark = models.CharField(max_length=255, blank=True)
    status = models.CharField(max_length=12, choices=STATUS_CHOICES, default=HELD)
    send_after = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    courier_reference = models.CharField(max_length=64, blank=True)
    error = models.CharField(max_length=500, blank=True)
    rule = models.ForeignKey(NdrRule, on_delete=models.SET_NULL, null=True, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["status", "send_after"])]

    def __str__(self) -> str:
        return f"{self.shipment.awb} {self.action} ({self.status})"


class CourierRule(models.Model):
    """Which courier books a merchant's order (issue 20 §2 "courier rules"): the merchant's
    active rules are tried by ``priority`` (lowest first, then pk) and the first whose every
    set condition holds wins (``shipments.services.rules``). An empty condition matches
    everything, so a rule with none is the merchant's default.

    Conditions: ``payment_method`` (``PaymentMethod``), ``pincodes`` (6-digit pincodes or
    shorter prefixes, separated by commas, spaces or new lines: ``"110, 400001"`` matches
    every Delhi pincode and 400001), ``states`` (ship-to state names, case-insensitive,
    separated by commas or new lines), the package weight in grams (``min_weight_grams`` ≤ w
    ≤ ``max_weight_grams``), the order total in rupees (``min_order_value`` ≤ total ≤
    ``max_order_value``) and ``max_risk_score`` (the order's RTO risk score, 0–100, at most
    this; ``OrderRtoRisk``). Action: book with ``account`` (one of the merchant's courier
    accounts), asking it for ``courier_hint`` (an aggregator's courier, e.g. a Shiprocket
    courier id) when set."""

    merchant = models.ForeignKey(Merchant, on_delete=models.CASCADE, related_name="courier_rules")
    name = models.CharField(max_length=100)
    priority = models.PositiveIntegerField(
        default=100, help_text="Rules are tried lowest first; the first that matches wins."
    )
    active = models.BooleanField(default=True)
    payment_method = models.CharField(
        max_length=20, choices=PaymentMethod.CHOICES, blank=True, help_text="Empty: any."
    )
    pincodes = models.TextField(
        blank=True,
        help_text="Pincodes or prefixes (e.g. 110 for Delhi), separated by commas, spaces or "
        "lines. Empty: any.",
    )
    states = models.TextField(
        blank=True, help_text="Ship-to states, separated by commas or lines. Empty: any."
    )
    min_weight_grams = models.PositiveIntegerField(null=True, blank=True)
    max_weight_grams = models.PositiveIntegerField(null=True, blank=True)
    min_order_value = MoneyField(null=True, blank=True, default=None)
    max_order_value = MoneyField(null=True, blank=True, default=None)
    max_risk_score = models.PositiveSmallIntegerField(
        "max RTO risk score",
        null=True,
        blank=True,
        help_text="Matches orders whose RTO risk score (0–100) is at most this.",
    )
    account = models.ForeignKey(
        "integrations.ChannelAccount",
        on_delete=models.CASCADE,
        related_name="courier_rules",
        verbose_name="courier account",
    )
    courier_hint = models.CharField(
        max_length=50,
        blank=True,
        help_text="The aggregator's courier to ask for (e.g. a "
        "Shiprocket courier id). Empty: the courier decides.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = MerchantScopedQuerySet.as_manager()

    class Meta:
        ordering = ["merchant", "priority", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(min_weight_grams__isnull=True)
                | models.Q(max_weight_grams__isnull=True)
                | models.Q(min_weight_grams__lte=models.F("max_weight_grams")),
                name="courier_rule_weight_range",
            ),
            models.CheckConstraint(
                condition=models.Q(min_order_value__isnull=True)
                | models.Q(max_order_value__isnull=True)
                | models.Q(min_order_value__lte=models.F("max_order_value")),
                name="courier_rule_value_range",
            ),
            models.CheckConstraint(
                condition=models.Q(max_risk_score__isnull=True) | models.Q(max_risk_score__lte=100),
                name="courier_rule_risk_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.priority}. {self.name}"

    @property
    def pincode_list(self) -> list[str]:
        return [p for p in self.pincodes.replace(",", " ").split() if p]

    @property
    def state_list(self) -> list[str]:
        parts = self.states.replace("\n", ",").split(",")
        return [s.strip().casefold() for s in parts if s.strip()]


class OrderRtoRisk(models.Model):
    """The RTO risk of a COD order (``shipments.services.risk``): ``score`` 0–100, the
    estimated chance in percent that the parcel comes back undelivered, from the merchant's
    own shipment history. ``factors`` is the explanation, a list of ``{"factor", "value",
    "shipments", "rto", "rate", "smoothed"}`` (rates in percent, strings) for the pincode,
    state, payment method, customer and order value band; ``baseline`` the merchant's overall
    RTO rate (percent) every factor is smoothed toward. ``confirmed_at`` is when the merchant
    confirmed the order with the customer (the "Confirm COD" page)."""

    merchant = models.ForeignKey(Merchant, on_delete=models.CASCADE, related_name="+")
    order = models.OneToOneField("orders.Order", on_delete=models.CASCADE, related_name="rto_risk")
    score = models.PositiveSmallIntegerField()
    baseline = models.DecimalField(max_digits=5, decimal_places=1)
    factors = models.JSONField(default=list)
    summary = models.CharField(max_length=500, blank=True)
    computed_at = models.DateTimeField()
    confirmed_at = models.DateTimeField(null=True, blank=True)

    objects = MerchantScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-score", "pk"]
        indexes = [models.Index(fields=["merchant", "-score"], name="shipments_risk_score_idx")]

    def __str__(self) -> str:
        return f"{self.order_id}: {self.score}"

    @property
    def band(self) -> str:
        """``high`` (≥ 40), ``medium`` (≥ 20) or ``low``: the page's colour, not a rule."""
        if self.score >= 40:
            return "high"
        return "medium" if self.score >= 20 else "low"


class BatchStatus:
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"
    CHOICES = (
        (QUEUED, "Queued"),
        (RUNNING, "Running"),
        (DONE, "Done"),
        (FAILED, "Failed"),
    )
    FINAL = frozenset({DONE, FAILED})


class ShipmentBatch(models.Model):
    """ "Ship selected" from the orders page or the API (``shipments.services.batches``): the
    ``order_ids`` asked for, booked in the background with ``account`` (or each by the courier
    rules when null). ``done`` orders booked, ``failed`` refused so far; ``errors`` is
    ``{order id (str): reason}``; ``shipment_ids`` the shipments made; ``label`` the one PDF
    of all their labels once the batch is done; ``error`` why a batch failed as a whole."""

    merchant = models.ForeignKey(Merchant, on_delete=models.CASCADE, related_name="+")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    account = models.ForeignKey(
        "integrations.ChannelAccount",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    order_ids = models.JSONField(default=list)
    status = models.CharField(
        max_length=10, choices=BatchStatus.CHOICES, default=BatchStatus.QUEUED
    )
    total = models.PositiveIntegerField(default=0)
    done = models.PositiveIntegerField(default=0)
    failed = models.PositiveIntegerField(default=0)
    errors = models.JSONField(default=dict, blank=True)
    shipment_ids = models.JSONField(default=list, blank=True)
    label = models.FileField(upload_to="labels/%Y/%m/", blank=True)
    error = models.CharField(max_length=1000, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    objects = MerchantScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name_plural = "shipment batches"

    def __str__(self) -> str:
        return f"Batch {self.pk} ({self.status}, {self.done + self.failed}/{self.total})"

    @property
    def processed(self) -> int:
        return self.done + self.failed

    @property
    def percent(self) -> int:
        return round(100 * self.processed / self.total) if self.total else 100

    @property
    def is_final(self) -> bool:
        return self.status in BatchStatus.FINAL
