"""The Shiprocket connector over real HTTP against the Shiprocket sandbox, through the hub:
connect (a login, the token kept), book shipments (order, AWB, pickup), let the sandbox's clock
play the journeys out while its tracking webhooks reach the inbox at a URL free of the words
Shiprocket refuses, cancel before pickup, and let the poll find what the webhooks missed."""

from __future__ import annotations

import uuid
from dataclasses import replace

import pytest
from django.core.management import call_command

from integrations.connectors.shiprocket import webhooks
from integrations.dto import NdrAction, NdrActionRequestDTO, PaymentMethod, ShipmentStatus
from integrations.models import WebhookEvent
from integrations.services.accounts import build_connector, connect_with_credentials
from orders.models import Order
from orders.services import order_import
from shipments.models import Shipment
from shipments.services.booking import shipments_book
from shipments.services.cancel import shipment_cancel
from shipments.services.tracking import shipments_track_account
from tests.factories import ChannelAccountFactory, order_dto

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "e2e-password"  # noqa: S105 - a test value
PICKUP = "Primary"
TRUE_STATUS = {
    "delivered": ShipmentStatus.DELIVERED,
    "ndr_delivered": ShipmentStatus.DELIVERED,
    "rto": ShipmentStatus.RTO_DELIVERED,
    "lost": ShipmentStatus.LOST,
    "cancelled": ShipmentStatus.CANCELLED,
}


@pytest.fixture
def email() -> str:
    return f"e2e-{uuid.uuid4().hex[:8]}@brand.in"


@pytest.fixture
def sandbox_user(transactional_db, email):
    from sandbox.shiprocket.seed import seed_user

    return seed_user(email, password=PASSWORD, pickup_location=PICKUP, pickup_postcode="421302")


@pytest.fixture
def courier(hub, merchant, sandbox_user, email):
    account = connect_with_credentials(
        merchant=merchant,
        provider="shiprocket",
        data={
            "email": email,
            "password": PASSWORD,
            "pickup_location": PICKUP,
            "pickup_postcode": "421302",
        },
        use_sandbox=True,
    )
    account.refresh_from_db()
    credentials = account.get_credentials()
    push_token = credentials["push_token"]
    url = f"{hub}/api/webhooks/{webhooks.URL_SLUG}/{push_token}"
    for word in webhooks.FORBIDDEN_URL_WORDS:
        assert word not in url.lower()
    sandbox_user.webhook_url = url
    sandbox_user.webhook_token = push_token  # the same token, pasted as Shiprocket's x-api-key
    sandbox_user.save(update_fields=["webhook_url", "webhook_token"])
    return account


def imported(shop, external_id: str, *, cod: bool = True, pincode: str = "411005"):
    dto = order_dto(external_id, payment_method=PaymentMethod.COD if cod else PaymentMethod.PREPAID)
    ship_to = replace(
        dto.ship_to,
        name="Asha Verma",
        address1="14 FC Road",
        address2="Shivajinagar",
        phone="9876543210",
        pincode=pincode,
    )
    order_import(account=shop, order=replace(dto, ship_to=ship_to))
    return Order.objects.get(account=shop, external_id=external_id)


def book(merchant, courier, count: int, prefix: str) -> list[Shipment]:
    shop = ChannelAccountFactory(merchant=merchant, provider="flipkart")
    orders = [imported(shop, f"{prefix}{i}", cod=i % 3 != 0) for i in range(count)]
    booking = shipments_book(account=courier, orders=orders)
    assert booking.refused == {}
    assert len(booking.shipments) == count
    return booking.shipments


def truth(shipments: list[Shipment]) -> dict[str, str]:
    from sandbox.shiprocket.models import SandboxShiprocketOrder

    rows = SandboxShiprocketOrder.objects.filter(awb__in=[s.awb for s in shipments])
    return {row.awb: TRUE_STATUS[row.outcome] for row in rows}


def statuses(shipments: list[Shipment]) -> dict[str, str]:
    return dict(
        Shipment.objects.filter(pk__in=[s.pk for s in shipments]).values_list("awb", "status")
    )


def test_connect_logs_in_once_and_keeps_the_token(courier, sandbox_user):
    from sandbox.shiprocket.models import SandboxShiprocketToken

    credentials = courier.get_credentials()
    assert credentials["token"].count(".") == 2  # JWT-looking
    assert credentials["token_expires_at"]
    assert courier.token_expires_at is not None  # shown on the account
    assert SandboxShiprocketToken.objects.filter(user=sandbox_user).count() == 1
    connector = build_connector(courier)
    connector.check_serviceability(["411005"])
    connector.track_shipments(["0"])
    assert SandboxShiprocketToken.objects.filter(user=sandbox_user).count() == 1


