"""Dashboard: the returns list (filters, the channel's dispositions) with the receive (QC)
form. Reads go through ``returns.selectors.return_list`` (merchant-scoped): another merchant's
return is a 404, never a page."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST

from accounts.decorators import merchant_required
from integrations.dto import ReturnKind, ReturnStatus
from orders.models import Return, ReturnItem
from orders.views import PAGE_SIZE, channel_choices
from returns.selectors import return_list
from returns.services.receipts import return_receive


class ReturnFilterForm(forms.Form):
    """The returns list's filters; every field optional. Invalid values are reported and
    ignored."""

    status = forms.ChoiceField(
        required=False, choices=[("", "All statuses"), *ReturnStatus.CHOICES]
    )
    channel = forms.ChoiceField(required=False, choices=channel_choices)
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
        "returns/returns.html",
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
    written off (``returns.services.receipts.return_receive``). Owners and managers only."""
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
