"""JSON shapes the Flipkart sandbox answers with (SDK models ``Shipment``, ``OrderItem``,
``PriceComponent``, ``ReturnItem``, ``MarketplaceListingDetail``; docs examples).

Times are rendered in IST with milliseconds (``2017-04-06T18:15:57.000+05:30``, as in the
docs' notification examples); amounts as JSON numbers in rupees (``295.0``); the order item
key ``is_replacement`` is snake_case, as Flipkart sends it.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from sandbox.flipkart.models import (
    SandboxFlipkartListing,
    SandboxFlipkartOrderItem,
    SandboxFlipkartReturn,
    SandboxFlipkartShipment,
)

IST = ZoneInfo("Asia/Kolkata")
# Item states in which a shipment has no labelled package yet.
UNPACKED = frozenset({"APPROVED", "PACKING_IN_PROGRESS", "FORM_FAILED", "CANCELLED"})


def flipkart_time(moment: datetime | None) -> str | None:
    """``2017-04-06T18:15:57.000+05:30`` (IST), or None."""
    if moment is None:
        return None
    return moment.astimezone(IST).isoformat(timespec="milliseconds")


def amount(value: Decimal) -> float:
    """Rupees as a JSON number (Flipkart sends ``295.0``)."""
    return float(value)


def order_item_json(item: SandboxFlipkartOrderItem, package_ids: list[str]) -> dict[str, Any]:
    """An ``orderItems[]`` entry."""
    cancelled = item.status == "CANCELLED"
    return {
        "orderItemId": item.order_item_id,
        "orderId": item.order_id,
        "cancellationGroupId": f"grp{item.order_item_id}",
        "orderDate": flipkart_time(item.order_date),
        "cancellationDate": flipkart_time(item.cancellation_date),
        "paymentType": item.payment_type,
        "status": item.status,
        "cancellationReason": item.cancellation_reason if cancelled else None,
        "cancellationSubReason": item.cancellation_sub_reason if cancelled else None,
        "courierReturn": item.courier_return,
        "quantity": item.quantity,
        "fsn": item.fsn,
        "sku": item.sku,
        "listingId": item.listing_code,
        "hsn": item.hsn,
        "title": item.title,
        "packageIds": package_ids,
        "priceComponents": {
            "sellingPrice": amount(item.selling_price),
            "totalPrice": amount(item.total_price),
            "shippingCharge": amount(item.shipping_charge),
            "customerPrice": amount(item.customer_price),
            "flipkartDiscount": amount(item.flipkart_discount),
        },
        "serviceProfile": item.service_profile,
        "is_replacement": item.is_replacement,
    }


def shipment_json(
    shipment: SandboxFlipkartShipment, items: Iterable[SandboxFlipkartOrderItem]
) -> dict[str, Any]:
    """A ``shipments[]`` entry with its order items; a packed shipment has one package."""
    rows = sorted(items, key=lambda i: i.order_item_id)
    packed = any(i.status not in UNPACKED for i in rows)
    package_id = f"PKG{shipment.shipment_id.replace('-', '')[:12].upper()}"
    packages = (
        [
            {
                "id": package_id,
                "name": rows[0].title if rows else "",
                "dimensions": {"length": 30.0, "breadth": 25.0, "height": 5.0},
                "weight": 0.4,
                "description": "",
                "handling": {"fragile": False},
                "notional_value": {"amount": 100.0, "unit": "PERCENTAGE"},
            }
        ]
        if packed
        else []
    )
    return {
        "shipmentId": shipment.shipment_id,
        "dispatchByDate": flipkart_time(shipment.dispatch_by_date),
        "dispatchAfterDate": flipkart_time(shipment.dispatch_after_date),
        "updatedAt": flipkart_time(shipment.updated_at),
        "locationId": shipment.location_id,
        "hold": shipment.hold,
        "mps": shipment.mps,
        "packagingPolicy": shipment.packaging_policy,
        "subShipments": [{"subShipmentId": "SS-1", "packages": packages}],
        "orderItems": [order_item_json(i, [package_id] if packed else []) for i in rows],
        "forms": [],
        "shipmentType": shipment.shipment_type,
    }


def return_json(ret: SandboxFlipkartReturn, seller_id: str) -> dict[str, Any]:
    """A ``returnItems[]`` entry of ``GET /v2/returns``."""
    item = ret.order_item
    return {
        "orderItemId": item.order_item_id,
        "locationId": item.shipment.location_id,
        "orderId": item.order_id,
        "quantity": ret.quantity,
        "orderDate": flipkart_time(item.order_date),
        "createdDate": flipkart_time(ret.created_at),
        "courierName": ret.courier_name,
        "sellerId": seller_id,
        "returnId": ret.return_id,
        "status": ret.status,
        "type": ret.return_type,
        "reason": ret.reason,
        "subReason": ret.sub_reason,
        "trackingId": ret.tracking_id,
        "shipmentStatus": ret.shipment_status,
        "shipmentId": item.shipment.shipment_id,
        "comments": ret.comments,
        "updatedDate": flipkart_time(ret.updated_at),
        "approvedOn": flipkart_time(ret.approved_on),
        "expectedDate": flipkart_time(ret.expected_date),
        "serviceProfile": item.service_profile,
        "services": [],
    }


def listing_json(listing: SandboxFlipkartListing) -> dict[str, Any]:
    """One ``available`` entry of ``GET /listings/v3/{skuIds}`` (docs "Get listings for
    SKUs"); ``selling_price`` (schema) and ``flipkart_selling_price`` (example) both given."""
    price = int(listing.selling_price)
    return {
        "listing_id": listing.listing_id,
        "product_id": listing.fsn,
        "product_title": listing.title,
        "price": {
            "mrp": int(listing.mrp),
            "selling_price": price,
            "flipkart_selling_price": price,
            "currency": "INR",
        },
        "tax": {"hsn": listing.hsn, "tax_code": f"GST_{'5' if price <= 1000 else '12'}"},
        "listing_status": listing.listing_status,
        "shipping_fees": {"local": 0, "zonal": 0, "national": 0, "currency": "INR"},
        "fulfillment_profile": "NON_FBF",
        "fulfillment": {
            "dispatch_sla": 2,
            "shipping_provider": "FLIPKART",
            "procurement_type": "REGULAR",
        },
        "locations": [
            {"id": s.location_id, "status": s.status, "inventory": s.inventory}
            for s in sorted(listing.stock.all(), key=lambda s: s.location_id)
        ],
        "archived_status": "NONE",
    }
