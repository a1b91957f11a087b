"""Reads of the catalog, the stock pool, channel listings, pushes and drift for the
dashboard and the API (always merchant-scoped: every query starts from ``for_merchant``).

Available-to-sell of a listing is computed from the merchant's default warehouse, the pool the
push uses (``channel_stock.services.push.listing_quantities``): on hand − reserved − buffer − what
the channel holds at its other locations, never below 0. Reads never create rows (no
``default_warehouse()`` call on a GET).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import (
    Count,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone

from integrations.models import ChannelAccount
from inventory.models import (
    ChannelInventoryLevel,
    ChannelListing,
    DriftEvent,
    PushState,
    StockLevel,
    StockMovement,
    StockPush,
    Variant,
)

LOW_STOCK_AT = 5  # available (on hand − reserved) at or below this is "low stock"
PUSH_HISTORY_SHOWN = 50
DRIFT_CHART_DAYS = 30


# --- the stock table ------------------------------------------------------------------------------
def stock_list(
    *,
    merchant,
    q: str = "",
    low_stock_only: bool = False,
    push_failures_only: bool = False,
) -> QuerySet[StockLevel]:
    """Stock levels of the merchant's warehouses with variant and product, by SKU then
    warehouse. ``q`` matches SKU or product title (case-insensitive); ``low_stock_only`` keeps
    rows with available ≤ ``LOW_STOCK_AT``; ``push_failures_only`` keeps variants with a listing
    of a managed account whose last push failed. ``available_units`` is on hand − reserved
    (may be negative in the annotation; pages show ``StockLevel.available``)."""
    qs = (
        StockLevel.objects.for_merchant(merchant)
        .select_related("variant", "variant__product", "warehouse")
        .annotate(available_units=F("on_hand") - F("reserved"))
        .order_by("variant__sku", "warehouse__name")
    )
    if q:
        qs = qs.filter(Q(variant__sku__icontains=q) | Q(variant__product__title__icontains=q))
    if low_stock_only:
        qs = qs.filter(available_units__lte=LOW_STOCK_AT)
    if push_failures_only:
        qs = qs.filter(
            Exists(
                ChannelListing.objects.filter(
                    variant_id=OuterRef("variant_id"),
                    account__manages_stock=True,
                    last_push_status=PushState.FAILED,
                )
            )
        )
    return qs


def managed_accounts(*, merchant) -> list[ChannelAccount]:
    """The merchant's accounts where "Sangam manages stock" is on (the stock table's channel
    columns), by provider then id."""
    return list(
        ChannelAccount.objects.for_merchant(merchant)
        .filter(manages_stock=True)
        .order_by("provider", "pk")
    )


@dataclass(frozen=True, slots=True)
class ListingState:
    """A listing with its available-to-sell now (units, after its buffer)."""

    listing: ChannelListing
    available_to_sell: int


def listing_states_by_variant(
    *, levels: Sequence[StockLevel], accounts: Sequence[ChannelAccount]
) -> dict[int, dict[int, list[ListingState]]]:
    """For the default-warehouse rows among ``levels``: variant id → account id → the
    variant's listings on that account with available-to-sell. One query whatever the page
    size. Rows of other warehouses get nothing (channels sell from the default warehouse)."""
    pool = {
        level.variant_id: (level.on_hand, level.reserved)
        for level in levels
        if level.warehouse.is_default
    }
    account_ids = [a.pk for a in accounts]
    result: dict[int, dict[int, list[ListingState]]] = defaultdict(lambda: defaultdict(list))
    if not pool or not account_ids:
        return result
    listings = ChannelListing.objects.filter(
        account_id__in=account_ids, variant_id__in=list(pool)
    ).order_by("account_id", "pk")
    for listing in listings:
        on_hand, reserved = pool[listing.variant_id]
        result[listing.variant_id][listing.account_id].append(
            ListingState(
                listing,
                listing.quantity_to_offer(on_hand=on_hand, reserved=reserved),
            )
        )
    return result


def listing_states(*, merchant, listing_ids: Iterable[int]) -> list[ListingState]:
    """The merchant's listings among ``listing_ids`` with available-to-sell now (two queries;
    the live refresh of the stock table). Unknown or foreign ids are left out."""
    listings = list(
        ChannelListing.objects.for_merchant(merchant)
        .filter(pk__in=list(listing_ids))
        .order_by("pk")
    )
    pool = _default_pool(merchant, {lst.variant_id for lst in listings if lst.variant_id})
    return [_state(listing, pool) for listing in listings]


def _default_pool(merchant, variant_ids: Iterable[int]) -> dict[int, tuple[int, int]]:
    """variant id → (on hand, reserved) in the merchant's default warehouse."""
    variant_ids = list(variant_ids)
    if not variant_ids:
        return {}
    return {
        v: (on_hand, reserved)
        for v, on_hand, reserved in StockLevel.objects.for_merchant(merchant)
        .filter(warehouse__is_default=True, variant_id__in=variant_ids)
        .values_list("variant_id", "on_hand", "reserved")
    }


