"""Dashboard: the order book across channels (filterable list), one order's detail, and the
returns list with the receive (QC) form.

Reads go through ``orders.selectors`` and ``inventory.selectors.return_list`` (always
merchant-scoped): another merchant's order or return is a 404, never a page.
"""

from __future__ import annotations

import json

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST

from accounts.decorators import merchant_required
from accounts.params import day_in_range
from integrations.dto import OrderStatus, PaymentMethod, ReturnKind, ReturnStatus
from integrations.registry import CONNECTORS
from inventory.selectors import return_list
from inventory.services.returns import return_receive
from orders.models import Order, Return, ReturnItem
from orders.selectors import order_detail, order_list

PAGE_SIZE = 50


def _channel_choices() -> list[tuple[str, str]]:
    return [("", "All channels")] + [(cls.id, cls.label) for cls in CONNECTORS.values()]


class OrderFilterForm(forms.Form):
    """The list's filters; every field optional. Invalid values are reported and ignored."""

    q = forms.CharField(required=False, label="Search", max_length=100)
    channel = forms.ChoiceField(required=False, choices=_channel_choices)
    status = forms.ChoiceField(required=False, choices=[("", "All statuses"), *OrderStatus.CHOICES])
    payment_method = forms.ChoiceField(
        required=False, label="Payment", choices=[("", "All payments"), *PaymentMethod.CHOICES]
    )
    sku = forms.CharField(required=False, label="SKU", max_length=255)
    date_from = forms.DateField(
        required=False,
        validators=[day_in_range],
        label="From",
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    date_to = forms.DateField(
        required=False,
        validators=[day_in_range],
        label="To",
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    return_kind = forms.ChoiceField(
        required=False, label="Returns", choices=[("", "Any"), *ReturnKind.CHOICES]
    )
    backorder = forms.ChoiceField(
        required=False,
        label="Stock",
        choices=[("", "All orders"), ("true", "Backorders only"), ("false", "Not backordered")],
    )

    def selector_filters(self) -> dict[str, object]:
        """The valid, non-empty filters in the shape ``order_list`` takes."""
        if not self.is_bound:
            return {}
        self.is_valid()
        filters = {k: v for k, v in self.cleaned_data.items() if v not in (None, "")}
        if "backorder" in filters:
            filters["backorder"] = filters["backorder"] == "true"
        return filters


@require_GET
@merchant_required
def order_list_page(request: HttpRequest) -> HttpResponse:
    """Orders of the merchant, newest first, 50 a page, with filters in the query string."""
    form = OrderFilterForm(request.GET or None)
    filters = form.selector_filters()
    orders = order_list(merchant=request.merchant, filters=filters)
    page = Paginator(orders, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "orders/order_list.html",
        {"form": form, "page": page, "is_filtered": bool(filters)},
    )


@require_GET
@merchant_required
def order_detail_page(request: HttpRequest, order_id: int) -> HttpResponse:
    """One order: facts, amounts, items, status history and the raw channel payload."""
    try:
        order = order_detail(merchant=request.merchant, order_id=order_id)
    except Order.DoesNotExist:
        raise Http404("No such order.") from None
    raw_json = json.dumps(order.raw, indent=2, ensure_ascii=False, sort_keys=True, default=str)
    # Indian stores price tax-inclusive: then the total does not add the tax again.
    tax_included = bool(order.tax_total) and (
        order.total == order.subtotal - order.discount_total + order.shipping_total
    )
    return render(
        request,
        "orders/order_detail.html",
        {"order": order, "raw_json": raw_json, "tax_included": tax_included},
    )


# --- returns -------------------------------------------------------------------------------------
class ReturnFilterForm(forms.Form):
    """The returns list's filters; every field optional. Invalid values are reported and
    ignored."""

    status = forms.ChoiceField(
        required=False, choices=[("", "All statuses"), *ReturnStatus.CHOICES]
    )
    channel = forms.ChoiceField(required=False, choices=_channel_choices)
    kind = forms.ChoiceField(
        required=False, label="Type", choices=[("", "All types"), *ReturnKind.CHOICES]
    )

    def selector_filters(self) -> dict[str, object]:
        """The valid, non-empty filters in the shape ``return_list`` takes."""
        if not self.is_bound:
            return {}
        self.is_valid()
        return {k: v for k, v in self.cleaned_data.items() if v not in (None, "")}


def receive_lines(ret: Return, data) -> dict[int, tuple[int, int]]:
    """``return_receive`` lines from the receive form: per item ``restocked_<pk>`` (units that
    passed QC) and ``written_off_<pk>`` (units that failed), blank meaning 0; items with
    nothing to receive are left out. ``ValueError`` for a value that is not a whole number."""
    lines: dict[int, tuple[int, int]] = {}
    for item in ret.items.all():
        counts = []
        for prefix in ("restocked", "written_off"):
            raw = (data.get(f"{prefix}_{item.pk}") or "").strip()
            try:
                counts.append(int(raw) if raw else 0)
            except ValueError:
                label = "passed QC" if prefix == "restocked" else "failed QC"
                raise ValueError(
                    f"SKU {item.sku or item.pk}: units {label} must be a whole number."
                ) from None
        if any(counts):
            lines[item.pk] = (counts[0], counts[1])
    return lines


@require_GET
@merchant_required
def return_list_page(request: HttpRequest) -> HttpResponse:
    """Returns and RTOs of the merchant, newest first, 50 a page, filterable by status, channel
    and type; each with its items (received, restocked, written off) and, for owners and
    managers, the receive form."""
    form = ReturnFilterForm(request.GET or None)
    filters = form.selector_filters()
    page = Paginator(return_list(merchant=request.merchant, filters=filters), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    for ret in page.object_list:
        items: list[ReturnItem] = list(ret.items.all())
        for item in items:
            item.received = item.restocked_quantity + item.written_off_quantity
            item.remaining = max(0, item.quantity - item.received)
        ret.receivable = any(item.remaining for item in items)
    return render(
        request,
        "orders/returns.html",
        {
            "form": form,
            "page": page,
            "is_filtered": bool(filters),
            "can_manage": request.membership.can_manage,
        },
    )


@require_POST
@merchant_required
def return_receive_view(request: HttpRequest, return_id: int) -> HttpResponse:
    """Receive returned goods: units that passed QC go back into stock, units that failed are
    written off (``inventory.services.returns.return_receive``). Owners and managers only."""
    if not request.membership.can_manage:
        raise PermissionDenied("Only owners and managers can receive returns.")
    ret = get_object_or_404(Return.objects.for_merchant(request.merchant), pk=return_id)
    try:
        lines = receive_lines(ret, request.POST)
        return_receive(
            ret=ret, lines=lines, user=request.user, note=request.POST.get("note", "")[:500]
        )
    except ValueError as exc:
        messages.error(request, f"Return {ret.external_id} not received: {exc}")
    else:
        restocked = sum(r for r, _ in lines.values())
        written_off = sum(w for _, w in lines.values())
        messages.success(
            request,
            f"Return {ret.external_id} received: {restocked} unit{'s' if restocked != 1 else ''} "
            f"restocked, {written_off} written off.",
        )
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = "dashboard:returns"
    return redirect(target)
