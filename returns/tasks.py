"""Celery tasks of the returns: ids in, one service call each, no logic. Transient provider
errors retry with exponential backoff (30 s doubling, jittered, at most 1 h, 8 tries)."""

from __future__ import annotations

from celery import shared_task
from celery.utils.time import get_exponential_backoff_interval

from integrations.http import ConnectorError
from integrations.models import ChannelAccount
from orders.models import Return


@shared_task(bind=True, max_retries=8)
def return_writeback_task(self, return_id: int) -> None:
    """Write a return's status to its Shopify order. Transient errors retry with exponential
    backoff (30 s doubling, jittered, at most 1 h, 8 tries). Without a broker (eager) the HTTP
    client's own retries are the only ones: an eager retry would run again at once, inside the
    request that queued it; the error stays recorded on the return."""
    from returns.services.writeback import return_writeback

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
    from returns.services.imports import returns_refresh_order

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
