"""Celery tasks of the stock pool: ids in, one service call each. The push and its outcome
check run at ``TASK_PRIORITY_STOCK``, ahead of webhook processing (see config/settings.py)."""

from __future__ import annotations

from celery import shared_task
from django.conf import settings


@shared_task(priority=settings.TASK_PRIORITY_STOCK)
def push_stock_task(account_id: int, force: bool = False, reason: str = "change") -> dict:
    from inventory.services.push import stock_push_account

    summary = stock_push_account(account_id=account_id, force=force, reason=reason)
    return {"pushed": summary.pushed, "unchanged": summary.unchanged, "failed": summary.failed}


@shared_task(priority=settings.TASK_PRIORITY_STOCK)
def push_outcome_task(account_id: int, submission_id: str) -> dict:
    from inventory.services.push import push_outcome_check

    summary = push_outcome_check(account_id=account_id, submission_id=submission_id)
    return {"waiting": summary.waiting, "pushed": summary.pushed, "failed": summary.failed}


@shared_task
def push_due_task() -> list[int]:
    from inventory.services.push import push_due_accounts

    return push_due_accounts()


@shared_task
def drift_check_all_task() -> None:
    from inventory.services.drift import drift_check_all

    drift_check_all()


@shared_task
def drift_check_task(account_id: int) -> dict:
    from inventory.services.drift import drift_check_account

    report = drift_check_account(account_id=account_id)
    return {"checked": report.checked, "drifted": report.drifted, "corrected": report.corrected}


@shared_task
def channel_level_check_task(
    listing_id: int, available: int, baseline_quantity: int, baseline_at: str, observed_at: str
) -> str:
    from datetime import datetime

    from inventory.services.channel_levels import channel_level_check

    return channel_level_check(
        listing_id=listing_id,
        available=available,
        baseline_quantity=baseline_quantity,
        baseline_at=datetime.fromisoformat(baseline_at),
        observed_at=datetime.fromisoformat(observed_at),
    )
