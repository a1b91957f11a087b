"""Shiprocket's tracking webhook through the generic inbox, at a URL free of the words
Shiprocket refuses: ``/api/webhooks/courier-push/<token>`` (or the ``x-api-key``). The
tracking importer is replaced by a recorder, so these tests stop where the inbox hands the
events over."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from django.test import Client, override_settings
from django.urls import reverse

from integrations.connectors.shiprocket import webhooks
from integrations.connectors.shiprocket.connector import ShiprocketConnector
from integrations.dto import AccountHandle, ImportResult, ShipmentStatus, TrackingEventDTO
from integrations.http import ConnectorError, HttpClient
from integrations.models import WebhookEvent, WebhookStatus
from integrations.registry import webhook_provider, webhook_segment
from integrations.services import webhooks as inbox
from integrations.services.webhook_subscriptions import webhook_callback_url
from tests.factories import ChannelAccountFactory

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "shiprocket"
EMAIL = "ops@brand.in"
RECEIVED: list[dict] = []
PATH = "/api/webhooks/courier-push"


def record_events(*, account, events, source) -> ImportResult:
    RECEIVED.append({"account": account.pk, "events": list(events), "source": source})
    return ImportResult(created=len(events))


@pytest.fixture(autouse=True)
def _recorder(monkeypatch):
    RECEIVED.clear()
    monkeypatch.setitem(
        inbox.WEBHOOK_HANDLERS, TrackingEventDTO, (f"{__name__}.record_events", "events", True)
    )


@pytest.fixture
def token() -> str:
    return webhooks.new_push_token(EMAIL)


@pytest.fixture
def account(merchant, token):
    return ChannelAccountFactory(
        merchant=merchant,
        provider="shiprocket",
        external_id=EMAIL,
        credentials={"password": "pw", "push_token": token},
    )


@pytest.fixture
def push(django_capture_on_commit_callbacks):
    web = Client(enforce_csrf_checks=True)

    def send(body, url, **headers):
        raw = body if isinstance(body, bytes) else json.dumps(body).encode()
        with django_capture_on_commit_callbacks(execute=True):
            return web.post(url, data=raw, content_type="application/json", headers=headers)

    return send


def body(name: str = "webhook_in_transit.json") -> dict:
    return json.loads((FIXTURES / name).read_text())


def test_the_inbox_url_and_the_token_avoid_every_word_shiprocket_refuses():
    assert webhook_segment("shiprocket") == "courier-push"
    assert webhook_provider("courier-push") == "shiprocket"
    assert webhook_segment("delhivery") == "delhivery"  # the others keep their id
    path = reverse("webhook-receive-token", kwargs={"provider": "courier-push", "token": "t"})
    for word in webhooks.FORBIDDEN_URL_WORDS:
        assert word not in path.lower()
    for _ in range(200):
        token = webhooks.new_push_token(EMAIL)
        assert re.fullmatch(r"[0-9a-f]+\.[0-9a-f]{64}", token)
        assert webhooks.forbidden_word(token) == ""
        assert webhooks.token_account_key(token) == EMAIL


@override_settings(PUBLIC_BASE_URL="https://hub.sangam.example")
def test_the_callback_url_uses_the_slug():
    url = webhook_callback_url("shiprocket")
    assert url == "https://hub.sangam.example/api/webhooks/courier-push"
    assert webhooks.forbidden_word(url) == ""


def test_register_webhooks_refuses_a_domain_with_a_forbidden_word():
    handle = AccountHandle(
        id=1, merchant_id=1, provider="shiprocket", external_id=EMAIL, base_url="", credentials={}
    )
    sr = ShiprocketConnector(handle, HttpClient(provider="shiprocket", max_retries=0))
    with pytest.raises(ConnectorError, match="'kr'"):
        sr.register_webhooks(callback_url="https://krishna-store.in/api/webhooks/courier-push")
    (registration,) = sr.register_webhooks(
        callback_url="https://hub.example/api/webhooks/courier-push"
    )
    assert registration.callback_url.startswith("https://hub.example/api/webhooks/courier-push/")
    assert sr.account.credentials["push_token"]  # issued and kept


def test_a_webhook_with_the_accounts_token_is_stored_and_handed_over(push, account, token):
    response = push(body(), f"{PATH}/{token}")
    assert response.status_code == 200
    (event,) = WebhookEvent.objects.all()
    assert (event.provider, event.topic, event.account_id) == ("shiprocket", "tracking", account.pk)
    assert event.dedup_key == "90011000001|23 05 2023 11:43:52|18"
    assert event.status == WebhookStatus.PROCESSED
    (call,) = RECEIVED
    assert [(e.status, e.raw_code) for e in call["events"]] == [
        (ShipmentStatus.MANIFESTED, "5"),
        (ShipmentStatus.IN_TRANSIT, "18"),
    ]


def test_the_x_api_key_alone_is_accepted(push, account, token):
    head = token.split(".")[0]
    response = push(body(), f"{PATH}/{head}.{'0' * 64}", **{"x-api-key": token})
    assert response.status_code == 200
    assert WebhookEvent.objects.get().account_id == account.pk


def test_the_secret_is_never_stored_with_the_event(push, account, token):
    push(body(), f"{PATH}/{token}", **{"x-api-key": token})
    event = WebhookEvent.objects.get()
    secret_part = token.split(".", 1)[1]
    assert secret_part not in json.dumps(event.headers)
    assert secret_part not in event.body
    assert secret_part not in event.error


@pytest.mark.parametrize(
    "case", ["no-token", "malformed", "wrong-secret", "other-account", "wrong-api-key"]
)
def test_a_wrong_or_missing_token_is_401_and_nothing_is_stored(push, account, token, case):
    headers = {}
    url = {
        "no-token": PATH,
        "malformed": f"{PATH}/not-a-token",
        "wrong-secret": f"{PATH}/{token[:-4]}0000",
        "other-account": f"{PATH}/{webhooks.new_push_token('someone@else.in')}",
        "wrong-api-key": f"{PATH}/{token[:-4]}0000",
    }[case]
    if case == "wrong-api-key":
        headers = {"x-api-key": "nope"}
    response = push(body(), url, **headers)
    assert response.status_code == 401
    assert WebhookEvent.objects.count() == 0
    assert RECEIVED == []


def test_the_provider_id_url_works_too(push, account, token):
    assert push(body(), f"/api/webhooks/shiprocket/{token}").status_code == 200


def test_a_repeated_webhook_is_stored_once(push, account, token):
    url = f"{PATH}/{token}"
    assert push(body(), url).status_code == 200
    assert push(body(), url).json() == {"status": "duplicate"}
    push(body("webhook_ndr.json"), url)
    assert WebhookEvent.objects.count() == 2
    assert RECEIVED[-1]["events"][0].status == ShipmentStatus.NDR
