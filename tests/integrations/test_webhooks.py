"""``POST /api/webhooks/shopify``: verified, stored once, processed after commit, never stale,
and the mandatory compliance topics — with real signatures (``signatures.webhook_hmac``)."""

from __future__ import annotations

import json
import uuid
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.utils import timezone

from integrations.connectors.shopify.signatures import webhook_hmac
from integrations.models import (
    AccountStatus,
    ChannelAccount,
    ComplianceRequest,
    ProviderAppCredential,
    SyncLog,
    WebhookEvent,
    WebhookStatus,
)
from integrations.services.webhooks import retry_failed_webhooks, webhook_reprocess
from inventory.models import ChannelInventoryLevel, ChannelListing, StockLevel
from inventory.services import default_warehouse
from orders.models import Order
from tests.factories import ChannelAccountFactory, MerchantFactory, VariantFactory
from tests.fixtures.shopify import open_order_body, webhook_body

URL = "/api/webhooks/shopify"
SHOP = "demo-store.myshopify.com"
SHOP_SECRET = "shop-custom-app-secret"
PLATFORM_SECRET = "platform-app-secret"
PLATFORM_KEY = "platform-app-key"
ORDER_ID = 820982911946154508
CUSTOMER_ID = 115310627314723954
AUTO = object()  # a fresh id per delivery


@pytest.fixture(autouse=True)
def _platform_secret(settings):
    settings.SHOPIFY_API_KEY = PLATFORM_KEY
    settings.SHOPIFY_API_SECRET = PLATFORM_SECRET


def installed_through(account: ChannelAccount, api_key: str = PLATFORM_KEY) -> ChannelAccount:
    """Mark ``account`` as installed by OAuth through the app ``api_key`` (as
    ``shopify_oauth_complete`` records it)."""
    account.settings = {**account.settings, "api_key": api_key}
    account.save(update_fields=["settings"])
    return account


@pytest.fixture
def account(merchant):
    return ChannelAccountFactory(
        merchant=merchant,
        external_id=SHOP,
        credentials={"access_token": "shpat_webhook_test", "api_secret_key": SHOP_SECRET},
    )


@pytest.fixture
def kurta(merchant):
    variant = VariantFactory(product__merchant=merchant, merchant=merchant, sku="KURTA-M")
    StockLevel.objects.create(warehouse=default_warehouse(merchant), variant=variant, on_hand=10)
    return variant


@pytest.fixture
def web():
    return Client(enforce_csrf_checks=True)


@pytest.fixture
def deliver(web, django_capture_on_commit_callbacks):
    """POST a delivery as Shopify does; runs the after-commit processing (eager tasks)."""

    def send(
        body,
        *,
        topic="orders/create",
        shop=SHOP,
        secret=SHOP_SECRET,
        event_id=AUTO,
        webhook_id=AUTO,
        signature=None,
        prefixless=False,
        extra=None,
    ):
        raw = body if isinstance(body, bytes) else json.dumps(body).encode()
        values = {
            "Topic": topic,
            "Hmac-Sha256": webhook_hmac(raw, secret) if signature is None else signature,
            "Shop-Domain": shop,
            "API-Version": "2025-01",
            "Webhook-Id": str(uuid.uuid4()) if webhook_id is AUTO else webhook_id,
            "Event-Id": str(uuid.uuid4()) if event_id is AUTO else event_id,
            "Triggered-At": "2026-11-01T04:30:00.000000Z",
        }
        prefix = "Shopify-" if prefixless else "X-Shopify-"
        headers = {prefix + k: v for k, v in values.items() if v}
        headers.update(extra or {})
        with django_capture_on_commit_callbacks(execute=True):
            return web.post(URL, data=raw, content_type="application/json", headers=headers)

    return send


def only_event() -> WebhookEvent:
    (event,) = WebhookEvent.objects.all()
    return event


# --- signatures ---------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "kwargs",
    [
        pytest.param({"signature": "bm90IHRoZSByaWdodCBzaWduYXR1cmU="}, id="wrong"),
        pytest.param({"signature": ""}, id="empty"),
        pytest.param({"secret": "guessed-secret"}, id="wrong-secret"),
        pytest.param({"shop": "unknown-shop.myshopify.com"}, id="shop-secret-for-another-domain"),
        pytest.param({"shop": "not a domain"}, id="bad-domain"),
    ],
)
def test_a_bad_signature_is_refused_with_401_and_nothing_is_stored(deliver, account, kurta, kwargs):
    response = deliver(open_order_body(skus=(("KURTA-M", 1),)), **kwargs)
    assert response.status_code == 401
    assert "signature" in response.json()["error"]
    assert WebhookEvent.objects.count() == 0
    assert Order.objects.count() == 0


def test_a_missing_signature_header_is_refused(web, account):
    raw = json.dumps(open_order_body()).encode()
    response = web.post(
        URL,
        data=raw,
        content_type="application/json",
        headers={"X-Shopify-Topic": "orders/create", "X-Shopify-Shop-Domain": SHOP},
    )
    assert response.status_code == 401
    assert WebhookEvent.objects.count() == 0


def test_a_signature_over_a_different_body_is_refused(deliver, account):
    body = open_order_body()
    tampered = json.dumps({**body, "total_price": "1.00"}).encode()
    response = deliver(tampered, signature=webhook_hmac(json.dumps(body).encode(), SHOP_SECRET))
    assert response.status_code == 401
    assert WebhookEvent.objects.count() == 0


