"""Reads of integration state for pages and the API (callers pass merchant-scoped accounts)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from django.db.models import Max

from integrations.models import ChannelAccount, SyncRun


def latest_runs(accounts: Iterable[ChannelAccount]) -> dict[int, list[SyncRun]]:
    """The newest run of each (account, stream), by account id, streams in name order — two
    queries however many runs the accounts have accumulated."""
    account_ids = [a.pk for a in accounts]
    if not account_ids:
        return {}
    newest = (
        SyncRun.objects.filter(account_id__in=account_ids)
        .values("account_id", "stream")
        .annotate(last_pk=Max("pk"))
        .values("last_pk")
    )
    by_account: dict[int, list[SyncRun]] = defaultdict(list)
    for run in SyncRun.objects.filter(pk__in=newest).order_by("stream"):
        by_account[run.account_id].append(run)
    return by_account
