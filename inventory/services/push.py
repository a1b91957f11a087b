"""The stock push: available-to-sell from the pool to every channel listing, coalesced.

Flow: ``stock_apply`` reports the variants whose available-to-sell changed →
``listings_mark_changed`` sets ``push_pending`` on their listings (accounts where Sangam manages
stock) and, after commit, schedules one ``push_stock_task`` per account a short debounce later
(``STOCK_PUSH_DEBOUNCE_SECONDS``; a burst of changes rides on the one scheduled task, so each
listing is pushed once per burst). A listing that reached 0 is scheduled at once: the
inventory lock takes a sold-out SKU off every channel without waiting.

``stock_push_account`` claims the account's pending listings, computes available-to-sell now
(on hand − reserved − buffer, never below 0), skips listings whose channel already holds that
value, pushes the rest through the connector (Shopify ``inventorySetQuantities``, Amazon
``patchListingsItem``/``JSON_LISTINGS_FEED``, Flipkart listings v3 — batching is the
connector's), and records the result on the listing and in ``StockPush``. Failures stay
pending with an exponential backoff (``next_push_at``) and show in the dashboard; a sweep every
minute (``push_due_task``) picks up anything whose scheduled task was lost.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import Min, Q
from django.utils import timezone

from integrations.dto import PushResult, PushStatus, StockLevelDTO
from integrations.http import ConnectorError
from inventory.models import ChannelListing, PushState, StockLevel, StockPush
from inventory.services.stock import available_to_sell, default_warehouse

logger = logging.getLogger(__name__)

PUSH_BATCH = 500  # listings claimed per run; the rest is pushed by the next run at once
RUNNING_TTL = 600  # seconds a run may hold the account's push lock
MAX_BACKOFF_SECONDS = 3600


def _debounce_key(account_id: int) -> str:
    return f"stock-push:scheduled:{account_id}"


def _running_key(account_id: int) -> str:
    return f"stock-push:running:{account_id}"


def listings_mark_changed(
    *, variant_ids: Iterable[int], urgent: bool = False, account_ids: Iterable[int] = ()
) -> set[int]:
    """Mark the managed listings of ``variant_ids`` for the push and schedule their accounts
    after commit; ``urgent`` skips the debounce (a listing at 0). Returns the account ids."""
    variant_ids = list(variant_ids)
    qs = ChannelListing.objects.filter(
        variant_id__in=variant_ids, account__manages_stock=True, account__status="connected"
    )
    if account_ids:
        qs = qs.filter(account_id__in=list(account_ids))
    accounts = set(qs.values_list("account_id", flat=True).distinct())
    if not accounts:
        return accounts
    qs.filter(push_pending=False).update(push_pending=True)
    transaction.on_commit(lambda: schedule_push(accounts, urgent=urgent))
    return accounts


def schedule_push(account_ids: Iterable[int], *, urgent: bool = False) -> None:
    """Queue ``push_stock_task`` for each account unless one is already waiting out the
    debounce (``urgent``: at once, alongside any waiting one)."""
    from inventory.tasks import push_stock_task

    debounce = float(settings.STOCK_PUSH_DEBOUNCE_SECONDS)
    for account_id in account_ids:
        if urgent:
            push_stock_task.apply_async((account_id,), countdown=0)
        elif cache.add(_debounce_key(account_id), 1, timeout=int(debounce) + 60):
            push_stock_task.apply_async((account_id,), countdown=debounce)


@dataclass(slots=True)
class PushSummary:
    """One run of ``stock_push_account``: listings pushed, unchanged (skipped), failed, and
    channel calls made (a connector call per batch; counted by the connector's HTTP client
    elsewhere — here the number of ``push_inventory`` invocations)."""

    pushed: int = 0
    unchanged: int = 0
    failed: int = 0
    push_calls: int = 0
    busy: bool = False
    messages: list[str] = field(default_factory=list)


def stock_push_account(
    *, account_id: int, force: bool = False, reason: str = "change"
) -> PushSummary:
    """Push the account's pending listings (``force``: every matched listing, e.g. when
    "Sangam manages stock" is switched on or by the drift check). Returns a ``PushSummary``.
    Connector errors are recorded on the listings (never raised): they retry with backoff."""
    from integrations.models import ChannelAccount
    from integrations.services.accounts import build_connector

    summary = PushSummary()
    cache.delete(_debounce_key(account_id))
    if not cache.add(_running_key(account_id), 1, timeout=RUNNING_TTL):
        # Another run holds the account; it schedules what is still pending when it ends.
        # At most one retry waits per account (a re-queue per change flooded the broker in
        # bench/stock_propagation.py); the one-minute sweep is the backstop.
        summary.busy = True
        if cache.add(f"stock-push:retry:{account_id}", 1, timeout=5):
            from inventory.tasks import push_stock_task

            push_stock_task.apply_async((account_id,), countdown=2)
        return summary
    try:
        account = ChannelAccount.objects.filter(pk=account_id).first()
        if account is None or not account.manages_stock or account.status != "connected":
            return summary
        if force:
            ChannelListing.objects.filter(account=account, variant__isnull=False).update(
                push_pending=True, next_push_at=None
            )
        listings = _claim(account)
        if not listings:
            return summary
        quantities = listing_quantities(account.merchant_id, listings)
        to_push: list[tuple[ChannelListing, int]] = []
        for listing in listings:
            quantity = quantities[listing.pk]
            if (
                not force
                and listing.last_push_status in (PushState.OK, PushState.WARNING)
                and listing.last_pushed_quantity == quantity
                and listing.channel_quantity == quantity
            ):
                summary.unchanged += 1
                continue
            to_push.append((listing, quantity))
        if to_push:
            connector = build_connector(account)
            levels = [listing_level(listing, quantity) for listing, quantity in to_push]
            try:
                summary.push_calls += 1
                results = connector.push_inventory(levels)
            except ConnectorError as exc:
                logger.warning("stock push to account %s failed: %s", account_id, exc)
                results = [
                    PushResult(level.sku, PushStatus.FAILURE, str(exc)[:1000]) for level in levels
                ]
            _record(to_push, results, reason=reason, summary=summary)
        _schedule_remaining(account_id)
    finally:
        cache.delete(_running_key(account_id))
    return summary


def _claim(account) -> list[ChannelListing]:
    """Take the account's due pending listings (row-locked, ``SKIP LOCKED``) and clear their
    flag; a change that lands afterwards sets it again and is pushed by the next run."""
    now = timezone.now()
    with transaction.atomic():
        rows = list(
            ChannelListing.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(account=account, push_pending=True, variant__isnull=False)
            .filter(Q(next_push_at__isnull=True) | Q(next_push_at__lte=now))
            .select_related("variant")
            .order_by("pk")[:PUSH_BATCH]
        )
        ChannelListing.objects.filter(pk__in=[r.pk for r in rows]).update(push_pending=False)
    return rows


def listing_quantities(merchant_id: int, listings: list[ChannelListing]) -> dict[int, int]:
    """Available-to-sell per listing pk (units) from the default warehouse, minus each
    listing's buffer, never below 0."""
    warehouse = default_warehouse(merchant_id)
    levels = {
        v: (oh, rs)
        for v, oh, rs in StockLevel.objects.filter(
            warehouse=warehouse, variant_id__in={lst.variant_id for lst in listings}
        ).values_list("variant_id", "on_hand", "reserved")
    }
    result = {}
    for listing in listings:
        on_hand, reserved = levels.get(listing.variant_id, (0, 0))
        result[listing.pk] = available_to_sell(
            on_hand=on_hand, reserved=reserved, buffer=listing.buffer_stock
        )
    return result


