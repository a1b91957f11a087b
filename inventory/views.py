"""Dashboard writes to the stock pool: count uploads and one SKU's adjustment, and the helpers
the stock pages share (``channel_stock.views`` shows the pool across channels).

Writes call the inventory services (``stock_adjust``, ``stock_counts_import``) and answer with
POST → redirect → GET and a message. Writes need an owner or manager (viewers get 403).
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from accounts.decorators import merchant_required
from inventory.forms import (
    CountUploadForm,
    StockAdjustForm,
)
from inventory.models import MovementSource, Variant
from inventory.services.counts import CountFileError, stock_counts_import
from inventory.services.stock import stock_adjust

PAGE_SIZE = 50
COUNT_RESULT_SESSION_KEY = "stock_count_result"
COUNT_FAILURES_SHOWN = 200


def require_manager(request: HttpRequest, what: str) -> None:
    if not request.membership.can_manage:
        raise PermissionDenied(f"Only owners and managers can {what}.")


def back(request: HttpRequest, default: str) -> HttpResponse:
    """Redirect to the form's ``next`` (same host only) or ``default``."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = default
    return redirect(target)


def form_errors(form) -> str:
    return " ".join(str(error) for errors in form.errors.values() for error in errors)


@require_POST
@merchant_required
def stock_counts_upload(request: HttpRequest) -> HttpResponse:
    """Upload a CSV of counts (``sku,on_hand``): each counted SKU's on hand is set through the
    ledger, bad rows are quarantined and listed on the stock page (the rest is applied)."""
    require_manager(request, "upload stock counts")
    form = CountUploadForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, form_errors(form) or "Choose a CSV file of counts.")
        return redirect("dashboard:stock")
    upload = form.cleaned_data["file"]
    try:
        result = stock_counts_import(merchant=request.merchant, file=upload, user=request.user)
    except CountFileError as exc:
        messages.error(request, f"{upload.name}: {exc}")
        return redirect("dashboard:stock")
    request.session[COUNT_RESULT_SESSION_KEY] = {
        "file": upload.name,
        "updated": result.updated,
        "skipped": result.skipped,
        "failed": len(result.failures),
        "failures": [
            {"row": f.payload.get("row"), "sku": f.payload.get("sku"), "reason": f.error}
            for f in result.failures[:COUNT_FAILURES_SHOWN]
        ],
    }
    level = messages.WARNING if result.failures else messages.SUCCESS
    messages.add_message(
        request,
        level,
        f"{upload.name}: {result.updated} SKU{'s' if result.updated != 1 else ''} updated, "
        f"{result.skipped} unchanged, {len(result.failures)} row"
        f"{'s' if len(result.failures) != 1 else ''} quarantined.",
    )
    return redirect("dashboard:stock")


def sku_url(variant: Variant) -> str:
    return reverse("dashboard:sku_detail", args=[variant.sku])


@require_POST
@merchant_required
def sku_adjust(request: HttpRequest, variant_id: int) -> HttpResponse:
    """Set the counted on hand or add/remove units (kind adjust or receipt, with a note)
    through ``stock_adjust`` (source user, the signed-in user recorded)."""
    require_manager(request, "adjust stock")
    variant = get_object_or_404(Variant.objects.for_merchant(request.merchant), pk=variant_id)
    form = StockAdjustForm(request.POST)
    if not form.is_valid():
        messages.error(request, f"Stock not changed: {form_errors(form)}")
        return redirect(sku_url(variant))
    try:
        stock_adjust(
            merchant=request.merchant,
            variant_id=variant.pk,
            source=MovementSource.USER,
            user=request.user,
            **form.adjust_kwargs(),
        )
    except ValueError as exc:
        messages.error(request, f"Stock not changed: {exc}")
    else:
        messages.success(request, f"Stock of {variant.sku} updated.")
    return redirect(sku_url(variant))
