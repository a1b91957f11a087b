"""Returns and refunds from Shopify and the return status written back to the order. Mixed into
``ShopifyConnector``.

Two kinds of Sangam ``Return`` come from Shopify:

- **a Shopify return** (``Return``, shopify.dev/docs/api/admin-graphql/2025-01/objects/Return:
  the customer asked to send shipped units back; the merchant approves, declines, closes it) →
  ``return:<return id>``, one line per ``ReturnLineItem``, its status following the return
  (``return_status``) from "requested" on. The refunds made for it (``Refund.return`` set) are
  kept in its ``raw["refunds"]`` and make it "refunded"; they never make a Return of their own.
- **a refund of shipped units without a Shopify return** (the admin's plain "Refund" with
  restock, or of fulfilled lines) → ``refund:<refund id>``, "refunded" from the start.

They arrive two ways that give the same ``ReturnDTO``s:

- the polled ``returns`` stream (``fetch_returns``): orders updated since the cursor with their
  ``refunds`` and ``returnStatus`` over GraphQL (``queries.ORDER_REFUNDS_QUERY``), and for the
  orders that have returns their ``returns`` (``queries.ORDER_RETURNS_QUERY``). Each GraphQL
  ``Refund`` is first rewritten as the REST body the webhook would have carried
  (``refund_body_from_graphql``), so one rule decides and ``Return.raw`` has one shape;
- the ``refunds/create`` webhook (REST-shaped body, 2025-01 JSON Schema
  ``shared/reference/shopify/webhooks/schemas/2025-01/refunds/create.json``): a refund without a
  return maps by itself (``refund_records``, a pure function); a refund with ``return`` set
  carries neither the return's other lines nor its status, so the webhook reads the order's
  returns (``fetch_order_returns``, one order of the same poll).

An approved return's reverse fulfillment orders come with it (``ORDER_RETURNS_QUERY``): each
disposition of its goods (restocked at a location, not restocked, missing, processing
required; shopify.dev objects/ReverseFulfillmentOrderDisposition) is a
``ReturnDispositionDTO`` (``dispositions_from_shopify_return``), which the hub books as a
receipt of the return and counts in its channel ledger.

Shopify sends no webhook for a return being requested, approved or declined that Sangam can
check (``shared/reference`` has no ``returns/*`` payload schema); those changes bump the order's
``updatedAt``: a new request is read by the poll (the order's ``returnStatus``), and the update
of an order holding a return that is open in Sangam makes the hub re-read that order's returns
(``returns.services.imports.refresh_open_returns``), so an approval, decline or cancellation
arrives with the ``orders/updated`` webhook (or the orders poll). A refund missed by the
webhook is picked up by the next poll; one seen both ways is one Return.

A token without ``read_returns`` (a Shopify ``Return`` needs it: shopify.dev objects/Return)
reads refunds only (``ORDER_REFUNDS_WITHOUT_RETURNS_QUERY``): every refund of shipped units is
then a ``refund:<refund id>`` return, as before Shopify returns were read, and no request,
reason or disposition arrives. The connector knows the grant from the account's stored scopes
or learns it from the first ``ACCESS_DENIED`` that names ``read_returns``, and then reads the
same page again without returns instead of failing the stream (an ``AccessDenied`` is
permanent and would stop the account's sync).

Out: ``orderUpdate(input: {id, tags, note})`` (shopify.dev/docs/api/admin-graphql/2025-01/
mutations/orderUpdate; needs the ``write_orders`` scope), after reading the order's current
``tags`` and ``note`` so the merchant's own tags and note text are kept.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from integrations.connectors.shopify import queries
from integrations.connectors.shopify.client import (
    AccessDenied,
    ShopifyUserError,
    all_nodes,
    raise_for_user_errors,
)
from integrations.connectors.shopify.mapping import (
    MappingError,
    connection_page,
    gid_to_id,
    parse_time,
)
from integrations.dto import (
    ChannelRestockDTO,
    DispositionType,
    OrderLineRemovalDTO,
    Page,
    RecordFailure,
    ReturnDispositionDTO,
    ReturnDTO,
    ReturnKind,
    ReturnRecord,
    ReturnStatus,
    granted_scopes,
)

if TYPE_CHECKING:
    from integrations.connectors.shopify.client import ShopifyGraphQLClient

logger = logging.getLogger(__name__)

# The access scope a Shopify ``Return`` (and ``Refund.return``) needs (shopify.dev objects/Return).
RETURNS_SCOPE = "read_returns"

ORDER_TAGS_QUERY = """
query OrderTagsAndNote($id: ID!) {
  order(id: $id) { id note tags }
}
"""

ORDER_UPDATE = """
mutation OrderUpdate($input: OrderInput!) {
  orderUpdate(input: $input) {
    order { id note tags }
    userErrors { field message }
  }
}
"""

DOCUMENTS: dict[str, str] = {"order_tags_and_note": ORDER_TAGS_QUERY, "order_update": ORDER_UPDATE}

RETURN_TAG_PREFIX = "sangam-return-"
NOTE_LINE_PREFIX = "Sangam return"

# ``RefundLineItemRestockType`` in REST spelling (2025-01 schema): ``return`` (restocked at a
# location), ``legacy_restock`` (restocked, pre-2019 refunds), ``no_restock``, ``cancel``
# (unfulfilled units removed from the order: nothing was shipped, so nothing comes back).
RESTOCKED_TYPES = frozenset({"return", "legacy_restock"})
# Restock types that decide a line by themselves; ``no_restock`` needs to know about shipping.
DECIDED_TYPES = RESTOCKED_TYPES | {"cancel"}
# A fulfillment in one of these states shipped nothing (``FulfillmentStatus``, 2025-01).
UNSHIPPED_FULFILLMENT_STATUSES = frozenset({"CANCELLED", "ERROR", "FAILURE"})
# Orders per page of the returns stream: 12 × 75 points + 2 = 902 fits the 1,000-point
# single-query limit (queries.REFUND_LINE_ITEMS_PAGE); the connector still shrinks a page that
# does not.
RETURNS_PAGE_SIZE = 12
# A first poll (no cursor yet) reads refunds of orders updated in this window: the orders the
# ``read_orders`` scope can see at all (the last 60 days; older ones need ``read_all_orders``,
# shopify.dev "Orders" access scopes).
RETURNS_INITIAL_LOOKBACK = timedelta(days=60)
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


def _units(value: Any, what: str) -> int:
    """A line's units (an integer ≥ 0); raises ``MappingError`` naming ``what`` otherwise."""
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise MappingError(f"{what}: bad quantity {value!r}")
    return value


