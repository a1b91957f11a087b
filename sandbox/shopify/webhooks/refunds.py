"""The REST-shaped payload of ``refunds/create``, built from a stored ``SandboxRefund`` (the
same rows ``Order.refunds`` serves over GraphQL, so both say the same thing).

Keys follow ``shared/reference/shopify/webhooks/schemas/2025-01/refunds/create.json`` and the
doc sample in ``metadatas/2025-01/refunds/create.json``: every required key is present, ``null``
where Shopify sends null; ids are exact JSON integers; ``subtotal``/``total_tax`` of a refund
line are JSON numbers while money elsewhere is two-place strings with ``*_set`` MoneyBags;
times carry the shop's offset. ``restock_type`` is ``return`` / ``cancel`` / ``no_restock``
(``RefundLineItemRestockType``); ``location_id`` is where restocked units went (null when
nothing was restocked). ``line_item`` is the line as it stands right after the refund (its
``fulfillment_status`` says whether any unit had shipped). Duties, shipping refunds and order
adjustments are always empty.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from sandbox.kernel.formats import iso_local, money, rest_money_set
from sandbox.shopify.constants import COD_GATEWAY
from sandbox.shopify.ids import gid
from sandbox.shopify.models import SandboxRefund, SandboxRefundLineItem, SandboxShop
from sandbox.shopify.webhooks.orders import line_item_payload


def staff_user_id(shop: SandboxShop) -> int:
    """The id of the shop owner's staff account, who issues sandbox refunds (the sandbox keeps
    no staff records; Shopify staff ids are small integers such as ``548380009``)."""
    return 100_000_000 + shop.id % 900_000_000


def refund_payload(
    refund: SandboxRefund, lines: Sequence[SandboxRefundLineItem], shop: SandboxShop
) -> dict[str, Any]:
    """Payload of ``refunds/create`` for ``refund`` of ``refund.order`` with its ``lines`` (their
    ``line_item`` as it stands after the refund)."""
    order = refund.order
    tz, cur = shop.iana_timezone, order.currency
    at = iso_local(refund.created_at, tz)
    discount_index = 0 if order.discount_codes else None
    return {
        "id": refund.id,
        "order_id": order.id,
        "created_at": at,
        "note": refund.note,
        "user_id": staff_user_id(shop),
        "processed_at": at,
        "duties": [],
        "total_duties_set": rest_money_set(Decimal("0"), cur),
        "return": (
            {
                "id": refund.return_request_id,
                "admin_graphql_api_id": gid("Return", refund.return_request_id),
            }
            if refund.return_request_id
            else None
        ),
        "restock": any(line.restock_type in ("return", "cancel") for line in lines),
        "refund_shipping_lines": [],
        "admin_graphql_api_id": gid("Refund", refund.id),
        "order_adjustments": [],
        "refund_line_items": [
            {
                "id": line.id,
                "quantity": line.quantity,
                "line_item_id": line.line_item_id,
                "location_id": line.location_id,
                "restock_type": line.restock_type,
                "subtotal": float(line.subtotal),
                "total_tax": float(line.total_tax),
                "subtotal_set": rest_money_set(line.subtotal, cur),
                "total_tax_set": rest_money_set(line.total_tax, cur),
                "line_item": line_item_payload(line.line_item, cur, discount_index),
            }
            for line in lines
        ],
        "transactions": [
            {
                "id": refund.transaction_id,
                "order_id": order.id,
                "kind": "refund",
                "gateway": refund.gateway,
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
                "amount": money(refund.amount),
                "currency": cur,
                "payment_id": f"{order.token[:12]}.r{refund.transaction_id % 1000}",
                "total_unsettled_set": {
                    "presentment_money": {"amount": "0.0", "currency": cur},
                    "shop_money": {"amount": "0.0", "currency": cur},
                },
                "manual_payment_gateway": refund.gateway == COD_GATEWAY,
                "amount_rounding": None,
                "admin_graphql_api_id": gid("OrderTransaction", refund.transaction_id),
            }
        ]
        if refund.transaction_id is not None
        else [],
    }
