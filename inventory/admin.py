"""Staff tools for the catalog, the stock pool and channel listings.

Stock levels and the movement ledger are view-only: every stock change goes through
``inventory.services.stock_apply`` so the append-only ledger explains it. Channel listings are
editable where staff fix matches: the variant, the buffer stock and the channel SKU.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.http import HttpRequest

from accounts.admin_base import ReadOnlyAdmin
from inventory.models import (
    ChannelInventoryLevel,
    ChannelListing,
    Product,
    StockLevel,
    StockMovement,
    Variant,
    Warehouse,
)


class VariantInline(admin.TabularInline):
    model = Variant
    extra = 0
    fields = ["sku", "barcode", "title", "price", "compare_at_price", "cost_price", "weight_grams"]
    show_change_link = True


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
    list_display = ["title", "merchant", "vendor", "product_type", "status", "updated_at"]
    list_filter = ["status", "merchant"]
    search_fields = ["title", "handle", "vendor", "variants__sku"]
    list_select_related = ["merchant"]
    autocomplete_fields = ["merchant"]
    inlines = [VariantInline]

    def save_formset(self, request: HttpRequest, form, formset, change: bool) -> None:
        """New variants belong to the product's merchant (the inline has no merchant field)."""
        for variant in formset.save(commit=False):
            variant.merchant_id = form.instance.merchant_id
            variant.save()
        for variant in formset.deleted_objects:
            variant.delete()
        formset.save_m2m()


@admin.register(Variant)
class VariantAdmin(admin.ModelAdmin):
    list_display = ["sku", "product", "title", "merchant", "barcode", "price", "cost_price"]
    list_filter = ["merchant"]
    search_fields = ["sku", "barcode", "title", "product__title"]
    list_select_related = ["product", "merchant"]
    autocomplete_fields = ["merchant", "product"]


@admin.register(Warehouse)
class WarehouseAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "merchant", "is_default"]
    list_filter = ["is_default", "merchant"]
    search_fields = ["name", "code", "merchant__name"]
    list_select_related = ["merchant"]
    autocomplete_fields = ["merchant"]


@admin.register(StockLevel)
class StockLevelAdmin(ReadOnlyAdmin):
    list_display = ["variant", "warehouse", "on_hand", "reserved", "available", "updated_at"]
    list_filter = ["warehouse__merchant", "warehouse"]
    search_fields = ["variant__sku", "variant__product__title", "warehouse__name"]
    list_select_related = ["variant", "warehouse"]

    @admin.display(description="Available")
    def available(self, obj: StockLevel) -> int:
        return obj.available


@admin.register(StockMovement)
class StockMovementAdmin(ReadOnlyAdmin):
    list_display = [
        "created_at",
        "variant",
        "warehouse",
        "kind",
        "on_hand_delta",
        "reserved_delta",
        "reference",
        "note",
    ]
    list_filter = ["kind", "warehouse__merchant"]
    search_fields = ["variant__sku", "reference", "note"]
    list_select_related = ["variant", "warehouse"]
    date_hierarchy = "created_at"


class ChannelListingForm(forms.ModelForm):
    class Meta:
        model = ChannelListing
        fields = ["variant", "buffer_stock", "channel_sku"]

    def clean_variant(self) -> Variant:
        """A listing can only point at a variant of its own account's merchant."""
        variant = self.cleaned_data["variant"]
        account = self.instance.account if self.instance.account_id else None
        if account is not None and variant.merchant_id != account.merchant_id:
            raise forms.ValidationError("This variant belongs to another merchant.")
        return variant


@admin.register(ChannelListing)
class ChannelListingAdmin(admin.ModelAdmin):
    form = ChannelListingForm
    list_display = [
        "__str__",
        "account",
        "channel_sku",
        "variant",
        "external_variant_id",
        "buffer_stock",
        "last_pushed_quantity",
        "last_pushed_price",
    ]
    list_filter = ["account__provider", "account"]
    search_fields = ["channel_sku", "external_variant_id", "variant__sku", "variant__barcode"]
    list_select_related = ["account", "variant"]
    autocomplete_fields = ["variant"]
    fields = [
        "account",
        "variant",
        "channel_sku",
        "buffer_stock",
        "external_product_id",
        "external_variant_id",
        "external_inventory_item_id",
        "last_pushed_quantity",
        "last_pushed_price",
        "source_updated_at",
        "updated_at",
    ]
    readonly_fields = [
        "account",
        "external_product_id",
        "external_variant_id",
        "external_inventory_item_id",
        "last_pushed_quantity",
        "last_pushed_price",
        "source_updated_at",
        "updated_at",
    ]

    def has_add_permission(self, request: HttpRequest) -> bool:
        """Listings come from catalog syncs; staff correct them, they do not invent them."""
        return False


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
