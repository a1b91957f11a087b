"""Staff tools for the channel stock. Channel listings are editable where staff fix matches:
the variant (through ``listing_map``), the buffer stock and the channel SKU; the push state is
shown read-only. Channel levels, stock pushes and drift events are view-only history."""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from accounts.admin_base import ReadOnlyAdmin
from channel_stock.services.listings import listing_map
from channel_stock.services.push import listings_mark_changed
from inventory.models import ChannelInventoryLevel, ChannelListing, DriftEvent, StockPush, Variant


class ChannelListingForm(forms.ModelForm):
    class Meta:
        model = ChannelListing
        fields = ["variant", "buffer_stock", "channel_sku"]

    def clean_variant(self) -> Variant | None:
        """A listing can only point at a variant of its own account's merchant (or none)."""
        variant = self.cleaned_data["variant"]
        account = self.instance.account if self.instance.account_id else None
        if variant and account and variant.merchant_id != account.merchant_id:
            raise forms.ValidationError("This variant belongs to another merchant.")
        return variant


class UnmatchedFilter(admin.SimpleListFilter):
    title = "matched"
    parameter_name = "unmatched"

    def lookups(self, request: HttpRequest, model_admin):
        return [("1", "Unmatched (no variant)"), ("0", "Matched")]

    def queryset(self, request: HttpRequest, queryset: QuerySet[ChannelListing]):
        if self.value() in ("0", "1"):
            return queryset.filter(variant__isnull=self.value() == "1")
        return queryset


# What the channel told us about a listing: shown read-only.
LISTING_CHANNEL_FIELDS = [
    "title",
    "barcode",
    "external_product_id",
    "external_variant_id",
    "external_inventory_item_id",
    "external_location_id",
    "held_elsewhere",
    "last_pushed_price",
    "source_updated_at",
    "updated_at",
]
PUSH_STATE_FIELDS = [
    "push_pending",
    "last_pushed_quantity",
    "last_pushed_at",
    "last_push_status",
    "last_push_message",
    "push_attempts",
    "next_push_at",
    "channel_quantity",
]


@admin.register(ChannelListing)
class ChannelListingAdmin(admin.ModelAdmin):
    form = ChannelListingForm
    list_display = [
        "__str__",
        "account",
        "channel_sku",
        "variant",
        "matched_by",
        "buffer_stock",
        "last_pushed_quantity",
        "last_push_status",
        "push_pending",
        "last_pushed_at",
    ]
    list_filter = [
        "account__provider",
        "account",
        "matched_by",
        "last_push_status",
        "push_pending",
        UnmatchedFilter,
    ]
    search_fields = [
        "channel_sku",
        "external_variant_id",
        "barcode",
        "title",
        "variant__sku",
        "variant__barcode",
    ]
    list_select_related = ["account", "variant"]
    autocomplete_fields = ["variant"]
    fieldsets = [
        (None, {"fields": ["account", "variant", "matched_by", "channel_sku", "buffer_stock"]}),
        (
            "Channel",
            {"fields": LISTING_CHANNEL_FIELDS},
        ),
        ("Stock push", {"fields": PUSH_STATE_FIELDS}),
    ]
    readonly_fields = [
        "account",
        "matched_by",
        *LISTING_CHANNEL_FIELDS,
        *PUSH_STATE_FIELDS,
    ]

    def has_add_permission(self, request: HttpRequest) -> bool:
        """Listings come from catalog syncs; staff correct them, they do not invent them."""
        return False

    def save_model(self, request: HttpRequest, obj: ChannelListing, form, change: bool) -> None:
        """A new variant goes through ``listing_map`` (matched by staff, pushed at once when
        the account manages stock); a new buffer marks the listing for the push."""
        super().save_model(request, obj, form, change)
        if "variant" in form.changed_data:
            listing_map(listing=obj, variant=obj.variant)
        elif "buffer_stock" in form.changed_data and obj.variant_id:
            listings_mark_changed(variant_ids=[obj.variant_id], account_ids=[obj.account_id])


@admin.register(ChannelInventoryLevel)
class ChannelInventoryLevelAdmin(ReadOnlyAdmin):
    list_display = [
        "account",
        "external_inventory_item_id",
        "external_location_id",
        "listing",
        "available",
        "on_hand",
        "committed",
        "source_updated_at",
    ]
    list_filter = ["account"]
    search_fields = ["external_inventory_item_id", "listing__channel_sku"]
    list_select_related = ["account", "listing"]


@admin.register(StockPush)
class StockPushAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "listing", "quantity", "status", "reason", "short_message"]
    list_filter = ["status", "reason", "listing__account"]
    search_fields = ["listing__channel_sku", "listing__variant__sku", "message", "submission_id"]
    list_select_related = ["listing", "listing__account"]
    date_hierarchy = "created_at"

    @admin.display(description="Message")
    def short_message(self, obj: StockPush) -> str:
        return (obj.message[:80] + "…") if len(obj.message) > 80 else obj.message


@admin.register(DriftEvent)
class DriftEventAdmin(ReadOnlyAdmin):
    list_display = [
        "detected_at",
        "account",
        "sku",
        "expected",
        "found",
        "available_to_sell",
        "corrected",
    ]
    list_filter = ["corrected", "account"]
    search_fields = ["sku", "listing__variant__sku", "message"]
    list_select_related = ["account"]
    date_hierarchy = "detected_at"
