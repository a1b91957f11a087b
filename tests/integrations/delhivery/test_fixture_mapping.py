"""Table-driven mapping tests over ``tests/fixtures/delhivery/`` (see its README), and the
create body's encoding (form, forbidden characters, the 50-character order)."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from urllib.parse import parse_qs, urlencode

import pytest

from integrations.connectors.delhivery import mapping
from integrations.connectors.delhivery.status import IST
from integrations.dto import (
    ConsigneeDTO,
    NdrReason,
    PaymentMethod,
    ShipmentRequestDTO,
    ShipmentStatus,
)

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "delhivery"
USED: set[str] = set()
S = ShipmentStatus


def load(name: str):
    USED.add(name)
    return json.loads((FIXTURES / name).read_text())


def text(name: str) -> str:
    USED.add(name)
    return (FIXTURES / name).read_text()


# --- tracking -------------------------------------------------------------------------------
def test_the_real_tracking_answer_maps_every_scan():
    (track,) = mapping.tracking(load("track_in_transit.json"))
    assert track.awb == "26805710004126"
    assert track.reference == "2245"
    assert track.status == S.IN_TRANSIT
    assert [e.status for e in track.events] == [
        S.MANIFESTED,
        S.MANIFESTED,
        S.PICKED_UP,
        S.IN_TRANSIT,
        S.IN_TRANSIT,
    ]
    first = track.events[0]
    assert first.at == datetime(2024, 9, 21, 14, 31, 48, 752000, tzinfo=IST)
    assert (first.raw_type, first.raw_status, first.raw_code) == ("UD", "Manifested", "X-UCI")
    assert first.location == "Amritsar_VerkaBypss_I (Punjab)"
    assert first.remark == "Manifest uploaded"
    assert track.expected_delivery == datetime(2024, 9, 24, 18, 29, 59, tzinfo=UTC)
    assert track.delivered_at is None
    assert track.attempts == 0


JOURNEYS = [
    (
        "journey_delivered.json",
        S.DELIVERED,
        [S.MANIFESTED, S.PICKED_UP, S.IN_TRANSIT, S.IN_TRANSIT, S.OUT_FOR_DELIVERY, S.DELIVERED],
        1,
        [],
    ),
    (
        "journey_ndr_delivered.json",
        S.DELIVERED,
        [S.MANIFESTED, S.PICKED_UP, S.IN_TRANSIT, S.IN_TRANSIT, S.OUT_FOR_DELIVERY, S.NDR]
        + [S.OUT_FOR_DELIVERY, S.DELIVERED],
        2,
        [NdrReason.CUSTOMER_UNAVAILABLE],
    ),
    (
        "journey_ndr_rto.json",
        S.RTO_DELIVERED,
        [S.MANIFESTED, S.PICKED_UP, S.IN_TRANSIT, S.IN_TRANSIT, S.OUT_FOR_DELIVERY, S.NDR]
        + [S.OUT_FOR_DELIVERY, S.NDR, S.RTO_INITIATED, S.RTO_IN_TRANSIT, S.RTO_IN_TRANSIT]
        + [S.RTO_DELIVERED],
        2,
        [NdrReason.ADDRESS_ISSUE, NdrReason.REFUSED],
    ),
    (
        "journey_lost.json",
        S.LOST,
        [S.MANIFESTED, S.PICKED_UP, S.IN_TRANSIT, S.LOST],
        0,
        [],
    ),
    ("journey_cancelled.json", S.CANCELLED, [S.MANIFESTED, S.CANCELLED], 0, []),
]


@pytest.mark.parametrize(("name", "final", "statuses", "attempts", "reasons"), JOURNEYS)
def test_status_journeys(name, final, statuses, attempts, reasons):
    (track,) = mapping.tracking(load(name))
    assert track.status == final
    assert [e.status for e in track.events] == statuses
    assert track.attempts == attempts
    assert [e.ndr_reason for e in track.events if e.status == S.NDR] == reasons
    assert all(e.ndr_reason == "" for e in track.events if e.status != S.NDR)
    assert all(e.at.tzinfo is not None for e in track.events)
    assert list(track.events) == sorted(track.events, key=lambda e: e.at)


def test_the_rto_journey_carries_its_dates():
    (track,) = mapping.tracking(load("journey_ndr_rto.json"))
    assert track.rto_started_at == datetime(2024, 10, 6, 11, 0, tzinfo=IST)


@pytest.mark.parametrize("name", ["track_not_found.json", "track_not_found_rmk.json"])
def test_not_found_answers_are_an_empty_list(name):
    body = load(name)
    assert mapping.is_not_found(body)
    assert mapping.tracking(body) == []


def test_an_answer_that_is_neither_tracking_nor_not_found_raises():
    with pytest.raises(mapping.MappingError):
        mapping.tracking({"detail": "something else"})


def test_a_current_rt_status_without_an_earlier_rt_scan_is_the_rto_start():
    body = load("journey_ndr_rto.json")
    shipment = body["ShipmentData"][0]["Shipment"]
    shipment["Status"] = {
        "Status": "In Transit",
        "StatusType": "RT",
        "StatusCode": "RT-101",
        "StatusDateTime": "2024-10-06T11:00:00",
    }
    shipment["Scans"] = shipment["Scans"][:8]
    (track,) = mapping.tracking(body)
    assert track.status == S.RTO_INITIATED


def test_a_shipment_without_status_or_scans_is_created_and_one_without_awb_raises():
    (track,) = mapping.tracking({"ShipmentData": [{"Shipment": {"AWB": "1", "Scans": []}}]})
    assert (track.status, track.events) == (S.CREATED, ())
    with pytest.raises(mapping.MappingError):
        mapping.tracking({"ShipmentData": [{"Shipment": {"AWB": ""}}]})


# --- push -----------------------------------------------------------------------------------
def test_the_documented_push_body_is_one_event():
    event = mapping.push_event(load("push_manifested.json"))
    assert event.awb == "1490810000028"
    assert event.status == S.MANIFESTED
    assert event.raw_code == "X-UCI"
    assert event.at == datetime(2019, 1, 9, 11, 40, 42, 767000, tzinfo=UTC)
    assert event.location == "Chandigarh_Raiprkln_C (Chandigarh)"


def test_a_pushed_ndr_scan_carries_its_reason():
    event = mapping.push_event(load("push_ndr.json"))
    assert (event.status, event.ndr_reason) == (S.NDR, NdrReason.CUSTOMER_UNAVAILABLE)


def test_the_push_dedup_key_is_awb_time_status_and_type():
    key = mapping.push_dedup_key(load("push_manifested.json"))
    assert key == "1490810000028|2019-01-09T17:10:42.767|Manifested|UD"
    assert mapping.push_dedup_key({"not": "a push"}) == ""


# --- create ---------------------------------------------------------------------------------
def request(**changes) -> ShipmentRequestDTO:
    base = ShipmentRequestDTO(
        reference="SGM-1001",
        consignee=ConsigneeDTO(
            name="Asha & Co; #1",
            address="12, 5% Lane\\Block A #3; Kharadi",
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
        products_desc="Kurta & dupatta",
        quantity=2,
        pickup_location="Bhiwandi WH",
        hsn_code="6204",
    )
    return replace(base, **changes)


def test_the_create_body_is_a_form_with_format_and_data():
    form = mapping.create_form([request()], "Bhiwandi WH")
    encoded = urlencode(form)
    assert encoded.startswith("format=json&data=")
    decoded = parse_qs(encoded)
    assert decoded["format"] == ["json"]
    data = json.loads(decoded["data"][0])
    assert data["pickup_location"] == {"name": "Bhiwandi WH"}
    (shipment,) = data["shipments"]
    assert shipment == {
        "name": "Asha Co 1",
        "add": "12, 5 LaneBlock A 3 Kharadi",
        "pin": "411014",
        "city": "Pune",
        "state": "Maharashtra",
        "country": "India",
        "phone": "9876543210",
        "order": "SGM-1001",
        "payment_mode": "COD",
        "cod_amount": 1299.5,
        "total_amount": 1299.5,
        "products_desc": "Kurta dupatta",
        "quantity": 2,
        "weight": 750,
        "shipment_length": 20,
        "shipment_width": 15.5,
        "shipment_height": 4,
        "hsn_code": "6204",
    }


@pytest.mark.parametrize("char", list(mapping.FORBIDDEN_CHARS))
def test_no_forbidden_character_reaches_the_raw_json(char):
    dirty = request(
        consignee=replace(request().consignee, name=f"A{char}B", address=f"x{char}y"),
        products_desc=f"p{char}q",
    )
    raw = mapping.create_form([dirty], f"W{char}H")["data"]
    assert char not in raw


def test_a_prepaid_shipment_sends_no_cod_amount():
    prepaid = request(payment_method=PaymentMethod.PREPAID, cod_amount=Decimal("99"))
    (shipment,) = json.loads(mapping.create_form([prepaid], "W")["data"])["shipments"]
    assert (shipment["payment_mode"], shipment["cod_amount"]) == ("Prepaid", 0)


@pytest.mark.parametrize(
    ("reference", "problem"),
    [
        ("A" * 50, ""),
        ("A" * 51, "longer than 50"),
        ("&#;", "empty"),
        ("A" * 50 + "&", ""),
    ],
)
def test_the_order_reference_is_at_most_50_characters(reference, problem):
    found = mapping.request_problem(request(reference=reference))
    assert (problem in found) if problem else found == ""


def test_the_create_answer_maps_to_a_booked_shipment():
    (booked,) = mapping.booked_shipments(
        [request(reference="GKPAeec4dc02")], load("create_response.json")
    )
    assert booked.ok
    assert (booked.awb, booked.sort_code, booked.error) == ("26805710004141", "ATQ/VKI", "")
    assert booked.reference == "GKPAeec4dc02"


def test_a_mixed_answer_is_matched_by_refnum_not_position():
    ok, refused = mapping.booked_shipments(
        [request(reference="SGM-1001"), request(reference="SGM-1002")],
        load("create_response_mixed.json"),
    )
    assert ok.ok
    assert ok.awb == "26805710004158"
    assert not refused.ok
    assert refused.awb == ""
    assert "non serviceable pincode" in refused.error


def test_a_request_missing_from_the_answer_is_refused_with_the_answers_remark():
    (missing,) = mapping.booked_shipments(
        [request(reference="SGM-9")], {"packages": [], "rmk": "format key missing"}
    )
    assert not missing.ok
    assert missing.error == "format key missing"


# --- serviceability and charges -------------------------------------------------------------
def test_serviceability_per_pincode_with_embargo_and_unknown():
    rows = mapping.serviceability(
        ["400064", "144042", "194101", "999999"], load("serviceability.json")
    )
    got = {r.pincode: (r.serviceable, r.prepaid, r.cod, r.city, r.state) for r in rows}
    assert got == {
        "400064": (True, True, False, "Mumbai", "MH"),
        "144042": (True, True, True, "Nakodar", "PB"),
        "194101": (False, False, False, "Leh", "LA"),
        "999999": (False, False, False, "", ""),
    }
    (none,) = mapping.serviceability(["110001"], load("serviceability_empty.json"))
    assert not none.serviceable


@pytest.mark.parametrize(
    ("name", "freight", "cod", "gst", "total"),
    [
        ("charges.json", "114.73", "0.00", "20.66", "135.39"),
        ("charges_cod.json", "114.74", "40.00", "27.85", "182.59"),
    ],
)
def test_charges_map_to_a_rupee_quote(name, freight, cod, gst, total):
    quote = mapping.freight_quote(load(name))
    assert (quote.freight, quote.cod_fee, quote.gst, quote.total) == (
        Decimal(freight),
        Decimal(cod),
        Decimal(gst),
        Decimal(total),
    )
    assert quote.freight + quote.cod_fee + quote.gst == quote.total


def test_a_charges_error_answer_raises():
    with pytest.raises(mapping.MappingError, match="o_pin"):
        mapping.freight_quote({"error": "Unable to process request for provided o_pin"})


def test_the_auth_and_waf_bodies_are_told_apart():
    from integrations.connectors.delhivery.client import is_waf_throttle
    from integrations.http import ConnectorError

    def error(body: str) -> ConnectorError:
        return ConnectorError("x", permanent=True, status=403, detail=body)

    assert is_waf_throttle(error(text("waf_403.html")))
    assert not is_waf_throttle(error(text("auth_refused.txt")))
    assert not is_waf_throttle(ConnectorError("x", status=401, detail=text("waf_403.html")))


def test_every_fixture_file_is_used():
    """Runs last in this module (pytest keeps file order)."""
    files = {p.name for p in FIXTURES.iterdir() if p.suffix in (".json", ".html", ".txt")}
    assert files - USED == set()
