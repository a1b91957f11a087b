"""The sync engine: runs streams of a channel account page by page into the domain apps (one run
per account and stream, incremental by cursor, checkpointed, bad records quarantined).
Design: docs/sync.md
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.module_loading import import_string

from integrations.connectors.base import Capability, Connector, ConnectType
from integrations.dto import ImportResult, RecordFailure
from integrations.http import ConnectorError
from integrations.models import (
    ACTIVE_SYNC_STATUSES,
    AccountStatus,
    ChannelAccount,
    SyncLog,
    SyncLogStatus,
    SyncRun,
    SyncStatus,
)
from integrations.registry import get_connector_class
from integrations.services.accounts import account_mark_error, build_connector
from integrations.services.run_owner import current_owner, heartbeat, owner_gone

logger = logging.getLogger(__name__)

# stream → (importer dotted path, keyword the importer takes the batch as, capability)
STREAMS: dict[str, tuple[str, str, Capability]] = {
    "catalog": ("inventory.services.products_import", "products", Capability.CATALOG),
    "inventory": (
        "channel_stock.services.inventory_levels_import",
        "levels",
        Capability.CATALOG,
    ),
    "orders": ("orders.services.orders_import", "orders", Capability.ORDERS),
    "backfill": ("orders.services.orders_import", "orders", Capability.ORDERS),
    "returns": ("returns.services.returns_import", "returns", Capability.RETURNS),
    # ``file:<FileImport id>``: one uploaded export (Meesho, Myntra, Ajio).
    # Its orders and the returns of its RTO and returned rows.
    "file": ("returns.services.imports.file_records_import", "records", Capability.FILE_IMPORT),
}
FULL_SYNC = ("catalog", "inventory", "orders", "returns")
# What the 10-minute schedule keeps current on every connected commerce account.
SCHEDULED_STREAMS = ("orders", "returns")
ORDER_STREAMS = ("orders", "backfill")
BULK_BATCH = 500


class UnknownStream(ValueError):
    """The stream is not one the engine knows, or the provider does not support it."""


class RunTakenOver(Exception):  # noqa: N818 - an outcome, not an error
    """The run was found stale and taken over by another process while this one still ran it:
    this process stops at its checkpoint and leaves the run's row to its new owner."""


def stream_kind(stream: str) -> str:
    """The ``STREAMS`` key of a run's stream (``file:12`` → ``file``)."""
    return stream.split(":", 1)[0]


def importer_for(stream: str) -> Callable[..., ImportResult]:
    path, keyword, _ = STREAMS[stream_kind(stream)]
    func = import_string(path)

    def run(*, account: ChannelAccount, items: Sequence[Any], source: str) -> ImportResult:
        return func(account=account, source=source, **{keyword: items})

    return run


def provider_streams(provider: str) -> tuple[str, ...]:
    """The ``FULL_SYNC`` streams the provider's connector supports (none for a courier)."""
    caps = get_connector_class(provider).capabilities
    return tuple(s for s in FULL_SYNC if STREAMS[s][2] in caps)


def streams_for(account: ChannelAccount) -> tuple[str, ...]:
    return provider_streams(account.provider)


# --- requesting runs ----------------------------------------------------------------------------
def request_sync(
    *,
    account: ChannelAccount,
    streams: Iterable[str],
    options: dict[str, Any] | None = None,
    background: bool = False,
) -> list[SyncRun]:
    """Queue runs for ``streams`` (in order) and return them; a stream that already has an
    active run returns that run instead of a new one. New runs are executed by one background
    task after the transaction commits (without a broker: eagerly in-process, in a thread when
    ``background`` — see ``integrations.tasks.enqueue``)."""
    caps = get_connector_class(account.provider).capabilities
    runs: list[SyncRun] = []
    new_ids: list[int] = []
    for stream in streams:
        kind = stream_kind(stream)
        if kind not in STREAMS or STREAMS[kind][2] not in caps:
            raise UnknownStream(f"{account.provider} cannot sync '{stream}'.")
        run, created = _claim_run(account, stream, options or {})
        runs.append(run)
        if created:
            new_ids.append(run.pk)
    if new_ids:
        from integrations.tasks import enqueue, run_sync_runs_task

        transaction.on_commit(lambda: enqueue(run_sync_runs_task, new_ids, background=background))
    return runs


