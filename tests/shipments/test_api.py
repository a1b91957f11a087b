"""The shipments API: list and detail scoped to the merchant, booking through a fake courier
(refusals with reasons, 400 for a bad account or no ids), cancelling (before pickup it is
cancelled; a courier's refusal is a 400 with its reason), the NDR queue, RTO rates, viewers
refused on writes, and the endpoints in the OpenAPI schema."""

from __future__ import annotations

from datetime import timedelta

import pytest

from integrations.dto import BookedShipmentDTO, ServiceabilityDTO, ShipmentStatus
from integrations.http import RejectedError
from shipments.models import Shipment
from tests.shipments.conftest import T0, make_shipment, shippable_order

pytestmark = pytest.mark.django_db
S = ShipmentStatus


class FakeCourier:
    """A courier connector: serves pincodes starting with 4 (COD and prepaid), books every
    order whose reference does not end in "9", and cancels unless told to refuse."""

    def __init__(self):
        self.booked: list[str] = []
        self.cancelled: list[str] = []
        self.refuse_cancel = ""

    def check_serviceability(self, pincodes):
        return [
            ServiceabilityDTO(pincode=p, serviceable=p.startswith("4"), prepaid=True, cod=True)
            for p in pincodes
        ]

    def book_shipments(self, requests):
        answers = []
        for r in requests:
            if r.reference.endswith("9"):
                answers.append(BookedShipmentDTO(reference=r.reference, ok=False, error="Bad pin"))
            else:
                self.booked.append(r.reference)
                awb = f"AWB{len(self.booked):04d}"
                answers.append(BookedShipmentDTO(reference=r.reference, ok=True, awb=awb))
        return answers

    def cancel_shipment(self, awb):
        if self.refuse_cancel:
            raise RejectedError(f"delhivery: {awb}: {self.refuse_cancel}")
        self.cancelled.append(awb)


@pytest.fixture
def fake(monkeypatch):
    courier = FakeCourier()
    for module in ("booking", "cancel"):
        monkeypatch.setattr(
            f"shipments.services.{module}.build_connector", lambda account, **kw: courier
        )
    return courier


# --- list and detail --------------------------------------------------------------------------
def test_the_list_is_the_merchants_shipments_filtered_and_paginated(
    owner_api, courier, foreign_courier
):
    for _ in range(51):
        make_shipment(courier)
    failed = make_shipment(courier, status=S.NDR, attempts=2, ndr_reason="refused")
    make_shipment(foreign_courier, status=S.NDR)

    page1 = owner_api.get("/api/shipments").json()
    page2 = owner_api.get("/api/shipments?page=2").json()
    ndr = owner_api.get("/api/shipments?ndr=true").json()
    by_awb = owner_api.get(f"/api/shipments?q={failed.awb}").json()
    bad = owner_api.get("/api/shipments?status=flying")

    assert page1["count"] == 52
    assert len(page1["results"]) == 50
    assert len(page2["results"]) == 2
    assert [r["awb"] for r in ndr["results"]] == [failed.awb]
    assert ndr["results"][0]["attempts"] == 2
    assert ndr["results"][0]["ndr_reason"] == "refused"
    assert [r["id"] for r in by_awb["results"]] == [failed.pk]
    assert bad.status_code == 400
    assert "status" in bad.json()


def test_the_detail_has_its_events_and_another_merchants_shipment_is_404(
    owner_api, courier, foreign_courier
):
    shipment = make_shipment(courier)
    shipment.events.create(at=T0 + timedelta(hours=5), status=S.IN_TRANSIT, raw_status="In Transit")
    shipment.events.create(at=T0, status=S.MANIFESTED, raw_status="Manifested", location="Pune")
    theirs = make_shipment(foreign_courier)

    response = owner_api.get(f"/api/shipments/{shipment.pk}")
    foreign = owner_api.get(f"/api/shipments/{theirs.pk}")

    assert response.status_code == 200
    body = response.json()
    assert body["awb"] == shipment.awb
    assert body["order_number"] == shipment.order.order_number
    assert [e["status"] for e in body["events"]] == [S.MANIFESTED, S.IN_TRANSIT]
    assert body["events"][0]["location"] == "Pune"
    assert foreign.status_code == 404


