"""Pure: a GraphQL ``Refund`` node → the ``refunds/create`` body Shopify sends for it, with the
shipping facts of the order's fulfillments that decide a ``no_restock`` line.
Design: docs/providers/shopify.md#returns
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from integrations.connectors.shopify.mapping import MappingError, gid_to_id, parse_time
from integrations.connectors.shopify.returns.refunds import RESTOCKED_TYPES

# Restock types that decide a line by themselves; ``no_restock`` needs to know about shipping.
DECIDED_TYPES = RESTOCKED_TYPES | {"cancel"}
# A fulfillment in one of these states shipped nothing (``FulfillmentStatus``, 2025-01).
UNSHIPPED_FULFILLMENT_STATUSES = frozenset({"CANCELLED", "ERROR", "FAILURE"})


def rest_id(value: Any, what: str) -> int:
    """A GID (or numeric id) as the JSON integer REST bodies carry."""
    text = gid_to_id(value)
    if not text.isdigit():
        raise MappingError(f"{what}: not a Shopify id: {value!r}")
    return int(text)


def _rest_money_set(bag: Any) -> dict[str, Any] | None:
    """GraphQL ``MoneyBag`` (``shopMoney`` only) → REST ``*_set`` (``shop_money`` only)."""
    money = (bag or {}).get("shopMoney")
    if not money:
        return None
    return {
        "shop_money": {"amount": money.get("amount"), "currency_code": money.get("currencyCode")}
    }


def shipped_line_item_ids(fulfillments: Sequence[dict[str, Any]], at: datetime) -> set[str]:
    """Ids (as strings) of the line items that went out in a fulfillment made at or before
    ``at`` and not cancelled or failed (``Fulfillment.status``): what the REST
    ``line_item.fulfillment_status`` of a refund made at ``at`` tells (null until a unit of the
    line ships). ``fulfillments`` are GraphQL ``Fulfillment`` nodes with ``createdAt``,
    ``status`` and ``fulfillmentLineItems`` (a connection, or a plain list of nodes)."""
    shipped: set[str] = set()
    for fulfillment in fulfillments:
        if str(fulfillment.get("status") or "").upper() in UNSHIPPED_FULFILLMENT_STATUSES:
            continue
        made = parse_time(fulfillment.get("createdAt"), "fulfillment createdAt")
        if made is None or made > at:
            continue
        lines = fulfillment.get("fulfillmentLineItems") or []
        if isinstance(lines, dict):
            lines = lines.get("nodes") or []
        shipped.update(gid_to_id((line.get("lineItem") or {}).get("id")) for line in lines)
    shipped.discard("")
    return shipped


def needs_fulfillments(order: dict[str, Any]) -> bool:
    """Whether mapping ``order``'s refunds (a GraphQL ``Order`` node with ``refunds``) needs its
    fulfillments: some refund line is ``NO_RESTOCK`` (or has no restock type) and its refund
    belongs to no Shopify return, so only "had the line shipped?" decides."""
    for refund in order.get("refunds") or []:
        if refund.get("return"):
            continue
        for line in _refund_lines(refund):
            if str(line.get("restockType") or "NO_RESTOCK").lower() not in DECIDED_TYPES:
                return True
    return False


def _refund_lines(refund: dict[str, Any]) -> list[dict[str, Any]]:
    lines = refund.get("refundLineItems") or []
    return list(lines.get("nodes") or []) if isinstance(lines, dict) else list(lines)


def refund_body_from_graphql(
    order_id: Any, refund: dict[str, Any], fulfillments: Sequence[dict[str, Any]] | None
) -> dict[str, Any]:
    """A GraphQL ``Refund`` node of order ``order_id`` (GID or id) → the ``refunds/create``
    body Shopify sends for it, limited to the keys ``returns_from_refund`` reads and
    ``Return.raw`` keeps: ``id``, ``order_id``, ``created_at``, ``note``, ``return``
    (``{id, admin_graphql_api_id}`` or null) and per line ``id``, ``quantity``,
    ``line_item_id``, ``location_id``, ``restock_type`` (the GraphQL enum lower-cased: ``RETURN``
    → ``return``), ``subtotal_set``/``total_tax_set`` (shop money) and ``line_item`` with ``id``,
    ``sku`` and ``fulfillment_status``. Ids are JSON integers as in REST; ``created_at`` stays
    the GraphQL UTC time (REST writes the same instant with the shop's offset).

    ``fulfillment_status`` is ``"fulfilled"`` when a unit of the line had shipped by the
    refund's ``createdAt`` (``shipped_line_item_ids`` over ``fulfillments``), else null — only
    whether it is set matters to the mapping (REST would say ``partial`` for a part-shipped
    line). ``fulfillments`` may be None when ``needs_fulfillments`` is false: every line is then
    decided by its restock type or the refund's return.

    The node needs ``id``, ``createdAt``, ``note``, ``return { id }`` and
    ``refundLineItems`` (connection or list) of ``id quantity restockType location { id }
    lineItem { id sku } subtotalSet totalTaxSet``. Raises ``MappingError`` for missing ids or
    times, and when ``fulfillments`` are needed but not given."""
    refund_id = rest_id(refund.get("id"), "refund")
    created = parse_time(refund.get("createdAt"), "createdAt")
    if created is None:
        raise MappingError(f"refund {refund_id}: missing createdAt")
    linked = refund.get("return")
    if fulfillments is None and needs_fulfillments({"refunds": [refund]}):
        raise MappingError(f"refund {refund_id}: fulfillments are needed to map it")
    shipped = shipped_line_item_ids(fulfillments or (), created)
    lines = []
    for line in _refund_lines(refund):
        item = line.get("lineItem") or {}
        item_id = rest_id(item.get("id"), f"refund {refund_id} line item")
        location = (line.get("location") or {}).get("id")
        lines.append(
            {
                "id": rest_id(line.get("id"), f"refund {refund_id} line"),
                "quantity": line.get("quantity"),
                "line_item_id": item_id,
                "location_id": rest_id(location, f"refund {refund_id} location")
                if location
                else None,
                "restock_type": str(line.get("restockType") or "no_restock").lower(),
                "subtotal_set": _rest_money_set(line.get("subtotalSet")),
                "total_tax_set": _rest_money_set(line.get("totalTaxSet")),
                "line_item": {
                    "id": item_id,
                    "sku": item.get("sku"),
                    "fulfillment_status": "fulfilled" if str(item_id) in shipped else None,
                },
            }
        )
    return {
        "id": refund_id,
        "order_id": rest_id(order_id, f"refund {refund_id} order"),
        "created_at": refund.get("createdAt"),
        "note": refund.get("note"),
        "return": {
            "id": rest_id(linked.get("id"), f"refund {refund_id} return"),
            "admin_graphql_api_id": linked.get("id"),
        }
        if linked
        else None,
        "refund_line_items": lines,
    }
