"""Dashboard: the shipments list (filters, statuses refreshed live while any shipment on the
page is still moving), one shipment's tracking timeline with the cancel action, the NDR queue
and RTO rates (an SVG bar chart and a table by state, pincode or payment method).

Reads go through ``shipments.selectors`` (merchant-scoped: another merchant's shipment is a
404, never a page); the cancel action calls ``shipments.services.cancel.shipment_cancel`` and
answers with POST → redirect → GET and a message; it needs an owner or manager (viewers get
403).
"""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST

from accounts.decorators import merchant_required
from accounts.params import day_in_range
from integrations.dto import NdrAction, PaymentMethod, ShipmentStatus
from integrations.http import ConnectorError
from orders.models import Order
from shipments.models import NdrActionRequest, OrderRtoRisk, Shipment, ShipmentBatch
from shipments.selectors import (
    RTO_GROUPS,
    batch_errors,
    cod_to_confirm,
    courier_accounts,
    ndr_queue,
    rto_percent,
    rto_rates,
    shipment_batch,
    shipment_detail,
    shipment_list,
)
from shipments.services.batches import shipment_batch_create
from shipments.services.cancel import NOT_PICKED_UP, shipment_cancel
from shipments.services.ndr import NdrActionRefused, ndr_action_request, ndr_queue_rows
from shipments.services.risk import rto_risk_confirm

PAGE_SIZE = 50
STATUS_POLL_SECONDS = 10
CHART_WIDTH, CHART_HEIGHT = 600, 160
CHART_MAX_BARS = 20
GROUP_LABELS = {"state": "State", "pincode": "Pincode", "payment_method": "Payment method"}


