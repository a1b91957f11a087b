"""Dashboard: the pool across channels — the stock table with each listing's push state and
backorders, one SKU's ledger and listings, unmatched listings, the drift report, and the
per-account stock controls of the connector hub.

Reads go through ``inventory.selectors`` and ``orders.selectors`` (merchant-scoped: another
merchant's SKU, listing or account is a 404); writes call the channel stock services
(``listing_map``, ``account_set_manages_stock``, ``listings_discover``) and answer with
POST → redirect → GET and a message. Writes need an owner or manager (viewers get 403).
"""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from accounts.decorators import merchant_required
from channel_stock.services.listings import listing_map, listings_discover
from channel_stock.services.push import account_set_manages_stock, listings_mark_changed
from integrations.connectors.base import Capability
from integrations.http import ConnectorError
from integrations.models import AccountStatus, ChannelAccount
from integrations.registry import CONNECTORS
from inventory.forms import (
    CountUploadForm,
    DriftFilterForm,
    ListingBufferForm,
    ListingMapForm,
    StockAdjustForm,
)
from inventory.models import ChannelListing, Variant
from inventory.selectors import (
    LOW_STOCK_AT,
    drift_daily_counts,
    drift_list,
    listing_list,
    listing_states,
    listing_states_by_variant,
    managed_accounts,
    movement_list,
    push_history,
    sku_detail,
    stock_list,
    variant_listing_states,
)
from inventory.views import PAGE_SIZE, back, form_errors, require_manager, sku_url
from orders.selectors import backorders_by_variant

MOVEMENTS_PAGE_SIZE = 50
LISTINGS_PAGE_SIZE = 100
DRIFT_PAGE_SIZE = 50
STATUS_POLL_MAX_LISTINGS = 500
COUNT_RESULT_SESSION_KEY = "stock_count_result"
PUSH_POLL_SECONDS = 5
CHART_WIDTH = 600
CHART_HEIGHT = 120


# --- the stock table ------------------------------------------------------------------------------
@require_GET
@merchant_required
def stock_page(request: HttpRequest) -> HttpResponse:
    """On hand, reserved and available-to-sell per SKU and warehouse, and for every account
    where Sangam manages stock: each listing's available-to-sell (after its buffer), last
    pushed quantity and push status (refreshed live). Filters: ``q`` (SKU or product title),
    ``low=1`` (available ≤ 5), ``failures=1`` (a push failed). A fixed number of queries
    whatever the page size. Also the count upload form and its last result."""
    q = request.GET.get("q", "").strip()[:100]
    low_stock_only = request.GET.get("low") == "1"
    failures_only = request.GET.get("failures") == "1"
    levels = stock_list(
        merchant=request.merchant,
        q=q,
        low_stock_only=low_stock_only,
        push_failures_only=failures_only,
    )
    page = Paginator(levels, PAGE_SIZE).get_page(request.GET.get("page"))
    accounts = managed_accounts(merchant=request.merchant)
    states = listing_states_by_variant(levels=page.object_list, accounts=accounts)
    waiting = backorders_by_variant(
        merchant=request.merchant, variant_ids={level.variant_id for level in page.object_list}
    )
    rows = [
        {
            "level": level,
            "backorders": waiting.get(level.variant_id) if level.warehouse.is_default else None,
            "channels": [states[level.variant_id][a.pk] for a in accounts]
            if level.warehouse.is_default
            else None,
        }
        for level in page.object_list
    ]
    return render(
        request,
        "inventory/stock.html",
        {
            "page": page,
            "rows": rows,
            "accounts": accounts,
            "q": q,
            "low_stock_only": low_stock_only,
            "failures_only": failures_only,
            "is_filtered": bool(q or low_stock_only or failures_only),
            "low_stock_at": LOW_STOCK_AT,
            "upload_form": CountUploadForm(),
            "count_result": request.session.pop(COUNT_RESULT_SESSION_KEY, None),
            "can_manage": request.membership.can_manage,
            "poll_seconds": PUSH_POLL_SECONDS,
        },
    )


@require_GET
@merchant_required
def stock_push_status(request: HttpRequest) -> JsonResponse:
    """JSON for the stock table's live refresh: ``?listing=<id>&listing=…`` (up to 500) →
    ``{"listings": [{id, available_to_sell, last_pushed_quantity, last_pushed_at (ISO),
    last_push_status, last_push_message, push_pending, html}]}``; ``html`` is the rendered
    cell. Unknown or another merchant's ids are left out."""
    ids = [int(v) for v in request.GET.getlist("listing") if v.isdigit()][:STATUS_POLL_MAX_LISTINGS]
    payload = []
    for state in listing_states(merchant=request.merchant, listing_ids=ids):
        listing = state.listing
        payload.append(
            {
                "id": listing.pk,
                "available_to_sell": state.available_to_sell,
                "last_pushed_quantity": listing.last_pushed_quantity,
                "last_pushed_at": listing.last_pushed_at.isoformat()
                if listing.last_pushed_at
                else None,
                "last_push_status": listing.last_push_status,
                "last_push_message": listing.last_push_message,
                "push_pending": listing.push_pending,
                "html": render_to_string(
                    "inventory/_listing_state.html", {"state": state}, request=request
                ),
            }
        )
    response = JsonResponse({"listings": payload})
    response["Cache-Control"] = "no-store"
    return response


