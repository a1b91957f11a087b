"""Reads of the order book for the API and the dashboard (always merchant-scoped)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any

from django.db.models import Count, Min, OuterRef, Prefetch, Q, QuerySet, Subquery, Sum
from django.utils import timezone

from integrations.dto import OrderStatus
from orders.models import Order, OrderItem, OrderStatusEvent, Return


def order_list(*, merchant, filters: dict[str, Any] | None = None) -> QuerySet[Order]:
    """Orders of ``merchant``, newest first, filtered by any of: ``channel``, ``status``,
    ``payment_method``, ``account`` (id), ``date_from``/``date_to`` (dates, IST days inclusive),
    ``sku`` (orders with a line of that SKU), ``q`` (order number or customer name),
    ``backorder`` (True: only orders waiting for stock; False: only the others),
    ``return_kind`` (``rto`` or ``customer_return``: orders with such a return). Each order
    carries ``item_count`` and ``return_kind`` (``with_return_kind``)."""
    filters = filters or {}
    qs = Order.objects.for_merchant(merchant).select_related("account")
    for key in ("channel", "status", "payment_method"):
        if filters.get(key):
            qs = qs.filter(**{key: filters[key]})
    if filters.get("account"):
        qs = qs.filter(account_id=filters["account"])
    if filters.get("date_from"):
        qs = qs.filter(placed_at__gte=_day_start(filters["date_from"]))
    if filters.get("date_to"):
        qs = qs.filter(placed_at__lt=_day_start(filters["date_to"]) + timezone.timedelta(days=1))
    if filters.get("sku"):
        # A subquery, not a join: the item count below must count every line of the order.
        qs = qs.filter(pk__in=OrderItem.objects.filter(sku=filters["sku"]).values("order_id"))
    if filters.get("backorder") is not None:
        qs = qs.filter(unfulfillable=filters["backorder"])
    if filters.get("return_kind"):
        # A subquery, as for ``sku``: a join would multiply the item count below.
        returned = Return.objects.filter(kind=filters["return_kind"]).values("order_id")
        qs = qs.filter(pk__in=returned)
    if filters.get("q"):
        term = filters["q"].strip()
        qs = qs.filter(Q(order_number__icontains=term) | Q(customer_name__icontains=term))
    return with_return_kind(qs.annotate(item_count=Count("items"))).order_by("-placed_at", "-pk")


def with_return_kind(qs: QuerySet[Order]) -> QuerySet[Order]:
    """``qs`` annotated with ``return_kind``: the ``ReturnKind`` of the order's first return
    (``rto`` when the courier brought it back, ``customer_return``), None without one."""
    first = Return.objects.filter(order=OuterRef("pk")).order_by("requested_at", "pk")
    return qs.annotate(return_kind=Subquery(first.values("kind")[:1]))


def _day_start(value: date | str) -> datetime:
    day = date.fromisoformat(value) if isinstance(value, str) else value
    return timezone.make_aware(datetime.combine(day, time.min), timezone.get_default_timezone())


def order_detail(*, merchant, order_id: int) -> Order:
    """One order with items and status history; raises ``Order.DoesNotExist`` if it is not
    the merchant's."""
    return (
        with_return_kind(Order.objects.for_merchant(merchant))
        .select_related("account")
        .prefetch_related(
            Prefetch("items", queryset=OrderItem.objects.select_related("variant")),
            Prefetch("status_events", queryset=OrderStatusEvent.objects.order_by("occurred_at")),
        )
        .get(pk=order_id)
    )


def order_summary(*, merchant) -> dict[str, Any]:
    """Counts and value per channel and status for the dashboard header."""
    qs = Order.objects.for_merchant(merchant)
    return {
        "total": qs.count(),
        "by_status": dict(qs.values_list("status").annotate(n=Count("pk")).order_by()),
        "by_channel": list(
            qs.values("channel").annotate(n=Count("pk"), value=Sum("total")).order_by("channel")
        ),
    }


def unknown_order_ids(*, account, order_external_ids: Sequence[str]) -> list[str]:
    """Of ``order_external_ids``, those the account has no order for (one query)."""
    wanted = set(order_external_ids)
    known = set(
        Order.objects.filter(account=account, external_id__in=wanted).values_list(
            "external_id", flat=True
        )
    )
    return sorted(wanted - known)


@dataclass(frozen=True, slots=True)
class Backorders:
    """Open orders waiting for a SKU's stock (``Order.unfulfillable``): how many, the units
    their lines of that SKU need, and since when the oldest waits."""

    orders: int
    units: int
    oldest: datetime | None


def backorders_by_variant(*, merchant, variant_ids: Iterable[int]) -> dict[int, Backorders]:
    """``{variant id: Backorders}`` for those of ``variant_ids`` that open backorders of
    ``merchant`` wait for (variants nothing waits for are absent). One query."""
    rows = (
        OrderItem.objects.filter(
            order__merchant=merchant,
            order__unfulfillable=True,
            order__status__in=OrderStatus.OPEN,
            variant_id__in=list(variant_ids),
        )
        .values("variant_id")
        .annotate(
            orders=Count("order_id", distinct=True),
            units=Sum("current_quantity"),
            oldest=Min("order__backordered_at"),
        )
    )
    return {
        row["variant_id"]: Backorders(row["orders"], row["units"] or 0, row["oldest"])
        for row in rows
    }
