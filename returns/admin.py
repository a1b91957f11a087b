"""Staff tools for returns: receiving returned goods with QC (``return_receive``: units that
passed go back into stock, units that failed are written off, through the ledger), and the
removals of unshipped units a channel reported (read-only)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect

from accounts.admin_base import ReadOnlyAdmin
from orders.models import OrderLineRemoval, Return, ReturnItem
from returns.services.receipts import return_receive


class ReturnItemReceiveForm(forms.ModelForm):
    """One returned line with the units received now: QC passed (back into stock) and QC
    failed (written off)."""

    restock_now = forms.IntegerField(min_value=0, initial=0, required=False, label="QC passed")
    write_off_now = forms.IntegerField(min_value=0, initial=0, required=False, label="QC failed")

    class Meta:
        model = ReturnItem
        fields: list[str] = []

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        item = self.instance
        now = (data.get("restock_now") or 0) + (data.get("write_off_now") or 0)
        left = item.quantity - item.restocked_quantity - item.written_off_quantity
        if now > left:
            raise forms.ValidationError(
                f"Only {left} of {item.quantity} units are left to receive."
            )
        return data


class ReturnItemInline(admin.TabularInline):
    """Lines of a return; staff enter the units received now per line (``return_receive``)."""

    model = ReturnItem
    form = ReturnItemReceiveForm
    extra = 0
    can_delete = False
    fields = [
        "sku",
        "order_item_external_id",
        "quantity",
        "restocked_quantity",
        "written_off_quantity",
        "restock_now",
        "write_off_now",
    ]
    readonly_fields = [
        "sku",
        "order_item_external_id",
        "quantity",
        "restocked_quantity",
        "written_off_quantity",
    ]

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class ReturnReceiptForm(forms.ModelForm):
    """The return itself is read-only (the channel owns it); only a note for this receipt."""

    receipt_note = forms.CharField(
        required=False, max_length=500, help_text="Kept on the stock movements of this receipt."
    )

    class Meta:
        model = Return
        fields: list[str] = []


@admin.register(Return)
class ReturnAdmin(admin.ModelAdmin):
    """Returns and RTOs from every channel. Staff receive the goods here: per line, units that
    passed QC go back into stock and units that failed are written off, through the stock
    ledger (``returns.services.receipts.return_receive``); Shopify orders then get the status
    as a tag and note."""

    form = ReturnReceiptForm
    inlines = [ReturnItemInline]
    list_display = [
        "external_id",
        "channel",
        "account",
        "order_external_id",
        "kind",
        "status",
        "requested_at",
        "received_at",
        "channel_synced_status",
    ]
    list_filter = ["channel", "kind", "status", "account", "merchant"]
    search_fields = ["external_id", "order_external_id", "tracking_id", "items__sku"]
    list_select_related = ["account"]
    date_hierarchy = "requested_at"
    actions = ["receive_all_passed", "receive_all_failed"]
    fields = [
        "merchant",
        "account",
        "order",
        "channel",
        "external_id",
        "order_external_id",
        "kind",
        "status",
        "reason",
        "sub_reason",
        "tracking_id",
        "requested_at",
        "received_at",
        "channel_synced_status",
        "channel_sync_error",
        "receipt_note",
    ]
    readonly_fields = [f for f in fields if f != "receipt_note"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: Return, form: Any, change: bool) -> None:
        """Nothing on the return is editable; the receipt is written in ``save_related``."""

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        lines: dict[int, tuple[int, int]] = {}
        for formset in formsets:
            # The lines' model fields are read-only: nothing of the formset itself is saved.
            formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
            for line in formset.forms:
                data = line.cleaned_data
                counts = (data.get("restock_now") or 0, data.get("write_off_now") or 0)
                if any(counts):
                    lines[line.instance.pk] = counts
        if not lines:
            return
        try:
            return_receive(
                ret=form.instance,
                lines=lines,
                user=request.user,
                note=form.cleaned_data.get("receipt_note") or "",
            )
        except ValueError as exc:
            request._return_receipt_error = str(exc)  # type: ignore[attr-defined]
        else:
            request._return_receipt = sum(sum(c) for c in lines.values())  # type: ignore[attr-defined]

    def response_change(self, request: HttpRequest, obj: Return) -> HttpResponse:
        error = getattr(request, "_return_receipt_error", None)
        if error:
            self.message_user(request, f"Nothing was received: {error}", messages.ERROR)
            return HttpResponseRedirect(request.path)
        received = getattr(request, "_return_receipt", None)
        if received:
            obj.refresh_from_db()
            self.message_user(
                request,
                f"Received {received} units of return {obj.external_id}: "
                f"{obj.get_status_display()}.",
                messages.SUCCESS,
            )
            return HttpResponseRedirect(request.path)
        return super().response_change(request, obj)

    @admin.action(description="Receive every remaining unit: QC passed (restock)")
    def receive_all_passed(self, request: HttpRequest, queryset: QuerySet[Return]) -> None:
        self._receive_all(request, queryset, passed=True)

    @admin.action(description="Receive every remaining unit: QC failed (write off)")
    def receive_all_failed(self, request: HttpRequest, queryset: QuerySet[Return]) -> None:
        self._receive_all(request, queryset, passed=False)

    def _receive_all(
        self, request: HttpRequest, queryset: QuerySet[Return], *, passed: bool
    ) -> None:
        done = 0
        for ret in queryset.prefetch_related("items"):
            lines = {}
            for item in ret.items.all():
                left = item.quantity - item.restocked_quantity - item.written_off_quantity
                if left > 0:
                    lines[item.pk] = (left, 0) if passed else (0, left)
            try:
                return_receive(ret=ret, lines=lines, user=request.user)
            except ValueError as exc:
                self.message_user(request, f"{ret.external_id}: {exc}", messages.ERROR)
            else:
                done += 1
        if done:
            self.message_user(request, f"Received {done} return(s).", messages.SUCCESS)


@admin.register(OrderLineRemoval)
class OrderLineRemovalAdmin(ReadOnlyAdmin):
    """Units removed from order lines before shipping, as the channel reported them (Shopify
    refunds of unshipped units); read-only, written by the refund import."""

    list_display = [
        "removed_at",
        "account",
        "order_external_id",
        "sku",
        "quantity",
        "restocked",
        "external_id",
    ]
    list_filter = ["restocked", "account__provider"]
    search_fields = ["order_external_id", "sku", "external_id"]
    date_hierarchy = "removed_at"