@pytest.mark.parametrize("source", ["account", "settings", "merchant-app", "platform-app"])
def test_every_candidate_secret_verifies(deliver, account, merchant, settings, source):
    secret = {
        "account": SHOP_SECRET,
        "settings": PLATFORM_SECRET,
        "merchant-app": "merchant-app-secret",
        "platform-app": "platform-record-secret",
    }[source]
    if source == "settings":
        installed_through(account)
    if source == "merchant-app":
        app = ProviderAppCredential(merchant=merchant, provider="shopify", api_key="k1")
        app.set_credentials({"api_secret": secret})
        app.save()
        installed_through(account, "k1")
    if source == "platform-app":
        app = ProviderAppCredential(merchant=None, provider="shopify", api_key="k2")
        app.set_credentials({"api_secret": secret})
        app.save()
        installed_through(account, "k2")
    response = deliver(open_order_body(), secret=secret)
    assert response.status_code == 200
    assert only_event().account_id == account.pk
    assert only_event().account_ids == [account.pk]


@pytest.mark.parametrize("source", ["settings", "merchant-app", "platform-app"])
def test_an_app_secret_verifies_only_for_accounts_installed_through_that_app(
    deliver, account, merchant, source
):
    """The account is a custom app's (never installed through an app): no app secret, the
    platform's or the merchant's, signs for it."""
    secret = {"settings": PLATFORM_SECRET, "merchant-app": "m-secret", "platform-app": "p-secret"}
    if source != "settings":
        app = ProviderAppCredential(
            merchant=merchant if source == "merchant-app" else None, provider="shopify", api_key="k"
        )
        app.set_credentials({"api_secret": secret[source]})
        app.save()
        installed_through(account, "another-app")
    assert deliver(open_order_body(), secret=secret[source]).status_code == 401
    assert WebhookEvent.objects.count() == 0


def test_another_merchants_app_secret_does_not_verify(deliver, account):
    stranger = MerchantFactory()
    app = ProviderAppCredential(merchant=stranger, provider="shopify", api_key="k3")
    app.set_credentials({"api_secret": "stranger-app-secret"})
    app.save()
    assert deliver(open_order_body(), secret="stranger-app-secret").status_code == 401


def test_a_secret_of_another_shops_account_does_not_verify(deliver, account):
    ChannelAccountFactory(
        external_id="other-store.myshopify.com",
        credentials={"access_token": "x", "api_secret_key": "other-shop-secret"},
    )
    response = deliver(open_order_body(), secret="other-shop-secret")
    assert response.status_code == 401
    assert WebhookEvent.objects.count() == 0


@pytest.mark.parametrize(
    ("secret", "owners"),
    [
        (SHOP_SECRET, "a"),
        ("b-custom-app-secret", "b"),
        ("b-merchant-app-secret", "c"),
        (PLATFORM_SECRET, "d"),
    ],
)
def test_when_merchants_share_a_shop_the_signing_secret_decides_the_accounts(
    deliver, account, secret, owners
):
    """a: a custom app; b: another merchant's custom app; c: a third merchant's account
    installed through that merchant's own app; d: an account installed through the platform's
    app. Each delivery reaches exactly the accounts of the key that signed it."""
    other = ChannelAccountFactory(
        external_id=SHOP, credentials={"access_token": "t", "api_secret_key": "b-custom-app-secret"}
    )
    through_app = installed_through(
        ChannelAccountFactory(external_id=SHOP, credentials={"access_token": "t2"}), "kb"
    )
    app = ProviderAppCredential(merchant=through_app.merchant, provider="shopify", api_key="kb")
    app.set_credentials({"api_secret": "b-merchant-app-secret"})
    app.save()
    through_platform = installed_through(
        ChannelAccountFactory(external_id=SHOP, credentials={"access_token": "t3"})
    )
    assert deliver(open_order_body(), secret=secret).status_code == 200
    expected = {"a": account, "b": other, "c": through_app, "d": through_platform}[owners]
    assert only_event().account_ids == [expected.pk]
    assert list(Order.objects.values_list("account_id", flat=True)) == [expected.pk]


def test_a_delivery_signed_by_an_app_two_accounts_were_installed_through_reaches_both(
    deliver, account, other_membership
):
    first = installed_through(account)
    second = installed_through(
        ChannelAccountFactory(
            merchant=other_membership.merchant, external_id=SHOP, credentials={"access_token": "t"}
        )
    )
    assert deliver(open_order_body(), secret=PLATFORM_SECRET).status_code == 200
    assert only_event().account_ids == [first.pk, second.pk]
    assert sorted(Order.objects.values_list("account_id", flat=True)) == [first.pk, second.pk]


def test_the_settings_secret_is_not_accepted_when_it_is_empty(deliver, account, settings):
    settings.SHOPIFY_API_SECRET = ""
    assert deliver(open_order_body(), secret="").status_code == 401


