"""Fulfilment written back to Shopify (``ShopifyConnector.write_fulfillment``): which
fulfillment orders are shipped (pure), and the real connector over real HTTP against the
sandbox: the order is fulfilled once with the tracking and reads ``FULFILLED`` through the
normal order mapping; a second write finds nothing to fulfil; a token without the scope is
refused for good."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.conf import settings

from integrations.connectors.base import Capability
from integrations.connectors.shopify.connector import ShopifyConnector
from integrations.connectors.shopify.fulfillment.plan import fulfillable_ids, fulfillment_input
from integrations.connectors.shopify.fulfillment.writeback import FULFILLMENT_SCOPE
from integrations.http import ConnectorError, RejectedError
from tests.factories import MembershipFactory

SHOP = "fulfil-test.myshopify.com"


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

    connector = connect(hub, f"{settings.SHOPIFY_SCOPES},{FULFILLMENT_SCOPE}")
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
    connector = connect(hub, settings.SHOPIFY_SCOPES + extra)
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
    connector = connect(hub, f"{settings.SHOPIFY_SCOPES},{FULFILLMENT_SCOPE}")

    with pytest.raises(RejectedError, match="does not exist"):
        connector.write_fulfillment(
            order_external_id="42", tracking_number="1", company="Delhivery", tracking_url=""
        )
