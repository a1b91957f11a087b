"""The stock pool: levels per variant and warehouse, changed only through the ledger.

Every write locks the affected ``StockLevel`` rows in primary-key order (``SELECT … FOR
UPDATE`` on PostgreSQL), so concurrent orders queue instead of overselling or deadlocking
(DESIGN.md "Data rules"). Each change appends a ``StockMovement`` holding exactly the delta that
was applied, so summing a level's movements rebuilds it (``stock_rebuild``). Levels never go
negative: a decrease larger than what is there is cut to what is there, and the movement
records the cut amount. A reservation is all or nothing per order: an order whose lines do not
all fit in available-to-sell reserves nothing and is reported back as refused.

After the transaction commits, listings of variants whose available-to-sell changed are marked
for the push (``channel_stock.services.push.listings_mark_changed``).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from django.db import connection, transaction
from django.utils import timezone

from accounts.bulk import insert_rows
from accounts.models import Merchant
from integrations.hooks import run_hooks
from inventory.models import MovementKind, MovementSource, StockLevel, StockMovement, Warehouse


def default_warehouse(merchant: Merchant | int) -> Warehouse:
    """The merchant's default warehouse, created on first use (code ``main``)."""
    merchant_id = merchant if isinstance(merchant, int) else merchant.pk
    warehouse = Warehouse.objects.filter(merchant_id=merchant_id, is_default=True).first()
    if warehouse:
        return warehouse
    warehouse, _ = Warehouse.objects.get_or_create(
        merchant_id=merchant_id,
        code="main",
        defaults={"name": "Main warehouse", "is_default": True},
    )
    return warehouse


@dataclass(frozen=True, slots=True)
class StockChange:
    """One ledger entry to apply: deltas in units for one variant. ``source`` is a
    ``MovementSource``; ``created_by_id`` the user behind a manual change."""

    variant_id: int
    kind: str
    on_hand_delta: int = 0
    reserved_delta: int = 0
    reference: str = ""
    source: str = ""
    note: str = ""
    created_by_id: int | None = None


@dataclass(frozen=True, slots=True)
class Reservation:
    """An order asking to hold ``lines`` ((variant id, units) pairs); all or nothing."""

    key: int
    lines: tuple[tuple[int, int], ...]
    reference: str


@dataclass(slots=True)
class StockOutcome:
    """What ``stock_apply`` did: the reservations refused for lack of stock (their keys) and
    the variants whose available-to-sell changed."""

    refused: set[int] = field(default_factory=set)
    changed_variants: set[int] = field(default_factory=set)
    freed_variants: set[int] = field(default_factory=set)
    sold_out_variants: set[int] = field(default_factory=set)


def stock_apply(
    *,
    warehouse: Warehouse,
    changes: Sequence[StockChange] = (),
    reservations: Sequence[Reservation] = (),
) -> StockOutcome:
    """Apply ``changes`` in order, then ``reservations`` in order, atomically.

    Levels are locked in pk order (missing ones are created at 0 first). A change that would
    take on hand or reserved below zero is cut at zero and the movement records the cut delta.
    A reservation succeeds only if every line fits in on hand − reserved at that point;
    otherwise nothing of it is applied and its key is in ``StockOutcome.refused``. Joins the
    caller's transaction; schedules the channel push of changed variants on commit.
    """
    outcome = StockOutcome()
    if not changes and not reservations:
        return outcome
    variant_ids = {c.variant_id for c in changes} | {v for r in reservations for v, _ in r.lines}
    with transaction.atomic():
        levels = _lock_levels(warehouse, variant_ids)
        missing = variant_ids - set(levels)
        if missing:
            StockLevel.objects.bulk_create(
                [StockLevel(warehouse=warehouse, variant_id=v) for v in missing],
                ignore_conflicts=True,
            )
            levels.update(_lock_levels(warehouse, missing))
        before = {v: max(0, oh - rs) for v, (oh, rs) in levels.items()}
        state = {v: list(values) for v, values in levels.items()}
        movements: list[dict] = []
        for change in changes:
            movements.extend(_apply_change(state, warehouse.pk, change))
        for reservation in reservations:
            wanted: dict[int, int] = defaultdict(int)
            for variant_id, units in reservation.lines:
                wanted[variant_id] += units
            if any(state[v][0] - state[v][1] < units for v, units in wanted.items()):
                outcome.refused.add(reservation.key)
                continue
            for variant_id, units in reservation.lines:
                movements.extend(
                    _apply_change(
                        state,
                        warehouse.pk,
                        StockChange(
                            variant_id,
                            MovementKind.RESERVE,
                            reserved_delta=units,
                            reference=reservation.reference,
                            source=MovementSource.ORDER,
                        ),
                    )
                )
        changed = {v for v in state if tuple(state[v]) != tuple(levels[v])}
        _write_levels(warehouse.pk, {v: state[v] for v in changed})
        insert_rows(StockMovement, movements)
        for v in changed:
            after = max(0, state[v][0] - state[v][1])
            if after != before[v]:
                outcome.changed_variants.add(v)
                if after > before[v]:
                    outcome.freed_variants.add(v)
                if after == 0:
                    outcome.sold_out_variants.add(v)
    if outcome.changed_variants:
        run_hooks(
            "STOCK_CHANGED_HOOKS",
            variant_ids=outcome.changed_variants,
            urgent=bool(outcome.sold_out_variants),
        )
    return outcome