def _unit_lines(body: dict[str, Any], refund_id: str):
    """``(line, quantity, restock_type, line item id)`` per refund line with units (lower-cased
    ``restock_type``, default ``no_restock``). Raises ``MappingError`` for a bad quantity or a
    line without ``line_item_id``."""
    for line in body.get("refund_line_items") or []:
        quantity = _units(line.get("quantity"), f"refund {refund_id}")
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


def _rest_id(value: Any, what: str) -> int:
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
    refund_id = _rest_id(refund.get("id"), "refund")
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
        item_id = _rest_id(item.get("id"), f"refund {refund_id} line item")
        location = (line.get("location") or {}).get("id")
        lines.append(
            {
                "id": _rest_id(line.get("id"), f"refund {refund_id} line"),
                "quantity": line.get("quantity"),
                "line_item_id": item_id,
                "location_id": _rest_id(location, f"refund {refund_id} location")
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
        "order_id": _rest_id(order_id, f"refund {refund_id} order"),
        "created_at": refund.get("createdAt"),
        "note": refund.get("note"),
        "return": {
            "id": _rest_id(linked.get("id"), f"refund {refund_id} return"),
            "admin_graphql_api_id": linked.get("id"),
        }
        if linked
        else None,
        "refund_line_items": lines,
    }


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


# ``ReturnDTO.external_id`` of a Shopify return: ``return:<return id>``.
RETURN_ID_PREFIX = "return:"
# ``ReturnStatus`` (2025-01) of a return Shopify may still change in ways Sangam reads: approve,
# decline, dispose of its goods, refund, close (``ReturnDTO.channel_open``).
OPEN_RETURN_STATUSES = ("REQUESTED", "OPEN")


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
    lines = _nodes(node.get("returnLineItems"))
    raw = {
        "id": _rest_id(node.get("id"), "return"),
        "order_id": _rest_id(order_id, f"return {return_id} order"),
        "return": {
            "id": node.get("id"),
            "name": node.get("name"),
            "status": node.get("status"),
            "decline": node.get("decline"),
            "return_line_items": list(lines),
            "reverse_fulfillment_orders": [
                {**reverse, "lineItems": _nodes(reverse.get("lineItems"))}
                for reverse in _nodes(node.get("reverseFulfillmentOrders"))
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
        quantity = _units(line.get("quantity"), f"return {return_id}")
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
    for reverse in _nodes(node.get("reverseFulfillmentOrders")):
        for line in _nodes(reverse.get("lineItems")):
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
                        quantity=_units(disposition.get("quantity"), f"return {return_id}"),
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


def _nodes(value: Any) -> list[dict[str, Any]]:
    """A connection's ``nodes`` (``{"nodes": [...]}``) or a plain list of nodes, as a list."""
    if isinstance(value, dict):
        return list(value.get("nodes") or [])
    return list(value or [])


def order_return_records(order: dict[str, Any]) -> list[dict[str, Any]]:
    """A GraphQL ``Order`` node with its ``refunds`` (and ``returns`` and ``fulfillments`` when
    read) split into the payloads mapped and quarantined one by one: the order with one refund
    made outside any return, and the order with one ``Return`` and the refunds made for it. A
    refund for a return that is not among ``returns`` stays alone (and fails to map)."""
    returns = _nodes(order.get("returns"))
    known = {gid_to_id(r.get("id")) for r in returns}
    linked: dict[str, list[dict[str, Any]]] = {}
    records: list[dict[str, Any]] = []
    for refund in order.get("refunds") or []:
        return_id = gid_to_id((refund.get("return") or {}).get("id"))
        if return_id and return_id in known:
            linked.setdefault(return_id, []).append(refund)
        else:
            records.append({**order, "refunds": [refund], "returns": []})
    for node in returns:
        refunds = linked.get(gid_to_id(node.get("id")), [])
        records.append({**order, "refunds": refunds, "returns": [node]})
    return records


def returns_from_graphql_order(order: dict[str, Any]) -> list[ReturnRecord]:
    """Every ``ReturnDTO``, ``OrderLineRemovalDTO`` and ``ReturnDispositionDTO`` of a GraphQL
    ``Order`` node's ``refunds`` and ``returns`` (plus ``fulfillments`` when
    ``needs_fulfillments``), record by record of ``order_return_records``: each refund through
    ``refund_body_from_graphql`` and ``refund_records``, so the DTOs equal the webhook's; each
    ``Return`` through ``returns_from_shopify_return`` with the refunds made for it and
    ``dispositions_from_shopify_return``. Raises ``MappingError``, also for a refund made for a
    return that is not among ``returns``."""
    dtos: list[ReturnRecord] = []
    for record in order_return_records(order):
        bodies = [
            refund_body_from_graphql(record.get("id"), refund, record.get("fulfillments"))
            for refund in record["refunds"]
        ]
        for body in bodies:
            dtos.extend(refund_records(body))
        if record["returns"]:
            node = record["returns"][0]
            dtos.extend(returns_from_shopify_return(record, node, bodies))
            dtos.extend(dispositions_from_shopify_return(record, node))
            continue
        for body in bodies:
            if body["return"] is not None:
                raise MappingError(
                    f"refund {body['id']}: its return {body['return']['id']} was not read "
                    "with the order"
                )
    return dtos


def map_order_records(
    order: dict[str, Any],
) -> tuple[list[ReturnRecord], list[RecordFailure]]:
    """``(DTOs, failures)`` of a completed GraphQL ``Order`` node, mapped record by record
    (``order_return_records``): what cannot be mapped is one ``RecordFailure`` per refund
    (``refund:<id>``) or return (``return:<id>``) with its record as payload, which
    ``return_records`` maps again; the other records still give their DTOs."""
    items: list[ReturnRecord] = []
    failures: list[RecordFailure] = []
    for record in order_return_records(order):
        result = return_records(record)
        if isinstance(result, RecordFailure):
            failures.append(RecordFailure(_record_key(record), result.error, record))
        else:
            items.extend(result)
    return items, failures


def return_records(
    payload: dict[str, Any],
) -> list[ReturnRecord] | RecordFailure:
    """A stored payload of the returns stream → its ``ReturnDTO``s, ``OrderLineRemovalDTO``s
    and ``ReturnDispositionDTO``s (empty when the refund neither returned nor removed
    anything), or a ``RecordFailure``: a ``refunds/create`` body (``refund_line_items``) or a
    GraphQL ``Order`` node with ``refunds`` and/or ``returns`` (what ``fetch_returns``
    quarantines)."""
    try:
        if "refund_line_items" in payload:
            return refund_records(payload)
        if "refunds" in payload or "returns" in payload:
            return returns_from_graphql_order(payload)
        raise MappingError("returns: neither a refunds/create body nor an Order with refunds")
    except MappingError as exc:
        return RecordFailure(gid_to_id(payload.get("id")), str(exc), payload)


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
        if str(
            refund_line.get("restock_type") or ""
        ).lower() not in RESTOCKED_TYPES or not isinstance(quantity, int):
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


def merged_tags(current: Sequence[str], tags: Sequence[str]) -> list[str]:
    """``current`` without any ``sangam-return-*`` tag, then ``tags`` (no duplicates; Shopify
    tags compare case-insensitively)."""
    merged = [t for t in current if not t.lower().startswith(RETURN_TAG_PREFIX)]
    seen = {t.lower() for t in merged}
    for tag in tags:
        if tag.lower() not in seen:
            merged.append(tag)
            seen.add(tag.lower())
    return merged


def merged_note(current: str | None, line: str, replaces: Sequence[str] = ()) -> str:
    """``current`` with ``line`` replacing the earlier line of the same return (same text before
    the first ``": "`` and starting with ``Sangam return``) and those of the returns
    ``replaces`` names (``refund:98``: a refund return a Shopify return took over), or appended
    on a new line. The rest of the merchant's note is kept as it was."""
    keys = {line.split(": ", 1)[0], *(f"{NOTE_LINE_PREFIX} {r}" for r in replaces)}
    lines = (current or "").splitlines()
    replaced = False
    kept: list[str] = []
    for existing in lines:
        if existing.startswith(NOTE_LINE_PREFIX) and existing.split(": ", 1)[0] in keys:
            if not replaced:
                kept.append(line)
                replaced = True
            continue
        kept.append(existing)
    if not replaced:
        kept.append(line)
    return "\n".join(kept)


def _record_key(record: dict[str, Any]) -> str:
    """The quarantine key of an ``order_return_records`` payload: ``return:<id>`` or
    ``refund:<id>``."""
    if record.get("returns"):
        return f"return:{gid_to_id(record['returns'][0].get('id'))}"
    refunds = record.get("refunds") or [{}]
    return f"refund:{gid_to_id(refunds[0].get('id'))}"


class ShopifyReturns:
    """Shopify returns/refunds → ``ReturnDTO`` (polled: ``fetch_returns``); ``orderUpdate``
    write-back.

    ``reads_returns``: whether the token may read Shopify returns (``read_returns``); set from
    the account's stored grant (``returns_readable``) and cleared by the first
    ``ACCESS_DENIED`` naming that scope (``_reading_returns``)."""

    gql: ShopifyGraphQLClient
    clock: Callable[[], float]
    _paged: Callable[..., dict[str, Any]]
    orders_search: Callable[[datetime | None], str | None]
    reads_returns: bool

    @staticmethod
    def returns_readable(scopes: str) -> bool:
        """Whether a stored grant (``AccountHandle.scopes``) lets the token read Shopify returns:
        true when it covers ``read_returns`` or is unknown (empty)."""
        granted = granted_scopes(scopes)
        return not granted or RETURNS_SCOPE in granted

    def _reading_returns(self, read: Callable[[], Page[ReturnRecord]]) -> Page[ReturnRecord]:
        """``read()``; when Shopify answers ``ACCESS_DENIED`` naming ``read_returns`` while
        returns were being read, ``reads_returns`` is cleared (once, with a warning) and
        ``read()`` runs again without them. Any other ``AccessDenied`` is raised."""
        try:
            return read()
        except AccessDenied as exc:
            if RETURNS_SCOPE not in exc.scopes or not self.reads_returns:
                raise
            self.reads_returns = False
            logger.warning(
                "shopify: the token lacks %s; reading refunds without Shopify returns (%s)",
                RETURNS_SCOPE,
                exc,
            )
            return read()

    def fetch_returns(self, *, since: datetime | None, cursor: str | None) -> Page[ReturnRecord]:
        """One page of the returns stream: orders updated at or after ``since`` (oldest update
        first, ``sortKey: UPDATED_AT``; the last ``RETURNS_INITIAL_LOOKBACK`` on a first poll)
        with their refunds and Shopify returns, as ``ReturnDTO``s and ``OrderLineRemovalDTO``s
        (``returns_from_graphql_order``; a refund outside any return gives what the
        ``refunds/create`` webhook gives).

        ``RETURNS_PAGE_SIZE`` orders a page (shrunk if Shopify finds the query too costly);
        refunds with more than ``queries.REFUND_LINE_ITEMS_PAGE`` lines are completed with
        ``REFUND_LINE_ITEMS_QUERY``; an order with returns (``has_returns``) gets them with
        ``ORDER_RETURNS_QUERY`` (one call per such order, more for long ones); an order whose
        refund has a line that only shipping decides gets its fulfillments
        (``ORDER_FULFILLMENTS_QUERY``). ``high_water`` is the greatest order ``updatedAt`` seen
        (``2024-05-01T10:15:00Z``). What cannot be mapped is a ``RecordFailure`` per refund
        (``refund:<id>``) or per return (``return:<id>``) with its order node as payload,
        which ``return_records`` maps again. Raises ``ConnectorError`` from the client."""
        if since is None:
            since = datetime.fromtimestamp(self.clock(), UTC) - RETURNS_INITIAL_LOOKBACK
        return self._reading_returns(lambda: self._returns_page(since, cursor))

    def _returns_page(self, since: datetime, cursor: str | None) -> Page[ReturnRecord]:
        """``fetch_returns`` with or without Shopify returns, as ``reads_returns`` says."""
        data = self._paged(
            "returns",
            queries.ORDER_REFUNDS_QUERY
            if self.reads_returns
            else queries.ORDER_REFUNDS_WITHOUT_RETURNS_QUERY,
            {"after": cursor, "query": self.orders_search(since)},
            RETURNS_PAGE_SIZE,
        )
        connection = data.get("orders") or {}
        items: list[ReturnRecord] = []
        failures: list[RecordFailure] = []
        high_water = ""
        for node in connection.get("nodes") or []:
            updated = parse_time(node.get("updatedAt"), "updatedAt")
            if updated is not None:
                high_water = max(high_water, updated.strftime("%Y-%m-%dT%H:%M:%SZ"))
            if not node.get("refunds") and not has_returns(node):
                continue
            mapped, failed = map_order_records(self._complete_order(node))
            items.extend(mapped)
            failures.extend(failed)
        return connection_page(connection, items, failures, high_water)

    def fetch_order_returns(self, *, order_external_id: str) -> Page[ReturnRecord]:
        """What the returns stream gives for one order, as one ``Page`` (no cursor): what a
        ``refunds/create`` webhook of a refund made for a return needs, since its body carries
        neither the return's lines nor its status, and what an order update needs when the
        order holds a return open in Sangam. Reads the order's refunds
        (``ORDER_REFUNDS_OF_ORDER_QUERY``) and, whatever its ``returnStatus`` says (a declined
        request leaves ``NO_RETURN``), its returns, and completes it like ``fetch_returns``,
        with the same ``RecordFailure``s; an order Shopify no longer has gives an empty page. Raises
        ``ConnectorError`` from the client."""
        return self._reading_returns(lambda: self._order_returns_page(order_external_id))

    def _order_returns_page(self, order_external_id: str) -> Page[ReturnRecord]:
        """``fetch_order_returns`` with or without Shopify returns, as ``reads_returns`` says."""
        order_gid = f"gid://shopify/Order/{gid_to_id(order_external_id)}"
        document = (
            queries.ORDER_REFUNDS_OF_ORDER_QUERY
            if self.reads_returns
            else queries.ORDER_REFUNDS_OF_ORDER_WITHOUT_RETURNS_QUERY
        )
        node = self.gql.execute(document, {"id": order_gid}).get("order")
        if not node:
            return Page(items=[])
        items, failures = map_order_records(self._complete_order(node, read_returns=True))
        return Page(items=items, failures=failures)

    def _complete_order(
        self, node: dict[str, Any], *, read_returns: bool = False
    ) -> dict[str, Any]:
        """An order node of ``ORDER_REFUNDS_FIELDS`` with every refund line, its returns when
        ``read_returns`` or ``has_returns`` (never while ``reads_returns`` is false) and its
        fulfillments when ``needs_fulfillments``."""
        order = {**node, "refunds": [self._complete_refund(r) for r in node.get("refunds") or []]}
        if self.reads_returns and (read_returns or has_returns(order)):
            order["returns"] = self._order_returns(order["id"])
        if needs_fulfillments(order):
            order["fulfillments"] = self._order_fulfillments(order["id"])
        return order

    def _order_returns(self, order_gid: str) -> list[dict[str, Any]]:
        """The order's Shopify returns, each with all its lines and all its reverse fulfillment
        orders (each with all its lines) as plain lists."""
        data = self.gql.execute(queries.ORDER_RETURNS_QUERY, {"id": order_gid, "after": None})
        returns = all_nodes(
            self.gql,
            (data.get("order") or {}).get("returns"),
            queries.ORDER_RETURNS_QUERY,
            {"id": order_gid},
            lambda page: (page.get("order") or {}).get("returns"),
        )
        return [self._complete_return(node) for node in returns]

    def _complete_return(self, node: dict[str, Any]) -> dict[str, Any]:
        """A ``Return`` node with all its lines and all its reverse fulfillment orders (each
        with all its lines) as plain lists."""
        reverse_orders = self._all_of(
            node, "reverseFulfillmentOrders", queries.REVERSE_FULFILLMENT_ORDERS_QUERY
        )
        return {
            **node,
            "returnLineItems": self._all_of(
                node, "returnLineItems", queries.RETURN_LINE_ITEMS_QUERY
            ),
            "reverseFulfillmentOrders": [
                {
                    **reverse,
                    "lineItems": self._all_of(reverse, "lineItems", queries.REVERSE_LINES_QUERY),
                }
                for reverse in reverse_orders
            ],
        }

    def _complete_refund(self, refund: dict[str, Any]) -> dict[str, Any]:
        """``refund`` with every refund line as a plain list under ``refundLineItems``."""
        lines = self._all_of(refund, "refundLineItems", queries.REFUND_LINE_ITEMS_QUERY)
        return {**refund, "refundLineItems": lines}

    def _order_fulfillments(self, order_gid: str) -> list[dict[str, Any]]:
        """The order's fulfillments, each with all its lines as a plain list."""
        data = self.gql.execute(queries.ORDER_FULFILLMENTS_QUERY, {"id": order_gid})
        return [
            {
                **fulfillment,
                "fulfillmentLineItems": self._all_of(
                    fulfillment, "fulfillmentLineItems", queries.FULFILLMENT_LINE_ITEMS_QUERY
                ),
            }
            for fulfillment in (data.get("order") or {}).get("fulfillments") or []
        ]

    def _all_of(self, node: dict[str, Any], field: str, query: str) -> list[dict[str, Any]]:
        """Every node of ``node[field]``: its inline first page, then the pages ``query`` (a
        ``queries.node_connection_query``) reads for ``node["id"]``."""
        return all_nodes(
            self.gql,
            node.get(field),
            query,
            {"id": node["id"]},
            lambda page: (page.get("node") or {}).get(field),
        )

    def write_return_status(
        self,
        *,
        order_external_id: str,
        tags: Sequence[str],
        note: str,
        replaces: Sequence[str] = (),
    ) -> None:
        """Put a return's status on its order: read the order's ``tags`` and ``note``, replace
        any earlier ``sangam-return-*`` tag with ``tags`` (the merchant's other tags stay) and
        this return's ``Sangam return …`` note line (and those of the returns ``replaces``
        names) with ``note`` (see ``merged_note``), then
        ``orderUpdate`` — skipped when nothing would change (no call, no ``orders/updated``).

        Two GraphQL calls (costs 1 + 10 points). Raises ``ShopifyUserError`` (a
        ``ConnectorError``) when the order does not exist or ``orderUpdate`` answers
        ``userErrors``; ``ConnectorError`` from the client otherwise (permanent for a token
        without ``write_orders``: ``ACCESS_DENIED``)."""
        order_gid = f"gid://shopify/Order/{gid_to_id(order_external_id)}"
        order = self.gql.execute(ORDER_TAGS_QUERY, {"id": order_gid}).get("order")
        if not order:
            raise ShopifyUserError(f"shopify: order {order_external_id} does not exist")
        current_tags = list(order.get("tags") or [])
        current_note = order.get("note") or ""
        new_tags = merged_tags(current_tags, tags)
        new_note = merged_note(current_note, note, replaces)
        if new_tags == current_tags and new_note == current_note:
            return
        data = self.gql.execute(
            ORDER_UPDATE, {"input": {"id": order_gid, "tags": new_tags, "note": new_note}}
        )
        raise_for_user_errors(data.get("orderUpdate"), f"orderUpdate of {order_external_id}")
