"""End to end: a Shopify refund whose ``refunds/create`` webhook is lost still becomes a Return
through the scheduled returns poll, and the webhook arriving late (or twice) changes nothing;
the other way round, a refund the webhook already brought is skipped by the poll. The hub and
the sandbox talk over real HTTP on loopback."""

from __future__ import annotations

import pytest

from integrations.connectors.shopify.returns import restocked_units, returns_from_refund
from integrations.dto import ReturnKind, ReturnStatus
from integrations.models import SyncRun, SyncStatus, WebhookEvent, WebhookStatus
from integrations.services import sync
from integrations.services.webhook_subscriptions import account_register_webhooks
from orders.models import Order, Return
from tests.e2e.conftest import SHOP, token_connect

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def account(hub, store, owner):
    """A token-connected store with webhooks registered and its catalog imported."""
    connected = token_connect(hub, owner)
    account_register_webhooks(account=connected)
    sync.request_sync(account=connected, streams=["catalog", "inventory"])
    return connected


def shipped_order(seed: int):
    """A new order (it reaches the hub by webhook), then fulfilled in the sandbox."""
    from sandbox.shopify import services as sandbox

    placed = sandbox.simulate_orders(shop=SHOP, count=1, seed=seed)[0]
    return sandbox.fulfill_order(placed), max(placed.loaded_line_items, key=lambda i: i.quantity)


def returns_run(account) -> SyncRun:
    return SyncRun.objects.filter(account=account, stream="returns").latest("pk")


def test_a_refund_whose_webhook_is_lost_is_polled_into_one_return(account):
    from sandbox.shopify import services as sandbox
    from sandbox.shopify.models import SandboxWebhookDelivery

    order, item = shipped_order(seed=31)
    assert Order.objects.filter(account=account, external_id=str(order.id)).exists()

    payload = sandbox.refund_order(
        order, lines={item.id: item.quantity}, note="Wrong size", deliver=False
    )

    assert not WebhookEvent.objects.filter(topic="refunds/create").exists()
    assert not Return.objects.filter(account=account).exists()

    # The scheduled job: every stream the beat schedule asks for that Shopify supports.
    assert sync.scheduled_streams(account, sync.SCHEDULED_STREAMS) == ["orders", "returns"]
    sync.sync_account(account_id=account.pk, streams=sync.SCHEDULED_STREAMS)

    run = returns_run(account)
    assert (run.status, run.created, run.failed) == (SyncStatus.SUCCEEDED, 1, 0), run.error
    order.refresh_from_db()
    assert run.cursor_after == order.updated_at.strftime("%Y-%m-%dT%H:%M:%SZ")
    ret = Return.objects.get(account=account)
    (expected,) = returns_from_refund(payload)
    assert ret.external_id == f"refund:{payload['id']}" == expected.external_id
    assert ret.order == Order.objects.get(account=account, external_id=str(order.id))
    assert (ret.kind, ret.status, ret.reason) == (
        ReturnKind.CUSTOMER_RETURN,
        ReturnStatus.REFUNDED,
        "Wrong size",
    )
    assert (ret.requested_at, ret.source_updated_at) == (expected.created_at, expected.updated_at)
    assert list(ret.items.values_list("order_item_external_id", "sku", "quantity")) == [
        (str(item.id), item.sku, item.quantity)
    ]
    assert restocked_units(ret.raw, item.sku) == restocked_units(expected.raw, item.sku) == 0
    stored = (ret.updated_at, ret.raw)

    # Shopify's delivery finally arrives, then a duplicate of it: still one Return, untouched.
    assert sandbox.deliver_due_webhooks() >= 1
    sandbox.redeliver(SandboxWebhookDelivery.objects.get(topic="refunds/create"))

    events = WebhookEvent.objects.filter(topic="refunds/create")
    assert events.count() == 1  # the duplicate has the same event id
    assert events.get().status == WebhookStatus.PROCESSED
    ret = Return.objects.get(account=account)
    assert (ret.updated_at, ret.raw) == stored
    assert ret.items.count() == 1

    # The next poll re-reads the overlap window and changes nothing either.
    sync.sync_account(account_id=account.pk, streams=["returns"])
    again = returns_run(account)
    assert again.pk != run.pk
    assert (again.status, again.created, again.updated) == (SyncStatus.SUCCEEDED, 0, 0)
    assert again.skipped == 1
    assert Return.objects.filter(account=account).count() == 1


def test_a_refund_the_webhook_brought_is_skipped_by_the_poll(account):
    from sandbox.shopify import services as sandbox

    order, item = shipped_order(seed=32)
    sandbox.refund_order(order, lines={item.id: 1}, restock=True, note="Damaged")
    ret = Return.objects.get(account=account)  # by webhook
    stored = (ret.updated_at, ret.raw)

    sync.sync_account(account_id=account.pk, streams=["returns"])

    run = returns_run(account)
    assert (run.status, run.created, run.updated, run.skipped) == (SyncStatus.SUCCEEDED, 0, 0, 1)
    ret = Return.objects.get(account=account)
    assert (ret.updated_at, ret.raw) == stored
    assert restocked_units(ret.raw, item.sku) == 1