def sync_run_stale_reason(run: SyncRun, *, now: datetime | None = None) -> str:
    """Why an active run is no longer being executed, or "" while it may still be:

    - its owner is a process on this host that has exited (known at once);
    - running, with no heartbeat for ``SYNC_STALE_AFTER_SECONDS`` (a worker on another host
      died, or hangs);
    - queued for longer than ``SYNC_QUEUED_STALE_SECONDS`` (its task message was lost).

    A finished run is never stale."""
    if run.status not in ACTIVE_SYNC_STATUSES:
        return ""
    gone = owner_gone(run.owner)
    if gone:
        return gone
    now = now or timezone.now()
    if run.status == SyncStatus.RUNNING:
        last = run.heartbeat_at or run.started_at or run.queued_at
        silent = (now - last).total_seconds()
        if silent > settings.SYNC_STALE_AFTER_SECONDS:
            return f"no heartbeat for {silent:.0f} s"
        return ""
    waited = (now - run.queued_at).total_seconds()
    if waited > settings.SYNC_QUEUED_STALE_SECONDS:
        return f"queued {waited:.0f} s ago and never started"
    return ""


def _claim_run(
    account: ChannelAccount, stream: str, options: dict[str, Any]
) -> tuple[SyncRun, bool]:
    """A new queued run of ``stream`` (True), or the active one (False) while it is not stale.
    A stale active run is marked ``interrupted`` with the reason, and the new run resumes from
    its checkpoint (``_resumable``). In eager mode this process will execute the new run, so it
    is its owner from the start: if this process dies before the run starts, the next request
    knows at once."""
    owner = str(current_owner()) if _tasks_run_here() else ""
    for _ in range(3):
        try:
            with transaction.atomic():
                run = SyncRun.objects.create(
                    account=account,
                    stream=stream,
                    status=SyncStatus.QUEUED,
                    checkpoint={"options": options} if options else {},
                    owner=owner,
                )
            return run, True
        except IntegrityError:
            active = SyncRun.objects.filter(
                account=account, stream=stream, status__in=ACTIVE_SYNC_STATUSES
            ).first()
            if active is None:
                continue
            reason = sync_run_stale_reason(active)
            if not reason:
                return active, False
            sync_run_interrupt(active, reason=reason)
    raise RuntimeError(f"could not claim a {stream} run for account {account.pk}")


def sync_run_interrupt(run: SyncRun, *, reason: str) -> bool:
    """Mark an active run ``interrupted`` because it is stale (``reason``); the next run of its
    stream resumes from its checkpoint. False if it was no longer in the state it was read in
    (it finished, or someone else took it over first)."""
    logger.warning("sync run %s (%s) taken over: %s", run.pk, run.stream, reason)
    return bool(
        SyncRun.objects.filter(pk=run.pk, status=run.status).update(
            status=SyncStatus.INTERRUPTED,
            error=f"Stopped: {reason}. The next run resumes from its checkpoint.",
            finished_at=timezone.now(),
        )
    )


def sync_run_take_over(run: SyncRun, *, background: bool = False) -> SyncRun | None:
    """For a waiter (the demo, the dashboard's live status): if ``run`` is stale, interrupt it
    and request its stream again, resuming from its checkpoint with the same options; returns
    the new run, or None while ``run`` is not stale."""
    run.refresh_from_db()
    if not sync_run_stale_reason(run):
        return None
    options = dict(run.checkpoint.get("options") or {})
    (new,) = request_sync(
        account=run.account, streams=[run.stream], options=options, background=background
    )
    return new if new.pk != run.pk else None


def _tasks_run_here() -> bool:
    """Whether a requested run is executed by this process (eager tasks: no broker)."""
    from integrations.tasks import run_sync_runs_task

    return bool(run_sync_runs_task.app.conf.task_always_eager)


# --- executing runs -----------------------------------------------------------------------------
def run_sync_runs(run_ids: Sequence[int], **connector_kwargs: Any) -> list[SyncRun]:
    """Execute queued runs in order (catalog before orders, so lines match variants). A run
    another worker already claimed is skipped; after a permanent error the rest are failed."""
    done: list[SyncRun] = []
    owner = str(current_owner())
    for run_id in run_ids:
        claimed = SyncRun.objects.filter(pk=run_id, status=SyncStatus.QUEUED).update(
            status=SyncStatus.RUNNING,
            started_at=timezone.now(),
            heartbeat_at=timezone.now(),
            owner=owner,
        )
        if not claimed:
            continue
        run = SyncRun.objects.select_related("account").get(pk=run_id)
        run = execute_run(run, **connector_kwargs)
        done.append(run)
        if run.account.status == AccountStatus.ERROR and run.status == SyncStatus.FAILED:
            SyncRun.objects.filter(pk__in=run_ids, status=SyncStatus.QUEUED).update(
                status=SyncStatus.FAILED,
                error="Skipped: the account needs attention.",
                finished_at=timezone.now(),
            )
            break
    return done


