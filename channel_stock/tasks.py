"""Celery tasks of the stock pool: ids in, one service call each. The push and its outcome
check run at ``TASK_PRIORITY_STOCK``, ahead of webhook processing (see config/settings.py)."""

from __future__ import annotations

from celery import shared_task
from django.conf import settings


@shared_task(priority=settings.TASK_PRIORITY_STOCK)
def push_stock_task(account_id: int, force: bool = False, reason: str = "change") -> dict:
    from channel_stock.services.push import stock_push_account

    summary = stock_push_account(account_id=account_id, force=force, reason=reason)
    return {"pushed": summary.pushed, "unchanged": summary.unchanged, "failed": summary.failed}


@shared_task(priority=settings.TASK_PRIORITY_STOCK)
def push_outcome_task(account_id: int, submission_id: str) -> dict:
    from channel_stock.services.push import push_outcome_check

    summary = push_outcome_check(account_id=account_id, submission_id=submission_id)
    return {"waiting": summary.waiting, "pushed": summary.pushed, "failed": summary.failed}


@shared_task
def push_due_task() -> list[int]:
    from channel_stock.services.push import push_due_accounts

    return push_due_accounts()


@shared_task
def drift_check_all_task() -> None:
    from channel_stock.services.drift import drift_check_all

    drift_check_all()


@shared_task
def drift_check_task(account_id: int) -> dict:
    from channel_stock.services.drift import drift_check_account

    report = drift_check_account(account_id=account_id)
    return {"checked": report.checked, "drifted": report.drifted, "corrected": report.corrected}


@shared_task(priority=settings.TASK_PRIORITY_ORDERS)
def channel_level_check_task(
    listing_id: int, available: int, pushed_quantity: int, pushed_at: str, observed_at: str
) -> str:
    """Triage a Shopify level webhook that is not our echo (times are ISO-8601)."""
    from datetime import datetime

    from channel_stock.services.levels import channel_level_check

    return channel_level_check(
        listing_id=listing_id,
        available=available,
        pushed_quantity=pushed_quantity,
        pushed_at=datetime.fromisoformat(pushed_at),
        observed_at=datetime.fromisoformat(observed_at),
    )


@shared_task(priority=settings.TASK_PRIORITY_ORDERS)
def channel_level_read_task(listing_id: int, attempt: int = 0) -> str:
    """Read a listing's quantity from its channel for the ledger check (``channel_levels``)."""
    from channel_stock.services.levels import channel_level_read

    return channel_level_read(listing_id=listing_id, attempt=attempt)


@shared_task(priority=settings.TASK_PRIORITY_ORDERS)
def channel_level_refunds_task(listing_id: int) -> str:
    """Poll the account's refunds, then read the listing again (``channel_levels``)."""
    from channel_stock.services.levels import channel_level_refunds_check

    return channel_level_refunds_check(listing_id=listing_id)


@shared_task(priority=settings.TASK_PRIORITY_ORDERS)
def channel_level_settle_task(
    listing_id: int, available: int, read_at: str, base_at: str, set_delta: int, attempt: int = 0
) -> str:
    """Judge a reading taken by ``channel_level_read_task`` (times are ISO-8601)."""
    from datetime import datetime

    from channel_stock.services.levels import channel_level_settle

    return channel_level_settle(
        listing_id=listing_id,
        available=available,
        read_at=datetime.fromisoformat(read_at),
        base_at=datetime.fromisoformat(base_at),
        set_delta=set_delta,
        attempt=attempt,
    )


@shared_task(priority=settings.TASK_PRIORITY_ORDERS)
def channel_levels_settle_many_task(readings: list[list]) -> dict:
    """Judge the drift check's exact readings: ``[listing_id, available, read_at, base_at,
    set_delta]`` each (times ISO-8601). Returns the count per outcome."""
    from collections import Counter
    from datetime import datetime

    from channel_stock.services.levels import channel_level_settle

    outcomes: Counter = Counter()
    for listing_id, available, read_at, base_at, set_delta in readings:
        outcomes[
            channel_level_settle(
                listing_id=listing_id,
                available=available,
                read_at=datetime.fromisoformat(read_at),
                base_at=datetime.fromisoformat(base_at),
                set_delta=set_delta,
            )
        ] += 1
    return dict(outcomes)
