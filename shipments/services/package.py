"""The parcel of an order: its weight in grams, from the catalog.

The weight is the sum of the lines' variant weights (``Variant.weight_grams`` × units still on
the order); a line whose variant is unknown or has no weight counts
``SHIPMENT_DEFAULT_UNIT_GRAMS`` a unit. Variants carry no dimensions, so the box is the courier
account's ``box_cm`` setting or ``SHIPMENT_DEFAULT_BOX_CM`` (``shipments.services.booking``).
"""

from __future__ import annotations

from django.conf import settings

from orders.models import Order


def order_weight_grams(order: Order) -> int:
    """Grams of ``order``'s parcel (prefetch ``items__variant`` to keep it to no query)."""
    default = settings.SHIPMENT_DEFAULT_UNIT_GRAMS
    return sum(
        (item.variant.weight_grams if item.variant and item.variant.weight_grams else default)
        * max(item.current_quantity or item.quantity, 0)
        for item in order.items.all()
    )