def last_cursor(account: ChannelAccount, stream: str) -> str:
    """The high-water mark to continue from: the newest successful run of the stream (orders
    and backfill share one)."""
    streams = ORDER_STREAMS if stream in ORDER_STREAMS else (stream,)
    cursors = (
        SyncRun.objects.filter(account=account, stream__in=streams, status=SyncStatus.SUCCEEDED)
        .exclude(cursor_after="")
        .values_list("cursor_after", flat=True)
    )
    return max(cursors, default="")


def _resumable(run: SyncRun) -> SyncRun | None:
    last_ok = (
        SyncRun.objects.filter(account=run.account, stream=run.stream, status=SyncStatus.SUCCEEDED)
        .order_by("-pk")
        .values_list("pk", flat=True)
        .first()
    ) or 0
    return (
        SyncRun.objects.filter(
            account=run.account,
            stream=run.stream,
            pk__gt=last_ok,
            pk__lt=run.pk,
            status__in=[SyncStatus.INTERRUPTED, SyncStatus.FAILED],
        )
        .exclude(checkpoint={})
        .order_by("-pk")
        .first()
    )


def execute_run(run: SyncRun, **connector_kwargs: Any) -> SyncRun:
    """Run one claimed sync run to the end (or to its first permanent failure)."""
    account = run.account
    if not account.is_active:
        return _finish(run, SyncStatus.FAILED, f"Account is {account.status}.")
    options = dict(run.checkpoint.get("options") or {})
    previous = _resumable(run)
    if previous is not None:
        run.checkpoint = {**previous.checkpoint, "options": options}
        run.cursor_before = previous.cursor_before
        run.resumed_from = previous
    else:
        run.cursor_before = options.get("since") or last_cursor(account, run.stream)
    run.save(update_fields=["checkpoint", "cursor_before", "resumed_from"])
    try:
        with heartbeat(lambda: _beat(run.pk), every=settings.SYNC_HEARTBEAT_SECONDS):
            connector = build_connector(account, **connector_kwargs)
            if stream_kind(run.stream) == "file":
                _run_file(run, connector)
            elif _use_bulk(run, connector, options):
                _run_bulk(run, connector)
            else:
                _run_paged(run, connector)
    except RunTakenOver:
        logger.warning("sync run %s was taken over by another process; stopping", run.pk)
        run.refresh_from_db()
        return run
    except ConnectorError as exc:
        if exc.permanent:
            account_mark_error(account=account, error=exc)
            return _finish(run, SyncStatus.FAILED, str(exc))
        logger.warning("sync run %s interrupted: %s", run.pk, exc)
        return _finish(run, SyncStatus.INTERRUPTED, str(exc))
    except Exception as exc:
        logger.exception("sync run %s failed", run.pk)
        return _finish(run, SyncStatus.FAILED, f"{type(exc).__name__}: {exc}")
    account.last_synced_at = timezone.now()
    fields = ["last_synced_at", "updated_at"]
    if account.status == AccountStatus.ERROR:
        account.status, account.last_error = AccountStatus.CONNECTED, ""
        fields += ["status", "last_error"]
    account.save(update_fields=fields)
    return _finish(run, SyncStatus.SUCCEEDED, "")


def _use_bulk(run: SyncRun, connector: Connector, options: dict[str, Any]) -> bool:
    """Bulk operations where the connector offers them: always for ``backfill`` and inventory
    snapshots; for the incremental streams (orders, catalog) only when there is no cursor yet
    (a store's first sync); ``options["paged"]`` forces pages; a resumed bulk run stays bulk."""
    if run.checkpoint.get("mode") == "bulk":
        return True
    if (
        Capability.BULK not in connector.capabilities
        or run.stream not in connector.bulk_streams
        or options.get("paged")
    ):
        return False
    return run.stream not in ("orders", "catalog") or not run.cursor_before


