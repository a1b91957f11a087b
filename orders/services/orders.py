"""``order_import``: the one path by which orders enter the order book (sync pages, bulk
files, webhooks, later file imports).

Idempotent: orders are keyed on (account, external_id); a version older than or equal to the
stored one (``updated_at``) changes nothing. Bulk: a page costs a fixed number of queries, not
one per order. Stock: a new open order reserves its lines in the default warehouse, all or
nothing: an order whose lines do not fit in available-to-sell is kept, reserves nothing and is
flagged ``unfulfillable`` (a backorder, reserved by ``backorders_allocate`` when stock comes
back). An order reserves each line's current quantity (``OrderItem.current_quantity``): units
removed before shipping (a partial cancellation, an edit) are released when the channel's update
says so. Cancelling or refunding releases the reservation; shipping turns it into an on-hand
decrease. Amazon-fulfilled (AFN/FBA) orders never touch the pool: Amazon ships them from its own
stock. Every change is a ``StockMovement`` referencing ``order:<pk>``.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.bulk import insert_rows
from integrations.dto import ImportResult, OrderDTO, OrderStatus, RecordFailure
from integrations.hooks import run_hooks
from inventory.models import MovementKind, MovementSource
from inventory.services import StockChange, default_warehouse, stock_apply, variant_ids_for
from inventory.services.stock import Reservation
from orders.models import Order, OrderItem, OrderStatusEvent

logger = logging.getLogger(__name__)

ORDER_FIELDS = (
    "order_number",
    "placed_at",
    "source_updated_at",
    "status",
    "financial_status",
    "fulfillment_status",
    "cancelled_at",
    "payment_method",
    "payment_gateway",
    "currency",
    "subtotal",
    "discount_total",
    "shipping_total",
    "tax_total",
    "total",
    "customer_external_id",
    "customer_name",
    "customer_email",
    "customer_phone",
    "ship_name",
    "ship_address1",
    "ship_address2",
    "ship_phone",
    "ship_city",
    "ship_state",
    "ship_state_code",
    "ship_pincode",
    "ship_country",
    "tags",
    "is_test",
    "fulfilled_by_channel",
    "payment_known",
    "stock_reserved",
    "unfulfillable",
    "backordered_at",
    "backorder_filled_at",
    "raw",
    "updated_at",
)


# A reserved order reaching one of these left the warehouse: its reservation ships (on hand
# goes down). Returned included: an RTO or a customer return came back after shipping, even
# when no export showed it shipped, and the return's receipt puts the units back.
SHIPPED_STATUSES = frozenset({OrderStatus.SHIPPED, OrderStatus.DELIVERED, OrderStatus.RETURNED})


@dataclass(slots=True)
class NewOrder:
    """What the stock and history step needs of a freshly inserted order (no model instance:
    building thousands of them is a measurable share of the import)."""

    pk: int
    external_id: str
    status: str
    placed_at: datetime
    stock_reserved: bool


def order_values(dto: OrderDTO) -> dict:
    """The ``Order`` columns an ``OrderDTO`` sets (everything but ids and bookkeeping)."""
    ship = dto.ship_to
    return {
        "order_number": dto.order_number[:100],
        "placed_at": dto.placed_at,
        "source_updated_at": dto.updated_at,
        "status": dto.status,
        "financial_status": dto.financial_status[:40],
        "fulfillment_status": dto.fulfillment_status[:40],
        "cancelled_at": dto.cancelled_at,
        "payment_method": dto.payment_method,
        "payment_gateway": ", ".join(dto.payment_gateways)[:255],
        "currency": dto.currency,
        "subtotal": dto.subtotal,
        "discount_total": dto.discount_total,
        "shipping_total": dto.shipping_total,
        "tax_total": dto.tax_total,
        "total": dto.total,
        "customer_external_id": dto.customer_external_id,
        "customer_name": dto.customer_name[:255],
        "customer_email": dto.customer_email[:255],
        "customer_phone": dto.customer_phone[:50],
        "ship_name": ship.name[:255],
        "ship_address1": ship.address1[:255],
        "ship_address2": ship.address2[:255],
        "ship_phone": ship.phone[:50],
        "ship_city": ship.city[:120],
        "ship_state": ship.state[:120],
        "ship_state_code": ship.state_code[:10],
        "ship_pincode": ship.pincode[:12],
        "ship_country": ship.country_code[:2],
        "tags": list(dto.tags),
        "is_test": dto.is_test,
        "fulfilled_by_channel": dto.fulfilled_by_channel,
        "payment_known": dto.payment_known,
        "raw": dto.raw,
    }


def _line_key(
    external_id: str, sku: str, quantity: int, current: int, unit_price, discount, tax
) -> tuple:
    return (
        external_id,
        sku,
        quantity,
        current,
        Decimal(unit_price),
        Decimal(discount),
        Decimal(tax),
    )


def _unchanged_orders(existing: dict[str, Order], newest: dict[str, OrderDTO]) -> set[str]:
    """External ids whose newer-stamped version carries exactly what is stored (the same
    payload, columns and lines) — a re-uploaded file, a re-read page. Only orders whose payload
    is identical are checked, so the usual import pays nothing for this."""
    candidates: dict[int, str] = {}
    for external_id, order in existing.items():
        dto = newest[external_id]
        if dto.updated_at <= order.source_updated_at or not dto.raw or dto.raw != order.raw:
            continue
        values = order_values(dto)
        if all(
            getattr(order, key) == value
            for key, value in values.items()
            if key not in ("source_updated_at", "raw")
        ):
            candidates[order.pk] = external_id
    if not candidates:
        return set()
    stored: dict[int, list[tuple]] = {pk: [] for pk in candidates}
    for row in OrderItem.objects.filter(order_id__in=list(candidates)).values_list(
        "order_id",
        "external_id",
        "sku",
        "quantity",
        "current_quantity",
        "unit_price",
        "discount",
        "tax",
    ):
        stored[row[0]].append(_line_key(*row[1:]))
    same: set[str] = set()
    for pk, external_id in candidates.items():
        incoming = [
            _line_key(
                i.external_id,
                i.sku[:255],
                i.quantity,
                i.units_current,
                i.unit_price,
                i.discount,
                i.tax,
            )
            for i in newest[external_id].items
        ]
        if sorted(incoming) == sorted(stored[pk]):
            same.add(external_id)
    return same


def holds_stock(dto: OrderDTO) -> bool:
    """Whether the order draws on Sangam's pool: every open order except those the channel
    fulfils from its own stock (``fulfilled_by_channel``: Amazon AFN/FBA)."""
    return dto.status in OrderStatus.OPEN and not dto.fulfilled_by_channel


def order_import(*, account, order: OrderDTO, source: str = "sync") -> ImportResult:
    """Import one order (webhook path). See :func:`orders_import` for the rules."""
    return orders_import(account=account, orders=[order], source=source)


def orders_import(*, account, orders: Sequence[OrderDTO], source: str = "sync") -> ImportResult:
    """Create or update a batch of orders of one account, with their items and stock.

    Returns counts; a batch that fails as a whole is retried record by record so that one bad
    record is quarantined (``ImportResult.failures``) and the rest commits.
    """
    try:
        return _import_batch(account=account, orders=orders, source=source)
    except IntegrityError:
        # A concurrent import inserted one of these orders first: the retry sees it as existing.
        logger.info("order batch raced with another import; retrying once")
        try:
            return _import_batch(account=account, orders=orders, source=source)
        except Exception:  # noqa: BLE001 - isolate the bad record below
            logger.exception("order batch failed twice; importing one by one")
    except Exception:  # noqa: BLE001 - isolate the bad record below
        if len(orders) == 1:
            logger.exception("order %s failed to import", orders[0].external_id)
    if len(orders) == 1:
        return _quarantine_single(account=account, order=orders[0], source=source)
    result = ImportResult()
    for dto in orders:
        result.add(orders_import(account=account, orders=[dto], source=source))
    return result


def _quarantine_single(*, account, order: OrderDTO, source: str) -> ImportResult:
    try:
        return _import_batch(account=account, orders=[order], source=source)
    except Exception as exc:  # noqa: BLE001 - the record is quarantined with the reason
        return ImportResult(
            failures=[RecordFailure(order.external_id, f"{type(exc).__name__}: {exc}", order.raw)]
        )


@transaction.atomic
def _import_batch(*, account, orders: Sequence[OrderDTO], source: str) -> ImportResult:
    result = ImportResult()
    newest: dict[str, OrderDTO] = {}
    for dto in orders:
        kept = newest.get(dto.external_id)
        if kept is None or dto.updated_at > kept.updated_at:
            newest[dto.external_id] = dto
    result.skipped += len(orders) - len(newest)
    existing = {
        o.external_id: o
        for o in Order.objects.select_for_update()
        .filter(account=account, external_id__in=list(newest))
        .order_by("pk")
    }
    by_listing, by_sku = variant_ids_for(
        merchant_id=account.merchant_id,
        account_id=account.pk,
        skus=(i.sku for d in newest.values() for i in d.items),
        external_variant_ids=(i.variant_external_id for d in newest.values() for i in d.items),
    )
    now = timezone.now()
    unchanged = _unchanged_orders(existing, newest)
    new_rows: list[dict] = []
    to_update: list[tuple[Order, OrderDTO, str, bool]] = []
    for external_id, dto in newest.items():
        order = existing.get(external_id)
        values = order_values(dto)
        if order is None:
            new_rows.append(
                {
                    "merchant_id": account.merchant_id,
                    "account_id": account.pk,
                    "channel": account.provider,
                    "external_id": external_id,
                    "stock_reserved": holds_stock(dto),
                    "unfulfillable": False,
                    **values,
                }
            )
        elif dto.updated_at <= order.source_updated_at or external_id in unchanged:
            # Stale, the same version again, or (file re-uploads) the same content under a
            # newer timestamp: nothing to change.
            result.skipped += 1
        else:
            previous_status, was_reserved = order.status, order.stock_reserved
            for key, value in values.items():
                setattr(order, key, value)
            order.updated_at = now
            to_update.append((order, dto, previous_status, was_reserved))
    to_create = [
        NewOrder(pk, row["external_id"], row["status"], row["placed_at"], row["stock_reserved"])
        for pk, row in zip(insert_rows(Order, new_rows), new_rows, strict=True)
    ]
    result.created += len(to_create)
    result.updated += len(to_update)

    # Items: new orders get theirs; updated orders get theirs replaced (after reading what the
    # old items had reserved).
    changed_ids = [o.pk for o, *_ in to_update]
    old_reserved: dict[int, list[tuple[int, int]]] = {}
    old_held: dict[int, dict[str, int]] = {}
    if changed_ids:
        for order_id, external_id, variant_id, held in OrderItem.objects.filter(
            order_id__in=changed_ids
        ).values_list("order_id", "external_id", "variant_id", "current_quantity"):
            old_held.setdefault(order_id, {})[external_id] = held
            if variant_id is not None and held > 0:
                old_reserved.setdefault(order_id, []).append((variant_id, held))
        OrderItem.objects.filter(order_id__in=changed_ids).delete()
    items: list[dict] = []
    for order, dto in [(o, newest[o.external_id]) for o in to_create] + [
        (o, d) for o, d, *_ in to_update
    ]:
        # Once shipping has begun, a drop in the channel's current quantity may be a refund of
        # shipped units (a return, restocked when it is received), so the lines keep what they
        # held; before that, a drop is units removed from the order and released.
        kept = old_held.get(order.pk, {}) if dto.status == OrderStatus.PARTIALLY_SHIPPED else {}
        for line in dto.items:
            items.append(
                {
                    "order_id": order.pk,
                    "external_id": line.external_id,
                    "sku": line.sku[:255],
                    "variant_id": by_listing.get(line.variant_external_id) or by_sku.get(line.sku),
                    "variant_external_id": line.variant_external_id,
                    "title": line.title[:500],
                    "quantity": line.quantity,
                    "current_quantity": kept.get(line.external_id, line.units_current),
                    "unit_price": line.unit_price,
                    "discount": line.discount,
                    "tax": line.tax,
                }
            )
    insert_rows(OrderItem, items)

    waiting_before = {o.pk for o, *_ in to_update if o.unfulfillable}
    changes, reservations, events = _stock_and_history(
        created=to_create,
        updated=to_update,
        items=items,
        old_reserved=old_reserved,
        source=source,
        now=now,
    )
    refused: set[int] = set()
    if changes or reservations:
        outcome = stock_apply(
            warehouse=default_warehouse(account.merchant_id),
            changes=changes,
            reservations=reservations,
        )
        refused = outcome.refused
        if outcome.freed_variants:
            backorders_allocate(
                merchant_id=account.merchant_id,
                variant_ids=outcome.freed_variants,
                exclude=refused,
            )
    for order, *_ in to_update:
        if order.pk in refused:
            order.stock_reserved, order.unfulfillable = False, True
            if order.pk not in waiting_before:
                order.backordered_at, order.backorder_filled_at = now, None
        elif order.pk in waiting_before and order.stock_reserved:
            order.backorder_filled_at = now  # the new version fits what is available now
    if to_update:
        Order.objects.bulk_update([o for o, *_ in to_update], list(ORDER_FIELDS))
    refused_new = [o.pk for o in to_create if o.pk in refused]
    if refused_new:
        Order.objects.filter(pk__in=refused_new).update(
            stock_reserved=False, unfulfillable=True, backordered_at=now
        )
    insert_rows(OrderStatusEvent, events)
    if to_create or to_update:
        run_hooks(
            "ORDERS_IMPORTED_HOOKS",
            account=account,
            created=[(o.pk, o.external_id) for o in to_create],
            updated=[(o.external_id, o.source_updated_at) for o, *_ in to_update],
        )
    return result


def _stock_and_history(
    *, created, updated, items, old_reserved, source: str, now: datetime
) -> tuple[list[StockChange], list[Reservation], list[dict]]:
    """Stock changes (releases, shipments), reservations (oldest order first) and status-event
    rows for a batch (no queries)."""
    new_lines: dict[int, list[tuple[int, int]]] = {}
    for item in items:
        if item["variant_id"] and item["current_quantity"] > 0:
            new_lines.setdefault(item["order_id"], []).append(
                (item["variant_id"], item["current_quantity"])
            )
    changes: list[StockChange] = []
    reservations: list[Reservation] = []
    events: list[dict] = []
    for order in sorted(created, key=lambda o: (o.placed_at, o.pk)):
        events.append(
            {
                "order_id": order.pk,
                "status": order.status,
                "source": source,
                "occurred_at": order.placed_at,
            }
        )
        if order.stock_reserved:
            reservations.append(
                Reservation(order.pk, tuple(new_lines.get(order.pk, ())), f"order:{order.pk}")
            )
    for order, dto, previous_status, was_reserved in updated:
        if order.status != previous_status:
            events.append(
                {
                    "order_id": order.pk,
                    "status": order.status,
                    "previous_status": previous_status,
                    "source": source,
                    "occurred_at": dto.updated_at,
                }
            )
        ref = f"order:{order.pk}"
        old = old_reserved.get(order.pk, []) if was_reserved else []
        lines = new_lines.get(order.pk, [])
        if holds_stock(dto):
            # Still open: hold exactly the current lines (re-reserve if lines were edited; a
            # backorder tries again with each new version).
            if not was_reserved or sorted(old) != sorted(lines):
                changes.extend(_order_changes(old, MovementKind.RELEASE, ref, ship=False))
                reservations.append(Reservation(order.pk, tuple(lines), ref))
            order.stock_reserved = True
            order.unfulfillable = False
        elif was_reserved and order.status in SHIPPED_STATUSES:
            changes.extend(_order_changes(old, MovementKind.SHIP, ref, ship=True))
            order.stock_reserved = order.unfulfillable = False
        else:
            changes.extend(_order_changes(old, MovementKind.RELEASE, ref, ship=False))
            order.stock_reserved = order.unfulfillable = False
    return changes, reservations, events


def _order_changes(lines, kind: str, reference: str, *, ship: bool) -> list[StockChange]:
    """Release (or ship: also take from on hand) the units an order held."""
    return [
        StockChange(
            v,
            kind,
            on_hand_delta=-q if ship else 0,
            reserved_delta=-q,
            reference=reference,
            source=MovementSource.ORDER,
        )
        for v, q in lines
    ]


def backorders_allocate(
    *, merchant_id: int, variant_ids, exclude: set[int] | frozenset = frozenset(), limit: int = 500
) -> list[int]:
    """Reserve open ``unfulfillable`` orders (oldest first) that wait for any of
    ``variant_ids``, now that stock came back; returns the order pks that got their stock. Each
    order is still all or nothing; the ones that still do not fit stay flagged."""
    waiting = list(
        Order.objects.filter(
            merchant_id=merchant_id,
            unfulfillable=True,
            status__in=OrderStatus.OPEN,
            items__variant_id__in=list(variant_ids),
        )
        .exclude(pk__in=list(exclude))
        .order_by("placed_at", "pk")
        .values_list("pk", flat=True)
        .distinct()[:limit]
    )
    if not waiting:
        return []
    lines: dict[int, list[tuple[int, int]]] = {pk: [] for pk in waiting}
    for order_id, variant_id, quantity in OrderItem.objects.filter(
        order_id__in=waiting, variant_id__isnull=False, current_quantity__gt=0
    ).values_list("order_id", "variant_id", "current_quantity"):
        lines[order_id].append((variant_id, quantity))
    outcome = stock_apply(
        warehouse=default_warehouse(merchant_id),
        reservations=[Reservation(pk, tuple(lines[pk]), f"order:{pk}") for pk in waiting],
    )
    allocated = [pk for pk in waiting if pk not in outcome.refused]
    Order.objects.filter(pk__in=allocated).update(
        stock_reserved=True, unfulfillable=False, backorder_filled_at=timezone.now()
    )
    return allocated


def order_redact_customer(
    *, account, customer_external_id: str, order_external_ids: Sequence[str]
) -> int:
    """Erase a customer's personal data from stored orders and their raw payloads (Shopify
    ``customers/redact``). Returns the number of orders redacted; amounts and items stay for
    accounting."""
    qs = Order.objects.filter(account=account)
    targets = (
        qs.filter(customer_external_id=customer_external_id) if customer_external_id else qs.none()
    )
    if order_external_ids:
        targets = targets | qs.filter(external_id__in=[str(i) for i in order_external_ids])
    count = 0
    for order in targets.distinct():
        order.customer_name = order.customer_email = order.customer_phone = ""
        order.ship_name = order.ship_address1 = order.ship_address2 = order.ship_phone = ""
        order.raw = {"redacted": True, "redacted_at": timezone.now().isoformat()}
        order.save(
            update_fields=[
                "customer_name",
                "customer_email",
                "customer_phone",
                "ship_name",
                "ship_address1",
                "ship_address2",
                "ship_phone",
                "raw",
                "updated_at",
            ]
        )
        count += 1
    return count
