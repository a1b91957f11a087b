"""The Delhivery status table: every documented (StatusType, Status) pair, every NDR code,
unknown pairs, and IST timestamps with variable fractions (channel-apis.md §5.1,
logistics-finance-notes.md §1)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from integrations.connectors.delhivery.status import (
    IST,
    NDR_CODES,
    PAIR_STATUS,
    REATTEMPT_NSL_CODES,
    map_status,
    mark_transitions,
    parse_ist,
)
from integrations.dto import NdrReason, ShipmentStatus, TrackingEventDTO

S = ShipmentStatus
PAIRS = [
    ("UD", "Manifested", "X-UCI", S.MANIFESTED),
    ("UD", "Not Picked", "", S.MANIFESTED),
    ("UD", "In Transit", "X-ILL1F", S.IN_TRANSIT),
    ("UD", "In Transit", "X-PPOM", S.PICKED_UP),
    ("UD", "Pending", "X-DDD3FD", S.IN_TRANSIT),
    ("UD", "Dispatched", "X-DDO3F", S.OUT_FOR_DELIVERY),
    ("DL", "Delivered", "EOD-38", S.DELIVERED),
    ("RT", "In Transit", "", S.RTO_IN_TRANSIT),
    ("RT", "Pending", "", S.RTO_IN_TRANSIT),
    ("RT", "Dispatched", "", S.RTO_IN_TRANSIT),
    ("DL", "RTO", "", S.RTO_DELIVERED),
    ("PP", "Open", "", S.MANIFESTED),
    ("PP", "Scheduled", "", S.MANIFESTED),
    ("PP", "Dispatched", "", S.MANIFESTED),
    ("PU", "In Transit", "", S.IN_TRANSIT),
    ("PU", "Pending", "", S.IN_TRANSIT),
    ("PU", "Dispatched", "", S.OUT_FOR_DELIVERY),
    ("DL", "DTO", "", S.DELIVERED),
    ("CN", "Canceled", "", S.CANCELLED),
    ("CN", "Closed", "", S.CANCELLED),
    ("UD", "LOST", "", S.LOST),
    ("LT", "LOST", "", S.LOST),
]


@pytest.mark.parametrize(("kind", "status", "code", "expected"), PAIRS)
def test_every_documented_pair_maps_to_its_status(kind, status, code, expected):
    assert map_status(kind, status, code) == (expected, "")


def test_the_table_covers_every_pair_of_the_table():
    tested = {(k.upper(), s.upper()) for k, s, _, _ in PAIRS}
    assert set(PAIR_STATUS) - {("CN", "CANCELLED")} <= tested


def test_case_and_spacing_of_delhivery_values_do_not_matter():
    assert map_status(" ud ", "in  transit", "x-ppom") == (S.PICKED_UP, "")


NDR_ROWS = [
    ("EOD-74", NdrReason.ADDRESS_ISSUE),
    ("EOD-15", NdrReason.OTHER),
    ("EOD-104", NdrReason.ADDRESS_ISSUE),
    ("EOD-43", NdrReason.OTHER),
    ("EOD-86", NdrReason.OTHER),
    ("EOD-11", NdrReason.CUSTOMER_UNAVAILABLE),
    ("EOD-69", NdrReason.OTHER),
    ("EOD-6", NdrReason.REFUSED),
    ("EOD-3", NdrReason.RESCHEDULED),
    ("EOD-40", NdrReason.COD_NOT_READY),
    ("EOD-111", NdrReason.REFUSED),
    ("EOD-133", NdrReason.COD_NOT_READY),
    ("EOD-146", NdrReason.OTHER),
    ("EOD-148", NdrReason.OTHER),
    ("DLYDC-107", NdrReason.CUSTOMER_UNAVAILABLE),
    ("DLYDC-110", NdrReason.RESCHEDULED),
    ("DLYDC-132", NdrReason.OUT_OF_DELIVERY_AREA),
    ("SC-102", NdrReason.OUT_OF_DELIVERY_AREA),
    ("SC-103", NdrReason.OTHER),
    ("L-RPIE", NdrReason.OTHER),
]


@pytest.mark.parametrize(("code", "reason"), NDR_ROWS)
@pytest.mark.parametrize("status", ["Pending", "Dispatched", "In Transit"])
def test_a_forward_scan_with_an_ndr_code_is_an_ndr_with_its_reason(code, reason, status):
    assert map_status("UD", status, code) == (S.NDR, reason)


def test_every_ndr_code_is_tested_and_has_a_meaning():
    assert {code for code, _ in NDR_ROWS} == set(NDR_CODES)
    assert all(meaning for _, meaning in NDR_CODES.values())


def test_an_ndr_code_on_a_return_or_delivered_scan_is_not_an_ndr():
    assert map_status("RT", "Pending", "EOD-11") == (S.RTO_IN_TRANSIT, "")
    assert map_status("DL", "Delivered", "EOD-11") == (S.DELIVERED, "")


def test_the_reattempt_codes_are_delhiverys_list_and_all_are_ndr_codes():
    assert {"EOD-74", "EOD-15", "EOD-104", "EOD-43", "EOD-86", "EOD-11", "EOD-69", "EOD-6"} == (
        REATTEMPT_NSL_CODES
    )
    assert set(NDR_CODES) >= REATTEMPT_NSL_CODES


@pytest.mark.parametrize(
    ("kind", "status", "expected"),
    [
        ("UD", "Held", S.IN_TRANSIT),
        ("PU", "Held", S.IN_TRANSIT),
        ("PP", "Unknown", S.MANIFESTED),
        ("RT", "Held", S.RTO_IN_TRANSIT),
        ("CN", "Something", S.CANCELLED),
        ("DL", "Partially Delivered", S.IN_TRANSIT),
        ("ZZ", "Mystery", S.IN_TRANSIT),
        ("", "", S.IN_TRANSIT),
    ],
)
def test_an_unknown_pair_maps_to_the_safe_status_of_its_type(kind, status, expected):
    assert map_status(kind, status, "NEW-1") == (expected, "")


def _event(at: datetime, kind: str, status: str) -> TrackingEventDTO:
    mapped, _ = map_status(kind, status)
    return TrackingEventDTO(awb="1", at=at, status=mapped, raw_status=status, raw_type=kind)


def test_the_first_rt_scan_of_a_history_starts_the_rto_and_the_first_pu_is_the_pickup():
    t0 = datetime(2024, 10, 1, tzinfo=IST)
    events = [
        _event(t0 + timedelta(hours=3), "RT", "Pending"),
        _event(t0 + timedelta(hours=2), "RT", "In Transit"),
        _event(t0, "UD", "Pending"),
    ]
    marked = mark_transitions(events)
    assert [e.status for e in marked] == [S.IN_TRANSIT, S.RTO_INITIATED, S.RTO_IN_TRANSIT]
    reverse = mark_transitions([_event(t0, "PU", "In Transit"), _event(t0, "PP", "Open")])
    assert {e.raw_type: e.status for e in reverse} == {"PU": S.PICKED_UP, "PP": S.MANIFESTED}


@pytest.mark.parametrize(
    ("text", "utc"),
    [
        ("2024-09-22T09:25:10.124", datetime(2024, 9, 22, 3, 55, 10, 124000, tzinfo=UTC)),
        ("2019-01-09 17:10:42.543", datetime(2019, 1, 9, 11, 40, 42, 543000, tzinfo=UTC)),
        ("2024-09-21T18:20:25.57", datetime(2024, 9, 21, 12, 50, 25, 570000, tzinfo=UTC)),
        ("2024-09-21T18:20:25.5", datetime(2024, 9, 21, 12, 50, 25, 500000, tzinfo=UTC)),
        ("2024-09-21T18:10:52", datetime(2024, 9, 21, 12, 40, 52, tzinfo=UTC)),
        ("2024-09-21T18:10:52.12345678", datetime(2024, 9, 21, 12, 40, 52, 123456, tzinfo=UTC)),
        ("2024-09-21T00:10:52.1", datetime(2024, 9, 20, 18, 40, 52, 100000, tzinfo=UTC)),
        ("2024-09-21T18:10:52.5+00:00", datetime(2024, 9, 21, 18, 10, 52, 500000, tzinfo=UTC)),
    ],
)
def test_ist_times_without_offset_and_with_any_fraction_become_aware(text, utc):
    parsed = parse_ist(text)
    assert parsed is not None
    assert parsed.tzinfo is not None
    assert parsed == utc
    assert parsed.utcoffset() in (timedelta(hours=5, minutes=30), timedelta(0))


def test_parsed_ist_times_compare_correctly_with_utc_ones():
    parsed = parse_ist("2024-09-22 05:00:00.1")
    assert parsed < datetime(2024, 9, 21, 23, 31, tzinfo=UTC)
    assert parsed > datetime(2024, 9, 21, 23, 29, tzinfo=timezone(timedelta(0)))


@pytest.mark.parametrize("text", [None, "", "   ", "not a date", "2024-13-01T00:00:00"])
def test_unreadable_times_are_none_never_an_exception(text):
    assert parse_ist(text) is None
