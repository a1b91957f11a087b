"""The Shiprocket sandbox against its documented behaviour (Django test client, no network):
login and 240 h tokens (expired/unknown → 401), adhoc orders and their validation, AWB and
the recommendation, serviceability, tracking (≤ 50), cancel before pickup only, NDR list and
actions, labels as PDFs, the ASSUMED rate limit, journeys and the tracking webhook."""

from __future__ import annotations

import json
from collections import Counter
from datetime import timedelta

import pytest
from django.test import Client

from sandbox.shiprocket import clock, journeys, push
from sandbox.shiprocket.models import SandboxShiprocketOrder
from sandbox.shiprocket.seed import seed_shipments, seed_user

EMAIL = "api@brand.in"
PASSWORD = "pw-123"  # noqa: S105 - a test value
ROOT = f"/sandbox/shiprocket/{EMAIL}"

pytestmark = pytest.mark.django_db


@pytest.fixture
def user(db):
    return seed_user(EMAIL, password=PASSWORD, pickup_location="Primary", pickup_postcode="421302")


class Api:
    def __init__(self) -> None:
        self.web = Client()
        self.token = ""

    def login(self, email: str = EMAIL, password: str = PASSWORD):
        response = self.web.post(
            f"{ROOT}/auth/login",
            data=json.dumps({"email": email, "password": password}),
            content_type="application/json",
        )
        if response.status_code == 200:
            self.token = response.json()["token"]
        return response

    def call(self, method: str, path: str, body=None, **params):
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        if method == "GET":
            return self.web.get(f"{ROOT}{path}", params, headers=headers)
        return self.web.post(
            f"{ROOT}{path}",
            data=json.dumps(body or {}),
            content_type="application/json",
            headers=headers,
        )


@pytest.fixture
def api(user) -> Api:
    client = Api()
    assert client.login().status_code == 200
    return client


def order_body(reference: str = "SGM-1", **changes) -> dict:
    body = {
        "order_id": reference,
        "order_date": "2026-12-07 10:00",
        "pickup_location": "Primary",
        "billing_customer_name": "Asha",
        "billing_last_name": "Verma",
        "billing_address": "14 FC Road",
        "billing_city": "Pune",
        "billing_pincode": "411005",
        "billing_state": "Maharashtra",
        "billing_country": "India",
        "billing_phone": "9876543210",
        "shipping_is_billing": True,
        "order_items": [{"name": "Kurta", "sku": "K1", "units": 1, "selling_price": 799}],
        "payment_method": "COD",
        "sub_total": 799,
        "length": 20,
        "breadth": 15,
        "height": 5,
        "weight": 0.5,
    }
    return {**body, **changes}


def booked(api: Api, reference: str = "SGM-1", **changes) -> dict:
    created = api.call("POST", "/orders/create/adhoc", order_body(reference, **changes)).json()
    assigned = api.call("POST", "/courier/assign/awb", {"shipment_id": created["shipment_id"]})
    data = assigned.json()["response"]["data"]
    api.call("POST", "/courier/generate/pickup", {"shipment_id": [created["shipment_id"]]})
    return {**created, "awb": data["awb_code"], "courier": data["courier_name"]}


# --- auth -----------------------------------------------------------------------------------
def test_login_issues_a_jwt_looking_token_valid_240_hours(user):
    api = Api()
    response = api.login()
    assert response.status_code == 200
    body = response.json()
    assert set(body) >= {"id", "email", "company_id", "token"}
    assert body["token"].count(".") == 2
    from sandbox.shiprocket.models import SandboxShiprocketToken

    row = SandboxShiprocketToken.objects.get(token=body["token"])
    assert row.expires_at - row.issued_at == timedelta(hours=240)


def test_a_wrong_password_is_refused(user):
    response = Api().login(password="nope")
    assert response.status_code == 400
    assert response.json()["message"] == "Invalid email and password combination"


def test_unknown_and_expired_tokens_are_401(api):
    assert api.call("GET", "/ndr/all").status_code == 200
    clock.advance(241 * 3600)
    expired = api.call("GET", "/ndr/all")
    assert expired.status_code == 401
    assert expired.json()["message"] == "Token has expired"
    api.token = "not.a.token"
    unknown = api.call("GET", "/ndr/all")
    assert unknown.status_code == 401
    assert unknown.json()["message"] == "Unauthenticated."


