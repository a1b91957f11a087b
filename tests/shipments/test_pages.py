"""Shipment pages: the list (filters, live refresh while shipments move), the detail's tracking
timeline and cancel action (managers only; a courier's refusal shown as the message), the NDR
queue, RTO rates with the chart, the order page's shipments; another merchant's shipment is a
404."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse

from integrations.dto import PaymentMethod, ShipmentStatus
from integrations.http import RejectedError
from tests.shipments.conftest import T0, make_shipment

pytestmark = pytest.mark.django_db
S = ShipmentStatus


class FakeCourier:
    def __init__(self, refuse: str = ""):
        self.refuse = refuse
        self.cancelled: list[str] = []

    def cancel_shipment(self, awb):
        if self.refuse:
            raise RejectedError(f"delhivery: {awb}: {self.refuse}")
        self.cancelled.append(awb)


@pytest.fixture
def fake(monkeypatch):
    courier = FakeCourier()
    monkeypatch.setattr("shipments.services.cancel.build_connector", lambda account: courier)
    return courier


def test_the_list_shows_the_merchants_shipments_and_refreshes_while_they_move(
    owner_client, courier, foreign_courier
):
    moving = make_shipment(courier, status=S.IN_TRANSIT, order_fields={"order_number": "#8101"})
    done = make_shipment(courier, status=S.DELIVERED)
    theirs = make_shipment(foreign_courier, awb="FOREIGN-AWB")

    response = owner_client.get(reverse("dashboard:shipments"))
    delivered_only = owner_client.get(reverse("dashboard:shipments"), {"status": S.DELIVERED})
    rows = owner_client.get(reverse("dashboard:shipment_rows"), {"status": S.DELIVERED})

    body = response.content.decode()
    assert response.status_code == 200
    assert moving.awb in body
    assert done.awb in body
    assert "#8101" in body
    assert theirs.awb not in body
    assert f'data-poll-url="{reverse("dashboard:shipment_rows")}"' in body
    assert ">Shipments</a>" in body  # the nav link
    filtered = delivered_only.content.decode()
    assert done.awb in filtered
    assert moving.awb not in filtered
    assert "data-poll-url" not in filtered  # every shipment shown is final
    assert rows.status_code == 200
    assert done.awb in rows.content.decode()
    assert "<html" not in rows.content.decode()


def test_the_list_offers_only_the_merchants_couriers(owner_client, courier, foreign_courier):
    body = owner_client.get(reverse("dashboard:shipments")).content.decode()

    assert f'<option value="{courier.pk}">' in body
    assert f'<option value="{foreign_courier.pk}">' not in body


def test_the_detail_shows_the_tracking_timeline_oldest_first(owner_client, courier):
    shipment = make_shipment(courier, status=S.NDR, attempts=1, ndr_reason="customer_unavailable")
    shipment.events.create(
        at=T0 + timedelta(hours=40), status=S.NDR, raw_status="Consignee Unavailable"
    )
    shipment.events.create(at=T0, status=S.MANIFESTED, raw_status="Manifested", location="Pune")

    response = owner_client.get(reverse("dashboard:shipment_detail", args=[shipment.pk]))

    body = response.content.decode()
    assert response.status_code == 200
    assert shipment.awb in body
    assert body.index("Manifested</span>") < body.index("Consignee Unavailable")
    assert "Customer unavailable" in body
    assert "Cancel shipment" in body


def test_another_merchants_shipment_is_404_on_every_page(owner_client, foreign_courier, fake):
    theirs = make_shipment(foreign_courier, status=S.MANIFESTED)

    detail = owner_client.get(reverse("dashboard:shipment_detail", args=[theirs.pk]))
    cancel = owner_client.post(reverse("dashboard:shipment_cancel", args=[theirs.pk]))

    assert (detail.status_code, cancel.status_code) == (404, 404)
    assert fake.cancelled == []


def test_cancelling_from_the_page_redirects_with_a_message(owner_client, courier, fake):
    shipment = make_shipment(courier, status=S.MANIFESTED)

    response = owner_client.post(
        reverse("dashboard:shipment_cancel", args=[shipment.pk]), follow=True
    )

    assert response.redirect_chain[-1][0] == reverse(
        "dashboard:shipment_detail", args=[shipment.pk]
    )
    assert f"Shipment {shipment.awb} cancelled." in response.content.decode()
    shipment.refresh_from_db()
    assert shipment.status == S.CANCELLED


def test_a_courier_refusal_is_shown_and_changes_nothing(owner_client, courier, fake):
    fake.refuse = "Shipment already picked up"
    shipment = make_shipment(courier, status=S.MANIFESTED)

    response = owner_client.post(
        reverse("dashboard:shipment_cancel", args=[shipment.pk]), follow=True
    )

    assert "Shipment already picked up" in response.content.decode()
    shipment.refresh_from_db()
    assert shipment.status == S.MANIFESTED


def test_viewers_see_no_cancel_button_and_get_403_on_cancel(viewer_client, courier, fake):
    shipment = make_shipment(courier, status=S.MANIFESTED)

    page = viewer_client.get(reverse("dashboard:shipment_detail", args=[shipment.pk]))
    cancel = viewer_client.post(reverse("dashboard:shipment_cancel", args=[shipment.pk]))

    assert page.status_code == 200
    assert "Cancel shipment" not in page.content.decode()
    assert cancel.status_code == 403
    assert fake.cancelled == []


def test_the_ndr_queue_lists_failed_attempts_with_reason_and_attempts(
    owner_client, courier, foreign_courier
):
    older = make_shipment(courier, status=S.NDR, status_at=T0, attempts=2, ndr_reason="refused")
    newer = make_shipment(courier, status=S.NDR, status_at=T0 + timedelta(hours=2))
    make_shipment(courier, status=S.IN_TRANSIT, awb="MOVING-AWB")
    theirs = make_shipment(foreign_courier, status=S.NDR)

    response = owner_client.get(reverse("dashboard:ndr_queue"))

    body = response.content.decode()
    assert response.status_code == 200
    assert body.index(older.awb) < body.index(newer.awb)
    assert "Refused by the customer" in body
    assert courier.display_name in body
    assert "MOVING-AWB" not in body
    assert theirs.awb not in body


@pytest.mark.parametrize(
    ("group_by", "label", "rate"),
    [
        ("state", "Kerala", "50.0%"),
        ("pincode", "682001", "50.0%"),
        ("payment_method", "Cash on delivery", "50.0%"),
    ],
)
def test_the_rto_page_has_a_chart_and_a_table(owner_client, courier, group_by, label, rate):
    for status in (S.DELIVERED, S.RTO_DELIVERED):
        make_shipment(
            courier,
            status=status,
            order_fields={
                "ship_state": "Kerala",
                "ship_pincode": "682001",
                "payment_method": PaymentMethod.COD,
            },
        )

    response = owner_client.get(reverse("dashboard:rto_rates"), {"group_by": group_by})

    body = response.content.decode()
    assert response.status_code == 200
    assert "<svg" in body
    assert f"<title>{label}: 50.0% RTO (1 of 2)</title>" in body
    assert f"<td>{label}</td>" in body
    assert rate in body


def test_the_rto_page_falls_back_to_state_for_an_unknown_grouping(owner_client, courier):
    response = owner_client.get(reverse("dashboard:rto_rates"), {"group_by": "city"})

    assert response.status_code == 200
    assert "showing RTO rates by state" in response.content.decode()


def test_the_order_page_lists_its_shipments(owner_client, courier):
    shipment = make_shipment(courier, status=S.OUT_FOR_DELIVERY)

    response = owner_client.get(reverse("dashboard:order_detail", args=[shipment.order_id]))

    body = response.content.decode()
    assert response.status_code == 200
    assert reverse("dashboard:shipment_detail", args=[shipment.pk]) in body
    assert "Out for delivery" in body


@pytest.mark.parametrize(
    ("name", "args"),
    [
        ("dashboard:shipments", []),
        ("dashboard:shipment_rows", []),
        ("dashboard:shipment_detail", [1]),
        ("dashboard:ndr_queue", []),
        ("dashboard:rto_rates", []),
    ],
)
def test_the_shipment_pages_need_a_login(client, name, args):
    response = client.get(reverse(name, args=args))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
