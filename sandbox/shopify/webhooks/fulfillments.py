"""The REST-shaped fulfillment payload of ``fulfillments/create`` (keys per
``shared/reference/shopify/webhooks/schemas/2025-01/fulfillments/create.json``): the shipped
lines (line items with the shipped ``quantity``), the order's shipping address as
``destination``, the tracking ``fulfillmentCreate`` was given."""

from __future__ import annotations

from typing import Any

from sandbox.kernel.formats import iso_local
from sandbox.shopify.ids import gid
from sandbox.shopify.models import SandboxFulfillment, SandboxShop
from sandbox.shopify.webhooks.orders import ADDRESS_KEYS, line_item_payload


def fulfillment_payload(fulfillment: SandboxFulfillment, shop: SandboxShop) -> dict[str, Any]:
    order, tz = fulfillment.order, shop.iana_timezone
    lines = []
    for line in fulfillment.line_items.select_related("line_item").order_by("id"):
        body = line_item_payload(line.line_item, order.currency, None)
        body["quantity"] = line.quantity
        lines.append(body)
    number = SandboxFulfillment.objects.filter(
        order_id=order.id, created_at__lte=fulfillment.created_at
    ).count()
    address = order.shipping_address or {}
    destination = (
        {key: address.get(key) for key in (*ADDRESS_KEYS, "latitude", "longitude")}
        if address
        else None
    )
    location = fulfillment.fulfillment_order.location_id if fulfillment.fulfillment_order else None
    return {
        "id": fulfillment.id,
        "admin_graphql_api_id": gid("Fulfillment", fulfillment.id),
        "order_id": order.id,
        "name": f"{order.name}.{number}",
        "status": "success" if fulfillment.status == "SUCCESS" else fulfillment.status.lower(),
        "created_at": iso_local(fulfillment.created_at, tz),
        "updated_at": iso_local(fulfillment.updated_at, tz),
        "email": order.email,
        "location_id": location,
        "destination": destination,
        "origin_address": {},
        "receipt": {},
        "service": "manual",
        "shipment_status": None,
        "tracking_company": fulfillment.tracking_company or None,
        "tracking_number": fulfillment.tracking_number or None,
        "tracking_numbers": [fulfillment.tracking_number] if fulfillment.tracking_number else [],
        "tracking_url": fulfillment.tracking_url or None,
        "tracking_urls": [fulfillment.tracking_url] if fulfillment.tracking_url else [],
        "line_items": lines,
    }
