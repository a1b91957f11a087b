"""Journeys on the sandbox clock: their distribution over a few hundred shipments, cancellation
and NDR re-attempts (logistics-finance-notes.md §1, channel-apis.md §5.1)."""

from __future__ import annotations

import random
from collections import Counter
from datetime import timedelta

from sandbox.delhivery import clock as dlv_clock
from sandbox.delhivery.journeys import REATTEMPT_CODES
from tests.sandbox.delhivery.conftest import item, parse

DAY = 24 * 3600
PINS = [
    ("400069", "Mumbai", "Maharashtra"),
    ("560034", "Bengaluru", "Karnataka"),
    ("144042", "Nakodar", "Punjab"),
    ("700039", "Kolkata", "West Bengal"),
    ("302017", "Jaipur", "Rajasthan"),
    ("110017", "Delhi", "Delhi"),
]


def _create_many(dlv, count: int, seed: int = 11) -> dict[str, str]:
    """``count`` shipments, half COD, through create.json; waybill → payment mode."""
    rng = random.Random(seed)
    items = []
    for n in range(count):
        pin, city, state = rng.choice(PINS)
        cod = n % 2 == 0
        items.append(
            item(
                f"J-{n}",
                pin=pin,
                city=city,
                state=state,
                payment_mode="COD" if cod else "Prepaid",
                cod_amount=599 if cod else 0,
            )
        )
    modes = {}
    for start in range(0, count, 100):
        answer = dlv.create(*items[start : start + 100])
        for package in answer["packages"]:
            assert package["status"] == "Success", package
            modes[package["waybill"]] = package["payment"]
    return modes


def _track_all(dlv, waybills: list[str]) -> dict[str, dict]:
    shipments = {}
    for start in range(0, len(waybills), 50):
        for data in dlv.track(*waybills[start : start + 50])["ShipmentData"]:
            shipments[data["Shipment"]["AWB"]] = data["Shipment"]
    return shipments


def _ndr_attempts(shipment: dict) -> int:
    return sum(
        1
        for s in shipment["Scans"]
        if s["ScanDetail"]["ScanType"] == "UD" and s["ScanDetail"]["StatusCode"] in REATTEMPT_CODES
    )


def test_journeys_distribution_over_400_seeded_shipments(dlv, frozen_clock):
    modes = _create_many(dlv, 400)
    frozen_clock.advance(30 * DAY)
    shipments = _track_all(dlv, list(modes))
    assert len(shipments) == 400
    outcomes: Counter = Counter()
    for waybill, shipment in shipments.items():
        status = shipment["Status"]
        scans = [s["ScanDetail"] for s in shipment["Scans"]]
        assert all(s["StatusCode"] for s in scans)
        assert scans[0]["StatusCode"] == "X-UCI"
        assert [parse(s["ScanDateTime"]) for s in scans] == sorted(
            parse(s["ScanDateTime"]) for s in scans
        )
        kind = (status["StatusType"], status["Status"])
        payment = "COD" if modes[waybill] == "COD" else "Prepaid"
        if kind == ("DL", "Delivered"):
            outcomes[payment, "delivered"] += 1
            assert status["StatusCode"] == "EOD-38"
            days = parse(shipment["DeliveryDate"]) - parse(scans[0]["ScanDateTime"])
            assert timedelta(days=2) <= days <= timedelta(days=7), waybill
            assert shipment["RTOStartedDate"] is None
        elif kind == ("DL", "RTO"):
            outcomes[payment, "rto"] += 1
            assert 1 <= _ndr_attempts(shipment) <= 3
            assert shipment["RTOStartedDate"] is not None
            assert shipment["ReturnedDate"] is not None
            assert any(s["ScanType"] == "RT" for s in scans)
            assert shipment["ReverseInTransit"] is False  # it has arrived back
        elif status["Status"] == "LOST":
            outcomes[payment, "lost"] += 1
        else:
            raise AssertionError(f"{waybill} still {kind} after 30 days")
    cod = sum(v for (p, _), v in outcomes.items() if p == "COD")
    prepaid = sum(v for (p, _), v in outcomes.items() if p == "Prepaid")
    assert cod == prepaid == 200
    cod_rto = outcomes["COD", "rto"] / cod
    assert 0.12 <= cod_rto <= 0.28, outcomes
    assert outcomes["Prepaid", "rto"] / prepaid <= 0.08, outcomes
    lost = outcomes["COD", "lost"] + outcomes["Prepaid", "lost"]
    assert 1 <= lost <= 20, outcomes
    print(dict(outcomes))  # noqa: T201 - the measured distribution, for the report


def test_an_rto_is_reverse_in_transit_while_it_travels_back(dlv, frozen_clock):
    modes = _create_many(dlv, 60, seed=3)
    start = frozen_clock.now
    frozen_clock.advance(30 * DAY)
    shipments = _track_all(dlv, list(modes))
    rto = next(s for s in shipments.values() if s["Status"]["Status"] == "RTO")
    started = parse(rto["RTOStartedDate"]).replace(tzinfo=dlv_clock.IST)
    frozen_clock.now = started.timestamp() + 3600
    assert frozen_clock.now > start
    during = dlv.track(rto["AWB"])["ShipmentData"][0]["Shipment"]
    assert during["ReverseInTransit"] is True
    assert during["Status"]["StatusType"] == "RT"
    assert during["RTOStartedDate"] == rto["RTOStartedDate"]


