"""The REST-shaped order payload of ``orders/create|updated|cancelled|paid|fulfilled``.

Keys follow ``shared/reference/shopify/webhooks/schemas/2025-01/orders/create.json`` and its doc
sample (channel-apis.md §1.3): every required key is present, ``null`` where Shopify sends null;
ids are exact JSON integers (> 2^53) next to ``admin_graphql_api_id``; money is two-place
decimal strings with ``*_set`` MoneyBags; times carry the shop's offset.

Narrowings forced by the reference schema (inferred from Shopify's samples): ``refunds`` and
``returns`` must be empty lists, and ``fulfillments`` is empty because the schema types a
fulfillment's tax rate as an integer; ``discount_applications`` lists discount codes only.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sandbox.kernel.formats import iso_local, money, rest_money_set
from sandbox.shopify.ids import gid
from sandbox.shopify.loading import line_items_of
from sandbox.shopify.models import SandboxCustomer, SandboxLineItem, SandboxOrder, SandboxShop

ZERO = Decimal("0")


# REST address keys (customer default addresses omit the coordinates).
ADDRESS_KEYS = (
    "first_name",
    "last_name",
    "name",
    "company",
    "address1",
    "address2",
    "city",
    "province",
    "province_code",
    "zip",
    "country",
    "country_code",
    "phone",
)


def _address(data: dict[str, Any]) -> dict[str, Any] | None:
    if not data:
        return None
    return {key: data.get(key) for key in (*ADDRESS_KEYS, "latitude", "longitude")}


def _customer(customer: SandboxCustomer | None, tz: str, currency: str) -> dict[str, Any] | None:
    if customer is None:
        return None
    default_address = {
        "id": customer.address["id"],
        "customer_id": customer.id,
        **{k: customer.address.get(k) for k in ADDRESS_KEYS},
        "country_name": customer.address.get("country"),
        "default": True,
    }
    return {
        "id": customer.id,
        "email": customer.email,
        "created_at": iso_local(customer.created_at, tz),
        "updated_at": iso_local(customer.updated_at, tz),
        "first_name": customer.first_name,
        "last_name": customer.last_name,
        "state": "disabled",
        "note": None,
        "verified_email": True,
        "multipass_identifier": None,
        "tax_exempt": False,
        "phone": customer.phone or None,
        "currency": currency,
        "tax_exemptions": [],
        "admin_graphql_api_id": gid("Customer", customer.id),
        "default_address": default_address,
    }


def _tax_lines(lines: list[dict[str, str]], currency: str) -> list[dict[str, Any]]:
    return [
        {
            "channel_liable": False,
            "price": money(line["amount"]),
            "price_set": rest_money_set(line["amount"], currency),
            "rate": float(Decimal(line["rate"])),
            "title": line["title"],
        }
        for line in lines
    ]


def line_item_payload(
    item: SandboxLineItem, currency: str, discount_index: int | None
) -> dict[str, Any]:
    """A REST line item (in orders/* bodies and in a refund line's ``line_item``)."""
    unfulfilled = max(item.current_quantity - item.fulfilled_quantity, 0)
    allocations = []
    if discount_index is not None and item.total_discount:
        allocations.append(
            {
                "amount": money(item.total_discount),
                "amount_set": rest_money_set(item.total_discount, currency),
                "discount_application_index": discount_index,
            }
        )
    pre_tax = (
        item.price * item.quantity
        - item.total_discount
        - sum((Decimal(t["amount"]) for t in item.tax_lines), ZERO)
    )
    return {
        "id": item.id,
        "admin_graphql_api_id": gid("LineItem", item.id),
        "attributed_staffs": [],
        "current_quantity": item.current_quantity,
        "fulfillable_quantity": unfulfilled,
        "fulfillment_service": "manual",
        "fulfillment_status": item.fulfillment_status,
        "gift_card": False,
        "grams": item.grams,
        "name": item.name,
        "pre_tax_price": money(pre_tax),
        "pre_tax_price_set": rest_money_set(pre_tax, currency),
        "price": money(item.price),
        "price_set": rest_money_set(item.price, currency),
        "product_exists": item.product_id is not None,
        "product_id": item.product_id,
        "properties": [],
        "quantity": item.quantity,
        "requires_shipping": True,
        "sales_line_item_group_id": None,
        "sku": item.sku,
        "taxable": True,
        "title": item.title,
        "total_discount": money(item.total_discount),
        "total_discount_set": rest_money_set(item.total_discount, currency),
        "variant_id": item.variant_id,
        "variant_inventory_management": "shopify",
        "variant_title": item.variant_title or None,
        "vendor": item.vendor,
        "tax_lines": _tax_lines(item.tax_lines, currency),
        "duties": [],
        "discount_allocations": allocations,
    }


def _current(order: SandboxOrder, amount: Decimal) -> Decimal:
    if order.cancelled_at is not None or order.total_price == 0:
        return ZERO
    return (amount * (order.total_price - order.total_refunded) / order.total_price).quantize(
        Decimal("0.01")
    )


def order_payload(order: SandboxOrder, shop: SandboxShop) -> dict[str, Any]:
    """Payload of ``orders/create|updated|cancelled|paid|fulfilled`` for ``order`` (line items
    and customer loaded by the caller to avoid extra queries)."""
    tz, cur = shop.iana_timezone, order.currency
    items = line_items_of(order)
    line_total = sum((i.price * i.quantity for i in items), ZERO)
    tax = [t for i in items for t in i.tax_lines]
    by_rate: dict[tuple[str, str], Decimal] = {}
    for line in tax:
        by_rate[(line["title"], line["rate"])] = by_rate.get(
            (line["title"], line["rate"]), ZERO
        ) + Decimal(line["amount"])
    outstanding = (
        order.total_price
        if order.financial_status == "PENDING" and not (order.cancelled_at)
        else ZERO
    )
    shipping_set = rest_money_set(order.total_shipping, cur)
    discount_index = 0 if order.discount_codes else None
    money_fields = {
        "current_subtotal_price": _current(order, order.subtotal),
        "current_total_discounts": _current(order, order.total_discounts),
        "current_total_price": _current(order, order.total_price),
        "current_total_tax": _current(order, order.total_tax),
        "subtotal_price": order.subtotal,
        "total_discounts": order.total_discounts,
        "total_line_items_price": line_total,
        "total_price": order.total_price,
        "total_tax": order.total_tax,
    }
    payload: dict[str, Any] = {
        "id": order.id,
        "admin_graphql_api_id": gid("Order", order.id),
        "app_id": None,
        "browser_ip": None,
        "buyer_accepts_marketing": bool(order.customer and order.customer.accepts_marketing),
        "cancel_reason": order.cancel_reason.lower() or None,
        "cancelled_at": iso_local(order.cancelled_at, tz),
        "cart_token": None,
        "checkout_id": None,
        "checkout_token": None,
        "client_details": None,
        "closed_at": iso_local(order.closed_at, tz),
        "confirmation_number": order.token[:9].upper(),
        "confirmed": True,
        "contact_email": order.email,
        "created_at": iso_local(order.created_at, tz),
        "currency": cur,
        "current_shipping_price_set": rest_money_set(_current(order, order.total_shipping), cur),
        "current_total_additional_fees_set": None,
        "current_total_duties_set": None,
        "customer_locale": "en-IN",
        "device_id": None,
        "discount_codes": [
            {"code": d["code"], "amount": money(d["amount"]), "type": d["type"]}
            for d in order.discount_codes
        ],
        "discount_applications": [
            {
                "allocation_method": "across",
                "code": d["code"],
                "target_selection": "entitled",
                "target_type": "line_item",
                "type": "discount_code",
                "value": d["value"],
                "value_type": d["type"],
            }
            for d in order.discount_codes
        ],
        "duties_included": False,
        "email": order.email,
        "estimated_taxes": False,
        "financial_status": order.financial_status.lower(),
        "fulfillment_status": {"FULFILLED": "fulfilled", "PARTIALLY_FULFILLED": "partial"}.get(
            order.fulfillment_status
        ),
        "fulfillments": [],
        "landing_site": None,
        "landing_site_ref": None,
        "line_items": [line_item_payload(i, cur, discount_index) for i in items],
        "location_id": None,
        "merchant_business_entity_id": f"MTU{shop.id % 10**10}",
        "merchant_of_record_app_id": None,
        "name": order.name,
        "note": order.note or None,
        "note_attributes": [],
        "number": order.number - 1000,
        "order_number": order.number,
        "order_status_url": f"https://{shop.domain}/{shop.id}/orders/{order.token}/authenticate"
        f"?key={order.token}",
        "original_total_additional_fees_set": None,
        "original_total_duties_set": None,
        "payment_gateway_names": list(order.payment_gateway_names),
        "payment_terms": None,
        "phone": order.phone or None,
        "po_number": None,
        "presentment_currency": cur,
        "processed_at": iso_local(order.processed_at, tz),
        "reference": None,
        "referring_site": None,
        "refunds": [],
        "returns": [],
        "billing_address": _address(order.billing_address),
        "shipping_address": _address(order.shipping_address),
        "shipping_lines": [
            {
                "id": order.shipping_line_id,
                "carrier_identifier": None,
                "code": order.shipping_title,
                "current_discounted_price_set": shipping_set,
                "discount_allocations": [],
                "discounted_price": money(order.total_shipping),
                "discounted_price_set": shipping_set,
                "is_removed": False,
                "phone": None,
                "price": money(order.total_shipping),
                "price_set": shipping_set,
                "requested_fulfillment_service_id": None,
                "source": "shopify",
                "tax_lines": [],
                "title": order.shipping_title,
            }
        ],
        "source_identifier": None,
        "source_name": order.source_name,
        "source_url": None,
        "tags": ", ".join(order.tags),
        "tax_exempt": False,
        "tax_lines": _tax_lines(
            [{"title": t, "rate": r, "amount": str(a)} for (t, r), a in by_rate.items()], cur
        ),
        "taxes_included": True,
        "test": order.test,
        "token": order.token,
        "total_cash_rounding_payment_adjustment_set": rest_money_set(ZERO, cur),
        "total_cash_rounding_refund_adjustment_set": rest_money_set(ZERO, cur),
        "total_outstanding": money(outstanding),
        "total_shipping_price_set": shipping_set,
        "total_tip_received": "0.00",
        "total_weight": sum(i.grams * i.quantity for i in items),
        "updated_at": iso_local(order.updated_at, tz),
        "user_id": None,
        "customer": _customer(order.customer, tz, cur),
    }
    for key, amount in money_fields.items():
        payload[key] = money(amount)
        payload[f"{key}_set"] = rest_money_set(amount, cur)
    payload["current_subtotal_price_set"] = rest_money_set(
        money_fields["current_subtotal_price"], cur
    )
    return payload
