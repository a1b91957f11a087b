"""Dashboard: the stock pool per SKU and warehouse (``inventory.selectors.stock_list``)."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from accounts.decorators import merchant_required
from inventory.selectors import stock_list

PAGE_SIZE = 50
LOW_STOCK_AT = 5  # the threshold ``stock_list(low_stock_only=True)`` uses


@require_GET
@merchant_required
def stock_page(request: HttpRequest) -> HttpResponse:
    """On hand, reserved and available-to-sell per SKU and warehouse; search by SKU or
    product title, optionally only low stock (available ≤ 5)."""
    q = request.GET.get("q", "").strip()[:100]
    low_stock_only = request.GET.get("low") == "1"
    levels = stock_list(merchant=request.merchant, q=q, low_stock_only=low_stock_only)
    page = Paginator(levels, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "inventory/stock.html",
        {"page": page, "q": q, "low_stock_only": low_stock_only, "low_stock_at": LOW_STOCK_AT},
    )
