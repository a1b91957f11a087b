"""Reads of the returns for the dashboard and the API (merchant-scoped)."""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch, QuerySet

from orders.models import Return, ReturnDisposition, ReturnItem


def return_list(*, merchant, filters: dict[str, Any] | None = None) -> QuerySet[Return]:
    """Returns and RTOs of the merchant, newest request first, with account, order, items and
    the channel's dispositions of the goods (oldest first); filters: ``status``, ``channel``,
    ``kind``, ``account`` (id)."""
    filters = filters or {}
    qs = (
        Return.objects.for_merchant(merchant)
        .select_related("account", "order")
        .prefetch_related(
            Prefetch("items", queryset=ReturnItem.objects.order_by("pk")),
            Prefetch("dispositions", queryset=ReturnDisposition.objects.order_by("seen_at", "pk")),
        )
        .order_by("-requested_at", "-pk")
    )
    for key in ("status", "channel", "kind"):
        if filters.get(key):
            qs = qs.filter(**{key: filters[key]})
    if filters.get("account"):
        qs = qs.filter(account_id=filters["account"])
    return qs
