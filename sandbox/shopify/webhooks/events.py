"""Which webhooks a change emits: builds the topic's payload from fresh rows and queues it for
every subscriber (see :func:`.delivery.emit`). Called inside the transaction of the change, so
the deliveries commit (and are sent) with it."""

from __future__ import annotations

from collections.abc import Iterable

from sandbox.shopify.loading import with_line_items, with_variants
from sandbox.shopify.models import (
    SandboxInventoryLevel,
    SandboxOrder,
    SandboxProduct,
    SandboxShop,
)
from sandbox.shopify.webhooks.delivery import emit
from sandbox.shopify.webhooks.orders import order_payload
from sandbox.shopify.webhooks.payloads import inventory_level_payload, product_payload


def emit_orders(
    shop: SandboxShop, order_ids: Iterable[int], topics: list[str], deliver: bool = True
) -> None:
    """One event per order and topic (``ORDERS_PAID`` only for paid orders)."""
    orders = with_line_items(SandboxOrder.objects.filter(pk__in=list(order_ids))).order_by("id")
    for order in orders:
        payload = order_payload(order, shop)
        for topic in topics:
            if topic == "ORDERS_PAID" and order.financial_status != "PAID":
                continue
            emit(shop, topic, payload, deliver=deliver)


def emit_levels(
    shop: SandboxShop, levels: Iterable[SandboxInventoryLevel], deliver: bool = True
) -> None:
    """``inventory_levels/update`` for each level."""
    for level in levels:
        emit(shop, "INVENTORY_LEVELS_UPDATE", inventory_level_payload(level, shop), deliver=deliver)


def emit_products(shop: SandboxShop, product_ids: Iterable[int], deliver: bool = True) -> None:
    """``products/update`` for each product (variants and stock included)."""
    for product in with_variants(SandboxProduct.objects.filter(pk__in=list(product_ids))):
        emit(shop, "PRODUCTS_UPDATE", product_payload(product, shop), deliver=deliver)