# --- receiving and processing -------------------------------------------------------------------
def test_a_valid_order_delivery_is_stored_processed_and_imported(deliver, account, kurta):
    response = deliver(open_order_body(skus=(("KURTA-M", 2),)), event_id="evt-1", webhook_id="wh-1")
    assert response.status_code == 200
    event = only_event()
    assert response.json()["event_id"] == event.pk
    assert event.status == WebhookStatus.PROCESSED
    assert event.attempts == 1
    assert (event.topic, event.shop_domain, event.event_id, event.delivery_id) == (
        "orders/create",
        SHOP,
        "evt-1",
        "wh-1",
    )
    assert event.dedup_key == "evt-1"
    assert event.api_version == "2025-01"
    assert event.triggered_at is not None
    assert event.account_id == account.pk
    order = Order.objects.get(account=account)
    assert order.external_id == str(ORDER_ID)
    assert order.total == Decimal("359.97")
    assert order.payment_method == "cod"
    assert order.ship_pincode == "411001"
    assert StockLevel.objects.get(variant=kurta).reserved == 2


def test_the_stored_body_is_the_raw_body_as_received(deliver, account):
    raw = b'{"id": 820982911946154508, "note": "caf\\u00e9",   "updated_at": null}'
    deliver(raw)
    assert only_event().body == raw.decode()


def test_stored_headers_never_include_the_signature(deliver, account):
    body = open_order_body()
    signature = webhook_hmac(json.dumps(body).encode(), SHOP_SECRET)
    deliver(body, extra={"Authorization": "Bearer leak", "Cookie": "sessionid=leak"})
    headers = only_event().headers
    assert headers["X-Shopify-Topic"] == "orders/create"
    assert not any("hmac" in key.lower() for key in headers)
    assert signature not in json.dumps(headers)
    assert "leak" not in json.dumps(headers)


def test_a_duplicate_delivery_of_one_event_is_acknowledged_and_ignored(deliver, account, kurta):
    body = open_order_body(skus=(("KURTA-M", 1),))
    first = deliver(body, event_id="evt-42", webhook_id="wh-a")
    second = deliver(body, event_id="evt-42", webhook_id="wh-b")
    assert (first.status_code, second.status_code) == (200, 200)
    assert second.json()["status"] == "duplicate"
    assert WebhookEvent.objects.count() == 1
    assert Order.objects.count() == 1
    assert StockLevel.objects.get(variant=kurta).reserved == 1


def test_without_an_event_id_the_webhook_id_deduplicates(deliver, account):
    body = open_order_body()
    deliver(body, event_id="", webhook_id="wh-same")
    deliver(body, event_id="", webhook_id="wh-same")
    assert WebhookEvent.objects.get().dedup_key == "wh-same"


def test_a_stale_delivery_does_not_overwrite_newer_data(deliver, account, kurta):
    newer = open_order_body(updated_at="2026-11-01T12:00:00+05:30", skus=(("KURTA-M", 3),))
    newer["total_price_set"]["shop_money"]["amount"] = "2997.00"
    older = open_order_body(updated_at="2026-11-01T11:00:00+05:30", skus=(("KURTA-M", 1),))
    older["total_price_set"]["shop_money"]["amount"] = "999.00"
    deliver(newer, topic="orders/updated")
    deliver(older, topic="orders/updated")
    order = Order.objects.get()
    assert order.total == Decimal("2997.00")
    assert order.items.get().quantity == 3
    assert StockLevel.objects.get(variant=kurta).reserved == 3
    assert set(WebhookEvent.objects.values_list("status", flat=True)) == {WebhookStatus.PROCESSED}


def test_a_cancellation_webhook_releases_the_reservation(deliver, account, kurta):
    deliver(open_order_body(skus=(("KURTA-M", 2),)))
    cancelled = open_order_body(updated_at="2026-11-01T11:00:00+05:30", skus=(("KURTA-M", 2),))
    cancelled["cancelled_at"] = "2026-11-01T11:00:00+05:30"
    deliver(cancelled, topic="orders/cancelled")
    assert Order.objects.get().status == "cancelled"
    assert StockLevel.objects.get(variant=kurta).reserved == 0


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (b'{"id": 1, "line_items": [', "Malformed payload"),
        (b"[1, 2, 3]", "not a JSON object"),
        (b"\xff\xfe not utf-8", "Malformed payload"),
    ],
)
def test_a_malformed_body_with_a_valid_signature_is_stored_failed(deliver, account, raw, reason):
    response = deliver(raw)
    assert response.status_code == 200
    event = only_event()
    assert event.status == WebhookStatus.FAILED
    assert reason in event.error
    assert event.attempts == 0
    assert Order.objects.count() == 0
    # Malformed events are not retried: retrying cannot make them parse.
    assert retry_failed_webhooks() == 0


def test_order_webhooks_are_queued_ahead_of_the_rest(deliver, account, monkeypatch, settings):
    """Order and refund webhooks reserve stock, so they go at ``TASK_PRIORITY_ORDERS``; the
    other topics at the default priority (the stock push itself goes first of all)."""
    from channel_stock.tasks import push_stock_task
    from integrations import tasks

    queued: list[tuple[str, int | None]] = []
    task = tasks.process_webhook_event_task
    monkeypatch.setattr(
        task, "apply_async", lambda args, priority=None, **kw: queued.append(("async", priority))
    )
    monkeypatch.setattr(task, "delay", lambda *args: queued.append(("delay", task.priority)))
    deliver(open_order_body(), topic="orders/create")
    deliver({"id": 1, "title": "Kurta"}, topic="products/update")

    assert queued == [
        ("async", settings.TASK_PRIORITY_ORDERS),
        ("delay", settings.CELERY_TASK_DEFAULT_PRIORITY),
    ]
    assert settings.TASK_PRIORITY_STOCK < settings.TASK_PRIORITY_ORDERS
    assert settings.TASK_PRIORITY_ORDERS < settings.CELERY_TASK_DEFAULT_PRIORITY
    assert push_stock_task.priority == settings.TASK_PRIORITY_STOCK


