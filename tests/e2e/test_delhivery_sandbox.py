"""The Delhivery connector over real HTTP against the Delhivery sandbox, through the hub:
connect (the token checked, a push token issued), book shipments, let the sandbox's clock play
the journeys out while its scan pushes reach the inbox, and, with a share of the pushes lost,
let the poll bring every shipment to its true final status."""

from __future__ import annotations

from dataclasses import replace

import pytest
from django.core.management import call_command

from integrations.dto import OrderStatus, PaymentMethod, ShipmentStatus
from integrations.models import WebhookEvent
from integrations.services.accounts import connect_with_credentials
from orders.models import Order
from orders.services import order_import
from shipments.models import Shipment
from shipments.services.booking import shipments_book
from shipments.services.tracking import shipments_track_account
from tests.factories import ChannelAccountFactory, order_dto

pytestmark = pytest.mark.django_db(transaction=True)

CLIENT = "e2e-dlv-client"
TOKEN = "e2e0123456789abcdef0123456789abcdef0123"
WAREHOUSE = "E2E-WH"
TRUE_STATUS = {
    "delivered": ShipmentStatus.DELIVERED,
    "rto": ShipmentStatus.RTO_DELIVERED,
    "lost": ShipmentStatus.LOST,
}


@pytest.fixture
def sandbox_client(transactional_db):
    from sandbox.delhivery.seed import seed_client

    return seed_client(CLIENT, token=TOKEN, warehouse=WAREHOUSE, warehouse_pin="110044")


@pytest.fixture
def courier(hub, merchant, sandbox_client):
    account = connect_with_credentials(
        merchant=merchant,
        provider="delhivery",
        data={"api_token": TOKEN, "client_name": CLIENT, "pickup_location": WAREHOUSE},
        use_sandbox=True,
    )
    account.refresh_from_db()
    push_token = account.get_credentials()["push_token"]
    sandbox_client.push_url = f"{hub}/api/webhooks/delhivery/{push_token}"
    sandbox_client.save(update_fields=["push_url"])
    return account


def imported(shop, external_id: str, *, cod: bool = True, pincode: str = "411005", **changes):
    """An order of ``shop`` with a full shipping address, as the store mapping gives it."""
    dto = order_dto(external_id, payment_method=PaymentMethod.COD if cod else PaymentMethod.PREPAID)
    address = {
        "name": "Asha Verma",
        "address1": "14 FC Road",
        "address2": "Shivajinagar",
        "phone": "9876543210",
        "pincode": pincode,
        **changes,
    }
    ship_to = replace(dto.ship_to, **address)
    order_import(account=shop, order=replace(dto, ship_to=ship_to))
    return Order.objects.get(account=shop, external_id=external_id)


def store(merchant):
    """A self-shipped marketplace account (no fulfilment write-back: that is tested against
    the Shopify sandbox in tests/integrations/test_shopify_fulfillment.py), so booking here
    talks to the courier only."""
    return ChannelAccountFactory(merchant=merchant, provider="flipkart")


def book(merchant, courier, count: int, prefix: str) -> list[Shipment]:
    """Import ``count`` orders on a store account (two in three COD) and book them all."""
    shop = store(merchant)
    orders = [imported(shop, f"{prefix}{i}", cod=i % 3 != 0) for i in range(count)]
    booking = shipments_book(account=courier, orders=orders)
    assert booking.refused == {}
    assert len(booking.shipments) == count
    return booking.shipments


def test_booking_checks_each_order_and_the_couriers_pincodes(merchant, courier):
    shop = store(merchant)
    good = imported(shop, "B1")
    prepaid_far = imported(shop, "B2", cod=False, pincode="781001")  # ODA: prepaid only
    cod_far = imported(shop, "B3", pincode="781001")
    nowhere = imported(shop, "B4", pincode="999999")
    no_address = imported(shop, "B5", address1="")
    cancelled = imported(shop, "B6")
    Order.objects.filter(pk=cancelled.pk).update(status=OrderStatus.CANCELLED)

    booking = shipments_book(
        account=courier, orders=[good, prepaid_far, cod_far, nowhere, no_address, cancelled]
    )

    assert sorted(s.order_id for s in booking.shipments) == [good.pk, prepaid_far.pk]
    assert "does not deliver COD orders to pincode 781001" in booking.refused[cod_far.pk]
    assert "pincode 999999" in booking.refused[nowhere.pk]
    assert booking.refused[no_address.pk] == "The shipping address has no address."
    assert "cancelled" in booking.refused[cancelled.pk]
    shipment = Shipment.objects.get(order=good)
    assert (shipment.cod_amount, shipment.weight_grams) == (good.total, 500)
    assert shipment.pickup_location == WAREHOUSE
    from sandbox.delhivery.models import SandboxDelhiveryShipment

    booked = SandboxDelhiveryShipment.objects.get(waybill=shipment.awb)
    assert (booked.pin, booked.payment_mode, booked.address) == (
        "411005",
        "COD",
        "14 FC Road, Shivajinagar",
    )
    again = shipments_book(account=courier, orders=[good])
    assert again.refused == {good.pk: "The order already has a shipment."}


def truth(shipments: list[Shipment]) -> dict[str, str]:
    from sandbox.delhivery.models import SandboxDelhiveryShipment

    rows = SandboxDelhiveryShipment.objects.filter(waybill__in=[s.awb for s in shipments])
    return {row.waybill: TRUE_STATUS[row.outcome] for row in rows}


def statuses(shipments: list[Shipment]) -> dict[str, str]:
    return dict(
        Shipment.objects.filter(pk__in=[s.pk for s in shipments]).values_list("awb", "status")
    )