def _since(run: SyncRun) -> datetime | None:
    if not run.cursor_before:
        return None
    moment = datetime.fromisoformat(run.cursor_before.replace("Z", "+00:00"))
    return moment - timedelta(seconds=settings.SYNC_OVERLAP_SECONDS)


def _fetch_page(run: SyncRun, connector: Connector, since: datetime | None, cursor: str | None):
    if run.stream in ORDER_STREAMS:  # a backfill read page by page (options["paged"])
        return connector.fetch_orders(since=since, cursor=cursor)
    if run.stream == "catalog":
        return connector.fetch_products(cursor=cursor, since=since)
    if run.stream == "inventory":
        return connector.fetch_inventory_levels(cursor=cursor)
    if run.stream == "returns":
        return connector.fetch_returns(since=since, cursor=cursor)
    raise UnknownStream(run.stream)


def _run_paged(run: SyncRun, connector: Connector) -> None:
    importer = importer_for(run.stream)
    since = _since(run)
    cursor = run.checkpoint.get("page_cursor")
    high = run.checkpoint.get("high_water") or run.cursor_before
    if run.total_estimate is None:
        run.total_estimate = connector.estimate_total(run.stream, since=since)
        run.save(update_fields=["total_estimate"])

    while True:
        page = _fetch_page(run, connector, since, cursor)
        result = importer(account=run.account, items=page.items, source="sync")
        _record(run, result, page.failures)
        if run.stream == "returns":
            _import_orders_of_returns(run, connector, page.items)
        if page.high_water:
            high = max(high or "", page.high_water)
        cursor = page.next_cursor
        run.pages += 1
        run.checkpoint = {**run.checkpoint, "page_cursor": cursor, "high_water": high}
        run.cursor_after = high or ""
        _heartbeat(run)
        if not cursor:
            break


def _import_orders_of_returns(run: SyncRun, connector: Any, returns: Sequence[Any]) -> None:
    """Orders first seen in the returns stream (already past the states an order search
    covers, e.g. Flipkart RETURNED) are fetched by id and imported, which links their returns.
    Counted on the run like its own records; connectors without ``Capability.ORDER_LOOKUP`` skip:
    Shopify's returns stream reads the same orders (updated since the cursor) as its orders
    stream, which runs first on the schedule, and a return that still comes before its order is
    linked when the order is imported (``attach_returns_to_orders``)."""
    if Capability.ORDER_LOOKUP not in connector.capabilities or not returns:
        return
    missing = import_string("orders.selectors.unknown_order_ids")(
        account=run.account, order_external_ids=[r.order_external_id for r in returns]
    )
    if not missing:
        return
    records = connector.fetch_orders_by_id(missing)
    orders = [r for r in records if not isinstance(r, RecordFailure)]
    failures = [r for r in records if isinstance(r, RecordFailure)]
    result = importer_for("orders")(account=run.account, items=orders, source="sync")
    _record(run, result, failures)


def _run_bulk(run: SyncRun, connector: Any) -> None:
    """Read a stream through a bulk operation: start (or resume polling) it, then stream the
    JSONL result in batches of ``BULK_BATCH`` records through the stream's importer. The
    checkpoint counts root objects done, so a resumed run skips them."""
    checkpoint = {**run.checkpoint, "mode": "bulk"}
    if not checkpoint.get("bulk_id"):
        checkpoint["bulk_id"] = connector.start_bulk(run.stream, since=_since(run))
        checkpoint["done"] = 0
        run.checkpoint = checkpoint
        _heartbeat(run)
    if run.total_estimate is None:
        run.total_estimate = connector.estimate_total(run.stream, since=_since(run))
    try:
        status = connector.wait_for_bulk(checkpoint["bulk_id"], on_poll=lambda _s: _heartbeat(run))
    except ConnectorError:
        # The export failed at the provider (FATAL report, failed bulk operation): the next run
        # must start a new one, not poll the dead one again.
        run.checkpoint = {k: v for k, v in checkpoint.items() if k not in ("bulk_id", "done")}
        _heartbeat(run)
        raise
    if run.stream in ORDER_STREAMS:
        run.total_estimate = int(status.get("rootObjectCount") or 0) or run.total_estimate
    high = checkpoint.get("high_water") or run.cursor_before
    source = "backfill" if run.stream in ORDER_STREAMS else "sync"

    def on_batch(batch: Sequence[Any], done: int) -> None:
        nonlocal high
        for dto in batch:
            if dto.updated_at:
                high = max(high or "", dto.updated_at.strftime("%Y-%m-%dT%H:%M:%SZ"))
        run.checkpoint = {**checkpoint, "done": done, "high_water": high}
        run.cursor_after = high or ""

    records = connector.iter_bulk(run.stream, status.get("url"))
    _import_records(run, records, source=source, on_batch=on_batch)
    cap = status.get("cursor_cap")
    if cap and run.cursor_after > cap:
        # The export may lag the live data (Amazon order reports up to 30 minutes): the next
        # incremental run starts from the provider's safe point, not the newest record seen.
        run.cursor_after = cap
        run.checkpoint = {**run.checkpoint, "high_water": cap}
        _heartbeat(run)


