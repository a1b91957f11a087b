"""searchListingsItems: look-ups by SKU, paging, the 1000-item limit, filters, refusals and the
usage plan; every answer validated against the official model."""

from __future__ import annotations

from datetime import timedelta

import pytest

from sandbox.amazon import search, services
from sandbox.amazon.models import SandboxAmazonListing
from sandbox.kernel.formats import iso_utc
from tests.sandbox.amazon.conftest import (
    MARKETPLACE,
    OTHER_SELLER,
    SELLER,
    assert_matches_model,
)

SEARCH = "/listings/2021-08-01/items/{sellerId}"
MODEL = "listingsItems_2021-08-01.json"


def search_path(seller_id: str = SELLER) -> str:
    return SEARCH.format(sellerId=seller_id)


def run(sp, status: int = 200, **query):
    response = sp.get(search_path(), marketplaceIds=MARKETPLACE, **query)
    assert response.status_code == status, response.content
    assert_matches_model(MODEL, SEARCH, "get", status, response.json())
    return response.json()


def all_pages(sp, **query) -> list[dict]:
    pages, token = [], None
    while True:
        page = run(sp, **query, **({"pageToken": token} if token else {}))
        pages.append(page)
        token = (page.get("pagination") or {}).get("nextToken")
        if not token:
            return pages


def test_skus_are_looked_up_with_their_quantity(sp, seller):
    listings = list(SandboxAmazonListing.objects.filter(seller=seller).order_by("sku")[:3])
    listings[0].quantity = 0
    listings[0].save(update_fields=["quantity"])
    skus = [lv.sku for lv in listings]

    body = run(
        sp,
        identifiers=",".join([*skus, "NO-SUCH-SKU"]),
        identifiersType="SKU",
        includedData="summaries,fulfillmentAvailability",
        pageSize=20,
        sortBy="sku",
        sortOrder="ASC",
    )

    assert body["numberOfResults"] == 3
    assert "pagination" not in body
    assert [item["sku"] for item in body["items"]] == skus
    for item, listing in zip(body["items"], listings, strict=True):
        assert item["fulfillmentAvailability"] == [
            {"fulfillmentChannelCode": "DEFAULT", "quantity": listing.quantity}
        ]
        [summary] = item["summaries"]
        assert (summary["asin"], summary["itemName"]) == (listing.asin, listing.title)
        assert summary["createdDate"] == iso_utc(listing.created_at)
    assert body["items"][0]["summaries"][0]["status"] == ["DISCOVERABLE"]


def test_asin_identifiers_match_and_barcode_types_find_nothing(sp, seller):
    listing = SandboxAmazonListing.objects.filter(seller=seller).order_by("sku").first()

    by_asin = run(sp, identifiers=listing.asin, identifiersType="ASIN")
    by_ean = run(sp, identifiers="8901234567890", identifiersType="EAN")

    assert [item["sku"] for item in by_asin["items"]] == [
        lv.sku for lv in SandboxAmazonListing.objects.filter(seller=seller, asin=listing.asin)
    ]
    assert set(by_asin["items"][0]) == {"sku", "summaries"}  # includedData defaults to summaries
    assert by_ean == {"numberOfResults": 0, "items": []}


