"""Scan push: the documented body, one immediate retry and never again, the drop share, and
``sandbox_delhivery_simulate --advance-hours`` (channel-apis.md §5.1)."""

from __future__ import annotations

import json
from io import StringIO

from django.core.management import call_command

from sandbox.delhivery import push
from sandbox.delhivery.models import PushState, SandboxDelhiveryScan
from tests.sandbox.delhivery.conftest import item

PUSH_KEYS = {"Status", "PickUpDate", "NSLCode", "Sortcode", "ReferenceNo", "AWB"}
STATUS_KEYS = {"Status", "StatusDateTime", "StatusType", "StatusLocation", "Instructions"}


def _with_push(dlv_client, url: str) -> None:
    dlv_client.push_url = url
    dlv_client.save(update_fields=["push_url"])


def test_due_scans_are_pushed_with_the_documented_body(dlv, dlv_client, receiver, frozen_clock):
    _with_push(dlv_client, receiver.url)
    waybill = dlv.create(item("P-1"))["packages"][0]["waybill"]
    report = push.deliver_due()
    assert report.delivered == 1
    (first,) = receiver.requests
    body = json.loads(first.body)
    assert set(body) == {"Shipment"}
    assert set(body["Shipment"]) == PUSH_KEYS
    assert set(body["Shipment"]["Status"]) == STATUS_KEYS
    assert body["Shipment"]["AWB"] == waybill
    assert body["Shipment"]["ReferenceNo"] == "P-1"
    assert body["Shipment"]["NSLCode"] == "X-UCI"
    assert body["Shipment"]["Status"]["StatusType"] == "UD"
    assert body["Shipment"]["Status"]["Status"] == "Manifested"
    assert " " in body["Shipment"]["PickUpDate"]  # "2019-01-09 17:10:42.543"
    assert "T" in body["Shipment"]["Status"]["StatusDateTime"]
    assert first.headers["Content-Type"] == "application/json"
    assert push.deliver_due().delivered == 0  # nothing pushed twice


def test_a_failed_push_is_retried_once_at_once_and_never_again(
    dlv, dlv_client, receiver, frozen_clock
):
    _with_push(dlv_client, receiver.url)
    dlv.create(item("P-2"))
    receiver.statuses = [500, 503]
    report = push.deliver_due()
    assert (report.failed, report.retried, report.delivered) == (1, 1, 0)
    assert len(receiver.requests) == 2
    scan = SandboxDelhiveryScan.objects.get(seq=1)
    assert scan.push_state == PushState.FAILED
    assert scan.push_attempts == 2
    frozen_clock.advance(3600)
    push.deliver_due()
    codes = [json.loads(r.body)["Shipment"]["NSLCode"] for r in receiver.requests]
    assert codes.count("X-UCI") == 2  # the failed scan was not pushed again

    dlv.create(item("P-3"))
    receiver.statuses = [500]  # the retry succeeds
    report = push.deliver_due()
    assert report.delivered == 1
    assert report.retried == 1


def test_an_unreachable_push_url_fails_after_one_retry(dlv, dlv_client, frozen_clock):
    _with_push(dlv_client, "http://127.0.0.1:9/nothing-listens-here")
    dlv.create(item("P-4"))
    report = push.deliver_due()
    assert (report.failed, report.retried) == (1, 1)


def test_a_share_of_pushes_can_be_dropped(dlv, dlv_client, receiver, frozen_clock, settings):
    settings.SANDBOX_DELHIVERY_PUSH_DROP_SHARE = 0.3
    _with_push(dlv_client, receiver.url)
    for n in range(8):
        dlv.create(item(f"P-D{n}"))
    frozen_clock.advance(30 * 24 * 3600)
    report = push.deliver_due()
    total = report.delivered + report.dropped
    assert total == SandboxDelhiveryScan.objects.count()
    assert 0.18 <= report.dropped / total <= 0.42, report
    assert len(receiver.requests) == report.delivered


def test_simulate_advances_the_clock_and_pushes_in_time_order(
    dlv, dlv_client, receiver, frozen_clock
):
    _with_push(dlv_client, receiver.url)
    waybill = dlv.create(item("P-5"))["packages"][0]["waybill"]
    out = StringIO()
    call_command("sandbox_delhivery_simulate", advance_hours=24 * 10, stdout=out)
    assert "delivered" in out.getvalue()
    pushed = [json.loads(r.body)["Shipment"] for r in receiver.requests]
    assert {p["AWB"] for p in pushed} == {waybill}
    assert len(pushed) == SandboxDelhiveryScan.objects.count()
    times = [p["Status"]["StatusDateTime"] for p in pushed]
    assert times == sorted(times)
    tracked = dlv.track(waybill)["ShipmentData"][0]["Shipment"]
    assert tracked["Status"]["StatusType"] in {"DL", "LT"}