def _run_file(run: SyncRun, connector: Connector) -> None:
    """Import one uploaded export (``file:<FileImport id>``): the connector streams it row by
    row into orders (batches of ``BULK_BATCH``) and row failures (quarantined with row, column
    and reason). The checkpoint counts records done, so an interrupted import resumes; a file
    the connector cannot read at all (missing columns) fails the run with its reason."""
    from integrations.models import FileImport
    from integrations.services.files import file_profile

    upload = FileImport.objects.get(pk=int(run.stream.split(":", 1)[1]))
    if run.total_estimate is None:
        run.total_estimate = run.checkpoint.get("rows_estimate")
    records = connector.parse_file(
        upload.file.path,
        filename=upload.original_name,
        profile=file_profile(account=run.account),
        as_of=upload.created_at,
    )

    def on_batch(_batch: Sequence[Any], done: int) -> None:
        run.checkpoint = {**run.checkpoint, "done": done}

    _import_records(run, records, source="file", on_batch=on_batch)


def _import_records(
    run: SyncRun,
    records: Iterable[Sequence[Any] | RecordFailure],
    *,
    source: str,
    on_batch: Callable[[Sequence[Any], int], None],
) -> None:
    """Stream root records (a tuple of DTOs, or a ``RecordFailure``) through the run's importer
    in batches of ``BULK_BATCH``, skipping the ``checkpoint["done"]`` already imported by an
    interrupted run. After each batch ``on_batch(dtos, done)`` updates the checkpoint, which the
    heartbeat then saves."""
    importer = importer_for(run.stream)
    skip = int(run.checkpoint.get("done") or 0)
    batch: list[Any] = []
    failures: list[RecordFailure] = []
    done = skip

    def flush() -> None:
        result = importer(account=run.account, items=batch, source=source)
        _record(run, result, failures)
        on_batch(batch, done)
        batch.clear()
        failures.clear()
        run.pages += 1
        _heartbeat(run)

    for index, record in enumerate(records):
        if index < skip:
            continue
        done = index + 1
        if isinstance(record, RecordFailure):
            failures.append(record)
        else:
            batch.extend(record)
        if len(batch) + len(failures) >= BULK_BATCH:
            flush()
    flush()


def _record(run: SyncRun, result: ImportResult, failures: Sequence[RecordFailure]) -> None:
    quarantined = list(failures) + list(result.failures)
    if quarantined:
        SyncLog.objects.bulk_create(
            [
                SyncLog(
                    run=run,
                    account=run.account,
                    stream=run.stream,
                    external_id=f.external_id,
                    error=f.error[:4000],
                    payload=f.payload,
                )
                for f in quarantined
            ]
        )
    run.created += result.created
    run.updated += result.updated
    run.skipped += result.skipped
    run.failed += len(quarantined)


def _heartbeat(run: SyncRun) -> None:
    """Save the run's progress and checkpoint (after every page, batch and poll). Raises
    ``RunTakenOver`` when the run is no longer ``running`` (another process found it stale and
    took it over): its checkpoint belongs to the new run now."""
    run.heartbeat_at = timezone.now()
    saved = SyncRun.objects.filter(pk=run.pk, status=SyncStatus.RUNNING).update(
        **_progress(run), heartbeat_at=run.heartbeat_at
    )
    if not saved:
        raise RunTakenOver(run.pk)


