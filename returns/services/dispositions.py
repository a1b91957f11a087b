"""Dispositions: what the channel did with a return's goods once they came back (Shopify
``ReverseFulfillmentOrderDisposition``, shopify.dev/docs/api/admin-graphql/2025-01/objects/
ReverseFulfillmentOrderDisposition; read with the return by the returns stream).

A disposition is the merchant inspecting returned units in the channel's own admin: restocked
(sellable: Shopify put them back into ``available`` at a location), not restocked (damaged),
missing, or processing required. Sangam takes the first two as a receipt of its return, the
same QC decision ``returns.services.receipts.return_receive`` books when staff receive the
goods in Sangam: restocked units go back into stock, not restocked units are written off. A
line never receives more units than it returned, so a return received in Sangam first and then
disposed of in Shopify (or the other way round) is counted once.

Each disposition is kept (``ReturnDisposition``) for the channel ledger: Shopify's restock at a
location is its own +units to ``available`` there, which must not be taken for a change made in
the Shopify admin (``channel_stock.services.levels``).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import UTC, datetime

from django.utils import timezone

from integrations.dto import DispositionType, ReturnDispositionDTO
from orders.models import Return, ReturnDisposition
from returns.services.receipts import return_receive

logger = logging.getLogger(__name__)

# Dispositions that decide the goods' QC: restocked → QC passed, not restocked → QC failed.
RECEIVED_DISPOSITIONS = (DispositionType.RESTOCKED, DispositionType.NOT_RESTOCKED)
# The lower bound of a disposition of a return first read with it and without a known order.
EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)


def return_dispositions_import(
    *,
    account,
    ret: Return,
    dispositions: Sequence[ReturnDispositionDTO],
    not_before: datetime | None,
) -> int:
    """Record the dispositions of ``ret`` not stored yet (a disposition never changes) and book
    the restocked / not restocked ones as a receipt of ``ret`` (``return_receive``: restocked
    units back into stock, the others written off, capped at what each line has left to
    receive). Call inside the transaction that stored ``ret``.

    ``not_before`` is the channel's version of the return read before this one (its order's
    ``updatedAt`` for Shopify): a disposition not seen then happened after it. None (the return
    is read for the first time) takes the order's placement time. ``seen_at`` is now. Returns
    the number of new dispositions. A receipt the inventory refuses (a SKU not in the catalog)
    is logged and the dispositions are still kept."""
    if not dispositions:
        return 0
    wanted = {dto.external_id[:255]: dto for dto in dispositions}
    stored = set(
        ReturnDisposition.objects.filter(account=account, external_id__in=list(wanted)).values_list(
            "external_id", flat=True
        )
    )
    fresh = [dto for external_id, dto in wanted.items() if external_id not in stored]
    if not fresh:
        return 0
    if not_before is None:
        placed = ret.order.placed_at if ret.order_id else None
        not_before = placed or EARLIEST
    now = timezone.now()
    rows = [
        ReturnDisposition(
            merchant_id=account.merchant_id,
            account=account,
            return_request=ret,
            external_id=dto.external_id[:255],
            order_item_external_id=dto.order_item_external_id[:255],
            sku=dto.sku[:255],
            quantity=dto.quantity,
            disposition=dto.disposition,
            location_id=dto.location_id[:255],
            not_before=min(not_before, now),
            seen_at=now,
            raw=dto.raw,
        )
        for dto in fresh
    ]
    receipt = _receipt(ret, rows)
    if receipt:
        try:
            return_receive(ret=ret, lines=receipt, note=_note(ret, rows))
        except ValueError as exc:
            logger.warning("return %s: dispositions not received: %s", ret.external_id, exc)
            for row in rows:
                row.received_quantity = 0
    ReturnDisposition.objects.bulk_create(rows, ignore_conflicts=True)
    return len(rows)


def _receipt(ret: Return, rows: list[ReturnDisposition]) -> dict[int, tuple[int, int]]:
    """``return_receive`` lines (item pk → (restocked, written off)) for the restocked and not
    restocked ``rows``, each capped at what its line has left to receive; sets each row's
    ``received_quantity``. A row whose line is not in the return receives nothing."""
    items = {item.order_item_external_id: item for item in ret.items.all()}
    left = {
        key: item.quantity - item.restocked_quantity - item.written_off_quantity
        for key, item in items.items()
    }
    lines: dict[int, tuple[int, int]] = {}
    for row in rows:
        item = items.get(row.order_item_external_id)
        if row.disposition not in RECEIVED_DISPOSITIONS or item is None:
            continue
        units = min(row.quantity, left[row.order_item_external_id])
        if units <= 0:
            continue
        left[row.order_item_external_id] -= units
        row.received_quantity = units
        restocked, written_off = lines.get(item.pk, (0, 0))
        if row.disposition == DispositionType.RESTOCKED:
            restocked += units
        else:
            written_off += units
        lines[item.pk] = (restocked, written_off)
    return lines


def _note(ret: Return, rows: list[ReturnDisposition]) -> str:
    """The ledger note of a receipt from dispositions: ``Shopify return #1001-R1 disposed
    of: 1 restocked, 1 not restocked``."""
    name = ((ret.raw or {}).get("return") or {}).get("name") or ret.external_id
    counts: dict[str, int] = {}
    for row in rows:
        if row.received_quantity:
            label = dict(DispositionType.CHOICES)[row.disposition].lower()
            counts[label] = counts.get(label, 0) + row.received_quantity
    parts = ", ".join(f"{units} {label}" for label, units in counts.items())
    return f"{ret.channel.capitalize()} return {name} disposed of: {parts}"