def test_a_delivery_whose_queue_message_is_lost_is_processed_by_the_sweep(
    deliver, account, monkeypatch, settings
):
    from integrations import tasks

    def broker_down(*args, **kwargs):
        raise ConnectionError("broker unreachable")

    # Order webhooks are queued with a priority (apply_async), the others with delay.
    monkeypatch.setattr(tasks.process_webhook_event_task, "delay", broker_down)
    monkeypatch.setattr(tasks.process_webhook_event_task, "apply_async", broker_down)
    assert deliver(open_order_body()).status_code == 200  # stored: Shopify must not retry
    event = only_event()
    assert event.status == WebhookStatus.RECEIVED
    assert Order.objects.count() == 0

    settings.WEBHOOK_STRANDED_SECONDS = 60
    assert retry_failed_webhooks() == 0  # too fresh: its message may still be on its way
    WebhookEvent.objects.filter(pk=event.pk).update(
        received_at=timezone.now() - timedelta(seconds=61)
    )
    assert retry_failed_webhooks() == 1
    event.refresh_from_db()
    assert event.status == WebhookStatus.PROCESSED
    assert Order.objects.count() == 1


# --- the inbox drain (a broker and a shared cache) ----------------------------------------------
@pytest.fixture
def broker(settings, tmp_path, monkeypatch):
    """Tasks go to a broker (recorded here, not run) and the cache is shared between processes
    (a file cache stands in for Redis): the receiver then leaves queueing to the inbox drain.
    Returns the list of ``(task name, args, priority)`` sent."""
    from config.celery import app as celery_app
    from integrations import tasks

    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(tmp_path / "cache"),
        }
    }
    celery_app.conf.task_always_eager = False  # the autouse fixture restores it
    sent: list[tuple[str, tuple, int | None]] = []

    def recorder(task):
        name = task.name.rsplit(".", 1)[-1]

        def apply_async(args=(), priority=None, **kwargs):
            sent.append((name, tuple(args), task.priority if priority is None else priority))

        return apply_async

    for task in (tasks.drain_webhook_inbox_task, tasks.process_webhook_event_task):
        send = recorder(task)
        monkeypatch.setattr(task, "apply_async", send)
        monkeypatch.setattr(task, "delay", lambda *args, _send=send: _send(args))
    return sent


def test_with_a_broker_a_burst_of_deliveries_wakes_one_inbox_drain(
    deliver, account, broker, monkeypatch
):
    """The request only stores the event and wakes the drain (one cache ``add``); a drain
    processes one batch of the waiting events, order topics first, and wakes the next drain
    when its batch was full; no event is taken twice."""
    from django.conf import settings

    from integrations.services import webhooks
    from integrations.services.webhooks import inbox_drain_enabled, webhook_inbox_drain

    assert inbox_drain_enabled()
    deliver({"id": 1, "title": "Kurta"}, topic="products/update")
    deliver(open_order_body(), topic="orders/create")
    deliver({"id": 2, "title": "Saree"}, topic="products/update")
    drain = ("drain_webhook_inbox_task", (), settings.TASK_PRIORITY_ORDERS)
    assert broker == [drain]  # one drain for the burst, no message per event
    first_product, order, second_product = WebhookEvent.objects.order_by("pk")
    assert WebhookEvent.objects.filter(status=WebhookStatus.RECEIVED).count() == 3
    broker.clear()
    processed: list[int] = []
    real = webhooks.webhook_process

    def recording(*, event_id):
        processed.append(event_id)
        return real(event_id=event_id)

    monkeypatch.setattr(webhooks, "webhook_process", recording)

    assert webhook_inbox_drain(batch=2) == 2
    assert processed == [order.pk, first_product.pk]  # the order first, then arrival order
    assert broker == [drain]  # a full batch: more may wait, the next drain is queued
    assert Order.objects.count() == 1
    second_product.refresh_from_db()
    assert (second_product.status, second_product.queued_at) == (WebhookStatus.RECEIVED, None)
    broker.clear()

    assert webhook_inbox_drain(batch=2) == 1
    assert processed[-1] == second_product.pk
    assert broker == []  # the inbox is empty
    assert webhook_inbox_drain() == 0
    assert not WebhookEvent.objects.filter(status=WebhookStatus.RECEIVED).exists()
    assert not WebhookEvent.objects.filter(queued_at__isnull=True).exists()

    # The drain cleared the wake-up flag: the next delivery queues the next drain.
    deliver({"id": 3, "title": "Dupatta"}, topic="products/update")
    assert broker == [drain]


def test_an_event_whose_drain_is_lost_is_processed_by_the_sweep(
    deliver, account, broker, monkeypatch, settings
):
    from integrations import tasks

    def broker_down(*args, **kwargs):
        raise ConnectionError("broker unreachable")

    monkeypatch.setattr(tasks.drain_webhook_inbox_task, "apply_async", broker_down)
    assert deliver(open_order_body()).status_code == 200  # stored: Shopify must not retry
    deliver({"id": 1, "title": "Kurta"}, topic="products/update")
    lost_message, lost_worker = WebhookEvent.objects.order_by("pk")
    assert lost_message.status == WebhookStatus.RECEIVED
    # The other: claimed by a drain whose worker died before processing it.
    WebhookEvent.objects.filter(pk=lost_worker.pk).update(queued_at=timezone.now())

    settings.WEBHOOK_STRANDED_SECONDS = 60
    assert retry_failed_webhooks() == 0  # too fresh: a drain may still be on its way
    WebhookEvent.objects.update(received_at=timezone.now() - timedelta(seconds=61))
    assert retry_failed_webhooks() == 2
    assert not WebhookEvent.objects.filter(status=WebhookStatus.RECEIVED).exists()
    assert Order.objects.count() == 1


