"""Receiving returned goods: QC-passed units go back into stock, QC-failed units are written off,
both through the stock ledger (``stock_apply``), and the return's new status is written back to
the channel (Shopify: tag and note on the order) after commit.
"""

from __future__ import annotations

from collections.abc import Mapping

from django.db import transaction
from django.utils import timezone

from integrations.connectors.base import Capability
from integrations.dto import ReturnStatus
from integrations.registry import has_capability
from inventory.models import MovementKind, MovementSource, Variant
from inventory.services.stock import StockChange, default_warehouse, stock_apply
from orders.models import OrderItem, Return, ReturnItem
from orders.services.orders import backorders_allocate
from returns.services.writeback import return_writeback_queue


def return_receive(
    *,
    ret: Return,
    lines: Mapping[int, tuple[int, int]],
    user=None,
    note: str = "",
) -> Return:
    """Record the receipt and QC of returned units and move stock through the ledger.

    ``lines`` maps ``ReturnItem`` pk → ``(units restocked, units written off)`` in this
    receipt (QC passed / QC failed). Each call is a new receipt: quantities add to what earlier
    receipts recorded, and a line can never receive more units than it returned.

    Ledger (one ``stock_apply`` call in the merchant's default warehouse, reference
    ``return:<pk>``, source ``return``): every received unit first comes back into stock
    (``restock`` +restocked+written off), then the QC-failed units leave again
    (``write_off`` −written off). The net on-hand change is the QC-passed units, the ledger
    shows both steps, and summing movements still rebuilds the level exactly.

    Variant of a line: the returned order item's variant, else the catalog variant with the
    line's SKU. Status afterwards: ``qc_passed`` if any unit of the return was ever restocked,
    else ``qc_failed``; this replaces any earlier status, including ``refunded`` (the channel
    already shows the refund itself; what it lacks is the goods' state). ``received_at`` is
    set to now. The Return row is locked (``select_for_update``) for the whole receipt, so two
    concurrent receipts cannot both pass the quantity check.

    Restocked units are offered to open orders waiting for stock (``backorders_allocate``),
    and the channel push of changed variants is scheduled by ``stock_apply``. After commit, a
    return of a channel with ``Capability.RETURN_WRITEBACK`` (Shopify) queues
    ``return_writeback_task``.

    Raises ``ValueError`` (the API/admin turn it into a 400 / form error) when: ``lines`` is
    empty or receives nothing; an item is not part of ``ret``; a count is negative; restocked +
    written off (earlier + now) exceeds the line's quantity; a line's SKU is not in the
    catalog. Nothing is written in those cases.
    """
    with transaction.atomic():
        locked = Return.objects.select_for_update().get(pk=ret.pk)
        items = {
            item.pk: item
            for item in ReturnItem.objects.select_for_update()
            .filter(return_request=locked)
            .order_by("pk")
        }
        wanted = _validated(locked, items, lines)
        variants = _variants_of(locked, [items[pk] for pk in wanted])
        reference = f"return:{locked.pk}"
        text = (note or f"{locked.channel} return {locked.external_id}")[:500]
        created_by_id = getattr(user, "pk", None)
        changes: list[StockChange] = []
        for pk, (restocked, written_off) in wanted.items():
            item = items[pk]
            common = {
                "reference": reference,
                "source": MovementSource.RETURN,
                "note": text,
                "created_by_id": created_by_id,
            }
            changes.append(
                StockChange(
                    variants[pk],
                    MovementKind.RESTOCK,
                    on_hand_delta=restocked + written_off,
                    **common,
                )
            )
            if written_off:
                changes.append(
                    StockChange(
                        variants[pk], MovementKind.WRITE_OFF, on_hand_delta=-written_off, **common
                    )
                )
            item.restocked_quantity += restocked
            item.written_off_quantity += written_off
        outcome = stock_apply(warehouse=default_warehouse(locked.merchant_id), changes=changes)
        if outcome.freed_variants:
            # Restocked units first serve orders that were waiting for them (as any receipt).
            backorders_allocate(merchant_id=locked.merchant_id, variant_ids=outcome.freed_variants)
        ReturnItem.objects.bulk_update(
            [items[pk] for pk in wanted], ["restocked_quantity", "written_off_quantity"]
        )
        any_restocked = any(item.restocked_quantity for item in items.values())
        locked.status = ReturnStatus.QC_PASSED if any_restocked else ReturnStatus.QC_FAILED
        locked.received_at = timezone.now()
        locked.save(update_fields=["status", "received_at", "updated_at"])
        if has_capability(locked.channel, Capability.RETURN_WRITEBACK):
            return_writeback_queue(return_id=locked.pk)
    return locked


def _validated(
    ret: Return, items: dict[int, ReturnItem], lines: Mapping[int, tuple[int, int]]
) -> dict[int, tuple[int, int]]:
    """The lines that receive something, in item pk order; ``ValueError`` on any bad line."""
    wanted: dict[int, tuple[int, int]] = {}
    for pk in sorted(lines):
        restocked, written_off = lines[pk]
        item = items.get(pk)
        if item is None:
            raise ValueError(f"Return item {pk} is not part of return {ret.external_id}.")
        if restocked < 0 or written_off < 0:
            raise ValueError(f"SKU {item.sku or pk}: unit counts cannot be negative.")
        already = item.restocked_quantity + item.written_off_quantity
        if already + restocked + written_off > item.quantity:
            raise ValueError(
                f"SKU {item.sku or pk}: {item.quantity} returned, {already} already received; "
                f"cannot receive {restocked + written_off} more."
            )
        if restocked or written_off:
            wanted[pk] = (restocked, written_off)
    if not wanted:
        raise ValueError("Nothing to receive: give restocked or written-off units for a line.")
    return wanted


def _variants_of(ret: Return, items: list[ReturnItem]) -> dict[int, int]:
    """ReturnItem pk → Variant pk: the order item's variant, else the catalog SKU (two
    queries for the whole receipt). ``ValueError`` for a line with neither."""
    by_order_item: dict[str, tuple[int | None, str]] = {}
    if ret.order_id is not None:
        by_order_item = {
            external_id: (variant_id, sku)
            for external_id, variant_id, sku in OrderItem.objects.filter(
                order_id=ret.order_id,
                external_id__in=[i.order_item_external_id for i in items],
            ).values_list("external_id", "variant_id", "sku")
        }
    skus = {
        item.pk: item.sku or by_order_item.get(item.order_item_external_id, (None, ""))[1]
        for item in items
    }
    catalog = dict(
        Variant.objects.filter(
            merchant_id=ret.merchant_id, sku__in=[s for s in skus.values() if s]
        ).values_list("sku", "pk")
    )
    variants: dict[int, int] = {}
    for item in items:
        variant_id = by_order_item.get(item.order_item_external_id, (None, ""))[0]
        variant_id = variant_id or catalog.get(skus[item.pk])
        if variant_id is None:
            raise ValueError(f"SKU {skus[item.pk] or '(blank)'} is not in the catalog.")
        variants[item.pk] = variant_id
    return variants
