"""Writes to the catalog and the stock pool.

``stock``: the pool and its ledger; ``catalog``: products and the listing map from channels;
``counts``: stock counts. The channel-facing work (push, drift, the channel ledger) is
``channel_stock``'s; receiving returns is ``returns``'.
"""

from inventory.services.catalog import products_import, variant_ids_for
from inventory.services.stock import (
    Reservation,
    StockChange,
    available_to_sell,
    default_warehouse,
    stock_adjust,
    stock_apply,
    stock_rebuild,
)

__all__ = [
    "Reservation",
    "StockChange",
    "available_to_sell",
    "default_warehouse",
    "products_import",
    "stock_adjust",
    "stock_apply",
    "stock_rebuild",
    "variant_ids_for",
]
