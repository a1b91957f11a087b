"""Sandbox refunds and fulfillments are stored and served by ``Order.refunds`` /
``Order.fulfillments`` over GraphQL, saying the same as the ``refunds/create`` payload (ids,
quantities, restock types in each API's spelling, location, amounts, time)."""

from __future__ import annotations

from datetime import datetime

import pytest

from integrations.connectors.shopify import queries
from integrations.connectors.shopify.returns.fetch import RETURNS_PAGE_SIZE
from sandbox.shopify import services
from sandbox.shopify.models import (
    SandboxFulfillment,
    SandboxLineItem,
    SandboxOrder,
    SandboxRefund,
)
from sandbox.shopify.webhooks.orders import line_item_payload
from tests.sandbox.conftest import SHOP

pytestmark = pytest.mark.django_db

ORDER_REFUNDS = """
query($id: ID!, $first: Int) {
  order(id: $id) {
    id
    updatedAt
    refunds(first: $first) {
      id legacyResourceId createdAt updatedAt note
      return { id }
      totalRefundedSet { shopMoney { amount currencyCode } }
      refundLineItems(first: 10) {
        nodes {
          id quantity restockType restocked
          location { id }
          lineItem { id sku fulfillmentStatus }
          priceSet { shopMoney { amount } }
          subtotalSet { shopMoney { amount currencyCode } }
          totalTaxSet { shopMoney { amount currencyCode } }
        }
      }
    }
    fulfillments {
      id createdAt status totalQuantity
      fulfillmentLineItems(first: 10) { nodes { id quantity lineItem { id } } }
    }
  }
}
"""


def paid_order(seed: int) -> SandboxOrder:
    placed = services.simulate_orders(shop=SHOP, count=1, seed=seed, deliver=False)[0]
    return services.update_order(placed, financial_status="PAID")


def served(gql, order: SandboxOrder, first: int | None = None) -> dict:
    body = gql(ORDER_REFUNDS, {"id": f"gid://shopify/Order/{order.id}", "first": first})
    assert "errors" not in body, body["errors"]
    return body["data"]["order"]


def same_instant(graphql_time: str, rest_time: str) -> bool:
    return datetime.fromisoformat(graphql_time.replace("Z", "+00:00")) == datetime.fromisoformat(
        rest_time
    )


@pytest.mark.parametrize(
    ("shipped", "restock", "rest_type", "graphql_type"),
    [
        pytest.param(True, True, "return", "RETURN", id="shipped-restocked"),
        pytest.param(True, False, "no_restock", "NO_RESTOCK", id="shipped-not-restocked"),
        pytest.param(False, True, "cancel", "CANCEL", id="unshipped-restocked"),
        pytest.param(False, False, "no_restock", "NO_RESTOCK", id="unshipped-not-restocked"),
    ],
)
def test_a_refund_is_served_over_graphql_as_its_webhook_says(
    gql, store, shipped, restock, rest_type, graphql_type
):
    order = paid_order(seed=41)
    if shipped:
        order = services.fulfill_order(order)
    item = order.line_items.first()

    payload = services.refund_order(
        order, lines={item.id: 1}, restock=restock, note="Too small", deliver=False
    )

    node = served(gql, order)
    (refund,) = node["refunds"]
    (line,) = refund["refundLineItems"]["nodes"]
    (rest_line,) = payload["refund_line_items"]
    assert (
        refund["id"] == payload["admin_graphql_api_id"] == f"gid://shopify/Refund/{payload['id']}"
    )
    assert refund["legacyResourceId"] == str(payload["id"])
    assert same_instant(refund["createdAt"], payload["created_at"])
    assert refund["updatedAt"] == refund["createdAt"]
    assert (refund["note"], refund["return"], payload["return"]) == ("Too small", None, None)
    assert line["id"] == f"gid://shopify/RefundLineItem/{rest_line['id']}"
    assert (line["quantity"], rest_line["quantity"]) == (1, 1)
    assert (line["restockType"], rest_line["restock_type"]) == (graphql_type, rest_type)
    assert line["restocked"] is restock
    location = line["location"]["id"] if line["location"] else None
    expected_location = (
        rest_line["location_id"] and f"gid://shopify/Location/{rest_line['location_id']}"
    )
    assert location == expected_location
    assert (location is not None) is restock
    assert line["lineItem"]["id"] == f"gid://shopify/LineItem/{rest_line['line_item_id']}"
    assert line["lineItem"]["sku"] == rest_line["line_item"]["sku"] == item.sku
    assert line["subtotalSet"]["shopMoney"] == {
        "amount": rest_line["subtotal_set"]["shop_money"]["amount"],
        "currencyCode": rest_line["subtotal_set"]["shop_money"]["currency_code"],
    }
    assert (
        line["totalTaxSet"]["shopMoney"]["amount"]
        == rest_line["total_tax_set"]["shop_money"]["amount"]
    )
    (transaction,) = payload["transactions"]
    assert refund["totalRefundedSet"]["shopMoney"]["amount"] == transaction["amount"]
    # Shipped (REST ``fulfillment_status`` set) exactly when a fulfillment holds the line.
    shipped_ids = {
        fl["lineItem"]["id"]
        for f in node["fulfillments"]
        for fl in f["fulfillmentLineItems"]["nodes"]
    }
    assert (line["lineItem"]["id"] in shipped_ids) is shipped
    assert bool(rest_line["line_item"]["fulfillment_status"]) is shipped
    stored = SandboxRefund.objects.get(pk=payload["id"])
    assert (stored.order_id, stored.line_items.get().restock_type) == (order.id, rest_type)


