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
import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import F, Min, Q
from django.utils import timezone

from integrations.dto import PushResult, PushStatus, StockLevelDTO
from integrations.http import ConnectorError
from integrations.models import ChannelAccount
from integrations.services.accounts import build_connector
from inventory.models import ChannelListing, DriftEvent, PushState, StockLevel, StockPush
from inventory.services.stock import default_warehouse

logger = logging.getLogger(__name__)

PUSH_BATCH = 500  # listings claimed per run; the rest is pushed by the next run at once
# Seconds a run may hold the account's push lock. A run makes a handful of channel calls, each
# bounded by the HTTP client's timeouts and retries; a worker that dies mid-run holds the
# account back at most this long (the one-minute sweep then picks it up).
RUNNING_TTL = 120
MAX_BACKOFF_SECONDS = 3600


def _debounce_key(account_id: int) -> str:
    return f"stock-push:scheduled:{account_id}"


def _running_key(account_id: int) -> str:
    return f"stock-push:running:{account_id}"


def push_lock_acquire(account_id: int) -> str | None:
    """Take the account's push run lock (at most ``RUNNING_TTL`` seconds): the token to release
    it with, or None while another run (or a ledger read) holds it."""
    token = uuid.uuid4().hex
    return token if cache.add(_running_key(account_id), token, timeout=RUNNING_TTL) else None


def push_lock_release(account_id: int, token: str) -> None:
    """Release the lock if ``token`` still owns it (an overrunning holder never frees another's)."""
    if cache.get(_running_key(account_id)) == token:
        cache.delete(_running_key(account_id))


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
    # Every row is locked and written, pending or not: the lock is held until this
    # transaction commits, so a push run claiming meanwhile (``SKIP LOCKED``) leaves the
    # listing for the next run instead of pushing the quantity from before this change and
    # clearing the flag (skipping rows already pending lost such a change until the next one:
    # a 35 s stale Amazon quantity in bench/stock_propagation.py). Locked in primary-key
    # order, like the stock rows, so two transactions marking the same listings queue.
    with transaction.atomic(savepoint=False):
        locked = dict(
            qs.order_by("pk").select_for_update(of=("self",)).values_list("pk", "account_id")
        )
        if not locked:
            return set()
        ChannelListing.objects.filter(pk__in=list(locked)).update(push_pending=True)
        accounts = set(locked.values())
        transaction.on_commit(lambda: schedule_push(accounts, urgent=urgent))
    return accounts


def schedule_push(account_ids: Iterable[int], *, urgent: bool = False) -> None:
    """Queue ``push_stock_task`` for each account unless one is already waiting out the
    debounce (``urgent``: at once, alongside any waiting one)."""
    from channel_stock.tasks import push_stock_task

    debounce = float(settings.STOCK_PUSH_DEBOUNCE_SECONDS)
    for account_id in account_ids:
        if urgent:
            push_stock_task.apply_async((account_id,), countdown=0)
        elif cache.add(_debounce_key(account_id), 1, timeout=int(debounce) + 60):
            push_stock_task.apply_async((account_id,), countdown=debounce)


@dataclass(slots=True)
class PushSummary:
    """One run of ``stock_push_account``: listings pushed, unchanged (skipped), failed,
    submitted (handed to the channel, outcome pending), and ``push_inventory`` calls made."""

    pushed: int = 0
    unchanged: int = 0
    failed: int = 0
    submitted: int = 0
    push_calls: int = 0
    busy: bool = False
    messages: list[str] = field(default_factory=list)


