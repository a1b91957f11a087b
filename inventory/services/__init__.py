"""Writes to the catalog, the stock pool, channel listings, stock pushes and drift checks.

``stock``: the pool and its ledger; ``catalog``: products, listings and levels from channels;
``listings``: the listing map; ``push``: available-to-sell to the channels; ``channel_levels``:
echo suppression; ``drift``: the nightly check; ``returns``: receiving returns with QC.
"""

from inventory.services.catalog import (
    inventory_levels_import,
    products_import,
    variant_ids_for,
)
from inventory.services.returns import return_receive
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
    "inventory_levels_import",
    "products_import",
    "return_receive",
    "stock_adjust",
    "stock_apply",
    "stock_rebuild",
    "variant_ids_for",
]
