"""Pure: a ``refunds/create`` body (REST shape, also what the poll rewrites a GraphQL refund into)
→ ``ReturnDTO``s and ``OrderLineRemovalDTO``s, and the restocks of a stored ``Return.raw``.
Design: docs/providers/shopify.md#returns
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from integrations.connectors.shopify.mapping import MappingError, gid_to_id, parse_time
from integrations.dto import (
    ChannelRestockDTO,
    OrderLineRemovalDTO,
    ReturnDTO,
    ReturnKind,
    ReturnRecord,
    ReturnStatus,
)

# ``RefundLineItemRestockType`` in REST spelling (2025-01 schema): ``return`` (restocked at a
# location), ``legacy_restock`` (restocked, pre-2019 refunds), ``no_restock``, ``cancel``
# (unfulfilled units removed from the order: nothing was shipped, so nothing comes back).
RESTOCKED_TYPES = frozenset({"return", "legacy_restock"})


def returns_from_refund(body: dict[str, Any]) -> list[ReturnDTO]:
    """A ``refunds/create`` body → one ``ReturnDTO`` per returned refund line item; none for a
    refund made for a Shopify return (``return`` set): its units are that return's lines, and
    the return (``returns_from_shopify_return``) keeps the refund.

    ``external_id`` is ``refund:<refund id>`` (one Return per refund, its lines the items);
    ``order_external_id`` the order id and ``order_item_external_id`` the line item id (both
    as strings, the same ids the order import stores); ``kind`` customer return; ``status``
    refunded; ``reason`` the refund note; ``quantity`` the refunded units; both times the
    refund's ``created_at`` (a refund never changes, so a replayed delivery is skipped).

    Which lines are returns: ``restock_type`` ``return``/``legacy_restock`` always; ``cancel``
    never (units of an unfulfilled order removed before shipping); ``no_restock`` only when the
    line had been shipped (``line_item.fulfillment_status`` is set) — a refund of shipped
    goods that Shopify did not restock is exactly the case where the goods come back to the
    seller's QC. An empty list means the refund returned nothing by itself.

    Raises ``MappingError`` for a body without ids, times or integer quantities."""
    refund_id, order_id, created, head = _refund_head(body)
    if body.get("return"):
        return []
    dtos: list[ReturnDTO] = []
    for line, quantity, restock_type, line_item_id in _unit_lines(body, refund_id):
        item = line.get("line_item") or {}
        if _removal(body, line, restock_type) is not None:
            continue
        dtos.append(
            ReturnDTO(
                external_id=f"refund:{refund_id}",
                order_external_id=order_id,
                order_item_external_id=line_item_id,
                sku=(item.get("sku") or "").strip(),
                status=ReturnStatus.REFUNDED,
                kind=ReturnKind.CUSTOMER_RETURN,
                quantity=quantity,
                created_at=created,
                updated_at=created,
                reason=(body.get("note") or "").strip(),
                restocks=restocks_of({**head, "refund_line_item": line}),
                raw={**head, "refund_line_item": line},
            )
        )
    return dtos


def removals_from_refund(body: dict[str, Any]) -> list[OrderLineRemovalDTO]:
    """A ``refunds/create`` body → one ``OrderLineRemovalDTO`` per line whose refunded units
    had not shipped: ``restock_type`` ``cancel`` (Shopify put them back into ``available``:
    ``restocked``) and ``no_restock`` on a line neither shipped nor in a Shopify return (removed,
    not restocked). The lines ``returns_from_refund`` does not take, apart from 0-unit lines;
    ``external_id`` ``refund:<refund id>:<line item id>``, ``removed_at`` the refund's
    ``created_at``. Raises ``MappingError`` as ``returns_from_refund`` does."""
    refund_id, order_id, created, head = _refund_head(body)
    dtos: list[OrderLineRemovalDTO] = []
    for line, quantity, restock_type, line_item_id in _unit_lines(body, refund_id):
        restocked = _removal(body, line, restock_type)
        if restocked is None:
            continue
        dtos.append(
            OrderLineRemovalDTO(
                external_id=f"refund:{refund_id}:{line_item_id}",
                order_external_id=order_id,
                order_item_external_id=line_item_id,
                sku=((line.get("line_item") or {}).get("sku") or "").strip(),
                quantity=quantity,
                restocked=restocked,
                removed_at=created,
                raw={**head, "refund_line_item": line},
            )
        )
    return dtos


def refund_records(body: dict[str, Any]) -> list[ReturnRecord]:
    """Everything a ``refunds/create`` body says: its returns (``returns_from_refund``) and its
    removals of unshipped units (``removals_from_refund``). Raises ``MappingError``."""
    return [*returns_from_refund(body), *removals_from_refund(body)]


def _refund_head(body: dict[str, Any]) -> tuple[str, str, datetime, dict[str, Any]]:
    """``(refund id, order id, created_at, head)`` of a refund body; ``head`` is what every
    stored line keeps of it. Raises ``MappingError`` without ids or time."""
    refund_id = gid_to_id(body.get("id"))
    order_id = gid_to_id(body.get("order_id"))
    if not refund_id or not order_id:
        raise MappingError("refund: missing id or order_id")
    created = parse_time(body.get("created_at") or body.get("processed_at"), "created_at")
    if created is None:
        raise MappingError(f"refund {refund_id}: missing created_at")
    head = {key: body.get(key) for key in ("id", "order_id", "created_at", "note", "return")}
    return refund_id, order_id, created, head


def unit_count(value: Any, what: str) -> int:
    """A line's units (an integer ≥ 0); raises ``MappingError`` naming ``what`` otherwise."""
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise MappingError(f"{what}: bad quantity {value!r}")
    return value


