"""Delhivery's scan push through the generic inbox: ``/api/webhooks/delhivery/<push token>``.
The tracking importer (``shipments.services.tracking_events_import``) is replaced by a
recorder, so these tests stop where the inbox hands the events over."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.test import Client

from integrations.connectors.delhivery.connector import DelhiveryConnector
from integrations.connectors.delhivery.webhooks import new_push_token, token_account_key
from integrations.dto import AccountHandle, ImportResult, ShipmentStatus, TrackingEventDTO
from integrations.http import HttpClient
from integrations.models import WebhookEvent, WebhookStatus
from integrations.services import webhooks as inbox
from tests.factories import ChannelAccountFactory

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "delhivery"
CLIENT = "ACME SURFACE"
RECEIVED: list[dict] = []


def record_events(*, account, events, source) -> ImportResult:
    RECEIVED.append({"account": account.pk, "events": list(events), "source": source})
    return ImportResult(created=len(events))


@pytest.fixture(autouse=True)
def _recorder(monkeypatch):
    RECEIVED.clear()
    monkeypatch.setitem(
        inbox.WEBHOOK_HANDLERS,
        TrackingEventDTO,
        (f"{__name__}.record_events", "events", True),
    )


@pytest.fixture
def token() -> str:
    return new_push_token(CLIENT)


@pytest.fixture
def account(merchant, token):
    return ChannelAccountFactory(
        merchant=merchant,
        provider="delhivery",
        external_id=CLIENT,
        credentials={"api_token": "dlv-token", "push_token": token},
    )


@pytest.fixture
def push(django_capture_on_commit_callbacks):
    web = Client(enforce_csrf_checks=True)

    def send(body, url):
        raw = body if isinstance(body, bytes) else json.dumps(body).encode()
        with django_capture_on_commit_callbacks(execute=True):
            return web.post(url, data=raw, content_type="application/json")

    return send


def body(name: str = "push_manifested.json") -> dict:
    return json.loads((FIXTURES / name).read_text())


def test_a_push_with_the_accounts_token_is_stored_and_handed_to_the_importer(push, account, token):
    response = push(body(), f"/api/webhooks/delhivery/{token}")
    assert response.status_code == 200
    (event,) = WebhookEvent.objects.all()
    assert (event.provider, event.topic, event.account_id) == ("delhivery", "scan_push", account.pk)
    assert event.dedup_key == "1490810000028|2019-01-09T17:10:42.767|Manifested|UD"
    assert event.status == WebhookStatus.PROCESSED
    (call,) = RECEIVED
    assert call["account"] == account.pk
    assert call["source"] == "webhook"
    (dto,) = call["events"]
    assert (dto.awb, dto.status, dto.raw_code) == (
        "1490810000028",
        ShipmentStatus.MANIFESTED,
        "X-UCI",
    )


def test_the_token_is_never_stored_with_the_event(push, account, token):
    push(body(), f"/api/webhooks/delhivery/{token}")
    (event,) = WebhookEvent.objects.all()
    secret_part = token.split(".", 1)[1]
    assert secret_part not in json.dumps(event.headers)
    assert secret_part not in event.body
    assert secret_part not in event.error


@pytest.mark.parametrize(
    "url",
    [
        pytest.param("/api/webhooks/delhivery", id="no-token"),
        pytest.param("/api/webhooks/delhivery/not-a-token", id="malformed"),
        pytest.param("WRONG_SECRET", id="right-account-wrong-secret"),
        pytest.param("OTHER_ACCOUNT", id="token-of-an-unknown-account"),
    ],
)
def test_a_wrong_or_missing_token_is_401_and_nothing_is_stored(push, account, token, url):
    if url == "WRONG_SECRET":
        url = f"/api/webhooks/delhivery/{token[:-4]}AAAA"
    elif url == "OTHER_ACCOUNT":
        url = f"/api/webhooks/delhivery/{new_push_token('SOMEONE ELSE')}"
    response = push(body(), url)
    assert response.status_code == 401
    assert WebhookEvent.objects.count() == 0
    assert RECEIVED == []


def test_another_accounts_token_is_attributed_to_that_account_only(push, account, merchant):
    other_token = new_push_token(CLIENT)
    other = ChannelAccountFactory(
        provider="delhivery",
        external_id=CLIENT,
        credentials={"api_token": "t2", "push_token": other_token},
    )
    assert push(body(), f"/api/webhooks/delhivery/{other_token}").status_code == 200
    (event,) = WebhookEvent.objects.all()
    assert event.account_ids == [other.pk]
    assert [c["account"] for c in RECEIVED] == [other.pk]


def test_a_repeated_push_of_one_scan_is_stored_once(push, account, token):
    url = f"/api/webhooks/delhivery/{token}"
    first = push(body(), url)
    again = push(body(), url)
    assert first.status_code == 200
    assert again.status_code == 200
    assert again.json() == {"status": "duplicate"}
    assert WebhookEvent.objects.count() == 1
    assert len(RECEIVED) == 1
    push(body("push_ndr.json"), url)
    assert WebhookEvent.objects.count() == 2
    assert RECEIVED[-1]["events"][0].status == ShipmentStatus.NDR


def test_a_push_that_is_not_a_scan_is_stored_failed(push, account, token):
    response = push({"hello": "world"}, f"/api/webhooks/delhivery/{token}")
    assert response.status_code == 200
    (event,) = WebhookEvent.objects.all()
    assert event.status == WebhookStatus.FAILED
    assert RECEIVED == []


def test_a_path_token_for_a_provider_that_signs_its_webhooks_is_404(push, account):
    response = push({"id": 1}, "/api/webhooks/shopify/some-token")
    assert response.status_code == 404
    assert WebhookEvent.objects.count() == 0


def test_the_token_names_its_account_key():
    assert token_account_key(new_push_token(CLIENT)) == CLIENT
    assert token_account_key("garbage") == ""
    assert token_account_key("!!!.abc") == ""


def test_register_issues_one_push_token_and_masks_it():
    saved: list[dict] = []
    handle = AccountHandle(
        id=7,
        merchant_id=1,
        provider="delhivery",
        external_id=CLIENT,
        base_url="",
        credentials={"api_token": "x"},
    )
    connector = DelhiveryConnector(handle, HttpClient(provider="delhivery"))
    connector.credentials_saver = lambda updates, expires: saved.append(updates)
    callback = "https://hub.example/api/webhooks/delhivery"
    (registration,) = connector.register_webhooks(callback_url=callback)
    (registration_again,) = connector.register_webhooks(callback_url=callback)
    (stored,) = saved  # issued once, then reused
    issued = stored["push_token"]
    assert token_account_key(issued) == CLIENT
    assert registration.callback_url.startswith(callback + "/")
    assert issued not in registration.callback_url
    assert registration_again == registration
    assert connector.list_webhooks() == []
