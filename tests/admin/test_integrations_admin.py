"""Staff tools for channel accounts, app credentials, sync runs, quarantine and webhooks."""

from __future__ import annotations

from unittest import mock

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from integrations.http import ConnectorError
from integrations.models import (
    AccountStatus,
    ProviderAppCredential,
    SyncLog,
    SyncRun,
    SyncStatus,
    WebhookEvent,
    WebhookStatus,
)
from integrations.services.sync import streams_for
from tests.admin.conftest import STORED_SECRET, STORED_TOKEN
from tests.factories import ChannelAccountFactory

pytestmark = pytest.mark.django_db

CHANGELIST = "admin:integrations_channelaccount_changelist"


def change_url(account) -> str:
    return reverse("admin:integrations_channelaccount_change", args=[account.pk])


def run_action(admin_client, changelist: str, action: str, objects):
    return admin_client.post(
        reverse(changelist),
        {"action": action, "_selected_action": [o.pk for o in objects]},
        follow=True,
    )


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


def change_form_data(account, **overrides) -> dict:
    data = {
        "merchant": account.merchant_id,
        "provider": account.provider,
        "display_name": account.display_name,
        "external_id": account.external_id,
        "status": account.status,
        "scopes": account.scopes,
        "token_expires_at_0": "",
        "token_expires_at_1": "",
        "api_base_url": account.api_base_url,
        "settings": "{}",
        "last_error": account.last_error,
        "set_access_token": "",
        "set_api_secret_key": "",
    }
    data.update(overrides)
    return data


# --- channel account: secrets are write-only ------------------------------------------------
def test_change_page_never_contains_a_stored_secret(admin_client, account):
    response = admin_client.get(change_url(account))

    body = response.content.decode()
    assert response.status_code == 200
    assert STORED_TOKEN not in body
    assert STORED_SECRET not in body
    assert account.credentials_encrypted not in body
    assert "<code>access_token</code>: stored: <strong>yes</strong>" in body
    assert "<code>api_secret_key</code>: stored: <strong>yes</strong>" in body
    assert 'type="password" name="set_access_token"' in body
    assert 'name="set_access_token" value=' not in body


def test_blank_secret_inputs_keep_the_stored_secrets(admin_client, account):
    response = admin_client.post(
        change_url(account), change_form_data(account, display_name="Renamed")
    )

    assert response.status_code == 302
    account.refresh_from_db()
    assert account.display_name == "Renamed"
    assert account.get_credentials() == {
        "access_token": STORED_TOKEN,
        "api_secret_key": STORED_SECRET,
    }


def test_a_typed_secret_replaces_only_that_secret_and_is_stored_encrypted(admin_client, account):
    response = admin_client.post(
        change_url(account), change_form_data(account, set_access_token="shpat_NEW_TOKEN")
    )

    assert response.status_code == 302
    account.refresh_from_db()
    assert account.get_credentials() == {
        "access_token": "shpat_NEW_TOKEN",
        "api_secret_key": STORED_SECRET,
    }
    assert "shpat_NEW_TOKEN" not in account.credentials_encrypted
    assert "shpat_NEW_TOKEN" not in admin_client.get(change_url(account)).content.decode()


def test_staff_can_point_an_account_at_another_api_base_url(admin_client, account):
    admin_client.post(
        change_url(account),
        change_form_data(account, api_base_url="http://127.0.0.1:8000/sandbox/shopify/alpha"),
    )

    account.refresh_from_db()
    assert account.api_base_url == "http://127.0.0.1:8000/sandbox/shopify/alpha"


def test_changelist_lists_accounts_without_secrets(admin_client, account):
    account.last_error = "Access token revoked"
    account.save()

    body = admin_client.get(reverse(CHANGELIST)).content.decode()

    assert "alpha.myshopify.com" in body
    assert "Alpha Brand" in body
    assert "Access token revoked" in body
    assert STORED_TOKEN not in body


def test_changelist_query_count_does_not_grow_with_rows(
    admin_client, account, django_assert_max_num_queries
):
    admin_client.get(reverse(CHANGELIST))  # warm up session/content types
    with CaptureQueriesContext(connection) as one:
        admin_client.get(reverse(CHANGELIST))
    for _ in range(5):
        ChannelAccountFactory()
    with django_assert_max_num_queries(len(one)):
        admin_client.get(reverse(CHANGELIST))


