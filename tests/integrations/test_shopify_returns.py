"""Shopify refunds → returns and the return status written back to the order.

Pure parts (refund mapping, tag/note merging, GraphQL documents) are table-driven; the write-back
and the ``refunds/create`` → Return → receipt → ``orderUpdate`` round trip run the real connector
over real HTTP against the sandbox (live server on loopback)."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from unittest import mock

import pytest
from celery.exceptions import Retry
from django.conf import settings
from django.db.models import Sum

from integrations.connectors.shopify import queries
from integrations.connectors.shopify.client import ShopifyUserError
from integrations.connectors.shopify.mapping import MappingError
from integrations.connectors.shopify.returns.notes import merged_note, merged_tags
from integrations.connectors.shopify.returns.refunds import (
    refund_records,
    removals_from_refund,
    returns_from_refund,
)
from integrations.dto import ReturnKind, ReturnStatus
from integrations.http import ConnectorError
from integrations.models import WebhookEvent, WebhookStatus
from integrations.services.accounts import build_connector
from inventory.models import MovementKind, StockLevel, StockMovement
from orders.models import Order, OrderLineRemoval, Return
from returns.services.receipts import return_receive
from returns.services.writeback import return_note, return_tag, return_writeback
from returns.tasks import return_writeback_task
from tests.e2e.conftest import token_connect
from tests.factories import MembershipFactory
from tests.integrations.test_shopify_graphql_documents import validation_errors

SAMPLE = (
    Path(settings.BASE_DIR).parent
    / "shared/reference/shopify/webhooks/metadatas/2025-01/refunds/create.json"
)
SHOP = "returns-kurta-co.myshopify.com"


def sample_refund() -> dict:
    """Shopify's own ``refunds/create`` sample (2025-01): three ``no_restock`` lines of an order
    that was never fulfilled."""
    return copy.deepcopy(json.loads(SAMPLE.read_text())["response"])


# --- mapping --------------------------------------------------------------------------------------
def test_shopifys_sample_refund_of_unshipped_lines_is_not_a_return():
    assert returns_from_refund(sample_refund()) == []


def test_restocked_refund_lines_become_one_return_with_exact_ids():
    body = sample_refund()
    for line in body["refund_line_items"]:
        line["restock_type"] = "return"

    first, second, third = returns_from_refund(body)

    assert {first.external_id, second.external_id, third.external_id} == {
        "refund:890088186047892400"
    }
    assert first.order_external_id == "820982911946154500"
    assert (first.order_item_external_id, first.sku, first.quantity) == (
        "487817672276298560",
        "SKU2006-001",
        1,
    )
    assert second.order_item_external_id == "976318377106520300"
    assert (first.kind, first.status, first.reason) == (
        ReturnKind.CUSTOMER_RETURN,
        ReturnStatus.REFUNDED,
        "Things were damaged",
    )
    assert first.created_at.isoformat() == "2022-01-01T00:00:00+00:00"
    assert first.updated_at == first.created_at
    assert first.raw["refund_line_item"]["id"] == 487817672276298600


@pytest.mark.parametrize(
    ("restock_type", "fulfillment_status", "linked_return", "outcome"),
    [
        pytest.param("return", None, None, "return", id="return"),
        pytest.param("legacy_restock", None, None, "return", id="legacy-restock"),
        pytest.param("cancel", "fulfilled", None, "removal", id="cancel"),
        pytest.param("no_restock", None, None, "removal", id="no-restock-unshipped"),
        pytest.param("no_restock", "fulfilled", None, "return", id="no-restock-shipped"),
        pytest.param("no_restock", None, {"id": 7}, "its return", id="linked"),
        pytest.param("return", "fulfilled", {"id": 7}, "its return", id="linked-restocked"),
        pytest.param("cancel", None, {"id": 7}, "removal", id="linked-cancel"),
    ],
)
def test_which_refund_lines_are_returns(restock_type, fulfillment_status, linked_return, outcome):
    """Every line with units is exactly one of three: a return of its own (``refund:<id>``), a
    removal of unshipped units, or a unit of the Shopify return the refund was made for (read
    with that return, so the refund alone gives nothing)."""
    body = sample_refund()
    body["return"] = linked_return
    body["refund_line_items"] = body["refund_line_items"][:1]
    body["refund_line_items"][0]["restock_type"] = restock_type
    body["refund_line_items"][0]["line_item"]["fulfillment_status"] = fulfillment_status

    assert len(returns_from_refund(body)) == (1 if outcome == "return" else 0)
    assert len(removals_from_refund(body)) == (1 if outcome == "removal" else 0)


@pytest.mark.parametrize(
    ("restock_type", "restocked"),
    [pytest.param("cancel", True, id="cancel"), pytest.param("no_restock", False, id="no-restock")],
)
def test_unshipped_refund_lines_are_removals_with_exact_ids(restock_type, restocked):
    body = sample_refund()
    for line in body["refund_line_items"]:
        line["restock_type"] = restock_type
    body["refund_line_items"][1]["quantity"] = 0  # a 0-unit line removes nothing

    first, second = removals_from_refund(body)

    assert (first.external_id, second.external_id) == (
        "refund:890088186047892400:487817672276298560",
        "refund:890088186047892400:315789986012684400",
    )
    assert (first.order_external_id, first.order_item_external_id) == (
        "820982911946154500",
        "487817672276298560",
    )
    assert (first.sku, first.quantity, first.restocked) == ("SKU2006-001", 1, restocked)
    assert first.removed_at.isoformat() == "2022-01-01T00:00:00+00:00"
    assert refund_records(body) == [first, second]


@pytest.mark.parametrize(
    "change",
    [
        pytest.param(lambda b: b.pop("order_id"), id="no-order-id"),
        pytest.param(lambda b: b.update(created_at=None, processed_at=None), id="no-time"),
        pytest.param(lambda b: b["refund_line_items"][0].update(quantity="1"), id="text-quantity"),
    ],
)
def test_a_malformed_refund_raises_a_mapping_error(change):
    body = sample_refund()
    for line in body["refund_line_items"]:
        line["restock_type"] = "return"
    change(body)

    with pytest.raises(MappingError):
        returns_from_refund(body)


# --- the webhook inbox ---------------------------------------------------------------------------
@pytest.fixture
def deliver_refund(merchant, django_capture_on_commit_callbacks):
    """POST a signed ``refunds/create`` to the inbox; returns the stored event, processed."""
    from django.test import Client

    from integrations.connectors.shopify.signatures import webhook_hmac
    from tests.factories import ChannelAccountFactory

    ChannelAccountFactory(
        merchant=merchant,
        external_id="refunds-demo.myshopify.com",
        credentials={"access_token": "shpat_x", "api_secret_key": "refund-secret"},
    )

    def send(body: dict) -> WebhookEvent:
        raw = json.dumps(body).encode()
        headers = {
            "X-Shopify-Topic": "refunds/create",
            "X-Shopify-Hmac-Sha256": webhook_hmac(raw, "refund-secret"),
            "X-Shopify-Shop-Domain": "refunds-demo.myshopify.com",
            "X-Shopify-Event-Id": f"evt-{body.get('id')}-{len(raw)}",
        }
        with django_capture_on_commit_callbacks(execute=True):
            response = Client().post(
                "/api/webhooks/shopify", data=raw, content_type="application/json", headers=headers
            )
        assert response.status_code == 200
        return WebhookEvent.objects.order_by("-pk").first()

    return send


@pytest.mark.django_db
def test_a_refund_webhook_records_a_return_once(deliver_refund):
    body = sample_refund()
    for line in body["refund_line_items"]:
        line["restock_type"] = "return"

    first = deliver_refund(body)
    body["note"] = "replayed with a new event id"
    replay = deliver_refund(body)

    assert (first.status, replay.status) == (WebhookStatus.PROCESSED, WebhookStatus.PROCESSED)
    ret = Return.objects.get()
    assert (ret.external_id, ret.status, ret.reason) == (
        "refund:890088186047892400",
        ReturnStatus.REFUNDED,
        "Things were damaged",  # a refund never changes: the replay is skipped
    )
    assert sorted(ret.items.values_list("sku", "quantity")) == [
        ("SKU2006-001", 1),
        ("SKU2006-020", 1),
        ("SKU2006-035", 1),
    ]


@pytest.mark.django_db
def test_a_refund_of_unshipped_units_records_removals_not_a_return(deliver_refund):
    """Shopify's sample refunds three lines of an order never fulfilled, without restock: no
    goods come back, but the units left the order; a replay records nothing twice."""
    first = deliver_refund(sample_refund())
    replay = deliver_refund(sample_refund())

    assert (first.status, replay.status) == (WebhookStatus.PROCESSED, WebhookStatus.PROCESSED)
    assert not Return.objects.exists()
    assert sorted(
        OrderLineRemoval.objects.values_list("sku", "quantity", "restocked", "order_external_id")
    ) == [
        ("SKU2006-001", 1, False, "820982911946154500"),
        ("SKU2006-020", 1, False, "820982911946154500"),
        ("SKU2006-035", 1, False, "820982911946154500"),
    ]


@pytest.mark.django_db
def test_a_refund_made_for_a_return_queues_a_read_of_the_orders_returns(
    deliver_refund, monkeypatch
):
    """The body of a refund made for a Shopify return has neither the return's other lines
    nor its status: the event is processed by queueing a read of the order's returns, and
    stores no return of its own."""
    queued: list[tuple] = []
    monkeypatch.setattr(
        "returns.tasks.returns_refresh_order_task.delay", lambda *args: queued.append(args)
    )
    body = sample_refund()
    body["return"] = {"id": 7, "admin_graphql_api_id": "gid://shopify/Return/7"}
    for line in body["refund_line_items"]:
        line["restock_type"] = "return"

    event = deliver_refund(body)

    assert event.status == WebhookStatus.PROCESSED, event.error
    assert queued == [(event.account_id, "820982911946154500")]
    assert not Return.objects.exists()
    assert not OrderLineRemoval.objects.exists()


@pytest.mark.django_db
def test_a_refund_of_money_only_is_ignored(deliver_refund):
    body = sample_refund()
    body["refund_line_items"] = []  # e.g. a shipping refund

    assert deliver_refund(body).status == WebhookStatus.IGNORED
    assert not OrderLineRemoval.objects.exists()


@pytest.mark.django_db
def test_a_malformed_refund_webhook_fails_visibly(deliver_refund):
    body = sample_refund()
    body.pop("order_id")

    event = deliver_refund(body)

    assert event.status == WebhookStatus.FAILED
    assert "MappingError" in event.error
    assert not Return.objects.exists()


# --- merging tags and note -----------------------------------------------------------------------
@pytest.mark.parametrize(
    ("current", "new", "expected"),
    [
        ([], ["sangam-return-qc-passed"], ["sangam-return-qc-passed"]),
        (["vip", "cod"], ["sangam-return-refunded"], ["vip", "cod", "sangam-return-refunded"]),
        (
            ["vip", "sangam-return-refunded", "gift"],
            ["sangam-return-qc-failed"],
            ["vip", "gift", "sangam-return-qc-failed"],
        ),
        (["VIP"], ["vip", "sangam-return-qc-passed"], ["VIP", "sangam-return-qc-passed"]),
    ],
)
def test_return_tags_replace_only_earlier_return_tags(current, new, expected):
    assert merged_tags(current, new) == expected


@pytest.mark.parametrize(
    ("current", "line", "expected"),
    [
        (None, "Sangam return R1: QC passed", "Sangam return R1: QC passed"),
        ("Gift wrap", "Sangam return R1: QC passed", "Gift wrap\nSangam return R1: QC passed"),
        (
            "Gift wrap\nSangam return R1: Refunded\nCall first",
            "Sangam return R1: QC failed",
            "Gift wrap\nSangam return R1: QC failed\nCall first",
        ),
        (
            "Sangam return R1: QC passed",
            "Sangam return R2: QC failed",
            "Sangam return R1: QC passed\nSangam return R2: QC failed",
        ),
    ],
)
def test_the_return_note_line_is_appended_or_replaced(current, line, expected):
    assert merged_note(current, line) == expected


def test_a_shopify_returns_note_line_replaces_those_of_the_refund_returns_it_took_over():
    current = "Gift wrap\nSangam return refund:98: QC passed\nSangam return refund:99: Refunded"
    line = "Sangam return return:7: QC passed — 2 restocked, 0 written off"

    merged = merged_note(current, line, replaces=["refund:98", "refund:99"])

    assert merged == f"Gift wrap\n{line}"
    assert merged_note(current, line) == f"{current}\n{line}"


@pytest.mark.parametrize("name", ["order_tags_and_note", "order_update"])
def test_write_back_documents_validate_against_the_admin_schema(name):
    assert validation_errors(queries.ALL_DOCUMENTS[name]) == []


# --- over HTTP against the sandbox ---------------------------------------------------------------
@pytest.fixture
def store(transactional_db):
    from sandbox.shopify.services import seed_shop

    return seed_shop(shop=SHOP, products=4, variants=10, orders=12, days=10, seed=3)


@pytest.fixture
def owner(transactional_db):
    return MembershipFactory(user__username="owner-returns")


@pytest.fixture
def connector(hub, store, owner):
    return build_connector(token_connect(hub, owner, shop=SHOP))


def open_sandbox_order(tags=(), note=""):
    from sandbox.shopify.models import SandboxOrder

    order = SandboxOrder.objects.filter(shop__domain=SHOP, cancelled_at__isnull=True).first()
    order.tags, order.note = list(tags), note
    order.save(update_fields=["tags", "note"])
    return order


@pytest.mark.django_db(transaction=True)
def test_write_return_status_keeps_the_merchants_tags_and_note(connector):
    order = open_sandbox_order(tags=["vip", "sangam-return-refunded"], note="Gift wrap")

    connector.write_return_status(
        order_external_id=str(order.id),
        tags=["sangam-return-qc-passed"],
        note="Sangam return R1: QC passed",
    )
    order.refresh_from_db()
    assert order.tags == ["vip", "sangam-return-qc-passed"]
    assert order.note == "Gift wrap\nSangam return R1: QC passed"

    connector.write_return_status(
        order_external_id=str(order.id),
        tags=["sangam-return-qc-failed"],
        note="Sangam return R1: QC failed",
    )
    order.refresh_from_db()
    assert order.tags == ["vip", "sangam-return-qc-failed"]
    assert order.note == "Gift wrap\nSangam return R1: QC failed"

    updated_at = order.updated_at
    connector.write_return_status(
        order_external_id=str(order.id),
        tags=["sangam-return-qc-failed"],
        note="Sangam return R1: QC failed",
    )
    order.refresh_from_db()
    assert order.updated_at == updated_at  # nothing changed, no orderUpdate was sent


@pytest.mark.django_db(transaction=True)
def test_write_return_status_of_a_missing_order_is_a_user_error(connector):
    with pytest.raises(ShopifyUserError, match="does not exist"):
        connector.write_return_status(
            order_external_id="5098999999999999999", tags=["sangam-return-x"], note="n"
        )


@pytest.mark.django_db(transaction=True)
def test_a_token_without_write_orders_is_refused_for_good(hub, store, owner, settings):
    settings.SHOPIFY_SCOPES = "read_orders,read_products,read_inventory,write_inventory"
    connector = build_connector(token_connect(hub, owner, shop=SHOP))
    order = open_sandbox_order()

    with pytest.raises(ConnectorError) as raised:
        connector.write_return_status(
            order_external_id=str(order.id), tags=["sangam-return-qc-passed"], note="n"
        )

    assert raised.value.permanent
    assert "write_orders" in str(raised.value)


@pytest.mark.django_db(transaction=True)
def test_a_shopify_refund_becomes_a_return_and_its_qc_reaches_the_order(hub, store, owner):
    """The whole loop: refund in the sandbox store → signed ``refunds/create`` → Return with its
    lines → staff receive it (one unit passes QC, one fails) → ledger → tag and note on the
    Shopify order through ``orderUpdate``."""
    from integrations.services.sync import request_sync
    from integrations.services.webhook_subscriptions import account_register_webhooks
    from sandbox.shopify import services as sandbox

    account = token_connect(hub, owner, shop=SHOP)
    account_register_webhooks(account=account)
    request_sync(account=account, streams=["catalog", "inventory"])
    placed = sandbox.simulate_orders(shop=SHOP, count=1, seed=9)[0]  # arrives by webhook
    item = max(placed.loaded_line_items, key=lambda i: i.quantity)
    assert Order.objects.filter(account=account, external_id=str(placed.id)).exists()
    shipped = sandbox.fulfill_order(placed)
    shipped = sandbox.update_order(shipped, tags=["vip"], note="Deliver after 6 pm")

    sandbox.refund_order(shipped, lines={item.id: item.quantity}, note="Colour not as shown")

    (event,) = WebhookEvent.objects.filter(topic="refunds/create")
    assert event.status == WebhookStatus.PROCESSED
    ret = Return.objects.get(account=account)
    assert ret.external_id.startswith("refund:")
    assert ret.order == Order.objects.get(account=account, external_id=str(placed.id))
    assert (ret.kind, ret.status, ret.reason) == (
        ReturnKind.CUSTOMER_RETURN,
        ReturnStatus.REFUNDED,
        "Colour not as shown",
    )
    (line,) = ret.items.all()
    assert (line.order_item_external_id, line.sku, line.quantity) == (
        str(item.id),
        item.sku,
        item.quantity,
    )

    variant = line.order_item.variant
    before = StockLevel.objects.filter(variant=variant).aggregate(s=Sum("on_hand"))["s"] or 0
    passed = line.quantity - 1
    return_receive(ret=ret, lines={line.pk: (passed, 1)}, user=owner.user)

    after = StockLevel.objects.filter(variant=variant).aggregate(s=Sum("on_hand"))["s"]
    assert after == before + passed
    assert set(
        StockMovement.objects.filter(reference=f"return:{ret.pk}").values_list("kind", flat=True)
    ) == {MovementKind.RESTOCK, MovementKind.WRITE_OFF}
    ret.refresh_from_db()
    expected_status = ReturnStatus.QC_PASSED if passed else ReturnStatus.QC_FAILED
    assert (ret.status, ret.channel_synced_status, ret.channel_sync_error) == (
        expected_status,
        expected_status,
        "",
    )
    shipped.refresh_from_db()
    assert shipped.tags == ["vip", return_tag(expected_status)]
    assert shipped.note == f"Deliver after 6 pm\n{return_note(ret)}"
    assert f"{passed} restocked, 1 written off" in shipped.note

    # A replay of the refund (Shopify retries) does not undo the receipt.
    from sandbox.shopify.models import SandboxWebhookDelivery

    sandbox.redeliver(SandboxWebhookDelivery.objects.get(topic="refunds/create"))
    ret.refresh_from_db()
    assert ret.status == expected_status
    assert Return.objects.filter(account=account).count() == 1


@pytest.mark.django_db(transaction=True)
def test_write_back_failures_are_recorded_on_the_return(hub, store, owner, settings):
    from returns.services import returns_import
    from tests.returns.test_imports import return_dto

    account = token_connect(hub, owner, shop=SHOP)
    returns_import(account=account, returns=[return_dto(order="5098999999999999999")])
    ret = Return.objects.get(account=account)

    return_writeback(ret=ret)  # the order is not in the store: not retryable

    ret.refresh_from_db()
    assert ret.channel_synced_status == ""
    assert "does not exist" in ret.channel_sync_error

    settings.HTTP_MAX_RETRIES = 0
    account.api_base_url = "http://127.0.0.1:9/sandbox/shopify/gone"  # nothing listens there
    account.save(update_fields=["api_base_url"])
    with pytest.raises(ConnectorError):
        return_writeback(ret=Return.objects.select_related("account").get(pk=ret.pk))
    ret.refresh_from_db()
    assert "HTTP" in ret.channel_sync_error or "connect" in ret.channel_sync_error.lower()

    # Eager (no broker): the task fails once, quietly, and the error stays on the return.
    assert return_writeback_task.apply(args=[ret.pk]).failed()
    # With a worker: the task schedules a retry with backoff.
    with mock.patch.object(return_writeback_task, "retry", side_effect=Retry) as retry:
        return_writeback_task.push_request(is_eager=False, retries=2)
        try:
            with pytest.raises(Retry):
                return_writeback_task.run(ret.pk)
        finally:
            return_writeback_task.pop_request()
    assert 0 <= retry.call_args.kwargs["countdown"] <= 120
    assert isinstance(retry.call_args.kwargs["exc"], ConnectorError)
