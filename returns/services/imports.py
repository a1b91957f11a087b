"""``returns_import``: customer returns and RTOs reported by a channel, recorded against their
orders (Flipkart ``/v2/returns``, Shopify refunds; later file imports and courier RTO), and the
removals of unshipped units a Shopify refund also reports (``order_line_removals_import``).

Idempotent like orders: keyed on (account, external_id); a version not newer than the stored
one (``updated_at``) is skipped. Stock is not moved here: restocking on receipt and QC belongs to
the inventory's return flow (``returns.services.receipts.return_receive``), which reads these
records; what it recorded (received units per line, the QC status) survives later channel
updates.

``return_writeback`` writes a return's status back to its channel order (Shopify: tag and
note), for channels with ``Capability.RETURN_WRITEBACK``.

What the channel says of a return beyond its lines (``ReturnDTO.supersedes``, ``channel_open``,
``refreshable``, ``restocks``) is stored in columns of ``Return``; ``raw`` is kept as the
channel sent it, and no query reads it.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from django.db import transaction
from django.db.models import Q

from integrations.connectors.base import Capability
from integrations.dto import (
    ImportResult,
    OrderDTO,
    OrderLineRemovalDTO,
    RecordFailure,
    ReturnDispositionDTO,
    ReturnDTO,
    ReturnRecord,
    ReturnStatus,
)
from integrations.models import AccountStatus, SyncLog
from integrations.registry import has_capability
from integrations.services.accounts import build_connector
from orders.models import Order, OrderLineRemoval, Return, ReturnItem
from orders.services.orders import orders_import
from returns.services.dispositions import return_dispositions_import
from returns.services.writeback import return_writeback_queue
from returns.tasks import returns_refresh_order_task

logger = logging.getLogger(__name__)

IST = ZoneInfo("Asia/Kolkata")


def returns_import(
    *,
    account,
    returns: Sequence[ReturnRecord],
    source: str = "sync",
) -> ImportResult:
    """Create or update a batch of returns of one account; returns counts.

    DTOs sharing an ``external_id`` are one return with several lines. A return whose order is
    not imported yet is kept with ``order`` null and linked by ``attach_returns_to_orders`` when
    the order arrives. A record that fails is quarantined (``ImportResult.failures``). The
    ``OrderLineRemovalDTO``s a refund also gives (Shopify) go to
    ``order_line_removals_import``, counted in the same result. The ``ReturnDispositionDTO``s of
    a return (Shopify) are recorded with it, in its transaction, even when its version is not
    newer (``returns.services.dispositions.return_dispositions_import``); those of a return not
    in the batch are dropped."""
    groups: dict[str, list[ReturnDTO]] = {}
    removals: list[OrderLineRemovalDTO] = []
    dispositions: dict[str, list[ReturnDispositionDTO]] = {}
    for dto in returns:
        if isinstance(dto, OrderLineRemovalDTO):
            removals.append(dto)
        elif isinstance(dto, ReturnDispositionDTO):
            dispositions.setdefault(dto.return_external_id, []).append(dto)
        else:
            groups.setdefault(dto.external_id, []).append(dto)
    result = ImportResult()
    if removals:
        result.add(order_line_removals_import(account=account, removals=removals))
    for external_id, dtos in groups.items():
        try:
            with transaction.atomic():
                outcome, ret, previous = _upsert(account, external_id, dtos)
                disposed = return_dispositions_import(
                    account=account,
                    ret=ret,
                    dispositions=dispositions.get(external_id, ()),
                    not_before=previous,
                )
                if disposed and outcome == "skipped":
                    outcome = "updated"
        except Exception as exc:  # noqa: BLE001 - one bad return never fails the batch
            result.failures.append(
                RecordFailure(external_id, f"{type(exc).__name__}: {exc}", dtos[0].raw)
            )
            continue
        setattr(result, outcome, getattr(result, outcome) + 1)
    return result


def returns_refresh_order(*, account, order_external_id: str) -> ImportResult:
    """Read one order's returns and refunds (``fetch_order_returns``, ``Capability.ORDER_RETURNS``:
    Shopify) and import them
    (``returns_import``); what cannot be mapped or stored is quarantined as ``SyncLog`` rows of
    the ``returns`` stream (reprocessable like a poll's). Queued for a ``refunds/create``
    webhook of a refund made for a Shopify return, and by ``refresh_open_returns`` for an
    updated order holding an open Shopify return. A disconnected account is left alone.
    Returns the counts; raises ``ConnectorError`` from the connector (the task retries)."""
    if account.status == AccountStatus.DISCONNECTED:
        return ImportResult()
    page = build_connector(account).fetch_order_returns(order_external_id=order_external_id)
    result = returns_import(account=account, returns=page.items, source="webhook")
    quarantined = [*page.failures, *result.failures]
    if quarantined:
        SyncLog.objects.bulk_create(
            SyncLog(
                account=account,
                stream="returns",
                external_id=f.external_id[:255],
                error=f.error[:4000],
                payload=f.payload,
            )
            for f in quarantined
        )
    return result


# Sangam statuses of a channel return that the channel may still change (approve, decline,
# cancel, close, refund); "received" is Shopify's close, before any refund and before Sangam's
# receipt.
OPEN_CHANNEL_RETURN_STATUSES = (
    ReturnStatus.REQUESTED,
    ReturnStatus.IN_TRANSIT,
    ReturnStatus.RECEIVED,
)


def refresh_open_returns(*, account, orders: Sequence[tuple[str, datetime]]) -> int:
    """Queue a read of the returns (``returns_refresh_order``) of each just-updated order
    (``(external id, updated_at)`` pairs) that holds a ``refreshable`` return (a Shopify
    return) still open and read before that update: Shopify changes a return (approval,
    decline, cancellation, closing, a disposition of its goods) without a webhook Sangam can
    check but updates its order, and a declined or cancelled request leaves the order's
    ``returnStatus`` at ``NO_RETURN``, which the returns poll skips. Open means open here
    (requested, in transit, closed by Shopify, and not received in Sangam) or still open at
    the channel (``channel_open``: a return received here from its first dispositions can get
    more). One query; the reads run after the commit. Channels without
    ``Capability.ORDER_RETURNS``: nothing to do. Returns the number queued."""
    if not orders or not has_capability(account.provider, Capability.ORDER_RETURNS):
        return 0
    updated = dict(orders)
    open_here = Q(status__in=OPEN_CHANNEL_RETURN_STATUSES, received_at__isnull=True)
    open_there = Q(channel_open=True)
    stale = sorted(
        {
            order_external_id
            for order_external_id, version in Return.objects.filter(
                open_here | open_there,
                account=account,
                order_external_id__in=list(updated),
                refreshable=True,
            ).values_list("order_external_id", "source_updated_at")
            if version < updated[order_external_id]
        }
    )
    returns_refresh_queue(account_id=account.pk, order_external_ids=stale)
    return len(stale)


def returns_refresh_queue(*, account_id: int, order_external_ids: Sequence[str]) -> None:
    """Queue ``returns_refresh_order`` for each order once the transaction commits (the read
    is HTTP, which has no place inside it)."""
    if not order_external_ids:
        return

    from integrations.tasks import enqueue  # at call time: tests replace the queue

    def queue() -> None:
        for order_external_id in order_external_ids:
            enqueue(returns_refresh_order_task, account_id, order_external_id)

    transaction.on_commit(queue)


def order_line_removals_import(*, account, removals: Sequence[OrderLineRemovalDTO]) -> ImportResult:
    """Record units removed from order lines before shipping (``OrderLineRemoval``); a removal
    never changes, so one already stored (same account and ``external_id``, e.g. seen by webhook
    and by poll) is skipped. Returns counts (created, skipped). Stock is not moved here: the
    order's own update carries the new current quantity, which releases the units."""
    wanted = {dto.external_id: dto for dto in removals}
    stored = set(
        OrderLineRemoval.objects.filter(account=account, external_id__in=list(wanted)).values_list(
            "external_id", flat=True
        )
    )
    rows = [
        OrderLineRemoval(
            merchant_id=account.merchant_id,
            account=account,
            external_id=dto.external_id[:255],
            order_external_id=dto.order_external_id[:255],
            order_item_external_id=dto.order_item_external_id[:255],
            sku=dto.sku[:255],
            quantity=dto.quantity,
            restocked=dto.restocked,
            removed_at=dto.removed_at,
            raw=dto.raw,
        )
        for external_id, dto in wanted.items()
        if external_id not in stored
    ]
    created = OrderLineRemoval.objects.bulk_create(rows, ignore_conflicts=True)
    return ImportResult(created=len(created), skipped=len(removals) - len(created))


def _upsert(
    account, external_id: str, dtos: list[ReturnDTO]
) -> tuple[str, Return, datetime | None]:
    """Store one return from its DTOs (locked while stored); returns ``(outcome, the return,
    its channel version before)``, the outcome ``created``, ``updated`` or ``skipped`` (a
    version not newer than the stored one). A Shopify return seen for the first time takes
    over the refund returns of its refunds (``_adopt_refund_returns``): ``updated``.

    ``supersedes``, ``channel_open`` and ``restocks`` follow ``raw``: the head's when every
    line carries the same payload (a Shopify return), else ``raw`` keeps each line's and
    ``restocks`` joins each line's restocks (a refund return), and a return stored with
    several payloads supersedes nothing and is not open at the channel."""
    head = max(dtos, key=lambda d: d.updated_at)
    existing = (
        Return.objects.select_for_update().filter(account=account, external_id=external_id).first()
    )
    adopted = None if existing is not None else _adopt_refund_returns(account, external_id, head)
    existing = existing or adopted
    # An adopted row's version is its refund's: the Shopify return itself is read for the
    # first time.
    previous = existing.source_updated_at if existing is not None and not adopted else None
    if adopted is None and existing is not None and head.updated_at <= existing.source_updated_at:
        return "skipped", existing, previous
    order = (
        Order.objects.filter(account=account, external_id=head.order_external_id).only("pk").first()
    )
    one_raw = all(d.raw == head.raw for d in dtos)
    values = {
        "merchant_id": account.merchant_id,
        "channel": account.provider,
        "order": order,
        "order_external_id": head.order_external_id,
        "kind": head.kind,
        "status": head.status,
        "reason": head.reason[:255],
        "sub_reason": head.sub_reason[:255],
        "tracking_id": head.tracking_id[:100],
        "requested_at": min(d.created_at for d in dtos),
        "source_updated_at": head.updated_at,
        "supersedes": list(head.supersedes) if one_raw else [],
        "channel_open": head.channel_open and one_raw,
        "refreshable": head.refreshable,
        "restocks": _restock_rows(
            head.restocks if one_raw else [r for d in dtos for r in d.restocks]
        ),
        # One raw when every line carries the same (a Shopify return's lines share theirs).
        "raw": head.raw if one_raw else {"lines": [d.raw for d in dtos]},
    }
    if existing is not None:
        # A channel without a request time for its returns (Shopify ``Return``) reports the
        # time it was first seen: keep the earliest.
        values["requested_at"] = min(values["requested_at"], existing.requested_at)
    if existing is not None and existing.received_at is not None:
        # The goods were received and inspected here: that QC status is Sangam's, and a later
        # channel status (requested, in transit, refunded…) must not undo it.
        values["status"] = existing.status
    if existing is None:
        ret = Return.objects.create(account=account, external_id=external_id, **values)
    else:
        ret = existing
        for key, value in values.items():
            setattr(ret, key, value)
        ret.save()
    lines: dict[str, ReturnItem] = {}
    for dto in dtos:
        key = dto.order_item_external_id or dto.sku
        line = lines.get(key)
        if line is None:
            lines[key] = ReturnItem(
                return_request=ret,
                order_item_external_id=key,
                sku=dto.sku[:255],
                quantity=dto.quantity,
            )
        else:
            line.quantity += dto.quantity
    if existing is None:
        ReturnItem.objects.bulk_create(lines.values())
        return "created", ret, previous
    _merge_lines(ret, lines)
    return "updated", ret, previous


def _restock_rows(restocks) -> list[dict]:
    """``ChannelRestockDTO``s as ``Return.restocks`` stores them: ``{"sku", "quantity", "at"}``
    with ``at`` ISO-8601 UTC (or None)."""
    return [
        {
            "sku": r.sku,
            "quantity": r.quantity,
            "at": r.restocked_at.isoformat() if r.restocked_at is not None else None,
        }
        for r in restocks
    ]


def _adopt_refund_returns(account, external_id: str, head: ReturnDTO) -> Return | None:
    """A Shopify return first seen now whose refunds Sangam already holds as refund returns
    (``refund:<refund id>``, read while the token lacked ``read_returns``; the channel ids
    ``ReturnDTO.supersedes`` names): the oldest of them
    becomes this return (renamed, locked; its receipts, QC status and stock movements stay
    with it) and the others with nothing received are deleted, so the units are not returned
    twice. One that has receipts is kept and logged: its units were booked already. An
    adopted return whose status was written to the order is written again after the commit
    (its note line then names the Shopify return). Returns the adopted row, or None (no such
    refund, or another channel)."""
    refund_ids = list(head.supersedes)
    if not refund_ids:
        return None
    earlier = list(
        Return.objects.select_for_update()
        .filter(account=account, external_id__in=refund_ids)
        .order_by("pk")
    )
    if not earlier:
        return None
    adopted, *others = earlier
    for other in others:
        if other.received_at is None:
            other.delete()
        else:
            logger.warning(
                "return %s: refund return %s was received before the Shopify return was read; "
                "kept beside %s",
                external_id,
                other.external_id,
                adopted.external_id,
            )
    logger.info("return %s adopts refund return %s", external_id, adopted.external_id)
    adopted.external_id = external_id
    adopted.save(update_fields=["external_id", "updated_at"])
    if adopted.channel_synced_status:
        # Its note line on the order names the refund: written again under the new id.
        return_writeback_queue(return_id=adopted.pk)
    return adopted


def _merge_lines(ret: Return, lines: dict[str, ReturnItem]) -> None:
    """Update the stored lines in place, keeping the units already received against them
    (a line never drops below what was received; a vanished line with receipts stays)."""
    stored = {item.order_item_external_id: item for item in ret.items.all()}
    changed: list[ReturnItem] = []
    added: list[ReturnItem] = []
    for key, line in lines.items():
        item = stored.pop(key, None)
        if item is None:
            added.append(line)
            continue
        item.sku = line.sku
        item.quantity = max(line.quantity, item.restocked_quantity + item.written_off_quantity)
        changed.append(item)
    vanished = [
        item.pk
        for item in stored.values()
        if not (item.restocked_quantity or item.written_off_quantity)
    ]
    if vanished:
        ReturnItem.objects.filter(pk__in=vanished).delete()
    if changed:
        ReturnItem.objects.bulk_update(changed, ["sku", "quantity"])
    if added:
        ReturnItem.objects.bulk_create(added)


def orders_imported(*, account, created: Sequence[tuple[int, str]], updated) -> None:
    """``ORDERS_IMPORTED_HOOKS``: after a batch of ``account``'s orders was written, link the
    returns that arrived before the ``created`` orders ((pk, external id) pairs) and queue a
    re-read of the open returns of the ``updated`` ones ((external id, ``source_updated_at``)
    pairs, ``refresh_open_returns``)."""
    if updated:
        refresh_open_returns(account=account, orders=updated)
    if created:
        attach_returns_to_orders(account=account, orders=created)


def attach_returns_to_orders(*, account, orders: Sequence[tuple[int, str]]) -> int:
    """Link returns that arrived before their order: ``orders`` are (order pk, external id)
    pairs just imported. One query when nothing is waiting (the usual case)."""
    by_external = {ext: pk for pk, ext in orders}
    waiting = list(
        Return.objects.filter(
            account=account, order__isnull=True, order_external_id__in=list(by_external)
        ).only("pk", "order_external_id")
    )
    for ret in waiting:
        ret.order_id = by_external[ret.order_external_id]
        ret.save(update_fields=["order", "updated_at"])
    return len(waiting)


def file_records_import(
    *, account, records: Sequence[OrderDTO | ReturnDTO], source: str = "file"
) -> ImportResult:
    """Import what an uploaded export gives (``FileImportConnector.parse_file``): its orders
    first (``orders_import``), then the returns of its RTO and returned rows
    (``returns_import``), which find their orders by ``order_external_id``. The counts are the
    orders'; a return that fails is quarantined with the rest."""
    orders = [r for r in records if isinstance(r, OrderDTO)]
    returns = [r for r in records if isinstance(r, ReturnDTO)]
    result = orders_import(account=account, orders=orders, source=source)
    if returns:
        failed = {f.external_id for f in result.failures}
        kept = [r for r in returns if r.order_external_id not in failed]
        imported = returns_import(account=account, returns=kept, source=source)
        result.failures.extend(imported.failures)
    return result