def listing_level(listing: ChannelListing, quantity: int) -> StockLevelDTO:
    """The connector handles of a listing (see ``StockLevelDTO``)."""
    return StockLevelDTO(
        sku=listing.channel_sku or listing.variant.sku,
        quantity=quantity,
        listing_id=listing.external_inventory_item_id or listing.external_variant_id,
        product_id=listing.external_product_id,
        location_id=listing.external_location_id,
        compare_quantity=listing.channel_quantity,
    )


def _backoff(attempts: int) -> timedelta:
    return timedelta(seconds=min(MAX_BACKOFF_SECONDS, 30 * 2 ** max(0, attempts - 1)))


def _record(
    pushed: list[tuple[ChannelListing, int]],
    results: list[PushResult],
    *,
    reason: str,
    summary: PushSummary,
) -> None:
    """Store each listing's outcome and the push history row."""
    now = timezone.now()
    by_sku: dict[str, PushResult] = {r.sku: r for r in results}
    history: list[StockPush] = []
    for listing, quantity in pushed:
        sku = listing.channel_sku or listing.variant.sku
        result = by_sku.get(sku) or PushResult(sku, PushStatus.FAILURE, "no result from channel")
        message = (result.message or "; ".join(result.issues))[:1000]
        if result.ok:
            state = PushState.WARNING if result.status == PushStatus.WARNING else PushState.OK
            listing.last_pushed_quantity = quantity
            listing.last_pushed_at = now
            listing.channel_quantity = quantity
            listing.push_attempts = 0
            listing.next_push_at = None
            summary.pushed += 1
        else:
            state = PushState.FAILED
            listing.push_attempts += 1
            listing.next_push_at = now + _backoff(listing.push_attempts)
            summary.failed += 1
            summary.messages.append(f"{sku}: {message}")
        listing.last_push_status = state
        listing.last_push_message = message
        history.append(
            StockPush(
                listing=listing,
                quantity=quantity,
                status=state,
                message=message,
                submission_id=result.submission_id[:255],
                reason=reason[:40],
            )
        )
    ChannelListing.objects.bulk_update(
        [listing for listing, _ in pushed],
        [
            "last_pushed_quantity",
            "last_pushed_at",
            "channel_quantity",
            "push_attempts",
            "next_push_at",
            "last_push_status",
            "last_push_message",
        ],
    )
    failed = [listing.pk for listing, _ in pushed if listing.last_push_status == PushState.FAILED]
    if failed:
        ChannelListing.objects.filter(pk__in=failed).update(push_pending=True)
    StockPush.objects.bulk_create(history)