# --- booking ----------------------------------------------------------------------------------
def test_booking_creates_shipments_and_reports_each_refusal(owner_api, shop, courier, fake):
    good = shippable_order(shop, order_number="#7001")
    far = shippable_order(shop, order_number="#7002", ship_pincode="781001")
    refused_by_courier = shippable_order(shop, order_number="#7009")
    no_phone = shippable_order(shop, order_number="#7003", ship_phone="", customer_phone="")

    response = owner_api.post(
        "/api/shipments/book",
        {
            "account": courier.pk,
            "order_ids": [good.pk, far.pk, refused_by_courier.pk, no_phone.pk, 999999],
        },
        format="json",
    )

    assert response.status_code == 201, response.content
    body = response.json()
    assert [(s["order"], s["awb"], s["status"]) for s in body["shipments"]] == [
        (good.pk, "AWB0001", S.CREATED)
    ]
    reasons = {r["order_id"]: r["reason"] for r in body["refused"]}
    assert set(reasons) == {far.pk, refused_by_courier.pk, no_phone.pk, 999999}
    assert "pincode 781001" in reasons[far.pk]
    assert reasons[refused_by_courier.pk] == "Bad pin"
    assert reasons[no_phone.pk] == "The shipping address has no phone."
    assert reasons[999999] == "No such order."
    assert Shipment.objects.get(awb="AWB0001").order == good


def test_booking_refuses_a_foreign_or_non_courier_account_and_empty_ids(
    owner_api, shop, courier, foreign_courier, fake
):
    order = shippable_order(shop)
    for account in (foreign_courier.pk, shop.pk, 424242):
        response = owner_api.post(
            "/api/shipments/book", {"account": account, "order_ids": [order.pk]}, format="json"
        )
        assert response.status_code == 400, account
        assert response.json() == {"account": ["No such courier account."]}
    empty = owner_api.post(
        "/api/shipments/book", {"account": courier.pk, "order_ids": []}, format="json"
    )
    assert empty.status_code == 400
    assert "order_ids" in empty.json()
    assert fake.booked == []
    assert not Shipment.objects.exists()


def test_another_merchants_order_is_never_booked(owner_api, courier, outsider, fake):
    from tests.factories import ChannelAccountFactory

    theirs = shippable_order(ChannelAccountFactory(merchant=outsider.merchant))

    response = owner_api.post(
        "/api/shipments/book", {"account": courier.pk, "order_ids": [theirs.pk]}, format="json"
    )

    assert response.status_code == 201
    assert response.json() == {
        "shipments": [],
        "refused": [{"order_id": theirs.pk, "reason": "No such order."}],
    }
    assert fake.booked == []


# --- cancel -----------------------------------------------------------------------------------
def test_cancelling_before_pickup_cancels_the_shipment(owner_api, courier, fake):
    shipment = make_shipment(courier, status=S.MANIFESTED)

    response = owner_api.post(f"/api/shipments/{shipment.pk}/cancel")

    assert response.status_code == 200
    assert response.json()["status"] == S.CANCELLED
    assert fake.cancelled == [shipment.awb]
    shipment.refresh_from_db()
    assert shipment.status == S.CANCELLED


def test_cancelling_in_transit_leaves_the_status_to_tracking(owner_api, courier, fake):
    shipment = make_shipment(courier, status=S.IN_TRANSIT)

    response = owner_api.post(f"/api/shipments/{shipment.pk}/cancel")

    assert response.status_code == 200
    assert response.json()["status"] == S.IN_TRANSIT
    assert fake.cancelled == [shipment.awb]


def test_a_courier_refusal_is_a_400_with_its_reason(owner_api, courier, fake):
    shipment = make_shipment(courier, status=S.MANIFESTED)
    fake.refuse_cancel = "Shipment already picked up"

    response = owner_api.post(f"/api/shipments/{shipment.pk}/cancel")

    assert response.status_code == 400
    assert "Shipment already picked up" in response.json()["error"]
    shipment.refresh_from_db()
    assert shipment.status == S.MANIFESTED


def test_a_final_shipment_is_not_sent_to_the_courier(owner_api, courier, fake):
    shipment = make_shipment(courier, status=S.DELIVERED)

    response = owner_api.post(f"/api/shipments/{shipment.pk}/cancel")

    assert response.status_code == 400
    assert "delivered" in response.json()["error"]
    assert fake.cancelled == []


def test_another_merchants_shipment_cannot_be_cancelled(owner_api, foreign_courier, fake):
    theirs = make_shipment(foreign_courier, status=S.MANIFESTED)

    assert owner_api.post(f"/api/shipments/{theirs.pk}/cancel").status_code == 404
    assert fake.cancelled == []


def test_viewers_read_but_get_403_on_writes(viewer_api, shop, courier, fake):
    shipment = make_shipment(courier, status=S.MANIFESTED)
    order = shippable_order(shop)

    assert viewer_api.get("/api/shipments").status_code == 200
    assert viewer_api.get(f"/api/shipments/{shipment.pk}").status_code == 200
    book = viewer_api.post(
        "/api/shipments/book", {"account": courier.pk, "order_ids": [order.pk]}, format="json"
    )
    cancel = viewer_api.post(f"/api/shipments/{shipment.pk}/cancel")

    assert (book.status_code, cancel.status_code) == (403, 403)
    assert fake.booked == []
    assert fake.cancelled == []
    shipment.refresh_from_db()
    assert shipment.status == S.MANIFESTED


