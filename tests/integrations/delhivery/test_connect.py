"""Connecting a Delhivery account end to end: the token check, the push token issued after
the connect, kept by a reconnect, and accepted by the inbox."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from integrations.http import ConnectorError
from integrations.models import ChannelAccount, WebhookEvent, WebhookSubscription
from integrations.services.accounts import connect_with_credentials
from tests.integrations.conftest import Reply

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "delhivery"
FORM = {"api_token": "tok-1", "client_name": "ACME SURFACE", "pickup_location": "Bhiwandi WH"}


def fixture(name: str):
    return json.loads((FIXTURES / name).read_text())


@pytest.fixture
def connect(merchant, scripted_server, django_capture_on_commit_callbacks):
    scripted_server.script(Reply(body=fixture("serviceability.json")))

    def run(**changes) -> ChannelAccount:
        with django_capture_on_commit_callbacks(execute=True):
            return connect_with_credentials(
                merchant=merchant,
                provider="delhivery",
                data={**FORM, **changes},
                api_base_url=f"{scripted_server.url}/sandbox/delhivery/ACME%20SURFACE",
            )

    return run


def test_connect_checks_the_token_and_issues_a_push_token(connect, scripted_server):
    account = connect()
    assert account.external_id == "ACME SURFACE"
    assert account.settings == {"client_name": "ACME SURFACE", "pickup_location": "Bhiwandi WH"}
    (check,) = scripted_server.requests
    assert check.headers["Authorization"] == "Token tok-1"
    account.refresh_from_db()
    credentials = account.get_credentials()
    assert credentials["api_token"] == "tok-1"
    assert credentials["push_token"]
    (subscription,) = WebhookSubscription.objects.filter(account=account)
    assert subscription.topic == "scan_push"
    assert credentials["push_token"] not in subscription.callback_url


def test_a_reconnect_keeps_the_push_token_and_takes_the_new_api_token(connect):
    first = connect()
    first.refresh_from_db()
    token = first.get_credentials()["push_token"]
    again = connect(api_token="tok-2")
    again.refresh_from_db()
    assert again.pk == first.pk
    assert again.get_credentials() == {"api_token": "tok-2", "push_token": token}


def test_the_issued_push_url_is_accepted_by_the_inbox(connect, client):
    account = connect()
    account.refresh_from_db()
    token = account.get_credentials()["push_token"]
    response = client.post(
        f"/api/webhooks/delhivery/{token}",
        data=(FIXTURES / "push_manifested.json").read_bytes(),
        content_type="application/json",
    )
    assert response.status_code == 200
    assert WebhookEvent.objects.get().account_id == account.pk


def test_a_refused_token_stores_nothing(merchant, scripted_server):
    scripted_server.script(Reply(status=401, body="Login or API Key Required"))
    with pytest.raises(ConnectorError) as caught:
        connect_with_credentials(
            merchant=merchant,
            provider="delhivery",
            data=FORM,
            api_base_url=f"{scripted_server.url}/sandbox/delhivery/ACME",
        )
    assert caught.value.permanent
    assert not ChannelAccount.objects.filter(provider="delhivery").exists()


def test_a_courier_has_no_sync_now_in_the_catalog_but_a_store_has():
    from integrations.catalog import integration_catalog

    actions = {
        entry["id"]: [action["id"] for action in entry["actions"]]
        for section in integration_catalog()["sections"]
        for entry in section["providers"]
    }
    assert "sync" not in actions["delhivery"]
    assert "sync" in actions["shopify"]
