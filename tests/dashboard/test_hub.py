"""The connector hub, the live status partial and "Sync now"."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.urls import reverse

from integrations.models import AccountStatus, SyncRun, SyncStatus
from integrations.registry import CONNECTORS
from integrations.services.sync import streams_for

pytestmark = pytest.mark.django_db


def status_url(account) -> str:
    return reverse("dashboard:account_status", args=[account.pk])


def sync_url(account) -> str:
    return reverse("dashboard:account_sync", args=[account.pk])


def test_hub_has_a_card_per_registered_provider_in_its_kind_section(owner_client):
    body = owner_client.get(reverse("dashboard:home")).content.decode()

    for cls in CONNECTORS.values():
        assert f'id="provider-{cls.id}"' in body
        assert f'id="section-{cls.kind}"' in body
        assert f"background-color: {cls.color}" in body
    # sections without a registered provider are left out, not shown empty
    kinds = {str(cls.kind) for cls in CONNECTORS.values()}
    for kind in {"commerce", "logistics", "marketing"} - kinds:
        assert f'id="section-{kind}"' not in body


def test_hub_shows_the_members_account_status_error_and_latest_run_per_stream(
    owner_client, account
):
    account.last_error = "Webhook registration failed: 401"
    account.last_synced_at = datetime(2026, 11, 1, 4, 30, tzinfo=UTC)
    account.save()
    SyncRun.objects.create(
        account=account, stream="orders", status=SyncStatus.SUCCEEDED, created=5, updated=1
    )
    latest = SyncRun.objects.create(
        account=account,
        stream="orders",
        status=SyncStatus.RUNNING,
        created=30,
        updated=5,
        skipped=3,
        failed=2,
        total_estimate=80,
    )

    body = owner_client.get(reverse("dashboard:home")).content.decode()

    assert "Alpha Store" in body
    assert "alpha.myshopify.com" in body
    assert "Webhook registration failed: 401" in body
    assert "01 Nov 2026, 10:00 IST" in body  # 04:30 UTC shown in IST
    assert f'data-poll-url="{status_url(account)}"' in body
    assert latest.progress_percent == 50
    assert 'aria-valuenow="50"' in body
    assert "<strong>40</strong> of 80 processed" in body
    assert "2 failed" in body
    assert body.count('class="run"') == 1  # only the newest run of the stream


def test_hub_never_shows_another_merchants_accounts(owner_client, account, other_account):
    SyncRun.objects.create(
        account=other_account,
        stream="catalog",
        status=SyncStatus.FAILED,
        error="bravo-secret-failure",
    )

    body = owner_client.get(reverse("dashboard:home")).content.decode()

    assert "alpha.myshopify.com" in body
    assert "bravo.myshopify.com" not in body
    assert "Bravo Store" not in body
    assert "bravo-secret-failure" not in body


def test_managers_get_the_connect_form_with_the_sandbox_option(owner_client, settings):
    settings.SANDBOX_ENABLED = True

    body = owner_client.get(reverse("dashboard:home")).content.decode()

    assert 'action="/channels/shopify/oauth/install"' in body
    assert 'name="shop"' in body
    assert 'name="sandbox" value="1"' in body
    assert "Connect your store" in body


def test_the_sandbox_option_is_hidden_when_the_sandbox_is_off(owner_client, settings):
    settings.SANDBOX_ENABLED = False

    body = owner_client.get(reverse("dashboard:home")).content.decode()

    assert 'name="shop"' in body
    assert 'name="sandbox"' not in body


def test_viewers_see_status_but_no_connect_form_or_sync_button(viewer_client, account):
    body = viewer_client.get(reverse("dashboard:home")).content.decode()

    assert "alpha.myshopify.com" in body
    assert 'name="shop"' not in body
    assert sync_url(account) not in body


def test_status_partial_polls_while_a_run_is_active_and_stops_after(owner_client, account):
    run = SyncRun.objects.create(account=account, stream="catalog", status=SyncStatus.QUEUED)

    response = owner_client.get(status_url(account))
    assert response.status_code == 200
    body = response.content.decode()
    assert "<html" not in body  # a fragment, not a page
    assert f'data-poll-url="{status_url(account)}"' in body
    assert "Syncing…" in body

    run.status = SyncStatus.SUCCEEDED
    run.created = 12
    run.save()
    body = owner_client.get(status_url(account)).content.decode()
    assert "data-poll-url" not in body
    assert "<strong>12</strong> processed" in body
    assert "Sync now" in body


def test_status_partial_of_another_merchants_account_is_404(owner_client, other_account):
    assert owner_client.get(status_url(other_account)).status_code == 404


def test_sync_now_queues_every_stream_the_provider_supports(
    owner_client, account, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks:
        response = owner_client.post(sync_url(account))

    assert response.status_code == 302
    assert response["Location"] == reverse("dashboard:home")
    runs = SyncRun.objects.filter(account=account)
    assert sorted(runs.values_list("stream", flat=True)) == sorted(streams_for(account))
    assert set(runs.values_list("status", flat=True)) == {SyncStatus.QUEUED}
    assert len(callbacks) == 1  # one background task after commit
    page = owner_client.get(reverse("dashboard:home")).content.decode()
    assert "Sync requested for" in page


def test_sync_now_from_fetch_returns_the_status_partial(owner_client, account):
    response = owner_client.post(sync_url(account), headers={"HX-Request": "true"})

    assert response.status_code == 200
    body = response.content.decode()
    assert f'id="account-{account.pk}"' in body
    assert f'data-poll-url="{status_url(account)}"' in body
    assert "Sync requested for" in body
    assert SyncRun.objects.filter(account=account).count() == len(streams_for(account))


def test_sync_now_twice_does_not_queue_duplicate_runs(owner_client, account):
    owner_client.post(sync_url(account))
    owner_client.post(sync_url(account))

    assert SyncRun.objects.filter(account=account).count() == len(streams_for(account))


def test_viewer_gets_403_on_sync_and_nothing_is_queued(viewer_client, account):
    response = viewer_client.post(sync_url(account))

    assert response.status_code == 403
    assert not SyncRun.objects.filter(account=account).exists()


def test_sync_of_another_merchants_account_is_404_and_nothing_is_queued(
    owner_client, other_account
):
    response = owner_client.post(sync_url(other_account))

    assert response.status_code == 404
    assert not SyncRun.objects.filter(account=other_account).exists()


def test_sync_is_post_only(owner_client, account):
    assert owner_client.get(sync_url(account)).status_code == 405
    assert not SyncRun.objects.filter(account=account).exists()


def test_sync_of_a_disconnected_account_is_refused_with_a_message(owner_client, account):
    account.status = AccountStatus.DISCONNECTED
    account.save()

    response = owner_client.post(sync_url(account), follow=True)

    assert response.status_code == 200
    assert "connect it again before syncing" in response.content.decode()
    assert not SyncRun.objects.filter(account=account).exists()


# --- connect with credentials (custom app) ---------------------------------------------
CONNECT_URL = "/hub/providers/shopify/connect/"
CUSTOM_APP = {
    "shop_domain": "kurta-co.myshopify.com",
    "access_token": "shpat_custom_app_token",
    "api_secret_key": "custom-app-secret",
}


def test_the_hub_offers_the_custom_app_form_with_the_providers_fields(owner_client):
    page = owner_client.get(reverse("dashboard:home")).content.decode()
    assert "Use a custom app's access token instead" in page
    for name in CUSTOM_APP:
        assert f'name="{name}"' in page
    assert 'type="password"' in page


def test_custom_app_connect_verifies_then_stores_encrypted_and_starts_the_first_sync(
    owner_client, owner, monkeypatch, django_capture_on_commit_callbacks
):
    from integrations.connectors.shopify.connector import ShopifyConnector
    from integrations.models import ChannelAccount

    seen = {}

    def check(self):
        seen["token"] = self.account.credentials["access_token"]
        return {"name": "Kurta Co"}

    monkeypatch.setattr(ShopifyConnector, "check_credentials", check)
    with django_capture_on_commit_callbacks() as callbacks:
        response = owner_client.post(CONNECT_URL, CUSTOM_APP)

    assert response.status_code == 302
    assert seen["token"] == "shpat_custom_app_token"  # verified before it was stored
    account = ChannelAccount.objects.get(
        merchant=owner.merchant, external_id=CUSTOM_APP["shop_domain"]
    )
    assert account.display_name == "Kurta Co"
    assert account.get_credentials() == {
        "access_token": "shpat_custom_app_token",
        "api_secret_key": "custom-app-secret",
    }
    assert "shpat_custom_app_token" not in account.credentials_encrypted
    assert len(callbacks) == 1  # webhooks + first sync, after commit
    assert "Connected Kurta Co" in owner_client.get(reverse("dashboard:home")).content.decode()


def test_custom_app_credentials_the_provider_refuses_store_nothing(owner_client, monkeypatch):
    from integrations.connectors.shopify.connector import ShopifyConnector
    from integrations.http import ConnectorError
    from integrations.models import ChannelAccount

    def refuse(self):
        raise ConnectorError("shopify: access denied (HTTP 401)", permanent=True)

    monkeypatch.setattr(ShopifyConnector, "check_credentials", refuse)
    response = owner_client.post(CONNECT_URL, CUSTOM_APP, follow=True)
    assert "refused these credentials" in response.content.decode()
    assert not ChannelAccount.objects.exists()


def test_custom_app_connect_names_a_missing_field(owner_client):
    from integrations.models import ChannelAccount

    response = owner_client.post(CONNECT_URL, {**CUSTOM_APP, "access_token": ""}, follow=True)
    assert "access_token" in response.content.decode()
    assert not ChannelAccount.objects.exists()


def test_viewers_cannot_connect_and_unknown_providers_are_404(viewer_client, owner_client):
    assert viewer_client.post(CONNECT_URL, CUSTOM_APP).status_code == 403
    assert owner_client.post("/hub/providers/nope/connect/", CUSTOM_APP).status_code == 404
