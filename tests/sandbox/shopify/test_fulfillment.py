"""Sandbox fulfillment orders (``Order.fulfillmentOrders``) and ``fulfillmentCreate``: the
documents the connector sends, scopes, ``userErrors``, the order's fulfillment status and the
``orders/fulfilled`` / ``orders/updated`` webhooks; ``fulfillmentEventCreate`` and the
fulfillment's display status and dates that follow its events."""

from __future__ import annotations

import json

import pytest

from integrations.connectors.shopify.queries import (
    FULFILLMENT_CREATE,
    FULFILLMENT_EVENT_CREATE,
    ORDER_FULFILLMENT_ORDERS_QUERY,
)
from sandbox.shopify import services
from sandbox.shopify.models import (
    SandboxFulfillment,
    SandboxFulfillmentEvent,
    SandboxInventoryLevel,
    SandboxOrder,
)
from tests.sandbox.conftest import SHOP, GraphQL
from tests.sandbox.shopify.test_webhooks import subscribe, validate

pytestmark = pytest.mark.django_db

SCOPE = "read_orders,read_products,write_merchant_managed_fulfillment_orders"


@pytest.fixture
def shipper(client, store, app) -> GraphQL:
    """GraphQL with a token that may fulfil merchant-managed fulfillment orders."""
    return GraphQL(client, services.issue_access_token(shop=SHOP, api_key=app.api_key, scope=SCOPE))


@pytest.fixture
def order(store) -> SandboxOrder:
    return (
        SandboxOrder.objects.filter(
            shop__domain=SHOP, cancelled_at__isnull=True, fulfillment_status="UNFULFILLED"
        )
        .order_by("number")
        .first()
    )


def order_gid(order) -> str:
    return f"gid://shopify/Order/{order.id}"


def read(gql, order) -> dict:
    body = gql(
        ORDER_FULFILLMENT_ORDERS_QUERY, {"id": order_gid(order), "first": 5, "lineItems": 50}
    )
    assert "errors" not in body, body
    return body["data"]["order"]


def fulfil(gql, ids, **extra) -> dict:
    data = {
        "lineItemsByFulfillmentOrder": [{"fulfillmentOrderId": i} for i in ids],
        "trackingInfo": {
            "number": "1234567890123",
            "company": "Delhivery",
            "url": "https://www.delhivery.com/track/package/1234567890123",
        },
        "notifyCustomer": True,
        **extra,
    }
    return gql(FULFILLMENT_CREATE, {"fulfillment": data})


def test_an_order_has_one_open_fulfillment_order_with_its_unfulfilled_units(shipper, order):
    data = read(shipper, order)

    assert data["displayFulfillmentStatus"] == "UNFULFILLED"
    (fo,) = data["fulfillmentOrders"]["nodes"]
    assert fo["id"].startswith("gid://shopify/FulfillmentOrder/")
    assert fo["status"] == "OPEN"
    assert {"action": "CREATE_FULFILLMENT"} in fo["supportedActions"]
    units = sorted(line["remainingQuantity"] for line in fo["lineItems"]["nodes"])
    assert units == sorted(i.current_quantity for i in order.line_items.all())
    assert read(shipper, order)["fulfillmentOrders"]["nodes"][0]["id"] == fo["id"]  # stable


def test_fulfillment_create_ships_the_order_and_records_the_tracking(
    shipper, gql, order, receiver, django_capture_on_commit_callbacks
):
    subscribe(gql, receiver.url, ["FULFILLMENTS_CREATE", "ORDERS_FULFILLED", "ORDERS_UPDATED"])
    before = order.updated_at
    committed = sum(
        SandboxInventoryLevel.objects.filter(
            item__variant__in=[i.variant_id for i in order.line_items.all()]
        ).values_list("committed", flat=True)
    )
    (fo,) = read(shipper, order)["fulfillmentOrders"]["nodes"]

    with django_capture_on_commit_callbacks(execute=True):
        body = fulfil(shipper, [fo["id"]])

    payload = body["data"]["fulfillmentCreate"]
    assert payload["userErrors"] == []
    assert payload["fulfillment"]["status"] == "SUCCESS"
    made = SandboxFulfillment.objects.get(pk=int(payload["fulfillment"]["id"].rsplit("/", 1)[1]))
    assert (made.tracking_number, made.tracking_company, made.tracking_url) == (
        "1234567890123",
        "Delhivery",
        "https://www.delhivery.com/track/package/1234567890123",
    )
    assert made.notify_customer is True
    assert sum(line.quantity for line in made.line_items.all()) == sum(
        i.current_quantity for i in order.line_items.all()
    )
    order.refresh_from_db()
    assert order.fulfillment_status == "FULFILLED"
    assert order.updated_at > before
    after = sum(
        SandboxInventoryLevel.objects.filter(
            item__variant__in=[i.variant_id for i in order.line_items.all()]
        ).values_list("committed", flat=True)
    )
    assert after < committed
    again = read(shipper, order)
    assert again["displayFulfillmentStatus"] == "FULFILLED"
    (closed,) = again["fulfillmentOrders"]["nodes"]
    assert closed["status"] == "CLOSED"
    assert closed["supportedActions"] == []
    assert {line["remainingQuantity"] for line in closed["lineItems"]["nodes"]} == {0}
    tracking = shipper(
        "query($id: ID!) { order(id: $id) { fulfillments { id name "
        "trackingInfo { number company url } } } }",
        {"id": order_gid(order)},
    )["data"]["order"]["fulfillments"]
    assert tracking[-1]["trackingInfo"] == [
        {
            "number": "1234567890123",
            "company": "Delhivery",
            "url": "https://www.delhivery.com/track/package/1234567890123",
        }
    ]
    topics = [r.headers["X-Shopify-Topic"] for r in receiver.requests]
    assert topics == ["fulfillments/create", "orders/fulfilled", "orders/updated"]
    created, *orders = receiver.requests
    assert validate("fulfillments/create", created.body.decode()) == []
    sent = json.loads(created.body)
    assert (sent["id"], sent["order_id"], sent["tracking_number"], sent["tracking_company"]) == (
        made.id,
        order.id,
        "1234567890123",
        "Delhivery",
    )
    assert sum(line["quantity"] for line in sent["line_items"]) == sum(
        line.quantity for line in made.line_items.all()
    )
    for request in orders:
        assert json.loads(request.body)["fulfillment_status"] == "fulfilled"
    # The reference has no orders/fulfilled schema; both carry the same order payload.
    assert validate("orders/updated", orders[1].body.decode()) == []


