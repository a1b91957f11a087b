"""Shopify returns in the sandbox: requested, approved, declined, closed, refunded; served as
``Order.returns``/``Order.returnStatus``/``Refund.return`` and in the ``refunds/create`` body."""

from __future__ import annotations

import json

import pytest

from sandbox.shopify import services
from sandbox.shopify.models import SandboxOrder, SandboxReturn
from sandbox.shopify.returns import change_return, request_return
from tests.sandbox.shopify.test_webhooks import subscribe, validate

ORDER_RETURNS = """
query($id: ID!) {
  order(id: $id) {
    updatedAt
    returnStatus
    returns(first: 5) {
      nodes {
        id name status totalQuantity
        decline { reason }
        refunds(first: 5) { nodes { id } }
        returnLineItems(first: 10) {
          nodes {
            quantity refundedQuantity refundableQuantity returnReason returnReasonNote
            ... on ReturnLineItem { fulfillmentLineItem { lineItem { id sku } } }
          }
        }
      }
    }
    refunds { id return { id name status } }
  }
}
"""


@pytest.fixture
def shipped(store) -> SandboxOrder:
    """A fulfilled, uncancelled order with a line of two or more units."""
    for order in SandboxOrder.objects.filter(
        shop=store, fulfillment_status="FULFILLED", cancelled_at__isnull=True
    ).order_by("id"):
        if order.line_items.filter(current_quantity__gte=2, fulfilled_quantity__gte=2).exists():
            return order
    order = SandboxOrder.objects.filter(shop=store, cancelled_at__isnull=True).order_by("id")[0]
    return services.fulfill_order(order)


def read(gql, order) -> dict:
    body = gql(ORDER_RETURNS, {"id": f"gid://shopify/Order/{order.id}"})
    assert "errors" not in body, body["errors"]
    return body["data"]["order"]


def test_a_return_goes_from_request_to_open_to_closed_and_the_order_says_so(gql, shipped):
    line = shipped.line_items.filter(fulfilled_quantity__gte=2).order_by("id")[0]
    before = read(gql, shipped)
    assert before["returnStatus"] == "NO_RETURN"

    ret = request_return(shipped, {line.id: 2}, reason="SIZE_TOO_SMALL", approve=False)
    requested = read(gql, shipped)
    assert requested["returnStatus"] == "RETURN_REQUESTED"
    assert requested["updatedAt"] > before["updatedAt"]
    [node] = requested["returns"]["nodes"]
    assert node["id"] == f"gid://shopify/Return/{ret.id}"
    assert (node["name"], node["status"], node["totalQuantity"]) == (
        f"{shipped.name}-R1",
        "REQUESTED",
        2,
    )
    [item] = node["returnLineItems"]["nodes"]
    assert item["fulfillmentLineItem"]["lineItem"] == {
        "id": f"gid://shopify/LineItem/{line.id}",
        "sku": line.sku,
    }
    assert (item["quantity"], item["returnReason"], item["refundableQuantity"]) == (
        2,
        "SIZE_TOO_SMALL",
        2,
    )

    change_return(ret, "approve")
    assert read(gql, shipped)["returnStatus"] == "IN_PROGRESS"
    change_return(ret, "close")
    closed = read(gql, shipped)
    assert closed["returnStatus"] == "RETURNED"
    assert closed["returns"]["nodes"][0]["status"] == "CLOSED"
    with pytest.raises(ValueError, match="cannot approve"):
        change_return(ret, "approve")


def test_a_refund_for_a_return_points_back_to_it_in_graphql_and_in_the_webhook(gql, shipped):
    line = shipped.line_items.filter(fulfilled_quantity__gte=2).order_by("id")[0]
    ret = request_return(shipped, {line.id: 2}, reason="DEFECTIVE", note="torn seam")

    payload = services.refund_order(
        shipped, lines={line.id: 1}, restock=True, return_request=ret, deliver=False
    )

    assert payload["return"] == {
        "id": ret.id,
        "admin_graphql_api_id": f"gid://shopify/Return/{ret.id}",
    }
    assert validate("refunds/create", json.dumps(payload)) == []
    order = read(gql, shipped)
    [refund] = [r for r in order["refunds"] if r["return"]]
    assert refund["return"] == {
        "id": f"gid://shopify/Return/{ret.id}",
        "name": ret.name,
        "status": "OPEN",
    }
    [node] = order["returns"]["nodes"]
    assert node["refunds"]["nodes"] == [{"id": refund["id"]}]
    [item] = node["returnLineItems"]["nodes"]
    assert (item["refundedQuantity"], item["refundableQuantity"], item["returnReasonNote"]) == (
        1,
        1,
        "torn seam",
    )


