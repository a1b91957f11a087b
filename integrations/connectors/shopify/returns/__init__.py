"""Returns and refunds from Shopify, and the return status written back to the order: pure
mapping in ``refunds``, ``graphql_refunds``, ``return_nodes``, ``records`` and ``notes``;
Shopify calls in ``fetch`` and ``writeback`` (mixed into ``ShopifyConnector``).
Design: docs/providers/shopify.md#returns
"""

from __future__ import annotations

# Also importable from the package itself, where tests/inventory and tests/e2e import them.
from integrations.connectors.shopify.returns.records import returns_from_graphql_order
from integrations.connectors.shopify.returns.refunds import restocked_units, returns_from_refund

__all__ = ["restocked_units", "returns_from_graphql_order", "returns_from_refund"]