def test_scan_pushes_bring_every_shipment_to_its_true_final_status(merchant, courier):
    shipments = book(merchant, courier, 24, "P")

    call_command("sandbox_delhivery_simulate", advance_hours=24 * 12, step_hours=6)

    assert statuses(shipments) == truth(shipments)
    assert WebhookEvent.objects.filter(account=courier).count() > 24 * 3  # several scans each
    rto = [s for s in shipments if truth([s])[s.awb] == ShipmentStatus.RTO_DELIVERED]
    for shipment in rto:
        shipment.refresh_from_db()
        assert shipment.attempts >= 1  # NDR scans before the RTO
        assert shipment.rto_started_at is not None


def test_with_a_third_of_the_pushes_lost_one_poll_finds_every_final_status(
    merchant, courier, settings
):
    settings.SANDBOX_DELHIVERY_PUSH_DROP_SHARE = 0.3
    shipments = book(merchant, courier, 60, "D")

    call_command("sandbox_delhivery_simulate", advance_hours=24 * 12, step_hours=12)
    after_pushes = statuses(shipments)
    expected = truth(shipments)
    assert after_pushes != expected  # some final scans were lost with their pushes

    run = shipments_track_account(account_id=courier.pk)

    open_after_pushes = [a for a, st in after_pushes.items() if st not in ShipmentStatus.FINAL]
    assert run.error == ""
    assert run.tracked == len(open_after_pushes)  # only those not final yet are asked for
    assert run.calls == -(-len(open_after_pushes) // 50)  # 50 AWBs a call
    assert statuses(shipments) == expected


def test_the_api_books_and_cancels_at_the_sandbox_and_shows_the_couriers_refusal(
    merchant, courier, api_client, settings
):
    shop = store(merchant)
    orders = [imported(shop, f"API{i}") for i in range(3)]
    far = imported(shop, "API-FAR", pincode="999999")

    booked = api_client.post(
        "/api/shipments/book",
        {"account": courier.pk, "order_ids": [o.pk for o in [*orders, far]]},
        format="json",
    )

    assert booked.status_code == 201, booked.content
    body = booked.json()
    assert sorted(s["order"] for s in body["shipments"]) == [o.pk for o in orders]
    assert [r["order_id"] for r in body["refused"]] == [far.pk]
    assert "pincode 999999" in body["refused"][0]["reason"]
    first, *rest = sorted(body["shipments"], key=lambda s: s["id"])

    cancelled = api_client.post(f"/api/shipments/{first['id']}/cancel")

    assert cancelled.status_code == 200, cancelled.content
    assert cancelled.json()["status"] == ShipmentStatus.CANCELLED
    from sandbox.delhivery.models import SandboxDelhiveryShipment

    assert SandboxDelhiveryShipment.objects.get(waybill=first["awb"]).cancelled_at is not None

    # Every scan push lost: Sangam still thinks the others are just booked while the courier
    # has finished with them, so the courier itself refuses to cancel.
    settings.SANDBOX_DELHIVERY_PUSH_DROP_SHARE = 1.0
    call_command("sandbox_delhivery_simulate", advance_hours=24 * 12, step_hours=24)
    refused = api_client.post(f"/api/shipments/{rest[0]['id']}/cancel")

    assert refused.status_code == 400
    assert "can not be cancelled" in refused.json()["error"]
    assert Shipment.objects.get(pk=rest[0]["id"]).status == ShipmentStatus.CREATED


def test_a_reattempt_asked_from_the_ndr_queue_sends_the_parcel_out_again(merchant, courier):
    from datetime import UTC, datetime

    from integrations.dto import NdrAction
    from shipments.models import NdrActionRequest
    from shipments.services.ndr import ndr_action_request, ndr_options

    shop = store(merchant)
    orders = [imported(shop, f"N{i}") for i in range(40)]  # all COD: about a fifth fail
    shipments = shipments_book(account=courier, orders=orders).shipments
    night = datetime(2026, 11, 2, 16, 0, tzinfo=UTC)  # 21:30 IST: Delhivery takes re-attempts
    asked: list[NdrActionRequest] = []
    failed_at = {}  # shipment id → the time of the failed attempt the re-attempt answers
    for _ in range(16):  # up to 8 days, half a day at a time, until some attempts failed
        call_command("sandbox_delhivery_simulate", advance_hours=12, step_hours=12)
        for shipment in Shipment.objects.filter(
            pk__in=[s.pk for s in shipments], status=ShipmentStatus.NDR
        ):
            if shipment.ndr_actions.exists():
                continue
            options = {o.action: o for o in ndr_options(shipment, now=night)}
            if options[NdrAction.REATTEMPT].allowed:
                failed_at[shipment.pk] = shipment.status_at
                asked.append(
                    ndr_action_request(shipment=shipment, action=NdrAction.REATTEMPT, now=night)
                )
        if len(asked) >= 2:
            break
    assert asked, "no shipment failed a delivery attempt on a code Delhivery re-attempts"
    for request in asked:
        request.refresh_from_db()
        assert request.status == NdrActionRequest.ACCEPTED, request.error
        assert request.courier_reference.startswith("UPL")

    call_command("sandbox_delhivery_simulate", advance_hours=24 * 6, step_hours=6)

    for request in asked:
        shipment = Shipment.objects.get(pk=request.shipment_id)
        after = shipment.events.filter(
            at__gt=failed_at[shipment.pk], status=ShipmentStatus.OUT_FOR_DELIVERY
        )
        assert after.exists()
        assert shipment.status in {ShipmentStatus.DELIVERED, ShipmentStatus.RTO_DELIVERED}