def test_a_shopify_return_is_followed_from_request_to_refund(account):
    """A return requested in Shopify reaches the hub by the poll as "requested", moves to "in
    transit" when approved, and the refund made for it (by webhook) makes the same Return
    "refunded": one Sangam Return, never a second one for the refund."""
    from sandbox.shopify import returns as sandbox_returns
    from sandbox.shopify import services as sandbox

    order, item = shipped_order(seed=33)
    units = min(item.quantity, 2)
    requested = sandbox_returns.request_return(
        order, {item.id: units}, reason="SIZE_TOO_LARGE", note="Loose fit", approve=False
    )
    external_id = f"return:{requested.id}"

    sync.sync_account(account_id=account.pk, streams=["returns"])
    ret = Return.objects.get(account=account)
    assert (ret.external_id, ret.status, ret.reason, ret.sub_reason) == (
        external_id,
        ReturnStatus.REQUESTED,
        "size too large",
        "Loose fit",
    )
    assert ret.order == Order.objects.get(account=account, external_id=str(order.id))
    assert list(ret.items.values_list("order_item_external_id", "sku", "quantity")) == [
        (str(item.id), item.sku, units)
    ]
    first_seen = ret.requested_at

    sandbox_returns.change_return(requested, "approve")
    sync.sync_account(account_id=account.pk, streams=["returns"])
    ret.refresh_from_db()
    assert ret.status == ReturnStatus.IN_TRANSIT

    order.refresh_from_db()
    payload = sandbox.refund_order(
        order, lines={item.id: units}, restock=True, note="Refunded", return_request=requested
    )
    assert payload["return"]["id"] == requested.id
    event = WebhookEvent.objects.get(topic="refunds/create")
    assert event.status == WebhookStatus.PROCESSED, event.error
    ret = Return.objects.get(account=account)  # still the one Return
    assert (ret.external_id, ret.status, ret.requested_at) == (
        external_id,
        ReturnStatus.REFUNDED,
        first_seen,
    )
    assert [r["id"] for r in ret.raw["refunds"]] == [payload["id"]]
    assert restocked_units(ret.raw, item.sku) == units
    assert ret.items.get().quantity == units

    # The poll finds nothing newer: the webhook already read the order as it is now.
    sync.sync_account(account_id=account.pk, streams=["returns"])
    run = returns_run(account)
    assert (run.status, run.created, run.updated, run.failed) == (SyncStatus.SUCCEEDED, 0, 0, 0)
    assert Return.objects.filter(account=account).count() == 1


@pytest.mark.parametrize("webhook_lost", [False, True], ids=["by-webhook", "by-orders-poll"])
def test_a_declined_return_is_cancelled(account, webhook_lost):
    """Declining a request puts the order's ``returnStatus`` back to ``NO_RETURN``, so the
    returns poll no longer reads it; the order's update (its ``orders/updated`` webhook, or
    the orders poll when that is lost) makes the hub re-read the return it holds open."""
    from sandbox.shopify import returns as sandbox_returns
    from sandbox.shopify.models import SandboxWebhookDelivery

    order, item = shipped_order(seed=34)
    requested = sandbox_returns.request_return(order, {item.id: 1}, approve=False)
    sync.sync_account(account_id=account.pk, streams=["returns"])
    assert Return.objects.get(account=account).status == ReturnStatus.REQUESTED

    if webhook_lost:
        sent = SandboxWebhookDelivery.objects.count()
        sandbox_returns.change_return(
            requested, "decline", decline_reason="FINAL_SALE", deliver=False
        )
        assert SandboxWebhookDelivery.objects.count() > sent  # recorded, not sent
        assert Return.objects.get(account=account).status == ReturnStatus.REQUESTED
        sync.sync_account(account_id=account.pk, streams=["orders"])
    else:
        sandbox_returns.change_return(requested, "decline", decline_reason="FINAL_SALE")
    assert sandbox_returns.order_return_status(requested.order) == "NO_RETURN"

    ret = Return.objects.get(account=account)
    assert (ret.external_id, ret.status) == (f"return:{requested.id}", ReturnStatus.CANCELLED)
    assert ret.raw["return"]["decline"]["reason"] == "FINAL_SALE"
    sync.sync_account(account_id=account.pk, streams=["returns"])
    assert Return.objects.get(account=account).status == ReturnStatus.CANCELLED


def test_the_demos_shopify_returns_reach_the_hub(account):
    """``make demo`` shows a waiting request, a refunded return and a return restocked in the
    Shopify admin (received in Sangam, QC passed) from the store."""
    from sandbox import demo

    shipped_order(seed=35)
    shipped_order(seed=36)
    shipped_order(seed=37)

    lines = demo.shopify_returns(account, shop=SHOP)

    assert [line.split(": ", 1)[1].split(",")[0] for line in lines] == [
        "Requested",
        "Refunded",
        "QC passed",
    ]
    assert sorted(Return.objects.filter(account=account).values_list("status", flat=True)) == [
        ReturnStatus.QC_PASSED,
        ReturnStatus.REFUNDED,
        ReturnStatus.REQUESTED,
    ]
