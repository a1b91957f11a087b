"""The real Flipkart connector over real HTTP against the Flipkart sandbox, through the hub:
connect with the application id/secret (token with its ~60-day expiry stored on the account),
the first sync imports orders and returns, a re-sync creates nothing twice, and a token that
expired is refreshed and written back."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from integrations.models import AccountStatus, ChannelAccount, SyncRun, SyncStatus
from integrations.services.sync import request_sync
from orders.models import Order, Return
from sandbox import demo

pytestmark = pytest.mark.django_db(transaction=True)

APP = "e2e-fk-app"


@pytest.fixture
def seller(transactional_db):
    from sandbox.flipkart import services

    return services.seed_seller(application_id=APP, orders=60, days=20, seed=21)


@pytest.fixture
def owner_api(owner):
    from rest_framework.test import APIClient

    client = APIClient()
    client.force_authenticate(owner.user)
    return client


def connect(owner_api, secret: str = "sandbox-secret"):  # noqa: S107 - sandbox app secret
    return owner_api.post(
        "/api/integrations/providers/flipkart/connect",
        {"application_id": APP, "application_secret": secret, "use_sandbox": True},
        format="json",
    )


def sandbox_order_ids() -> set[str]:
    from sandbox.flipkart.models import SandboxFlipkartOrderItem

    return set(
        SandboxFlipkartOrderItem.objects.filter(shipment__seller__application_id=APP)
        .values_list("order_id", flat=True)
        .distinct()
    )


def test_connect_imports_orders_and_returns_and_tracks_the_token_expiry(hub, seller, owner_api):
    response = connect(owner_api)
    assert response.status_code == 201, response.content
    account = ChannelAccount.objects.get(provider="flipkart", external_id=APP)
    demo.watch_runs(lambda: account.pk, lambda: True, lambda _runs: None, timeout=300)
    account.refresh_from_db()

    assert account.status == AccountStatus.CONNECTED
    # ~60 days (expires_in 5183999 s), stored on the account and shown on the hub.
    assert timedelta(days=59) < account.token_expires_at - timezone.now() < timedelta(days=61)
    assert account.get_credentials()["access_token"]
    runs = {r.stream: r for r in SyncRun.objects.filter(account=account)}
    assert {s: r.status for s, r in runs.items()} == {
        "orders": SyncStatus.SUCCEEDED,
        "returns": SyncStatus.SUCCEEDED,
    }
    # Every order, including those first seen in the returns API (already RETURNED, past the
    # states the shipment search covers): those are fetched by id and link their returns.
    imported = set(Order.objects.filter(account=account).values_list("external_id", flat=True))
    assert imported == sandbox_order_ids()
    returns = Return.objects.filter(account=account)
    assert returns.exists()
    assert returns.filter(order__isnull=True).count() == 0
    assert {"cod", "prepaid"} == set(
        Order.objects.filter(account=account).values_list("payment_method", flat=True)
    )

    (again,) = request_sync(account=account, streams=["orders"])
    again.refresh_from_db()
    assert again.status == SyncStatus.SUCCEEDED
    assert again.created == 0
    assert Order.objects.filter(account=account).count() == len(imported)


def test_an_expired_token_is_refreshed_and_written_back(hub, seller, owner_api):
    from sandbox.flipkart import services

    assert connect(owner_api).status_code == 201
    account = ChannelAccount.objects.get(provider="flipkart", external_id=APP)
    demo.watch_runs(lambda: account.pk, lambda: True, lambda _runs: None, timeout=300)
    old_token = account.get_credentials()["access_token"]
    services.set_token_lifetime(APP, 1)  # tokens issued from now on live one second
    # Make the stored token look expired, as after 60 days.
    account.refresh_from_db()
    account.update_credentials(
        access_token_expires_at=(timezone.now() - timedelta(minutes=1)).isoformat()
    )
    account.save()

    (run,) = request_sync(account=account, streams=["orders"])
    run.refresh_from_db()
    account.refresh_from_db()

    assert run.status == SyncStatus.SUCCEEDED, run.error
    assert account.get_credentials()["access_token"] != old_token
    assert account.token_expires_at is not None


def test_wrong_credentials_are_refused_and_nothing_is_stored(hub, seller, owner_api):
    response = connect(owner_api, secret="wrong")
    assert response.status_code == 400
    assert not ChannelAccount.objects.filter(provider="flipkart").exists()