def _unit_lines(body: dict[str, Any], refund_id: str):
    """``(line, quantity, restock_type, line item id)`` per refund line with units (lower-cased
    ``restock_type``, default ``no_restock``). Raises ``MappingError`` for a bad quantity or a
    line without ``line_item_id``."""
    for line in body.get("refund_line_items") or []:
        quantity = unit_count(line.get("quantity"), f"refund {refund_id}")
        if quantity == 0:
            continue
        item = line.get("line_item") or {}
        line_item_id = gid_to_id(line.get("line_item_id") or item.get("id"))
        if not line_item_id:
            raise MappingError(f"refund {refund_id}: refund line without line_item_id")
        yield line, quantity, str(line.get("restock_type") or "no_restock").lower(), line_item_id


def _removal(body: dict[str, Any], line: dict[str, Any], restock_type: str) -> bool | None:
    """Whether a refund line removed unshipped units, and if so whether Shopify restocked them:
    ``True`` for ``cancel``, ``False`` for ``no_restock`` on a line neither shipped
    (``line_item.fulfillment_status``) nor in a Shopify return, ``None`` for a returned line."""
    if restock_type == "cancel":
        return True
    shipped = bool((line.get("line_item") or {}).get("fulfillment_status"))
    if restock_type not in RESTOCKED_TYPES and not (body.get("return") or shipped):
        return False
    return None


def _refund_events(raw: dict[str, Any]):
    """``(refund created_at, refund line)`` of every refund line in a stored ``Return.raw``:
    a Shopify return's ``refunds`` (REST bodies), or a refund return's one line
    (``refund_line_item`` beside the refund's head) or its ``lines``."""
    raw = raw or {}
    if "refunds" in raw:
        for body in raw.get("refunds") or []:
            for line in body.get("refund_line_items") or []:
                yield body.get("created_at"), line
        return
    for line in raw.get("lines") or [raw]:
        if line.get("refund_line_item"):
            yield line.get("created_at"), line["refund_line_item"]


def restocks_of(raw: dict[str, Any] | None) -> tuple[ChannelRestockDTO, ...]:
    """The units Shopify put back into its own stock by the refunds in a stored Shopify
    ``Return.raw`` (as ``returns_import`` keeps it: a refund return's line or ``lines``, or a
    Shopify return's ``refunds``; the same whether it came by webhook or by the poll): one
    ``ChannelRestockDTO`` per refund line with ``restock_type`` in ``RESTOCKED_TYPES`` and an
    integer quantity, timed by its own refund's ``created_at`` (None when unreadable) — a
    return's refunds can come days apart."""
    restocks: list[ChannelRestockDTO] = []
    for created_at, refund_line in _refund_events(raw or {}):
        item = refund_line.get("line_item") or {}
        quantity = refund_line.get("quantity")
        restock_type = str(refund_line.get("restock_type") or "").lower()
        if restock_type not in RESTOCKED_TYPES or not isinstance(quantity, int):
            continue
        try:
            moment = parse_time(created_at, "created_at")
        except MappingError:
            moment = None
        restocks.append(
            ChannelRestockDTO(
                sku=(item.get("sku") or "").strip(), quantity=int(quantity), restocked_at=moment
            )
        )
    return tuple(restocks)


def restocked_units(
    raw: dict[str, Any],
    sku: str,
    since: datetime | None = None,
    until: datetime | None = None,
    *,
    open_start: bool = False,
) -> int:
    """Units of ``sku`` in ``restocks_of(raw)``, of refunds created between ``since`` and
    ``until`` when given (``since`` excluded with ``open_start``; an untimed restock is then
    outside)."""
    units = 0
    for restock in restocks_of(raw):
        if restock.sku != sku:
            continue
        if since is not None or until is not None:
            moment = restock.restocked_at
            if moment is None:
                continue
            if since is not None and (moment < since or (open_start and moment == since)):
                continue
            if until is not None and moment > until:
                continue
        units += restock.quantity
    return units
