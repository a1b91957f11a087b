"""Celery tasks of the order book: ids in, one service call each, no logic."""

from __future__ import annotations

from celery import shared_task


@shared_task
def order_payments_refresh_task() -> dict[int, str]:
    """Payment methods of report-imported Amazon orders (``orders.services.payments``)."""
    from orders.services.payments import order_payments_refresh_all

    return {
        pk: r.error or f"{r.checked} checked, {r.cod} COD, {r.missing} missing"
        for pk, r in order_payments_refresh_all().items()
    }
