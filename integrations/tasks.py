"""Celery tasks: ids and strings in, one service call each, no logic."""

from __future__ import annotations

from celery import shared_task


@shared_task
def run_sync_runs_task(run_ids: list[int]) -> None:
    from integrations.services.sync import run_sync_runs

    run_sync_runs(run_ids)


@shared_task
def sync_all_accounts_task(stream: str = "orders") -> None:
    from integrations.services.sync import sync_all_accounts

    sync_all_accounts(stream)


@shared_task
def process_webhook_event_task(event_id: int) -> None:
    from integrations.services.webhooks import webhook_process

    webhook_process(event_id=event_id)


@shared_task
def retry_failed_webhooks_task() -> None:
    from integrations.services.webhooks import retry_failed_webhooks

    retry_failed_webhooks()


@shared_task
def register_webhooks_task(account_id: int) -> None:
    from integrations.models import ChannelAccount
    from integrations.services.shopify_app import shopify_register_webhooks

    shopify_register_webhooks(account=ChannelAccount.objects.get(pk=account_id))