def test_the_v1_external_prefix_is_accepted(api):
    response = api.web.get(
        f"{ROOT}/v1/external/ndr/all", headers={"Authorization": f"Bearer {api.token}"}
    )
    assert response.status_code == 200


# --- orders, AWB, serviceability ------------------------------------------------------------
def test_create_validates_the_documented_fields(api):
    missing = api.call("POST", "/orders/create/adhoc", order_body(billing_phone=""))
    assert missing.status_code == 422
    assert "billing_phone" in missing.json()["errors"]
    wrong_pickup = api.call("POST", "/orders/create/adhoc", order_body(pickup_location="Other"))
    assert wrong_pickup.status_code == 422
    ok = api.call("POST", "/orders/create/adhoc", order_body())
    assert ok.status_code == 200
    assert ok.json()["status"] == "NEW"
    assert ok.json()["status_code"] == 1


def test_awb_goes_to_the_asked_courier_or_the_recommendation(api):
    first = api.call("POST", "/orders/create/adhoc", order_body("A")).json()
    asked = api.call(
        "POST", "/courier/assign/awb", {"shipment_id": first["shipment_id"], "courier_id": 51}
    ).json()
    assert asked["awb_assign_status"] == 1
    assert asked["response"]["data"]["courier_name"] == "Xpressbees Surface"
    again = api.call("POST", "/courier/assign/awb", {"shipment_id": first["shipment_id"]})
    assert again.status_code == 400  # no reassignment
    second = api.call("POST", "/orders/create/adhoc", order_body("B")).json()
    cod_less = api.call(
        "POST", "/courier/assign/awb", {"shipment_id": second["shipment_id"], "courier_id": 142}
    ).json()
    assert cod_less["awb_assign_status"] == 0  # Amazon Surface collects no cash here
    recommended = api.call("POST", "/courier/assign/awb", {"shipment_id": second["shipment_id"]})
    assert recommended.json()["awb_assign_status"] == 1


def test_serviceability_lists_couriers_with_rates(api):
    body = api.call(
        "GET",
        "/courier/serviceability/",
        pickup_postcode="421302",
        delivery_postcode="411005",
        weight="1.2",
        cod="1",
    ).json()
    rows = body["data"]["available_courier_companies"]
    assert {r["courier_name"] for r in rows} >= {"Delhivery Surface", "Blue Dart Air"}
    assert all(r["cod"] == 1 for r in rows)
    for row in rows:
        assert row["rate"] == pytest.approx(row["freight_charge"] + row["cod_charges"])
    assert body["data"]["recommended_courier_company_id"] in {r["courier_company_id"] for r in rows}
    none = api.call(
        "GET",
        "/courier/serviceability/",
        pickup_postcode="421302",
        delivery_postcode="999999",
        weight="1",
        cod="0",
    ).json()
    assert none["status"] == 404


# --- tracking, cancel, NDR, labels ----------------------------------------------------------
def test_tracking_takes_at_most_50_awbs(api):
    shipment = booked(api)
    answer = api.call("POST", "/courier/track/awbs", {"awbs": [shipment["awb"], "nope"]}).json()
    assert answer[shipment["awb"]]["tracking_data"]["shipment_status"] == 3
    assert answer["nope"]["tracking_data"]["track_status"] == 0
    too_many = api.call("POST", "/courier/track/awbs", {"awbs": [str(n) for n in range(51)]})
    assert too_many.status_code == 422


def test_cancel_before_pickup_only(api):
    early, late = booked(api, "E"), booked(api, "L")
    assert api.call("POST", "/orders/cancel", {"ids": [early["order_id"]]}).status_code == 200
    track = api.call("GET", f"/courier/track/awb/{early['awb']}").json()["tracking_data"]
    assert track["shipment_status"] == 8
    clock.advance(24 * 3600)
    refused = api.call("POST", "/orders/cancel", {"ids": [late["order_id"]]})
    assert refused.status_code == 400
    assert "after pickup" in refused.json()["message"]


def test_label_is_a_pdf(api):
    shipment = booked(api)
    body = api.call("POST", "/courier/generate/label", {"shipment_id": [shipment["shipment_id"]]})
    url = body.json()["label_url"]
    pdf = api.web.get(url.removeprefix("http://testserver"))
    assert pdf.status_code == 200
    assert pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")


