"""The returns stream over GraphQL (mixed into ``ShopifyConnector``): pages of updated orders with
their refunds, Shopify returns and fulfillments read in full, and the ``read_returns`` fallback.
Design: docs/providers/shopify.md#returns
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from integrations.connectors.shopify import queries
from integrations.connectors.shopify.client import AccessDenied, all_nodes
from integrations.connectors.shopify.mapping import connection_page, gid_to_id, parse_time
from integrations.connectors.shopify.returns.graphql_refunds import needs_fulfillments
from integrations.connectors.shopify.returns.records import map_order_records
from integrations.connectors.shopify.returns.return_nodes import has_returns
from integrations.dto import Page, RecordFailure, ReturnRecord, granted_scopes

if TYPE_CHECKING:
    from integrations.connectors.shopify.client import ShopifyGraphQLClient

logger = logging.getLogger(__name__)

# The access scope a Shopify ``Return`` (and ``Refund.return``) needs (shopify.dev objects/Return).
RETURNS_SCOPE = "read_returns"
# Orders per page of the returns stream: 12 × 75 points + 2 = 902 fits the 1,000-point
# single-query limit (queries.REFUND_LINE_ITEMS_PAGE); the connector still shrinks a page that
# does not.
RETURNS_PAGE_SIZE = 12
# A first poll (no cursor yet) reads refunds of orders updated in this window: the orders the
# ``read_orders`` scope can see at all (the last 60 days; older ones need ``read_all_orders``,
# shopify.dev "Orders" access scopes).
RETURNS_INITIAL_LOOKBACK = timedelta(days=60)


class ShopifyReturns:
    """Shopify returns/refunds → ``ReturnDTO`` (polled: ``fetch_returns``; one order:
    ``fetch_order_returns``). The ``orderUpdate`` write-back is ``ShopifyReturnWriteback``.

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
