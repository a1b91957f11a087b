"""Flipkart-shaped identifiers and reference values for the sandbox's generated data.

Id shapes follow Flipkart's published examples (docs "Shipment Created" notification:
``orderId`` ``OD108833803073636000``, ``orderItemId`` ``1883380307363600``, ``shipmentId`` a
UUID, ``fsn`` ``DIAE777EDCWNZSPZ``, ``listingId`` ``LSTDIAE777EDCWNZSPZQMLAT0``; cancellation
``reason``/``subReason`` ``seller_cancellation``/``not_enough_inventory``; return ``source``
``customer_return``/``courier_return``). Everything is drawn from the caller's
``random.Random`` so a seed reproduces the same ids.
"""

from __future__ import annotations

import random
import string
import uuid

ALNUM = string.ascii_uppercase + string.digits

# Flipkart's public states of an order item (SDK ``OrderItem.StatusEnum``).
ITEM_STATES = (
    "APPROVED",
    "PACKING_IN_PROGRESS",
    "FORM_FAILED",
    "PACKED",
    "READY_TO_DISPATCH",
    "PICKUP_COMPLETE",
    "CANCELLED",
    "RETURN_REQUESTED",
    "RETURNED",
    "SHIPPED",
    "DELIVERED",
    "COMPLETED",
)
PRE_DISPATCH = frozenset(
    {"APPROVED", "PACKING_IN_PROGRESS", "FORM_FAILED", "PACKED", "READY_TO_DISPATCH"}
)

CANCELLATIONS = (
    ("buyer_cancellation", "order_placed_by_mistake", 30),
    ("buyer_cancellation", "found_cheaper_elsewhere", 20),
    ("buyer_cancellation", "delivery_too_late", 15),
    ("seller_cancellation", "not_enough_inventory", 20),
    ("marketplace_cancellation", "address_not_serviceable", 10),
    ("marketplace_cancellation", "payment_failed", 5),
)
CUSTOMER_RETURN_REASONS = (
    ("SIZE_ISSUE", "too_small", 25),
    ("SIZE_ISSUE", "too_large", 15),
    ("QUALITY_ISSUE", "poor_fabric_quality", 15),
    ("NOT_AS_DESCRIBED", "colour_different_from_image", 15),
    ("DAMAGED_PRODUCT", "torn_or_stained", 10),
    ("WRONG_PRODUCT", "different_product_delivered", 8),
    ("NO_LONGER_NEEDED", "changed_mind", 12),
)
COURIER_RETURN_REASONS = (
    ("undelivered", "customer_not_available", 40),
    ("undelivered", "incorrect_address", 20),
    ("cod_refused", "customer_refused_to_pay", 30),
    ("undelivered", "customer_rejected_shipment", 10),
)
COURIERS = (("Ekart Logistics", 70), ("Delhivery", 12), ("Shadowfax", 10), ("Xpressbees", 8))


def weighted(rng: random.Random, table: tuple[tuple, ...]) -> tuple:
    """One row of ``table`` whose last column is its weight (the row without the weight)."""
    row = rng.choices(table, weights=[r[-1] for r in table])[0]
    return row[:-1]


def order_id(rng: random.Random) -> str:
    """``OD43`` + 16 digits: 18 digits after ``OD``, like Flipkart order ids."""
    return f"OD43{rng.randrange(10**15, 10**16)}"


def order_item_id(rng: random.Random) -> str:
    """A 16-digit order item id."""
    return str(rng.randrange(2 * 10**15, 10**16))


def shipment_id(rng: random.Random) -> str:
    """A version-4 UUID (Flipkart shipment ids are UUIDs)."""
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def fsn(rng: random.Random, prefix: str) -> str:
    """A 16-character FSN: a 4-letter vertical code from ``prefix`` and 12 random characters."""
    head = "".join(c for c in prefix.upper() if c.isalpha())[:4].ljust(4, "X")
    return head + "".join(rng.choice(ALNUM) for _ in range(12))


def listing_id(rng: random.Random, product: str) -> str:
    """``LST`` + the FSN + 6 characters (the listing of that product by this seller)."""
    return "LST" + product + "".join(rng.choice(ALNUM) for _ in range(6))


def return_id(rng: random.Random) -> str:
    """A 17-digit return id."""
    return str(rng.randrange(10**16, 10**17))


def tracking_id(rng: random.Random, courier_return: bool) -> str:
    """Ekart-style tracking id: forward ``FMPC…`` for an RTO, reverse pickup ``FMPR…``."""
    return ("FMPC" if courier_return else "FMPR") + str(rng.randrange(10**9, 10**10))


def seller_id(rng: random.Random) -> str:
    """A 16-character lower-case hex seller id."""
    return f"{rng.getrandbits(64):016x}"


def hsn_for(category: str, sku: str) -> str:
    """A plausible HSN code for the seeded catalog's categories."""
    if sku.startswith("CANDL"):
        return "3406"
    return {"apparel": "6211", "beauty": "3304", "home": "6302"}.get(category, "6211")
