"""End to end: a Shopify token without ``read_returns`` (a custom app made without it, or a
store that declined it) reads refunds only instead of failing. Sangam learns the grant from
``currentAppInstallation.accessScopes`` or, when the grant is unknown, from the first
``ACCESS_DENIED``; the account stays connected and every refund of shipped units becomes a
refund return. Once the scope is granted, the returns are read again and the Shopify return
takes over its refund's return: the units are never returned twice. Real HTTP on loopback."""

from __future__ import annotations

import time

import pytest

from integrations.dto import ReturnStatus
from integrations.models import AccountStatus, SyncRun, SyncStatus, WebhookEvent, WebhookStatus
from integrations.services import sync
from integrations.services.accounts import account_check_connection
from integrations.services.webhook_subscriptions import account_register_webhooks
from inventory.models import StockMovement
from orders.models import Return
from returns.services.receipts import return_receive
from tests.e2e.conftest import SHOP, token_connect
from tests.e2e.test_shopify_returns_poll import returns_run, shipped_order

pytestmark = pytest.mark.django_db(transaction=True)

# The default scopes (``SHOPIFY_SCOPES``) but ``read_returns``.
WITHOUT_RETURNS = (
    "read_orders,write_orders,read_products,read_inventory,write_inventory,"
    "write_merchant_managed_fulfillment_orders"
)


@pytest.fixture
def account(hub, store, owner):
    connected = token_connect(hub, owner, scope=WITHOUT_RETURNS)
    account_register_webhooks(account=connected)
    sync.request_sync(account=connected, streams=["catalog", "inventory"])
    return connected


def grant_read_returns(account) -> None:
    """The merchant adds ``read_returns`` to the custom app: a token with every scope."""
    from django.conf import settings

    from sandbox.shopify.models import SandboxApp, SandboxShop
    from sandbox.shopify.oauth import issue_token

    token = issue_token(
        shop=SandboxShop.objects.get(domain=SHOP),
        app=SandboxApp.objects.get(api_key=settings.SHOPIFY_API_KEY),
        scope=settings.SHOPIFY_SCOPES,
    )
    account.set_credentials({**account.get_credentials(), "access_token": token})
    account.save()


def wait_for_returns_run(account, after: int) -> SyncRun:
    """The returns run queued in the background after run ``after``, once it has ended."""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        run = SyncRun.objects.filter(account=account, stream="returns", pk__gt=after).first()
        if run is not None and run.status in (SyncStatus.SUCCEEDED, SyncStatus.FAILED):
            return run
        time.sleep(0.2)
    raise AssertionError("no returns run ended")


@pytest.mark.parametrize("grant", ["known", "unknown"])
def test_without_read_returns_refunds_are_read_and_the_account_stays_connected(account, grant):
    from sandbox.shopify import returns as sandbox_returns
    from sandbox.shopify import services as sandbox

    if grant == "known":
        facts = account_check_connection(account=account)
        assert set(facts["scopes"].split(",")) == set(WITHOUT_RETURNS.split(","))
        account.refresh_from_db()
        assert account.missing_scopes == ["read_returns"]
    else:
        assert account.scopes == ""  # a pasted token, connected before the grant was read

    order, item = shipped_order(seed=41)
    requested = sandbox_returns.request_return(order, {item.id: 1}, reason="DEFECTIVE")
    order.refresh_from_db()
    payload = sandbox.refund_order(
        order, lines={item.id: 1}, restock=True, note="Defective", return_request=requested
    )
    assert payload["return"]["id"] == requested.id

    # The refund's webhook names its return; reading that order falls back to refunds only.
    event = WebhookEvent.objects.get(topic="refunds/create")
    assert event.status == WebhookStatus.PROCESSED, event.error
    sync.sync_account(account_id=account.pk, streams=["returns"])

    run = returns_run(account)
    assert (run.status, run.failed) == (SyncStatus.SUCCEEDED, 0), run.error
    account.refresh_from_db()
    assert (account.status, account.last_error) == (AccountStatus.CONNECTED, "")
    ret = Return.objects.get(account=account)
    assert (ret.external_id, ret.status, ret.reason) == (
        f"refund:{payload['id']}",
        ReturnStatus.REFUNDED,
        "Defective",
    )
    assert list(ret.items.values_list("order_item_external_id", "sku", "quantity")) == [
        (str(item.id), item.sku, 1)
    ]


def test_granting_read_returns_lets_the_shopify_return_take_over_its_refunds_return(account):
    """Received in Sangam while only the refund was known; once ``read_returns`` is granted
    ("Test connection" reads the new grant), the returns are read again and the Shopify return
    becomes that same Return: its receipt, QC status and stock movements stay, and nothing is
    received twice."""
    from sandbox.shopify import returns as sandbox_returns
    from sandbox.shopify import services as sandbox

    account_check_connection(account=account)
    order, item = shipped_order(seed=42)
    requested = sandbox_returns.request_return(order, {item.id: 1}, reason="SIZE_TOO_SMALL")
    order.refresh_from_db()
    payload = sandbox.refund_order(
        order, lines={item.id: 1}, note="Too small", return_request=requested
    )
    sync.sync_account(account_id=account.pk, streams=["returns"])
    ret = Return.objects.get(account=account)
    assert ret.external_id == f"refund:{payload['id']}"
    return_receive(ret=ret, lines={ret.items.get().pk: (1, 0)}, note="QC passed")
    movements = list(
        StockMovement.objects.filter(reference=f"return:{ret.pk}").values_list(
            "kind", "on_hand_delta"
        )
    )
    assert movements
    order.refresh_from_db()
    assert order.note.startswith(f"Sangam return refund:{payload['id']}: QC passed")
    last_run = returns_run(account).pk

    grant_read_returns(account)
    account_check_connection(account=account)
    account.refresh_from_db()
    assert account.missing_scopes == []

    run = wait_for_returns_run(account, after=last_run)
    assert (run.status, run.failed) == (SyncStatus.SUCCEEDED, 0), run.error
    assert run.updated == 1
    adopted = Return.objects.get(account=account)  # still one Return: the same row
    assert adopted.pk == ret.pk
    assert adopted.external_id == f"return:{requested.id}"
    assert (adopted.status, adopted.reason) == (ReturnStatus.QC_PASSED, "size too small")
    assert [r["id"] for r in adopted.raw["refunds"]] == [payload["id"]]
    line = adopted.items.get()
    assert (line.order_item_external_id, line.quantity, line.restocked_quantity) == (
        str(item.id),
        1,
        1,
    )
    assert (
        list(
            StockMovement.objects.filter(reference=f"return:{ret.pk}").values_list(
                "kind", "on_hand_delta"
            )
        )
        == movements
    )

    # The order's note line now names the Shopify return, in place of the refund's.
    order.refresh_from_db()
    assert order.note.startswith(f"Sangam return return:{requested.id}: QC passed")
    assert "refund:" not in order.note

    # The next poll changes nothing.
    sync.sync_account(account_id=account.pk, streams=["returns"])
    again = returns_run(account)
    assert (again.status, again.created, again.updated) == (SyncStatus.SUCCEEDED, 0, 0)
    assert Return.objects.filter(account=account).count() == 1