# --- NDR queue and RTO rates ------------------------------------------------------------------
def test_the_ndr_queue_lists_failed_attempts_oldest_first(owner_api, courier, foreign_courier):
    newer = make_shipment(courier, status=S.NDR, status_at=T0 + timedelta(hours=3))
    older = make_shipment(courier, status=S.NDR, status_at=T0, attempts=2)
    make_shipment(courier, status=S.IN_TRANSIT)
    make_shipment(foreign_courier, status=S.NDR)

    body = owner_api.get("/api/shipments/ndr").json()

    assert [r["id"] for r in body["results"]] == [older.pk, newer.pk]
    assert body["results"][0]["attempts"] == 2


def test_rto_rates_by_state_and_a_bad_group_by_is_400(owner_api, courier):
    for status in (S.DELIVERED, S.DELIVERED, S.RTO_DELIVERED):
        make_shipment(courier, status=status, order_fields={"ship_state": "Kerala"})
    make_shipment(courier, status=S.RTO_DELIVERED, order_fields={"ship_state": "Goa"})

    response = owner_api.get("/api/shipments/rto-rates?group_by=state")
    bad = owner_api.get("/api/shipments/rto-rates?group_by=city")

    assert response.status_code == 200
    assert response.json() == {
        "group_by": "state",
        "groups": [
            {
                "group": "Goa",
                "shipments": 1,
                "delivered": 0,
                "rto_delivered": 1,
                "rto_rate": "100.0",
                "from_channels": 0,
            },
            {
                "group": "Kerala",
                "shipments": 3,
                "delivered": 2,
                "rto_delivered": 1,
                "rto_rate": "33.3",
                "from_channels": 0,
            },
        ],
    }
    assert bad.status_code == 400
    assert "group_by" in bad.json()


# --- OpenAPI ----------------------------------------------------------------------------------
def test_the_openapi_schema_documents_the_shipment_endpoints(owner_api):
    response = owner_api.get("/api/schema", HTTP_ACCEPT="application/json")

    assert response.status_code == 200
    paths = response.json()["paths"]
    for path, method in [
        ("/api/shipments", "get"),
        ("/api/shipments/{shipment_id}", "get"),
        ("/api/shipments/book", "post"),
        ("/api/shipments/{shipment_id}/cancel", "post"),
        ("/api/shipments/{shipment_id}/ndr-action", "post"),
        ("/api/shipments/ndr", "get"),
        ("/api/shipments/rto-rates", "get"),
    ]:
        assert method in paths[path], path
    book = paths["/api/shipments/book"]["post"]
    assert book["requestBody"]["content"]["application/json"]["schema"]["$ref"].endswith(
        "BookInput"
    )
    assert "201" in book["responses"]
    params = {p["name"] for p in paths["/api/shipments"]["get"]["parameters"]}
    assert {"status", "account", "ndr", "date_from", "date_to", "q", "page"} <= params
    rto = {p["name"] for p in paths["/api/shipments/rto-rates"]["get"]["parameters"]}
    assert "group_by" in rto


# --- request bounds ---------------------------------------------------------------------------
PAST_BIGINT = str(2**63)


@pytest.mark.parametrize(
    ("params", "name"),
    [
        ({"account": PAST_BIGINT}, "account"),
        ({"account": "0"}, "account"),
        ({"date_from": "0001-01-01"}, "date_from"),
        ({"date_to": "9999-12-31"}, "date_to"),
        ({"q": "x" * 201}, "q"),
        ({"ndr": "maybe"}, "ndr"),
    ],
)
def test_out_of_range_filters_answer_400_naming_them(owner_api, params, name):
    response = owner_api.get("/api/shipments", params)

    assert response.status_code == 400, response.content
    assert list(response.json()) == [name]


def test_booking_ids_past_bigint_answer_400(owner_api, courier):
    response = owner_api.post(
        "/api/shipments/book", {"account": courier.pk, "order_ids": [PAST_BIGINT]}, format="json"
    )

    assert response.status_code == 400
    assert "order_ids" in response.json()


@pytest.mark.parametrize(
    "path", ["/api/shipments/{}", "/api/shipments/{}/cancel", "/shipments/{}/"]
)
def test_a_shipment_id_past_bigint_in_the_path_answers_404(owner_client, path):
    owner_client.raise_request_exception = False
    method = owner_client.post if path.endswith("cancel") else owner_client.get
    assert method(path.format(PAST_BIGINT + "0")).status_code == 404
