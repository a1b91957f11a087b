"""The Delhivery connector over HTTP (the scripted loopback server): paths, auth, form body,
50-AWB batches, the shared tracking budget, WAF 403 vs a refused token."""

from __future__ import annotations

import json
import uuid
from decimal import Decimal
from pathlib import Path
from urllib.parse import parse_qs

import pytest

from integrations.connectors.delhivery.client import PLANS, WAF_WAIT_SECONDS
from integrations.connectors.delhivery.connector import DelhiveryConnector
from integrations.dto import AccountHandle, PaymentMethod, ShipmentStatus
from integrations.http import ConnectorError, HttpClient, RejectedError, TransientHTTPError
from integrations.ratelimit import REDIS_CACHE_BACKEND, RedisBucketStore
from tests.integrations.conftest import Reply
from tests.integrations.delhivery.test_fixture_mapping import request

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "delhivery"
TOKEN = "dlv-test-token"  # noqa: S105 - a test value


def fixture(name: str):
    return json.loads((FIXTURES / name).read_text())


def raw(name: str) -> str:
    return (FIXTURES / name).read_text()


def connector(server, clock, client_name: str | None = None) -> DelhiveryConnector:
    name = client_name or f"ACME-{uuid.uuid4().hex[:8]}"
    handle = AccountHandle(
        id=1,
        merchant_id=1,
        provider="delhivery",
        external_id=name,
        base_url=f"{server.url}/sandbox/delhivery/{name}",
        credentials={"api_token": TOKEN},
        settings={"client_name": name, "pickup_location": "Bhiwandi WH"},
    )
    http = HttpClient(provider="delhivery", max_retries=0, sleep=clock.sleep)
    return DelhiveryConnector(handle, http, clock=clock, sleep=clock.sleep)


def query(recorded) -> dict[str, list[str]]:
    return parse_qs(recorded.query)


def test_check_credentials_looks_up_one_pincode_with_the_token(scripted_server, fake_clock):
    scripted_server.script(Reply(body=fixture("serviceability_empty.json")))
    dlv = connector(scripted_server, fake_clock, "ACME")
    assert dlv.check_credentials() == {"name": "Delhivery ACME"}
    (sent,) = scripted_server.requests
    assert sent.path == "/sandbox/delhivery/ACME/c/api/pin-codes/json/"
    assert query(sent) == {"filter_codes": ["110001"]}
    assert sent.headers["Authorization"] == f"Token {TOKEN}"


@pytest.mark.parametrize(
    ("status", "body"),
    [
        (401, raw("auth_refused.txt")),
        (403, raw("auth_refused.txt")),
        (403, {"detail": "Unauthorized client/user"}),
    ],
)
def test_a_refused_token_is_permanent(scripted_server, fake_clock, status, body):
    scripted_server.script(Reply(status=status, body=body, headers={"Content-Type": "text/plain"}))
    with pytest.raises(ConnectorError) as caught:
        connector(scripted_server, fake_clock).check_credentials()
    assert caught.value.permanent
    assert not isinstance(caught.value, TransientHTTPError)
    assert len(scripted_server.requests) == 1


def test_a_waf_403_waits_30_seconds_and_retries(scripted_server, fake_clock):
    waf = Reply(status=403, body=raw("waf_403.html"), headers={"Content-Type": "text/html"})
    scripted_server.script(waf, Reply(body=fixture("track_in_transit.json")))
    dlv = connector(scripted_server, fake_clock)
    started = fake_clock.now
    (track,) = dlv.track_shipments(["26805710004126"])
    assert track.status == ShipmentStatus.IN_TRANSIT
    assert len(scripted_server.requests) == 2
    assert fake_clock.now - started >= WAF_WAIT_SECONDS


def test_a_waf_403_that_persists_is_transient_with_retry_after(scripted_server, fake_clock):
    scripted_server.script(
        Reply(status=403, body=raw("waf_403.html"), headers={"Content-Type": "text/html"})
    )
    with pytest.raises(TransientHTTPError) as caught:
        connector(scripted_server, fake_clock).track_shipments(["1"])
    assert not caught.value.permanent
    assert caught.value.retry_after >= 30
    assert len(scripted_server.requests) == 2


def test_a_waf_block_makes_every_worker_of_the_account_wait(scripted_server, fake_clock):
    waf = Reply(status=403, body=raw("waf_403.html"), headers={"Content-Type": "text/html"})
    scripted_server.script(waf, Reply(body=fixture("track_not_found.json")))
    first = connector(scripted_server, fake_clock, "SHARED-WAF")
    second = connector(scripted_server, fake_clock, "SHARED-WAF")
    first.client.limiter.block("track", WAF_WAIT_SECONDS)
    before = fake_clock.now
    assert second.track_shipments(["1"]) == []
    assert fake_clock.now - before >= WAF_WAIT_SECONDS


def test_tracking_splits_into_calls_of_at_most_50_waybills(scripted_server, fake_clock):
    scripted_server.script(Reply(body=fixture("track_not_found.json")))
    awbs = [f"AWB{i:04d}" for i in range(120)]
    assert connector(scripted_server, fake_clock).track_shipments(awbs) == []
    sent = [query(r)["waybill"][0].split(",") for r in scripted_server.requests]
    assert [len(chunk) for chunk in sent] == [50, 50, 20]
    assert [a for chunk in sent for a in chunk] == awbs
    assert all(r.path.endswith("/api/v1/packages/json/") for r in scripted_server.requests)


