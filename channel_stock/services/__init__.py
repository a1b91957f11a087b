"""Services of the channel stock: ``listings`` (the listing map), ``push`` (available-to-sell to
the channels), ``levels_import`` and ``levels`` (what a channel says it holds; the channel
ledger), ``flows`` (the channel's own flows from the order book), ``drift`` (the nightly check).
"""

from channel_stock.services.levels_import import inventory_levels_import

__all__ = ["inventory_levels_import"]