def _schedule_remaining(account_id: int) -> None:
    """Another run for what is still pending: at once when due (a change during this run,
    more than one batch), else when the earliest backoff ends."""
    from inventory.tasks import push_stock_task

    pending = ChannelListing.objects.filter(
        account_id=account_id, push_pending=True, variant__isnull=False
    )
    now = timezone.now()
    if pending.filter(Q(next_push_at__isnull=True) | Q(next_push_at__lte=now)).exists():
        schedule_push([account_id])
        return
    earliest = pending.aggregate(at=Min("next_push_at"))["at"]
    if earliest is not None and not settings.CELERY_TASK_ALWAYS_EAGER:
        push_stock_task.apply_async(
            (account_id,), countdown=max(1.0, (earliest - now).total_seconds())
        )


def push_due_accounts() -> list[int]:
    """Accounts with listings due for a push (the one-minute sweep); schedules each."""
    now = timezone.now()
    accounts = list(
        ChannelListing.objects.filter(
            push_pending=True,
            variant__isnull=False,
            account__manages_stock=True,
            account__status="connected",
        )
        .filter(Q(next_push_at__isnull=True) | Q(next_push_at__lte=now))
        .values_list("account_id", flat=True)
        .distinct()
    )
    schedule_push(accounts)
    return accounts


def account_set_manages_stock(*, account, enabled: bool) -> None:
    """Switch "Sangam manages stock" for an account; switching on pushes every matched
    listing (after commit)."""
    account.manages_stock = enabled
    account.save(update_fields=["manages_stock", "updated_at"])
    if enabled:
        ChannelListing.objects.filter(account=account, variant__isnull=False).update(
            push_pending=True, next_push_at=None
        )
        transaction.on_commit(lambda: schedule_push([account.pk], urgent=True))
