"""Shopify webhooks, pure: a delivery's headers, its signature, and its body as DTOs.

Wire facts (channel-apis.md §1.3; shopify.dev "Deliver webhooks through HTTPS"):
``X-Shopify-Hmac-Sha256`` is base64 HMAC-SHA256 of the raw body with the app secret (a custom
app's API secret key, or the OAuth app's client secret); ``X-Shopify-Event-Id`` is the same on
every delivery of one event (fallback ``X-Shopify-Webhook-Id``); ``X-Shopify-Triggered-At`` is
the original trigger time; ``X-Shopify-Shop-Domain`` names the shop and is trusted only to
choose candidate secrets. Shopify's Ruby library also accepts the prefix-less header names
(``shopify-topic``), and so do we. The compliance topics are the mandatory privacy webhooks
(shopify.dev "Privacy law compliance").
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Any

from integrations.connectors.shopify import mapping
from integrations.connectors.shopify.returns.refunds import refund_records
from integrations.connectors.shopify.signatures import verify_webhook_hmac
from integrations.events import (
    AccountRedaction,
    AccountUninstalled,
    CustomerDataRequest,
    CustomerRedaction,
    OrderReturnsChanged,
    WebhookDelivery,
)

TOPIC_HEADER = "X-Shopify-Topic"
STORED_HEADERS = (
    "topic",
    "shop-domain",
    "api-version",
    "webhook-id",
    "event-id",
    "triggered-at",
    "sub-topic",
    "name",
)
# Order and refund topics reserve or release stock: the inbox processes them first.
ORDER_TOPIC_PREFIXES = ("orders/", "refunds/")
# Body fields naming the shop (compliance and shop bodies; order and product bodies name none).
SHOP_FIELDS = ("shop_domain", "myshopify_domain")


def _header(lowered: Mapping[str, str], name: str) -> str:
    """``X-Shopify-<name>`` or the prefix-less ``shopify-<name>``, from lower-cased names."""
    return (lowered.get(f"x-shopify-{name}") or lowered.get(f"shopify-{name}") or "").strip()


def delivery_from_headers(headers: Mapping[str, str], body: bytes) -> WebhookDelivery:
    """The delivery's facts from its headers (names compared case-insensitively)."""
    lowered = {k.lower(): v for k, v in headers.items()}
    topic = _header(lowered, "topic")
    event_id = _header(lowered, "event-id")
    delivery_id = _header(lowered, "webhook-id")
    triggered = _header(lowered, "triggered-at")
    try:
        triggered_at = mapping.parse_time(triggered) if triggered else None
    except mapping.MappingError:
        triggered_at = None
    return WebhookDelivery(
        topic=topic,
        account_key=_header(lowered, "shop-domain").lower(),
        signature=_header(lowered, "hmac-sha256"),
        delivery_id=delivery_id,
        event_id=event_id,
        dedup_key=event_id
        or delivery_id
        or hashlib.sha256(topic.encode() + b"\0" + body).hexdigest(),
        triggered_at=triggered_at,
        api_version=_header(lowered, "api-version"),
        stored_headers={
            f"X-Shopify-{name.title()}": value
            for name in STORED_HEADERS
            if (value := _header(lowered, name))
        },
        missing="" if topic else TOPIC_HEADER,
    )


def signed_by(body: bytes, delivery: WebhookDelivery, secret: str) -> bool:
    """True when ``secret`` signed ``body`` (constant-time comparison)."""
    return verify_webhook_hmac(body, delivery.signature, [secret])


def other_shop_named(body: dict[str, Any], shop: str) -> str:
    """The shop a body names in ``SHOP_FIELDS`` when it is not ``shop`` (the verified one),
    else ""."""
    for name in SHOP_FIELDS:
        named = body.get(name)
        if named not in (None, "") and str(named).strip().lower() != shop:
            return str(named)
    return ""


def parse(topic: str, body: dict[str, Any]) -> tuple[Any, ...]:
    """The DTOs one topic's body stands for; empty for a topic Sangam does not act on (and
    for a refund of money only). Raises ``mapping.MappingError`` for a body that does not map.

    - ``orders/*`` → ``OrderDTO``; ``products/create|update`` → ``ProductDTO``;
      ``inventory_levels/update`` → ``InventoryLevelDTO``;
    - ``refunds/create`` → its ``ReturnDTO``/``OrderLineRemovalDTO`` records, and, for a refund
      made for a Shopify return, ``OrderReturnsChanged`` first (the body has neither the
      return's other lines nor its status, so the order's returns are read again);
    - ``app/uninstalled`` → ``AccountUninstalled``; the compliance topics →
      ``CustomerDataRequest``, ``CustomerRedaction``, ``AccountRedaction``."""
    if topic.startswith("orders/"):
        return (mapping.order_from_webhook(body),)
    if topic in ("products/update", "products/create"):
        return (mapping.product_from_webhook(body),)
    if topic == "inventory_levels/update":
        return (mapping.inventory_level_from_webhook(body),)
    if topic == "refunds/create":
        records = tuple(refund_records(body))
        if body.get("return"):
            changed = OrderReturnsChanged((mapping.gid_to_id(body.get("order_id")),))
            return (changed, *records)
        return records
    if topic == "app/uninstalled":
        return (AccountUninstalled("The app was uninstalled from the store."),)
    customer_id = mapping.gid_to_id((body.get("customer") or {}).get("id"))
    if topic == "customers/data_request":
        return (
            CustomerDataRequest(
                customer_id=customer_id,
                order_ids=tuple(str(i) for i in body.get("orders_requested") or []),
                request_id=str((body.get("data_request") or {}).get("id")),
            ),
        )
    if topic == "customers/redact":
        return (
            CustomerRedaction(
                customer_id=customer_id,
                order_ids=tuple(str(i) for i in body.get("orders_to_redact") or []),
            ),
        )
    if topic == "shop/redact":
        return (AccountRedaction(),)
    return ()
