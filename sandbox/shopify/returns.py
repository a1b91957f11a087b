"""Shopify returns in the sandbox: a customer asks to send shipped units back, the merchant
approves or declines, the goods come back and the return is closed (shopify.dev/docs/api/
admin-graphql/2025-01/objects/Return; ``returnRequest``, ``returnApproveRequest``,
``returnDeclineRequest``, ``returnClose``, ``returnCancel``). A refund made for a return
(``services.refund_order(..., return_request=…)``) points back to it.

An approved return has a reverse fulfillment order with one line per return line (made when the
return is created approved or its request approved, shopify.dev "Manage reverse fulfillment
orders"). ``dispose_return`` is ``reverseFulfillmentOrderDispose``: the merchant inspects the
units that came back and restocks them at a location (``available`` rises there, with
``inventory_levels/update``) or not.

Every change bumps the order's ``updated_at`` (its ``returnStatus`` changed) and emits
``orders/updated``, as the order's update time is what a poll of recent orders sees. The
``returns/*`` webhook topics are not emitted: ``shared/reference`` has no payload schema for
them, so their shape could not be checked.
"""

from __future__ import annotations

from collections.abc import Mapping

from django.db import transaction

from sandbox.kernel import clock
from sandbox.shopify import inventory
from sandbox.shopify.ids import allocate_id, allocate_ids
from sandbox.shopify.models import (
    SandboxFulfillmentLineItem,
    SandboxLocation,
    SandboxOrder,
    SandboxReturn,
    SandboxReturnLineItem,
    SandboxReverseDisposition,
    SandboxReverseFulfillmentOrder,
    SandboxReverseFulfillmentOrderLineItem,
)
from sandbox.shopify.webhooks import events

# ``ReturnStatus`` transitions the merchant (or customer) can make, by the mutation that makes
# them: approve / decline a request, close or cancel an open return, cancel a request.
TRANSITIONS: Mapping[str, tuple[frozenset[str], str]] = {
    "approve": (frozenset({"REQUESTED"}), "OPEN"),
    "decline": (frozenset({"REQUESTED"}), "DECLINED"),
    "close": (frozenset({"OPEN"}), "CLOSED"),
    "cancel": (frozenset({"REQUESTED", "OPEN"}), "CANCELED"),
}
# Returns whose units are spoken for: another return cannot ask for them again.
ACTIVE = frozenset({"REQUESTED", "OPEN", "CLOSED"})
REASONS = frozenset(
    {
        "SIZE_TOO_SMALL",
        "SIZE_TOO_LARGE",
        "UNWANTED",
        "NOT_AS_DESCRIBED",
        "WRONG_ITEM",
        "DEFECTIVE",
        "STYLE",
        "COLOR",
        "OTHER",
        "UNKNOWN",
    }
)

DECLINE_REASONS = frozenset({"RETURN_PERIOD_ENDED", "FINAL_SALE", "OTHER"})
# ``ReverseFulfillmentOrderDispositionType`` (2025-01).
DISPOSITION_TYPES = frozenset({"RESTOCKED", "NOT_RESTOCKED", "PROCESSING_REQUIRED", "MISSING"})


def request_return(
    order: SandboxOrder,
    lines: Mapping[int, int],
    *,
    reason: str = "UNKNOWN",
    note: str = "",
    approve: bool = True,
) -> SandboxReturn:
    """Return ``lines`` (line item id → units) of ``order``: a ``REQUESTED`` return, or
    ``OPEN`` with ``approve`` (the merchant's own ``returnCreate``). The units are taken from
    the order's fulfillment lines, oldest first, less what other active returns hold.

    Raises ``ValueError`` for an unknown reason, a line not on the order, units ≤ 0, or more
    units than were shipped and not already in a return."""
    if reason not in REASONS:
        raise ValueError(f"unknown return reason {reason!r}")
    with transaction.atomic():
        locked = SandboxOrder.objects.select_for_update().select_related("shop").get(pk=order.pk)
        shipped = list(
            SandboxFulfillmentLineItem.objects.filter(fulfillment__order=locked)
            .exclude(fulfillment__status__in=("CANCELLED", "ERROR", "FAILURE"))
            .select_related("line_item")
            .order_by("fulfillment__created_at", "id")
        )
        taken: dict[int, int] = {}
        for line in SandboxReturnLineItem.objects.filter(
            return_request__order=locked, return_request__status__in=ACTIVE
        ):
            taken[line.fulfillment_line_item_id] = (
                taken.get(line.fulfillment_line_item_id, 0) + line.quantity
            )
        picks: list[tuple[SandboxFulfillmentLineItem, int]] = []
        for item_id, units in lines.items():
            if units <= 0:
                raise ValueError(f"line item {item_id}: units must be positive, not {units}")
            candidates = [f for f in shipped if f.line_item_id == item_id]
            if not candidates:
                raise ValueError(f"line item {item_id} of {locked.name} was not shipped")
            left = units
            for fulfillment_line in candidates:
                take = min(fulfillment_line.quantity - taken.get(fulfillment_line.id, 0), left)
                if take > 0:
                    picks.append((fulfillment_line, take))
                    left -= take
            if left:
                raise ValueError(
                    f"line item {item_id}: {units - left} of {units} units can be returned"
                )
        now = clock.after(locked.updated_at)
        count = SandboxReturn.objects.filter(order=locked).count()
        ret = SandboxReturn.objects.create(
            id=allocate_id("Return"),
            order=locked,
            name=f"{locked.name}-R{count + 1}",
            status="OPEN" if approve else "REQUESTED",
            created_at=now,
            updated_at=now,
        )
        SandboxReturnLineItem.objects.bulk_create(
            SandboxReturnLineItem(
                id=line_id,
                return_request=ret,
                fulfillment_line_item=fulfillment_line,
                quantity=units,
                return_reason=reason,
                return_reason_note=note[:255],
            )
            for line_id, (fulfillment_line, units) in zip(
                allocate_ids("ReturnLineItem", len(picks)), picks, strict=True
            )
        )
        if approve:
            _open_reverse_fulfillment_order(ret, now)
        _touch(locked, now)
    return ret


