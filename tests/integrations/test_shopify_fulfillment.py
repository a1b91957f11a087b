"""Fulfilment written back to Shopify (``ShopifyConnector.write_fulfillment``): which
fulfillment orders are shipped (pure), and the real connector over real HTTP against the
sandbox: the order is fulfilled once with the tracking and reads ``FULFILLED`` through the
normal order mapping; a second write finds nothing to fulfil; a token without the scope is
refused for good. Then its delivery progress (``write_fulfillment_event``): one event per
call, ``DELIVERED`` shown on the fulfillment, an unknown fulfillment rejected, a token without
the scope refused for good."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.conf import settings

from integrations.connectors.base import Capability
from integrations.connectors.shopify.connector import ShopifyConnector
from integrations.connectors.shopify.fulfillment.plan import fulfillable_ids, fulfillment_input
from integrations.connectors.shopify.fulfillment.writeback import FULFILLMENT_SCOPE
from integrations.dto import AccountHandle
from integrations.http import ConnectorError, HttpClient, RejectedError
from tests.factories import MembershipFactory

SHOP = "fulfil-test.myshopify.com"
# The default scopes without the fulfillment-order one: a store installed before Sangam asked
# for it.
WITHOUT_FULFILMENT = "read_orders,write_orders,read_returns,read_products,read_inventory"


def node(gid: str, status: str, actions=("CREATE_FULFILLMENT",), remaining=(1,)) -> dict:
    return {
        "id": gid,
        "status": status,
        "supportedActions": [{"action": a} for a in actions],
        "lineItems": {
            "nodes": [
                {"id": f"{gid}-l{i}", "remainingQuantity": q} for i, q in enumerate(remaining)
            ]
        },
    }


def test_only_open_fulfillment_orders_that_can_be_fulfilled_are_chosen():
    nodes = [
        node("open", "OPEN"),
        node("in-progress", "IN_PROGRESS", remaining=(0, 2)),
        node("closed", "CLOSED", actions=()),
        node("on-hold", "ON_HOLD", actions=("RELEASE_HOLD",)),
        node("third-party", "OPEN", actions=("REQUEST_FULFILLMENT",)),
        node("nothing-left", "OPEN", remaining=(0,)),
    ]

    assert fulfillable_ids(nodes) == ["open", "in-progress"]
    assert fulfillable_ids([]) == []


def test_the_fulfillment_input_ships_everything_with_the_tracking_given():
    assert fulfillment_input(
        ["gid://shopify/FulfillmentOrder/1"],
        tracking_number="AWB1",
        company="Delhivery",
        tracking_url="",
        notify_customer=True,
    ) == {
        "lineItemsByFulfillmentOrder": [{"fulfillmentOrderId": "gid://shopify/FulfillmentOrder/1"}],
        "notifyCustomer": True,
        "trackingInfo": {"number": "AWB1", "company": "Delhivery"},
    }


def test_the_connector_declares_the_capability_and_the_scope():
    assert Capability.FULFILLMENT_WRITEBACK in ShopifyConnector.capabilities
    assert FULFILLMENT_SCOPE in ShopifyConnector.scope_effects
    assert FULFILLMENT_SCOPE in settings.SHOPIFY_SCOPES.split(",")  # asked for by default
    assert FULFILLMENT_SCOPE not in WITHOUT_FULFILMENT


def test_an_event_status_outside_shopifys_enum_is_refused_before_any_call():
    connector = ShopifyConnector(
        AccountHandle(
            id=1,
            merchant_id=1,
            provider="shopify",
            external_id=SHOP,
            base_url="http://127.0.0.1:9",
            credentials={"access_token": "t"},
        ),
        HttpClient(provider="shopify"),
    )
    with pytest.raises(ValueError, match="PICKED_UP"):
        connector.write_fulfillment_event(
            fulfillment_id="1", status="PICKED_UP", happened_at=datetime.now(UTC)
        )


# --- against the sandbox over real HTTP ----------------------------------------------------------
@pytest.fixture
def store(transactional_db):
    from sandbox.shopify.services import seed_shop

    return seed_shop(shop=SHOP, products=3, variants=6, orders=6, days=5, seed=7)


def connect(hub, scope: str):
    from integrations.services.accounts import build_connector
    from tests.e2e.conftest import token_connect

    account = token_connect(
        hub, MembershipFactory(user__username=f"owner-{len(scope)}"), shop=SHOP, scope=scope
    )
    return build_connector(account)


def open_order():
    from sandbox.shopify import services as sandbox

    (order,) = sandbox.simulate_orders(shop=SHOP, count=1, seed=3, deliver=False)
    return order


@pytest.mark.django_db(transaction=True)
def test_write_fulfillment_fulfils_the_order_once_over_real_http(hub, store):
    from sandbox.shopify.models import SandboxFulfillment

    connector = connect(hub, settings.SHOPIFY_SCOPES)
    order = open_order()
    start = datetime.now(UTC) - timedelta(seconds=5)

    fulfillment_id = connector.write_fulfillment(
        order_external_id=str(order.id),
        tracking_number="1234567890123",
        company="Delhivery",
        tracking_url="https://www.delhivery.com/track/package/1234567890123",
    )

    assert fulfillment_id.isdigit()
    made = SandboxFulfillment.objects.get(pk=int(fulfillment_id))
    assert made.order_id == order.id
    assert (made.tracking_number, made.tracking_company, made.notify_customer) == (
        "1234567890123",
        "Delhivery",
        True,
    )
    page = connector.fetch_orders(since=start, cursor=None)
    (dto,) = [o for o in page.items if o.external_id == str(order.id)]
    assert dto.fulfillment_status == "FULFILLED"

    with pytest.raises(RejectedError, match="nothing left to fulfil"):
        connector.write_fulfillment(
            order_external_id=str(order.id),
            tracking_number="1234567890123",
            company="Delhivery",
            tracking_url="",
        )
    assert SandboxFulfillment.objects.filter(order_id=order.id).count() == 1


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("extra", ["", ",read_merchant_managed_fulfillment_orders"])
def test_write_fulfillment_without_the_scope_is_a_permanent_error(hub, store, extra):
    """Refused at the read (no fulfillment-order scope) or at ``fulfillmentCreate`` (read
    only): ``ACCESS_DENIED`` either way."""
    connector = connect(hub, WITHOUT_FULFILMENT + extra)
    order = open_order()

    with pytest.raises(ConnectorError) as raised:
        connector.write_fulfillment(
            order_external_id=str(order.id),
            tracking_number="1234567890123",
            company="Delhivery",
            tracking_url="",
        )

    assert raised.value.permanent
    assert not isinstance(raised.value, RejectedError)
    order.refresh_from_db()
    assert order.fulfillment_status == "UNFULFILLED"


@pytest.mark.django_db(transaction=True)
def test_write_fulfillment_of_an_unknown_order_is_rejected(hub, store):
    connector = connect(hub, settings.SHOPIFY_SCOPES)

    with pytest.raises(RejectedError, match="does not exist"):
        connector.write_fulfillment(
            order_external_id="42", tracking_number="1", company="Delhivery", tracking_url=""
        )


def fulfilled(connector) -> str:
    """A new open order fulfilled through the connector; its fulfillment's id."""
    return connector.write_fulfillment(
        order_external_id=str(open_order().id),
        tracking_number="1234567890123",
        company="Delhivery",
        tracking_url="https://www.delhivery.com/track/package/1234567890123",
    )


