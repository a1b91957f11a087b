"""Signed webhook delivery with Shopify's headers, timeouts and retry schedule.

Source: channel-apis.md §1.3 and shopify.dev "Deliver webhooks through HTTPS": headers
``X-Shopify-Topic``, ``X-Shopify-Hmac-Sha256`` (base64 HMAC-SHA256 of the raw body with the
app's client secret), ``X-Shopify-Shop-Domain``, ``X-Shopify-API-Version``,
``X-Shopify-Webhook-Id``, ``X-Shopify-Event-Id`` (same for every delivery of one event) and
``X-Shopify-Triggered-At``; 1 s to connect and 5 s to answer; any 2xx is success; otherwise 8
retries over about 4 hours with exponential backoff (changelog 2024-09-10).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import uuid
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

import requests
from django.conf import settings
from django.db import transaction
from django.db.models import Q

from sandbox.kernel import clock
from sandbox.shopify.constants import EMITTED_TOPICS
from sandbox.shopify.models import (
    DeliveryStatus,
    SandboxApp,
    SandboxShop,
    SandboxWebhookDelivery,
    SandboxWebhookSubscription,
)

logger = logging.getLogger(__name__)

CONNECT_TIMEOUT = 1.0
READ_TIMEOUT = 5.0
# Delays before retry 1..8 (seconds): 1, 2, 4 … 128 minutes, 4 h 15 min in total.
RETRY_DELAYS = tuple(60 * 2**n for n in range(8))
# A claimed delivery is not picked up by another worker for this long.
CLAIM_SECONDS = 30


def sign_body(body: bytes, secret: str) -> str:
    """``X-Shopify-Hmac-Sha256``: base64 of HMAC-SHA256(secret, raw body)."""
    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


def serialize(payload: dict[str, Any]) -> str:
    """Compact JSON with exact integers (Python ints never lose precision)."""
    return json.dumps(payload, separators=(",", ":"), ensure_ascii=False)


def _triggered_at(value: datetime) -> str:
    return value.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def headers_for(delivery: SandboxWebhookDelivery, body: bytes) -> dict[str, str]:
    """The Shopify webhook headers of one attempt of ``delivery`` with raw ``body``."""
    return {
        "Content-Type": "application/json",
        "X-Shopify-Topic": delivery.topic,
        "X-Shopify-Hmac-Sha256": sign_body(body, delivery.app.api_secret),
        "X-Shopify-Shop-Domain": delivery.shop.domain,
        "X-Shopify-API-Version": delivery.api_version,
        "X-Shopify-Webhook-Id": delivery.webhook_id,
        "X-Shopify-Event-Id": delivery.event_id,
        "X-Shopify-Triggered-At": _triggered_at(delivery.triggered_at),
    }


def _deliver_on_commit() -> bool:
    return bool(getattr(settings, "SANDBOX_WEBHOOKS_DELIVER_ON_COMMIT", True))


def emit(
    shop: SandboxShop,
    topic: str,
    payload: dict[str, Any],
    *,
    deliver: bool = True,
    app: SandboxApp | None = None,
) -> list[SandboxWebhookDelivery]:
    """Queue one event of ``topic`` (GraphQL enum, e.g. ``ORDERS_CREATE``) for every
    subscription of the shop (only ``app``'s when given), and send them right after the
    surrounding transaction commits (unless ``deliver`` is false or the setting
    ``SANDBOX_WEBHOOKS_DELIVER_ON_COMMIT`` is off; then :func:`deliver_due` sends them)."""
    subscriptions = SandboxWebhookSubscription.objects.filter(shop=shop, topic=topic)
    if app is not None:
        subscriptions = subscriptions.filter(app=app)
    subscriptions = subscriptions.select_related("app")
    now = clock.now()
    event_id = str(uuid.uuid4())
    deliveries = [
        SandboxWebhookDelivery(
            shop=shop,
            app=subscription.app,
            subscription=subscription,
            topic=EMITTED_TOPICS[topic],
            url=subscription.callback_url,
            api_version=subscription.api_version,
            body=serialize(_only(payload, subscription.include_fields)),
            event_id=event_id,
            webhook_id=str(uuid.uuid4()),
            triggered_at=now,
            next_attempt_at=now,
            created_at=now,
        )
        for subscription in subscriptions
    ]
    if not deliveries:
        return []
    created = SandboxWebhookDelivery.objects.bulk_create(deliveries)
    if deliver and _deliver_on_commit():
        ids = [d.pk for d in created]
        transaction.on_commit(lambda: deliver_ids(ids))
    return created


def _only(payload: dict[str, Any], include_fields: list[str]) -> dict[str, Any]:
    if not include_fields:
        return payload
    return {key: value for key, value in payload.items() if key in include_fields}


def deliver_ids(ids: Iterable[int]) -> list[SandboxWebhookDelivery]:
    """Attempt the given pending deliveries now (each claimed first, so nothing is sent twice
    by concurrent workers)."""
    return [d for d in (_claim_and_attempt(pk) for pk in ids) if d is not None]


def _claim_and_attempt(
    pk: int, due_before: datetime | None = None
) -> SandboxWebhookDelivery | None:
    now = clock.now()
    due = Q(next_attempt_at__lte=due_before) if due_before else Q()
    claimed = SandboxWebhookDelivery.objects.filter(
        due, pk=pk, status=DeliveryStatus.PENDING
    ).update(next_attempt_at=now + timedelta(seconds=CLAIM_SECONDS))
    if not claimed:
        return None
    delivery = SandboxWebhookDelivery.objects.select_related("app", "shop").get(pk=pk)
    attempt(delivery)
    return delivery


def attempt(delivery: SandboxWebhookDelivery) -> requests.Response | None:
    """POST ``delivery`` once and record the outcome (status, next retry or give-up).

    Returns the response, or ``None`` when the endpoint could not be reached."""
    body = delivery.body.encode()
    now = clock.now()
    response: requests.Response | None = None
    try:
        response = requests.post(
            delivery.url,
            data=body,
            headers=headers_for(delivery, body),
            timeout=(CONNECT_TIMEOUT, READ_TIMEOUT),
            allow_redirects=False,
        )
        delivery.last_status_code = response.status_code
        delivery.last_error = "" if response.ok else response.text[:500]
    except requests.RequestException as exc:
        delivery.last_status_code = None
        delivery.last_error = f"{type(exc).__name__}: {exc}"[:500]
    delivery.attempts += 1
    delivery.last_attempt_at = now
    if response is not None and 200 <= response.status_code < 300:
        delivery.status = DeliveryStatus.DELIVERED
        delivery.delivered_at = now
        delivery.next_attempt_at = None
    elif delivery.attempts > len(RETRY_DELAYS):
        delivery.status = DeliveryStatus.FAILED
        delivery.next_attempt_at = None
    else:
        delivery.next_attempt_at = now + timedelta(seconds=RETRY_DELAYS[delivery.attempts - 1])
    delivery.save(
        update_fields=[
            "status",
            "attempts",
            "last_status_code",
            "last_error",
            "last_attempt_at",
            "next_attempt_at",
            "delivered_at",
        ]
    )
    logger.info(
        "sandbox webhook %s %s -> %s (attempt %s, %s)",
        delivery.topic,
        delivery.url,
        delivery.last_status_code,
        delivery.attempts,
        delivery.status,
    )
    return response


def deliver_due(now: datetime | None = None) -> int:
    """Attempt every pending delivery whose ``next_attempt_at`` has come; returns how many were
    attempted."""
    due_before = now or clock.now()
    pks = list(
        SandboxWebhookDelivery.objects.filter(
            status=DeliveryStatus.PENDING, next_attempt_at__lte=due_before
        )
        .order_by("next_attempt_at", "pk")
        .values_list("pk", flat=True)
    )
    return sum(1 for pk in pks if _claim_and_attempt(pk, due_before) is not None)


def redeliver(delivery: SandboxWebhookDelivery) -> SandboxWebhookDelivery:
    """Send ``delivery``'s event again as a new delivery series: same body and
    ``X-Shopify-Event-Id``, a new ``X-Shopify-Webhook-Id`` (Shopify's duplicate deliveries)."""
    now = clock.now()
    copy = SandboxWebhookDelivery.objects.create(
        shop=delivery.shop,
        app=delivery.app,
        subscription=delivery.subscription,
        topic=delivery.topic,
        url=delivery.url,
        api_version=delivery.api_version,
        body=delivery.body,
        event_id=delivery.event_id,
        webhook_id=str(uuid.uuid4()),
        triggered_at=delivery.triggered_at,
        next_attempt_at=now,
        created_at=now,
    )
    return _claim_and_attempt(copy.pk) or copy


def send_direct(
    *,
    shop: SandboxShop,
    app: SandboxApp,
    topic: str,
    url: str,
    payload: dict[str, Any],
    api_version: str,
) -> tuple[SandboxWebhookDelivery, requests.Response | None]:
    """Record and send one event to ``url`` outside any subscription (compliance topics,
    which apps configure in ``shopify.app.toml`` rather than through the API)."""
    now = clock.now()
    delivery = SandboxWebhookDelivery.objects.create(
        shop=shop,
        app=app,
        topic=topic,
        url=url,
        api_version=api_version,
        body=serialize(payload),
        event_id=str(uuid.uuid4()),
        webhook_id=str(uuid.uuid4()),
        triggered_at=now,
        next_attempt_at=now,
        created_at=now,
    )
    return delivery, attempt(delivery)
