"""Reads of integration state for pages and the API (callers pass merchant-scoped accounts)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from django.db.models import Max

from integrations.connectors.base import ConnectType
from integrations.models import ChannelAccount, SyncRun
from integrations.registry import get_connector_class

FILE_RUNS_SHOWN = 3


def latest_runs(accounts: Iterable[ChannelAccount]) -> dict[int, list[SyncRun]]:
    """The newest run of each (account, stream), by account id, streams in name order — two
    queries however many runs the accounts have accumulated. File imports (one stream per
    upload, ``file:<id>``) show the ``FILE_RUNS_SHOWN`` newest uploads, newest first."""
    accounts = list(accounts)
    account_ids = [a.pk for a in accounts]
    if not account_ids:
        return {}
    newest = (
        SyncRun.objects.filter(account_id__in=account_ids)
        .exclude(stream__startswith="file:")
        .values("account_id", "stream")
        .annotate(last_pk=Max("pk"))
        .values("last_pk")
    )
    by_account: dict[int, list[SyncRun]] = defaultdict(list)
    for run in SyncRun.objects.filter(pk__in=newest).order_by("stream"):
        by_account[run.account_id].append(run)
    for account in accounts:
        if get_connector_class(account.provider).connect_type == ConnectType.FILE:
            by_account[account.pk].extend(
                SyncRun.objects.filter(account=account, stream__startswith="file:")
                .select_related("file_import")
                .order_by("-pk")[:FILE_RUNS_SHOWN]
            )
    return by_account
