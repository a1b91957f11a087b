"""Tracking: courier scans into ``TrackingEvent`` rows and the shipment's status.

Scans reach Sangam twice: by the courier's scan push (the fast path, through the webhook
inbox: ``tracking_events_import``) and by the poll (the safety net, every 30 minutes:
``shipments_track_account`` → ``shipment_tracks_apply``), because a push that fails is retried
once and never again (Delhivery, logistics-finance-notes.md §1), so a push alone can lose a
final status. Both paths store each scan once (unique on its identity) and then settle the
status with one rule, so the order they arrive in does not matter:

- scans are applied in the courier's time order; one older than the scan that set the
  current status (``status_at``) never moves it (a late or repeated scan);
- the phases only go forward: forward delivery (created … out for delivery, NDR) → RTO
  (initiated, in transit) → final (delivered, RTO delivered, lost, cancelled); a final status
  is never left;
- an RTO scan moves a forward shipment into RTO whatever its time order with forward scans
  (the courier has turned it round).

Failed attempts (``attempts``) count the shipment's NDR scans. A new failed attempt is checked
for a possible false NDR and handed to the merchant's NDR rules (``shipments.services.ndr``).
"""

from __future__ import annotations

import logging
import time
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from django.db import connection, transaction
from django.utils import timezone

from integrations.dto import (
    ImportResult,
    RecordFailure,
    ShipmentStatus,
    ShipmentTrackDTO,
    TrackingEventDTO,
)
from integrations.hooks import run_hooks
from integrations.http import ConnectorError
from integrations.models import ChannelAccount
from integrations.services.accounts import build_connector
from shipments.models import Shipment, TrackingEvent
from shipments.services import fulfilment, ndr

logger = logging.getLogger(__name__)

FORWARD, RTO, FINAL = 0, 1, 2
PHASE = {
    ShipmentStatus.CREATED: FORWARD,
    ShipmentStatus.MANIFESTED: FORWARD,
    ShipmentStatus.PICKED_UP: FORWARD,
    ShipmentStatus.IN_TRANSIT: FORWARD,
    ShipmentStatus.OUT_FOR_DELIVERY: FORWARD,
    ShipmentStatus.NDR: FORWARD,
    ShipmentStatus.RTO_INITIATED: RTO,
    ShipmentStatus.RTO_IN_TRANSIT: RTO,
    ShipmentStatus.DELIVERED: FINAL,
    ShipmentStatus.RTO_DELIVERED: FINAL,
    ShipmentStatus.LOST: FINAL,
    ShipmentStatus.CANCELLED: FINAL,
}


def next_status(
    current: str, current_at: datetime | None, scan_status: str, scan_at: datetime
) -> bool:
    """Whether a scan (``scan_status`` at ``scan_at``) moves a shipment that is at
    ``current`` since ``current_at``: never out of a final status, never to an earlier phase,
    never by a scan older than ``current_at`` within the same phase."""
    here, there = PHASE[current], PHASE[scan_status]
    if here == FINAL or there < here:
        return False
    if there > here:
        return True
    return current_at is None or scan_at >= current_at


def _settle(shipment: Shipment, scans: Iterable[TrackingEventDTO]) -> bool:
    """Apply ``scans`` (any order) to ``shipment`` in memory by the forward-only rule; True if
    its status changed."""
    before = shipment.status
    for scan in sorted(scans, key=lambda s: s.at):
        if scan.status not in PHASE:
            continue
        if next_status(shipment.status, shipment.status_at, scan.status, scan.at):
            shipment.status, shipment.status_at = scan.status, scan.at
            shipment.ndr_reason = scan.ndr_reason if scan.status == ShipmentStatus.NDR else ""
            if scan.status == ShipmentStatus.DELIVERED:
                shipment.delivered_at = scan.at
            if scan.status in ShipmentStatus.RTO and shipment.rto_started_at is None:
                shipment.rto_started_at = scan.at
    return shipment.status != before


def _store_events(shipment: Shipment, scans: Sequence[TrackingEventDTO], source: str) -> int:
    """Insert the scans not stored yet (one query to insert; duplicates are skipped by the
    unique constraint); returns the number of NDR scans the shipment now has."""
    TrackingEvent.objects.bulk_create(
        [
            TrackingEvent(
                shipment=shipment,
                at=s.at,
                status=s.status,
                raw_status=s.raw_status[:100],
                raw_type=s.raw_type[:20],
                raw_code=s.raw_code[:40],
                location=s.location[:255],
                remark=s.remark[:500],
                ndr_reason=s.ndr_reason,
                source=source,
            )
            for s in scans
        ],
        ignore_conflicts=True,
    )
    return shipment.events.filter(status=ShipmentStatus.NDR).count()