def test_cancel_in_manifested_stays_manifested_and_in_transit_starts_an_rto(dlv, frozen_clock):
    early = dlv.create(item("C-1"))["packages"][0]["waybill"]
    later = dlv.create(item("C-2"))["packages"][0]["waybill"]
    cancelled = dlv.post_json("/api/p/edit", {"waybill": early, "cancellation": "true"}).json()
    assert cancelled["status"] is True
    frozen_clock.advance(10 * 3600)
    moving = dlv.track(later)["ShipmentData"][0]["Shipment"]
    assert (moving["Status"]["StatusType"], moving["Status"]["Status"]) == ("UD", "In Transit")
    answer = dlv.post_json("/api/p/edit", {"waybill": later, "cancellation": "true"}).json()
    assert answer["status"] is True
    frozen_clock.advance(3600)
    returning = dlv.track(later)["ShipmentData"][0]["Shipment"]
    assert returning["Status"]["StatusType"] == "RT"
    assert returning["ReverseInTransit"] is True
    assert returning["RTOStartedDate"] is not None
    frozen_clock.advance(12 * DAY)
    done = dlv.track(early, later)["ShipmentData"]
    by_awb = {d["Shipment"]["AWB"]: d["Shipment"] for d in done}
    assert by_awb[early]["Status"]["StatusType"] == "UD"
    assert by_awb[early]["Status"]["Status"] == "Manifested"
    assert (by_awb[later]["Status"]["StatusType"], by_awb[later]["Status"]["Status"]) == (
        "DL",
        "RTO",
    )
    # A delivered or returned shipment cannot be cancelled.
    again = dlv.post_json("/api/p/edit", {"waybill": later, "cancellation": "true"}).json()
    assert again["status"] is False


def test_ndr_reattempt_only_for_the_listed_codes(dlv, frozen_clock):
    modes = _create_many(dlv, 80, seed=5)
    frozen_clock.advance(30 * DAY)
    shipments = _track_all(dlv, list(modes))
    failed = next(s for s in shipments.values() if s["Status"]["Status"] == "RTO")
    first_ndr = next(
        s["ScanDetail"] for s in failed["Scans"] if s["ScanDetail"]["StatusCode"] in REATTEMPT_CODES
    )
    at = parse(first_ndr["ScanDateTime"]).replace(tzinfo=dlv_clock.IST).timestamp()
    frozen_clock.now = at + 60
    now_seen = _track_all(dlv, [w for w in modes if w != failed["AWB"]])
    in_transit = next(
        s for s in now_seen.values() if s["Status"]["StatusCode"] not in REATTEMPT_CODES
    )
    pending = dlv.track(failed["AWB"])["ShipmentData"][0]["Shipment"]["Status"]
    assert pending["StatusCode"] in REATTEMPT_CODES
    response = dlv.post_json(
        "/api/p/update",
        {
            "data": [
                {"waybill": failed["AWB"], "act": "RE-ATTEMPT"},
                {"waybill": in_transit["AWB"], "act": "RE-ATTEMPT"},
            ]
        },
    )
    assert response.status_code == 200
    upl = response.json()["request_id"]
    assert upl.startswith("UPL")
    status = dlv.get(f"/api/cmu/get_bulk_upl/{upl}", {"verbose": "true"}).json()
    results = {r["waybill"]: r for r in status["result"]}
    assert results[failed["AWB"]]["status"] == "Success"
    assert results[in_transit["AWB"]]["status"] == "Failure"
    frozen_clock.advance(2 * DAY)
    after = dlv.track(failed["AWB"])["ShipmentData"][0]["Shipment"]
    dispatches = [s for s in after["Scans"] if s["ScanDetail"]["Scan"] == "Dispatched"]
    assert (
        parse(dispatches[-1]["ScanDetail"]["ScanDateTime"])
        .replace(tzinfo=dlv_clock.IST)
        .timestamp()
        > at
    )
    too_many = dlv.post_json(
        "/api/p/update", {"data": [{"waybill": "1", "act": "RE-ATTEMPT"}] * 1001}
    )
    assert too_many.status_code == 400


def test_a_reverse_pickup_ends_in_dto_and_a_scheduled_one_can_be_cancelled(dlv, frozen_clock):
    answer = dlv.create(
        item("R-1", payment_mode="Pickup", cod_amount=0), item("R-2", payment_mode="Pickup")
    )
    assert answer["pickups_count"] == 2
    first, second = (p["waybill"] for p in answer["packages"])
    frozen_clock.advance(3600)
    scheduled = dlv.track(second)["ShipmentData"][0]["Shipment"]["Status"]
    assert (scheduled["StatusType"], scheduled["Status"]) == ("PP", "Scheduled")
    cancelled = dlv.post_json("/api/p/edit", {"waybill": second, "cancellation": "true"}).json()
    assert cancelled["status"] is True
    frozen_clock.advance(10 * DAY)
    by_awb = {d["Shipment"]["AWB"]: d["Shipment"] for d in dlv.track(first, second)["ShipmentData"]}
    done = by_awb[first]
    assert (done["Status"]["StatusType"], done["Status"]["Status"]) == ("DL", "DTO")
    assert done["OrderType"] == "Pickup"
    types = [s["ScanDetail"]["ScanType"] for s in done["Scans"]]
    assert types[0] == "PP"
    assert "PU" in types
    assert (by_awb[second]["Status"]["StatusType"], by_awb[second]["Status"]["Status"]) == (
        "CN",
        "Canceled",
    )
