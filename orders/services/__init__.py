"""Services of the order book: order import (every channel, every path)."""

from __future__ import annotations

from orders.services.orders import (
    order_import,
    order_redact_customer,
    order_values,
    orders_import,
)

__all__ = [
    "order_import",
    "order_redact_customer",
    "order_values",
    "orders_import",
]