def test_an_unpaid_order_refund_has_no_transaction_and_nothing_refunded(gql, store):
    placed = services.simulate_orders(shop=SHOP, count=1, seed=42, deliver=False)[0]
    order = services.fulfill_order(services.update_order(placed, financial_status="PENDING"))

    payload = services.refund_order(order, deliver=False)

    (refund,) = served(gql, order)["refunds"]
    assert payload["transactions"] == []
    assert refund["totalRefundedSet"]["shopMoney"]["amount"] == "0.00"
    assert refund["note"] is None  # no note: null over GraphQL


def test_refunds_are_listed_oldest_first_and_first_truncates(gql, store):
    order = services.fulfill_order(paid_order(seed=43))
    item = order.line_items.first()
    item.refresh_from_db()
    if item.quantity < 2:
        SandboxLineItem.objects.filter(pk=item.pk).update(
            quantity=2, current_quantity=2, fulfilled_quantity=2
        )
    first = services.refund_order(order, lines={item.id: 1}, deliver=False)
    second = services.refund_order(order, lines={item.id: 1}, restock=True, deliver=False)

    everything = served(gql, order)["refunds"]
    truncated = served(gql, order, first=1)["refunds"]

    assert [r["id"] for r in everything] == [
        first["admin_graphql_api_id"],
        second["admin_graphql_api_id"],
    ]
    assert [r["id"] for r in truncated] == [first["admin_graphql_api_id"]]


def test_refunds_and_fulfillments_are_nodes_of_the_shop(gql, store):
    order = services.fulfill_order(paid_order(seed=44))
    payload = services.refund_order(order, deliver=False)
    fulfillment = SandboxFulfillment.objects.get(order=order)

    body = gql(
        """query($r: ID!, $f: ID!) {
          r: node(id: $r) { id ... on Refund { refundLineItems(first: 5) { nodes { quantity } } } }
          f: node(id: $f) { id ... on Fulfillment { status fulfillmentLineItems(first: 5) {
            nodes { quantity } } } }
        }""",
        {"r": payload["admin_graphql_api_id"], "f": f"gid://shopify/Fulfillment/{fulfillment.id}"},
    )

    assert "errors" not in body, body["errors"]
    assert body["data"]["r"]["id"] == payload["admin_graphql_api_id"]
    assert sum(n["quantity"] for n in body["data"]["r"]["refundLineItems"]["nodes"]) == sum(
        line["quantity"] for line in payload["refund_line_items"]
    )
    assert body["data"]["f"]["status"] == "SUCCESS"