def test_without_a_shared_cache_or_a_broker_each_request_queues_its_event(settings, broker):
    from config.celery import app as celery_app
    from integrations.services.webhooks import inbox_drain_enabled

    assert inbox_drain_enabled()
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    assert not inbox_drain_enabled()
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache"}}
    assert inbox_drain_enabled()
    celery_app.conf.task_always_eager = True
    assert not inbox_drain_enabled()


@pytest.mark.django_db(transaction=True)
def test_two_drains_never_take_one_event(account, broker):
    """A drain skips the events another drain holds locked (``SKIP LOCKED``) and finds them
    once that one is done."""
    from integrations.services.webhooks import webhook_inbox_drain
    from tests.concurrency import open_transaction

    if connection.vendor != "postgresql":
        pytest.skip("row locks (SELECT … FOR UPDATE SKIP LOCKED) need PostgreSQL; CI runs it")
    events = [
        WebhookEvent.objects.create(
            provider="shopify",
            account=account,
            topic="products/update",
            dedup_key=f"d{n}",
            body=json.dumps({"id": n, "title": f"Kurta {n}"}),
        )
        for n in range(3)
    ]

    def lock_the_first() -> None:
        WebhookEvent.objects.select_for_update().filter(pk=events[0].pk).exists()

    with open_transaction(lock_the_first):
        assert webhook_inbox_drain() == 2
    waiting = WebhookEvent.objects.filter(status=WebhookStatus.RECEIVED)
    assert list(waiting.values_list("pk", flat=True)) == [events[0].pk]
    assert webhook_inbox_drain() == 1
    assert not waiting.exists()


def test_a_broker_without_a_shared_cache_is_reported_by_the_system_checks(settings):
    from integrations.checks import shared_cache_with_broker

    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    (warning,) = shared_cache_with_broker(None)
    assert warning.id == "sangam.W001"
    assert "CACHE_URL" in warning.hint
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache"}}
    assert shared_cache_with_broker(None) == []
    settings.CELERY_TASK_ALWAYS_EAGER = True
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    assert shared_cache_with_broker(None) == []


def test_a_delivery_without_a_topic_is_stored_failed(deliver, account):
    response = deliver(open_order_body(), topic=None)
    assert response.status_code == 200
    assert "X-Shopify-Topic" in only_event().error
    assert Order.objects.count() == 0


def test_a_processing_failure_stays_visible_and_is_retried(deliver, account, monkeypatch):
    import orders.services

    real = orders.services.order_import
    calls = {"n": 0}

    def flaky(**kwargs):
        calls["n"] += 1
        if calls["n"] == 1:
            raise RuntimeError("database hiccup")
        return real(**kwargs)

    monkeypatch.setattr(orders.services, "order_import", flaky)
    assert deliver(open_order_body()).status_code == 200
    event = only_event()
    assert event.status == WebhookStatus.FAILED
    assert "database hiccup" in event.error
    assert Order.objects.count() == 0

    assert retry_failed_webhooks() == 1
    event.refresh_from_db()
    assert event.status == WebhookStatus.PROCESSED
    assert (event.attempts, event.error) == (2, "")
    assert Order.objects.count() == 1
    # Processed events are never processed twice.
    assert webhook_reprocess(event=event).status == WebhookStatus.PROCESSED
    assert calls["n"] == 2


def test_an_order_payload_that_cannot_be_mapped_fails_with_the_reason(deliver, account):
    deliver({**open_order_body(), "updated_at": None})
    event = only_event()
    assert event.status == WebhookStatus.FAILED
    assert "updated_at" in event.error


def test_prefixless_header_names_are_accepted(deliver, account):
    response = deliver(open_order_body(), prefixless=True, event_id="evt-p", webhook_id="wh-p")
    assert response.status_code == 200
    event = only_event()
    assert (event.topic, event.shop_domain, event.event_id) == ("orders/create", SHOP, "evt-p")
    assert event.status == WebhookStatus.PROCESSED
    assert Order.objects.count() == 1


def test_a_delivery_for_a_shop_the_app_is_not_installed_on_is_refused(db, deliver):
    response = deliver(open_order_body(), shop="nobody.myshopify.com", secret=PLATFORM_SECRET)
    assert response.status_code == 401
    assert WebhookEvent.objects.count() == 0
    assert Order.objects.count() == 0


def test_products_and_inventory_webhooks_reach_the_catalog(deliver, account):
    product = webhook_body("products_update")
    for index, variant in enumerate(product["variants"]):
        variant["sku"] = f"TEE-{variant['title'][0]}"
        variant["inventory_item_id"] = 271878346596884015 + index
    deliver(product, topic="products/update")
    listings = dict(
        ChannelListing.objects.filter(account=account).values_list(
            "channel_sku", "external_inventory_item_id"
        )
    )
    assert listings == {"TEE-S": "271878346596884015", "TEE-M": "271878346596884016"}
    deliver(webhook_body("inventory_levels_update"), topic="inventory_levels/update")
    level = ChannelInventoryLevel.objects.get(account=account)
    assert (level.external_location_id, level.available) == ("24826418", 6)
    assert level.listing.channel_sku == "TEE-S"
    assert set(WebhookEvent.objects.values_list("status", flat=True)) == {WebhookStatus.PROCESSED}