# --- channel account actions ------------------------------------------------------------------
def test_test_connection_reports_the_shop_name_and_stores_the_grant(admin_client, account):
    connector = mock.Mock()
    connector.check_credentials.return_value = {
        "name": "Alpha Fashion",
        "scopes": "read_orders,write_inventory",
    }
    with mock.patch(
        "integrations.services.accounts.build_connector", return_value=connector
    ) as build:
        response = run_action(admin_client, CHANGELIST, "test_connection", [account])

    assert response.status_code == 200
    build.assert_called_once_with(account)
    assert any("Alpha Fashion" in m for m in messages_of(response))
    account.refresh_from_db()
    assert account.scopes == "read_orders,write_inventory"


def test_test_connection_failure_is_an_error_message_not_a_500(admin_client, account):
    connector = mock.Mock()
    connector.check_credentials.side_effect = ConnectorError(
        "Shopify refused the access token (401)", permanent=True, status=401
    )
    with mock.patch("integrations.services.accounts.build_connector", return_value=connector):
        response = run_action(admin_client, CHANGELIST, "test_connection", [account])

    assert response.status_code == 200
    errors = [str(m) for m in response.context["messages"] if m.level_tag == "error"]
    assert errors == [f"{account}: Shopify refused the access token (401)"]


def test_an_unexpected_failure_in_an_action_is_a_message_not_a_500(admin_client, account):
    with mock.patch(
        "integrations.services.accounts.build_connector", side_effect=RuntimeError("boom")
    ):
        response = run_action(admin_client, CHANGELIST, "test_connection", [account])

    assert response.status_code == 200
    assert any("RuntimeError: boom" in m for m in messages_of(response))


def test_sync_now_action_queues_the_providers_streams(admin_client, account):
    response = run_action(admin_client, CHANGELIST, "sync_now", [account])

    assert response.status_code == 200
    streams = set(SyncRun.objects.filter(account=account).values_list("stream", flat=True))
    assert streams == set(streams_for(account))
    assert any("sync requested" in m for m in messages_of(response))


def test_register_webhooks_action_calls_the_service_and_reports_failures(admin_client, account):
    with mock.patch(
        "integrations.admin.accounts.account_register_webhooks", return_value=[object()] * 6
    ) as register:
        ok = run_action(admin_client, CHANGELIST, "register_webhooks", [account])
    with mock.patch(
        "integrations.admin.accounts.account_register_webhooks",
        side_effect=ConnectorError("Shopify: access denied for webhookSubscriptionCreate"),
    ):
        failed = run_action(admin_client, CHANGELIST, "register_webhooks", [account])

    register.assert_called_once_with(account=account)
    assert any("6 webhook subscription(s) registered" in m for m in messages_of(ok))
    assert failed.status_code == 200
    assert any("access denied" in m for m in messages_of(failed))


def test_disconnect_action_forgets_credentials(admin_client, account):
    run_action(admin_client, CHANGELIST, "disconnect", [account])

    account.refresh_from_db()
    assert account.status == AccountStatus.DISCONNECTED
    assert account.get_credentials() == {}


# --- provider app credentials -------------------------------------------------------------------
def test_app_credential_secret_is_write_only(admin_client, merchant_a):
    response = admin_client.post(
        reverse("admin:integrations_providerappcredential_add"),
        {
            "merchant": merchant_a.pk,
            "provider": "shopify",
            "api_key": "app-key-1",
            "api_secret": "APP_SECRET_PLAINTEXT",
        },
    )

    assert response.status_code == 302
    credential = ProviderAppCredential.objects.get(api_key="app-key-1")
    assert credential.get_credentials() == {"api_secret": "APP_SECRET_PLAINTEXT"}
    page = admin_client.get(
        reverse("admin:integrations_providerappcredential_change", args=[credential.pk])
    ).content.decode()
    assert "APP_SECRET_PLAINTEXT" not in page
    assert "app-key-1" in page
    assert "<code>api_secret</code>: stored: <strong>yes</strong>" in page


