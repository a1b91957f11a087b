"""Delhivery NDR over HTTP (the scripted loopback server): what it takes (NSL codes, attempts,
21:00 IST), re-attempts through ``/api/p/update`` and the UPL read-back, a corrected phone
through ``/api/p/edit`` first, RTO as the in-transit cancellation."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from integrations.connectors.delhivery.connector import NDR_BATCH
from integrations.dto import NdrAction, NdrActionRequestDTO
from integrations.http import ConnectorError
from tests.integrations.conftest import Reply
from tests.integrations.delhivery.test_client import connector

MORNING = datetime(2026, 11, 2, 4, 30, tzinfo=UTC)  # 10:00 IST
NIGHT = datetime(2026, 11, 2, 16, 0, tzinfo=UTC)  # 21:30 IST


@pytest.mark.parametrize(
    ("code", "attempts", "now", "allowed", "send_after"),
    [
        ("EOD-11", 1, NIGHT, True, None),
        ("eod-74 ", 2, NIGHT, True, None),
        ("EOD-11", 1, MORNING, True, datetime(2026, 11, 2, 15, 30, tzinfo=UTC)),
        ("EOD-3", 1, NIGHT, False, None),
        ("", 1, NIGHT, False, None),
        ("EOD-6", 0, NIGHT, False, None),
        ("EOD-6", 3, NIGHT, False, None),
    ],
)
def test_what_delhivery_takes_for_a_reattempt(
    scripted_server, fake_clock, code, attempts, now, allowed, send_after
):
    check = connector(scripted_server, fake_clock).ndr_action_check(
        action=NdrAction.REATTEMPT, raw_code=code, attempts=attempts, now=now
    )
    assert (check.allowed, check.send_after) == (allowed, send_after)
    assert bool(check.reason) is not allowed
    assert scripted_server.requests == []  # a check makes no call


def test_rto_is_always_taken_and_an_unknown_action_never(scripted_server, fake_clock):
    dlv = connector(scripted_server, fake_clock)
    assert dlv.ndr_action_check(action="rto", raw_code="EOD-3", attempts=3, now=MORNING).allowed
    assert not dlv.ndr_action_check(action="x", raw_code="", attempts=1, now=NIGHT).allowed


def test_reattempts_go_in_one_update_call_and_each_result_is_read_back(scripted_server, fake_clock):
    scripted_server.script(
        Reply(body={"status": True, "waybill": "111"}),  # the phone edit
        Reply(body={"request_id": "UPL123"}),
        Reply(body={"request_id": "UPL123", "status": "Completed"}),  # not processed yet
        Reply(
            body={
                "request_id": "UPL123",
                "status": "Completed",
                "result": [
                    {"waybill": "111", "status": "Success", "remark": ""},
                    {"waybill": "222", "status": "Failure", "remark": "RE-ATTEMPT not allowed"},
                ],
            }
        ),
    )
    results = connector(scripted_server, fake_clock).request_ndr_actions(
        [
            NdrActionRequestDTO("111", NdrAction.REATTEMPT, phone="9876543210"),
            NdrActionRequestDTO("222", NdrAction.REATTEMPT),
        ]
    )
    edit, update, first, second = scripted_server.requests
    assert edit.path.endswith("/api/p/edit")
    assert edit.json() == {"waybill": "111", "phone": "9876543210"}
    assert update.path.endswith("/api/p/update")
    assert update.method == "POST"
    assert update.json() == {
        "data": [{"waybill": "111", "act": "RE-ATTEMPT"}, {"waybill": "222", "act": "RE-ATTEMPT"}]
    }
    assert first.path.endswith("/api/cmu/get_bulk_upl/UPL123")
    assert first.query == "verbose=true"
    assert [(r.awb, r.ok, r.reference, r.error) for r in results] == [
        ("111", True, "UPL123", ""),
        ("222", False, "UPL123", "RE-ATTEMPT not allowed"),
    ]
    assert 2.0 in fake_clock.sleeps  # waited between the two reads


def test_rto_is_the_cancellation_and_a_refusal_is_kept(scripted_server, fake_clock):
    scripted_server.script(
        Reply(body={"status": True, "remark": "Shipment has been cancelled"}),
        Reply(body={"status": False, "remark": "Shipment can not be cancelled in DL status"}),
    )
    results = connector(scripted_server, fake_clock).request_ndr_actions(
        [NdrActionRequestDTO("111", NdrAction.RTO), NdrActionRequestDTO("222", NdrAction.RTO)]
    )
    assert [r.json() for r in scripted_server.requests] == [
        {"waybill": "111", "cancellation": "true"},
        {"waybill": "222", "cancellation": "true"},
    ]
    assert results[0].ok
    assert not results[1].ok
    assert "can not be cancelled" in results[1].error


def test_an_answer_without_an_upload_id_is_an_error(scripted_server, fake_clock):
    scripted_server.script(Reply(body={"error": "bad"}))
    with pytest.raises(ConnectorError, match="upload id"):
        connector(scripted_server, fake_clock).request_ndr_actions(
            [NdrActionRequestDTO("111", NdrAction.REATTEMPT)]
        )


def test_the_batch_is_delhiverys_1000():
    assert NDR_BATCH == 1000