def _state(listing: ChannelListing, pool: dict[int, tuple[int, int]]) -> ListingState:
    on_hand, reserved = pool.get(listing.variant_id, (0, 0))
    return ListingState(listing, listing.quantity_to_offer(on_hand=on_hand, reserved=reserved))


# --- one SKU --------------------------------------------------------------------------------------
def _default_level(field: str) -> Coalesce:
    level = StockLevel.objects.filter(
        variant_id=OuterRef("pk"),
        warehouse__merchant_id=OuterRef("merchant_id"),
        warehouse__is_default=True,
    ).values(field)[:1]
    return Coalesce(Subquery(level, output_field=IntegerField()), Value(0))


def sku_list(*, merchant, q: str = "", low_stock_only: bool = False) -> QuerySet[Variant]:
    """The merchant's variants by SKU with ``on_hand`` and ``reserved`` (units in the default
    warehouse, 0 without a level) and their listings (with account) prefetched. ``q`` matches
    SKU, variant title or product title; ``low_stock_only`` keeps available ≤ ``LOW_STOCK_AT``."""
    qs = (
        Variant.objects.for_merchant(merchant)
        .select_related("product")
        .annotate(on_hand=_default_level("on_hand"), reserved=_default_level("reserved"))
        .annotate(available_units=F("on_hand") - F("reserved"))
        .prefetch_related(
            Prefetch(
                "listings",
                queryset=ChannelListing.objects.select_related("account").order_by(
                    "account_id", "pk"
                ),
            )
        )
        .order_by("sku")
    )
    if q:
        qs = qs.filter(Q(sku__icontains=q) | Q(title__icontains=q) | Q(product__title__icontains=q))
    if low_stock_only:
        qs = qs.filter(available_units__lte=LOW_STOCK_AT)
    return qs


def sku_detail(*, merchant, sku: str) -> Variant:
    """One variant by exact SKU, annotated and prefetched like ``sku_list``, plus its stock
    levels (all warehouses). Raises ``Variant.DoesNotExist`` when the merchant has no such
    SKU."""
    return (
        sku_list(merchant=merchant)
        .prefetch_related(
            Prefetch(
                "stock_levels",
                queryset=StockLevel.objects.select_related("warehouse").order_by(
                    "-warehouse__is_default", "warehouse__name"
                ),
            )
        )
        .get(sku=sku)
    )


def variant_listing_states(variant: Variant) -> list[ListingState]:
    """The listings of a variant from ``sku_list``/``sku_detail`` (prefetched, no query) with
    available-to-sell from its annotated default-warehouse level."""
    return [
        ListingState(
            listing,
            listing.quantity_to_offer(on_hand=variant.on_hand, reserved=variant.reserved),
        )
        for listing in variant.listings.all()
    ]


def movement_list(*, variant: Variant) -> QuerySet[StockMovement]:
    """The variant's ledger, newest first, with warehouse and user."""
    return (
        StockMovement.objects.filter(variant=variant)
        .select_related("warehouse", "created_by")
        .order_by("-created_at", "-pk")
    )


