from django.apps import AppConfig


class ChannelStockConfig(AppConfig):
    """The channel-facing stock work (layer "returns · channel stock", docs/architecture.md):
    the listing map, available-to-sell pushed to each channel, what a channel says it holds
    (the channel ledger, echo suppression) and the nightly drift check. The rows are the
    catalog's (``inventory.models``: ``ChannelListing``, ``StockPush``, ``DriftEvent``,
    ``ChannelInventoryLevel``); the rules live here, above the stock ledger and the order book,
    whose facts (orders placed, cancelled, refunded) the channel ledger counts."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "channel_stock"
