"""Shopify-style numeric ids and GIDs.

Shopify ids exceed 2^53 (e.g. ``gid://shopify/Order/820982911946154508``, channel-apis.md §1.3),
so a client that parses them as floats silently corrupts them. The sandbox allocates every id
above ``5 * 10**18`` (still inside a signed 64-bit ``BigIntegerField``) to make that bug visible.
Each resource kind has its own range so ids of different kinds never look alike.
"""

from __future__ import annotations

from typing import Final

from django.db import transaction

from sandbox.shopify.models import SandboxIdSequence

ID_BASE: Final = 5 * 10**18
_KIND_STRIDE: Final = 10**16

# Resource kinds in a fixed order; the position picks the id range, so only append.
KINDS: Final = (
    "Shop",
    "App",
    "Location",
    "Customer",
    "MailingAddress",
    "Product",
    "ProductImage",
    "ProductVariant",
    "InventoryItem",
    "Order",
    "LineItem",
    "ShippingLine",
    "WebhookSubscription",
    "BulkOperation",
    "InventoryAdjustmentGroup",
    "Refund",
    "RefundLineItem",
    "OrderTransaction",
    "Fulfillment",
    "FulfillmentLineItem",
    "Return",
    "ReturnLineItem",
    "ReverseFulfillmentOrder",
    "ReverseFulfillmentOrderLineItem",
    "ReverseFulfillmentOrderDisposition",
    "FulfillmentOrder",
    "FulfillmentOrderLineItem",
    "FulfillmentEvent",
)

GID_PREFIX: Final = "gid://shopify/"


def _first_id(kind: str) -> int:
    return ID_BASE + KINDS.index(kind) * _KIND_STRIDE + 1


def allocate_ids(kind: str, count: int) -> range:
    """Reserve ``count`` consecutive ids of ``kind`` (one of :data:`KINDS`).

    Uses a row lock on the kind's sequence row, so concurrent writers (a threaded server, a
    seeding command) never hand out the same id."""
    if count <= 0:
        return range(0)
    with transaction.atomic():
        seq, _ = SandboxIdSequence.objects.select_for_update().get_or_create(
            name=kind, defaults={"next_value": _first_id(kind)}
        )
        first = seq.next_value
        seq.next_value = first + count
        seq.save(update_fields=["next_value"])
    return range(first, first + count)


def allocate_id(kind: str) -> int:
    """One new id of ``kind``."""
    return allocate_ids(kind, 1)[0]


def gid(kind: str, number: int, **params: int | str) -> str:
    """``gid://shopify/<kind>/<number>[?k=v&…]`` (params keep their given order)."""
    value = f"{GID_PREFIX}{kind}/{number}"
    if params:
        value += "?" + "&".join(f"{key}={val}" for key, val in params.items())
    return value


def parse_gid(value: str) -> tuple[str, int, dict[str, str]] | None:
    """``(kind, number, params)`` of a GID, or ``None`` when ``value`` is not a sandbox GID."""
    if not isinstance(value, str) or not value.startswith(GID_PREFIX):
        return None
    path, _, query = value[len(GID_PREFIX) :].partition("?")
    kind, _, number = path.partition("/")
    if not kind or not number.isdigit():
        return None
    params = dict(part.split("=", 1) for part in query.split("&") if "=" in part)
    return kind, int(number), params


def parse_gid_of(value: str, kind: str) -> int | None:
    """The numeric id of a GID of the given ``kind``, else ``None``."""
    parsed = parse_gid(value)
    if parsed is None or parsed[0] != kind:
        return None
    return parsed[1]
