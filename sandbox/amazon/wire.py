"""JSON shapes of SP-API resources, built from sandbox rows.

Orders API v0 (``ordersV0.json``): ``Money`` is ``{"CurrencyCode", "Amount"}`` with the amount a
decimal **string**; timestamps are UTC with ``Z``. A ``Pending`` order (payment not yet
authorised) has no ``OrderTotal`` and no ``ShippingAddress``, and its items carry no prices,
taxes, promotions or gift status (getOrderItems description). Without a Restricted Data Token
the shipping address holds only its non-PII parts (city, state, postal code, country).

Reports/Feeds 2021-06-30 timestamps are ISO 8601 with ``+00:00``; Listings Items 2021-08-01
``Money`` is ``{"currencyCode", "amount"}``.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sandbox.amazon.constants import COUNTRY, CURRENCY
from sandbox.amazon.models import (
    SandboxAmazonListing,
    SandboxAmazonOrder,
    SandboxAmazonOrderItem,
)
from sandbox.kernel.formats import iso_utc, money

SALES_CHANNEL = "Amazon.in"


def iso_offset(value: datetime | None) -> str | None:
    """Reports/Feeds timestamp: ``2024-05-01T03:58:30+00:00``."""
    if value is None:
        return None
    return value.astimezone(UTC).replace(microsecond=0).isoformat()


def errors(code: str, message: str, details: str = "") -> dict[str, Any]:
    """The SP-API error envelope ``{"errors": [{"code", "message", "details"}]}``."""
    return {"errors": [{"code": code, "message": message, "details": details}]}


def order_money(amount: Decimal) -> dict[str, str]:
    """Orders API ``Money``: ``{"CurrencyCode": "INR", "Amount": "499.00"}``."""
    return {"CurrencyCode": CURRENCY, "Amount": money(amount)}


def order_json(order: SandboxAmazonOrder) -> dict[str, Any]:
    """One ``Order`` of getOrders/getOrder."""
    pending = order.status == "Pending"
    body: dict[str, Any] = {
        "AmazonOrderId": order.amazon_order_id,
        "SellerOrderId": order.seller_order_id or order.amazon_order_id,
        "PurchaseDate": iso_utc(order.purchase_date),
        "LastUpdateDate": iso_utc(order.last_update_date),
        "OrderStatus": order.status,
        "FulfillmentChannel": order.fulfillment_channel,
        "SalesChannel": SALES_CHANNEL,
        "ShipServiceLevel": order.ship_service_level,
    }
    if not pending:
        body["OrderTotal"] = order_money(order.order_total)
    body.update(
        {
            "NumberOfItemsShipped": order.items_shipped,
            "NumberOfItemsUnshipped": order.items_unshipped,
            "PaymentMethod": order.payment_method,
            "PaymentMethodDetails": list(order.payment_method_details),
            "MarketplaceId": order.seller.marketplace_id,
            "ShipmentServiceLevelCategory": order.shipment_category,
            "OrderType": "StandardOrder",
            "EarliestShipDate": iso_utc(order.earliest_ship_date),
            "LatestShipDate": iso_utc(order.latest_ship_date),
            "EarliestDeliveryDate": iso_utc(order.earliest_delivery_date),
            "LatestDeliveryDate": iso_utc(order.latest_delivery_date),
            "IsBusinessOrder": order.is_business_order,
            "IsPrime": order.is_prime,
            "IsPremiumOrder": order.is_premium_order,
            "IsGlobalExpressEnabled": False,
            "IsReplacementOrder": False,
            "IsSoldByAB": False,
            "IsIBA": False,
            "IsISPU": False,
            "IsAccessPointOrder": False,
            "HasRegulatedItems": False,
            "ElectronicInvoiceStatus": "NotRequired",
        }
    )
    if order.fulfillment_channel == "MFN":
        body["AutomatedShippingSettings"] = {"HasAutomatedShippingSettings": False}
    if not pending:
        body["ShippingAddress"] = {
            "City": order.ship_city,
            "StateOrRegion": order.ship_state,
            "PostalCode": order.ship_postal_code,
            "CountryCode": COUNTRY,
        }
    if order.is_business_order and order.purchase_order_number:
        body["BuyerInfo"] = {"PurchaseOrderNumber": order.purchase_order_number}
    return body


def order_item_json(item: SandboxAmazonOrderItem, status: str) -> dict[str, Any]:
    """One ``OrderItem`` of getOrderItems for an order in ``status``."""
    body: dict[str, Any] = {
        "ASIN": item.asin,
        "SellerSKU": item.seller_sku,
        "OrderItemId": item.order_item_id,
        "Title": item.title,
        "QuantityOrdered": item.quantity_ordered,
        "QuantityShipped": item.quantity_shipped,
        "ProductInfo": {"NumberOfItems": "1"},
    }
    if status != "Pending":
        zero = Decimal("0")
        body.update(
            {
                "ItemPrice": order_money(item.item_price),
                "ItemTax": order_money(item.item_tax),
                "ShippingPrice": order_money(item.shipping_price),
                "ShippingTax": order_money(item.shipping_tax),
                "ShippingDiscount": order_money(item.shipping_discount),
                "ShippingDiscountTax": order_money(zero),
                "PromotionDiscount": order_money(item.promotion_discount),
                "PromotionDiscountTax": order_money(zero),
                # A string in the model and in Amazon's own sandbox answer.
                "IsGift": "true" if item.is_gift else "false",
            }
        )
        if item.promotion_ids:
            body["PromotionIds"] = list(item.promotion_ids)
    body.update(
        {
            "ConditionId": "New",
            "ConditionSubtypeId": "New",
            "IsTransparency": False,
            "SerialNumberRequired": False,
        }
    )
    return body


def listing_json(
    listing: SandboxAmazonListing, marketplace_id: str, included: set[str]
) -> dict[str, Any]:
    """A Listings Items ``Item`` with the requested ``includedData`` sets (``summaries``,
    ``attributes``, ``issues``, ``offers``, ``fulfillmentAvailability``; others are empty)."""
    body: dict[str, Any] = {"sku": listing.sku}
    price = money(listing.price)
    if "summaries" in included:
        body["summaries"] = [
            {
                "marketplaceId": marketplace_id,
                "asin": listing.asin,
                "productType": listing.product_type,
                "conditionType": "new_new",
                "status": ["BUYABLE", "DISCOVERABLE"] if listing.quantity > 0 else ["DISCOVERABLE"],
                "itemName": listing.title,
                "createdDate": iso_utc(listing.created_at),
                "lastUpdatedDate": iso_utc(listing.updated_at),
            }
        ]
    if "attributes" in included:
        body["attributes"] = {
            "item_name": [
                {"value": listing.title, "language_tag": "en_IN", "marketplace_id": marketplace_id}
            ],
            "condition_type": [{"value": "new_new", "marketplace_id": marketplace_id}],
            "purchasable_offer": [
                {
                    "marketplace_id": marketplace_id,
                    "currency": CURRENCY,
                    "audience": "ALL",
                    "our_price": [{"schedule": [{"value_with_tax": float(listing.price)}]}],
                }
            ],
            "fulfillment_availability": [
                {"fulfillment_channel_code": "DEFAULT", "quantity": listing.quantity}
            ],
        }
    if "issues" in included:
        body["issues"] = []
    if "offers" in included:
        body["offers"] = [
            {
                "marketplaceId": marketplace_id,
                "offerType": "B2C",
                "price": {"currencyCode": CURRENCY, "amount": price},
                "audience": {"value": "ALL", "displayName": "Sell on Amazon"},
            }
        ]
    if "fulfillmentAvailability" in included:
        body["fulfillmentAvailability"] = [
            {"fulfillmentChannelCode": "DEFAULT", "quantity": listing.quantity}
        ]
    for name in ("procurement", "relationships", "productTypes"):
        if name in included:
            body[name] = []
    return body
