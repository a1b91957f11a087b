from django.apps import AppConfig


class ShipmentsConfig(AppConfig):
    """Shipments of self-fulfilled orders through couriers (Delhivery, Shiprocket): AWBs,
    tracking (scan push and budgeted poll), NDR and RTO, freight for profit. Above the order
    book (a shipment ships an order); below returns (an RTO becomes a return through a hook)."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "shipments"