# --- one SKU --------------------------------------------------------------------------------------
@require_GET
@merchant_required
def sku_page(request: HttpRequest, sku: str) -> HttpResponse:
    """One SKU: levels per warehouse, the movement ledger (paginated), its listings per channel
    (buffer editable, available-to-sell, last push), push history (newest 50), drift events,
    and the adjust-stock form."""
    try:
        variant = sku_detail(merchant=request.merchant, sku=sku)
    except Variant.DoesNotExist:
        raise Http404("No such SKU.") from None
    movements = Paginator(movement_list(variant=variant), MOVEMENTS_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "inventory/sku_detail.html",
        {
            "variant": variant,
            "available": max(0, variant.on_hand - variant.reserved),
            "levels": list(variant.stock_levels.all()),
            "listings": variant_listing_states(variant),
            "page": movements,
            "pushes": push_history(variant=variant),
            "drift_events": list(drift_list(merchant=request.merchant, variant=variant)[:50]),
            "backorders": backorders_by_variant(
                merchant=request.merchant, variant_ids=[variant.pk]
            ).get(variant.pk),
            "adjust_form": StockAdjustForm(),
            "can_manage": request.membership.can_manage,
        },
    )


def _merchant_listing(request: HttpRequest, listing_id: int) -> ChannelListing:
    return get_object_or_404(
        ChannelListing.objects.for_merchant(request.merchant).select_related("account", "variant"),
        pk=listing_id,
    )


@require_POST
@merchant_required
def listing_buffer(request: HttpRequest, listing_id: int) -> HttpResponse:
    """Change a listing's buffer stock; a mapped listing of a managed account is marked for
    the push (its available-to-sell changed)."""
    require_manager(request, "change buffer stock")
    listing = _merchant_listing(request, listing_id)
    default = sku_url(listing.variant) if listing.variant else reverse("dashboard:stock")
    form = ListingBufferForm(request.POST)
    if not form.is_valid():
        messages.error(request, f"Buffer not changed: {form_errors(form)}")
        return back(request, default)
    with transaction.atomic():
        listing.buffer_stock = form.cleaned_data["buffer_stock"]
        listing.save(update_fields=["buffer_stock", "updated_at"])
        pushed = listing.variant_id and listings_mark_changed(
            variant_ids=[listing.variant_id], account_ids=[listing.account_id]
        )
    name = listing.channel_sku or listing.external_variant_id
    suffix = " The new quantity is being pushed." if pushed else ""
    messages.success(
        request, f"Buffer of {name} on {listing.account} set to {listing.buffer_stock}.{suffix}"
    )
    return back(request, default)


# --- listings -------------------------------------------------------------------------------------
@require_GET
@merchant_required
def listings_unmatched_page(request: HttpRequest) -> HttpResponse:
    """Listings of each channel account that no SKU is mapped to yet (channel SKU, title,
    barcode, product id), with a form to map each by SKU; ``?account=<id>`` narrows."""
    account_id = request.GET.get("account", "")
    account_id = int(account_id) if account_id.isdigit() else None
    listings = listing_list(merchant=request.merchant, unmatched=True, account_id=account_id)
    page = Paginator(listings, LISTINGS_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "inventory/listings_unmatched.html",
        {
            "page": page,
            "accounts": ChannelAccount.objects.for_merchant(request.merchant).order_by(
                "provider", "pk"
            ),
            "account_id": account_id,
            "can_manage": request.membership.can_manage,
        },
    )


@require_POST
@merchant_required
def listing_map_view(request: HttpRequest, listing_id: int) -> HttpResponse:
    """Map a listing to a SKU of the catalog (``sku``), or unmap it (``unmap=1``), through
    ``listing_map``; a mapped listing of a managed account is pushed at once."""
    require_manager(request, "map listings")
    listing = _merchant_listing(request, listing_id)
    name = listing.channel_sku or listing.external_variant_id
    default = reverse("dashboard:listings_unmatched")
    if request.POST.get("unmap") == "1":
        previous = listing.variant
        listing_map(listing=listing, variant=None)
        messages.success(request, f"{name} on {listing.account} is no longer mapped.")
        return back(request, sku_url(previous) if previous else default)
    form = ListingMapForm(request.POST, merchant=request.merchant)
    if not form.is_valid():
        messages.error(request, f"{name} not mapped: {form_errors(form)}")
        return back(request, default)
    variant = form.cleaned_data["sku"]
    try:
        listing_map(listing=listing, variant=variant)
    except ValueError as exc:
        messages.error(request, f"{name} not mapped: {exc}")
    else:
        messages.success(request, f"{name} on {listing.account} now sells {variant.sku}.")
    return back(request, default)


