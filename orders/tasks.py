"""Celery tasks of the order book: ids in, one service call each, no logic. Transient provider
errors of the return tasks retry with exponential backoff (30 s doubling, jittered, at most
1 h, 8 tries)."""

from __future__ import annotations

from celery import shared_task
from celery.utils.time import get_exponential_backoff_interval

from integrations.http import ConnectorError


@shared_task
def order_payments_refresh_task() -> dict[int, str]:
    """Payment methods of report-imported Amazon orders (``orders.services.payments``)."""
    from orders.services.payments import order_payments_refresh_all

    return {
        pk: r.error or f"{r.checked} checked, {r.cod} COD, {r.missing} missing"
        for pk, r in order_payments_refresh_all().items()
    }


@shared_task(bind=True, max_retries=8)
def return_writeback_task(self, return_id: int) -> None:
    """Write a return's status to its Shopify order. Transient errors retry with exponential
    backoff (30 s doubling, jittered, at most 1 h, 8 tries). Without a broker (eager) the HTTP
    client's own retries are the only ones: an eager retry would run again at once, inside the
    request that queued it; the error stays recorded on the return."""
    from orders.models import Return
    from orders.services.returns import return_writeback

    try:
        return_writeback(ret=Return.objects.select_related("account").get(pk=return_id))
    except ConnectorError as exc:
        if self.request.is_eager:
            raise
        countdown = get_exponential_backoff_interval(
            factor=30, retries=self.request.retries, maximum=3600, full_jitter=True
        )
        raise self.retry(exc=exc, countdown=countdown) from exc


@shared_task(bind=True, max_retries=8)
def returns_refresh_order_task(self, account_id: int, order_external_id: str) -> None:
    """Read one Shopify order's returns and refunds into Sangam (``returns_refresh_order``).
    Transient errors retry like ``return_writeback_task``; the returns poll is the safety
    net when the tries run out."""
    from integrations.models import ChannelAccount
    from orders.services.returns import returns_refresh_order

    try:
        returns_refresh_order(
            account=ChannelAccount.objects.get(pk=account_id), order_external_id=order_external_id
        )
    except ConnectorError as exc:
        if self.request.is_eager or exc.permanent:
            raise
        countdown = get_exponential_backoff_interval(
            factor=30, retries=self.request.retries, maximum=3600, full_jitter=True
        )
        raise self.retry(exc=exc, countdown=countdown) from exc
