"""A shipment written back to its Shopify order (mixed into ``ShopifyConnector``): read the
order's fulfillment orders, then ``fulfillmentCreate`` of the open ones with the tracking, so
Shopify marks the order fulfilled and notifies the customer; later, the shipment's progress
(in transit, out for delivery, delivered, …) as ``fulfillmentEventCreate`` on that fulfillment."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING

from integrations.connectors.shopify import queries
from integrations.connectors.shopify.client import ShopifyUserError, raise_for_user_errors
from integrations.connectors.shopify.fulfillment.plan import fulfillable_ids, fulfillment_input
from integrations.connectors.shopify.mapping import gid_to_id
from integrations.dto import FulfillmentEventStatus

if TYPE_CHECKING:
    from integrations.connectors.shopify.client import ShopifyGraphQLClient

# Page sizes of the fulfillment-order read: an order rarely has more than a few fulfillment
# orders (one per location) and the lines are only checked for remaining units; 10 × 50
# keeps the requested cost near 540 points (Shopify refuses a query above 1000).
FULFILLMENT_ORDERS_PAGE = 10
FULFILLMENT_ORDER_LINES_PAGE = 50
# The scope ``fulfillmentCreate`` needs on merchant-managed fulfillment orders; assumed for
# ``fulfillmentEventCreate`` too (see ``write_fulfillment_event``).
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

    def write_fulfillment_event(
        self,
        *,
        fulfillment_id: str,
        status: str,
        happened_at: datetime,
        message: str = "",
        estimated_delivery_at: datetime | None = None,
    ) -> str:
        """``fulfillmentEventCreate(fulfillmentEvent: {fulfillmentId, status, happenedAt,
        estimatedDeliveryAt?, message?})`` on the fulfillment ``fulfillment_id`` (numeric or
        gid, as ``write_fulfillment`` returned it); ``status`` a ``FulfillmentEventStatus``
        (shopify.dev/docs/api/admin-graphql/2025-01/mutations/fulfillmentEventCreate and
        enums/FulfillmentEventStatus), times sent in UTC (ISO 8601). The fulfillment's
        ``displayStatus``, ``inTransitAt`` and ``deliveredAt`` reflect its events (the schema's
        field descriptions; the sandbox's rules are in ``sandbox.shopify.fulfillment_events``).
        Returns the event's numeric id. A mutation is not retried by the client, so a lost
        answer followed by the task's retry can record the event twice.

        One GraphQL call. Raises ``ValueError`` for a status outside the enum (before any
        call); ``ShopifyUserError`` (a ``RejectedError``) on ``userErrors`` (an unknown
        fulfillment); ``ConnectorError`` from the client otherwise (permanent ``AccessDenied``
        for a token without the scope).

        Scope: the page says only "Requires access scope" without naming it; assumed
        ``write_merchant_managed_fulfillment_orders``, the one ``fulfillmentCreate`` needs on
        the merchant-managed fulfillment orders Sangam fulfils (the sandbox checks the same)."""
        if status not in FulfillmentEventStatus.ALL:
            raise ValueError(f"not a FulfillmentEventStatus: {status!r}")
        event: dict[str, str] = {
            "fulfillmentId": f"gid://shopify/Fulfillment/{gid_to_id(fulfillment_id)}",
            "status": status,
            "happenedAt": _utc(happened_at),
        }
        if estimated_delivery_at is not None:
            event["estimatedDeliveryAt"] = _utc(estimated_delivery_at)
        if message:
            event["message"] = message
        result = self.gql.execute(queries.FULFILLMENT_EVENT_CREATE, {"fulfillmentEvent": event})
        payload = result.get("fulfillmentEventCreate")
        action = f"fulfillmentEventCreate {status} of fulfillment {fulfillment_id}"
        raise_for_user_errors(payload, action)
        made = (payload or {}).get("fulfillmentEvent") or {}
        if not made.get("id"):
            raise ShopifyUserError(f"shopify: {action} returned no event")
        return gid_to_id(made["id"])


def _utc(moment: datetime) -> str:
    """``2026-11-02T04:30:00Z``: an aware time as Shopify's ``DateTime`` (ISO 8601, UTC)."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
