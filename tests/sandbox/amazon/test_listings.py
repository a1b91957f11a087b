"""Listings Items API 2021-08-01: patchListingsItem applies quantity and price,
getListingsItem reads them back."""

from __future__ import annotations

import pytest

from sandbox.amazon import services
from sandbox.amazon.models import SandboxAmazonListing
from tests.sandbox.amazon.conftest import (
    MARKETPLACE,
    OTHER_SELLER,
    SELLER,
    assert_matches_model,
)

ITEM = "/listings/2021-08-01/items/{sellerId}/{sku}"
MODEL = "listingsItems_2021-08-01.json"


def item_path(sku: str, seller_id: str = SELLER) -> str:
    return ITEM.format(sellerId=seller_id, sku=sku)


def quantity_body(quantity) -> dict:
    return {
        "productType": "PRODUCT",
        "patches": [
            {
                "op": "replace",
                "path": "/attributes/fulfillment_availability",
                "value": [{"fulfillment_channel_code": "DEFAULT", "quantity": quantity}],
            }
        ],
    }


def price_body(price) -> dict:
    offer = {
        "currency": "INR",
        "audience": "ALL",
        "our_price": [{"schedule": [{"value_with_tax": price}]}],
    }
    return {
        "productType": "PRODUCT",
        "patches": [{"op": "replace", "path": "/attributes/purchasable_offer", "value": [offer]}],
    }


@pytest.fixture
def listing(seller) -> SandboxAmazonListing:
    return SandboxAmazonListing.objects.order_by("sku").first()


def test_patch_sets_the_quantity(sp, listing):
    response = sp.patch(item_path(listing.sku), quantity_body(23), marketplaceIds=MARKETPLACE)

    assert response.status_code == 200
    body = response.json()
    assert_matches_model(MODEL, ITEM, "patch", 200, body)
    assert body["sku"] == listing.sku
    assert body["status"] == "ACCEPTED"
    assert body["issues"] == []
    assert body["submissionId"]
    assert services.listing_quantity(SELLER, listing.sku) == 23
    assert response["x-amzn-RateLimit-Limit"] == "5"


def test_patch_sets_the_price_and_get_reads_both_back(sp, listing):
    sp.patch(item_path(listing.sku), quantity_body(7), marketplaceIds=MARKETPLACE)
    sp.patch(item_path(listing.sku), price_body(849.5), marketplaceIds=MARKETPLACE)

    response = sp.get(
        item_path(listing.sku),
        marketplaceIds=MARKETPLACE,
        includedData="summaries,attributes,fulfillmentAvailability,offers",
    )

    assert response.status_code == 200
    body = response.json()
    assert_matches_model(MODEL, ITEM, "get", 200, body)
    assert body["fulfillmentAvailability"] == [{"fulfillmentChannelCode": "DEFAULT", "quantity": 7}]
    assert body["offers"][0]["price"] == {"currencyCode": "INR", "amount": "849.50"}
    assert body["summaries"][0]["asin"] == listing.asin
    assert body["summaries"][0]["status"] == ["BUYABLE", "DISCOVERABLE"]
    assert body["attributes"]["fulfillment_availability"][0]["quantity"] == 7


def test_get_defaults_to_summaries(sp, listing):
    body = sp.get(item_path(listing.sku), marketplaceIds=MARKETPLACE).json()

    assert set(body) == {"sku", "summaries"}


def test_validation_preview_does_not_apply(sp, listing):
    before = listing.quantity

    response = sp.patch(
        item_path(listing.sku),
        quantity_body(before + 5),
        marketplaceIds=MARKETPLACE,
        mode="VALIDATION_PREVIEW",
    )

    assert response.json()["status"] == "VALID"
    assert services.listing_quantity(SELLER, listing.sku) == before


@pytest.mark.parametrize(
    ("body", "code"),
    [
        (quantity_body(-1), "90000900"),
        (quantity_body("ten"), "90000900"),
        (price_body(0), "90114"),
        (
            {
                "productType": "PRODUCT",
                "patches": [
                    {"op": "replace", "path": "/attributes/fulfillmentAvailability", "value": [{}]}
                ],
            },
            "90000900",
        ),
        (
            {
                "productType": "PRODUCT",
                "patches": [
                    {
                        "op": "replace",
                        "path": "/attributes/fulfillment_availability",
                        "value": [{"quantity": 1}],
                    }
                ],
            },
            "90220",
        ),
    ],
)
def test_invalid_attribute_values_are_invalid_with_an_issue(sp, listing, body, code):
    before = listing.quantity

    response = sp.patch(item_path(listing.sku), body, marketplaceIds=MARKETPLACE)

    assert response.status_code == 200
    payload = response.json()
    assert_matches_model(MODEL, ITEM, "patch", 200, payload)
    assert payload["status"] == "INVALID"
    assert payload["issues"][0]["code"] == code
    assert payload["issues"][0]["severity"] == "ERROR"
    assert services.listing_quantity(SELLER, listing.sku) == before


def test_unknown_sku_patch_is_invalid_and_get_is_not_found(sp):
    patched = sp.patch(item_path("NO-SUCH-SKU"), quantity_body(1), marketplaceIds=MARKETPLACE)
    read = sp.get(item_path("NO-SUCH-SKU"), marketplaceIds=MARKETPLACE)

    assert patched.json()["status"] == "INVALID"
    assert patched.json()["issues"][0]["code"] == "13013"
    assert read.status_code == 404
    assert_matches_model(MODEL, ITEM, "get", 404, read.json())
    assert read.json()["errors"][0] == {
        "code": "NOT_FOUND",
        "message": f"SKU 'NO-SUCH-SKU' not found in marketplace {MARKETPLACE}",
        "details": "",
    }


def test_malformed_patch_requests_are_bad_requests(sp, listing):
    no_marketplace = sp.patch(item_path(listing.sku), quantity_body(1))
    no_patches = sp.patch(
        item_path(listing.sku),
        {"productType": "PRODUCT", "patches": []},
        marketplaceIds=MARKETPLACE,
    )

    for response in (no_marketplace, no_patches):
        assert response.status_code == 400
        assert_matches_model(MODEL, ITEM, "patch", 400, response.json())
        assert response.json()["errors"][0]["code"] == "BAD_REQUEST"


def test_another_sellers_listings_are_forbidden(sp, listing):
    response = sp.get(item_path(listing.sku, OTHER_SELLER), marketplaceIds=MARKETPLACE)

    assert response.status_code == 403
    assert_matches_model(MODEL, ITEM, "get", 403, response.json())
