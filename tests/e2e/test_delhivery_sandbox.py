"""The Delhivery connector over real HTTP against the Delhivery sandbox, through the hub:
connect (the token checked, a push token issued), book shipments, let the sandbox's clock play
the journeys out while its scan pushes reach the inbox, and, with a share of the pushes lost,
let the poll bring every shipment to its true final status."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.management import call_command

from integrations.dto import ConsigneeDTO, PaymentMethod, ShipmentRequestDTO, ShipmentStatus
from integrations.models import WebhookEvent
from integrations.services.accounts import build_connector, connect_with_credentials
from orders.services import order_import
from shipments.models import Shipment
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


def book(merchant, courier, count: int, prefix: str) -> list[Shipment]:
    """Import ``count`` orders on a store account and book each with the courier."""
    shop = ChannelAccountFactory(merchant=merchant)
    requests = []
    for i in range(count):
        cod = i % 3 != 0
        order_import(
            account=shop,
            order=order_dto(
                f"{prefix}{i}",
                payment_method=PaymentMethod.COD if cod else PaymentMethod.PREPAID,
            ),
        )
        requests.append(
            ShipmentRequestDTO(
                reference=f"{prefix}{i}",
                consignee=ConsigneeDTO(
                    name="Asha Verma",
                    address="14 FC Road, Shivajinagar",
                    city="Pune",
                    state="Maharashtra",
                    pincode="411005",
                    phone="9876543210",
                ),
                payment_method=PaymentMethod.COD if cod else PaymentMethod.PREPAID,
                cod_amount=Decimal("999.00") if cod else Decimal("0"),
                total_amount=Decimal("999.00"),
                weight_grams=500,
                length_cm=Decimal("20"),
                breadth_cm=Decimal("15"),
                height_cm=Decimal("5"),
                products_desc="Cotton kurta",
                quantity=1,
                pickup_location=WAREHOUSE,
            )
        )
    booked = build_connector(courier).book_shipments(requests)
    assert all(b.ok and b.awb for b in booked), [b.error for b in booked if not b.ok]
    orders = {o.external_id: o for o in shop.orders.all()}
    return Shipment.objects.bulk_create(
        Shipment(
            merchant=merchant,
            order=orders[b.reference],
            account=courier,
            awb=b.awb,
            payment_method=r.payment_method,
            cod_amount=r.cod_amount,
            weight_grams=r.weight_grams,
        )
        for b, r in zip(booked, requests, strict=True)
    )


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