def test_a_second_fulfillment_finds_nothing_left_to_fulfil(shipper, order):
    (fo,) = read(shipper, order)["fulfillmentOrders"]["nodes"]
    assert fulfil(shipper, [fo["id"]])["data"]["fulfillmentCreate"]["userErrors"] == []

    payload = fulfil(shipper, [fo["id"]])["data"]["fulfillmentCreate"]

    assert payload["fulfillment"] is None
    assert payload["userErrors"][0]["field"] == [
        "fulfillment",
        "lineItemsByFulfillmentOrder",
        "0",
        "fulfillmentOrderId",
    ]
    assert SandboxFulfillment.objects.filter(order=order).count() == 1


def test_an_unknown_fulfillment_order_is_a_user_error(shipper, order):
    payload = fulfil(shipper, ["gid://shopify/FulfillmentOrder/42"])["data"]["fulfillmentCreate"]

    assert payload == {
        "fulfillment": None,
        "userErrors": [
            {
                "field": [
                    "fulfillment",
                    "lineItemsByFulfillmentOrder",
                    "0",
                    "fulfillmentOrderId",
                ],
                "message": "Fulfillment order does not exist.",
            }
        ],
    }


def test_part_of_a_line_leaves_the_order_partially_fulfilled(shipper, store):
    order = next(
        o
        for o in SandboxOrder.objects.filter(
            shop__domain=SHOP, cancelled_at__isnull=True, fulfillment_status="UNFULFILLED"
        ).order_by("number")
        if sum(i.current_quantity for i in o.line_items.all()) >= 2
    )
    (fo,) = read(shipper, order)["fulfillmentOrders"]["nodes"]
    line = fo["lineItems"]["nodes"][0]
    groups = [
        {
            "fulfillmentOrderId": fo["id"],
            "fulfillmentOrderLineItems": [{"id": line["id"], "quantity": 1}],
        }
    ]

    body = shipper(FULFILLMENT_CREATE, {"fulfillment": {"lineItemsByFulfillmentOrder": groups}})

    assert body["data"]["fulfillmentCreate"]["userErrors"] == []
    data = read(shipper, order)
    assert data["displayFulfillmentStatus"] == "PARTIALLY_FULFILLED"
    assert data["fulfillmentOrders"]["nodes"][0]["status"] == "IN_PROGRESS"


def test_fulfillment_create_needs_the_fulfillment_order_write_scope(gql, shipper, order):
    (fo,) = read(shipper, order)["fulfillmentOrders"]["nodes"]

    body = fulfil(gql, [fo["id"]])

    assert body["errors"][0]["extensions"]["code"] == "ACCESS_DENIED"
    assert "write_merchant_managed_fulfillment_orders" in body["errors"][0]["message"]
    order.refresh_from_db()
    assert order.fulfillment_status == "UNFULFILLED"


def test_reading_fulfillment_orders_needs_a_fulfillment_order_scope(gql, order):
    body = gql(ORDER_FULFILLMENT_ORDERS_QUERY, {"id": order_gid(order), "first": 5, "lineItems": 5})

    assert body["errors"][0]["extensions"]["code"] == "ACCESS_DENIED"
    assert "read_merchant_managed_fulfillment_orders" in body["errors"][0]["message"]


# --- fulfillmentEventCreate ----------------------------------------------------------------------
FULFILLMENT_READ = """
query($id: ID!) {
  order(id: $id) {
    fulfillments {
      id displayStatus inTransitAt deliveredAt estimatedDeliveryAt updatedAt
      events(first: 10, sortKey: HAPPENED_AT) {
        nodes { id status happenedAt estimatedDeliveryAt message }
      }
    }
  }
}
"""


