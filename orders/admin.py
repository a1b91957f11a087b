"""Staff view of the order book. Orders are written only by the import service (sync,
webhooks, files), so the admin shows them read-only: a hand edit would disagree with the
channel and with the stock reservations made on import."""

from __future__ import annotations

import json
from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from django.utils.html import format_html

from accounts.admin_base import ReadOnlyInline
from orders.models import (
    Order,
    OrderItem,
    OrderStatusEvent,
)
from orders.templatetags.money import format_money


class OrderItemInline(ReadOnlyInline):
    model = OrderItem
    fields = [
        "sku",
        "title",
        "quantity",
        "current_quantity",
        "unit_price",
        "discount",
        "tax",
        "variant",
    ]
    readonly_fields = fields

    def get_queryset(self, request: HttpRequest):
        return super().get_queryset(request).select_related("variant")


class OrderStatusEventInline(ReadOnlyInline):
    model = OrderStatusEvent
    fields = ["occurred_at", "previous_status", "status", "source"]
    readonly_fields = fields


@admin.register(Order)
class OrderAdmin(admin.ModelAdmin):
    list_display = [
        "order_number",
        "merchant",
        "channel",
        "account",
        "placed_at",
        "status",
        "payment_method",
        "customer_name",
        "ship_pincode",
        "total_display",
        "backorder",
    ]
    list_filter = [
        "channel",
        "status",
        ("unfulfillable", admin.BooleanFieldListFilter),
        "payment_method",
        "account",
        "merchant",
        "is_test",
    ]
    search_fields = [
        "order_number",
        "external_id",
        "customer_name",
        "customer_email",
        "customer_phone",
        "customer_external_id",
    ]
    list_select_related = ["merchant", "account"]
    date_hierarchy = "placed_at"
    inlines = [OrderItemInline, OrderStatusEventInline]
    exclude = ["raw"]
    readonly_fields = ["raw_json"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(description="Total", ordering="total")
    @admin.display(boolean=True, description="Backorder", ordering="unfulfillable")
    def backorder(self, obj: Order) -> bool:
        """Open but waiting for stock (``Order.unfulfillable``)."""
        return obj.unfulfillable

    def total_display(self, obj: Order) -> str:
        return format_money(obj.total, obj.currency)

    @admin.display(description="Raw channel payload")
    def raw_json(self, obj: Order):
        text = json.dumps(obj.raw, indent=2, ensure_ascii=False, sort_keys=True, default=str)
        return format_html('<pre style="white-space: pre-wrap; margin: 0">{}</pre>', text)
