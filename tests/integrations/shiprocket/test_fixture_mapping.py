"""Table-driven mapping tests over ``tests/fixtures/shiprocket/`` (see its README): status
sequences, IST timestamps, unknown statuses, the create body, serviceability and rates."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from integrations.connectors.shiprocket import mapping, status
from integrations.connectors.shiprocket.status import IST
from integrations.dto import (
    ConsigneeDTO,
    NdrReason,
    PaymentMethod,
    ShipmentRequestDTO,
    ShipmentStatus,
)

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "shiprocket"
USED: set[str] = set()
S = ShipmentStatus


def load(name: str):
    USED.add(name)
    return json.loads((FIXTURES / name).read_text())


def request(**changes) -> ShipmentRequestDTO:
    base = ShipmentRequestDTO(
        reference="SGM-1001",
        consignee=ConsigneeDTO(
            name="Asha  Rani Verma",
            address="12 FC Road, Shivajinagar",
            city="Pune",
            state="Maharashtra",
            pincode="411014",
            phone="9876543210",
        ),
        payment_method=PaymentMethod.COD,
        cod_amount=Decimal("1299.50"),
        total_amount=Decimal("1299.50"),
        weight_grams=750,
        length_cm=Decimal("20"),
        breadth_cm=Decimal("15.5"),
        height_cm=Decimal("4"),
        products_desc="Kurta",
        quantity=2,
        pickup_location="Bhiwandi WH",
        hsn_code="6204",
    )
    return replace(base, **changes)


# --- status sequences -----------------------------------------------------------------------
JOURNEYS = [
    (
        "journey_delivered.json",
        S.DELIVERED,
        [S.MANIFESTED, S.MANIFESTED, S.PICKED_UP, S.IN_TRANSIT, S.IN_TRANSIT, S.IN_TRANSIT]
        + [S.OUT_FOR_DELIVERY, S.DELIVERED],
        1,
    ),
    (
        "journey_ndr_delivered.json",
        S.DELIVERED,
        [S.MANIFESTED, S.MANIFESTED, S.PICKED_UP, S.IN_TRANSIT, S.IN_TRANSIT, S.IN_TRANSIT]
        + [S.OUT_FOR_DELIVERY, S.NDR, S.OUT_FOR_DELIVERY, S.DELIVERED],
        2,
    ),
    (
        "journey_ndr_rto.json",
        S.RTO_DELIVERED,
        [S.MANIFESTED, S.MANIFESTED, S.PICKED_UP, S.IN_TRANSIT, S.IN_TRANSIT, S.IN_TRANSIT]
        + [S.OUT_FOR_DELIVERY, S.NDR, S.OUT_FOR_DELIVERY, S.NDR]
        + [S.RTO_INITIATED, S.RTO_IN_TRANSIT, S.RTO_DELIVERED],
        2,
    ),
    (
        "journey_lost.json",
        S.LOST,
        [S.MANIFESTED, S.MANIFESTED, S.PICKED_UP, S.IN_TRANSIT, S.IN_TRANSIT, S.LOST],
        0,
    ),
    ("journey_cancelled.json", S.CANCELLED, [S.MANIFESTED, S.CANCELLED], 0),
]


@pytest.mark.parametrize(("name", "final", "sequence", "attempts"), JOURNEYS)
def test_journeys_map_to_the_status_sequence(name, final, sequence, attempts):
    (track,) = mapping.tracking(load(name))
    assert track.status == final
    assert [e.status for e in track.events] == sequence
    assert [e.at for e in track.events] == sorted(e.at for e in track.events)
    assert track.attempts == attempts
    for event in track.events:
        assert event.raw_code.isdigit()  # Shiprocket's id kept
        assert event.raw_status  # and its label
        assert event.at.tzinfo is not None


def test_ndr_rto_keeps_ndr_reasons_and_rto_start():
    (track,) = mapping.tracking(load("journey_ndr_rto.json"))
    ndrs = [e for e in track.events if e.status == S.NDR]
    assert [e.ndr_reason for e in ndrs] == [NdrReason.ADDRESS_ISSUE, NdrReason.REFUSED]
    assert [e.raw_type for e in ndrs] == ["EOD-74", "EOD-111"]
    assert track.rto_started_at == datetime(2024, 5, 24, 10, 0, tzinfo=IST)
    assert track.delivered_at is None


def test_the_recorded_tracking_answer_and_its_na_scan():
    body = load("track_awb_delivered.json")
    track = mapping.shipment_track("141123221084922", body["tracking_data"])
    assert track.status == S.DELIVERED
    assert track.delivered_at == datetime(2022, 7, 19, 11, 37, tzinfo=IST)
    first = track.events[0]
    assert (first.raw_code, first.raw_status, first.status) == ("NA", "NA", mapping.UNMAPPED)
    assert [e.raw_code for e in track.events[1:]] == ["19", "42", "6", "18", "38", "17", "7"]
    assert track.raw == {"order_id": "237157589", "shipment_id": "236612717"}
    assert mapping.track_ids(body) == ("237157589", "236612717")


def test_an_unknown_awb_is_absent():
    body = load("track_awb_unknown.json")
    assert mapping.shipment_track("X", body["tracking_data"]) is None
    assert mapping.tracking({}) == []
    assert mapping.tracking({"X": body}) == []


def test_an_unknown_id_and_label_leaves_the_shipment_where_it_is():
    (track,) = mapping.tracking(load("journey_unknown_status.json"))
    last = track.events[-1]
    assert (last.raw_code, last.raw_status, last.status) == (
        "99",
        "SHIPMENT HELD FOR INSPECTION",
        mapping.UNMAPPED,
    )
    # the shipment-level id 99 / "Weird Hold" is unknown too: the last mapped scan's status
    assert track.status == S.PICKED_UP


@pytest.mark.parametrize(
    ("raw_id", "label", "expected"),
    [
        ("7", "DELIVERED", S.DELIVERED),
        (7, "", S.DELIVERED),
        ("", "Out For Delivery", S.OUT_FOR_DELIVERY),
        ("NA", "RTO IN TRANSIT", S.RTO_IN_TRANSIT),
        ("36", "UNDELIVERED", S.NDR),
        ("99", "IN TRANSIT", S.IN_TRANSIT),  # unknown id: the unambiguous label
        ("13", "Pickup Error", None),  # public tables disagree on 13: not mapped
        ("99", "SOMETHING NEW", None),
    ],
)
def test_map_status_by_id_then_label(raw_id, label, expected):
    assert status.map_status(raw_id, label) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("23 05 2023 11:43:52", datetime(2023, 5, 23, 11, 43, 52, tzinfo=IST)),
        ("2023-05-23 11:43:52", datetime(2023, 5, 23, 11, 43, 52, tzinfo=IST)),
        ("2022-11-25 11:17:52.878599", datetime(2022, 11, 25, 11, 17, 52, 878599, tzinfo=IST)),
        ("2023-05-23T06:13:52+00:00", datetime(2023, 5, 23, 6, 13, 52, tzinfo=UTC)),
        ("NA", None),
        ("", None),
        ("garbage", None),
    ],
)
def test_ist_timestamps(text, expected):
    parsed = status.parse_ist(text)
    assert parsed == expected
    if parsed is not None:
        assert parsed.tzinfo is not None


def test_ist_without_offset_is_five_and_a_half_hours_ahead_of_utc():
    parsed = status.parse_ist("23 05 2023 11:43:52")
    assert parsed.astimezone(UTC) == datetime(2023, 5, 23, 6, 13, 52, tzinfo=UTC)


# --- webhook --------------------------------------------------------------------------------
def test_webhook_scans_and_its_current_status():
    events = mapping.webhook_events(load("webhook_in_transit.json"))
    assert [(e.status, e.raw_code, e.raw_status) for e in events] == [
        (S.MANIFESTED, "5", "MANIFEST GENERATED"),
        (S.IN_TRANSIT, "18", "IN TRANSIT"),
    ]  # the current status is the last scan (same time, same id): not doubled
    assert events[-1].at == datetime(2023, 5, 23, 11, 43, 52, tzinfo=IST)


def test_a_webhook_without_scans_carries_its_current_status():
    (event,) = mapping.webhook_events(load("webhook_ndr.json"))
    assert (event.awb, event.status, event.raw_code) == ("90011000002", S.NDR, "21")
    assert event.at == datetime(2023, 5, 24, 18, 30, tzinfo=IST)


def test_a_webhook_without_awb_or_time_does_not_map():
    with pytest.raises(mapping.MappingError):
        mapping.webhook_events({"current_status": "DELIVERED"})
    with pytest.raises(mapping.MappingError):
        mapping.webhook_events({"awb": "1", "current_timestamp": "soon"})


# --- booking --------------------------------------------------------------------------------
def test_adhoc_order_body():
    now = datetime(2024, 5, 20, 5, 30, tzinfo=UTC)
    body = mapping.adhoc_order(request(), now=now)
    assert body["order_id"] == "SGM-1001"
    assert body["order_date"] == "2024-05-20 11:00"  # IST
    assert (body["billing_customer_name"], body["billing_last_name"]) == ("Asha", "Rani Verma")
    assert body["payment_method"] == "COD"
    assert body["sub_total"] == 1299.5  # what the courier collects
    assert body["order_items"] == [
        {"name": "Kurta", "sku": "SGM-1001", "units": 2, "selling_price": 649.75, "hsn": "6204"}
    ]
    assert body["weight"] == 0.75  # kg
    assert (body["length"], body["breadth"], body["height"]) == (20, 15.5, 4)
    assert body["pickup_location"] == "Bhiwandi WH"
    assert body["shipping_is_billing"] is True


def test_booked_keeps_shiprocket_ids():
    booked = mapping.booked(request(), load("create_adhoc.json"), load("assign_awb.json"))
    assert booked.ok
    assert (booked.awb, booked.courier_name) == ("321055706540", "Amazon Surface")
    assert booked.raw["order_id"] == "281248157"
    assert booked.raw["shipment_id"] == "16090281"
    assert booked.raw["courier_company_id"] == "142"


def test_a_refused_awb_is_not_booked():
    booked = mapping.booked(request(), load("create_adhoc.json"), load("assign_awb_refused.json"))
    assert not booked.ok
    assert "not serviceable" in booked.error
    assert booked.raw["order_id"] == "281248157"


def test_error_text_joins_message_and_field_errors():
    assert mapping.error_text(load("create_refused.json")) == (
        "Oops! Invalid Data. — billing_phone: The billing phone must be 10 digits."
    )


@pytest.mark.parametrize(
    ("changes", "problem"),
    [
        ({"reference": " "}, "empty"),
        ({"reference": "X" * 51}, "longer than 50"),
        ({"payment_method": "upi"}, "unknown payment method"),
        ({"pickup_location": ""}, "pickup location"),
    ],
)
def test_requests_refused_before_any_call(changes, problem):
    assert problem in mapping.request_problem(request(**changes))


# --- serviceability and rates ---------------------------------------------------------------
def test_serviceability():
    place = mapping.serviceability("411014", load("serviceability.json"))
    assert (place.serviceable, place.prepaid, place.cod) == (True, True, True)
    assert (place.city, place.state) == ("PUNE", "Maharashtra")
    none = mapping.serviceability("999999", load("serviceability_none.json"))
    assert (none.serviceable, none.prepaid, none.cod) == (False, False, False)


def test_freight_quote_of_the_recommended_courier_and_of_a_chosen_one():
    body = load("serviceability.json")
    recommended = mapping.chosen_courier(body)
    assert recommended["courier_name"] == "Delhivery Surface"
    quote = mapping.freight_quote(recommended, leg="forward")
    assert (quote.freight, quote.cod_fee, quote.gst, quote.total) == (
        Decimal("58.50"),
        Decimal("38.00"),
        Decimal("0.00"),
        Decimal("96.50"),
    )
    rto = mapping.freight_quote(recommended, leg="rto")
    assert (rto.total, rto.cod_fee) == (Decimal("58.50"), Decimal("0.00"))
    chosen = mapping.chosen_courier(body, "33")
    assert chosen["courier_name"] == "Xpressbees Surface"
    assert mapping.chosen_courier(load("serviceability_none.json")) is None


def test_ndr_reason_words():
    assert status.ndr_reason("Consignee unavailable") == NdrReason.CUSTOMER_UNAVAILABLE
    assert status.ndr_reason("Customer refused") == NdrReason.REFUSED
    assert status.ndr_reason("COD amount not ready") == NdrReason.COD_NOT_READY
    assert status.ndr_reason("Gate closed") == NdrReason.OTHER
    assert status.ndr_reason("") == ""


def test_every_fixture_is_used():
    """Last in the module: every file of tests/fixtures/shiprocket is read by a test here or
    named by the client tests' ``CLIENT_FIXTURES``."""
    from tests.integrations.shiprocket.test_client import CLIENT_FIXTURES

    files = {p.name for p in FIXTURES.glob("*.json")}
    assert files - USED - CLIENT_FIXTURES == set()
