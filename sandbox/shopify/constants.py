"""Shopify constants the sandbox shares across modules."""

from __future__ import annotations

from typing import Final

from django.conf import settings

# Stable Admin API versions served: the 2025-01 schema that ships in shared/reference, with the
# documented 2026-01 and 2026-04 inventory changes applied from those versions on
# (``graphql.versions``); the configured SHOPIFY_API_VERSION is always accepted too.
STABLE_API_VERSIONS: Final = (
    "2024-04",
    "2024-07",
    "2024-10",
    "2025-01",
    "2025-04",
    "2025-07",
    "2025-10",
    "2026-01",
    "2026-04",
)

COD_GATEWAY: Final = "Cash on Delivery (COD)"

# GraphQL ``WebhookSubscriptionTopic`` → REST topic header, for every topic the sandbox emits
# (shopify.dev "Webhook topics").
EMITTED_TOPICS: Final = {
    "ORDERS_CREATE": "orders/create",
    "ORDERS_UPDATED": "orders/updated",
    "ORDERS_CANCELLED": "orders/cancelled",
    "ORDERS_PAID": "orders/paid",
    "ORDERS_FULFILLED": "orders/fulfilled",
    "FULFILLMENTS_CREATE": "fulfillments/create",
    "PRODUCTS_UPDATE": "products/update",
    "INVENTORY_LEVELS_UPDATE": "inventory_levels/update",
    "REFUNDS_CREATE": "refunds/create",
    "APP_UNINSTALLED": "app/uninstalled",
    "BULK_OPERATIONS_FINISH": "bulk_operations/finish",
}

COMPLIANCE_TOPICS: Final = ("customers/data_request", "customers/redact", "shop/redact")


def supported_api_versions() -> tuple[str, ...]:
    """Versions the GraphQL endpoint answers; others get 404 like an unknown Shopify path."""
    configured = getattr(settings, "SHOPIFY_API_VERSION", "2025-01")
    return tuple(dict.fromkeys((*STABLE_API_VERSIONS, configured)))