def stock_push_account(
    *, account_id: int, force: bool = False, reason: str = "change", all_due: bool = False
) -> PushSummary:
    """Push the account's pending listings (``force``: every matched listing, e.g. when
    "Sangam manages stock" is switched on). A run sends at most the connector's
    ``push_run_max`` listings — listings at 0 first, then the longest since their last push —
    unless ``all_due`` (the drift check) or ``push_bulk_min`` or more are due; what is left is
    pushed by the next run at once. Returns a ``PushSummary``. Connector errors are recorded on
    the listings (never raised): they retry with backoff."""
    summary = PushSummary()
    cache.delete(_debounce_key(account_id))
    token = push_lock_acquire(account_id)
    if token is None:
        # Another run holds the account; it schedules what is still pending when it ends.
        # At most one retry waits per account (a re-queue per change flooded the broker in
        # bench/stock_propagation.py); the one-minute sweep is the backstop.
        summary.busy = True
        if cache.add(f"stock-push:retry:{account_id}", 1, timeout=5):
            from channel_stock.tasks import push_stock_task

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
        connector = build_connector(account)
        limit = None if all_due else connector.push_run_max
        claimed = _claim(account, limit=limit, bulk_min=connector.push_bulk_min)
        to_push: list[tuple[ChannelListing, int]] = []
        for listing, quantity in claimed:
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
            levels = [listing_level(listing, quantity) for listing, quantity in to_push]
            # The push time is when the call went out: a webhook the push causes is never
            # older than this (a stamp taken after the call dropped them as stale).
            started = timezone.now()
            try:
                summary.push_calls += 1
                results = connector.push_inventory(levels)
            except ConnectorError as exc:
                logger.warning("stock push to account %s failed: %s", account_id, exc)
                results = [
                    PushResult(level.sku, PushStatus.FAILURE, str(exc)[:1000]) for level in levels
                ]
            _record(to_push, results, reason=reason, summary=summary, pushed_at=started)
            submissions = {r.submission_id for r in results if r.status == PushStatus.SUBMITTED}
            for submission_id in submissions:
                _schedule_outcome_check(
                    account_id, submission_id, connector.push_outcome_poll_seconds
                )
    finally:
        push_lock_release(account_id, token)
    # After the release: the next run must find the lock free (in eager mode, the demo and
    # tests, it runs right here and would otherwise find this run's lock and stop).
    _schedule_remaining(account_id)
    return summary


def _claim(
    account, *, limit: int | None = None, bulk_min: int | None = None
) -> list[tuple[ChannelListing, int]]:
    """Take the account's due pending listings (row-locked, ``SKIP LOCKED``; none while a
    submission of theirs is being processed), with their available-to-sell now, and clear their
    flag; a change that lands afterwards sets it again and is pushed by the next run. With a
    ``limit`` (and fewer than ``bulk_min`` due) the listings at 0 go first, then those pushed
    longest ago; the rest stay pending."""
    now = timezone.now()
    with transaction.atomic():
        rows = list(
            ChannelListing.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(account=account, push_pending=True, variant__isnull=False)
            .filter(push_submission_id="")
            .filter(Q(next_push_at__isnull=True) | Q(next_push_at__lte=now))
            .select_related("variant")
            .order_by("pk")[:PUSH_BATCH]
        )
        if not rows:
            return []
        quantities = listing_quantities(account.merchant_id, rows)
        if limit is not None and len(rows) > limit and (bulk_min is None or len(rows) < bulk_min):
            rows.sort(
                key=lambda r: (
                    quantities[r.pk] != 0,
                    r.last_pushed_at is not None,
                    r.last_pushed_at or now,
                    r.pk,
                )
            )
            rows = rows[:limit]
        ChannelListing.objects.filter(pk__in=[r.pk for r in rows]).update(push_pending=False)
    return [(row, quantities[row.pk]) for row in rows]


