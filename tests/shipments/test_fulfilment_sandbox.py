"""A shipment's delivery progress written to its Shopify order, end to end: the real connector
over real HTTP against the Shopify sandbox. Booked → fulfilled with the AWB; the courier's
scans (through ``tracking_events_import``, the task queued after commit and run eagerly) →
one fulfillment event per status, ``DELIVERED`` shown on the fulfillment; an unknown
fulfilment and a token without the scope are recorded on the shipment."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.conf import settings

from integrations.dto import ShipmentStatus, TrackingEventDTO
from orders.services import order_import
from shipments.models import Shipment
from shipments.services.fulfilment import shipment_fulfil_on_channel, shipment_fulfilment_event
from shipments.services.tracking import tracking_events_import
from tests.factories import ChannelAccountFactory, MembershipFactory, order_dto

SHOP = "delivered-test.myshopify.com"
T0 = datetime(2026, 11, 2, 4, 30, tzinfo=UTC)
S = ShipmentStatus
WITHOUT_FULFILMENT = (
    "read_orders,write_orders,read_products,read_merchant_managed_fulfillment_orders"
)

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def sandbox_store(transactional_db):
    from sandbox.shopify.services import seed_shop

    return seed_shop(shop=SHOP, products=3, variants=6, orders=4, days=5, seed=5)


def booked(hub, *, scope: str) -> Shipment:
    """A Delhivery shipment of a new open order of the sandbox store, connected with a token
    for ``scope``."""
    from sandbox.shopify import services as sandbox
    from tests.e2e.conftest import token_connect

    owner = MembershipFactory()
    store = token_connect(hub, owner, shop=SHOP, scope=scope)
    (placed,) = sandbox.simulate_orders(shop=SHOP, count=1, seed=9, deliver=False)
    order_import(account=store, order=order_dto(str(placed.id)))
    courier = ChannelAccountFactory(
        merchant=owner.merchant, provider="delhivery", external_id="SANGAMDEMO"
    )
    return Shipment.objects.create(
        merchant=owner.merchant,
        order=store.orders.get(external_id=str(placed.id)),
        account=courier,
        awb="26805710009999",
        courier_name="Delhivery",
        payment_method="cod",
    )


def scan(status: str, hours: float) -> TrackingEventDTO:
    return TrackingEventDTO(
        awb="26805710009999",
        at=T0 + timedelta(hours=hours),
        status=status,
        raw_status=status,
        raw_type="UD",
    )


def sandbox_fulfillment(shipment: Shipment):
    from sandbox.shopify.models import SandboxFulfillment

    return SandboxFulfillment.objects.get(pk=int(shipment.channel_fulfillment_id))


def test_each_status_reaches_the_store_once_and_delivered_shows_on_the_fulfillment(
    hub, sandbox_store
):
    from sandbox.shopify import fulfillment_events

    shipment = booked(hub, scope=settings.SHOPIFY_SCOPES)
    assert shipment_fulfil_on_channel(shipment=shipment) is True
    courier = shipment.account

    tracking_events_import(account=courier, events=[scan(S.MANIFESTED, 0)])
    tracking_events_import(account=courier, events=[scan(S.IN_TRANSIT, 6)])
    tracking_events_import(account=courier, events=[scan(S.IN_TRANSIT, 6)])  # pushed again
    tracking_events_import(
        account=courier, events=[scan(S.IN_TRANSIT, 12), scan(S.OUT_FOR_DELIVERY, 40)]
    )
    tracking_events_import(account=courier, events=[scan(S.DELIVERED, 44)])

    shipment.refresh_from_db()
    made = sandbox_fulfillment(shipment)
    assert [(e.status, e.happened_at) for e in made.events.order_by("id")] == [
        ("IN_TRANSIT", T0 + timedelta(hours=6)),
        ("OUT_FOR_DELIVERY", T0 + timedelta(hours=40)),
        ("DELIVERED", T0 + timedelta(hours=44)),
    ]
    assert fulfillment_events.display_status(made) == "DELIVERED"
    assert fulfillment_events.delivered_at(made) == T0 + timedelta(hours=44)
    assert (shipment.status, shipment.channel_event_status, shipment.channel_sync_error) == (
        S.DELIVERED,
        "DELIVERED",
        "",
    )
    # Written already: the service sends it no second time.
    assert shipment_fulfilment_event(shipment=shipment, status=S.DELIVERED) is False
    assert made.events.count() == 3


def test_an_unknown_fulfilment_is_recorded_on_the_shipment(hub, sandbox_store):
    shipment = booked(hub, scope=settings.SHOPIFY_SCOPES)
    Shipment.objects.filter(pk=shipment.pk).update(
        channel_fulfillment_id="42", status=S.DELIVERED, status_at=T0
    )
    shipment.refresh_from_db()

    assert shipment_fulfilment_event(shipment=shipment, status=S.DELIVERED) is False

    shipment.refresh_from_db()
    assert "Fulfillment does not exist" in shipment.channel_sync_error
    assert shipment.channel_event_status == ""


def test_a_token_without_the_scope_is_recorded_as_a_refusal(hub, sandbox_store):
    from sandbox.shopify.models import SandboxApp, SandboxFulfillmentEvent, SandboxShop
    from sandbox.shopify.oauth import issue_token

    written = booked(hub, scope=settings.SHOPIFY_SCOPES)
    assert shipment_fulfil_on_channel(shipment=written) is True
    # The store's token is then replaced by one granted without the write scope.
    store = written.order.account
    token = issue_token(
        shop=SandboxShop.objects.get(domain=SHOP),
        app=SandboxApp.objects.get(api_key=settings.SHOPIFY_API_KEY),
        scope=WITHOUT_FULFILMENT,
    )
    store.set_credentials({**store.get_credentials(), "access_token": token})
    store.save()
    Shipment.objects.filter(pk=written.pk).update(status=S.DELIVERED, status_at=T0)
    written.refresh_from_db()

    assert shipment_fulfilment_event(shipment=written, status=S.DELIVERED) is False

    written.refresh_from_db()
    assert "write_merchant_managed_fulfillment_orders" in written.channel_sync_error
    assert written.channel_event_status == ""
    assert not SandboxFulfillmentEvent.objects.exists()