def test_a_product_webhook_imports_its_skued_variants_and_quarantines_the_rest(deliver, account):
    """The recorded sample's variants have no SKU; one is given a SKU here."""
    product = webhook_body("products_update")
    product["variants"][1]["sku"] = "TEE-M"
    deliver(product, topic="products/update")
    assert only_event().status == WebhookStatus.PROCESSED
    assert list(ChannelListing.objects.values_list("channel_sku", flat=True)) == ["TEE-M"]
    log = SyncLog.objects.get(account=account)
    assert (log.stream, log.external_id) == ("catalog", "642667041472713922")
    assert "SKU" in log.error
    assert log.payload["id"] == 788032119674292922


def test_unknown_provider_is_404_and_get_is_not_allowed(web):
    assert (
        web.post("/api/webhooks/amazon", data=b"{}", content_type="application/json").status_code
        == 404
    )
    response = web.get(URL)
    assert response.status_code == 405
    assert response.json() == {"error": "Only POST is allowed."}


def test_a_deeply_nested_body_is_stored_malformed_and_answered_200(deliver, account):
    raw = b'{"a": ' * 5000 + b"1" + b"}" * 5000
    response = deliver(raw)
    assert response.status_code == 200
    event = only_event()
    assert event.status == WebhookStatus.FAILED
    assert event.error == "Malformed payload: the JSON is nested too deeply"
    assert event.body.encode() == raw


def test_a_large_order_under_the_receivers_cap_is_accepted(deliver, account, kurta, settings):
    """Above Django's DATA_UPLOAD_MAX_MEMORY_SIZE (2.5 MB), below the receiver's 5 MB."""
    body = open_order_body()
    body["note"] = "x" * (3 * 1024 * 1024)
    response = deliver(body)
    assert response.status_code == 200, response.content
    assert only_event().status == WebhookStatus.PROCESSED
    assert Order.objects.count() == 1


def test_an_oversized_body_is_refused(web, account):
    response = web.post(
        URL, data=b"{}", content_type="application/json", CONTENT_LENGTH=str(6 * 1024 * 1024)
    )
    assert response.status_code == 413
    assert WebhookEvent.objects.count() == 0


# --- app lifecycle and compliance -----------------------------------------------------------------
def test_app_uninstalled_disconnects_the_account(deliver, account):
    installed_through(account)
    response = deliver({"id": 548380009, "name": "Demo", "domain": SHOP}, topic="app/uninstalled")
    assert response.status_code == 200
    account.refresh_from_db()
    assert account.status == AccountStatus.DISCONNECTED
    assert account.get_credentials() == {}
    assert "uninstalled" in account.last_error
    # Later order deliveries (signed by the app) are kept but not imported.
    deliver(open_order_body(), secret=PLATFORM_SECRET)
    assert WebhookEvent.objects.filter(topic="orders/create").get().status == WebhookStatus.IGNORED
    assert Order.objects.count() == 0


def test_customers_data_request_is_recorded(deliver, account):
    body = {
        "shop_id": 954889,
        "shop_domain": SHOP,
        "orders_requested": [299938, 280263, 220458],
        "customer": {"id": 191167, "email": "john@example.com", "phone": "555-625-1199"},
        "data_request": {"id": 9999},
    }
    assert deliver(body, topic="customers/data_request").status_code == 200
    request = ComplianceRequest.objects.get()
    assert (request.topic, request.shop_domain, request.customer_id) == (
        "customers/data_request",
        SHOP,
        "191167",
    )
    assert request.order_ids == ["299938", "280263", "220458"]
    assert request.account_id == account.pk
    assert "9999" in request.outcome
    assert only_event().status == WebhookStatus.PROCESSED


def test_customers_redact_erases_the_customers_orders_and_stored_bodies(deliver, account):
    deliver(open_order_body(ORDER_ID, customer_id=CUSTOMER_ID, email="jon@example.com"))
    deliver(open_order_body(777000000000000001, customer_id=555, email="someone.else@example.com"))
    redact = {
        "shop_id": 954889,
        "shop_domain": SHOP,
        "customer": {"id": CUSTOMER_ID, "email": "jon@example.com", "phone": "555-625-1199"},
        "orders_to_redact": [ORDER_ID],
    }
    assert deliver(redact, topic="customers/redact").status_code == 200

    order = Order.objects.get(external_id=str(ORDER_ID))
    assert (order.customer_name, order.customer_email, order.customer_phone, order.ship_name) == (
        "",
        "",
        "",
        "",
    )
    assert order.raw.get("redacted") is True
    assert "jon@example.com" not in json.dumps(order.raw)
    assert order.total == Decimal("359.97")

    stored = WebhookEvent.objects.filter(topic="orders/create")
    bodies = {json.loads(e.body).get("email", "<scrubbed>") for e in stored}
    assert bodies == {"<scrubbed>", "someone.else@example.com"}
    redact_event = WebhookEvent.objects.get(topic="customers/redact")
    assert "jon@example.com" not in redact_event.body

    other = Order.objects.get(external_id="777000000000000001")
    assert other.customer_email == "someone.else@example.com"
    request = ComplianceRequest.objects.get(topic="customers/redact")
    assert request.order_ids == [str(ORDER_ID)]
    assert "Redacted 1 orders" in request.outcome