def listing_quantities(merchant_id: int, listings: list[ChannelListing]) -> dict[int, int]:
    """Units to offer per listing pk from the default warehouse: available-to-sell less each
    listing's buffer and what its channel holds at other locations, never below 0
    (``ChannelListing.quantity_to_offer``)."""
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
        result[listing.pk] = listing.quantity_to_offer(on_hand=on_hand, reserved=reserved)
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
    pushed_at: datetime | None = None,
) -> None:
    """Store each listing's outcome (``pushed_at``: when the push went out) and the push
    history row. A ``SUBMITTED`` result leaves the listing waiting for ``push_outcome``."""
    now = timezone.now()
    pushed_at = pushed_at or now
    by_sku: dict[str, PushResult] = {r.sku: r for r in results}
    history: list[StockPush] = []
    for listing, quantity in pushed:
        sku = listing.channel_sku or listing.variant.sku
        result = by_sku.get(sku) or PushResult(sku, PushStatus.FAILURE, "no result from channel")
        message = (result.message or "; ".join(result.issues))[:1000]
        if result.status == PushStatus.SUBMITTED:
            state = PushState.SUBMITTED
            listing.push_submission_id = result.submission_id[:255]
            summary.submitted += 1
        elif result.ok:
            state = PushState.WARNING if result.status == PushStatus.WARNING else PushState.OK
            listing.last_pushed_quantity = quantity
            listing.last_pushed_at = pushed_at
            listing.channel_quantity = quantity
            listing.push_attempts = 0
            listing.next_push_at = None
            listing.push_submission_id = ""
            summary.pushed += 1
        else:
            state = PushState.FAILED
            listing.push_attempts += 1
            listing.next_push_at = now + _backoff(listing.push_attempts)
            listing.push_submission_id = ""
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
            "push_submission_id",
        ],
    )
    failed = [listing.pk for listing, _ in pushed if listing.last_push_status == PushState.FAILED]
    if failed:
        ChannelListing.objects.filter(pk__in=failed).update(push_pending=True)
    StockPush.objects.bulk_create(history)
    _ledger_sets(pushed, by_sku, pushed_at)


def _ledger_sets(
    pushed: list[tuple[ChannelListing, int]], by_sku: dict[str, PushResult], pushed_at: datetime
) -> None:
    """Carry the channel ledger (``channel_levels``) through our own sets: a listing with a
    baseline adds the set's ``delta``; one without takes the set's ``quantity_after`` at
    ``pushed_at`` as its baseline. Only for results that report them (Shopify)."""
    by_delta: dict[int, list[int]] = {}
    bases: list[tuple[int, int]] = []
    for listing, _ in pushed:
        result = by_sku.get(listing.channel_sku or listing.variant.sku)
        if result is None or not result.ok or result.delta is None:
            continue
        by_delta.setdefault(result.delta, []).append(listing.pk)
        if result.quantity_after is not None:
            bases.append((listing.pk, result.quantity_after))
    for delta, pks in by_delta.items():
        if delta:
            ChannelListing.objects.filter(pk__in=pks, channel_base_at__isnull=False).update(
                channel_set_delta=F("channel_set_delta") + delta
            )
    for pk, after in bases:
        ChannelListing.objects.filter(pk=pk, channel_base_at__isnull=True).update(
            channel_base_quantity=after,
            channel_base_at=pushed_at,
            channel_set_delta=0,
            channel_foreign_units=0,
        )


def _outcome_key(submission_id: str) -> str:
    return f"stock-push:outcome:{submission_id}"


def _schedule_outcome_check(account_id: int, submission_id: str, countdown: float) -> None:
    from channel_stock.tasks import push_outcome_task

    # Marks the check as scheduled, so the sweep does not start a second chain of checks.
    cache.set(_outcome_key(submission_id), 1, timeout=int(countdown) + 120)
    transaction.on_commit(
        lambda: push_outcome_task.apply_async((account_id, submission_id), countdown=countdown)
    )


@dataclass(slots=True)
class OutcomeSummary:
    """One ``push_outcome_check``: ``waiting`` while the channel still processes the
    submission, else how many of its listings were pushed and failed."""

    waiting: bool = False
    pushed: int = 0
    failed: int = 0


