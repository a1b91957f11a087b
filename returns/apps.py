from django.apps import AppConfig


class ReturnsConfig(AppConfig):
    """Returns and RTOs (layer "returns · channel stock", docs/architecture.md): what a channel
    reports (import and refresh), receipts with QC through the stock ledger, dispositions, and
    the status written back to the channel. The rows are the order book's (``orders.models``:
    ``Return``, ``ReturnItem``, ``ReturnDisposition``, ``OrderLineRemoval``); the rules live
    here, above both orders and inventory."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "returns"