def change_return(
    ret: SandboxReturn, action: str, *, decline_reason: str = "OTHER", deliver: bool = True
) -> SandboxReturn:
    """Move ``ret`` on by ``action`` (``approve``, ``decline``, ``close``, ``cancel``:
    ``TRANSITIONS``); a decline keeps its ``ReturnDeclineReason`` (``RETURN_PERIOD_ENDED``,
    ``FINAL_SALE``, ``OTHER``). With ``deliver=False`` the order's ``orders/updated`` is
    recorded but not sent (a lost delivery). Returns the changed return. Raises
    ``ValueError`` for an unknown action or decline reason, or a status the action does not
    apply to."""
    if action not in TRANSITIONS:
        raise ValueError(f"unknown return action {action!r}")
    if decline_reason not in DECLINE_REASONS:
        raise ValueError(f"unknown decline reason {decline_reason!r}")
    allowed, status = TRANSITIONS[action]
    with transaction.atomic():
        locked = SandboxReturn.objects.select_for_update().select_related("order").get(pk=ret.pk)
        if locked.status not in allowed:
            raise ValueError(f"cannot {action} return {locked.name}: it is {locked.status}")
        order = (
            SandboxOrder.objects.select_for_update().select_related("shop").get(pk=locked.order_id)
        )
        now = clock.after(max(order.updated_at, locked.updated_at))
        locked.status = status
        locked.decline_reason = decline_reason if action == "decline" else ""
        locked.updated_at = now
        locked.save(update_fields=["status", "decline_reason", "updated_at"])
        if action == "approve":
            _open_reverse_fulfillment_order(locked, now)
        _touch(order, now, deliver=deliver)
    return locked


def _open_reverse_fulfillment_order(ret: SandboxReturn, now) -> SandboxReverseFulfillmentOrder:
    """The reverse fulfillment order of an approved return: one line per return line."""
    reverse = SandboxReverseFulfillmentOrder.objects.create(
        id=allocate_id("ReverseFulfillmentOrder"), return_request=ret, created_at=now
    )
    lines = list(SandboxReturnLineItem.objects.filter(return_request=ret).order_by("id"))
    SandboxReverseFulfillmentOrderLineItem.objects.bulk_create(
        SandboxReverseFulfillmentOrderLineItem(
            id=line_id, reverse_fulfillment_order=reverse, return_line_item=line
        )
        for line_id, line in zip(
            allocate_ids("ReverseFulfillmentOrderLineItem", len(lines)), lines, strict=True
        )
    )
    return reverse