def test_booking_refuses_unserved_pincodes_and_books_the_rest(merchant, courier):
    shop = ChannelAccountFactory(merchant=merchant, provider="flipkart")
    good = imported(shop, "B1")
    nowhere = imported(shop, "B2", pincode="999999")
    booking = shipments_book(account=courier, orders=[good, nowhere])
    assert [s.order_id for s in booking.shipments] == [good.pk]
    assert "pincode 999999" in booking.refused[nowhere.pk]
    from sandbox.shiprocket.models import SandboxShiprocketOrder

    booked = SandboxShiprocketOrder.objects.get(awb=booking.shipments[0].awb)
    assert (booked.pincode, booked.payment_method) == ("411005", "COD")
    assert booked.channel_order_id.endswith(good.external_id)  # the order's reference
    assert booked.pickup_requested_at is not None


def test_webhooks_bring_every_shipment_to_its_true_final_status(merchant, courier):
    shipments = book(merchant, courier, 20, "P")

    call_command("sandbox_shiprocket_simulate", advance_hours=24 * 12, step_hours=6)

    assert statuses(shipments) == truth(shipments)
    assert WebhookEvent.objects.filter(account=courier).count() > 20 * 3


def test_the_poll_finds_every_final_status_without_webhooks(merchant, courier, sandbox_user):
    sandbox_user.webhook_url = ""
    sandbox_user.save(update_fields=["webhook_url"])
    shipments = book(merchant, courier, 12, "Q")
    call_command("sandbox_shiprocket_simulate", advance_hours=24 * 12, step_hours=24)
    assert set(statuses(shipments).values()) == {ShipmentStatus.CREATED}

    run = shipments_track_account(account_id=courier.pk)

    assert run.error == ""
    assert statuses(shipments) == truth(shipments)


def test_cancel_before_pickup_and_the_refusal_after(merchant, courier):
    first, second = book(merchant, courier, 2, "C")
    cancelled = shipment_cancel(shipment=first)
    assert cancelled.status == ShipmentStatus.CANCELLED
    call_command("sandbox_shiprocket_simulate", advance_hours=24, step_hours=24)
    with pytest.raises(ValueError, match="cannot be cancelled after pickup"):
        shipment_cancel(shipment=second)


def test_label_manifest_and_an_ndr_reattempt(merchant, courier, live_server, sandbox_user):
    from sandbox.shiprocket import clock
    from sandbox.shiprocket.models import SandboxShiprocketOrder

    sandbox_user.webhook_url = ""  # this test reads Shiprocket back; no webhooks needed
    sandbox_user.save(update_fields=["webhook_url"])
    shipments = book(merchant, courier, 30, "N")
    connector = build_connector(courier)
    label = connector.label_url(shipments[0].awb)
    assert label.startswith(live_server.url)
    pdf = connector.http.request("GET", label)
    assert pdf.content.startswith(b"%PDF")
    assert connector.manifest_url([s.awb for s in shipments[:3]]).endswith(".pdf")

    failing = SandboxShiprocketOrder.objects.filter(
        awb__in=[s.awb for s in shipments], outcome="rto"
    ).first()
    assert failing is not None  # about a fifth of the 20 COD orders (seeded by shipment id)
    first_failure = failing.scans.filter(sr_status=21).order_by("at").first()
    clock.advance((first_failure.at - clock.now()).total_seconds() + 60)
    listed = connector.ndr_list(per_page=100)
    assert failing.awb in [item["awb_code"] for item in listed]
    check = connector.ndr_action_check(
        action=NdrAction.REATTEMPT, raw_code="21", attempts=1, now=clock.now()
    )
    assert check.allowed

    (result,) = connector.request_ndr_actions(
        [NdrActionRequestDTO(failing.awb, NdrAction.REATTEMPT, remark="Customer will be home")]
    )

    assert result.ok, result.error
    call_command("sandbox_shiprocket_simulate", advance_hours=48, step_hours=48)
    (track,) = connector.track_shipments([failing.awb])
    assert track.status == ShipmentStatus.DELIVERED
    assert track.attempts == 2  # one failed attempt, then delivered