def test_a_not_found_answer_with_an_error_status_is_an_empty_list(scripted_server, fake_clock):
    scripted_server.script(Reply(status=404, body=fixture("track_not_found_rmk.json")))
    assert connector(scripted_server, fake_clock).track_shipments(["X"]) == []


def sliding_max(times: list[float], window: float) -> int:
    best, start = 0, 0
    for end, moment in enumerate(times):
        while moment - times[start] >= window:
            start += 1
        best = max(best, end - start + 1)
    return best


def test_two_connectors_of_one_account_share_600_tracking_calls_per_5_minutes(
    scripted_server, fake_clock
):
    name = f"BUDGET-{uuid.uuid4().hex[:6]}"
    workers = [connector(scripted_server, fake_clock, name) for _ in range(2)]
    times = []
    for i in range(1800):
        workers[i % 2].client.limiter.acquire("track")
        times.append(fake_clock.now)
    busiest = sliding_max(times, 300.0)
    assert 590 <= busiest <= 600  # the budget is used, never exceeded
    assert sliding_max(times[-600:], 300.0) <= 600
    alone = connector(scripted_server, fake_clock, name + "-other")
    before = fake_clock.now
    alone.client.limiter.acquire("track")
    assert fake_clock.now == before  # another account has its own budget


def test_every_operation_is_paced_at_80_percent_of_its_published_limit():
    for name, limit in {
        "track": 750,
        "serviceability": 4500,
        "create": 20000,
        "edit": 12200,
        "charges": 50,
    }.items():
        plan = PLANS[name]
        assert plan.burst + plan.rate * 300 <= limit * 0.8 + 1e-6


def test_book_shipments_posts_the_form_and_refuses_a_long_order_locally(
    scripted_server, fake_clock
):
    scripted_server.script(Reply(body=fixture("create_response_mixed.json")))
    requests = [
        request(reference="SGM-1001"),
        request(reference="X" * 51),
        request(reference="SGM-1002"),
    ]
    ok, too_long, refused = connector(scripted_server, fake_clock).book_shipments(requests)
    (sent,) = scripted_server.requests
    assert sent.method == "POST"
    assert sent.path.endswith("/api/cmu/create.json")
    assert sent.headers["Content-Type"] == "application/x-www-form-urlencoded"
    form = parse_qs(sent.body.decode())
    assert form["format"] == ["json"]
    data = json.loads(form["data"][0])
    assert [s["order"] for s in data["shipments"]] == ["SGM-1001", "SGM-1002"]
    assert data["pickup_location"] == {"name": "Bhiwandi WH"}
    assert ok.ok
    assert ok.awb == "26805710004158"
    assert not too_long.ok
    assert "50" in too_long.error
    assert not refused.ok


def test_cancel_posts_the_waybill_and_a_refusal_raises(scripted_server, fake_clock):
    scripted_server.script(
        Reply(body={"status": True, "remark": "Shipment has been cancelled"}),
        Reply(body={"status": False, "error": "Package in incorrect status"}),
    )
    dlv = connector(scripted_server, fake_clock)
    dlv.cancel_shipment("26805710004141")
    assert scripted_server.requests[0].path.endswith("/api/p/edit")
    assert scripted_server.requests[0].json() == {
        "waybill": "26805710004141",
        "cancellation": "true",
    }
    with pytest.raises(RejectedError, match="incorrect status"):
        dlv.cancel_shipment("26805710004141")


@pytest.mark.parametrize(
    ("leg", "method", "ss", "pt"),
    [
        ("forward", PaymentMethod.PREPAID, "Delivered", "Pre-paid"),
        ("rto", PaymentMethod.COD, "RTO", "COD"),
    ],
)
def test_freight_quote_asks_for_the_leg_in_grams(scripted_server, fake_clock, leg, method, ss, pt):
    scripted_server.script(Reply(body=fixture("charges.json")))
    quote = connector(scripted_server, fake_clock).freight_quote(
        origin_pincode="421302",
        destination_pincode="411014",
        weight_grams=1000,
        payment_method=method,
        leg=leg,
    )
    assert quote.total == Decimal("135.39")
    (sent,) = scripted_server.requests
    assert sent.path.endswith("/api/kinko/v1/invoice/charges/.json")
    assert query(sent) == {
        "md": ["S"],
        "ss": [ss],
        "o_pin": ["421302"],
        "d_pin": ["411014"],
        "cgm": ["1000"],
        "pt": [pt],
    }


def test_serviceability_reads_every_pincode(scripted_server, fake_clock):
    scripted_server.script(Reply(body=fixture("serviceability.json")))
    rows = connector(scripted_server, fake_clock).check_serviceability(["400064", "194101"])
    assert [(r.pincode, r.serviceable) for r in rows] == [("400064", True), ("194101", False)]
    assert query(scripted_server.requests[0]) == {"filter_codes": ["400064,194101"]}


def test_the_budget_is_kept_in_redis_when_the_cache_is_redis(scripted_server, fake_clock, settings):
    if settings.CACHES["default"]["BACKEND"] != REDIS_CACHE_BACKEND:
        pytest.skip("needs the Redis cache (CI: CACHE_URL=redis://…)")
    store = connector(scripted_server, fake_clock).client.limiter.store
    assert isinstance(store, RedisBucketStore)
