"""A return's status written back to its Shopify order (mixed into ``ShopifyConnector``):
``orderUpdate`` of the order's tags and note, after reading the current ones.
Design: docs/providers/shopify.md#return-status-on-the-order
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from integrations.connectors.shopify import queries
from integrations.connectors.shopify.client import ShopifyUserError, raise_for_user_errors
from integrations.connectors.shopify.mapping import gid_to_id
from integrations.connectors.shopify.returns.notes import merged_note, merged_tags

if TYPE_CHECKING:
    from integrations.connectors.shopify.client import ShopifyGraphQLClient


class ShopifyReturnWriteback:
    """A return's status on its Shopify order (``Capability.RETURN_WRITEBACK``)."""

    gql: ShopifyGraphQLClient

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
        order = self.gql.execute(queries.ORDER_TAGS_QUERY, {"id": order_gid}).get("order")
        if not order:
            raise ShopifyUserError(f"shopify: order {order_external_id} does not exist")
        current_tags = list(order.get("tags") or [])
        current_note = order.get("note") or ""
        new_tags = merged_tags(current_tags, tags)
        new_note = merged_note(current_note, note, replaces)
        if new_tags == current_tags and new_note == current_note:
            return
        data = self.gql.execute(
            queries.ORDER_UPDATE, {"input": {"id": order_gid, "tags": new_tags, "note": new_note}}
        )
        raise_for_user_errors(data.get("orderUpdate"), f"orderUpdate of {order_external_id}")
