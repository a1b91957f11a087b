"""Staff tools for the catalog and the stock pool.

Stock levels and the movement ledger are view-only: every stock change goes through the stock
services so the append-only ledger explains it — staff set stock with "Adjust stock" on
variants (``stock_adjust``, the staff user recorded). Channel listings, pushes and drift are
``channel_stock.admin``'s.
"""

from __future__ import annotations

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
    MovementSource,
    Product,
    StockLevel,
    StockMovement,
    Variant,
    Warehouse,
)
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
