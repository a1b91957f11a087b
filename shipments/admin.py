"""Staff view of shipments: read-only (the courier's scans decide a shipment's status), with
its tracking events and a "Track now" action that reads the courier's tracking at once."""

from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from accounts.admin_base import ReadOnlyAdmin, ReadOnlyInline
from shipments.models import Shipment, TrackingEvent
from shipments.services.tracking import shipments_track_now


class TrackingEventInline(ReadOnlyInline):
    model = TrackingEvent
    fields = ["at", "status", "raw_type", "raw_status", "raw_code", "ndr_reason", "location",
              "remark", "source"]  # fmt: skip
    readonly_fields = fields
    ordering = ["at", "pk"]


@admin.register(Shipment)
class ShipmentAdmin(ReadOnlyAdmin):
    list_display = ["awb", "order", "account", "status", "status_at", "attempts",
                    "payment_method", "cod_amount", "last_tracked_at"]  # fmt: skip
    list_filter = ["status", "account__provider", "payment_method", "ndr_reason"]
    search_fields = ["awb", "order__order_number", "order__external_id"]
    list_select_related = ["order", "account"]
    inlines = [TrackingEventInline]
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