@pytest.mark.django_db(transaction=True)
def test_write_fulfillment_event_records_each_event_and_delivered_shows_on_the_fulfillment(
    hub, store
):
    from sandbox.shopify.models import SandboxFulfillment, SandboxFulfillmentEvent

    connector = connect(hub, settings.SHOPIFY_SCOPES)
    fulfillment_id = fulfilled(connector)
    t0 = datetime(2026, 11, 2, 4, 30, tzinfo=UTC)
    eta = t0 + timedelta(days=3)

    first = connector.write_fulfillment_event(
        fulfillment_id=fulfillment_id,
        status="IN_TRANSIT",
        happened_at=t0,
        message="Dispatched",
        estimated_delivery_at=eta,
    )
    second = connector.write_fulfillment_event(
        fulfillment_id=fulfillment_id, status="DELIVERED", happened_at=t0 + timedelta(hours=40)
    )

    assert first.isdigit()
    assert second.isdigit()
    assert first != second
    events = SandboxFulfillmentEvent.objects.filter(fulfillment_id=int(fulfillment_id))
    assert [(e.status, e.happened_at, e.estimated_delivery_at, e.message) for e in events] == [
        ("IN_TRANSIT", t0, eta, "Dispatched"),
        ("DELIVERED", t0 + timedelta(hours=40), None, ""),
    ]
    made = SandboxFulfillment.objects.get(pk=int(fulfillment_id))
    (read,) = connector.gql.execute(
        "query($id: ID!) { order(id: $id) { fulfillments { id displayStatus deliveredAt "
        "inTransitAt } } }",
        {"id": f"gid://shopify/Order/{made.order_id}"},
    )["order"]["fulfillments"]
    assert read == {
        "id": f"gid://shopify/Fulfillment/{fulfillment_id}",
        "displayStatus": "DELIVERED",
        "deliveredAt": "2026-11-03T20:30:00Z",
        "inTransitAt": "2026-11-02T04:30:00Z",
    }
    assert made.status == "SUCCESS"


@pytest.mark.django_db(transaction=True)
def test_write_fulfillment_event_of_an_unknown_fulfillment_is_rejected(hub, store):
    connector = connect(hub, settings.SHOPIFY_SCOPES)

    with pytest.raises(RejectedError, match="Fulfillment does not exist"):
        connector.write_fulfillment_event(
            fulfillment_id="42", status="DELIVERED", happened_at=datetime.now(UTC)
        )


@pytest.mark.django_db(transaction=True)
def test_write_fulfillment_event_without_the_scope_is_a_permanent_error(hub, store):
    from sandbox.shopify.models import SandboxFulfillmentEvent

    fulfillment_id = fulfilled(connect(hub, settings.SHOPIFY_SCOPES))
    narrow = connect(hub, WITHOUT_FULFILMENT + ",read_merchant_managed_fulfillment_orders")

    with pytest.raises(ConnectorError) as raised:
        narrow.write_fulfillment_event(
            fulfillment_id=fulfillment_id, status="DELIVERED", happened_at=datetime.now(UTC)
        )

    assert raised.value.permanent
    assert not isinstance(raised.value, RejectedError)
    assert not SandboxFulfillmentEvent.objects.exists()