def dispose_return(
    ret: SandboxReturn,
    lines: Mapping[int, int],
    *,
    disposition: str = "RESTOCKED",
    location: SandboxLocation | None = None,
    deliver: bool = True,
) -> list[SandboxReverseDisposition]:
    """``reverseFulfillmentOrderDispose`` for an approved return: ``lines`` maps line item id
    (of the order) → units of that line of ``ret`` taken back, all with ``disposition``
    (``DISPOSITION_TYPES``). ``RESTOCKED`` units go back into ``available`` at ``location``
    (default the shop's primary location) with ``inventory_levels/update``; the order's
    ``updated_at`` moves and ``orders/updated`` is emitted (with ``deliver=False`` both are
    recorded, not sent: a lost delivery). Returns the dispositions made.

    Raises ``ValueError`` for an unknown disposition, a return without an open reverse
    fulfillment order (not approved, cancelled, closed or fully disposed), a line not in the
    return, units ≤ 0 or above what is left to dispose of, or a location that does not stock
    the item."""
    if disposition not in DISPOSITION_TYPES:
        raise ValueError(f"unknown disposition {disposition!r}")
    with transaction.atomic():
        locked = SandboxReturn.objects.select_for_update().select_related("order").get(pk=ret.pk)
        order = (
            SandboxOrder.objects.select_for_update().select_related("shop").get(pk=locked.order_id)
        )
        reverse = SandboxReverseFulfillmentOrder.objects.filter(return_request=locked).first()
        if reverse is None or reverse_status(locked, reverse) != "OPEN":
            raise ValueError(f"return {locked.name} has no open reverse fulfillment order")
        reverse_lines = {
            line.return_line_item.fulfillment_line_item.line_item_id: line
            for line in SandboxReverseFulfillmentOrderLineItem.objects.filter(
                reverse_fulfillment_order=reverse
            )
            .select_related(
                "return_line_item__fulfillment_line_item__line_item__variant__inventory_item"
            )
            .prefetch_related("dispositions")
        }
        store = order.shop
        place = location or SandboxLocation.objects.filter(shop=store, is_primary=True).first()
        now = clock.after(max(order.updated_at, locked.updated_at))
        made: list[SandboxReverseDisposition] = []
        moves: list[tuple[int, int, int, int]] = []
        ids = iter(allocate_ids("ReverseFulfillmentOrderDisposition", len(lines)))
        for line_item_id, units in lines.items():
            line = reverse_lines.get(line_item_id)
            if line is None:
                raise ValueError(f"line item {line_item_id} is not in return {locked.name}")
            left = line.return_line_item.quantity - disposed_units(line)
            if units <= 0 or units > left:
                raise ValueError(f"line item {line_item_id}: can dispose 1..{left}, not {units}")
            restock = disposition == "RESTOCKED"
            if restock:
                variant = line.return_line_item.fulfillment_line_item.line_item.variant
                if variant is None or place is None:
                    raise ValueError(f"line item {line_item_id} cannot be restocked")
                moves.append((variant.inventory_item.id, place.id, units, 0))
            made.append(
                SandboxReverseDisposition(
                    id=next(ids),
                    line_item=line,
                    quantity=units,
                    type=disposition,
                    location=place if restock else None,
                    created_at=now,
                )
            )
        levels = inventory.lock_levels(store, [(m[0], m[1]) for m in moves])
        missing = [m for m in moves if (m[0], m[1]) not in levels]
        if missing:
            raise ValueError(f"inventory item {missing[0][0]} is not stocked at {place.name}")
        touched = inventory.move(levels, moves)
        SandboxReverseDisposition.objects.bulk_create(made)
        locked.updated_at = now
        locked.save(update_fields=["updated_at"])
        _touch(order, now, deliver=deliver)
        events.emit_levels(store, touched, deliver)
    return made


def disposed_units(line: SandboxReverseFulfillmentOrderLineItem) -> int:
    """Units of a reverse line already disposed of (any disposition type)."""
    return sum(d.quantity for d in line.dispositions.all())


def reverse_status(ret: SandboxReturn, reverse: SandboxReverseFulfillmentOrder) -> str:
    """``ReverseFulfillmentOrderStatus``: ``CANCELED`` with its return, ``CLOSED`` once the
    return is closed or every unit is disposed of, else ``OPEN``."""
    if ret.status in ("CANCELED", "DECLINED"):
        return "CANCELED"
    if ret.status == "CLOSED":
        return "CLOSED"
    lines = list(
        reverse.line_items.select_related("return_line_item").prefetch_related("dispositions")
    )
    if lines and all(disposed_units(line) >= line.return_line_item.quantity for line in lines):
        return "CLOSED"
    return "OPEN"


def order_return_status(order: SandboxOrder) -> str:
    """``Order.returnStatus`` (``OrderReturnStatus``) from the order's returns: an open one →
    ``IN_PROGRESS``, else a request → ``RETURN_REQUESTED``, else a closed one → ``RETURNED``,
    else ``NO_RETURN``."""
    statuses = set(SandboxReturn.objects.filter(order=order).values_list("status", flat=True))
    if "OPEN" in statuses:
        return "IN_PROGRESS"
    if "REQUESTED" in statuses:
        return "RETURN_REQUESTED"
    if "CLOSED" in statuses:
        return "RETURNED"
    return "NO_RETURN"


def _touch(order: SandboxOrder, now, *, deliver: bool = True) -> None:
    order.updated_at = now
    order.save(update_fields=["updated_at"])
    events.emit_orders(order.shop, [order.pk], ["ORDERS_UPDATED"], deliver)
