"""REST-shaped (snake_case) webhook payloads other than orders (see :mod:`.orders`):
``products/update``, ``inventory_levels/update``, ``app/uninstalled``,
``bulk_operations/finish`` and the compliance topics.

Shapes follow the 2025-01 JSON Schemas and doc samples in
``shared/reference/shopify/webhooks/{schemas,metadatas}/2025-01/<topic>.json`` (channel-apis.md
§1.3): every required key is present, with ``null`` where Shopify sends null; ids are exact JSON
integers; times carry the shop's offset.
"""

from __future__ import annotations

import secrets
from typing import Any

from sandbox.kernel.formats import iso_local, money
from sandbox.shopify.ids import gid
from sandbox.shopify.loading import levels_of, variants_of
from sandbox.shopify.models import (
    SandboxBulkOperation,
    SandboxCustomer,
    SandboxInventoryLevel,
    SandboxProduct,
    SandboxShop,
)


def product_payload(product: SandboxProduct, shop: SandboxShop) -> dict[str, Any]:
    """Payload of ``products/update`` (variants with their inventory loaded by the caller)."""
    tz = shop.iana_timezone
    variants = variants_of(product)
    image = {
        "admin_graphql_api_id": gid("ProductImage", product.image_id),
        "alt": product.title,
        "created_at": iso_local(product.created_at, tz),
        "height": 1200,
        "id": product.image_id,
        "position": 1,
        "product_id": product.id,
        "src": f"https://cdn.shopify.com/s/files/1/{shop.id % 10**10}/files/{product.handle}.jpg",
        "updated_at": iso_local(product.created_at, tz),
        "variant_ids": [],
        "width": 900,
    }
    quantities = {v.id: sum(lv.available for lv in levels_of(v.inventory_item)) for v in variants}
    return {
        "admin_graphql_api_id": gid("Product", product.id),
        "body_html": product.body_html,
        "created_at": iso_local(product.created_at, tz),
        "handle": product.handle,
        "id": product.id,
        "product_type": product.product_type,
        "published_at": iso_local(product.published_at, tz),
        "template_suffix": None,
        "title": product.title,
        "updated_at": iso_local(product.updated_at, tz),
        "vendor": product.vendor,
        "status": product.status.lower(),
        "published_scope": "global",
        "tags": ", ".join(product.tags),
        "variants": [
            {
                "admin_graphql_api_id": gid("ProductVariant", v.id),
                "barcode": v.barcode or None,
                "compare_at_price": money(v.compare_at_price) if v.compare_at_price else None,
                "created_at": iso_local(v.created_at, tz),
                "id": v.id,
                "inventory_policy": "deny",
                "position": v.position,
                "price": money(v.price),
                "product_id": product.id,
                "sku": v.sku or None,
                "taxable": True,
                "title": v.title,
                "updated_at": iso_local(v.updated_at, tz),
                "option1": v.options[0] if v.options else v.title,
                "option2": v.options[1] if len(v.options) > 1 else None,
                "option3": v.options[2] if len(v.options) > 2 else None,
                "image_id": None,
                "inventory_item_id": v.inventory_item.id,
                "inventory_quantity": quantities[v.id],
                "old_inventory_quantity": quantities[v.id],
            }
            for v in variants[:100]
        ],
        "options": [
            {
                "id": product.id + position,
                "name": name,
                "position": position,
                "product_id": product.id,
                "values": list(dict.fromkeys(v.options[position - 1] for v in variants)),
            }
            for position, name in enumerate(product.option_names, start=1)
        ],
        "images": [image],
        "image": image,
        "media": [],
        "variant_gids": [
            {
                "admin_graphql_api_id": gid("ProductVariant", v.id),
                "updated_at": v.updated_at.strftime("%Y-%m-%dT%H:%M:%S.000Z"),
            }
            for v in sorted(variants, key=lambda v: v.updated_at, reverse=True)
        ],
        "has_variants_that_requires_components": False,
        "category": None,
    }