def test_shop_redact_deletes_the_shops_account_and_orders(deliver, account, merchant):
    other_shop = ChannelAccountFactory(merchant=merchant, external_id="other-store.myshopify.com")
    deliver(open_order_body())
    assert Order.objects.filter(account=account).count() == 1
    response = deliver({"shop_id": 954889, "shop_domain": SHOP}, topic="shop/redact")
    assert response.status_code == 200
    assert not ChannelAccount.objects.filter(pk=account.pk).exists()
    assert Order.objects.count() == 0
    assert ChannelAccount.objects.filter(pk=other_shop.pk).exists()
    order_event = WebhookEvent.objects.get(topic="orders/create")
    assert "jon@example.com" not in order_event.body
    request = ComplianceRequest.objects.get(topic="shop/redact")
    assert request.shop_domain == SHOP
    assert "Deleted 1 accounts" in request.outcome


def test_shop_redact_keeps_another_merchants_live_connection_to_the_same_shop(
    deliver, account, other_membership
):
    """Another merchant connected the same shop with its own custom app and is still
    connected: the redact for our (uninstalled) app must not erase its data."""
    theirs = ChannelAccountFactory(
        merchant=other_membership.merchant,
        external_id=SHOP,
        credentials={"access_token": "shpat_theirs", "api_secret_key": "their-own-secret"},
    )
    deliver(open_order_body(), secret="their-own-secret")
    assert Order.objects.filter(account=theirs).count() == 1

    deliver({"shop_id": 954889, "shop_domain": SHOP}, topic="shop/redact")

    assert not ChannelAccount.objects.filter(pk=account.pk).exists()
    assert ChannelAccount.objects.filter(pk=theirs.pk).exists()
    assert Order.objects.filter(account=theirs).count() == 1
    assert "kept 1 account(s) of the shop" in ComplianceRequest.objects.get().outcome


# --- attribution across merchants (security issue §1) -------------------------------------------
VICTIM_SHOP = "victim-store.myshopify.com"
ATTACKER_SECRET = "a-secret-the-attacker-chose"


@pytest.fixture
def victim(merchant, deliver):
    """Merchant A's store with an order of a customer, delivered by A's own webhook."""
    account = ChannelAccountFactory(
        merchant=merchant,
        external_id=VICTIM_SHOP,
        credentials={"access_token": "shpat_a", "api_secret_key": "victim-secret"},
    )
    body = open_order_body(ORDER_ID, customer_id=CUSTOMER_ID, email="jon@example.com")
    assert deliver(body, shop=VICTIM_SHOP, secret="victim-secret").status_code == 200
    return account


@pytest.fixture
def attacker(other_membership):
    """Merchant B's own custom-app connection to its own shop, with a secret it chose."""
    return ChannelAccountFactory(
        merchant=other_membership.merchant,
        external_id=SHOP,
        credentials={"access_token": "shpat_b", "api_secret_key": ATTACKER_SECRET},
    )


@pytest.mark.parametrize("field", ["shop_domain", "myshopify_domain"])
def test_a_compliance_body_naming_another_shop_is_rejected_and_redacts_nothing(
    deliver, victim, attacker, field
):
    redact = {
        field: VICTIM_SHOP,
        "customer": {"id": CUSTOMER_ID, "email": "jon@example.com"},
        "orders_to_redact": [ORDER_ID],
    }
    response = deliver(redact, topic="customers/redact", secret=ATTACKER_SECRET)

    assert response.status_code == 400
    assert VICTIM_SHOP in response.json()["error"]
    event = WebhookEvent.objects.get(topic="customers/redact")
    assert event.status == WebhookStatus.REJECTED
    assert event.account_ids == [attacker.pk]
    assert "names victim-store.myshopify.com" in event.error
    order = Order.objects.get(account=victim)
    assert order.customer_email == "jon@example.com"
    assert "jon@example.com" in WebhookEvent.objects.get(topic="orders/create").body
    assert ComplianceRequest.objects.count() == 0
    # Neither the sweep nor staff's "reprocess" acts on a rejected delivery.
    retry_failed_webhooks()
    assert webhook_reprocess(event=event).status == WebhookStatus.REJECTED
    assert Order.objects.get(account=victim).customer_email == "jon@example.com"


def test_a_redact_signed_for_the_attackers_account_of_the_same_shop_spares_the_other_merchant(
    deliver, merchant, other_membership
):
    """Both merchants hold one shop: B's own secret redacts B's copy of the customer only."""
    ours = ChannelAccountFactory(
        merchant=merchant,
        external_id=SHOP,
        credentials={"access_token": "shpat_a", "api_secret_key": SHOP_SECRET},
    )
    theirs = ChannelAccountFactory(
        merchant=other_membership.merchant,
        external_id=SHOP,
        credentials={"access_token": "shpat_b", "api_secret_key": ATTACKER_SECRET},
    )
    body = open_order_body(ORDER_ID, customer_id=CUSTOMER_ID, email="jon@example.com")
    deliver(body)
    deliver(body, secret=ATTACKER_SECRET)
    redact = {
        "shop_domain": SHOP,
        "customer": {"id": CUSTOMER_ID, "email": "jon@example.com"},
        "orders_to_redact": [ORDER_ID],
    }
    assert deliver(redact, topic="customers/redact", secret=ATTACKER_SECRET).status_code == 200

    assert Order.objects.get(account=ours).customer_email == "jon@example.com"
    assert Order.objects.get(account=theirs).customer_email == ""
    kept = WebhookEvent.objects.get(topic="orders/create", account=ours)
    assert "jon@example.com" in kept.body
    assert (
        "jon@example.com"
        not in WebhookEvent.objects.get(topic="orders/create", account=theirs).body
    )
    assert ComplianceRequest.objects.get().account_id == theirs.pk


