"""Pure functions: Flipkart Seller API payloads → DTOs, and DTOs → listing update bodies
(shapes: channel-apis.md §3; money: rupees, GST-inclusive, as ``Decimal``).
Design: docs/providers/flipkart.md#mapping
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo

from integrations.dto import (
    OrderDTO,
    OrderItemDTO,
    OrderStatus,
    PaymentMethod,
    ReturnDTO,
    ReturnKind,
    ReturnStatus,
)

IST = ZoneInfo("Asia/Kolkata")
ZERO = Decimal("0.00")
CENT = Decimal("0.01")

PRE_DISPATCH_STATES = (
    "APPROVED",
    "PACKING_IN_PROGRESS",
    "PACKED",
    "FORM_FAILED",
    "READY_TO_DISPATCH",
)
POST_DISPATCH_STATES = ("SHIPPED", "DELIVERED", "PICKUP_COMPLETE")
CANCELLED_STATES = ("CANCELLED",)

# Flipkart order item status → normalized status (OrderItem.StatusEnum in the SDK).
ITEM_STATUS = {
    **dict.fromkeys(PRE_DISPATCH_STATES, OrderStatus.CONFIRMED),
    "PICKUP_COMPLETE": OrderStatus.SHIPPED,
    "SHIPPED": OrderStatus.SHIPPED,
    "DELIVERED": OrderStatus.DELIVERED,
    "COMPLETED": OrderStatus.DELIVERED,
    # The goods are still with the buyer (or, for a courier return, on the way back) until
    # Flipkart marks the item RETURNED; the return itself is tracked by the returns stream.
    "RETURN_REQUESTED": OrderStatus.DELIVERED,
    "RETURNED": OrderStatus.RETURNED,
    "CANCELLED": OrderStatus.CANCELLED,
}
PROGRESS = (
    OrderStatus.CONFIRMED,
    OrderStatus.SHIPPED,
    OrderStatus.DELIVERED,
    OrderStatus.RETURNED,
)
PAYMENT_TYPES = {"COD": PaymentMethod.COD, "PREPAID": PaymentMethod.PREPAID}

# ``GET /v2/returns`` ``source`` values (return-created notification: "possible values are
# courier_return, customer_return").
RETURN_SOURCES = {"customer_return": ReturnKind.CUSTOMER_RETURN, "courier_return": ReturnKind.RTO}
# Return ``status`` → ReturnStatus. Standard fulfilment returns are CREATED → COMPLETED or
# CANCELLED (docs "Order Management API", return flow; notifications RETURN_CREATED,
# RETURN_PICKED_UP, RETURN_COMPLETED, RETURN_CANCELLED); self-ship returns add REQUESTED,
# APPROVED, REJECTED. Matching ignores case and a ``RETURN_`` prefix.
RETURN_STATUS = {
    "CREATED": ReturnStatus.REQUESTED,
    "REQUESTED": ReturnStatus.REQUESTED,
    "APPROVED": ReturnStatus.REQUESTED,
    "PICKED_UP": ReturnStatus.IN_TRANSIT,
    "IN_TRANSIT": ReturnStatus.IN_TRANSIT,
    "COMPLETED": ReturnStatus.RECEIVED,
    "CANCELLED": ReturnStatus.CANCELLED,
    "REJECTED": ReturnStatus.CANCELLED,
}
# Reverse-shipment states (``shipmentStatus``) that mean an open return is on its way back.
MOVING_SHIPMENT_STATES = frozenset(
    {"PICKED_UP", "PICKUP_COMPLETE", "IN_TRANSIT", "DISPATCHED", "OUT_FOR_DELIVERY"}
)


class MappingError(ValueError):
    """A payload that cannot be turned into a DTO (the message names the record and field)."""


def parse_time(value: Any, field: str = "timestamp") -> datetime | None:
    """ISO-8601 → aware UTC datetime; None/"" → None. Flipkart sends offsets (``Z``,
    ``+05:30``); a time without one is read as IST, the marketplace's zone. Raises
    ``MappingError`` for text that is not a time."""
    if value in (None, ""):
        return None
    try:
        parsed = datetime.fromisoformat(str(value).strip().replace(" ", "T", 1))
    except ValueError as exc:
        raise MappingError(f"{field}: not an ISO-8601 time: {value!r}") from exc
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=IST)
    return parsed.astimezone(UTC)


def iso_z(moment: datetime) -> str:
    """``2024-05-01T10:15:00.000Z``: the UTC form used in filters, queries and cursors."""
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def money(value: Any, field: str = "amount") -> Decimal:
    """A Flipkart amount (JSON number or numeric string, rupees) → Decimal with two places;
    None/"" → 0. Raises ``MappingError`` for anything else."""
    if value in (None, ""):
        return ZERO
    if isinstance(value, bool):
        raise MappingError(f"{field}: not an amount: {value!r}")
    try:
        amount = Decimal(str(value))
    except InvalidOperation as exc:
        raise MappingError(f"{field}: not an amount: {value!r}") from exc
    if not amount.is_finite():
        raise MappingError(f"{field}: not an amount: {value!r}")
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


def item_with_shipment(shipment: Mapping[str, Any], item: Mapping[str, Any]) -> dict[str, Any]:
    """An ``orderItems[]`` entry with its shipment's id, ``updatedAt``, location and type
    (the item itself has no last-modified time)."""
    return {
        **item,
        "shipmentId": shipment.get("shipmentId") or "",
        "updatedAt": shipment.get("updatedAt"),
        "locationId": shipment.get("locationId") or "",
        "shipmentType": shipment.get("shipmentType") or "",
    }


@dataclass(frozen=True)
class _Line:
    dto: OrderItemDTO
    status: str
    flipkart_status: str
    payment: str
    selling: Decimal
    shipping: Decimal
    flipkart_discount: Decimal
    customer: Decimal
    ordered_at: datetime
    updated_at: datetime
    cancelled_at: datetime | None
    courier_return: bool
    replacement: bool


def _line(order_id: str, item: Mapping[str, Any]) -> _Line:
    item_id = str(item.get("orderItemId") or "")
    where = f"order {order_id} item {item_id or '?'}"
    if not item_id:
        raise MappingError(f"order {order_id}: an order item has no orderItemId")
    flipkart_status = str(item.get("status") or "")
    if flipkart_status not in ITEM_STATUS:
        raise MappingError(f"{where}: unknown status {flipkart_status!r}")
    payment = str(item.get("paymentType") or "")
    if payment not in PAYMENT_TYPES:
        raise MappingError(f"{where}: unknown paymentType {payment!r}")
    quantity = item.get("quantity")
    if not isinstance(quantity, int) or isinstance(quantity, bool) or quantity < 1:
        raise MappingError(f"{where}: bad quantity {quantity!r}")
    prices = item.get("priceComponents") or {}
    selling = money(prices.get("sellingPrice"), f"{where} sellingPrice")
    shipping = money(prices.get("shippingCharge"), f"{where} shippingCharge")
    discount = money(prices.get("flipkartDiscount"), f"{where} flipkartDiscount")
    customer = (
        money(prices["customerPrice"], f"{where} customerPrice")
        if prices.get("customerPrice") not in (None, "")
        else selling + shipping - discount
    )
    ordered_at = parse_time(item.get("orderDate"), f"{where} orderDate")
    updated_at = parse_time(item.get("updatedAt"), f"{where} updatedAt")
    if ordered_at is None or updated_at is None:
        raise MappingError(f"{where}: missing orderDate or shipment updatedAt")
    cancelled = flipkart_status == "CANCELLED"
    return _Line(
        dto=OrderItemDTO(
            external_id=item_id,
            sku=str(item.get("sku") or "").strip(),
            title=str(item.get("title") or ""),
            quantity=quantity,
            unit_price=(selling / quantity).quantize(CENT, rounding=ROUND_HALF_UP),
            discount=discount,
            variant_external_id=str(item.get("listingId") or ""),
        ),
        status=ITEM_STATUS[flipkart_status],
        flipkart_status=flipkart_status,
        payment=PAYMENT_TYPES[payment],
        selling=selling,
        shipping=shipping,
        flipkart_discount=discount,
        customer=customer,
        ordered_at=ordered_at,
        updated_at=updated_at,
        cancelled_at=parse_time(item.get("cancellationDate"), f"{where} cancellationDate")
        if cancelled
        else None,
        courier_return=bool(item.get("courierReturn")),
        replacement=bool(item.get("is_replacement") or item.get("isReplacement")),
    )


def order_status(lines: Sequence[tuple[str, str, bool]]) -> tuple[str, tuple[str, ...]]:
    """The order's normalized status and tags from its items' ``(normalized status, Flipkart
    status, courierReturn)``.

    Rules: all items cancelled → cancelled. Otherwise cancelled items are ignored (tag
    ``partially_cancelled``); some items not yet shipped while others are → partially_shipped;
    else the least advanced status of confirmed < shipped < delivered < returned (a partly
    returned order stays delivered, tag ``partially_returned``). RETURN_REQUESTED counts as
    delivered with tag ``return_requested``, or — for a courier return (RTO), whose goods never
    reached the buyer — as shipped with tag ``rto_requested``."""
    tags: set[str] = set()
    live: list[str] = []
    for status, flipkart_status, courier_return in lines:
        if status == OrderStatus.CANCELLED:
            continue
        if flipkart_status == "RETURN_REQUESTED":
            tags.add("rto_requested" if courier_return else "return_requested")
            status = OrderStatus.SHIPPED if courier_return else status
        live.append(status)
    if not live:
        return OrderStatus.CANCELLED, ()
    if len(live) < len(lines):
        tags.add("partially_cancelled")
    ranks = sorted(PROGRESS.index(s) for s in live)
    if ranks[0] == 0 and ranks[-1] > 0:
        return OrderStatus.PARTIALLY_SHIPPED, tuple(sorted(tags))
    if ranks[-1] == PROGRESS.index(OrderStatus.RETURNED) and ranks[0] < ranks[-1]:
        tags.add("partially_returned")
    return PROGRESS[ranks[0]], tuple(sorted(tags))


def order_from_items(order_id: str, items: Iterable[Mapping[str, Any]]) -> OrderDTO:
    """All order items of one order (from all its shipments) → ``OrderDTO``.

    ``placed_at`` = earliest ``orderDate``; ``updated_at`` = latest shipment ``updatedAt``;
    COD when any item is COD. Items listed twice (the same ``orderItemId`` from two reads)
    keep the copy from the most recently updated shipment. A cancelled item of an order that
    is not wholly cancelled keeps its line with quantity 0 (no units are still owed; the
    original quantity is in ``raw``), and its amounts leave the totals. Raises
    ``MappingError``."""
    if not order_id:
        raise MappingError("order payload without orderId")
    latest: dict[str, tuple[_Line, Mapping[str, Any]]] = {}
    for item in items:
        line = _line(order_id, item)
        seen = latest.get(line.dto.external_id)
        if seen is None or line.updated_at >= seen[0].updated_at:
            latest[line.dto.external_id] = (line, item)
    if not latest:
        raise MappingError(f"order {order_id}: no order items")
    lines = [pair[0] for pair in latest.values()]
    status, tags = order_status(
        [(ln.status, ln.flipkart_status, ln.courier_return) for ln in lines]
    )
    counted = (
        lines
        if status == OrderStatus.CANCELLED
        else [ln for ln in lines if ln.status != OrderStatus.CANCELLED]
    )
    discount = sum((ln.flipkart_discount for ln in counted), ZERO)
    extra = {"flipkart_funded_discount"} if discount > 0 else set()
    if any(ln.replacement for ln in lines):
        extra.add("replacement")
    payment = (
        PaymentMethod.COD
        if any(ln.payment == PaymentMethod.COD for ln in lines)
        else PaymentMethod.PREPAID
    )
    items_out = tuple(
        _zeroed(ln.dto)
        if ln.status == OrderStatus.CANCELLED and status != OrderStatus.CANCELLED
        else ln.dto
        for ln in lines
    )
    cancellations = [ln.cancelled_at for ln in lines if ln.cancelled_at is not None]
    return OrderDTO(
        external_id=order_id,
        order_number=order_id,
        placed_at=min(ln.ordered_at for ln in lines),
        updated_at=max(ln.updated_at for ln in lines),
        status=status,
        payment_method=payment,
        currency="INR",
        subtotal=sum((ln.selling for ln in counted), ZERO) - discount,
        discount_total=discount,
        shipping_total=sum((ln.shipping for ln in counted), ZERO),
        tax_total=ZERO,
        total=sum((ln.customer for ln in counted), ZERO),
        items=items_out,
        financial_status="COD" if payment == PaymentMethod.COD else "PREPAID",
        fulfillment_status=",".join(sorted({ln.flipkart_status for ln in lines})),
        cancelled_at=max(cancellations)
        if status == OrderStatus.CANCELLED and cancellations
        else None,
        tags=tuple(sorted({*tags, *extra})),
        raw={"orderId": order_id, "items": [dict(pair[1]) for pair in latest.values()]},
    )


def _zeroed(item: OrderItemDTO) -> OrderItemDTO:
    return OrderItemDTO(
        external_id=item.external_id,
        sku=item.sku,
        title=item.title,
        quantity=0,
        unit_price=item.unit_price,
        discount=ZERO,
        tax=item.tax,
        variant_external_id=item.variant_external_id,
    )


def _status_key(value: Any) -> str:
    key = str(value or "").strip().upper()
    return key.removeprefix("RETURN_") if key.startswith("RETURN_") else key


def return_status(status: Any, shipment_status: Any = "") -> str:
    """Flipkart return ``status`` (+ reverse ``shipmentStatus``) → ``ReturnStatus``; an open
    return whose reverse shipment is moving is ``in_transit``. Raises ``MappingError`` for a
    status not in ``RETURN_STATUS``."""
    key = _status_key(status)
    if key not in RETURN_STATUS:
        raise MappingError(f"unknown return status {status!r}")
    normalized = RETURN_STATUS[key]
    if (
        normalized == ReturnStatus.REQUESTED
        and _status_key(shipment_status) in MOVING_SHIPMENT_STATES
    ):
        return ReturnStatus.IN_TRANSIT
    return normalized


def return_from_flipkart(item: Mapping[str, Any]) -> ReturnDTO:
    """One ``returnItems[]`` entry (with ``source``) → ``ReturnDTO``: ``customer_return`` →
    customer return, ``courier_return`` → RTO. ``updated_at`` falls back to ``createdDate``.
    Raises ``MappingError``."""
    return_id = str(item.get("returnId") or "")
    if not return_id:
        raise MappingError("return item without returnId")
    where = f"return {return_id}"
    source = str(item.get("source") or "")
    if source not in RETURN_SOURCES:
        raise MappingError(f"{where}: unknown source {source!r}")
    quantity = item.get("quantity")
    if not isinstance(quantity, int) or isinstance(quantity, bool) or quantity < 1:
        raise MappingError(f"{where}: bad quantity {quantity!r}")
    created = parse_time(item.get("createdDate"), f"{where} createdDate")
    if created is None:
        raise MappingError(f"{where}: missing createdDate")
    updated = parse_time(item.get("updatedDate"), f"{where} updatedDate") or created
    order_id = str(item.get("orderId") or "")
    if not order_id:
        raise MappingError(f"{where}: missing orderId")
    try:
        status = return_status(item.get("status"), item.get("shipmentStatus"))
    except MappingError as exc:
        raise MappingError(f"{where}: {exc}") from None
    return ReturnDTO(
        external_id=return_id,
        order_external_id=order_id,
        status=status,
        kind=RETURN_SOURCES[source],
        quantity=quantity,
        created_at=created,
        updated_at=max(updated, created),
        order_item_external_id=str(item.get("orderItemId") or ""),
        sku=str(item.get("sku") or ""),
        reason=str(item.get("reason") or ""),
        sub_reason=str(item.get("subReason") or ""),
        tracking_id=str(item.get("trackingId") or ""),
        raw=dict(item),
    )