def inventory_level_payload(level: SandboxInventoryLevel, shop: SandboxShop) -> dict[str, Any]:
    """Payload of ``inventory_levels/update`` (all five keys the schema requires)."""
    return {
        "inventory_item_id": level.item_id,
        "location_id": level.location_id,
        "available": level.available,
        "updated_at": iso_local(level.updated_at, shop.iana_timezone),
        "admin_graphql_api_id": gid(
            "InventoryLevel", level.location_id, inventory_item_id=level.item_id
        ),
    }


def shop_payload(shop: SandboxShop) -> dict[str, Any]:
    """Payload of ``app/uninstalled``: the shop resource."""
    tz = shop.iana_timezone
    primary = shop.locations.filter(is_primary=True).first()
    return {
        "id": shop.id,
        "name": shop.name,
        "email": shop.email,
        "domain": shop.domain,
        "province": shop.province,
        "country": "IN",
        "address1": shop.address1,
        "zip": shop.zip,
        "city": shop.city,
        "source": None,
        "phone": shop.phone,
        "latitude": None,
        "longitude": None,
        "primary_locale": "en",
        "address2": None,
        "created_at": iso_local(shop.created_at, tz),
        "updated_at": iso_local(shop.updated_at, tz),
        "country_code": "IN",
        "country_name": "India",
        "currency": shop.currency,
        "customer_email": shop.email,
        "timezone": "(GMT+05:30) Asia/Kolkata",
        "iana_timezone": tz,
        "shop_owner": shop.shop_owner,
        "money_format": "₹{{amount}}",
        "money_with_currency_format": "₹{{amount}} INR",
        "weight_unit": "kg",
        "province_code": shop.province_code,
        "taxes_included": True,
        "auto_configure_tax_inclusivity": None,
        "tax_shipping": False,
        "county_taxes": True,
        "plan_display_name": "Basic",
        "plan_name": "basic",
        "has_discounts": True,
        "has_gift_cards": False,
        "myshopify_domain": shop.domain,
        "google_apps_domain": None,
        "google_apps_login_enabled": None,
        "money_in_emails_format": "₹{{amount}}",
        "money_with_currency_in_emails_format": "₹{{amount}} INR",
        "eligible_for_payments": False,
        "requires_extra_payments_agreement": False,
        "password_enabled": False,
        "has_storefront": True,
        "finances": True,
        "primary_location_id": primary.id if primary else shop.id,
        "checkout_api_supported": True,
        "multi_location_enabled": True,
        "setup_required": False,
        "pre_launch_enabled": False,
        "enabled_presentment_currencies": [shop.currency],
        "marketing_sms_consent_enabled_at_checkout": False,
        "transactional_sms_disabled": False,
    }


def bulk_finish_payload(op: SandboxBulkOperation, shop: SandboxShop) -> dict[str, Any]:
    """Payload of ``bulk_operations/finish`` (shopify.dev "Perform bulk operations")."""
    return {
        "admin_graphql_api_id": gid("BulkOperation", op.id),
        "completed_at": iso_local(op.completed_at, shop.iana_timezone),
        "created_at": iso_local(op.created_at, shop.iana_timezone),
        "error_code": op.error_code.lower() or None,
        "status": op.status.lower(),
        "type": "query",
    }


def compliance_payload(shop: SandboxShop, topic: str) -> dict[str, Any]:
    """Default body of a mandatory compliance topic for the shop's first customer, in the
    shapes of channel-apis.md §1.3 (``customers/data_request``, ``customers/redact``,
    ``shop/redact``). Raises ``LookupError`` when a customer topic has no customer."""
    payload: dict[str, Any] = {"shop_id": shop.id, "shop_domain": shop.domain}
    if topic == "shop/redact":
        return payload
    customer = SandboxCustomer.objects.filter(shop=shop).order_by("id").first()
    if customer is None:
        raise LookupError(f"{shop.domain} has no customers")
    order_ids = list(customer.orders.order_by("id").values_list("id", flat=True))
    payload["customer"] = {"id": customer.id, "email": customer.email, "phone": customer.phone}
    if topic == "customers/redact":
        payload["orders_to_redact"] = order_ids
    else:
        payload["orders_requested"] = order_ids
        payload["data_request"] = {"id": secrets.randbelow(9 * 10**6) + 10**6}
    return payload