def test_pages_cover_every_listing_once_in_order(sp, seller, fast):
    pages = all_pages(sp, pageSize=7, sortBy="sku", sortOrder="ASC")

    skus = [item["sku"] for page in pages for item in page["items"]]
    expected = list(
        SandboxAmazonListing.objects.filter(seller=seller)
        .order_by("sku")
        .values_list("sku", flat=True)
    )
    assert skus == expected
    assert len(pages) == -(-len(expected) // 7)
    assert all(page["numberOfResults"] == len(expected) for page in pages)
    assert "previousToken" not in pages[0].get("pagination", {})
    assert "previousToken" in pages[1]["pagination"]


def test_default_order_is_last_updated_first(sp, seller):
    listings = SandboxAmazonListing.objects.filter(seller=seller)
    newest = listings.order_by("sku").last()
    newest.updated_at = max(listings.values_list("updated_at", flat=True)) + timedelta(minutes=1)
    newest.save(update_fields=["updated_at"])

    body = run(sp)

    assert len(body["items"]) == 10  # the default page size
    assert body["items"][0]["sku"] == newest.sku
    stamps = [item["summaries"][0]["lastUpdatedDate"] for item in body["items"]]
    assert stamps == sorted(stamps, reverse=True)


def test_only_the_first_thousand_can_be_paged_and_created_after_goes_on(
    sp, seller, fast, monkeypatch
):
    monkeypatch.setattr(search, "SEARCH_LIMIT", 8)
    total = SandboxAmazonListing.objects.filter(seller=seller).count()

    pages = all_pages(sp, pageSize=3, sortBy="createdDate", sortOrder="ASC")
    items = [item for page in pages for item in page["items"]]
    last_created = items[-1]["summaries"][0]["createdDate"]
    rest = all_pages(
        sp, pageSize=3, sortBy="createdDate", sortOrder="ASC", createdAfter=last_created
    )

    assert pages[0]["numberOfResults"] == total
    assert [len(page["items"]) for page in pages] == [3, 3, 2]
    rest_items = [item for page in rest for item in page["items"]]
    assert all(item["summaries"][0]["createdDate"] >= last_created for item in rest_items)
    # createdAfter is inclusive: the listings created at that instant come again.
    assert items[-1]["sku"] in {item["sku"] for item in rest_items}


def test_created_after_and_status_filters(sp, seller, fast):
    listings = SandboxAmazonListing.objects.filter(seller=seller)
    cut = sorted(set(listings.values_list("created_at", flat=True)))[2]
    out_of_stock = listings.order_by("sku").first()
    out_of_stock.quantity = 0
    out_of_stock.save(update_fields=["quantity"])

    recent = [
        item["sku"]
        for page in all_pages(sp, pageSize=20, createdAfter=iso_utc(cut))
        for item in page["items"]
    ]
    buyable = [
        item["sku"]
        for page in all_pages(sp, pageSize=20, withStatus="BUYABLE")
        for item in page["items"]
    ]
    not_buyable = run(sp, pageSize=20, withoutStatus="BUYABLE")
    with_issues = run(sp, withIssueSeverity="ERROR")

    assert sorted(recent) == sorted(
        listings.filter(created_at__gte=cut).values_list("sku", flat=True)
    )
    assert sorted(buyable) == sorted(listings.filter(quantity__gt=0).values_list("sku", flat=True))
    assert out_of_stock.sku not in buyable
    assert [item["sku"] for item in not_buyable["items"]] == list(
        listings.filter(quantity__lte=0)
        .order_by("-updated_at", "-sku")
        .values_list("sku", flat=True)
    )
    assert with_issues["numberOfResults"] == 0


@pytest.mark.parametrize(
    "query",
    [
        pytest.param({"identifiers": "A,B"}, id="identifiers-without-type"),
        pytest.param({"identifiersType": "SKU"}, id="type-without-identifiers"),
        pytest.param(
            {"identifiers": ",".join(f"S{n}" for n in range(21)), "identifiersType": "SKU"},
            id="more-than-20-identifiers",
        ),
        pytest.param({"identifiers": "A", "identifiersType": "NAME"}, id="unknown-type"),
        pytest.param(
            {"identifiers": "A", "identifiersType": "SKU", "variationParentSku": "P"},
            id="identifiers-with-parent",
        ),
        pytest.param({"pageSize": 21}, id="page-too-large"),
        pytest.param({"pageSize": 0}, id="page-empty"),
        pytest.param({"pageToken": "not-a-token"}, id="garbage-token"),
        pytest.param({"sortBy": "price"}, id="unknown-sort"),
        pytest.param({"sortOrder": "UP"}, id="unknown-order"),
        pytest.param({"includedData": "identifiers"}, id="identifiers-data-not-searchable"),
        pytest.param({"withStatus": "SOLD"}, id="unknown-status"),
    ],
)
def test_requests_the_model_does_not_allow_are_bad_requests(sp, seller, query):
    body = run(sp, status=400, **query)

    assert body["errors"][0]["code"] in ("BAD_REQUEST", "InvalidInput")


def test_missing_marketplace_and_a_token_from_another_search_are_refused(sp, seller):
    token = run(sp, pageSize=2)["pagination"]["nextToken"]

    other_search = run(sp, status=400, pageSize=2, sortBy="sku", pageToken=token)
    no_marketplace = sp.get(search_path())

    assert other_search["errors"][0]["details"] == "Invalid pageToken."
    assert no_marketplace.status_code == 400
    assert run(sp, pageSize=2, pageToken=token)["items"]


def test_another_sellers_listings_are_forbidden(sp, seller):
    response = sp.get(search_path(OTHER_SELLER), marketplaceIds=MARKETPLACE)

    assert response.status_code == 403
    assert_matches_model(MODEL, SEARCH, "get", 403, response.json())


def test_the_usage_plan_allows_a_burst_of_five(sp, seller, frozen_clock):
    statuses = [sp.get(search_path(), marketplaceIds=MARKETPLACE).status_code for _ in range(6)]
    frozen_clock.advance(0.2)
    refilled = sp.get(search_path(), marketplaceIds=MARKETPLACE)

    assert statuses == [200] * 5 + [429]
    assert refilled.status_code == 200
    assert refilled["x-amzn-RateLimit-Limit"] == "5"
    assert services.call_counts(SELLER)["searchListingsItems"] == 7