def test_fulfill_order_records_one_fulfillment_of_the_open_units(gql, store):
    order = paid_order(seed=45)
    items = list(order.line_items.all())

    shipped = services.fulfill_order(order)
    services.fulfill_order(shipped)  # nothing is open any more: no second fulfillment

    (fulfillment,) = served(gql, shipped)["fulfillments"]
    assert fulfillment["status"] == "SUCCESS"
    shipped.refresh_from_db()
    assert fulfillment["createdAt"] == shipped.fulfilled_at.strftime("%Y-%m-%dT%H:%M:%SZ")
    assert {
        (n["lineItem"]["id"], n["quantity"]) for n in fulfillment["fulfillmentLineItems"]["nodes"]
    } == {(f"gid://shopify/LineItem/{i.id}", i.quantity) for i in items}
    assert fulfillment["totalQuantity"] == sum(i.quantity for i in items)


def test_seeded_fulfilled_orders_have_fulfillments_matching_their_lines(store):
    orders = SandboxOrder.objects.filter(shop__domain=SHOP)
    fulfilled = orders.filter(fulfilled_at__isnull=False)
    assert fulfilled.exists()
    assert SandboxFulfillment.objects.filter(order__in=orders).count() == fulfilled.count()
    for fulfillment in SandboxFulfillment.objects.filter(order__in=orders).prefetch_related(
        "line_items__line_item"
    ):
        assert fulfillment.created_at == fulfillment.order.fulfilled_at
        assert fulfillment.line_items.exists()
        for line in fulfillment.line_items.all():
            assert line.quantity == line.line_item.fulfilled_quantity > 0


@pytest.mark.parametrize(
    ("quantity", "current", "fulfilled", "rest", "graphql"),
    [
        (2, 2, 0, None, "unfulfilled"),
        (2, 2, 1, "partial", "partial"),
        (2, 2, 2, "fulfilled", "fulfilled"),
        (2, 1, 1, "fulfilled", "fulfilled"),  # one unit removed before the rest shipped
        (2, 0, 2, "fulfilled", "fulfilled"),  # shipped, then both refunded
    ],
)
def test_line_fulfillment_status_agrees_between_rest_and_graphql(
    gql, store, quantity, current, fulfilled, rest, graphql
):
    item = SandboxLineItem.objects.filter(order__shop__domain=SHOP).first()
    SandboxLineItem.objects.filter(pk=item.pk).update(
        quantity=quantity, current_quantity=current, fulfilled_quantity=fulfilled
    )
    item.refresh_from_db()

    body = gql(
        "query($id: ID!) { node(id: $id) { ... on LineItem { fulfillmentStatus } } }",
        {"id": f"gid://shopify/LineItem/{item.id}"},
    )

    assert line_item_payload(item, "INR", None)["fulfillment_status"] == rest
    assert body["data"]["node"]["fulfillmentStatus"] == graphql


def test_the_returns_stream_query_fits_the_cost_limit_and_runs(gql, store):
    order = services.fulfill_order(paid_order(seed=46))
    services.refund_order(order, restock=True, deliver=False)

    body = gql(queries.ORDER_REFUNDS_QUERY, {"first": RETURNS_PAGE_SIZE})

    assert "errors" not in body, body["errors"]
    assert body["extensions"]["cost"]["requestedQueryCost"] <= 1000
    nodes = body["data"]["orders"]["nodes"]
    assert len(nodes) == RETURNS_PAGE_SIZE
    refunded = gql(
        queries.ORDER_REFUNDS_QUERY,
        {"first": 5, "query": f"id:{order.id}"},
    )["data"]["orders"]["nodes"]
    (refund,) = refunded[0]["refunds"]
    assert {n["restockType"] for n in refund["refundLineItems"]["nodes"]} == {"RETURN"}
