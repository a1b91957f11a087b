"""Dashboard: the order book across channels (filterable list) and one order's detail.

Reads go through ``orders.selectors`` (always merchant-scoped): another merchant's order is a
404, never a page.
"""

from __future__ import annotations

import json

from django import forms
from django.core.paginator import Paginator
from django.db.models import prefetch_related_objects
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from accounts.decorators import merchant_required
from accounts.params import day_in_range
from integrations.connectors.base import Capability, ProviderKind
from integrations.dto import OrderStatus, PaymentMethod, ReturnKind
from integrations.models import ChannelAccount
from integrations.registry import CONNECTORS
from orders.models import Order
from orders.selectors import order_detail, order_list

PAGE_SIZE = 50


def channel_choices() -> list[tuple[str, str]]:
    return [("", "All channels")] + [(cls.id, cls.label) for cls in CONNECTORS.values()]


class OrderFilterForm(forms.Form):
    """The list's filters; every field optional. Invalid values are reported and ignored."""

    q = forms.CharField(required=False, label="Search", max_length=100)
    channel = forms.ChoiceField(required=False, choices=channel_choices)
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


def _courier_accounts(merchant) -> list[ChannelAccount]:
    """The merchant's accounts that book shipments (the registry decides), for "Ship
    selected"."""
    providers = [
        cls.id
        for cls in CONNECTORS.values()
        if cls.kind == ProviderKind.LOGISTICS and Capability.SHIPMENTS in cls.capabilities
    ]
    return list(
        ChannelAccount.objects.for_merchant(merchant).filter(provider__in=providers).order_by("pk")
    )


@require_GET
@merchant_required
def order_list_page(request: HttpRequest) -> HttpResponse:
    """Orders of the merchant, newest first, 50 a page, with filters in the query string; each
    COD order shows its RTO risk score (the shipments' ``rto_risk``, read by relation name so
    the order book imports nothing above it). Owners and managers tick orders and "Ship
    selected" (a background batch, the shipments' ``dashboard:shipment_batches``)."""
    form = OrderFilterForm(request.GET or None)
    filters = form.selector_filters()
    orders = order_list(merchant=request.merchant, filters=filters)
    page = Paginator(orders, PAGE_SIZE).get_page(request.GET.get("page"))
    prefetch_related_objects(page.object_list, "rto_risk")
    can_ship = request.membership.can_manage
    return render(
        request,
        "orders/order_list.html",
        {
            "form": form,
            "page": page,
            "is_filtered": bool(filters),
            "can_ship": can_ship,
            "couriers": _courier_accounts(request.merchant) if can_ship else [],
        },
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
