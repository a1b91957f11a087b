"""``HttpClient``, the one HTTP choke point, against a scripted server on loopback."""

from __future__ import annotations

import logging
import socket
from email.utils import format_datetime

import pytest
from django.utils import timezone

from integrations.http import ConnectorError, HttpClient, TransientHTTPError, parse_retry_after
from tests.integrations.conftest import Reply

SECRET_TOKEN = "shpat_supersecret_value_123"


@pytest.fixture
def waits() -> list[float]:
    return []


@pytest.fixture
def client(waits) -> HttpClient:
    return HttpClient(provider="shopify", account_key="7", max_retries=3, sleep=waits.append)


def test_a_get_is_retried_after_503_until_it_succeeds(client, scripted_server, waits):
    scripted_server.script(Reply(503), Reply(503), Reply(200, {"ok": True}))
    response = client.request("GET", f"{scripted_server.url}/admin/shop.json")
    assert response.json() == {"ok": True}
    assert len(scripted_server.requests) == 3
    assert len(waits) == 2
    assert all(0 < w <= client.backoff_max for w in waits)


def test_backoff_without_retry_after_starts_small_and_grows(scripted_server):
    waits: list[float] = []
    client = HttpClient(provider="x", max_retries=4, backoff_max=30, sleep=waits.append)
    scripted_server.script(Reply(502), Reply(502), Reply(502), Reply(502), Reply(200, {}))
    client.request("GET", f"{scripted_server.url}/x")
    # wait_exponential_jitter(initial=0.5, jitter=0.5): 0.5·2^n plus up to 0.5 s of jitter.
    for attempt, wait in enumerate(waits):
        assert 0.5 * 2**attempt <= wait <= 0.5 * 2**attempt + 0.5


@pytest.mark.parametrize(
    ("retry_after", "expected"), [("7", 7.0), ("0", 0.0), ("120", 30.0)], ids=str
)
def test_retry_after_seconds_are_honoured_up_to_the_backoff_cap(
    client, scripted_server, waits, retry_after, expected
):
    client.backoff_max = 30.0
    scripted_server.script(Reply(429, headers={"Retry-After": retry_after}), Reply(200, {}))
    client.request("GET", f"{scripted_server.url}/x")
    assert waits == [expected]
    assert len(scripted_server.requests) == 2


def test_retry_after_as_an_http_date_is_honoured(client, scripted_server, waits):
    when = format_datetime(timezone.now() + timezone.timedelta(seconds=10), usegmt=True)
    scripted_server.script(Reply(503, headers={"Retry-After": when}), Reply(200, {}))
    client.request("GET", f"{scripted_server.url}/x")
    assert len(waits) == 1
    assert 8.0 <= waits[0] <= 10.0


@pytest.mark.parametrize(
    ("value", "expected"),
    [(None, None), ("", None), ("3", 3.0), ("1.5", 1.5), ("-4", 0.0), ("soon", None)],
)
def test_parse_retry_after_table(value, expected):
    assert parse_retry_after(value) == expected


def test_a_non_idempotent_post_is_retried_after_429(client, scripted_server, waits):
    scripted_server.script(Reply(429, headers={"Retry-After": "2"}), Reply(200, {"done": 1}))
    response = client.request("POST", f"{scripted_server.url}/graphql.json", json={"q": 1})
    assert response.json() == {"done": 1}
    assert [r.method for r in scripted_server.requests] == ["POST", "POST"]
    assert waits == [2.0]


@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_a_non_idempotent_post_is_not_retried_after_a_5xx(client, scripted_server, waits, status):
    scripted_server.script(Reply(status, {"errors": "boom"}), Reply(200, {}))
    with pytest.raises(ConnectorError) as excinfo:
        client.request("POST", f"{scripted_server.url}/graphql.json", json={})
    assert not isinstance(excinfo.value, TransientHTTPError)
    assert excinfo.value.status == status
    assert excinfo.value.permanent is False
    assert len(scripted_server.requests) == 1
    assert waits == []


def test_a_post_marked_idempotent_is_retried_after_503(client, scripted_server):
    scripted_server.script(Reply(503), Reply(200, {"ok": 1}))
    response = client.request("POST", f"{scripted_server.url}/q", idempotent=True, json={})
    assert response.json() == {"ok": 1}
    assert len(scripted_server.requests) == 2


