"""Webhooks: payloads valid against Shopify's 2025-01 JSON Schemas, signed delivery over real
HTTP (loopback), retries with backoff, duplicate deliveries, compliance topics, uninstall."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from django.conf import settings
from jsonschema import Draft202012Validator, FormatChecker

from integrations.connectors.shopify import queries
from sandbox.shopify import services
from sandbox.shopify.models import (
    DeliveryStatus,
    SandboxInventoryLevel,
    SandboxOrder,
    SandboxWebhookDelivery,
    SandboxWebhookSubscription,
)
from sandbox.shopify.webhooks.delivery import RETRY_DELAYS, sign_body
from tests.sandbox.conftest import SHOP

SCHEMAS = Path(settings.BASE_DIR).parent / "shared/reference/shopify/webhooks/schemas/2025-01"
TOPICS = (
    "ORDERS_CREATE",
    "ORDERS_UPDATED",
    "ORDERS_CANCELLED",
    "ORDERS_PAID",
    "ORDERS_FULFILLED",
    "PRODUCTS_UPDATE",
    "INVENTORY_LEVELS_UPDATE",
    "APP_UNINSTALLED",
)

formats = FormatChecker()


@formats.checks("date-time", raises=ValueError)
def _iso_datetime(value: object) -> bool:
    if isinstance(value, str):
        parsed = datetime.fromisoformat(value)
        return parsed.tzinfo is not None
    return True


def validate(topic: str, body: str) -> list[str]:
    schema = json.loads((SCHEMAS / f"{topic}.json").read_text())
    validator = Draft202012Validator(schema, format_checker=formats)
    return [f"{list(e.path)}: {e.message}" for e in validator.iter_errors(json.loads(body))]


def subscribe(gql, url: str, topics=TOPICS) -> None:
    for topic in topics:
        body = gql(
            queries.WEBHOOK_SUBSCRIPTION_CREATE,
            {"topic": topic, "webhookSubscription": {"callbackUrl": url, "format": "JSON"}},
        )
        assert body["data"]["webhookSubscriptionCreate"]["userErrors"] == []


def test_signature_matches_shopify_test_vector():
    assert sign_body(b'{"foo": "bar"}', "test_secret_key") == (
        "B23tXN681gZ0qIWNRrgtzBE9XSDo5yaUu6wfmhu3a7g="
    )


def test_subscription_records_topic_url_version_and_app(gql, app):
    subscribe(gql, "http://127.0.0.1:9/hooks", ["ORDERS_CREATE"])
    again = gql(
        queries.WEBHOOK_SUBSCRIPTION_CREATE,
        {
            "topic": "ORDERS_CREATE",
            "webhookSubscription": {"callbackUrl": "http://127.0.0.1:9/hooks"},
        },
    )
    listed = gql(queries.WEBHOOK_SUBSCRIPTIONS_QUERY, {"first": 10})

    row = SandboxWebhookSubscription.objects.get()
    assert (row.topic, row.callback_url, row.api_version, row.app) == (
        "ORDERS_CREATE",
        "http://127.0.0.1:9/hooks",
        "2025-01",
        app,
    )
    assert again["data"]["webhookSubscriptionCreate"]["userErrors"][0]["message"] == (
        "Address for this topic has already been taken"
    )
    node = listed["data"]["webhookSubscriptions"]["nodes"][0]
    assert node["apiVersion"] == {"handle": "2025-01"}
    assert node["format"] == "JSON"
    deleted = gql(queries.WEBHOOK_SUBSCRIPTION_DELETE, {"id": node["id"]})
    assert (
        deleted["data"]["webhookSubscriptionDelete"]["deletedWebhookSubscriptionId"] == node["id"]
    )
    assert not SandboxWebhookSubscription.objects.exists()


def test_every_emitted_payload_validates_against_shopify_schema(gql):
    subscribe(gql, "http://127.0.0.1:9/hooks")
    placed = services.simulate_orders(shop=SHOP, count=4, seed=3, deliver=False)
    services.update_order(placed[0], financial_status="PAID", note="collected")
    services.fulfill_order(placed[1])
    services.cancel_order(placed[2], reason="inventory")
    services.set_available(shop=SHOP, sku=placed[3].loaded_line_items[0].sku, available=9)
    services.uninstall_app(shop=SHOP, api_key=settings.SHOPIFY_API_KEY)

    deliveries = list(SandboxWebhookDelivery.objects.all())
    topics = {d.topic for d in deliveries}
    assert {
        "orders/create",
        "orders/updated",
        "orders/cancelled",
        "orders/paid",
        "products/update",
        "inventory_levels/update",
        "app/uninstalled",
    } <= topics
    for delivery in deliveries:
        if (SCHEMAS / f"{delivery.topic}.json").exists():
            assert validate(delivery.topic, delivery.body) == [], delivery.topic


def test_order_payload_carries_exact_big_integer_ids(gql):
    subscribe(gql, "http://127.0.0.1:9/hooks", ["ORDERS_CREATE"])
    order = services.simulate_orders(shop=SHOP, count=1, seed=8, deliver=False)[0]
    body = SandboxWebhookDelivery.objects.get(topic="orders/create").body

    payload = json.loads(body)
    assert payload["id"] == order.id > 2**53
    assert f'"id":{order.id},' in body
    assert json.loads(body, parse_int=float)["id"] != order.id  # what a float parser would see
    assert payload["admin_graphql_api_id"] == f"gid://shopify/Order/{order.id}"
    assert payload["line_items"][0]["variant_id"] > 2**53
    assert payload["total_price"] == f"{order.total_price:.2f}"


def test_delivery_is_signed_with_shopify_headers(
    gql, app, receiver, django_capture_on_commit_callbacks
):
    subscribe(gql, receiver.url, ["ORDERS_CREATE"])
    with django_capture_on_commit_callbacks(execute=True):
        order = services.simulate_orders(shop=SHOP, count=1, seed=2)[0]

    assert len(receiver.requests) == 1
    request = receiver.requests[0]
    digest = hmac.new(app.api_secret.encode(), request.body, hashlib.sha256).digest()
    assert request.headers["X-Shopify-Hmac-Sha256"] == base64.b64encode(digest).decode()
    assert request.headers["X-Shopify-Topic"] == "orders/create"
    assert request.headers["X-Shopify-Shop-Domain"] == SHOP
    assert request.headers["X-Shopify-API-Version"] == "2025-01"
    assert request.headers["Content-Type"] == "application/json"
    assert request.headers["X-Shopify-Webhook-Id"]
    assert request.headers["X-Shopify-Event-Id"]
    assert datetime.fromisoformat(request.headers["X-Shopify-Triggered-At"]).tzinfo is not None
    assert json.loads(request.body)["id"] == order.id
    delivery = SandboxWebhookDelivery.objects.get()
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == (
        DeliveryStatus.DELIVERED,
        1,
        200,
    )


def test_failed_delivery_retries_with_backoff_then_gives_up(
    gql, receiver, frozen_clock, django_capture_on_commit_callbacks
):
    subscribe(gql, receiver.url, ["INVENTORY_LEVELS_UPDATE"])
    receiver.statuses = [500] * 9
    sku = SandboxInventoryLevel.objects.filter(item__shop__domain=SHOP).first().item.variant.sku
    with django_capture_on_commit_callbacks(execute=True):
        services.set_available(shop=SHOP, sku=sku, available=3)
    delivery = SandboxWebhookDelivery.objects.get()
    first_try = delivery.last_attempt_at
    assert delivery.status == DeliveryStatus.PENDING
    assert delivery.last_status_code == 500
    assert delivery.next_attempt_at == first_try + timedelta(seconds=RETRY_DELAYS[0])

    assert services.deliver_due_webhooks() == 0  # not due yet
    for delay in RETRY_DELAYS:
        frozen_clock.advance(delay)
        assert services.deliver_due_webhooks() == 1

    delivery.refresh_from_db()
    assert delivery.attempts == 9
    assert delivery.status == DeliveryStatus.FAILED
    assert len(receiver.requests) == 9
    assert len({r.headers["X-Shopify-Webhook-Id"] for r in receiver.requests}) == 1
    assert sum(RETRY_DELAYS) / 3600 == pytest.approx(4.25)


def test_retry_succeeds_once_the_endpoint_recovers(
    gql, receiver, frozen_clock, django_capture_on_commit_callbacks
):
    subscribe(gql, receiver.url, ["ORDERS_UPDATED"])
    receiver.statuses = [503]
    order = SandboxOrder.objects.filter(shop__domain=SHOP).first()
    with django_capture_on_commit_callbacks(execute=True):
        services.update_order(order, note="ring the bell")
    frozen_clock.advance(RETRY_DELAYS[0])

    assert services.deliver_due_webhooks() == 1
    delivery = SandboxWebhookDelivery.objects.get()
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.DELIVERED, 2)
    assert receiver.requests[0].body == receiver.requests[1].body


def test_redeliver_repeats_the_event_with_a_new_webhook_id(
    gql, receiver, django_capture_on_commit_callbacks
):
    subscribe(gql, receiver.url, ["ORDERS_CREATE"])
    with django_capture_on_commit_callbacks(execute=True):
        services.simulate_orders(shop=SHOP, count=1, seed=4)
    original = SandboxWebhookDelivery.objects.get()

    copy = services.redeliver(original)

    first, second = receiver.requests
    assert first.body == second.body
    assert first.headers["X-Shopify-Event-Id"] == second.headers["X-Shopify-Event-Id"]
    assert first.headers["X-Shopify-Webhook-Id"] != second.headers["X-Shopify-Webhook-Id"]
    assert copy.status == DeliveryStatus.DELIVERED
    assert copy.pk != original.pk


@pytest.mark.parametrize("topic", ["customers/data_request", "customers/redact", "shop/redact"])
def test_compliance_webhooks_are_signed_and_schema_valid(store, app, receiver, topic):
    response = services.send_compliance_webhook(
        shop=SHOP, topic=topic, url=receiver.url, api_key=app.api_key
    )

    assert response.status_code == 200
    request = receiver.requests[0]
    assert request.headers["X-Shopify-Topic"] == topic
    assert request.headers["X-Shopify-Hmac-Sha256"] == sign_body(request.body, app.api_secret)
    assert validate(topic, request.body.decode()) == []
    assert json.loads(request.body)["shop_domain"] == SHOP


def test_uninstall_revokes_tokens_and_notifies_the_app(
    gql, receiver, django_capture_on_commit_callbacks
):
    subscribe(gql, receiver.url, ["APP_UNINSTALLED", "ORDERS_CREATE"])
    with django_capture_on_commit_callbacks(execute=True):
        services.uninstall_app(shop=SHOP, api_key=settings.SHOPIFY_API_KEY)

    assert [r.headers["X-Shopify-Topic"] for r in receiver.requests] == ["app/uninstalled"]
    assert validate("app/uninstalled", receiver.requests[0].body.decode()) == []
    assert gql.post("{ shop { name } }").status_code == 401
    assert not SandboxWebhookSubscription.objects.exists()
