"""Sandbox ``orderUpdate`` (note and tags, ``write_orders`` scope, ``orders/updated``) and the
sandbox refund service (``refund_order``: order and stock changes, a signed ``refunds/create``
whose body is valid against Shopify's 2025-01 JSON Schema)."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from integrations.connectors.shopify.queries import ORDER_TAGS_QUERY, ORDER_UPDATE
from sandbox.shopify import services
from sandbox.shopify.models import SandboxInventoryLevel, SandboxOrder, SandboxWebhookDelivery
from sandbox.shopify.webhooks.delivery import sign_body
from tests.sandbox.conftest import SHOP
from tests.sandbox.shopify.test_webhooks import subscribe, validate

pytestmark = pytest.mark.django_db


@pytest.fixture
def writer(client, store, app):
    """GraphQL with a token that may write orders."""
    from tests.sandbox.conftest import GraphQL

    token = services.issue_access_token(
        shop=SHOP, api_key=app.api_key, scope="read_orders,write_orders,read_products"
    )
    return GraphQL(client, token)


@pytest.fixture
def order(store):
    found = SandboxOrder.objects.filter(shop__domain=SHOP, cancelled_at__isnull=True).first()
    found.tags, found.note = ["vip", "gift"], "Leave at the gate"
    found.save(update_fields=["tags", "note"])
    return found


def order_gid(order) -> str:
    return f"gid://shopify/Order/{order.id}"


def test_order_update_overwrites_note_and_tags_and_answers_the_order(writer, order):
    body = writer(
        ORDER_UPDATE,
        {
            "input": {
                "id": order_gid(order),
                "note": "Leave at the gate\nSangam return R1: QC passed",
                "tags": ["vip", " gift ", "GIFT", "", "sangam-return-qc-passed"],
            }
        },
    )

    payload = body["data"]["orderUpdate"]
    assert payload["userErrors"] == []
    assert payload["order"] == {
        "id": order_gid(order),
        "note": "Leave at the gate\nSangam return R1: QC passed",
        "tags": ["vip", "gift", "sangam-return-qc-passed"],
    }
    order.refresh_from_db()
    assert order.tags == ["vip", "gift", "sangam-return-qc-passed"]
    assert order.note == "Leave at the gate\nSangam return R1: QC passed"
    read = writer(ORDER_TAGS_QUERY, {"id": order_gid(order)})["data"]["order"]
    assert read["tags"] == order.tags


def test_order_update_leaves_fields_it_was_not_given(writer, order):
    writer(ORDER_UPDATE, {"input": {"id": order_gid(order), "tags": ["vip"]}})

    order.refresh_from_db()
    assert (order.tags, order.note) == (["vip"], "Leave at the gate")


def test_order_update_emits_orders_updated(
    writer, gql, order, receiver, django_capture_on_commit_callbacks
):
    subscribe(gql, receiver.url, ["ORDERS_UPDATED"])
    with django_capture_on_commit_callbacks(execute=True):
        writer(ORDER_UPDATE, {"input": {"id": order_gid(order), "note": "checked"}})

    (request,) = receiver.requests
    assert request.headers["X-Shopify-Topic"] == "orders/updated"
    sent = json.loads(request.body)
    assert (sent["id"], sent["note"], sent["tags"]) == (order.id, "checked", "vip, gift")


def test_order_update_needs_the_write_orders_scope(gql, order):
    body = gql(ORDER_UPDATE, {"input": {"id": order_gid(order), "note": "x"}})

    assert body["errors"][0]["extensions"]["code"] == "ACCESS_DENIED"
    assert "write_orders" in body["errors"][0]["message"]
    order.refresh_from_db()
    assert order.note == "Leave at the gate"


def test_order_update_of_an_unknown_order_is_a_user_error(writer, order):
    body = writer(ORDER_UPDATE, {"input": {"id": "gid://shopify/Order/42", "note": "x"}})

    assert body["data"]["orderUpdate"] == {
        "order": None,
        "userErrors": [{"field": ["id"], "message": "Order does not exist"}],
    }


def test_order_update_refuses_input_it_does_not_simulate(writer, order):
    body = writer(ORDER_UPDATE, {"input": {"id": order_gid(order), "poNumber": "PO-7"}})

    assert body["errors"][0]["extensions"]["code"] == "SANDBOX_NOT_IMPLEMENTED"
    assert "OrderInput.poNumber" in body["errors"][0]["message"]


# --- refunds -------------------------------------------------------------------------------------
def paid_order(seed: int) -> SandboxOrder:
    placed = services.simulate_orders(shop=SHOP, count=1, seed=seed, deliver=False)[0]
    return services.update_order(placed, financial_status="PAID")


def level_of(item) -> SandboxInventoryLevel:
    return SandboxInventoryLevel.objects.get(
        item=item.variant.inventory_item, location__is_primary=True
    )


def test_refund_of_shipped_units_is_a_signed_schema_valid_refunds_create(
    gql, app, receiver, store, django_capture_on_commit_callbacks
):
    subscribe(gql, receiver.url, ["REFUNDS_CREATE", "ORDERS_UPDATED"])
    order = services.fulfill_order(paid_order(seed=21))
    item = order.line_items.first()
    available_before = level_of(item).available

    with django_capture_on_commit_callbacks(execute=True):
        payload = services.refund_order(order, lines={item.id: 1}, note="Too small")

    refund = next(r for r in receiver.requests if r.headers["X-Shopify-Topic"] == "refunds/create")
    assert refund.headers["X-Shopify-Hmac-Sha256"] == sign_body(refund.body, app.api_secret)
    assert validate("refunds/create", refund.body.decode()) == []
    body = json.loads(refund.body)
    assert body == json.loads(json.dumps(payload))
    assert (body["order_id"], body["note"], body["restock"]) == (order.id, "Too small", False)
    assert body["id"] > 2**53
    (line,) = body["refund_line_items"]
    assert (line["line_item_id"], line["quantity"], line["restock_type"], line["location_id"]) == (
        item.id,
        1,
        "no_restock",
        None,
    )
    assert line["line_item"]["sku"] == item.sku
    assert line["line_item"]["fulfillment_status"] == "fulfilled"
    unit = ((item.price * item.quantity - item.total_discount) / item.quantity).quantize(
        Decimal("0.01")
    )
    assert line["subtotal_set"]["shop_money"]["amount"] == f"{unit:.2f}"
    (transaction,) = body["transactions"]
    assert (transaction["kind"], transaction["amount"]) == ("refund", f"{unit:.2f}")
    assert "orders/updated" in {r.headers["X-Shopify-Topic"] for r in receiver.requests}
    order.refresh_from_db()
    item.refresh_from_db()
    assert item.current_quantity == item.quantity - 1
    assert order.total_refunded == unit
    assert order.financial_status in ("PARTIALLY_REFUNDED", "REFUNDED")
    assert level_of(item).available == available_before  # not restocked


def test_a_restocked_return_puts_units_back_at_the_primary_location(gql, store):
    subscribe(gql, "http://127.0.0.1:9/hooks", ["REFUNDS_CREATE", "INVENTORY_LEVELS_UPDATE"])
    order = services.fulfill_order(paid_order(seed=22))
    item = order.line_items.first()
    before = level_of(item).available

    payload = services.refund_order(order, lines={item.id: 1}, restock=True, deliver=False)

    (line,) = payload["refund_line_items"]
    assert (line["restock_type"], line["location_id"]) == ("return", level_of(item).location_id)
    assert payload["restock"] is True
    assert level_of(item).available == before + 1
    topics = set(SandboxWebhookDelivery.objects.values_list("topic", flat=True))
    assert topics == {"refunds/create", "inventory_levels/update"}
    delivery = SandboxWebhookDelivery.objects.get(topic="refunds/create")
    assert validate("refunds/create", delivery.body) == []


def test_refunding_unshipped_units_cancels_them_and_releases_committed_stock(gql, store):
    subscribe(gql, "http://127.0.0.1:9/hooks", ["REFUNDS_CREATE"])
    order = paid_order(seed=23)
    item = order.line_items.first()
    level = level_of(item)

    payload = services.refund_order(order, restock=True, deliver=False)

    assert {line["restock_type"] for line in payload["refund_line_items"]} == {"cancel"}
    after = level_of(item)
    assert (after.available, after.committed) == (
        level.available + item.quantity,
        level.committed - item.quantity,
    )
    order.refresh_from_db()
    assert order.total_refunded == order.total_price - order.total_shipping  # not shipping
    assert order.financial_status == ("PARTIALLY_REFUNDED" if order.total_shipping else "REFUNDED")
    assert set(order.line_items.values_list("current_quantity", flat=True)) == {0}
    assert validate("refunds/create", SandboxWebhookDelivery.objects.get().body) == []


@pytest.mark.parametrize(
    ("units", "message"),
    [(0, "can refund 1.."), (99, "can refund 1..")],
)
def test_refund_refuses_units_that_are_not_on_the_line(store, units, message):
    order = paid_order(seed=24)
    item = order.line_items.first()

    with pytest.raises(ValueError, match=message):
        services.refund_order(order, lines={item.id: units})

    item.refresh_from_db()
    assert item.current_quantity == item.quantity