def _locked(account, awbs: Iterable[str]) -> dict[str, Shipment]:
    """``account``'s shipments with these AWBs, row-locked in primary-key order, by AWB."""
    rows = Shipment.objects.select_for_update().filter(account=account, awb__in=list(awbs))
    return {s.awb: s for s in rows.order_by("pk")}


@transaction.atomic
def tracking_events_import(
    *, account, events: Sequence[TrackingEventDTO], source: str = "push"
) -> ImportResult:
    """Store courier scans (``TrackingEventDTO``, from the scan push) of ``account``'s
    shipments and settle their statuses. A scan of an AWB Sangam did not book on this account
    is quarantined (``RecordFailure``), the rest commit. Counts: ``updated`` shipments whose
    status moved, ``skipped`` the others."""
    result = ImportResult()
    by_awb: dict[str, list[TrackingEventDTO]] = defaultdict(list)
    for event in events:
        by_awb[event.awb].append(event)
    shipments = _locked(account, by_awb)
    now = timezone.now()
    for awb, scans in by_awb.items():
        shipment = shipments.get(awb)
        if shipment is None:
            result.failures.append(_unknown(awb, [_payload(s) for s in scans]))
            continue
        _apply(shipment, scans, source=source, now=now, result=result)
    return result


@transaction.atomic
def shipment_tracks_apply(
    *, account, tracks: Sequence[ShipmentTrackDTO], source: str = "poll"
) -> ImportResult:
    """Apply what the courier's tracking API said of ``account``'s shipments (the poll): every
    scan stored once, the status settled, and the shipment's facts (expected delivery, RTO
    start) taken from the answer. Unknown AWBs are quarantined."""
    result = ImportResult()
    by_awb = {t.awb: t for t in tracks}
    shipments = _locked(account, by_awb)
    now = timezone.now()
    for awb, track in by_awb.items():
        shipment = shipments.get(awb)
        if shipment is None:
            result.failures.append(_unknown(awb, track.raw or {"status": track.status}))
            continue
        if track.expected_delivery:
            shipment.expected_delivery_at = track.expected_delivery
        if track.rto_started_at and shipment.rto_started_at is None:
            shipment.rto_started_at = track.rto_started_at
        scans = list(track.events)
        if not scans and track.status in PHASE:
            # An answer with a status and no scans still counts as a reading of it.
            scans = [
                TrackingEventDTO(
                    awb=awb, at=now, status=track.status, raw_status=track.status, raw_type="poll"
                )
            ]
        _apply(shipment, scans, source=source, now=now, result=result)
    return result


def _unknown(awb: str, payload) -> RecordFailure:
    return RecordFailure(
        awb, f"No shipment with AWB {awb} on this courier account.", {"scans": payload}
    )


def _payload(scan: TrackingEventDTO) -> dict:
    return {
        "at": scan.at.isoformat(),
        "status": scan.status,
        "raw_status": scan.raw_status,
        "raw_type": scan.raw_type,
        "raw_code": scan.raw_code,
    }


def _apply(
    shipment: Shipment,
    scans: Sequence[TrackingEventDTO],
    *,
    source: str,
    now: datetime,
    result: ImportResult,
) -> None:
    attempts_before = shipment.attempts
    shipment.attempts = _store_events(shipment, scans, source)
    previous = shipment.status
    moved = _settle(shipment, scans)
    new_attempt = shipment.status == ShipmentStatus.NDR and (
        moved or shipment.attempts > attempts_before
    )
    if new_attempt:
        ndr.false_ndr_flag(shipment)
    shipment.last_tracked_at = now
    shipment.save()
    if new_attempt:
        ndr.ndr_rules_apply(shipment, now=now)
    if moved:
        run_hooks("SHIPMENT_STATUS_HOOKS", shipment=shipment, previous=previous)
        fulfilment.shipment_status_to_channel(shipment)
        result.updated += 1
    else:
        result.skipped += 1


# The statuses a poll reads, each an equality prefix of the (account, status, last_tracked_at)
# index: one ordered range scan per status, never the account's final (delivered) history.
OPEN_STATUSES = tuple(s for s, _ in ShipmentStatus.CHOICES if s not in ShipmentStatus.FINAL)


