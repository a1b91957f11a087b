"""NDR: the actions a courier would take (Delhivery's NSL codes, attempts and 21:00 IST), held
and sent requests, NDR rules (first match wins, each condition), and the possible-false-NDR
flag; through the scan import as tracking delivers them."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from integrations.connectors.delhivery.connector import DelhiveryConnector
from integrations.dto import (
    NdrAction,
    NdrActionResultDTO,
    NdrReason,
    PaymentMethod,
    ShipmentStatus,
    TrackingEventDTO,
)
from integrations.http import TransientHTTPError
from shipments.models import NdrActionRequest, NdrRule, TrackingEvent
from shipments.services import ndr
from shipments.services.tracking import tracking_events_import
from tests.shipments.conftest import make_courier, make_shipment

pytestmark = pytest.mark.django_db
S = ShipmentStatus
# 04:30 UTC is 10:00 IST; 16:00 UTC is 21:30 IST.
MORNING = datetime(2026, 11, 2, 4, 30, tzinfo=UTC)
NIGHT = datetime(2026, 11, 2, 16, 0, tzinfo=UTC)
REFUSED_AWB = "DLV-REFUSED-1"  # the fake courier refuses this one


@pytest.fixture
def courier(owner):
    return make_courier(owner.merchant)


@pytest.fixture
def sent(monkeypatch):
    """Record what reaches ``request_ndr_actions`` (the HTTP side is tested over the scripted
    server in tests/integrations/delhivery/test_ndr.py and against the sandbox in e2e)."""
    calls: list = []

    def request_ndr_actions(self, requests):
        calls.append(list(requests))
        return [
            NdrActionResultDTO(r.awb, ok=False, error="RE-ATTEMPT not allowed")
            if r.awb == REFUSED_AWB
            else NdrActionResultDTO(r.awb, ok=True, reference="UPL1")
            for r in requests
        ]

    monkeypatch.setattr(DelhiveryConnector, "request_ndr_actions", request_ndr_actions)
    return calls


def in_ndr(courier, *, code="EOD-11", reason=NdrReason.CUSTOMER_UNAVAILABLE, attempts=1,
           at=MORNING, order_fields=None, **fields):  # fmt: skip
    shipment = make_shipment(
        courier,
        status=S.NDR,
        status_at=at,
        attempts=attempts,
        ndr_reason=reason,
        order_fields=order_fields,
        **fields,
    )
    TrackingEvent.objects.create(
        shipment=shipment, at=at - timedelta(hours=3), status=S.OUT_FOR_DELIVERY,
        raw_status="Dispatched", raw_type="UD", raw_code="X-DDD3FD",
    )  # fmt: skip
    TrackingEvent.objects.create(
        shipment=shipment, at=at, status=S.NDR, raw_status="Pending", raw_type="UD",
        raw_code=code, ndr_reason=reason,
    )  # fmt: skip
    return shipment


# --- what the courier takes -------------------------------------------------------------------
def test_a_reattempt_on_a_listed_code_is_held_until_21_ist_and_rto_is_offered(courier):
    options = {o.action: o for o in ndr.ndr_options(in_ndr(courier), now=MORNING)}
    assert options[NdrAction.REATTEMPT].allowed
    assert options[NdrAction.REATTEMPT].send_after == datetime(2026, 11, 2, 15, 30, tzinfo=UTC)
    assert options[NdrAction.RTO].allowed
    assert options[NdrAction.RTO].send_after is None
    at_night = {o.action: o for o in ndr.ndr_options(in_ndr(courier), now=NIGHT)}
    assert at_night[NdrAction.REATTEMPT].allowed
    assert at_night[NdrAction.REATTEMPT].send_after is None


@pytest.mark.parametrize(
    ("code", "attempts", "words"),
    [("EOD-3", 1, "NSL codes"), ("EOD-11", 3, "one or two failed attempts")],
)
def test_a_reattempt_delhivery_would_refuse_is_not_offered(courier, code, attempts, words):
    shipment = in_ndr(courier, code=code, attempts=attempts)
    options = {o.action: o for o in ndr.ndr_options(shipment, now=NIGHT)}
    assert not options[NdrAction.REATTEMPT].allowed
    assert words in options[NdrAction.REATTEMPT].reason
    with pytest.raises(ndr.NdrActionRefused, match=words):
        ndr.ndr_action_request(shipment=shipment, action=NdrAction.REATTEMPT, now=NIGHT)
    assert not NdrActionRequest.objects.exists()


def test_a_shipment_not_in_ndr_has_no_options_and_refuses_actions(courier):
    shipment = make_shipment(courier, status=S.IN_TRANSIT)
    assert ndr.ndr_options(shipment) == []
    with pytest.raises(ndr.NdrActionRefused, match="not in NDR"):
        ndr.ndr_action_request(shipment=shipment, action=NdrAction.RTO)


@pytest.mark.parametrize(
    ("fields", "words"),
    [
        ({"phone": "12345"}, "10-digit"),
        ({"reattempt_on": date(2026, 11, 1)}, "in the past"),
        ({"action": "wait"}, "Unknown NDR action"),
    ],
)
def test_bad_input_is_refused_with_the_reason_and_nothing_stored(courier, fields, words):
    shipment = in_ndr(courier)
    kwargs = {"action": NdrAction.REATTEMPT, **fields}
    with pytest.raises(ndr.NdrActionRefused, match=words):
        ndr.ndr_action_request(shipment=shipment, now=NIGHT, **kwargs)
    assert not NdrActionRequest.objects.exists()


# --- requests: held, sent, superseded, one per attempt -----------------------------------------
def test_a_held_reattempt_is_sent_by_the_due_run_at_21_ist(courier, sent):
    shipment = in_ndr(courier)
    asked = ndr.ndr_action_request(
        shipment=shipment, action=NdrAction.REATTEMPT, phone="+91 98765 43210", now=MORNING
    )
    assert asked.status == NdrActionRequest.HELD
    assert asked.phone == "9876543210"
    assert sent == []
    assert ndr.ndr_actions_send_due(now=MORNING + timedelta(hours=2)) == {}
    assert ndr.ndr_actions_send_due(now=NIGHT) == {NdrActionRequest.ACCEPTED: 1}
    ((dto,),) = sent
    assert (dto.awb, dto.action, dto.phone) == (shipment.awb, "reattempt", "9876543210")
    asked.refresh_from_db()
    assert (asked.status, asked.courier_reference, asked.sent_at) == ("accepted", "UPL1", NIGHT)


def test_an_rto_is_sent_at_once_and_one_attempt_gets_one_action(courier, sent):
    shipment = in_ndr(courier)
    asked = ndr.ndr_action_request(shipment=shipment, action=NdrAction.RTO, now=MORNING)
    assert asked.status == NdrActionRequest.ACCEPTED
    assert len(sent) == 1
    # Accepted, the scans not moved yet: asking again for the same attempt is refused.
    with pytest.raises(ndr.NdrActionRefused, match="already pending"):
        ndr.ndr_action_request(shipment=shipment, action=NdrAction.RTO, now=MORNING)


def test_the_couriers_refusal_is_kept_with_its_reason(courier, sent):
    shipment = in_ndr(courier, awb=REFUSED_AWB)
    asked = ndr.ndr_action_request(shipment=shipment, action=NdrAction.REATTEMPT, now=NIGHT)
    assert (asked.status, asked.error) == ("refused", "RE-ATTEMPT not allowed")


def test_a_held_request_is_superseded_when_the_shipment_moves_on(courier, sent):
    shipment = in_ndr(courier)
    asked = ndr.ndr_action_request(shipment=shipment, action=NdrAction.REATTEMPT, now=MORNING)
    shipment.status = S.OUT_FOR_DELIVERY
    shipment.save()
    assert ndr.ndr_actions_send_due(now=NIGHT) == {NdrActionRequest.SUPERSEDED: 1}
    assert sent == []
    asked.refresh_from_db()
    assert asked.status == NdrActionRequest.SUPERSEDED


def test_a_failed_send_is_kept_and_tried_again_later(courier, monkeypatch):
    def unreachable(self, requests):
        raise TransientHTTPError("delhivery: 503")

    monkeypatch.setattr(DelhiveryConnector, "request_ndr_actions", unreachable)
    shipment = in_ndr(courier)
    asked = ndr.ndr_action_request(shipment=shipment, action=NdrAction.RTO, now=MORNING)
    assert asked.status == NdrActionRequest.FAILED
    assert "503" in asked.error
    soon = asked.updated_at + timedelta(minutes=1)
    assert list(ndr.ndr_actions_due(now=soon)) == []
    later = asked.updated_at + timedelta(minutes=11)
    assert list(ndr.ndr_actions_due(now=later)) == [asked]


# --- rules ------------------------------------------------------------------------------------
def rule(merchant, action, priority=10, **conditions):
    return NdrRule.objects.create(
        merchant=merchant, name=f"{action}-{priority}", priority=priority, action=action,
        **conditions,
    )  # fmt: skip


def test_the_first_matching_rule_by_priority_decides(owner, courier):
    shipment = in_ndr(courier, payment_method=PaymentMethod.COD)
    rule(owner.merchant, NdrAction.RTO, priority=30)
    rule(owner.merchant, NdrAction.WAIT, priority=5, ndr_reasons=[NdrReason.REFUSED])
    chosen = rule(owner.merchant, NdrAction.REATTEMPT, priority=20, payment_method="cod")
    rule(owner.merchant, NdrAction.RTO, priority=1, active=False)
    assert ndr.matching_rule(shipment) == chosen


@pytest.mark.parametrize(
    ("conditions", "matches"),
    [
        ({"ndr_reasons": [NdrReason.CUSTOMER_UNAVAILABLE]}, True),
        ({"ndr_reasons": [NdrReason.ADDRESS_ISSUE]}, False),
        ({"payment_method": "prepaid"}, False),
        ({"min_attempts": 2}, False),
        ({"max_attempts": 1}, True),
        ({"min_order_value": Decimal("5000")}, False),
        ({"max_order_value": Decimal("5000")}, True),
        ({"max_customer_rtos": 0}, False),
        ({"min_customer_deliveries": 1}, True),
    ],
)
def test_each_condition(owner, courier, conditions, matches):
    phone = {"customer_phone": "9811122233", "payment_method": PaymentMethod.COD}
    shipment = in_ndr(courier, order_fields=phone)
    # The same customer: one delivery and one RTO before.
    make_shipment(courier, status=S.DELIVERED, order_fields=phone)
    make_shipment(courier, status=S.RTO_DELIVERED, order_fields=phone)
    assert ndr.customer_history(shipment) == (1, 1)
    made = rule(owner.merchant, NdrAction.RTO, **conditions)
    assert ndr.rule_matches(made, shipment) is matches


def test_a_rule_for_another_couriers_account_does_not_match(owner, courier):
    other = make_courier(owner.merchant, "OTHER")
    made = rule(owner.merchant, NdrAction.RTO, courier_account=other)
    assert not ndr.rule_matches(made, in_ndr(courier))


def test_an_ndr_scan_runs_the_rules_and_the_action_is_sent_after_commit(
    owner, courier, sent, django_capture_on_commit_callbacks, settings
):
    rule(owner.merchant, NdrAction.RTO, ndr_reasons=[NdrReason.REFUSED])
    shipment = make_shipment(courier, status=S.OUT_FOR_DELIVERY, status_at=MORNING)
    scan = TrackingEventDTO(
        awb=shipment.awb, at=MORNING + timedelta(hours=2), status=S.NDR,
        raw_status="Pending", raw_type="UD", raw_code="EOD-6", ndr_reason=NdrReason.REFUSED,
    )  # fmt: skip
    with django_capture_on_commit_callbacks(execute=True):
        tracking_events_import(account=courier, events=[scan])
    asked = NdrActionRequest.objects.get(shipment=shipment)
    assert (asked.action, asked.status, asked.rule.action) == ("rto", "accepted", "rto")
    assert len(sent) == 1
    # A repeated scan of the same attempt asks nothing more.
    with django_capture_on_commit_callbacks(execute=True):
        tracking_events_import(account=courier, events=[scan])
    assert NdrActionRequest.objects.filter(shipment=shipment).count() == 1


def test_a_wait_rule_asks_nothing(owner, courier, sent):
    rule(owner.merchant, NdrAction.WAIT)
    assert ndr.ndr_rules_apply(in_ndr(courier), now=NIGHT) is None
    assert not NdrActionRequest.objects.exists()


def test_rule_validation_names_the_field(owner, courier):
    from django.core.exceptions import ValidationError

    bad = NdrRule(merchant=owner.merchant, name="x", action="rto", ndr_reasons=["nope"],
                  min_attempts=3, max_attempts=1)  # fmt: skip
    with pytest.raises(ValidationError) as caught:
        bad.full_clean()
    assert {"ndr_reasons", "max_attempts"} <= set(caught.value.message_dict)


# --- false NDR --------------------------------------------------------------------------------
def test_customer_unavailable_scanned_at_night_is_a_possible_false_ndr(courier):
    shipment = make_shipment(courier, status=S.OUT_FOR_DELIVERY, status_at=MORNING)
    late = datetime(2026, 11, 2, 17, 0, tzinfo=UTC)  # 22:30 IST
    events = [
        TrackingEventDTO(awb=shipment.awb, at=MORNING, status=S.OUT_FOR_DELIVERY,
                         raw_status="Dispatched", raw_type="UD"),
        TrackingEventDTO(awb=shipment.awb, at=late, status=S.NDR, raw_status="Pending",
                         raw_type="UD", raw_code="EOD-11",
                         ndr_reason=NdrReason.CUSTOMER_UNAVAILABLE),
    ]  # fmt: skip
    tracking_events_import(account=courier, events=events)
    shipment.refresh_from_db()
    assert shipment.false_ndr
    assert "22:30 IST, outside delivery hours (09:00–21:00)" in shipment.false_ndr_reason


def test_an_ndr_without_an_out_for_delivery_scan_that_day_is_flagged(courier):
    shipment = make_shipment(courier, status=S.IN_TRANSIT, status_at=MORNING)
    scan = TrackingEventDTO(
        awb=shipment.awb, at=MORNING + timedelta(hours=4), status=S.NDR, raw_status="Pending",
        raw_type="UD", raw_code="EOD-74", ndr_reason=NdrReason.ADDRESS_ISSUE,
    )  # fmt: skip
    tracking_events_import(account=courier, events=[scan])
    shipment.refresh_from_db()
    assert shipment.false_ndr
    assert shipment.false_ndr_reason.startswith("No out-for-delivery scan on 02 Nov 2026")


def test_an_ndr_that_fits_the_scans_is_not_flagged(courier):
    shipment = in_ndr(courier, at=MORNING + timedelta(hours=4))  # 14:00 IST, after dispatch
    ndr.false_ndr_flag(shipment)
    assert not shipment.false_ndr