def test_ndr_list_and_actions(api, user):
    seed_shipments(user, 40, seed=3)
    failing = SandboxShiprocketOrder.objects.filter(user=user, outcome="rto").first()
    assert failing is not None
    not_yet = api.call("POST", f"/ndr/{failing.awb}/action", {"action": "return"})
    assert not_yet.status_code == 400  # not in NDR yet
    first = failing.scans.filter(sr_status=21).order_by("at").first()
    clock.advance((first.at - clock.now()).total_seconds() + 1)
    listed = api.call("GET", "/ndr/all", per_page="100").json()
    (item,) = [i for i in listed["data"] if i["awb_code"] == failing.awb]
    assert item["attempts"] == 1
    assert item["status_code"] == 36
    bad = api.call("POST", f"/ndr/{failing.awb}/action", {"action": "fly"})
    assert bad.status_code == 422
    taken = api.call("POST", f"/ndr/{failing.awb}/action", {"action": "re-attempt"})
    assert taken.status_code == 202
    clock.advance(3 * 24 * 3600)
    track = api.call("GET", f"/courier/track/awb/{failing.awb}").json()["tracking_data"]
    assert track["shipment_status"] == 7


def test_the_rate_limit_answers_429(api, settings):
    settings.SANDBOX_SHIPROCKET_LIMITS = {"ndr": (2, 60)}
    assert [api.call("GET", "/ndr/all").status_code for _ in range(3)] == [200, 200, 429]
    assert api.call("GET", "/ndr/all").json()["message"].startswith("You have exceeded")


# --- journeys and the webhook ---------------------------------------------------------------
def test_journeys_are_realistic(user):
    seed_shipments(user, 300, seed=11)
    orders = list(SandboxShiprocketOrder.objects.filter(user=user))
    outcomes = Counter(o.outcome for o in orders)
    cod = [o for o in orders if o.payment_method == "COD"]
    rto_share = sum(o.outcome == "rto" for o in cod) / len(cod)
    assert 0.12 < rto_share < 0.30  # about a fifth of COD
    assert 0 < outcomes["lost"] < 20
    for order in orders:
        scans = list(order.scans.order_by("at"))
        statuses = [s.sr_status for s in scans]
        assert statuses[:3] == [19, 42, 6]
        days = (scans[-1].at - order.pickup_requested_at) / timedelta(days=1)
        if order.outcome == "delivered":
            assert statuses[-2:] == [17, 7]
            assert 1.0 <= days <= 7.5  # an evening pickup request: <1.5 days
        elif order.outcome == "rto":
            assert 1 <= statuses.count(21) <= 3
            assert statuses[-3:] == [9, 46, 10]
        elif order.outcome == "lost":
            assert statuses[-1] == 12


def test_each_scan_is_sent_as_the_tracking_webhook_with_the_api_key(user, receiver):
    user.webhook_url = receiver.url
    user.webhook_token = "key-123"
    user.save()
    (awb,) = seed_shipments(user, 1, seed=5)
    order = SandboxShiprocketOrder.objects.get(awb=awb)
    total = order.scans.count()
    clock.advance(10 * 24 * 3600)
    report = push.deliver_due()
    assert report.delivered == total
    bodies = [json.loads(r.body) for r in receiver.requests]
    assert [b["current_status_id"] for b in bodies] == list(
        order.scans.order_by("at", "seq").values_list("sr_status", flat=True)
    )
    first = bodies[0]
    assert first["awb"] == awb
    assert first["sr_order_id"] == order.order_id
    assert len(first["current_timestamp"].split(" ")) == 4  # "23 05 2023 11:43:52"
    assert {r.headers.get("x-api-key") for r in receiver.requests} == {"key-123"}
    assert push.deliver_due().delivered == 0  # sent once


def test_webhook_urls_with_refused_words_are_refused(db):
    with pytest.raises(ValueError, match="'sr'"):
        seed_user("x@y.in", webhook_url="https://hub.example/api/webhooks/sr/abc")


def test_morning_is_the_next_ist_run():
    at = clock.now().replace(hour=10, minute=0)  # 15:30 IST
    run = journeys.morning(at)
    local = run.astimezone(clock.IST)
    assert (local.hour, local.minute) == (9, 30)
    assert run > at
