"""Staff tools for the catalog, the stock pool and channel listings.

Stock levels and the movement ledger are view-only: every stock change goes through the stock
services so the append-only ledger explains it — staff set stock with "Adjust stock" on
variants (``stock_adjust``, the staff user recorded). Channel listings are editable where staff
fix matches: the variant (through ``listing_map``), the buffer stock and the channel SKU; the
push state is shown read-only. Stock pushes and drift events are view-only history.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join

from accounts.admin_base import ReadOnlyAdmin
from inventory.forms import StockAdjustForm
from inventory.models import (
    ChannelInventoryLevel,
    ChannelListing,
    DriftEvent,
    MovementSource,
    Product,
    StockLevel,
    StockMovement,
    StockPush,
    Variant,
    Warehouse,
)
from inventory.services.listings import listing_map
from inventory.services.push import listings_mark_changed
from inventory.services.stock import stock_adjust


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
    readonly_fields = ["stock"]
    actions = ["adjust_stock"]

    def get_urls(self):
        return [
            path(
                "adjust-stock/",
                self.admin_site.admin_view(self.adjust_stock_view),
                name="inventory_variant_adjust_stock",
            ),
            *super().get_urls(),
        ]

    @admin.display(description="Stock")
    def stock(self, obj: Variant):
        """Levels per warehouse and the "Adjust stock" link (change form)."""
        if not obj.pk:
            return "—"
        levels = format_html_join(
            "",
            "<li>{}: {} on hand, {} reserved</li>",
            (
                (level.warehouse.name, level.on_hand, level.reserved)
                for level in obj.stock_levels.select_related("warehouse")
            ),
        )
        url = reverse("admin:inventory_variant_adjust_stock") + f"?ids={obj.pk}"
        return format_html('<ul>{}</ul><a class="button" href="{}">Adjust stock</a>', levels, url)

    @admin.action(description="Adjust stock")
    def adjust_stock(self, request: HttpRequest, queryset: QuerySet[Variant]) -> HttpResponse:
        ids = ",".join(str(pk) for pk in queryset.values_list("pk", flat=True))
        return HttpResponseRedirect(reverse("admin:inventory_variant_adjust_stock") + f"?ids={ids}")

    def adjust_stock_view(self, request: HttpRequest) -> HttpResponse:
        """Set a counted on hand or add/remove units for the variants ``?ids=1,2`` through
        ``stock_adjust`` (default warehouse of each variant's merchant, source user, this staff
        user recorded). Needs the change permission on variants."""
        if not self.has_change_permission(request):
            raise PermissionDenied
        raw = request.GET.get("ids", "")
        ids = [int(v) for v in raw.split(",") if v.strip().isdigit()]
        variants = list(
            Variant.objects.filter(pk__in=ids)
            .select_related("product", "merchant")
            .prefetch_related("stock_levels__warehouse")
            .order_by("sku")
        )
        changelist = reverse("admin:inventory_variant_changelist")
        if not variants:
            self.message_user(request, "Select the variants to adjust.", messages.WARNING)
            return HttpResponseRedirect(changelist)
        form = StockAdjustForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            done, failed = [], []
            for variant in variants:
                try:
                    stock_adjust(
                        merchant=variant.merchant_id,
                        variant_id=variant.pk,
                        source=MovementSource.USER,
                        user=request.user,
                        **form.adjust_kwargs(),
                    )
                except ValueError as exc:
                    failed.append(f"{variant.sku}: {exc}")
                else:
                    done.append(variant.sku)
            if done:
                self.message_user(request, f"Stock adjusted: {', '.join(done)}.", messages.SUCCESS)
            for problem in failed:
                self.message_user(request, problem, messages.ERROR)
            if len(variants) == 1:
                return HttpResponseRedirect(
                    reverse("admin:inventory_variant_change", args=[variants[0].pk])
                )
            return HttpResponseRedirect(changelist)
        return render(
            request,
            "inventory/admin_adjust_stock.html",
            {
                **self.admin_site.each_context(request),
                "title": "Adjust stock",
                "opts": self.model._meta,
                "variants": variants,
                "form": form,
                "ids": ",".join(str(v.pk) for v in variants),
            },
        )


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
