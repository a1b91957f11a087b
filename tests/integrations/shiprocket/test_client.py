"""The Shiprocket connector over HTTP (the scripted loopback server): the login token kept and
renewed (a day before its 240 h run out, or once on a 401, never on every call), the booking
calls, tracking in batches of 50, cancel and label from the AWB, NDR actions."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from integrations.connectors.shiprocket.client import TOKEN_EXPIRES_FIELD, TOKEN_FIELD
from integrations.connectors.shiprocket.connector import ShiprocketConnector
from integrations.dto import (
    AccountHandle,
    NdrAction,
    NdrActionRequestDTO,
    PaymentMethod,
    ShipmentStatus,
)
from integrations.http import ConnectorError, HttpClient, RejectedError
from tests.integrations.conftest import Reply
from tests.integrations.shiprocket.test_fixture_mapping import request

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "shiprocket"
CLIENT_FIXTURES = {
    "login.json",
    "create_adhoc.json",
    "create_refused.json",
    "assign_awb.json",
    "assign_awb_refused.json",
    "serviceability.json",
    "serviceability_none.json",
    "label.json",
    "track_awb_delivered.json",
    "journey_delivered.json",
    "journey_ndr_rto.json",
}
NOW = datetime(2026, 12, 7, 10, 0, tzinfo=UTC)
EMAIL = "api@brand.in"
PASSWORD = "s3cret-pass"  # noqa: S105 - a test value


def fixture(name: str):
    assert name in CLIENT_FIXTURES
    return json.loads((FIXTURES / name).read_text())


LOGIN = Reply(body=fixture("login.json"))


class Saved:
    """Records what the connector persists through ``save_credentials``."""

    def __init__(self) -> None:
        self.calls: list[tuple[dict, datetime | None]] = []

    def __call__(self, updates, expires_at) -> None:
        self.calls.append((dict(updates), expires_at))


def connector(server, clock, *, credentials=None, now=NOW, settings=None):
    handle = AccountHandle(
        id=1,
        merchant_id=1,
        provider="shiprocket",
        external_id=EMAIL,
        base_url=f"{server.url}/sandbox/shiprocket/v1/external",
        credentials={"password": PASSWORD, **(credentials or {})},
        settings={
            "email": EMAIL,
            "pickup_location": "Bhiwandi WH",
            "pickup_postcode": "421302",
            **(settings or {}),
        },
    )
    http = HttpClient(provider="shiprocket", max_retries=0, sleep=clock.sleep)
    sr = ShiprocketConnector(handle, http, clock=clock, sleep=clock.sleep, now=lambda: now)
    sr.credentials_saver = saved = Saved()
    return sr, saved


def fresh(token: str = "kept-token", *, left: timedelta = timedelta(days=5)) -> dict:  # noqa: S107
    return {TOKEN_FIELD: token, TOKEN_EXPIRES_FIELD: (NOW + left).isoformat()}


def paths(server) -> list[str]:
    return [r.path.removeprefix("/sandbox/shiprocket/v1/external") for r in server.requests]


# --- the token ------------------------------------------------------------------------------
def test_check_credentials_logs_in_and_keeps_the_token_for_240_hours(scripted_server, fake_clock):
    scripted_server.script(LOGIN)
    sr, saved = connector(scripted_server, fake_clock)
    assert sr.check_credentials() == {
        "name": f"Shiprocket {EMAIL}",
        "token_expires_at": NOW + timedelta(hours=240),
    }
    (sent,) = scripted_server.requests
    assert sent.method == "POST"
    assert paths(scripted_server) == ["/auth/login"]
    assert sent.json() == {"email": EMAIL, "password": PASSWORD}
    ((updates, expires_at),) = saved.calls
    assert updates[TOKEN_FIELD] == fixture("login.json")["token"]
    assert expires_at == NOW + timedelta(hours=240)
    assert updates[TOKEN_EXPIRES_FIELD] == expires_at.isoformat()


def test_a_valid_token_is_reused_on_every_call(scripted_server, fake_clock):
    scripted_server.script(Reply(body=fixture("journey_delivered.json")))
    sr, saved = connector(scripted_server, fake_clock, credentials=fresh())
    for _ in range(3):
        sr.track_shipments(["90011000001"])
    assert paths(scripted_server) == ["/courier/track/awbs"] * 3
    assert {r.headers["Authorization"] for r in scripted_server.requests} == {"Bearer kept-token"}
    assert saved.calls == []
    assert sr.client.logins == 0


@pytest.mark.parametrize(
    "credentials",
    [
        {},  # never logged in
        fresh(left=timedelta(hours=-1)),  # expired
        fresh(left=timedelta(hours=20)),  # less than a day left
    ],
    ids=["none", "expired", "expiring"],
)
def test_an_expired_or_expiring_token_is_renewed_once(scripted_server, fake_clock, credentials):
    scripted_server.script(LOGIN, Reply(body=fixture("journey_delivered.json")))
    sr, saved = connector(scripted_server, fake_clock, credentials=credentials)
    sr.track_shipments(["90011000001"])
    sr.track_shipments(["90011000001"])
    assert paths(scripted_server) == ["/auth/login", "/courier/track/awbs", "/courier/track/awbs"]
    token = fixture("login.json")["token"]
    assert scripted_server.requests[1].headers["Authorization"] == f"Bearer {token}"
    assert len(saved.calls) == 1
    assert sr.client.logins == 1


def test_a_401_logs_in_again_once_and_repeats_the_call(scripted_server, fake_clock):
    scripted_server.script(
        Reply(status=401, body={"message": "Token has expired", "status_code": 401}),
        LOGIN,
        Reply(body=fixture("journey_delivered.json")),
    )
    sr, saved = connector(scripted_server, fake_clock, credentials=fresh())
    (track,) = sr.track_shipments(["90011000001"])
    assert track.status == ShipmentStatus.DELIVERED
    assert paths(scripted_server) == ["/courier/track/awbs", "/auth/login", "/courier/track/awbs"]
    assert len(saved.calls) == 1


def test_a_second_401_is_permanent_and_makes_no_more_logins(scripted_server, fake_clock):
    scripted_server.script(
        Reply(status=401, body={"message": "Token has expired"}),
        LOGIN,
        Reply(status=401, body={"message": "Unauthenticated."}),
    )
    sr, _ = connector(scripted_server, fake_clock, credentials=fresh())
    with pytest.raises(ConnectorError) as caught:
        sr.track_shipments(["90011000001"])
    assert caught.value.permanent
    assert paths(scripted_server) == ["/courier/track/awbs", "/auth/login", "/courier/track/awbs"]


def test_a_refused_login_is_permanent(scripted_server, fake_clock):
    scripted_server.script(
        Reply(status=400, body={"message": "Invalid email and password combination"})
    )
    sr, saved = connector(scripted_server, fake_clock)
    with pytest.raises(ConnectorError) as caught:
        sr.check_credentials()
    assert caught.value.permanent
    assert saved.calls == []


# --- tracking -------------------------------------------------------------------------------
def test_tracking_goes_in_batches_of_50(scripted_server, fake_clock):
    scripted_server.script(Reply(body={}))
    sr, _ = connector(scripted_server, fake_clock, credentials=fresh())
    awbs = [f"9001{i:07d}" for i in range(120)]
    assert sr.track_shipments(awbs) == []
    sent = [r.json()["awbs"] for r in scripted_server.requests]
    assert [len(s) for s in sent] == [50, 50, 20]
    assert [a for chunk in sent for a in chunk] == awbs


# --- booking --------------------------------------------------------------------------------
def test_booking_creates_the_order_assigns_the_awb_and_asks_for_pickup(scripted_server, fake_clock):
    scripted_server.script(
        Reply(body=fixture("create_adhoc.json")),
        Reply(body=fixture("assign_awb.json")),
        Reply(body={"pickup_status": 1, "response": {"pickup_scheduled_date": "2022-11-25"}}),
    )
    sr, _ = connector(scripted_server, fake_clock, credentials=fresh())
    (booked,) = sr.book_shipments([request(courier_hint="142")])
    assert booked.ok
    assert booked.awb == "321055706540"
    assert booked.raw["order_id"] == "281248157"
    assert booked.raw["shipment_id"] == "16090281"
    assert paths(scripted_server) == [
        "/orders/create/adhoc",
        "/courier/assign/awb",
        "/courier/generate/pickup",
    ]
    create, assign, pickup = (r.json() for r in scripted_server.requests)
    assert create["order_id"] == "SGM-1001"
    assert create["payment_method"] == "COD"
    assert assign == {"shipment_id": 16090281, "courier_id": 142}
    assert pickup == {"shipment_id": [16090281]}


def test_without_a_courier_hint_shiprocket_recommends(scripted_server, fake_clock):
    scripted_server.script(
        Reply(body=fixture("create_adhoc.json")),
        Reply(body=fixture("assign_awb.json")),
        Reply(body={"pickup_status": 1}),
    )
    sr, _ = connector(scripted_server, fake_clock, credentials=fresh())
    sr.book_shipments([request(payment_method=PaymentMethod.PREPAID, cod_amount=Decimal(0))])
    assert scripted_server.requests[1].json() == {"shipment_id": 16090281}


def test_a_refused_awb_cancels_the_new_order(scripted_server, fake_clock):
    scripted_server.script(
        Reply(body=fixture("create_adhoc.json")),
        Reply(body=fixture("assign_awb_refused.json")),
        Reply(body={"status": 200, "message": "Order cancelled successfully."}),
    )
    sr, _ = connector(scripted_server, fake_clock, credentials=fresh())
    (booked,) = sr.book_shipments([request()])
    assert not booked.ok
    assert "not serviceable" in booked.error
    assert paths(scripted_server)[-1] == "/orders/cancel"
    assert scripted_server.requests[-1].json() == {"ids": [281248157]}


def test_a_refused_order_is_not_booked(scripted_server, fake_clock):
    scripted_server.script(Reply(status=422, body=fixture("create_refused.json")))
    sr, _ = connector(scripted_server, fake_clock, credentials=fresh())
    (booked,) = sr.book_shipments([request()])
    assert not booked.ok
    assert "billing phone" in booked.error
    assert paths(scripted_server) == ["/orders/create/adhoc"]


def test_serviceability_asks_from_the_pickup_pincode(scripted_server, fake_clock):
    scripted_server.script(
        Reply(body=fixture("serviceability.json")), Reply(body=fixture("serviceability_none.json"))
    )
    sr, _ = connector(scripted_server, fake_clock, credentials=fresh())
    served, unserved = sr.check_serviceability(["411014", "999999"])
    assert served.serviceable
    assert served.cod
    assert not unserved.serviceable
    query = scripted_server.requests[0].query
    assert "pickup_postcode=421302" in query
    assert "delivery_postcode=411014" in query
    assert "weight=0.5" in query
    assert "cod=0" in query  # every courier listed, COD read from each one's flag


def test_freight_quote_for_cod_and_the_rto_leg(scripted_server, fake_clock):
    scripted_server.script(Reply(body=fixture("serviceability.json")))
    sr, _ = connector(scripted_server, fake_clock, credentials=fresh())
    quote = sr.freight_quote(
        origin_pincode="421302",
        destination_pincode="411014",
        weight_grams=1200,
        payment_method=PaymentMethod.COD,
    )
    assert quote.total == Decimal("96.50")
    assert quote.cod_fee == Decimal("38.00")
    rto = sr.freight_quote(
        origin_pincode="421302",
        destination_pincode="411014",
        weight_grams=1200,
        payment_method=PaymentMethod.COD,
        leg="rto",
    )
    assert rto.total == Decimal("58.50")
    assert "weight=1.2" in scripted_server.requests[0].query
    with pytest.raises(ValueError, match="unknown leg"):
        sr.freight_quote(
            origin_pincode="1", destination_pincode="2", weight_grams=1, payment_method="x", leg="?"
        )


# --- cancel, label, NDR ---------------------------------------------------------------------
def test_cancel_reads_the_order_id_back_from_the_awb(scripted_server, fake_clock):
    scripted_server.script(
        Reply(body=fixture("track_awb_delivered.json")),
        Reply(body={"status": 200, "message": "Order cancelled successfully."}),
    )
    sr, _ = connector(scripted_server, fake_clock, credentials=fresh())
    sr.cancel_shipment("141123221084922")
    assert paths(scripted_server) == ["/courier/track/awb/141123221084922", "/orders/cancel"]
    assert scripted_server.requests[1].json() == {"ids": [237157589]}


def test_a_refused_cancel_is_rejected_with_shiprocket_reason(scripted_server, fake_clock):
    scripted_server.script(
        Reply(body=fixture("track_awb_delivered.json")),
        Reply(status=400, body={"message": "Order cannot be cancelled after pickup."}),
    )
    sr, _ = connector(scripted_server, fake_clock, credentials=fresh())
    with pytest.raises(RejectedError, match="after pickup"):
        sr.cancel_shipment("141123221084922")


def test_label_of_a_booked_awb_needs_no_lookup(scripted_server, fake_clock):
    scripted_server.script(
        Reply(body=fixture("create_adhoc.json")),
        Reply(body=fixture("assign_awb.json")),
        Reply(body={"pickup_status": 1}),
        Reply(body=fixture("label.json")),
    )
    sr, _ = connector(scripted_server, fake_clock, credentials=fresh())
    (booked,) = sr.book_shipments([request()])
    assert sr.label_url(booked.awb).endswith("/16090281.pdf")
    assert paths(scripted_server)[-1] == "/courier/generate/label"
    assert scripted_server.requests[-1].json() == {"shipment_id": [16090281]}


def test_ndr_actions_are_sent_one_awb_at_a_time(scripted_server, fake_clock):
    scripted_server.script(
        Reply(status=202, body={"message": "Action taken"}),
        Reply(status=202, body={}),
        Reply(status=400, body={"message": "NDR action not allowed for this AWB."}),
    )
    sr, _ = connector(scripted_server, fake_clock, credentials=fresh())
    results = sr.request_ndr_actions(
        [
            NdrActionRequestDTO(
                "A1", NdrAction.REATTEMPT, reattempt_on=date(2026, 12, 8), phone="9876500000"
            ),
            NdrActionRequestDTO("A2", NdrAction.RTO),
            NdrActionRequestDTO("A3", NdrAction.RTO),
            NdrActionRequestDTO("A4", "wait"),
        ]
    )
    assert [r.ok for r in results] == [True, True, False, False]
    assert "not allowed" in results[2].error
    assert paths(scripted_server) == ["/ndr/A1/action", "/ndr/A2/action", "/ndr/A3/action"]
    first, second, _ = (r.json() for r in scripted_server.requests)
    assert first["action"] == "re-attempt"
    assert "2026-12-08" in first["comments"]
    assert "9876500000" in first["comments"]
    assert second["action"] == "return"


@pytest.mark.parametrize(
    ("action", "attempts", "allowed"),
    [
        (NdrAction.REATTEMPT, 1, True),
        (NdrAction.REATTEMPT, 2, True),
        (NdrAction.REATTEMPT, 3, False),
        (NdrAction.RTO, 3, True),
        ("wait", 1, False),
    ],
)
def test_ndr_action_check(scripted_server, fake_clock, action, attempts, allowed):
    sr, _ = connector(scripted_server, fake_clock)
    check = sr.ndr_action_check(action=action, raw_code="21", attempts=attempts, now=NOW)
    assert check.allowed is allowed
    assert check.send_after is None
    if not allowed:
        assert check.reason


def test_the_journey_fixture_keeps_rto_through_the_client(scripted_server, fake_clock):
    scripted_server.script(Reply(body=fixture("journey_ndr_rto.json")))
    sr, _ = connector(scripted_server, fake_clock, credentials=fresh())
    (track,) = sr.track_shipments(["90011000003"])
    assert track.status == ShipmentStatus.RTO_DELIVERED


def test_every_operation_the_connector_calls_has_a_bucket():
    import re

    from integrations.connectors.shiprocket import connector as module
    from integrations.connectors.shiprocket.client import PLANS

    source = Path(module.__file__).read_text()
    used = set(re.findall(r"client\.(?:json|request)\(\s*\"(\w+)\"", source))
    assert used
    assert used <= set(PLANS)
    assert "login" in PLANS
