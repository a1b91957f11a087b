"""The NDR API and page: the queue shows each action the courier would take (and why not),
``POST /api/shipments/{id}/ndr-action`` asks for it; merchant-scoped, viewers read only."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.urls import reverse

from integrations.connectors.delhivery.connector import DelhiveryConnector
from integrations.dto import NdrActionResultDTO, NdrReason, ShipmentStatus
from shipments.models import NdrActionRequest, TrackingEvent
from tests.shipments.conftest import make_shipment

pytestmark = pytest.mark.django_db
S = ShipmentStatus
NIGHT = datetime(2026, 11, 2, 16, 0, tzinfo=UTC)  # 21:30 IST


@pytest.fixture
def sent(monkeypatch):
    calls: list = []

    def request_ndr_actions(self, requests):
        calls.extend(requests)
        return [NdrActionResultDTO(r.awb, ok=True, reference="UPL9") for r in requests]

    monkeypatch.setattr(DelhiveryConnector, "request_ndr_actions", request_ndr_actions)
    return calls


def in_ndr(courier, code="EOD-11", attempts=1):
    shipment = make_shipment(
        courier, status=S.NDR, attempts=attempts, ndr_reason=NdrReason.CUSTOMER_UNAVAILABLE
    )
    TrackingEvent.objects.create(
        shipment=shipment, at=shipment.status_at, status=S.NDR, raw_status="Pending",
        raw_type="UD", raw_code=code, ndr_reason=NdrReason.CUSTOMER_UNAVAILABLE,
    )  # fmt: skip
    return shipment


def test_the_queue_lists_the_options_with_the_couriers_reasons(owner_api, courier):
    in_ndr(courier, code="EOD-3")
    (row,) = owner_api.get("/api/shipments/ndr").json()["results"]
    options = {o["action"]: o for o in row["options"]}
    assert row["raw_code"] == "EOD-3"
    assert row["pending"] is None
    assert options["rto"]["allowed"] is True
    assert options["reattempt"]["allowed"] is False
    assert "NSL codes" in options["reattempt"]["reason"]


def test_an_rto_is_asked_and_shown_pending(owner_api, courier, sent):
    shipment = in_ndr(courier)
    response = owner_api.post(
        f"/api/shipments/{shipment.pk}/ndr-action", {"action": "rto"}, format="json"
    )
    assert response.status_code == 201, response.content
    assert response.json()["status"] == "accepted"
    assert [r.awb for r in sent] == [shipment.awb]
    again = owner_api.post(
        f"/api/shipments/{shipment.pk}/ndr-action", {"action": "rto"}, format="json"
    )
    assert again.status_code == 400
    assert "already pending" in again.json()["error"]
    (row,) = owner_api.get("/api/shipments/ndr").json()["results"]
    assert row["pending"]["action"] == "rto"


def test_a_refused_action_is_400_with_the_reason_and_nothing_stored(owner_api, courier, sent):
    shipment = in_ndr(courier, attempts=3)
    response = owner_api.post(
        f"/api/shipments/{shipment.pk}/ndr-action", {"action": "reattempt"}, format="json"
    )
    assert response.status_code == 400
    assert "one or two failed attempts" in response.json()["error"]
    bad = owner_api.post(
        f"/api/shipments/{shipment.pk}/ndr-action", {"action": "wait"}, format="json"
    )
    assert bad.status_code == 400
    assert "action" in bad.json()
    assert not NdrActionRequest.objects.exists()
    assert sent == []


def test_another_merchants_shipment_is_404_and_viewers_get_403(
    owner_api, viewer_api, courier, foreign_courier, sent
):
    foreign = in_ndr(foreign_courier)
    mine = in_ndr(courier)
    assert (
        owner_api.post(
            f"/api/shipments/{foreign.pk}/ndr-action", {"action": "rto"}, format="json"
        ).status_code
        == 404
    )
    assert (
        viewer_api.post(
            f"/api/shipments/{mine.pk}/ndr-action", {"action": "rto"}, format="json"
        ).status_code
        == 403
    )
    assert viewer_api.get("/api/shipments/ndr").status_code == 200
    assert not NdrActionRequest.objects.exists()


def test_the_page_offers_allowed_actions_and_says_why_not(owner_client, courier, sent):
    shipment = in_ndr(courier, code="EOD-3")
    page = owner_client.get(reverse("dashboard:ndr_queue")).content.decode()
    assert "Return to origin" in page
    assert "No re-attempt" in page
    assert "NSL codes" in page
    response = owner_client.post(
        reverse("dashboard:ndr_action", args=[shipment.pk]), {"action": "rto"}, follow=True
    )
    assert "accepted by the courier" in response.content.decode()
    assert NdrActionRequest.objects.get().status == "accepted"


def test_viewers_see_no_action_buttons_and_cannot_post(viewer_client, courier, sent):
    shipment = in_ndr(courier)
    page = viewer_client.get(reverse("dashboard:ndr_queue")).content.decode()
    assert "Return to origin" not in page
    response = viewer_client.post(
        reverse("dashboard:ndr_action", args=[shipment.pk]), {"action": "rto"}
    )
    assert response.status_code == 403
    assert sent == []