def push_outcome_check(*, account_id: int, submission_id: str) -> OutcomeSummary:
    """Ask the channel for the outcome of a submitted bulk push (an Amazon feed) and record it
    on the listings still waiting for it: pushed listings take the submitted quantity, failed
    ones go back to pending with backoff. While the channel is processing, another check is
    scheduled ``push_outcome_poll_seconds`` later; after ``push_outcome_timeout_seconds`` the
    listings fail (and are pushed again). Safe to run twice: a listing is recorded only while
    it still waits for this submission. Channel errors leave the listings waiting (the sweep
    asks again)."""
    summary = OutcomeSummary()
    waiting = list(
        ChannelListing.objects.filter(account_id=account_id, push_submission_id=submission_id)
        .select_related("variant")
        .order_by("pk")
    )
    if not waiting:
        return summary
    account = ChannelAccount.objects.get(pk=account_id)
    connector = build_connector(account)
    # Submission order = the order the push sent them = ``StockPush`` pk order of that push.
    sent = list(
        StockPush.objects.filter(
            listing__account_id=account_id,
            submission_id=submission_id,
            status=PushState.SUBMITTED,
        )
        .order_by("pk")
        .values_list("listing_id", "quantity", "created_at")
    )
    order = {listing_id: n for n, (listing_id, _, _) in enumerate(sent)}
    quantities = {listing_id: quantity for listing_id, quantity, _ in sent}
    submitted_at = min((at for _, _, at in sent), default=timezone.now())
    waiting.sort(key=lambda lst: order.get(lst.pk, len(order)))
    skus = [lst.channel_sku or lst.variant.sku for lst in waiting]
    try:
        results = connector.push_outcome(submission_id, skus)
    except ConnectorError as exc:
        logger.warning("outcome of push %s (account %s): %s", submission_id, account_id, exc)
        results = None
    if results is None:
        elapsed = (timezone.now() - submitted_at).total_seconds()
        if elapsed < connector.push_outcome_timeout_seconds:
            summary.waiting = True
            poll = connector.push_outcome_poll_seconds
            if settings.CELERY_TASK_ALWAYS_EAGER:
                time.sleep(poll)  # no scheduler in eager mode: the next ask runs inline
            _schedule_outcome_check(account_id, submission_id, poll)
            return summary
        results = [
            PushResult(
                sku,
                PushStatus.FAILURE,
                f"{submission_id} not processed after {elapsed:.0f} s; pushed again",
                submission_id=submission_id,
            )
            for sku in skus
        ]
    with transaction.atomic():
        still = set(
            ChannelListing.objects.select_for_update()
            .filter(pk__in=[lst.pk for lst in waiting], push_submission_id=submission_id)
            .values_list("pk", flat=True)
        )
        pairs = [(lst, quantities.get(lst.pk, 0)) for lst in waiting if lst.pk in still]
        run = PushSummary()
        _record(pairs, results, reason="feed outcome", summary=run, pushed_at=submitted_at)
        applied = [lst.pk for lst, _ in pairs if lst.last_push_status != PushState.FAILED]
        # Drift corrections sent in this submission are confirmed now.
        DriftEvent.objects.filter(
            listing_id__in=applied, corrected=False, message__contains=submission_id
        ).update(corrected=True, message="")
    summary.pushed, summary.failed = run.pushed, run.failed
    _schedule_remaining(account_id)
    return summary


def _schedule_remaining(account_id: int) -> None:
    """Another run for what is still pending: at once when due (a change during this run,
    more than one batch), else when the earliest backoff ends."""
    from channel_stock.tasks import push_stock_task

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
    _outcome_checks_resume()
    return accounts


def _outcome_checks_resume() -> None:
    """Schedule an outcome check for every submission still awaited whose check is not
    scheduled (its task was lost: a worker restart, a broker flush)."""
    submissions = (
        ChannelListing.objects.exclude(push_submission_id="")
        .values_list("account_id", "push_submission_id")
        .distinct()
    )
    from channel_stock.tasks import push_outcome_task

    for account_id, submission_id in submissions:
        if cache.add(_outcome_key(submission_id), 1, timeout=120):
            push_outcome_task.apply_async((account_id, submission_id), countdown=0)


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