def _progress(run: SyncRun) -> dict[str, Any]:
    """The fields of ``run`` a beat or the end saves: counts, pages, checkpoint, cursor."""
    return {
        "created": run.created,
        "updated": run.updated,
        "skipped": run.skipped,
        "failed": run.failed,
        "pages": run.pages,
        "checkpoint": run.checkpoint,
        "cursor_after": run.cursor_after,
        "total_estimate": run.total_estimate,
    }


def _beat(run_id: int) -> None:
    """The heartbeat thread's beat: the run is alive, whatever it is waiting for."""
    SyncRun.objects.filter(pk=run_id, status=SyncStatus.RUNNING).update(heartbeat_at=timezone.now())


def _finish(run: SyncRun, status: str, error: str) -> SyncRun:
    """End a running run with ``status`` and its counts; a run taken over meanwhile (no longer
    ``running``) is left to its new owner and returned as it now is."""
    finished_at = timezone.now()
    saved = SyncRun.objects.filter(pk=run.pk, status=SyncStatus.RUNNING).update(
        status=status,
        error=error[:4000],
        finished_at=finished_at,
        cursor_before=run.cursor_before,
        **_progress(run),
    )
    if not saved:
        run.refresh_from_db()
        return run
    run.status, run.error, run.finished_at = status, error[:4000], finished_at
    return run


# --- quarantine ---------------------------------------------------------------------------------
def sync_log_reprocess(*, log: SyncLog) -> bool:
    """Translate and import a quarantined record again; True if it now imported cleanly. A
    record may translate to several DTOs (a Shopify refund: one ``ReturnDTO`` per line)."""
    cls = get_connector_class(log.account.provider)
    if cls.connect_type == ConnectType.FILE:
        from integrations.connectors.files.errors import ProfileError
        from integrations.models import FileImport
        from integrations.services.files import file_profile

        # The account's column mapping as it is now (staff may have fixed it since), and the
        # upload time of the row's file (its run's ``file_import``) as the order's version,
        # as the import used.
        upload = FileImport.objects.filter(run_id=log.run_id).first() if log.run_id else None
        try:
            record = cls.parse_record(
                stream_kind(log.stream),
                log.payload,
                file_profile(account=log.account),
                upload.created_at if upload else None,
            )
        except ProfileError as exc:
            record = RecordFailure(log.external_id, f"Column profile: {exc}", log.payload)
    else:
        record = cls.parse_record(stream_kind(log.stream), log.payload)
    if isinstance(record, RecordFailure):
        log.error = record.error
        log.save(update_fields=["error"])
        return False
    items = record if isinstance(record, list) else [record]
    result = importer_for(log.stream)(account=log.account, items=items, source="reprocess")
    if result.failures:
        log.error = result.failures[0].error
        log.save(update_fields=["error"])
        return False
    log.status = SyncLogStatus.REPROCESSED
    log.save(update_fields=["status"])
    return True


def scheduled_streams(account: ChannelAccount, streams: Iterable[str]) -> list[str]:
    """Of ``streams``, those the account's provider can sync by API (file channels have none)."""
    caps = get_connector_class(account.provider).capabilities
    return [s for s in streams if STREAMS[stream_kind(s)][2] in caps]


def sync_all_accounts(streams: Sequence[str] = SCHEDULED_STREAMS) -> list[int]:
    """The beat job: one ``sync_account_task`` per connected account that can sync any of
    ``streams``, so each account is its own task and workers scale out. Accounts in ``error``
    need a person (bad credentials) and are left alone. Returns the account ids queued."""
    from integrations.tasks import enqueue, sync_account_task

    queued: list[int] = []
    for account in ChannelAccount.objects.filter(status=AccountStatus.CONNECTED).order_by("pk"):
        wanted = scheduled_streams(account, streams)
        if wanted:
            queued.append(account.pk)
            enqueue(sync_account_task, account.pk, wanted)
    return queued


def sync_account(*, account_id: int, streams: Sequence[str]) -> list[SyncRun]:
    """Claim and run ``streams`` of one account in this worker (the per-account scheduled
    task). A stream already running elsewhere is left to that run; usage plans and the
    incremental window keep a 10-minute cadence within every provider's limits."""
    account = ChannelAccount.objects.get(pk=account_id)
    if account.status != AccountStatus.CONNECTED:
        return []
    new_ids: list[int] = []
    for stream in scheduled_streams(account, streams):
        run, created = _claim_run(account, stream, {})
        if created:
            new_ids.append(run.pk)
    return run_sync_runs(new_ids)
