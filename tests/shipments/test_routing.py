"""Booking by the courier rules over real HTTP (the Delhivery sandbox on the live server, and
a scripted courier on loopback): each order goes to its rule's courier, one that does not
serve the pincode hands the order to the next matching courier, an order no courier serves is
refused with every reason; then the forward and RTO freight are quoted once per distinct
(origin, destination, weight slab, payment) and stored, and a failed quote leaves them null."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.cache import cache

from integrations.dto import PaymentMethod
from integrations.services.accounts import connect_with_credentials
from shipments.models import CourierRule, Shipment
from shipments.services.booking import shipments_book
from shipments.services.charges import shipments_charges_quote, weight_slab
from tests.factories import ChannelAccountFactory
from tests.integrations.conftest import Reply
from tests.shipments.conftest import shippable_order

pytestmark = pytest.mark.django_db(transaction=True)

ORIGIN = "110044"


@pytest.fixture(autouse=True)
def _run_queue_inline(monkeypatch):
    """Queued tasks (fulfilment, quotes) run at once in the test's thread."""
    import integrations.tasks as tasks

    monkeypatch.setattr(tasks, "enqueue", lambda task, *args, **kw: task.apply(args=args))
    cache.clear()


def sandbox_courier(merchant, name: str, **settings):
    from sandbox.delhivery.seed import default_token, seed_client

    seed_client(name, warehouse=f"{name}-WH", warehouse_pin=ORIGIN)
    account = connect_with_credentials(
        merchant=merchant,
        provider="delhivery",
        data={
            "api_token": default_token(name),
            "client_name": name,
            "pickup_location": f"{name}-WH",
            **settings,
        },
        use_sandbox=True,
    )
    account.refresh_from_db()
    return account


@pytest.fixture
def store(merchant):
    """A self-shipped marketplace account: booking talks to the courier only."""
    return ChannelAccountFactory(merchant=merchant, provider="flipkart")


def rule(account, priority, **conditions):
    return CourierRule.objects.create(
        merchant=account.merchant, account=account, name=f"r{priority}", priority=priority,
        **conditions,
    )  # fmt: skip


def test_orders_go_to_their_rules_courier_and_one_nobody_serves_is_refused(hub, merchant, store):
    pune = sandbox_courier(merchant, "RULE-PUNE")
    national = sandbox_courier(merchant, "RULE-NATIONAL")
    rule(pune, 10, pincodes="411", courier_hint="17")
    rule(national, 20)
    local = shippable_order(store, ship_pincode="411005")
    far = shippable_order(store, ship_pincode="560034", ship_city="Bengaluru")
    oda_cod = shippable_order(store, ship_pincode="781001", payment_method=PaymentMethod.COD)

    booking = shipments_book(orders=[local, far, oda_cod])

    accounts = {s.order_id: s.account_id for s in booking.shipments}
    assert accounts == {local.pk: pune.pk, far.pk: national.pk}
    assert "r10" in booking.routes[local.pk]
    reason = booking.refused[oda_cod.pk]
    assert "RULE-NATIONAL does not deliver COD orders to pincode 781001" in reason
    from sandbox.delhivery.models import SandboxDelhiveryShipment

    booked = SandboxDelhiveryShipment.objects.get(waybill=Shipment.objects.get(order=local).awb)
    assert booked.pin == "411005"


def test_a_courier_that_does_not_serve_the_pincode_hands_it_to_the_next_rule(
    hub, merchant, store, scripted_server
):
    narrow = ChannelAccountFactory(
        merchant=merchant,
        provider="delhivery",
        external_id="NARROW",
        display_name="Narrow courier",
        api_base_url=scripted_server.url,
        credentials={"api_token": "t", "client_name": "NARROW"},
    )
    scripted_server.script(Reply(body={"delivery_codes": []}))
    national = sandbox_courier(merchant, "RULE-NATIONAL2")
    rule(narrow, 10)
    rule(national, 20)
    order = shippable_order(store, ship_pincode="411005")

    booking = shipments_book(orders=[order])

    assert [s.account_id for s in booking.shipments] == [national.pk]
    assert "Narrow courier does not deliver COD orders" in booking.routes[order.pk]
    assert [r.path for r in scripted_server.requests] == ["/c/api/pin-codes/json/"]


def test_charges_are_quoted_once_per_key_and_stored_at_booking(hub, merchant, store):
    from sandbox.delhivery.services import COD_CHARGE

    courier = sandbox_courier(merchant, "RULE-QUOTE", pickup_pincode=ORIGIN)
    orders = [shippable_order(store, ship_pincode="411005") for _ in range(2)]

    booking = shipments_book(account=courier, orders=orders)

    assert len(booking.shipments) == 2
    rows = list(Shipment.objects.filter(account=courier).order_by("pk"))
    for row in rows:
        assert row.freight > 0
        assert row.cod_fee == Decimal(str(COD_CHARGE))
        assert row.charges_gst == ((row.freight + row.cod_fee) * Decimal("0.18")).quantize(
            Decimal("0.01")
        )
        assert row.rto_freight == row.freight  # the sandbox prices the return leg as the forward
    assert rows[0].freight == rows[1].freight
    # A third parcel of the same key is quoted from the cache: no courier call.
    Shipment.objects.filter(pk=rows[0].pk).update(freight=None)
    assert shipments_charges_quote(shipment_ids=[rows[0].pk]) == {
        "quoted": 1,
        "calls": 0,
        "failed": 0,
    }


def test_a_failed_quote_leaves_the_charges_null_and_the_booking_stands(
    merchant, store, scripted_server
):
    courier = ChannelAccountFactory(
        merchant=merchant,
        provider="delhivery",
        external_id="QUOTEFAIL",
        api_base_url=scripted_server.url,
        credentials={"api_token": "t", "client_name": "QUOTEFAIL"},
        settings={"client_name": "QUOTEFAIL", "pickup_pincode": ORIGIN},
    )
    order = shippable_order(store, ship_pincode="411005")
    shipment = Shipment.objects.create(
        merchant=merchant, order=order, account=courier, awb="QF1", payment_method="cod",
        weight_grams=600,
    )  # fmt: skip
    scripted_server.script(Reply(status=400, body={"error": "Unable to process o_pin"}))

    counts = shipments_charges_quote(shipment_ids=[shipment.pk])

    shipment.refresh_from_db()
    assert counts == {"quoted": 0, "calls": 0, "failed": 1}
    assert (shipment.freight, shipment.rto_freight, shipment.charges_gst) == (None, None, None)
    request = scripted_server.requests[0]
    assert "cgm=1000" in request.query
    assert "o_pin=110044" in request.query


@pytest.mark.parametrize(("grams", "slab"), [(1, 500), (500, 500), (501, 1000), (0, 500)])
def test_the_weight_slab_rounds_up_to_500_grams(grams, slab):
    assert weight_slab(grams) == slab