def _apply_change(state: dict[int, list[int]], warehouse_id: int, change: StockChange) -> list:
    level = state[change.variant_id]
    on_hand_delta = max(change.on_hand_delta, -level[0])
    reserved_delta = max(change.reserved_delta, -level[1])
    if not on_hand_delta and not reserved_delta:
        return []
    level[0] += on_hand_delta
    level[1] += reserved_delta
    return [
        {
            "warehouse_id": warehouse_id,
            "variant_id": change.variant_id,
            "kind": change.kind,
            "on_hand_delta": on_hand_delta,
            "reserved_delta": reserved_delta,
            "reference": change.reference[:255],
            "source": change.source,
            "note": change.note[:500],
            "created_by_id": change.created_by_id,
        }
    ]


def _lock_levels(warehouse: Warehouse, variant_ids: Iterable[int]) -> dict[int, tuple[int, int]]:
    """Lock the warehouse's levels of ``variant_ids`` in pk order → {variant: (on hand,
    reserved)} as they are under the lock."""
    return {
        variant_id: (on_hand, reserved)
        for variant_id, on_hand, reserved in StockLevel.objects.select_for_update()
        .filter(warehouse=warehouse, variant_id__in=list(variant_ids))
        .order_by("pk")
        .values_list("variant_id", "on_hand", "reserved")
    }


def _write_levels(warehouse_id: int, levels: dict[int, list[int]]) -> None:
    """Set the new absolute values in one statement (PostgreSQL and SQLite ≥ 3.33 both support
    ``UPDATE … FROM`` and name VALUES columns ``column1…``). The rows are locked by the caller."""
    if not levels:
        return
    table = StockLevel._meta.db_table
    values = ", ".join(["(%s, %s, %s)"] * len(levels))
    sql = (
        f"UPDATE {table} SET on_hand = d.column2, reserved = d.column3, "  # noqa: S608
        f"updated_at = %s FROM (VALUES {values}) AS d "
        f"WHERE {table}.warehouse_id = %s AND {table}.variant_id = d.column1"
    )
    params = [timezone.now()]
    for variant_id, (on_hand, reserved) in levels.items():
        params.extend((variant_id, on_hand, reserved))
    params.append(warehouse_id)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def stock_adjust(
    *,
    merchant: Merchant | int,
    variant_id: int,
    delta: int | None = None,
    on_hand: int | None = None,
    kind: str = MovementKind.ADJUST,
    source: str = MovementSource.USER,
    note: str = "",
    reference: str = "",
    user=None,
) -> StockOutcome:
    """Change one variant's on hand in the default warehouse: by ``delta`` units, or to the
    counted ``on_hand`` (exactly one of them). ``kind`` is ``adjust`` or ``receipt``. A count
    below the units reserved leaves available-to-sell at 0 (the orders stay reserved).
    Raises ``ValueError`` for a negative count or when neither/both are given. Open orders
    waiting for stock are allocated when stock grows."""
    if (delta is None) == (on_hand is None):
        raise ValueError("give either a delta or a counted on-hand quantity")
    if on_hand is not None and on_hand < 0:
        raise ValueError("a counted quantity cannot be negative")
    merchant_id = merchant if isinstance(merchant, int) else merchant.pk
    warehouse = default_warehouse(merchant_id)
    with transaction.atomic():
        if on_hand is not None:
            current = _lock_levels(warehouse, [variant_id]).get(variant_id, (0, 0))[0]
            delta = on_hand - current
        outcome = stock_apply(
            warehouse=warehouse,
            changes=[
                StockChange(
                    variant_id,
                    kind,
                    on_hand_delta=delta,
                    reference=reference,
                    source=source,
                    note=note,
                    created_by_id=getattr(user, "pk", None),
                )
            ],
        )
        if outcome.freed_variants:
            run_hooks(
                "STOCK_FREED_HOOKS", merchant_id=merchant_id, variant_ids=outcome.freed_variants
            )
    return outcome


def stock_rebuild(*, warehouse: Warehouse) -> dict[int, tuple[int, int]]:
    """The levels as the ledger says they are: {variant id: (on hand, reserved)} from the sum
    of the warehouse's movements (the audit check that the ledger explains every level)."""
    totals: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    rows = (
        StockMovement.objects.filter(warehouse=warehouse)
        .order_by()
        .values_list("variant_id", "on_hand_delta", "reserved_delta")
        .iterator(chunk_size=5000)
    )
    for variant_id, on_hand_delta, reserved_delta in rows:
        totals[variant_id][0] += on_hand_delta
        totals[variant_id][1] += reserved_delta
    return {v: (t[0], t[1]) for v, t in totals.items()}


def available_to_sell(*, on_hand: int, reserved: int, buffer: int = 0) -> int:
    """Units a channel listing may offer: on hand − reserved − buffer, never below 0."""
    return max(0, on_hand - reserved - buffer)