# --- sync runs, quarantine, webhooks: read-only with reprocess actions --------------------------
def test_sync_runs_are_view_only_with_counts_and_logs(admin_client, account):
    run = SyncRun.objects.create(
        account=account,
        stream="orders",
        status=SyncStatus.SUCCEEDED,
        created=7,
        updated=2,
        total_estimate=10,
    )
    SyncLog.objects.create(
        run=run,
        account=account,
        stream="orders",
        external_id="gid-bad",
        error="missing total",
        payload={"id": "gid-bad"},
    )

    listing = admin_client.get(reverse("admin:integrations_syncrun_changelist")).content.decode()
    detail = admin_client.get(
        reverse("admin:integrations_syncrun_change", args=[run.pk])
    ).content.decode()

    assert "9 of 10 (90%)" in listing
    assert "gid-bad" in detail
    assert 'name="_save"' not in detail
    assert admin_client.get(reverse("admin:integrations_syncrun_add")).status_code == 403
    assert (
        admin_client.post(
            reverse("admin:integrations_syncrun_delete", args=[run.pk]), {"post": "yes"}
        ).status_code
        == 403
    )
    assert SyncRun.objects.filter(pk=run.pk).exists()


def test_sync_log_reprocess_action_reports_success_and_failure(admin_client, account):
    log = SyncLog.objects.create(
        account=account, stream="orders", external_id="gid-1", error="bad", payload={}
    )
    changelist = "admin:integrations_synclog_changelist"

    with mock.patch("integrations.admin.sync.sync_log_reprocess", return_value=True) as service:
        ok = run_action(admin_client, changelist, "reprocess", [log])
    with mock.patch("integrations.admin.sync.sync_log_reprocess", return_value=False):
        failed = run_action(admin_client, changelist, "reprocess", [log])

    assert service.call_args.kwargs["log"].pk == log.pk
    assert any("reprocessed" in m for m in messages_of(ok))
    assert any("still failing" in m for m in messages_of(failed))


def test_webhook_event_shows_headers_and_body_and_can_be_reprocessed(admin_client, account):
    event = WebhookEvent.objects.create(
        provider="shopify",
        account=account,
        topic="orders/create",
        shop_domain="alpha.myshopify.com",
        dedup_key="evt-1",
        status=WebhookStatus.FAILED,
        attempts=2,
        error="boom",
        headers={"X-Shopify-Topic": "orders/create", "X-Shopify-Hmac-Sha256": "c2lnbmF0dXJl"},
        body='{"id": 820982911946154508, "name": "#1001"}',
    )

    page = admin_client.get(
        reverse("admin:integrations_webhookevent_change", args=[event.pk])
    ).content.decode()
    with mock.patch("integrations.admin.webhooks.webhook_reprocess", return_value=event) as service:
        response = run_action(
            admin_client, "admin:integrations_webhookevent_changelist", "reprocess", [event]
        )

    assert "X-Shopify-Topic" in page
    assert "820982911946154508" in page
    assert "c2lnbmF0dXJl" not in page  # a signature header is never displayed
    assert service.call_args.kwargs["event"].pk == event.pk
    assert response.status_code == 200
    assert admin_client.get(reverse("admin:integrations_webhookevent_add")).status_code == 403


@pytest.mark.parametrize(
    "model",
    ["webhooksubscription", "compliancerequest", "synclog", "webhookevent", "syncrun"],
)
def test_inbox_and_engine_models_cannot_be_added_by_hand(admin_client, model):
    assert admin_client.get(reverse(f"admin:integrations_{model}_changelist")).status_code == 200
    assert admin_client.get(reverse(f"admin:integrations_{model}_add")).status_code == 403


def test_show_push_url_gives_a_couriers_full_url_once_and_refuses_signed_providers(
    admin_client, account, settings
):
    courier = ChannelAccountFactory(
        merchant=account.merchant,
        provider="delhivery",
        external_id="ACME",
        credentials={"api_token": "t", "client_name": "ACME"},
    )
    first = messages_of(run_action(admin_client, CHANGELIST, "show_push_url", [courier]))
    again = messages_of(run_action(admin_client, CHANGELIST, "show_push_url", [courier]))
    token = courier.__class__.objects.get(pk=courier.pk).get_credentials()["push_token"]
    expected = f"{settings.PUBLIC_BASE_URL}/api/webhooks/delhivery/{token}"
    assert any(expected in m for m in first)
    assert first == again  # the same token: issued once, then kept
    store = messages_of(run_action(admin_client, CHANGELIST, "show_push_url", [account]))
    assert any("signed" in m for m in store)