@pytest.mark.parametrize("status", [AccountStatus.ERROR, AccountStatus.DISCONNECTED])
def test_shop_redact_never_deletes_another_merchants_account_whatever_its_status(
    deliver, merchant, other_membership, status
):
    """B's signed shop/redact used to delete merchant C's account of the shop because it was in
    error (only ``connected`` ones were kept)."""
    victim = ChannelAccountFactory(
        merchant=merchant,
        external_id=SHOP,
        status=status,
        credentials={"access_token": "shpat_c", "api_secret_key": "c-secret"},
    )
    attacker = ChannelAccountFactory(
        merchant=other_membership.merchant,
        external_id=SHOP,
        credentials={"access_token": "shpat_b", "api_secret_key": ATTACKER_SECRET},
    )
    if status == AccountStatus.ERROR:
        assert deliver(open_order_body(), secret="c-secret").status_code == 200
    response = deliver({"shop_domain": SHOP}, topic="shop/redact", secret=ATTACKER_SECRET)

    assert response.status_code == 200
    assert not ChannelAccount.objects.filter(pk=attacker.pk).exists()
    assert ChannelAccount.objects.filter(pk=victim.pk).exists()
    if status == AccountStatus.ERROR:
        assert Order.objects.filter(account=victim).count() == 1
        assert "jon@example.com" in WebhookEvent.objects.get(topic="orders/create").body
    assert "Deleted 1 accounts" in ComplianceRequest.objects.get().outcome


def test_an_uninstall_naming_another_shop_is_rejected(deliver, victim, attacker):
    body = {"id": 1, "domain": "victim.example.com", "myshopify_domain": VICTIM_SHOP}
    response = deliver(body, topic="app/uninstalled", secret=ATTACKER_SECRET)
    assert response.status_code == 400
    attacker.refresh_from_db()
    victim.refresh_from_db()
    assert attacker.status == victim.status == AccountStatus.CONNECTED


def test_an_uninstall_of_the_verified_shop_with_its_custom_domain_is_accepted(deliver, account):
    body = {"id": 1, "domain": "shop.example.com", "myshopify_domain": SHOP.upper()}
    assert deliver(body, topic="app/uninstalled").status_code == 200
    account.refresh_from_db()
    assert account.status == AccountStatus.DISCONNECTED


@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL unique-index waits")
@pytest.mark.django_db(transaction=True)
def test_concurrent_duplicate_deliveries_store_one_event_and_one_order():
    import threading

    from django.db import connections

    account = ChannelAccountFactory(
        external_id=SHOP, credentials={"access_token": "x", "api_secret_key": SHOP_SECRET}
    )
    raw = json.dumps(open_order_body()).encode()
    headers = {
        "X-Shopify-Topic": "orders/create",
        "X-Shopify-Hmac-Sha256": webhook_hmac(raw, SHOP_SECRET),
        "X-Shopify-Shop-Domain": SHOP,
        "X-Shopify-Event-Id": "evt-concurrent",
    }
    barrier = threading.Barrier(4)
    statuses: list[int] = []

    def deliver_once(n: int) -> None:
        try:
            barrier.wait(timeout=10)
            response = Client().post(
                URL,
                data=raw,
                content_type="application/json",
                headers={**headers, "X-Shopify-Webhook-Id": f"wh-{n}"},
            )
            statuses.append(response.status_code)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=deliver_once, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert statuses == [200, 200, 200, 200]
    assert WebhookEvent.objects.count() == 1
    assert WebhookEvent.objects.get().status == WebhookStatus.PROCESSED
    assert Order.objects.filter(account=account).count() == 1


# --- key ring cache -------------------------------------------------------------------------------
def test_a_warm_key_ring_verifies_without_reading_the_accounts_again(
    account, settings, django_assert_num_queries
):
    from integrations.services.webhook_keys import key_ring

    installed_through(account)
    settings.WEBHOOK_KEYS_CACHE_SECONDS = 30
    first = key_ring("shopify", SHOP)
    with django_assert_num_queries(0):
        again = key_ring("shopify", SHOP)
    assert again is first
    assert SHOP_SECRET in again.secrets
    assert PLATFORM_SECRET in again.secrets


def test_a_rotated_secret_is_learnt_once_the_cache_window_passes(
    deliver, account, settings, monkeypatch
):
    from integrations.services import webhook_keys

    settings.WEBHOOK_KEYS_CACHE_SECONDS = 10
    clock = {"now": 1000.0}
    monkeypatch.setattr(webhook_keys.time, "monotonic", lambda: clock["now"])
    assert deliver(open_order_body()).status_code == 200  # ring cached with the old secret
    account.update_credentials(api_secret_key="rotated-secret")
    account.save()

    assert deliver(open_order_body(), secret="rotated-secret").status_code == 401  # Shopify retries
    clock["now"] += 11
    assert deliver(open_order_body(), secret="rotated-secret").status_code == 200
