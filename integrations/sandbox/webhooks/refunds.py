"""The REST-shaped payload of ``refunds/create``.

Keys follow ``shared/reference/shopify/webhooks/schemas/2025-01/refunds/create.json`` and the
doc sample in ``metadatas/2025-01/refunds/create.json``: every required key is present, ``null``
where Shopify sends null; ids are exact JSON integers; ``subtotal``/``total_tax`` of a refund
line are JSON numbers while money elsewhere is two-place strings with ``*_set`` MoneyBags;
times carry the shop's offset. ``restock_type`` is ``return`` / ``cancel`` / ``no_restock``
(``RefundLineItemRestockType``); ``location_id`` is where restocked units went (null when
nothing was restocked). Duties, shipping refunds and order adjustments are always empty.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from integrations.sandbox.constants import COD_GATEWAY
from integrations.sandbox.formats import iso_local, money, rest_money_set
from integrations.sandbox.ids import gid
from integrations.sandbox.models import SandboxLineItem, SandboxOrder, SandboxShop
from integrations.sandbox.webhooks.orders import line_item_payload


@dataclass(frozen=True)
class RefundLine:
    """One refunded line: ``quantity`` units of ``item``; ``subtotal`` (GST-inclusive, after
    discounts) and ``tax`` (the GST in it) in rupees for those units."""

    id: int
    item: SandboxLineItem
    quantity: int
    restock_type: str
    location_id: int | None
    subtotal: Decimal
    tax: Decimal


@dataclass(frozen=True)
class RefundTransaction:
    """The money sent back (``kind`` refund) through ``gateway``."""

    id: int
    amount: Decimal
    gateway: str


def staff_user_id(shop: SandboxShop) -> int:
    """The id of the shop owner's staff account, who issues sandbox refunds (the sandbox keeps
    no staff records; Shopify staff ids are small integers such as ``548380009``)."""
    return 100_000_000 + shop.id % 900_000_000


def refund_payload(
    *,
    refund_id: int,
    order: SandboxOrder,
    shop: SandboxShop,
    lines: list[RefundLine],
    transactions: list[RefundTransaction],
    note: str,
    created_at: datetime,
) -> dict[str, Any]:
    """Payload of ``refunds/create`` for one refund of ``order``."""
    tz, cur = shop.iana_timezone, order.currency
    at = iso_local(created_at, tz)
    discount_index = 0 if order.discount_codes else None
    return {
        "id": refund_id,
        "order_id": order.id,
        "created_at": at,
        "note": note,
        "user_id": staff_user_id(shop),
        "processed_at": at,
        "duties": [],
        "total_duties_set": rest_money_set(Decimal("0"), cur),
        "return": None,
        "restock": any(line.restock_type in ("return", "cancel") for line in lines),
        "refund_shipping_lines": [],
        "admin_graphql_api_id": gid("Refund", refund_id),
        "order_adjustments": [],
        "refund_line_items": [
            {
                "id": line.id,
                "quantity": line.quantity,
                "line_item_id": line.item.id,
                "location_id": line.location_id,
                "restock_type": line.restock_type,
                "subtotal": float(line.subtotal),
                "total_tax": float(line.tax),
                "subtotal_set": rest_money_set(line.subtotal, cur),
                "total_tax_set": rest_money_set(line.tax, cur),
                "line_item": line_item_payload(line.item, cur, discount_index),
            }
            for line in lines
        ],
        "transactions": [
            {
                "id": tx.id,
                "order_id": order.id,
                "kind": "refund",
                "gateway": tx.gateway,
                "status": "success",
                "message": None,
                "created_at": at,
                "test": order.test,
                "authorization": None,
                "location_id": None,
                "user_id": None,
                "parent_id": None,
                "processed_at": at,
                "device_id": None,
                "error_code": None,
                "source_name": "web",
                "receipt": {},
                "amount": money(tx.amount),
                "currency": cur,
                "payment_id": f"{order.token[:12]}.r{tx.id % 1000}",
                "total_unsettled_set": {
                    "presentment_money": {"amount": "0.0", "currency": cur},
                    "shop_money": {"amount": "0.0", "currency": cur},
                },
                "manual_payment_gateway": tx.gateway == COD_GATEWAY,
                "amount_rounding": None,
                "admin_graphql_api_id": gid("OrderTransaction", tx.id),
            }
            for tx in transactions
        ],
    }
