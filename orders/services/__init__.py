"""Services of the order book: order import (every channel, every path) and returns."""

from __future__ import annotations

from orders.services.orders import (
    order_import,
    order_redact_customer,
    order_values,
    orders_import,
)
from orders.services.returns import (
    file_records_import,
    returns_import,
    returns_refresh_order,
    unknown_order_ids,
)

__all__ = [
    "file_records_import",
    "order_import",
    "order_redact_customer",
    "order_values",
    "orders_import",
    "returns_import",
    "returns_refresh_order",
    "unknown_order_ids",
]