def test_a_post_whose_connection_drops_after_sending_is_not_retried(client, scripted_server):
    """The provider may have acted on it: resending a mutation could apply it twice."""
    scripted_server.script(Reply(drop=True), Reply(200, {}))
    with pytest.raises(ConnectorError) as excinfo:
        client.request("POST", f"{scripted_server.url}/graphql.json", json={"mutation": 1})
    assert not isinstance(excinfo.value, TransientHTTPError)
    assert len(scripted_server.requests) == 1


def test_a_get_whose_connection_drops_is_retried(client, scripted_server):
    scripted_server.script(Reply(drop=True), Reply(200, {"ok": 1}))
    assert client.request("GET", f"{scripted_server.url}/x").json() == {"ok": 1}
    assert len(scripted_server.requests) == 2


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_a_refused_connection_is_transient_and_retried_for_any_method(client, waits, method):
    with pytest.raises(TransientHTTPError, match="cannot reach"):
        client.request(method, f"http://127.0.0.1:{_closed_port()}/x")
    assert len(waits) == client.max_retries


@pytest.mark.parametrize("status", [401, 403])
def test_401_and_403_are_permanent_and_not_retried(client, scripted_server, waits, status):
    scripted_server.script(
        Reply(status, {"errors": "[API] Invalid API key or access token"}), Reply(200, {})
    )
    with pytest.raises(ConnectorError) as excinfo:
        client.request("GET", f"{scripted_server.url}/admin/shop.json")
    assert excinfo.value.permanent is True
    assert excinfo.value.status == status
    assert len(scripted_server.requests) == 1
    assert waits == []


def test_other_4xx_is_a_plain_error_naming_the_status(client, scripted_server):
    scripted_server.script(Reply(422, {"errors": "bad input"}))
    with pytest.raises(ConnectorError, match="HTTP 422") as excinfo:
        client.request("GET", f"{scripted_server.url}/x")
    assert excinfo.value.permanent is False
    assert len(scripted_server.requests) == 1


def test_exhausted_retries_raise_transient_http_error(client, scripted_server, waits):
    scripted_server.script(Reply(503))
    with pytest.raises(TransientHTTPError) as excinfo:
        client.request("GET", f"{scripted_server.url}/x")
    assert excinfo.value.status == 503
    assert len(scripted_server.requests) == client.max_retries + 1
    assert len(waits) == client.max_retries


def test_max_retries_zero_sends_once(scripted_server):
    client = HttpClient(provider="x", max_retries=0, sleep=lambda s: None)
    scripted_server.script(Reply(503))
    with pytest.raises(TransientHTTPError):
        client.request("GET", f"{scripted_server.url}/x")
    assert len(scripted_server.requests) == 1


def test_requests_carry_a_default_timeout(scripted_server, monkeypatch):
    client = HttpClient(provider="x", timeout=(1.5, 9.0), sleep=lambda s: None)
    seen = {}
    original = client.session.request

    def spy(method, url, **kwargs):
        seen.update(kwargs)
        return original(method, url, **kwargs)

    monkeypatch.setattr(client.session, "request", spy)
    scripted_server.script(Reply(200, {}))
    client.request("GET", f"{scripted_server.url}/x")
    assert seen["timeout"] == (1.5, 9.0)


def test_logs_name_path_and_status_but_never_the_token_or_query(client, scripted_server, caplog):
    scripted_server.script(
        Reply(503, headers={"X-Request-Id": "req-abc"}),
        Reply(400, {"errors": "nope"}),
    )
    # Sangam's own logger at its most verbose; everything else at the configured levels.
    caplog.set_level(logging.DEBUG, logger="sangam.http")
    with pytest.raises(ConnectorError) as excinfo:
        client.request(
            "GET",
            f"{scripted_server.url}/admin/api/2025-01/orders.json?access_token={SECRET_TOKEN}&page=2",
            headers={"X-Shopify-Access-Token": SECRET_TOKEN},
        )
    assert scripted_server.requests[0].headers["X-Shopify-Access-Token"] == SECRET_TOKEN
    http_logs = [r.getMessage() for r in caplog.records if r.name == "sangam.http"]
    assert len(http_logs) == 2
    assert "/admin/api/2025-01/orders.json" in http_logs[0]
    assert "status=503" in http_logs[0]
    assert "request_id=req-abc" in http_logs[0]
    assert "status=400" in http_logs[1]
    everything = caplog.text + "\n".join(r.getMessage() for r in caplog.records)
    assert SECRET_TOKEN not in everything
    assert "access_token=" not in everything
    assert "page=2" not in everything
    assert SECRET_TOKEN not in str(excinfo.value)
    assert "page=2" not in str(excinfo.value)