def shipments_due_for_tracking(*, account, limit: int, before: datetime | None = None) -> list[str]:
    """AWBs of up to ``limit`` of ``account``'s shipments not yet final (and, with ``before``,
    not tracked since then), the longest untracked first (never tracked before all others), so
    with many shipments the courier's budget is spent where it matters.

    Per open status, the ``limit`` never-tracked and the ``limit`` oldest-tracked shipments, in
    index order (one ``UNION ALL`` query where the database allows it), merged here: each part
    reads at most ``limit`` rows. A single ``status NOT IN (final)`` query ordered by
    ``last_tracked_at`` cannot use the index, so every call of a poll read and sorted all of
    the account's shipments, its delivered history included (bench/tracking.py)."""
    mine = Shipment.objects.filter(account=account)
    parts = []
    for status in OPEN_STATUSES:
        tracked = mine.filter(status=status, last_tracked_at__isnull=False)
        if before is not None:
            tracked = tracked.filter(last_tracked_at__lt=before)
        never = mine.filter(status=status, last_tracked_at__isnull=True)
        for qs in (never, tracked):
            # By the index's order alone, so each part stops after ``limit`` rows: a pk
            # tie-break makes PostgreSQL sort every match (or walk the primary key through
            # the table); ties are merged by pk below.
            parts.append(
                qs.order_by("last_tracked_at").values_list("last_tracked_at", "pk", "awb")[:limit]
            )
    if connection.features.supports_slicing_ordering_in_compound:
        rows = list(parts[0].union(*parts[1:], all=True))
    else:  # SQLite: no LIMIT in the parts of a compound query
        rows = [row for part in parts for row in part]
    rows.sort(key=lambda r: (r[0] is not None, r[0] or datetime.min.replace(tzinfo=UTC), r[1]))
    return [awb for _, _, awb in rows[:limit]]


@dataclass(slots=True)
class TrackRun:
    """What one poll of a courier account did: ``calls`` to the tracking API, ``tracked``
    shipments answered, ``moved`` whose status changed, ``unknown`` AWBs the courier did not
    know, and the ``error`` that stopped it early ("" when it finished)."""

    calls: int = 0
    tracked: int = 0
    moved: int = 0
    unknown: int = 0
    error: str = ""
    stopped_early: bool = False  # the run's time limit ended it with shipments left


def shipments_track_account(
    *,
    account_id: int,
    max_calls: int | None = None,
    started_at: datetime | None = None,
    max_seconds: float | None = None,
) -> TrackRun:
    """Poll the courier for every shipment of the account not yet final and not tracked since
    this run began, ``track_batch`` (50) AWBs a call, oldest-tracked first, until none is left
    or ``max_calls`` were made. The courier's request budget is the connector's (Delhivery: 750
    per 5 minutes, paced at 80%, shared by all of the account's work); a ``ConnectorError``
    stops the run with the error recorded, and the next run carries on where this one left.
    ``max_seconds`` (wall time) ends the run early, with ``stopped_early`` set: the beat's
    task uses it to finish inside its lock (at 600 calls per 5 minutes a run reads about
    100,000 shipments in 18 minutes; bench/tracking.py), and the next run starts with the
    longest-untracked shipments, so nothing is starved."""
    account = ChannelAccount.objects.get(pk=account_id)
    connector = build_connector(account)
    run = TrackRun()
    cycle = started_at or timezone.now()
    deadline = None if max_seconds is None else time.monotonic() + max_seconds
    while max_calls is None or run.calls < max_calls:
        if deadline is not None and time.monotonic() >= deadline:
            run.stopped_early = True
            break
        awbs = shipments_due_for_tracking(
            account=account, limit=connector.track_batch, before=cycle
        )
        if not awbs:
            break
        try:
            tracks = connector.track_shipments(awbs)
        except ConnectorError as exc:
            run.error = str(exc) or type(exc).__name__
            logger.warning("tracking %s: stopped: %s", account.pk, run.error)
            break
        run.calls += 1
        result = shipment_tracks_apply(account=account, tracks=tracks)
        run.tracked += len(tracks)
        run.moved += result.updated
        answered = {t.awb for t in tracks}
        unknown = [awb for awb in awbs if awb not in answered]
        if unknown:
            # Not known to the courier (yet): read again in the next cycle, not in this one.
            run.unknown += len(unknown)
            Shipment.objects.filter(account=account, awb__in=unknown).update(
                last_tracked_at=timezone.now()
            )
    return run


def shipments_track_now(*, shipments: Iterable[Shipment]) -> TrackRun:
    """Read the tracking of these shipments at once (the admin's "Track now"), grouped by
    courier account, ``track_batch`` AWBs a call, whatever their status. Stops at the first
    ``ConnectorError`` (recorded in the result)."""
    run = TrackRun()
    by_account: dict[int, list[Shipment]] = defaultdict(list)
    for shipment in shipments:
        by_account[shipment.account_id].append(shipment)
    for group in by_account.values():
        account = group[0].account
        connector = build_connector(account)
        awbs = [s.awb for s in group]
        for start in range(0, len(awbs), connector.track_batch):
            try:
                tracks = connector.track_shipments(awbs[start : start + connector.track_batch])
            except ConnectorError as exc:
                run.error = str(exc) or type(exc).__name__
                return run
            run.calls += 1
            run.tracked += len(tracks)
            run.moved += shipment_tracks_apply(account=account, tracks=tracks).updated
    return run
