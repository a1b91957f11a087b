"""Celery tasks: ids and strings in, one service call each, no logic."""

from __future__ import annotations

import threading

from celery import shared_task
from django.db import connection


def enqueue(task, *args, background: bool = False) -> None:
    """Send ``task`` to the broker. Without a broker tasks run eagerly in-process; with
    ``background`` (a person clicked "Sync now") that eager run happens in a daemon thread, so
    the request answers at once and the dashboard can show the run's live progress."""
    if background and task.app.conf.task_always_eager:
        threading.Thread(target=_apply_in_thread, args=(task, args), daemon=True).start()
    else:
        task.delay(*args)


def _apply_in_thread(task, args: tuple) -> None:
    try:
        task.apply(args=args)
    finally:
        connection.close()  # the thread's own database connection


@shared_task
def run_sync_runs_task(run_ids: list[int]) -> None:
    from integrations.services.sync import run_sync_runs

    run_sync_runs(run_ids)


@shared_task
def sync_all_accounts_task(streams: list[str] | str | None = None) -> None:
    from integrations.services.sync import SCHEDULED_STREAMS, sync_all_accounts

    if isinstance(streams, str):  # schedules saved before streams became a list
        streams = [streams]
    sync_all_accounts(streams or SCHEDULED_STREAMS)


@shared_task
def sync_account_task(account_id: int, streams: list[str]) -> None:
    from integrations.services.sync import sync_account

    sync_account(account_id=account_id, streams=streams)


@shared_task
def process_webhook_event_task(event_id: int) -> None:
    from integrations.services.webhooks import webhook_process

    webhook_process(event_id=event_id)


@shared_task
def drain_webhook_inbox_task() -> None:
    """Process a batch of the stored webhook events waiting in the inbox (see
    ``webhook_inbox_drain``); the receiver queues one at a time."""
    from integrations.services.webhooks import webhook_inbox_drain

    webhook_inbox_drain()


@shared_task
def retry_failed_webhooks_task() -> None:
    from integrations.services.webhooks import retry_failed_webhooks

    retry_failed_webhooks()


@shared_task
def register_webhooks_task(account_id: int) -> None:
    from integrations.models import ChannelAccount
    from integrations.services.webhook_subscriptions import account_register_webhooks

    account_register_webhooks(account=ChannelAccount.objects.get(pk=account_id))