def test_units_can_be_returned_once_and_only_when_shipped(gql, store, shipped):
    line = shipped.line_items.filter(fulfilled_quantity__gte=2).order_by("id")[0]
    request_return(shipped, {line.id: line.fulfilled_quantity})
    with pytest.raises(ValueError, match="units can be returned"):
        request_return(shipped, {line.id: 1})
    with pytest.raises(ValueError, match="unknown return reason"):
        request_return(shipped, {line.id: 1}, reason="BORED")

    first = SandboxReturn.objects.get(order=shipped)
    change_return(first, "cancel")
    # A cancelled return frees its units; a declined one too.
    again = request_return(shipped, {line.id: 1}, approve=False)
    assert change_return(again, "decline", decline_reason="FINAL_SALE").status == "DECLINED"
    assert read(gql, shipped)["returns"]["nodes"][1]["decline"] == {"reason": "FINAL_SALE"}
    assert request_return(shipped, {line.id: line.fulfilled_quantity}).status == "OPEN"

    unshipped = SandboxOrder.objects.filter(
        shop=store, fulfilled_at__isnull=True, cancelled_at__isnull=True
    ).first()
    assert unshipped is not None
    with pytest.raises(ValueError, match="was not shipped"):
        request_return(unshipped, {unshipped.line_items.first().id: 1})


def test_returns_need_the_read_returns_scope(gql, app, shipped):
    """shopify.dev objects/Return: "Requires ``read_returns`` access scope"; a token without it
    is denied ``Order.returns``, a ``Return`` node and a refund's ``return``, while the rest of
    the order (and a refund made without a return) still reads."""
    line = shipped.line_items.filter(fulfilled_quantity__gte=1).order_by("id")[0]
    returned = request_return(shipped, {line.id: 1})
    services.refund_order(shipped, lines={line.id: 1}, return_request=returned, deliver=False)
    without = services.issue_access_token(
        shop=shipped.shop.domain, api_key=app.api_key, scope="read_orders"
    )
    order_id = f"gid://shopify/Order/{shipped.id}"

    for query, variables in (
        ("query($id: ID!) { order(id: $id) { returns(first: 1) { nodes { id } } } }", order_id),
        ("query($id: ID!) { order(id: $id) { refunds { return { id } } } }", order_id),
        ("query($id: ID!) { node(id: $id) { id } }", f"gid://shopify/Return/{returned.id}"),
    ):
        body = gql(query, {"id": variables}, token=without)
        (error,) = body["errors"]
        assert error["extensions"]["code"] == "ACCESS_DENIED"
        assert error["extensions"]["requiredAccess"] == "`read_returns` access scope."
        assert gql(query, {"id": variables})["data"]  # the fixture's token has read_returns

    plain = gql(
        "query($id: ID!) { order(id: $id) { returnStatus } }", {"id": order_id}, token=without
    )
    assert plain["data"]["order"]["returnStatus"] == "IN_PROGRESS"


REVERSE_FULFILLMENT_ORDERS = """
query($id: ID!) {
  node(id: $id) {
    ... on Return {
      reverseFulfillmentOrders(first: 2) {
        nodes {
          id status order { id }
          lineItems(first: 5) {
            nodes {
              id totalQuantity
              fulfillmentLineItem { lineItem { id } }
              dispositions { id quantity type location { id } }
            }
          }
        }
      }
    }
  }
}
"""


def reverse_orders(gql, ret) -> list[dict]:
    body = gql(REVERSE_FULFILLMENT_ORDERS, {"id": f"gid://shopify/Return/{ret.id}"})
    assert "errors" not in body, body["errors"]
    return body["data"]["node"]["reverseFulfillmentOrders"]["nodes"]


