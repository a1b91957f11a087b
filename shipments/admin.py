"""Staff view of shipments: read-only (the courier's scans decide a shipment's status), with
its tracking events and a "Track now" action that reads the courier's tracking at once."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from accounts.admin_base import ReadOnlyAdmin, ReadOnlyInline
from shipments.models import (
    CourierRule,
    NdrActionRequest,
    NdrRule,
    OrderRtoRisk,
    Shipment,
    ShipmentBatch,
    TrackingEvent,
)
from shipments.selectors import courier_accounts
from shipments.services.risk import rto_risk_compute
from shipments.services.tracking import shipments_track_now


class TrackingEventInline(ReadOnlyInline):
    model = TrackingEvent
    fields = ["at", "status", "raw_type", "raw_status", "raw_code", "ndr_reason", "location",
              "remark", "source"]  # fmt: skip
    readonly_fields = fields
    ordering = ["at", "pk"]


class NdrActionInline(ReadOnlyInline):
    model = NdrActionRequest
    fields = ["created_at", "action", "attempt", "status", "send_after", "sent_at",
              "courier_reference", "error", "rule", "requested_by"]  # fmt: skip
    readonly_fields = fields
    ordering = ["-pk"]


@admin.register(Shipment)
class ShipmentAdmin(ReadOnlyAdmin):
    list_display = ["awb", "order", "account", "status", "status_at", "attempts",
                    "payment_method", "cod_amount", "last_tracked_at"]  # fmt: skip
    list_filter = ["status", "account__provider", "payment_method", "ndr_reason", "false_ndr"]
    search_fields = ["awb", "order__order_number", "order__external_id"]
    list_select_related = ["order", "account"]
    inlines = [TrackingEventInline, NdrActionInline]
    actions = ["track_now"]
    date_hierarchy = "created_at"

    @admin.action(description="Track now (read the courier's tracking)")
    def track_now(self, request: HttpRequest, queryset: QuerySet[Shipment]) -> None:
        run = shipments_track_now(shipments=queryset.select_related("account"))
        if run.error:
            self.message_user(request, f"Tracking stopped: {run.error}", messages.ERROR)
        self.message_user(
            request, f"{run.tracked} tracked in {run.calls} call(s); {run.moved} changed status."
        )


@admin.register(NdrRule)
class NdrRuleAdmin(admin.ModelAdmin):
    """A merchant's automatic NDR answers, tried in priority order (first match wins)."""

    list_display = ["name", "merchant", "priority", "active", "action", "payment_method",
                    "min_attempts", "max_attempts"]  # fmt: skip
    list_filter = ["active", "action", "merchant"]
    list_editable = ["priority", "active"]
    ordering = ["merchant", "priority", "pk"]
    fieldsets = [
        (None, {"fields": ["merchant", "name", "priority", "active", "action"]}),
        (
            "Conditions (empty = any)",
            {
                "fields": [
                    "ndr_reasons",
                    "payment_method",
                    ("min_attempts", "max_attempts"),
                    "courier_account",
                    ("min_order_value", "max_order_value"),
                    ("max_customer_rtos", "min_customer_deliveries"),
                ],
                "description": "ndr_reasons: a list of reasons, e.g. "
                '["customer_unavailable", "refused"]. Order values in rupees.',
            },
        ),
    ]


class CourierRuleForm(forms.ModelForm):
    """A courier rule, checked before it is saved: the account is one of the merchant's
    courier accounts, the ranges are not inverted, pincodes are 1–6 digits each."""

    class Meta:
        model = CourierRule
        fields = ["merchant", "name", "priority", "active", "payment_method", "pincodes",
                  "states", "min_weight_grams", "max_weight_grams", "min_order_value",
                  "max_order_value", "max_risk_score", "account", "courier_hint"]  # fmt: skip

    def clean(self):
        data = super().clean()
        merchant, account = data.get("merchant"), data.get("account")
        if (
            merchant
            and account
            and not courier_accounts(merchant=merchant).filter(pk=account.pk).exists()
        ):
            self.add_error("account", "Choose one of this merchant's courier accounts.")
        for low, high, what in (
            ("min_weight_grams", "max_weight_grams", "weight"),
            ("min_order_value", "max_order_value", "order value"),
        ):
            if data.get(low) is not None and data.get(high) is not None and data[low] > data[high]:
                self.add_error(high, f"The maximum {what} is below the minimum.")
        if data.get("max_risk_score") is not None and data["max_risk_score"] > 100:
            self.add_error("max_risk_score", "A risk score is 0–100.")
        bad = [
            p
            for p in (data.get("pincodes") or "").replace(",", " ").split()
            if not (p.isdigit() and 1 <= len(p) <= 6)
        ]
        if bad:
            self.add_error("pincodes", f"Not a pincode or prefix: {', '.join(bad)}.")
        return data


@admin.register(CourierRule)
class CourierRuleAdmin(admin.ModelAdmin):
    """Courier rules per merchant, in the order they are tried (priority, then age); the
    priority and the switch are editable in the list to reorder them."""

    form = CourierRuleForm
    list_display = ["name", "merchant", "priority", "active", "payment_method", "account",
                    "courier_hint", "max_risk_score"]  # fmt: skip
    list_editable = ["priority", "active"]
    list_filter = ["merchant", "active", "payment_method"]
    list_select_related = ["merchant", "account"]
    ordering = ["merchant", "priority", "pk"]
    search_fields = ["name", "pincodes", "states"]


@admin.register(OrderRtoRisk)
class OrderRtoRiskAdmin(ReadOnlyAdmin):
    """RTO risk scores of COD orders, with a "Recompute" action (``rto_risk_compute``)."""

    list_display = ["order", "merchant", "score", "baseline", "summary", "computed_at",
                    "confirmed_at"]  # fmt: skip
    list_filter = ["merchant"]
    search_fields = ["order__order_number", "order__customer_phone"]
    list_select_related = ["order", "merchant"]
    actions = ["recompute"]

    @admin.action(description="Recompute the RTO risk of the selected orders")
    def recompute(self, request: HttpRequest, queryset: QuerySet[OrderRtoRisk]) -> None:
        from orders.models import Order

        orders = list(Order.objects.filter(pk__in=queryset.values("order_id")))
        self.message_user(request, f"{len(rto_risk_compute(orders=orders))} score(s) recomputed.")


@admin.register(ShipmentBatch)
class ShipmentBatchAdmin(ReadOnlyAdmin):
    list_display = ["pk", "merchant", "status", "total", "done", "failed", "account",
                    "created_at", "finished_at"]  # fmt: skip
    list_filter = ["status", "merchant"]
    list_select_related = ["merchant", "account"]
