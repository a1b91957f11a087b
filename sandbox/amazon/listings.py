"""Listings price and quantity changes: JSON Patch operations on top-level attributes, shared by
patchListingsItem and the JSON_LISTINGS_FEED.

Supported attributes (channel-apis.md §2.3, ``listings-feed-schema-v2.example.json``):
``fulfillment_availability`` ``[{"fulfillment_channel_code": "DEFAULT", "quantity": 10}]``,
``purchasable_offer`` ``[{"marketplace_id", "currency": "INR", "audience": "ALL",
"our_price": [{"schedule": [{"value_with_tax": 499.0}]}]}]`` and ``item_name``
``[{"value": "…"}]``. Patch paths must be ``/attributes/<name>`` ("Only top-level listings item
attributes can be patched"); ``add``/``replace``/``merge`` set the value, ``delete`` of
``fulfillment_availability`` sets the quantity to 0.

Issue codes follow what Amazon returns: ``90000900`` "The attributes are invalid." for unknown
or malformed attributes, ``90220`` "'…' is required but not supplied.", ``90114`` for a value
under the minimum, ``13013`` for a SKU the seller does not list. (Real Amazon may accept an
offer-only patch for an unknown SKU and create an incomplete listing —
selling-partner-api-models issue #2797; the sandbox has no catalog to create it from, so it
reports 13013.)
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from sandbox.amazon.constants import CURRENCY
from sandbox.amazon.models import SandboxAmazonListing
from sandbox.kernel import clock

ATTRIBUTE_PATH = re.compile(r"^/attributes/([A-Za-z0-9_]+)$")
SUPPORTED = frozenset({"fulfillment_availability", "purchasable_offer", "item_name"})
OPS = frozenset({"add", "replace", "merge", "delete"})
UNKNOWN_SKU = (
    "This SKU does not exist in the Amazon catalog. Your inventory data was not processed."
)


@dataclass(frozen=True)
class Issue:
    """A listings issue: ``code``, ``message``, ``severity`` and the attribute it concerns."""

    code: str
    message: str
    attribute: str = ""
    category: str = "INVALID_ATTRIBUTE"
    severity: str = "ERROR"

    def api_json(self, marketplace_id: str) -> dict[str, Any]:
        """Listings Items API ``Issue``."""
        body: dict[str, Any] = {
            "code": self.code,
            "message": self.message,
            "severity": self.severity,
            "categories": [self.category] if self.category else [],
            "marketplaceIds": [marketplace_id],
        }
        if self.attribute:
            body["attributeNames"] = [self.attribute]
        return body

    def feed_json(self, message_id: Any, sku: Any) -> dict[str, Any]:
        """Issue of a JSON_LISTINGS_FEED processing report."""
        body: dict[str, Any] = {}
        if isinstance(message_id, int) and message_id >= 1:
            body["messageId"] = message_id
        if isinstance(sku, str) and sku:
            body["sku"] = sku
        body.update({"code": self.code, "severity": self.severity, "message": self.message})
        if self.attribute:
            body["attributeName"] = self.attribute
        return body


def unknown_sku() -> Issue:
    """The issue for a SKU the seller does not list."""
    return Issue("13013", UNKNOWN_SKU, category="")


def _invalid(name: str) -> Issue:
    return Issue("90000900", "The attributes are invalid.", name)


def _missing(field: str, name: str) -> Issue:
    return Issue("90220", f"'{field}' is required but not supplied.", name, "MISSING_ATTRIBUTE")


def _quantity(value: Any) -> tuple[int | None, Issue | None]:
    name = "fulfillment_availability"
    if not isinstance(value, list) or not value or not isinstance(value[0], dict):
        return None, _missing("fulfillment_channel_code", name)
    entry = value[0]
    if not entry.get("fulfillment_channel_code"):
        return None, _missing("fulfillment_channel_code", name)
    if entry["fulfillment_channel_code"] != "DEFAULT":
        return None, _invalid(name)
    quantity = entry.get("quantity")
    if quantity is None:
        return None, _missing("quantity", name)
    if isinstance(quantity, bool) or not isinstance(quantity, int) or quantity < 0:
        return None, _invalid(name)
    return quantity, None


def _price(value: Any, marketplace_id: str) -> tuple[Decimal | None, Issue | None]:
    name = "purchasable_offer"
    offers = [o for o in value if isinstance(o, dict)] if isinstance(value, list) else []
    offer = next(
        (o for o in offers if o.get("marketplace_id", marketplace_id) == marketplace_id), None
    )
    if offer is None:
        return None, _missing("our_price", name)
    if offer.get("currency", CURRENCY) != CURRENCY:
        return None, _invalid(name)
    try:
        raw = offer["our_price"][0]["schedule"][0]["value_with_tax"]
    except (KeyError, IndexError, TypeError):
        return None, _missing("our_price", name)
    try:
        price = Decimal(str(raw))
    except InvalidOperation:
        return None, _invalid(name)
    if isinstance(raw, bool) or not price.is_finite():
        return None, _invalid(name)
    if price < Decimal("0.01"):
        return None, Issue(
            "90114",
            f"The value '{raw}' for 'value_with_tax' is lower than the minimum allowed value "
            "'0.01'.",
            name,
        )
    return price.quantize(Decimal("0.01")), None


def plan(patches: list[dict[str, Any]], marketplace_id: str) -> tuple[dict[str, Any], list[Issue]]:
    """The field changes (``quantity``, ``price``, ``title``) the patches ask for and the
    issues that make them invalid (nothing may be applied when there are issues)."""
    changes: dict[str, Any] = {}
    issues: list[Issue] = []
    for patch in patches:
        match = ATTRIBUTE_PATH.match(str(patch.get("path", "")))
        name = match.group(1) if match else str(patch.get("path", ""))
        if match is None or name not in SUPPORTED or patch.get("op") not in OPS:
            issues.append(_invalid(name))
            continue
        value = patch.get("value")
        if name == "fulfillment_availability":
            quantity, issue = (0, None) if patch["op"] == "delete" else _quantity(value)
            changes["quantity"] = quantity
        elif patch["op"] == "delete":
            issue = _invalid(name)
        elif name == "purchasable_offer":
            changes["price"], issue = _price(value, marketplace_id)
        else:
            title = value[0].get("value") if isinstance(value, list) and value else None
            ok = isinstance(title, str) and title.strip()
            changes["title"], issue = (title, None) if ok else (None, _missing("value", name))
        if issue is not None:
            issues.append(issue)
    return changes, issues


def apply(listing: SandboxAmazonListing, changes: dict[str, Any]) -> SandboxAmazonListing:
    """Save ``changes`` from :func:`plan` on ``listing`` (bumping ``updated_at``)."""
    if "quantity" in changes:
        listing.quantity = changes["quantity"]
    if "price" in changes:
        listing.price = changes["price"]
    if "title" in changes:
        listing.title = changes["title"]
    listing.updated_at = clock.after(listing.updated_at)
    listing.save(update_fields=["quantity", "price", "title", "updated_at"])
    return listing
