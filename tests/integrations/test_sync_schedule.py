"""The 10-minute beat job fans out one task per connected account (so workers scale out),
each claiming the streams its provider supports; refreshed secrets are written back."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

import integrations.services.sync as sync
import integrations.tasks as tasks
from integrations.models import AccountStatus, ChannelAccount, SyncRun, SyncStatus
from integrations.services.accounts import account_store_credentials, build_connector
from tests.factories import ChannelAccountFactory

pytestmark = pytest.mark.django_db


def test_every_connected_account_is_its_own_task_with_the_streams_it_supports(
    merchant, monkeypatch
):
    shop = ChannelAccountFactory(merchant=merchant)
    broken = ChannelAccountFactory(merchant=merchant, status=AccountStatus.ERROR)
    gone = ChannelAccountFactory(merchant=merchant, status=AccountStatus.DISCONNECTED)
    sent: list[tuple] = []
    monkeypatch.setattr(tasks, "enqueue", lambda task, *args, **kw: sent.append((task, *args)))

    queued = sync.sync_all_accounts(["orders", "returns"])

    assert queued == [shop.pk]
    # Shopify polls its refunds too (the safety net of the refunds/create webhook).
    assert sent == [(tasks.sync_account_task, shop.pk, ["orders", "returns"])]
    assert broken.pk not in queued
    assert gone.pk not in queued


def test_the_account_task_claims_its_runs_and_leaves_an_active_one_alone(merchant, monkeypatch):
    shop = ChannelAccountFactory(merchant=merchant)
    executed: list[list[int]] = []
    monkeypatch.setattr(sync, "run_sync_runs", lambda ids: executed.append(list(ids)) or [])

    sync.sync_account(account_id=shop.pk, streams=["orders", "returns"])
    orders, returns = SyncRun.objects.filter(account=shop).order_by("pk")
    assert [(r.stream, r.status) for r in (orders, returns)] == [
        ("orders", SyncStatus.QUEUED),
        ("returns", SyncStatus.QUEUED),
    ]
    assert executed == [[orders.pk, returns.pk]]

    sync.sync_account(account_id=shop.pk, streams=["orders"])  # still queued: nothing new
    assert SyncRun.objects.filter(account=shop).count() == 2
    assert executed[-1] == []


def test_refreshed_credentials_are_stored_encrypted_with_their_expiry(merchant):
    account = ChannelAccountFactory(merchant=merchant)
    account.set_credentials({"access_token": "old", "api_secret_key": "s"})
    account.save()
    connector = build_connector(account)
    expires = datetime(2027, 1, 20, 10, 0, tzinfo=UTC)

    connector.save_credentials({"access_token": "new-token"}, expires_at=expires)

    stored = ChannelAccount.objects.get(pk=account.pk)
    assert stored.get_credentials() == {"access_token": "new-token", "api_secret_key": "s"}
    assert stored.token_expires_at == expires
    assert "new-token" not in stored.credentials_encrypted
    assert connector.account.credentials["access_token"] == "new-token"


def test_store_credentials_keeps_other_secrets(merchant):
    account = ChannelAccountFactory(merchant=merchant)
    account.set_credentials({"a": "1", "b": "2"})
    account.save()
    account_store_credentials(account_id=account.pk, updates={"b": "3"})
    assert ChannelAccount.objects.get(pk=account.pk).get_credentials() == {"a": "1", "b": "3"}
