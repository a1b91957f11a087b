"""Data of the Shopify sandbox: apps, shops, catalog, stock, orders (with their
fulfillments, refunds and returns), webhooks, bulk operations.

Primary keys of Shopify resources are the Shopify numeric ids themselves (``BigIntegerField``,
allocated by :func:`sandbox.shopify.ids.allocate_ids`, all > 2^53). Money is ``Decimal``
rupees with two places; timestamps are aware UTC datetimes with whole seconds. These tables
belong to the simulator only; the hub never reads them.
"""

from __future__ import annotations

from sandbox.shopify.models.catalog import (
    SandboxInventoryItem,
    SandboxInventoryLevel,
    SandboxLocation,
    SandboxProduct,
    SandboxVariant,
)
from sandbox.shopify.models.events import (
    DeliveryStatus,
    SandboxBulkOperation,
    SandboxWebhookDelivery,
    SandboxWebhookSubscription,
)
from sandbox.shopify.models.orders import (
    SandboxCustomer,
    SandboxFulfillment,
    SandboxFulfillmentEvent,
    SandboxFulfillmentLineItem,
    SandboxFulfillmentOrder,
    SandboxFulfillmentOrderLineItem,
    SandboxLineItem,
    SandboxOrder,
    SandboxRefund,
    SandboxRefundLineItem,
    SandboxReturn,
    SandboxReturnLineItem,
    SandboxReverseDisposition,
    SandboxReverseFulfillmentOrder,
    SandboxReverseFulfillmentOrderLineItem,
)
from sandbox.shopify.models.store import (
    SandboxAccessToken,
    SandboxApp,
    SandboxAuthCode,
    SandboxBucket,
    SandboxIdempotentRequest,
    SandboxIdSequence,
    SandboxShop,
)

__all__ = [
    "DeliveryStatus",
    "SandboxAccessToken",
    "SandboxApp",
    "SandboxAuthCode",
    "SandboxBucket",
    "SandboxBulkOperation",
    "SandboxCustomer",
    "SandboxFulfillment",
    "SandboxFulfillmentEvent",
    "SandboxFulfillmentLineItem",
    "SandboxFulfillmentOrder",
    "SandboxFulfillmentOrderLineItem",
    "SandboxIdempotentRequest",
    "SandboxIdSequence",
    "SandboxInventoryItem",
    "SandboxInventoryLevel",
    "SandboxLineItem",
    "SandboxLocation",
    "SandboxOrder",
    "SandboxProduct",
    "SandboxRefund",
    "SandboxRefundLineItem",
    "SandboxReturn",
    "SandboxReturnLineItem",
    "SandboxReverseDisposition",
    "SandboxReverseFulfillmentOrder",
    "SandboxReverseFulfillmentOrderLineItem",
    "SandboxShop",
    "SandboxVariant",
    "SandboxWebhookDelivery",
    "SandboxWebhookSubscription",
]
