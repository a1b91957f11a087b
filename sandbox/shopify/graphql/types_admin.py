"""Resolvers of ``Shop``, ``WebhookSubscription`` and ``BulkOperation``.

``UnsignedInt64`` fields (``legacyResourceId``, ``objectCount``, ``fileSize``…) are strings of
digits, per the scalar's description in the 2025-01 schema.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.urls import reverse
from graphql import GraphQLResolveInfo

from sandbox.kernel.formats import iso_utc
from sandbox.shopify.constants import supported_api_versions
from sandbox.shopify.graphql.context import ctx
from sandbox.shopify.ids import gid
from sandbox.shopify.models import (
    SandboxBulkOperation,
    SandboxShop,
    SandboxWebhookSubscription,
)

Resolver = Callable[..., Any]


def _at(field: str) -> Resolver:
    return lambda obj, info: iso_utc(getattr(obj, field))


SHOP: dict[str, Resolver] = {
    "id": lambda s, info: gid("Shop", s.id),
    "name": lambda s, info: s.name,
    "email": lambda s, info: s.email,
    "contactEmail": lambda s, info: s.email,
    "shopOwnerName": lambda s, info: s.shop_owner,
    "myshopifyDomain": lambda s, info: s.domain,
    "url": lambda s, info: f"https://{s.domain}",
    "primaryDomain": lambda s, info: {
        "id": gid("Domain", s.id),
        "host": s.domain,
        "url": f"https://{s.domain}",
        "sslEnabled": True,
        "localization": None,
        "marketWebPresence": None,
    },
    "billingAddress": lambda s, info: {
        "id": gid("ShopAddress", s.id),
        "address1": s.address1,
        "address2": None,
        "city": s.city,
        "company": s.name,
        "coordinatesValidated": False,
        "country": "India",
        "countryCode": "IN",
        "countryCodeV2": "IN",
        "firstName": None,
        "lastName": None,
        "name": s.name,
        "formatted": [s.name, s.address1, f"{s.city} {s.zip} {s.province_code}", "India"],
        "formattedArea": f"{s.city}, {s.province}, India",
        "latitude": None,
        "longitude": None,
        "phone": s.phone,
        "province": s.province,
        "provinceCode": s.province_code,
        "zip": s.zip,
    },
    "currencyCode": lambda s, info: s.currency,
    "enabledPresentmentCurrencies": lambda s, info: [s.currency],
    "ianaTimezone": lambda s, info: s.iana_timezone,
    "timezoneAbbreviation": lambda s, info: "IST",
    "timezoneOffset": lambda s, info: "+0530",
    "timezoneOffsetMinutes": lambda s, info: 330,
    "weightUnit": lambda s, info: "KILOGRAMS",
    "unitSystem": lambda s, info: "METRIC_SYSTEM",
    "taxesIncluded": lambda s, info: True,
    "taxShipping": lambda s, info: False,
    "setupRequired": lambda s, info: False,
    "checkoutApiSupported": lambda s, info: True,
    "transactionalSmsDisabled": lambda s, info: False,
    "marketingSmsConsentEnabledAtCheckout": lambda s, info: False,
    "orderNumberFormatPrefix": lambda s, info: "#",
    "orderNumberFormatSuffix": lambda s, info: "",
    "description": lambda s, info: None,
    "shipsToCountries": lambda s, info: ["IN"],
    "plan": lambda s, info: {
        "displayName": "Basic",
        "partnerDevelopment": False,
        "shopifyPlus": False,
    },
    "createdAt": _at("created_at"),
    "updatedAt": _at("updated_at"),
}


def _api_version(handle: str) -> dict[str, Any]:
    return {
        "handle": handle,
        "displayName": handle,
        "supported": handle in supported_api_versions(),
    }


WEBHOOK_SUBSCRIPTION: dict[str, Resolver] = {
    "id": lambda w, info: gid("WebhookSubscription", w.id),
    "legacyResourceId": lambda w, info: str(w.id),
    "topic": lambda w, info: w.topic,
    "callbackUrl": lambda w, info: w.callback_url,
    "endpoint": lambda w, info: {
        "__typename": "WebhookHttpEndpoint",
        "callbackUrl": w.callback_url,
    },
    "format": lambda w, info: w.format,
    "apiVersion": lambda w, info: _api_version(w.api_version),
    "includeFields": lambda w, info: list(w.include_fields),
    "metafieldNamespaces": lambda w, info: list(w.metafield_namespaces),
    "filter": lambda w, info: w.filter or None,
    "createdAt": _at("created_at"),
    "updatedAt": _at("updated_at"),
}


def _bulk_url(op: SandboxBulkOperation, info: GraphQLResolveInfo) -> str | None:
    if op.status != "COMPLETED" or not op.file_name:
        return None
    from urllib.parse import urlencode

    from sandbox.shopify.bulk import result_query

    path = reverse("sandbox:bulk-result", kwargs={"shop": op.shop.domain, "operation_id": op.id})
    return ctx(info).absolute_url(f"{path}?{urlencode(result_query(op))}")


BULK_OPERATION: dict[str, Resolver] = {
    "id": lambda b, info: gid("BulkOperation", b.id),
    "status": lambda b, info: b.status,
    "errorCode": lambda b, info: b.error_code or None,
    "createdAt": _at("created_at"),
    "completedAt": _at("completed_at"),
    "objectCount": lambda b, info: str(b.object_count),
    "rootObjectCount": lambda b, info: str(b.root_object_count),
    "fileSize": lambda b, info: None if b.file_size is None else str(b.file_size),
    "url": _bulk_url,
    "partialDataUrl": lambda b, info: None,
    "query": lambda b, info: b.query,
    "type": lambda b, info: "QUERY",
}

RESOLVERS: dict[str, dict[str, Resolver]] = {
    "Shop": SHOP,
    "WebhookSubscription": WEBHOOK_SUBSCRIPTION,
    "BulkOperation": BULK_OPERATION,
}

TYPE_NAMES: dict[type, str] = {
    SandboxShop: "Shop",
    SandboxWebhookSubscription: "WebhookSubscription",
    SandboxBulkOperation: "BulkOperation",
}