class ShipmentFilterForm(forms.Form):
    """The list's filters; every field optional. Invalid values are reported and ignored."""

    q = forms.CharField(required=False, label="AWB or order", max_length=100)
    status = forms.ChoiceField(
        required=False, choices=[("", "All statuses"), *ShipmentStatus.CHOICES]
    )
    account = forms.TypedChoiceField(required=False, label="Courier", coerce=int, empty_value=None)
    ndr = forms.ChoiceField(
        required=False,
        label="NDR",
        choices=[("", "Any"), ("true", "In NDR only"), ("false", "Not in NDR")],
    )
    date_from = forms.DateField(
        required=False,
        validators=[day_in_range],
        label="Booked from",
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    date_to = forms.DateField(
        required=False,
        validators=[day_in_range],
        label="Booked to",
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    def __init__(self, *args, merchant, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["account"].choices = [("", "All couriers")] + [
            (a.pk, a.display_name or a.external_id) for a in courier_accounts(merchant=merchant)
        ]

    def selector_filters(self) -> dict[str, object]:
        """The valid, non-empty filters in the shape ``shipment_list`` takes."""
        if not self.is_bound:
            return {}
        self.is_valid()
        filters = {k: v for k, v in self.cleaned_data.items() if v not in (None, "")}
        if "ndr" in filters:
            filters["ndr"] = filters["ndr"] == "true"
        return filters


def _list_context(request: HttpRequest) -> dict:
    form = ShipmentFilterForm(request.GET or None, merchant=request.merchant)
    filters = form.selector_filters()
    page = Paginator(shipment_list(merchant=request.merchant, filters=filters), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return {
        "form": form,
        "page": page,
        "is_filtered": bool(filters),
        "moving": any(not s.is_final for s in page.object_list),
        "poll_seconds": STATUS_POLL_SECONDS,
        "query": request.GET.urlencode(),
    }


@require_GET
@merchant_required
def shipment_list_page(request: HttpRequest) -> HttpResponse:
    """Shipments of the merchant, newest first, 50 a page, filterable by AWB or order number,
    status, courier, NDR and IST booking days; while a shipment on the page is not final the
    table re-reads itself every ``STATUS_POLL_SECONDS`` (``shipment_rows``)."""
    return render(request, "shipments/shipment_list.html", _list_context(request))


@require_GET
@merchant_required
def shipment_rows(request: HttpRequest) -> HttpResponse:
    """The list's table alone (same query string), for its live refresh; it stops asking once
    every shipment on the page is final (the partial comes back without ``data-poll-url``)."""
    return render(request, "shipments/_rows.html", _list_context(request))


@require_GET
@merchant_required
def shipment_detail_page(request: HttpRequest, shipment_id: int) -> HttpResponse:
    """One shipment: order, courier, package, charges and its tracking timeline (oldest scan
    first); owners and managers may cancel it while it is not final."""
    try:
        shipment = shipment_detail(merchant=request.merchant, shipment_id=shipment_id)
    except Shipment.DoesNotExist:
        raise Http404("No such shipment.") from None
    return render(
        request,
        "shipments/shipment_detail.html",
        {
            "shipment": shipment,
            "can_manage": request.membership.can_manage,
            "cancellable": not shipment.is_final,
            "before_pickup": shipment.status in NOT_PICKED_UP,
        },
    )


@require_POST
@merchant_required
def shipment_cancel_view(request: HttpRequest, shipment_id: int) -> HttpResponse:
    """Cancel at the courier (``shipment_cancel``); the courier's refusal is shown as the
    message. Owners and managers only."""
    if not request.membership.can_manage:
        raise PermissionDenied("Only owners and managers can cancel shipments.")
    try:
        shipment = shipment_detail(merchant=request.merchant, shipment_id=shipment_id)
    except Shipment.DoesNotExist:
        raise Http404("No such shipment.") from None
    try:
        shipment_cancel(shipment=shipment)
    except ValueError as exc:
        messages.error(request, str(exc))
    except ConnectorError as exc:
        messages.error(request, f"The courier could not be reached: {exc}")
    else:
        if shipment.status == ShipmentStatus.CANCELLED:
            messages.success(request, f"Shipment {shipment.awb} cancelled.")
        else:
            messages.success(
                request,
                f"Cancellation of {shipment.awb} sent: it was already picked up, so the courier "
                "returns it to origin (RTO); its scans will show the return.",
            )
    return redirect("dashboard:shipment_detail", shipment_id=shipment_id)


class NdrActionForm(forms.Form):
    """One NDR action from the queue; the date, phone and address go with a re-attempt."""

    action = forms.ChoiceField(choices=[(a, a) for a in sorted(NdrAction.SENT)])
    reattempt_on = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    phone = forms.CharField(required=False, max_length=20)
    address = forms.CharField(required=False, max_length=500)


@require_GET
@merchant_required
def ndr_queue_page(request: HttpRequest) -> HttpResponse:
    """Shipments in NDR (a delivery attempt failed), the longest waiting first: reason, the
    courier's code, attempts, a possible-false-NDR flag and the actions the courier would take
    now (a refused one shows why instead of a button; a held one when it will be sent)."""
    page = Paginator(ndr_queue(merchant=request.merchant), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    page.object_list = ndr_queue_rows(page.object_list)
    return render(
        request,
        "shipments/ndr_queue.html",
        {"page": page, "can_manage": request.membership.can_manage},
    )


@require_POST
@merchant_required
def ndr_action_view(request: HttpRequest, shipment_id: int) -> HttpResponse:
    """Ask the courier for a re-attempt or an RTO (``ndr_action_request``); the outcome or the
    reason it cannot be asked is the message. Owners and managers only."""
    if not request.membership.can_manage:
        raise PermissionDenied("Only owners and managers can act on NDRs.")
    try:
        shipment = shipment_detail(merchant=request.merchant, shipment_id=shipment_id)
    except Shipment.DoesNotExist:
        raise Http404("No such shipment.") from None
    form = NdrActionForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Check the action: " + form.errors.as_text())
        return redirect("dashboard:ndr_queue")
    data = form.cleaned_data
    try:
        asked = ndr_action_request(
            shipment=shipment,
            action=data["action"],
            reattempt_on=data["reattempt_on"],
            phone=data["phone"],
            address=data["address"],
            user=request.user,
        )
    except NdrActionRefused as exc:
        messages.error(request, str(exc))
        return redirect("dashboard:ndr_queue")
    what = asked.get_action_display().lower()
    if asked.status == NdrActionRequest.HELD and asked.send_after:
        local = timezone.localtime(asked.send_after)
        messages.success(
            request,
            f"{what.capitalize()} for {shipment.awb} will be sent at {local:%H:%M} IST, when "
            "the courier takes it.",
        )
    elif asked.status == NdrActionRequest.ACCEPTED:
        messages.success(
            request, f"{what.capitalize()} for {shipment.awb} accepted by the courier."
        )
    elif asked.status == NdrActionRequest.REFUSED:
        messages.error(request, f"The courier refused {what} for {shipment.awb}: {asked.error}")
    else:
        messages.warning(
            request,
            f"{what.capitalize()} for {shipment.awb} could not be sent ({asked.error}); it is "
            "tried again in a few minutes.",
        )
    return redirect("dashboard:ndr_queue")


def _label(group_by: str, group: str) -> str:
    if not group:
        return "Unknown"
    if group_by == "payment_method":
        return dict(PaymentMethod.CHOICES).get(group, group)
    return group


def _chart(rates: list, group_by: str) -> dict:
    """Bar geometry (SVG units) for the RTO rate of the groups with the most outcomes (at most
    ``CHART_MAX_BARS``, highest rate first); the bar height is the rate out of 100%."""
    shown = sorted(rates, key=lambda r: -r.shipments)[:CHART_MAX_BARS]
    shown.sort(key=lambda r: (-r.rto_rate, -r.shipments, r.group))
    step = CHART_WIDTH / max(1, len(shown))
    bars = []
    for i, rate in enumerate(shown):
        height = round(CHART_HEIGHT * float(rate.rto_rate) / 100, 1)
        bars.append(
            {
                "rate": rate,
                "label": _label(group_by, rate.group),
                "x": round(i * step + 1, 1),
                "width": round(max(1.0, step - 2), 1),
                "y": round(CHART_HEIGHT - height, 1),
                "height": height,
            }
        )
    return {
        "bars": bars,
        "width": CHART_WIDTH,
        "height": CHART_HEIGHT,
        "more": len(rates) > len(shown),
    }


@require_GET
@merchant_required
def rto_rates_page(request: HttpRequest) -> HttpResponse:
    """RTO rate per ship-to state, pincode or payment method (``?group_by=``, state by
    default; another value falls back to state with a message): an SVG bar chart and the
    table of shipments with an outcome, delivered, RTO delivered and the rate."""
    group_by = request.GET.get("group_by") or "state"
    if group_by not in RTO_GROUPS:
        messages.warning(request, "Unknown grouping: showing RTO rates by state.")
        group_by = "state"
    rates = rto_rates(merchant=request.merchant, group_by=group_by)
    total = sum(r.shipments for r in rates)
    rto = sum(r.rto_delivered for r in rates)
    return render(
        request,
        "shipments/rto_rates.html",
        {
            "group_by": group_by,
            "group_label": GROUP_LABELS[group_by],
            "groups": [(key, GROUP_LABELS[key]) for key in RTO_GROUPS],
            "rows": [{"label": _label(group_by, r.group), "rate": r} for r in rates],
            "chart": _chart(rates, group_by),
            "total": total,
            "rto": rto,
            "overall": rto_percent(rto, total),
        },
    )


# --- Confirm COD (issue 20 §3) -------------------------------------------------------------------
BATCH_POLL_SECONDS = 2
BATCH_MAX_ORDERS = 500


def _threshold(request: HttpRequest) -> int:
    """``?min=`` (0–100) or ``RTO_CONFIRM_THRESHOLD``; another value falls back to it."""
    try:
        value = int(request.GET.get("min", ""))
    except ValueError:
        return settings.RTO_CONFIRM_THRESHOLD
    return value if 0 <= value <= 100 else settings.RTO_CONFIRM_THRESHOLD


@require_GET
@merchant_required
def cod_confirm_page(request: HttpRequest) -> HttpResponse:
    """Open COD orders whose RTO risk score is at least the threshold (``?min=``, default
    ``RTO_CONFIRM_THRESHOLD``), not yet confirmed and not shipped: highest score first, with
    the factors that raise it, 50 a page; owners and managers mark them confirmed."""
    threshold = _threshold(request)
    page = Paginator(cod_to_confirm(merchant=request.merchant, threshold=threshold), PAGE_SIZE)
    return render(
        request,
        "shipments/cod_confirm.html",
        {
            "page": page.get_page(request.GET.get("page")),
            "threshold": threshold,
            "can_manage": request.membership.can_manage,
        },
    )


@require_POST
@merchant_required
def cod_confirm_view(request: HttpRequest, order_id: int) -> HttpResponse:
    """Mark a COD order confirmed with the customer (``rto_risk_confirm``): it leaves the
    list. Owners and managers only; another merchant's order is a 404."""
    if not request.membership.can_manage:
        raise PermissionDenied("Only owners and managers can confirm orders.")
    try:
        risk = rto_risk_confirm(merchant=request.merchant, order_id=order_id)
    except OrderRtoRisk.DoesNotExist:
        raise Http404("No such order.") from None
    messages.success(request, f"Order {risk.order.order_number} confirmed.")
    back = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
        back = reverse("dashboard:cod_confirm")
    return redirect(back)


# --- Ship selected (issue 20 §2) -----------------------------------------------------------------
@require_POST
@merchant_required
def shipment_batch_create_view(request: HttpRequest) -> HttpResponse:
    """ "Ship selected" from the orders page: the checked ``order_ids`` (at most
    ``BATCH_MAX_ORDERS``) and ``account`` ("" for the courier rules, else one of the merchant's
    courier accounts) → a background batch (``shipment_batch_create``) → its progress page.
    Owners and managers only."""
    if not request.membership.can_manage:
        raise PermissionDenied("Only owners and managers can ship orders.")
    try:
        ids = list(dict.fromkeys(int(v) for v in request.POST.getlist("order_ids")))
    except ValueError:
        ids = []
    account = None
    if request.POST.get("account"):
        account = (
            courier_accounts(merchant=request.merchant)
            .filter(pk=request.POST["account"] if request.POST["account"].isdigit() else 0)
            .first()
        )
        if account is None:
            messages.error(request, "No such courier account.")
            return redirect("dashboard:orders")
    if not ids:
        messages.error(request, "Select the orders to ship first.")
        return redirect("dashboard:orders")
    if len(ids) > BATCH_MAX_ORDERS:
        messages.error(request, f"Ship at most {BATCH_MAX_ORDERS} orders at a time.")
        return redirect("dashboard:orders")
    mine = set(Order.objects.for_merchant(request.merchant).filter(pk__in=ids).values_list(
        "pk", flat=True))  # fmt: skip
    batch = shipment_batch_create(
        merchant=request.merchant,
        order_ids=[pk for pk in ids if pk in mine],
        account=account,
        user=request.user,
    )
    return redirect("dashboard:shipment_batch", batch_id=batch.pk)


def _batch(request: HttpRequest, batch_id: int) -> ShipmentBatch:
    try:
        return shipment_batch(merchant=request.merchant, batch_id=batch_id)
    except ShipmentBatch.DoesNotExist:
        raise Http404("No such batch.") from None


def batch_status_data(batch: ShipmentBatch) -> dict:
    """The batch as the progress bar reads it: ``{"id", "status", "total", "done",
    "failed", "percent", "errors": [{"order_id", "order_number", "reason"}], "label_url"
    (null until the PDF exists), "error"}``."""
    return {
        "id": batch.pk,
        "status": batch.status,
        "total": batch.total,
        "done": batch.done,
        "failed": batch.failed,
        "percent": batch.percent,
        "errors": batch_errors(batch),
        "label_url": batch.label.url if batch.label else None,
        "error": batch.error,
    }


@require_GET
@merchant_required
def shipment_batch_page(request: HttpRequest, batch_id: int) -> HttpResponse:
    """One batch: a progress bar that polls ``shipment_batch_status`` every
    ``BATCH_POLL_SECONDS`` until the batch is final, the refusals with their reasons and the
    label PDF link once it is done."""
    batch = _batch(request, batch_id)
    return render(
        request,
        "shipments/batch_detail.html",
        {
            "batch": batch,
            "errors": batch_errors(batch),
            "poll_seconds": BATCH_POLL_SECONDS,
        },
    )


@require_GET
@merchant_required
def shipment_batch_status(request: HttpRequest, batch_id: int) -> JsonResponse:
    """The batch's progress as JSON (``batch_status_data``), for the live progress bar."""
    return JsonResponse(batch_status_data(_batch(request, batch_id)))