def push_history(*, variant: Variant, limit: int = PUSH_HISTORY_SHOWN) -> list[StockPush]:
    """The newest ``limit`` pushes of the variant's listings, with listing and account."""
    return list(
        StockPush.objects.filter(listing__variant=variant)
        .select_related("listing", "listing__account")
        .order_by("-created_at", "-pk")[:limit]
    )


# --- listings -------------------------------------------------------------------------------------
def listing_list(
    *, merchant, unmatched: bool | None = None, account_id: int | None = None
) -> QuerySet[ChannelListing]:
    """The merchant's channel listings with account and variant, by account then channel SKU;
    ``unmatched`` True keeps listings without a variant, False only mapped ones."""
    qs = (
        ChannelListing.objects.for_merchant(merchant)
        .select_related("account", "variant")
        .order_by("account_id", "channel_sku", "pk")
    )
    if unmatched is not None:
        qs = qs.filter(variant__isnull=unmatched)
    if account_id:
        qs = qs.filter(account_id=account_id)
    return qs


def unmatched_counts(*, merchant) -> dict[int, int]:
    """account id → number of its listings no variant is mapped to (accounts with none are
    left out); one query."""
    return dict(
        ChannelListing.objects.for_merchant(merchant)
        .filter(variant__isnull=True)
        .values_list("account_id")
        .annotate(n=Count("pk"))
        .order_by()
    )


# --- drift ----------------------------------------------------------------------------------------
def _day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min), timezone.get_default_timezone())


def drift_list(
    *,
    merchant,
    account_id: int | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
    variant: Variant | None = None,
) -> QuerySet[DriftEvent]:
    """Drift events of the merchant, newest first, with account, listing and variant;
    ``date_from``/``date_to`` are IST days, inclusive; ``variant`` keeps events of its
    listings."""
    qs = (
        DriftEvent.objects.for_merchant(merchant)
        .select_related("account", "listing", "listing__variant")
        .order_by("-detected_at", "-pk")
    )
    if account_id:
        qs = qs.filter(account_id=account_id)
    if date_from:
        qs = qs.filter(detected_at__gte=_day_start(date_from))
    if date_to:
        qs = qs.filter(detected_at__lt=_day_start(date_to) + timedelta(days=1))
    if variant is not None:
        qs = qs.filter(listing__variant=variant)
    return qs


def drift_daily_counts(
    *,
    merchant,
    days: int = DRIFT_CHART_DAYS,
    account_id: int | None = None,
    today: date | None = None,
) -> list[tuple[date, int, int]]:
    """Drift events per IST day for the last ``days`` days up to ``today`` (oldest first,
    days without events included): ``(day, events, corrected)``."""
    today = today or timezone.localdate()
    first = today - timedelta(days=days - 1)
    qs = DriftEvent.objects.for_merchant(merchant).filter(
        detected_at__gte=_day_start(first), detected_at__lt=_day_start(today) + timedelta(days=1)
    )
    if account_id:
        qs = qs.filter(account_id=account_id)
    rows = (
        qs.annotate(day=TruncDate("detected_at", tzinfo=timezone.get_default_timezone()))
        .values("day")
        .annotate(n=Count("pk"), fixed=Count("pk", filter=Q(corrected=True)))
        .order_by("day")
    )
    by_day = {row["day"]: (row["n"], row["fixed"]) for row in rows}
    result = []
    for offset in range(days):
        day = first + timedelta(days=offset)
        n, fixed = by_day.get(day, (0, 0))
        result.append((day, n, fixed))
    return result


# --- returns --------------------------------------------------------------------------------------
def channel_levels(*, account) -> QuerySet[ChannelInventoryLevel]:
    """What one channel account reports per inventory item and location."""
    return (
        ChannelInventoryLevel.objects.filter(account=account)
        .select_related("listing", "listing__variant")
        .order_by("listing__channel_sku", "external_location_id")
    )