def fulfilled(shipper, order) -> str:
    """The gid of the fulfillment ``fulfillmentCreate`` made of the whole order."""
    (fo,) = read(shipper, order)["fulfillmentOrders"]["nodes"]
    return fulfil(shipper, [fo["id"]])["data"]["fulfillmentCreate"]["fulfillment"]["id"]


def event(gql, fulfillment_gid: str, status: str, happened_at: str, **extra) -> dict:
    return gql(
        FULFILLMENT_EVENT_CREATE,
        {
            "fulfillmentEvent": {
                "fulfillmentId": fulfillment_gid,
                "status": status,
                "happenedAt": happened_at,
                **extra,
            }
        },
    )


def test_events_move_the_fulfillments_display_status_and_dates(shipper, order):
    made = fulfilled(shipper, order)
    before = shipper(FULFILLMENT_READ, {"id": order_gid(order)})["data"]["order"]
    (plain,) = before["fulfillments"]
    assert (plain["displayStatus"], plain["inTransitAt"], plain["deliveredAt"]) == (
        "FULFILLED",
        None,
        None,
    )

    moved = event(
        shipper,
        made,
        "IN_TRANSIT",
        "2026-11-02T10:00:00+05:30",
        estimatedDeliveryAt="2026-11-05T12:30:00Z",
        message="Dispatched from Bhiwandi",
    )["data"]["fulfillmentEventCreate"]
    assert moved["userErrors"] == []
    assert moved["fulfillmentEvent"]["id"].startswith("gid://shopify/FulfillmentEvent/")
    assert (moved["fulfillmentEvent"]["status"], moved["fulfillmentEvent"]["happenedAt"]) == (
        "IN_TRANSIT",
        "2026-11-02T04:30:00Z",
    )
    (transit,) = shipper(FULFILLMENT_READ, {"id": order_gid(order)})["data"]["order"][
        "fulfillments"
    ]
    assert (transit["displayStatus"], transit["inTransitAt"], transit["deliveredAt"]) == (
        "IN_TRANSIT",
        "2026-11-02T04:30:00Z",
        None,
    )
    assert transit["estimatedDeliveryAt"] == "2026-11-05T12:30:00Z"

    done = event(shipper, made, "DELIVERED", "2026-11-04T09:15:00Z")["data"]
    assert done["fulfillmentEventCreate"]["userErrors"] == []
    (delivered,) = shipper(FULFILLMENT_READ, {"id": order_gid(order)})["data"]["order"][
        "fulfillments"
    ]
    assert delivered["displayStatus"] == "DELIVERED"
    assert delivered["deliveredAt"] == "2026-11-04T09:15:00Z"
    assert delivered["inTransitAt"] == "2026-11-02T04:30:00Z"
    assert delivered["updatedAt"] >= transit["updatedAt"]
    assert [(e["status"], e["message"]) for e in delivered["events"]["nodes"]] == [
        ("IN_TRANSIT", "Dispatched from Bhiwandi"),
        ("DELIVERED", None),
    ]


def test_the_latest_event_by_happened_at_is_the_display_status(shipper, order):
    made = fulfilled(shipper, order)
    event(shipper, made, "OUT_FOR_DELIVERY", "2026-11-04T03:00:00Z")
    event(shipper, made, "IN_TRANSIT", "2026-11-03T03:00:00Z")  # reported late

    (read_back,) = shipper(FULFILLMENT_READ, {"id": order_gid(order)})["data"]["order"][
        "fulfillments"
    ]

    assert read_back["displayStatus"] == "OUT_FOR_DELIVERY"
    assert [e["status"] for e in read_back["events"]["nodes"]] == [
        "IN_TRANSIT",
        "OUT_FOR_DELIVERY",
    ]


def test_an_event_of_an_unknown_fulfillment_is_a_user_error(shipper, order):
    payload = event(shipper, "gid://shopify/Fulfillment/42", "DELIVERED", "2026-11-04T09:15:00Z")

    assert payload["data"]["fulfillmentEventCreate"] == {
        "fulfillmentEvent": None,
        "userErrors": [
            {
                "field": ["fulfillmentEvent", "fulfillmentId"],
                "message": "Fulfillment does not exist.",
            }
        ],
    }
    assert not SandboxFulfillmentEvent.objects.exists()


def test_an_event_needs_the_fulfillment_order_write_scope(gql, shipper, order):
    made = fulfilled(shipper, order)

    body = event(gql, made, "DELIVERED", "2026-11-04T09:15:00Z")

    assert body["errors"][0]["extensions"]["code"] == "ACCESS_DENIED"
    assert "write_merchant_managed_fulfillment_orders" in body["errors"][0]["message"]
    assert not SandboxFulfillmentEvent.objects.exists()


def test_a_status_outside_the_enum_or_a_bad_time_is_refused(shipper, order):
    made = fulfilled(shipper, order)

    assert "errors" in event(shipper, made, "PICKED_UP", "2026-11-04T09:15:00Z")
    bad_time = event(shipper, made, "DELIVERED", "yesterday")
    assert "happenedAt" in bad_time["errors"][0]["message"]
    assert not SandboxFulfillmentEvent.objects.exists()
