"""Pure: a GraphQL ``Return`` node (a Shopify return) and the refunds made for it → one
``ReturnDTO`` per returned line, and its reverse fulfillment orders' dispositions.
Design: docs/providers/shopify.md#returns
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from integrations.connectors.shopify.mapping import MappingError, gid_to_id, parse_time
from integrations.connectors.shopify.returns.graphql_refunds import rest_id
from integrations.connectors.shopify.returns.refunds import restocks_of, unit_count
from integrations.dto import (
    DispositionType,
    ReturnDispositionDTO,
    ReturnDTO,
    ReturnKind,
    ReturnStatus,
)

# ``OrderReturnStatus`` (2025-01) of an order without any return: no need to read its returns.
NO_RETURN = "NO_RETURN"
# ``ReturnStatus`` (2025-01) → Sangam status. ``OPEN``: approved, the goods are on their way
# back; ``CLOSED``: processed (received); either becomes "refunded" once a refund is made for
# the return (``return_status``).
RETURN_STATUSES = {
    "REQUESTED": ReturnStatus.REQUESTED,
    "OPEN": ReturnStatus.IN_TRANSIT,
    "CLOSED": ReturnStatus.RECEIVED,
    "DECLINED": ReturnStatus.CANCELLED,
    "CANCELED": ReturnStatus.CANCELLED,
}


# ``ReverseFulfillmentOrderDispositionType`` (2025-01) → ``ReturnDispositionDTO.disposition``:
# the same words, lower-cased (``RESTOCKED`` → ``restocked``).
DISPOSITION_TYPES = {value.upper(): value for value, _ in DispositionType.CHOICES}

# ``ReturnDTO.external_id`` of a Shopify return: ``return:<return id>``.
RETURN_ID_PREFIX = "return:"
# ``ReturnStatus`` (2025-01) of a return Shopify may still change in ways Sangam reads: approve,
# decline, dispose of its goods, refund, close (``ReturnDTO.channel_open``).
OPEN_RETURN_STATUSES = ("REQUESTED", "OPEN")


def return_status(status: Any, refunded: bool) -> str:
    """A Shopify ``ReturnStatus`` → Sangam status (``RETURN_STATUSES``); an approved or closed
    return with a refund made for it is "refunded". Raises ``MappingError`` for a status the
    2025-01 schema does not have."""
    mapped = RETURN_STATUSES.get(str(status or "").upper())
    if mapped is None:
        raise MappingError(f"return: unknown status {status!r}")
    if refunded and mapped in (ReturnStatus.IN_TRANSIT, ReturnStatus.RECEIVED):
        return ReturnStatus.REFUNDED
    return mapped


def _reason_text(reason: Any) -> str:
    """``SIZE_TOO_SMALL`` → ``size too small`` (``ReturnReason``; ``UNKNOWN`` → "")."""
    text = str(reason or "").strip()
    return "" if text.upper() in ("", "UNKNOWN") else text.lower().replace("_", " ")


def returns_from_shopify_return(
    order: dict[str, Any], node: dict[str, Any], refunds: Sequence[dict[str, Any]]
) -> list[ReturnDTO]:
    """A GraphQL ``Return`` node of ``order`` (an ``Order`` node with ``id`` and ``updatedAt``)
    and the REST bodies of the refunds made for it (``refund_body_from_graphql``) → one
    ``ReturnDTO`` per ``ReturnLineItem``.

    ``external_id`` ``return:<return id>``; ``order_item_external_id`` and ``sku`` of the
    returned fulfillment line's line item; ``quantity`` the units in the return; ``status``
    ``return_status`` (refunded once any refund is linked); ``reason`` the first line's
    ``returnReason`` in words and ``sub_reason`` its note (``returnReasonNote``, else the
    customer's); ``updated_at`` the order's ``updatedAt`` (a ``Return`` has no time of its own,
    and every change of it updates its order); ``created_at`` the earliest of that and the
    refunds' ``created_at`` (the import keeps the earliest time it has seen). Every DTO carries
    the same ``raw``: ``{"id", "order_id", "return": {id, name, status, decline,
    return_line_items}, "refunds": [refund bodies]}``, whose restocking refund lines are the
    DTOs' ``restocks`` (``restocks_of``). ``supersedes`` names the refund returns
    (``refund:<refund id>``) of those refunds; ``channel_open`` says the return is still
    ``REQUESTED`` or ``OPEN`` in Shopify; ``refreshable`` is true (Shopify changes a return
    without a webhook: the hub re-reads it through its order).

    ``UnverifiedReturnLineItem``s (no line item) give no DTO, so a return of only such lines
    gives none. Raises ``MappingError`` for a missing id or time, an unknown status or a bad
    quantity."""
    return_id = gid_to_id(node.get("id"))
    order_id = gid_to_id(order.get("id"))
    if not return_id or not order_id:
        raise MappingError("return: missing id or order id")
    updated = parse_time(order.get("updatedAt"), "updatedAt")
    if updated is None:
        raise MappingError(f"return {return_id}: its order has no updatedAt")
    status = return_status(node.get("status"), bool(refunds))
    created = min(
        [updated, *(parse_time(r.get("created_at"), "created_at") or updated for r in refunds)]
    )
    lines = node_list(node.get("returnLineItems"))
    raw = {
        "id": rest_id(node.get("id"), "return"),
        "order_id": rest_id(order_id, f"return {return_id} order"),
        "return": {
            "id": node.get("id"),
            "name": node.get("name"),
            "status": node.get("status"),
            "decline": node.get("decline"),
            "return_line_items": list(lines),
            "reverse_fulfillment_orders": [
                {**reverse, "lineItems": node_list(reverse.get("lineItems"))}
                for reverse in node_list(node.get("reverseFulfillmentOrders"))
            ],
        },
        "refunds": list(refunds),
    }
    supersedes = tuple(f"refund:{r['id']}" for r in refunds if r.get("id"))
    restocks = restocks_of(raw)
    # An UnverifiedReturnLineItem has no fulfillment line: no order line to return it against.
    verified = [line for line in lines if (line.get("fulfillmentLineItem") or {}).get("lineItem")]
    first = verified[0] if verified else {}
    reason = _reason_text(first.get("returnReason"))
    sub_reason = (first.get("returnReasonNote") or first.get("customerNote") or "").strip()
    dtos: list[ReturnDTO] = []
    for line in verified:
        item = line["fulfillmentLineItem"]["lineItem"]
        item_id = gid_to_id(item.get("id"))
        if not item_id:
            raise MappingError(f"return {return_id}: a returned line item without id")
        quantity = unit_count(line.get("quantity"), f"return {return_id}")
        if quantity == 0:
            continue
        dtos.append(
            ReturnDTO(
                external_id=f"{RETURN_ID_PREFIX}{return_id}",
                order_external_id=order_id,
                order_item_external_id=item_id,
                sku=(item.get("sku") or "").strip(),
                status=status,
                kind=ReturnKind.CUSTOMER_RETURN,
                quantity=quantity,
                created_at=created,
                updated_at=updated,
                reason=reason,
                sub_reason=sub_reason,
                supersedes=supersedes,
                channel_open=node.get("status") in OPEN_RETURN_STATUSES,
                refreshable=True,
                restocks=restocks,
                raw=raw,
            )
        )
    return dtos


def dispositions_from_shopify_return(
    order: dict[str, Any], node: dict[str, Any]
) -> list[ReturnDispositionDTO]:
    """The dispositions of a GraphQL ``Return`` node's reverse fulfillment orders (each line
    with ``fulfillmentLineItem { lineItem { id sku } }`` and ``dispositions { id quantity type
    location { id } }``) → one ``ReturnDispositionDTO`` each, of the return
    ``return:<return id>`` and the order line the reverse line took back; ``raw`` is the
    disposition node. A line without an order line (an unverified return line) gives none.
    Raises ``MappingError`` for a disposition without id, an unknown type or a bad quantity."""
    return_id = gid_to_id(node.get("id"))
    order_id = gid_to_id(order.get("id"))
    dtos: list[ReturnDispositionDTO] = []
    for reverse in node_list(node.get("reverseFulfillmentOrders")):
        for line in node_list(reverse.get("lineItems")):
            item = (line.get("fulfillmentLineItem") or {}).get("lineItem") or {}
            item_id = gid_to_id(item.get("id"))
            if not item_id:
                continue
            for disposition in line.get("dispositions") or []:
                disposition_id = gid_to_id(disposition.get("id"))
                kind = DISPOSITION_TYPES.get(str(disposition.get("type") or "").upper())
                if not disposition_id or kind is None:
                    raise MappingError(
                        f"return {return_id}: disposition {disposition.get('id')!r} of type "
                        f"{disposition.get('type')!r}"
                    )
                dtos.append(
                    ReturnDispositionDTO(
                        external_id=disposition_id,
                        return_external_id=f"{RETURN_ID_PREFIX}{return_id}",
                        order_external_id=order_id,
                        order_item_external_id=item_id,
                        sku=(item.get("sku") or "").strip(),
                        quantity=unit_count(disposition.get("quantity"), f"return {return_id}"),
                        disposition=kind,
                        location_id=gid_to_id((disposition.get("location") or {}).get("id")),
                        raw=disposition,
                    )
                )
    return dtos


def has_returns(order: dict[str, Any]) -> bool:
    """Whether a GraphQL ``Order`` node (``returnStatus``, ``refunds { return }``) has Shopify
    returns to read: its ``returnStatus`` is not ``NO_RETURN``, or a refund was made for a
    return. A request declined or cancelled leaves the order at ``NO_RETURN``: the poll does
    not read it, but the order's update makes the hub re-read the returns it holds open
    (``returns.services.imports.refresh_open_returns``)."""
    status = order.get("returnStatus")
    if status and str(status).upper() != NO_RETURN:
        return True
    return any(refund.get("return") for refund in order.get("refunds") or [])


def node_list(value: Any) -> list[dict[str, Any]]:
    """A connection's ``nodes`` (``{"nodes": [...]}``) or a plain list of nodes, as a list."""
    if isinstance(value, dict):
        return list(value.get("nodes") or [])
    return list(value or [])
