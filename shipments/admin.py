"""Staff view of shipments: read-only (the courier's scans decide a shipment's status), with
its tracking events and a "Track now" action that reads the courier's tracking at once."""

from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from accounts.admin_base import ReadOnlyAdmin, ReadOnlyInline
from shipments.models import NdrActionRequest, NdrRule, Shipment, TrackingEvent
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
