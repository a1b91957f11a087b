"""A shipment written back to its Shopify order (mixed into ``ShopifyConnector``): read the
order's fulfillment orders, then ``fulfillmentCreate`` of the open ones with the tracking, so
Shopify marks the order fulfilled and notifies the customer."""

from __future__ import annotations

from typing import TYPE_CHECKING

from integrations.connectors.shopify import queries
from integrations.connectors.shopify.client import ShopifyUserError, raise_for_user_errors
from integrations.connectors.shopify.fulfillment.plan import fulfillable_ids, fulfillment_input
from integrations.connectors.shopify.mapping import gid_to_id

if TYPE_CHECKING:
    from integrations.connectors.shopify.client import ShopifyGraphQLClient

# Page sizes of the fulfillment-order read: an order rarely has more than a few fulfillment
# orders (one per location) and the lines are only checked for remaining units; 10 × 50
# keeps the requested cost near 540 points (Shopify refuses a query above 1000).
FULFILLMENT_ORDERS_PAGE = 10
FULFILLMENT_ORDER_LINES_PAGE = 50
# The scope ``fulfillmentCreate`` needs on merchant-managed fulfillment orders.
FULFILLMENT_SCOPE = "write_merchant_managed_fulfillment_orders"


class ShopifyFulfillmentWriteback:
    """A shipment's tracking on its Shopify order (``Capability.FULFILLMENT_WRITEBACK``)."""

    gql: ShopifyGraphQLClient

    def write_fulfillment(
        self,
        *,
        order_external_id: str,
        tracking_number: str,
        company: str,
        tracking_url: str,
        notify_customer: bool = True,
    ) -> str:
        """Fulfil the order's fulfillment orders that are ``OPEN``/``IN_PROGRESS`` and support
        ``CREATE_FULFILLMENT`` (every remaining unit) in one ``fulfillmentCreate`` with the
        tracking number, ``company`` as given (Shopify recognises known carrier names such as
        "Delhivery") and URL; returns the fulfillment's numeric id.

        Two GraphQL calls. Raises ``ShopifyUserError`` (a ``RejectedError``) when the order does
        not exist, nothing is left to fulfil or ``fulfillmentCreate`` answers ``userErrors``;
        ``ConnectorError`` from the client otherwise (permanent ``AccessDenied`` for a token
        without ``write_merchant_managed_fulfillment_orders``)."""
        order_gid = f"gid://shopify/Order/{gid_to_id(order_external_id)}"
        data = self.gql.execute(
            queries.ORDER_FULFILLMENT_ORDERS_QUERY,
            {
                "id": order_gid,
                "first": FULFILLMENT_ORDERS_PAGE,
                "lineItems": FULFILLMENT_ORDER_LINES_PAGE,
            },
        )
        order = data.get("order")
        if not order:
            raise ShopifyUserError(f"shopify: order {order_external_id} does not exist")
        nodes = ((order.get("fulfillmentOrders") or {}).get("nodes")) or []
        chosen = fulfillable_ids(nodes)
        if not chosen:
            raise ShopifyUserError(
                f"shopify: order {order_external_id} has nothing left to fulfil "
                f"({order.get('displayFulfillmentStatus') or 'no open fulfillment orders'})"
            )
        result = self.gql.execute(
            queries.FULFILLMENT_CREATE,
            {
                "fulfillment": fulfillment_input(
                    chosen,
                    tracking_number=tracking_number,
                    company=company,
                    tracking_url=tracking_url,
                    notify_customer=notify_customer,
                )
            },
        )
        payload = result.get("fulfillmentCreate")
        raise_for_user_errors(payload, f"fulfillmentCreate of {order_external_id}")
        made = (payload or {}).get("fulfillment") or {}
        if not made.get("id"):
            raise ShopifyUserError(
                f"shopify: fulfillmentCreate of {order_external_id} returned no fulfillment"
            )
        return gid_to_id(made["id"])
