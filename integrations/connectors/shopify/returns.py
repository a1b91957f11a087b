"""Returns and refunds from Shopify and the return status written back to the order. Mixed into
``ShopifyConnector``.

In: the ``refunds/create`` webhook (REST-shaped body, 2025-01 JSON Schema
``shared/reference/shopify/webhooks/schemas/2025-01/refunds/create.json``) → ``ReturnDTO`` per
returned line (``returns_from_refund``, a pure function).
Out: ``orderUpdate(input: {id, tags, note})`` (shopify.dev/docs/api/admin-graphql/2025-01/
mutations/orderUpdate; needs the ``write_orders`` scope), after reading the order's current
``tags`` and ``note`` so the merchant's own tags and note text are kept.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from integrations.connectors.shopify.client import ShopifyUserError, raise_for_user_errors
from integrations.connectors.shopify.mapping import MappingError, gid_to_id, parse_time
from integrations.dto import ReturnDTO, ReturnKind, ReturnStatus

if TYPE_CHECKING:
    from integrations.connectors.shopify.client import ShopifyGraphQLClient

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


def returns_from_refund(body: dict[str, Any]) -> list[ReturnDTO]:
    """A ``refunds/create`` body → one ``ReturnDTO`` per returned refund line item.

    ``external_id`` is ``refund:<refund id>`` (one Return per refund, its lines the items);
    ``order_external_id`` the order id and ``order_item_external_id`` the line item id (both
    as strings, the same ids the order import stores); ``kind`` customer return; ``status``
    refunded; ``reason`` the refund note; ``quantity`` the refunded units; both times the
    refund's ``created_at`` (a refund never changes, so a replayed delivery is skipped).

    Which lines are returns: ``restock_type`` ``return``/``legacy_restock`` always; ``cancel``
    never (units of an unfulfilled order removed before shipping); ``no_restock`` only when the
    refund belongs to a Shopify return (``return`` is set) or the line had been shipped
    (``line_item.fulfillment_status`` is set) — a refund of shipped goods that Shopify did not
    restock is exactly the case where the goods come back to the seller's QC. An empty list
    means the refund returned nothing (the webhook is then ignored).

    Raises ``MappingError`` for a body without ids, times or integer quantities."""
    refund_id = gid_to_id(body.get("id"))
    order_id = gid_to_id(body.get("order_id"))
    if not refund_id or not order_id:
        raise MappingError("refund: missing id or order_id")
    created = parse_time(body.get("created_at") or body.get("processed_at"), "created_at")
    if created is None:
        raise MappingError(f"refund {refund_id}: missing created_at")
    linked_return = body.get("return") or None
    head = {key: body.get(key) for key in ("id", "order_id", "created_at", "note", "return")}
    dtos: list[ReturnDTO] = []
    for line in body.get("refund_line_items") or []:
        quantity = line.get("quantity")
        if not isinstance(quantity, int) or quantity < 0:
            raise MappingError(f"refund {refund_id}: bad quantity {quantity!r}")
        item = line.get("line_item") or {}
        restock_type = str(line.get("restock_type") or "no_restock").lower()
        shipped = bool(item.get("fulfillment_status"))
        if restock_type == "cancel" or quantity == 0:
            continue
        if restock_type not in RESTOCKED_TYPES and not (linked_return or shipped):
            continue
        line_item_id = gid_to_id(line.get("line_item_id") or item.get("id"))
        if not line_item_id:
            raise MappingError(f"refund {refund_id}: refund line without line_item_id")
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
                raw={**head, "refund_line_item": line},
            )
        )
    return dtos


def restocked_units(raw: dict[str, Any], sku: str) -> int:
    """Units of ``sku`` Shopify put back into its own stock in a stored ``refunds/create``
    return (``Return.raw`` as ``returns_import`` keeps it: one line's ``refund_line_item``, or
    ``{"lines": [...]}``): refund lines with ``restock_type`` in ``RESTOCKED_TYPES``."""
    units = 0
    for line in (raw or {}).get("lines") or [raw or {}]:
        refund_line = line.get("refund_line_item") or {}
        item = refund_line.get("line_item") or {}
        if (
            str(refund_line.get("restock_type") or "").lower() in RESTOCKED_TYPES
            and (item.get("sku") or "").strip() == sku
            and isinstance(refund_line.get("quantity"), int)
        ):
            units += refund_line["quantity"]
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


def merged_note(current: str | None, line: str) -> str:
    """``current`` with ``line`` replacing the earlier line of the same return (same text before
    the first ``": "`` and starting with ``Sangam return``), or appended on a new line. The rest
    of the merchant's note is kept as it was."""
    key = line.split(": ", 1)[0]
    lines = (current or "").splitlines()
    replaced = False
    kept: list[str] = []
    for existing in lines:
        if existing.startswith(NOTE_LINE_PREFIX) and existing.split(": ", 1)[0] == key:
            if not replaced:
                kept.append(line)
                replaced = True
            continue
        kept.append(existing)
    if not replaced:
        kept.append(line)
    return "\n".join(kept)


class ShopifyReturns:
    """Shopify returns/refunds → ``ReturnDTO``; ``orderUpdate`` write-back."""

    gql: ShopifyGraphQLClient

    def write_return_status(
        self, *, order_external_id: str, tags: Sequence[str], note: str
    ) -> None:
        """Put a return's status on its order: read the order's ``tags`` and ``note``, replace
        any earlier ``sangam-return-*`` tag with ``tags`` (the merchant's other tags stay) and
        this return's ``Sangam return …`` note line with ``note`` (see ``merged_note``), then
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
        new_note = merged_note(current_note, note)
        if new_tags == current_tags and new_note == current_note:
            return
        data = self.gql.execute(
            ORDER_UPDATE, {"input": {"id": order_gid, "tags": new_tags, "note": new_note}}
        )
        raise_for_user_errors(data.get("orderUpdate"), f"orderUpdate of {order_external_id}")
