"""Listings Items API 2021-08-01: getListingsItem, patchListingsItem and searchListingsItems
(channel-apis.md §2.3; the search itself is :mod:`sandbox.amazon.search`).

Both require ``marketplaceIds`` and the path's ``sellerId`` to be the caller's seller (another
seller's id is refused with 403). getListingsItem answers 404 ``NOT_FOUND`` for an unknown SKU
(the message Amazon sends: "SKU '…' not found in marketplace …"); patchListingsItem has no 404
in the model, so an unknown SKU is ``status: INVALID`` with issue ``13013``. Bad requests are 400
``BAD_REQUEST`` (the model's sandbox answer). ``mode=VALIDATION_PREVIEW`` validates without
applying (``VALID``/``INVALID``).
"""

from __future__ import annotations

import uuid

from django.db import transaction
from django.http import HttpRequest, HttpResponse

from sandbox.amazon import listings, search
from sandbox.amazon.constants import UNAUTHORIZED_MESSAGE
from sandbox.amazon.models import SandboxAmazonListing, SandboxAmazonSeller
from sandbox.amazon.params import InvalidInput, NotFound, json_body, query_list
from sandbox.amazon.views.common import error_response, json_response, sp_api
from sandbox.amazon.wire import listing_json

GET_DATA = frozenset(
    {
        "summaries",
        "attributes",
        "issues",
        "offers",
        "fulfillmentAvailability",
        "procurement",
        "relationships",
        "productTypes",
    }
)
PATCH_DATA = frozenset({"identifiers", "issues"})


def _marketplace(request: HttpRequest, seller: SandboxAmazonSeller) -> str:
    marketplaces = query_list(request, "marketplaceIds")
    if not marketplaces:
        raise InvalidInput("Invalid input", "marketplaceIds is required.", code="BAD_REQUEST")
    if any(value != seller.marketplace_id for value in marketplaces):
        raise InvalidInput(
            "Invalid input", f"Invalid marketplaceIds: {marketplaces}.", "BAD_REQUEST"
        )
    return seller.marketplace_id


def _included(request: HttpRequest, allowed: frozenset[str], default: str) -> set[str]:
    included = set(query_list(request, "includedData") or [default])
    if included - allowed:
        raise InvalidInput("Invalid input", "Invalid includedData.", code="BAD_REQUEST")
    return included


def _forbidden() -> HttpResponse:
    return error_response(403, "Unauthorized", UNAUTHORIZED_MESSAGE)


@sp_api("getListingsItem")
def get_listings_item(
    request: HttpRequest, seller: SandboxAmazonSeller, owner: str, sku: str
) -> HttpResponse:
    """``GET /listings/2021-08-01/items/{sellerId}/{sku}?marketplaceIds=…&includedData=…``."""
    if owner != seller.seller_id:
        return _forbidden()
    marketplace = _marketplace(request, seller)
    included = _included(request, GET_DATA, "summaries")
    listing = SandboxAmazonListing.objects.filter(seller=seller, sku=sku).first()
    if listing is None:
        raise NotFound(f"SKU '{sku}' not found in marketplace {marketplace}", code="NOT_FOUND")
    return json_response(listing_json(listing, marketplace, included))


@sp_api("searchListingsItems")
def search_listings_items(
    request: HttpRequest, seller: SandboxAmazonSeller, owner: str
) -> HttpResponse:
    """``GET /listings/2021-08-01/items/{sellerId}?marketplaceIds=…[&identifiers=…&
    identifiersType=SKU][&includedData=…][&pageSize=…&pageToken=…]`` →
    ``{"numberOfResults", "pagination"?, "items"}``."""
    if owner != seller.seller_id:
        return _forbidden()
    marketplace = _marketplace(request, seller)
    included = _included(request, GET_DATA, "summaries")
    found, total, pagination = search.search(seller, request.GET)
    body: dict = {"numberOfResults": total}
    if pagination:
        body["pagination"] = dict(pagination)
    body["items"] = [listing_json(listing, marketplace, included) for listing in found]
    return json_response(body)


def _patches(body: dict) -> list[dict]:
    patches = body.get("patches")
    valid = (
        isinstance(body.get("productType"), str)
        and isinstance(patches, list)
        and patches
        and all(
            isinstance(p, dict)
            and p.get("op") in listings.OPS
            and isinstance(p.get("path"), str)
            and isinstance(p.get("value", []), list)
            for p in patches
        )
    )
    if not valid:
        raise InvalidInput("Invalid input", "Invalid input", code="BAD_REQUEST")
    return patches


@sp_api("patchListingsItem")
def patch_listings_item(
    request: HttpRequest, seller: SandboxAmazonSeller, owner: str, sku: str
) -> HttpResponse:
    """``PATCH /listings/2021-08-01/items/{sellerId}/{sku}?marketplaceIds=…`` →
    ``{"sku", "status", "submissionId", "issues"}``."""
    if owner != seller.seller_id:
        return _forbidden()
    marketplace = _marketplace(request, seller)
    _included(request, PATCH_DATA, "issues")
    preview = request.GET.get("mode", "")
    if preview not in ("", "VALIDATION_PREVIEW"):
        raise InvalidInput("Invalid input", "Invalid mode.", code="BAD_REQUEST")
    patches = _patches(json_body(request))
    with transaction.atomic():
        listing = (
            SandboxAmazonListing.objects.select_for_update().filter(seller=seller, sku=sku).first()
        )
        if listing is None:
            issues = [listings.unknown_sku()]
        else:
            changes, issues = listings.plan(patches, marketplace)
            if not issues and not preview:
                listings.apply(listing, changes)
    status = "INVALID" if issues else ("VALID" if preview else "ACCEPTED")
    return json_response(
        {
            "sku": sku,
            "status": status,
            "submissionId": uuid.uuid4().hex,
            "issues": [issue.api_json(marketplace) for issue in issues],
        }
    )