def test_disposing_of_a_returns_goods_restocks_them_at_a_location(gql, shipped):
    """Approving a return makes its reverse fulfillment order; a ``RESTOCKED`` disposition puts
    the units back into ``available`` at the location (with ``inventory_levels/update``), a
    ``NOT_RESTOCKED`` one does not; both move the order and close the reverse order once every
    unit is disposed of."""
    from sandbox.shopify.models import (
        SandboxInventoryLevel,
        SandboxLocation,
        SandboxWebhookDelivery,
    )
    from sandbox.shopify.returns import dispose_return

    line = shipped.line_items.filter(fulfilled_quantity__gte=2).order_by("id")[0]
    requested = request_return(shipped, {line.id: 2}, approve=False)
    assert reverse_orders(gql, requested) == []  # a request has none yet
    with pytest.raises(ValueError, match="no open reverse fulfillment order"):
        dispose_return(requested, {line.id: 1})

    approved = change_return(requested, "approve")
    (reverse,) = reverse_orders(gql, approved)
    assert reverse["status"] == "OPEN"
    assert reverse["order"]["id"] == f"gid://shopify/Order/{shipped.id}"
    (reverse_line,) = reverse["lineItems"]["nodes"]
    assert reverse_line["totalQuantity"] == 2
    assert (
        reverse_line["fulfillmentLineItem"]["lineItem"]["id"] == f"gid://shopify/LineItem/{line.id}"
    )
    assert reverse_line["dispositions"] == []

    primary = SandboxLocation.objects.get(shop=shipped.shop, is_primary=True)
    level = SandboxInventoryLevel.objects.get(item__variant_id=line.variant_id, location=primary)
    available = level.available
    updated = SandboxOrder.objects.get(pk=shipped.pk).updated_at
    subscribe(gql, "http://127.0.0.1:9/hooks", ["ORDERS_UPDATED", "INVENTORY_LEVELS_UPDATE"])
    sent = SandboxWebhookDelivery.objects.count()

    (restocked,) = dispose_return(approved, {line.id: 1}, deliver=False)
    level.refresh_from_db()
    assert level.available == available + 1
    assert SandboxOrder.objects.get(pk=shipped.pk).updated_at > updated
    topics = set(
        SandboxWebhookDelivery.objects.order_by("pk")[sent:].values_list("topic", flat=True)
    )
    assert topics == {"inventory_levels/update", "orders/updated"}
    with pytest.raises(ValueError, match="can dispose 1..1"):
        dispose_return(approved, {line.id: 2})

    dispose_return(approved, {line.id: 1}, disposition="NOT_RESTOCKED", deliver=False)
    level.refresh_from_db()
    assert level.available == available + 1  # a damaged unit stays out
    (reverse,) = reverse_orders(gql, approved)
    assert reverse["status"] == "CLOSED"
    dispositions = reverse["lineItems"]["nodes"][0]["dispositions"]
    assert [(d["type"], d["quantity"]) for d in dispositions] == [
        ("RESTOCKED", 1),
        ("NOT_RESTOCKED", 1),
    ]
    assert dispositions[0]["id"] == (
        f"gid://shopify/ReverseFulfillmentOrderDisposition/{restocked.id}"
    )
    assert dispositions[0]["location"] == {"id": f"gid://shopify/Location/{primary.id}"}
    assert dispositions[1]["location"] is None
    with pytest.raises(ValueError, match="no open reverse fulfillment order"):
        dispose_return(approved, {line.id: 1})
    with pytest.raises(ValueError, match="unknown disposition"):
        dispose_return(approved, {line.id: 1}, disposition="DONATED")


def test_reverse_fulfillment_orders_need_the_read_returns_scope(gql, app, shipped):
    line = shipped.line_items.filter(fulfilled_quantity__gte=1).order_by("id")[0]
    returned = request_return(shipped, {line.id: 1})
    without = services.issue_access_token(
        shop=shipped.shop.domain, api_key=app.api_key, scope="read_orders"
    )
    reverse = f"gid://shopify/ReverseFulfillmentOrder/{returned.reverse_fulfillment_order.id}"
    query = "query($id: ID!) { reverseFulfillmentOrder(id: $id) { id status } }"
    (error,) = gql(query, {"id": reverse}, token=without)["errors"]
    assert error["extensions"]["code"] == "ACCESS_DENIED"
    assert gql(query, {"id": reverse})["data"]["reverseFulfillmentOrder"] == {
        "id": reverse,
        "status": "OPEN",
    }