def _chart(days: list[tuple]) -> dict:
    """Bar geometry (SVG units) for the per-day drift counts."""
    peak = max((n for _, n, _ in days), default=0)
    step = CHART_WIDTH / max(1, len(days))
    bars = []
    for i, (day, n, fixed) in enumerate(days):
        height = round(CHART_HEIGHT * n / peak, 1) if peak else 0
        fixed_height = round(CHART_HEIGHT * fixed / peak, 1) if peak else 0
        bars.append(
            {
                "day": day,
                "count": n,
                "corrected": fixed,
                "x": round(i * step + 1, 1),
                "width": round(max(1.0, step - 2), 1),
                "y": round(CHART_HEIGHT - height, 1),
                "height": height,
                "fixed_y": round(CHART_HEIGHT - fixed_height, 1),
                "fixed_height": fixed_height,
            }
        )
    return {
        "bars": bars,
        "peak": peak,
        "total": sum(n for _, n, _ in days),
        "width": CHART_WIDTH,
        "height": CHART_HEIGHT,
    }


@require_GET
@merchant_required
def drift_report(request: HttpRequest) -> HttpResponse:
    """Drift events (filter by account and IST date range), drift per day over the last 30
    days (server-rendered SVG bars), and "Check now" per managed account."""
    form = DriftFilterForm(request.GET or None, merchant=request.merchant)
    filters = form.selector_filters()
    events = drift_list(merchant=request.merchant, **filters)
    page = Paginator(events, DRIFT_PAGE_SIZE).get_page(request.GET.get("page"))
    days = drift_daily_counts(merchant=request.merchant, account_id=filters.get("account_id"))
    return render(
        request,
        "inventory/drift.html",
        {
            "form": form,
            "page": page,
            "is_filtered": bool(filters),
            "chart": _chart(days),
            "accounts": managed_accounts(merchant=request.merchant),
            "can_manage": request.membership.can_manage,
        },
    )


# --- per-account stock controls (connector hub) --------------------------------------------------
def _merchant_account(request: HttpRequest, account_id: int) -> ChannelAccount:
    return get_object_or_404(ChannelAccount.objects.for_merchant(request.merchant), pk=account_id)


def _has(account: ChannelAccount, capability: Capability) -> bool:
    connector = CONNECTORS.get(account.provider)
    return connector is not None and capability in connector.capabilities


@require_POST
@merchant_required
def account_manages_stock(request: HttpRequest, account_id: int) -> HttpResponse:
    """The "Sangam manages stock" switch (``enabled=1`` on, anything else off); switching on
    pushes every matched listing of the account."""
    require_manager(request, "change stock management")
    account = _merchant_account(request, account_id)
    if not _has(account, Capability.INVENTORY_PUSH):
        messages.error(request, f"{account} cannot receive stock from Sangam.")
        return back(request, reverse("dashboard:home"))
    enabled = request.POST.get("enabled") == "1"
    account_set_manages_stock(account=account, enabled=enabled)
    if enabled:
        messages.success(
            request, f"Sangam now manages stock on {account}: pushing every mapped listing."
        )
    else:
        messages.success(request, f"Sangam no longer pushes stock to {account}.")
    return back(request, reverse("dashboard:home"))


@require_POST
@merchant_required
def account_find_listings(request: HttpRequest, account_id: int) -> HttpResponse:
    """Read the account's listings from the channel (``listings_discover``) and match them to
    SKUs; the outcome (created/updated, or the channel's error) is a message."""
    require_manager(request, "look up listings")
    account = _merchant_account(request, account_id)
    if not _has(account, Capability.LISTINGS):
        messages.error(request, f"{account} cannot list its listings; they come with the catalog.")
        return back(request, reverse("dashboard:home"))
    if account.status != AccountStatus.CONNECTED:
        messages.error(request, f"{account} is not connected.")
        return back(request, reverse("dashboard:home"))
    try:
        result = listings_discover(account=account)
    except ConnectorError as exc:
        messages.error(request, f"{account}: listings could not be read: {exc}")
    else:
        messages.success(
            request,
            f"{account}: {result.created} new listing{'s' if result.created != 1 else ''}, "
            f"{result.updated} updated.",
        )
    return back(request, reverse("dashboard:home"))


@require_POST
@merchant_required
def account_drift_check(request: HttpRequest, account_id: int) -> HttpResponse:
    """Queue the drift check of one managed account (``drift_check_task``, in the background);
    its events appear on the drift report."""
    from channel_stock.tasks import drift_check_task
    from integrations.tasks import enqueue

    require_manager(request, "start a drift check")
    account = _merchant_account(request, account_id)
    if not account.manages_stock or account.status != AccountStatus.CONNECTED:
        messages.error(
            request, f"{account}: turn on \u201cSangam manages stock\u201d to check drift."
        )
        return back(request, reverse("dashboard:drift"))
    enqueue(drift_check_task, account.pk, background=True)
    messages.success(request, f"Drift check of {account} started; results appear below.")
    return back(request, reverse("dashboard:drift"))
