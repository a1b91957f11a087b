"""The Flipkart sandbox's returns search and Listings v3 (read, inventory and price updates)."""

from __future__ import annotations

from decimal import Decimal
from urllib.parse import parse_qs, urlsplit

import pytest

FROM = "2000-01-01T00:00:00+00:00"


def returns(api, params):
    response = api.get("/v2/returns", params)
    assert response.status_code == 200, response.content
    return response.json()


def test_returns_are_separated_by_source_and_paged_with_next_url(api, seller):
    from sandbox.flipkart.models import SandboxFlipkartReturn
    from sandbox.flipkart.services import seed_seller

    seed_seller(
        application_id="fk-test-app",
        orders=300,
        days=60,
        seed=4,
        application_secret="fk-test-secret",
    )
    page_counts = {}
    for source in ("customer_return", "courier_return"):
        pages = [returns(api, {"source": source, "modifiedAfter": FROM})]
        while pages[-1]["hasMore"]:
            token = parse_qs(urlsplit(pages[-1]["nextUrl"]).query)["next_token"][0]
            assert pages[-1]["nextUrl"].startswith("/v2/returns?")
            pages.append(returns(api, {"next_token": token}))
        served = [r["returnId"] for p in pages for r in p["returnItems"]]
        stored = SandboxFlipkartReturn.objects.filter(
            seller__application_id="fk-test-app", source=source
        )
        assert sorted(served) == sorted(stored.values_list("return_id", flat=True))
        assert len(served) == len(set(served))
        page_counts[source] = len(pages)
    assert page_counts["customer_return"] > 1  # more than 20 returns: nextUrl was followed
    item = pages[0]["returnItems"][0]
    assert set(item) >= {
        "returnId",
        "orderId",
        "orderItemId",
        "quantity",
        "status",
        "reason",
        "subReason",
        "trackingId",
        "createdDate",
        "updatedDate",
        "shipmentStatus",
    }


def test_courier_returns_point_at_items_marked_as_courier_returns(api, seller):
    from sandbox.flipkart.models import SandboxFlipkartOrderItem

    courier = returns(api, {"source": "courier_return", "modifiedAfter": FROM})["returnItems"]
    assert courier
    ids = [r["orderItemId"] for r in courier]
    assert all(
        SandboxFlipkartOrderItem.objects.filter(order_item_id__in=ids).values_list(
            "courier_return", flat=True
        )
    )


@pytest.mark.parametrize(
    ("params", "code"),
    [
        ({"modifiedAfter": FROM}, "INVALID_SOURCE"),
        ({"source": "customer_return"}, "INVALID_REQUEST"),
        ({"source": "customer_return", "modifiedAfter": "yesterday"}, "INVALID_DATE"),
        (
            {"source": "customer_return", "returnIds": ",".join(str(n) for n in range(26))},
            "INVALID_REQUEST",
        ),
    ],
)
def test_bad_returns_queries_get_400(api, params, code):
    response = api.get("/v2/returns", params)
    assert response.status_code == 400
    assert response.json()["errors"][0]["code"] == code


def test_returns_can_be_fetched_by_id(api, seller):
    from sandbox.flipkart.models import SandboxFlipkartReturn

    ret = SandboxFlipkartReturn.objects.filter(seller=seller).first()
    found = returns(api, {"source": ret.source, "returnIds": ret.return_id})["returnItems"]
    assert [r["returnId"] for r in found] == [ret.return_id]


def test_get_listings_reports_available_unavailable_and_invalid_skus(api, seller):
    listing = seller.listings.order_by("sku").first()

    response = api.get(f"/listings/v3/{listing.sku},NOPE-1,bad sku")

    assert response.status_code == 200
    body = response.json()
    detail = body["available"][listing.sku]
    assert detail["product_id"] == listing.fsn
    assert detail["listing_id"] == listing.listing_id
    assert detail["price"]["mrp"] == int(listing.mrp)
    assert detail["price"]["selling_price"] == int(listing.selling_price)
    assert detail["locations"][0]["id"] == seller.location_id
    assert body["unavailable"] == ["NOPE-1"]
    assert body["invalid"] == ["bad sku"]
    eleven = ",".join(f"S{n}" for n in range(11))
    assert api.get(f"/listings/v3/{eleven}").status_code == 400


def inventory_body(listing, units, location):
    return {
        listing.sku: {
            "product_id": listing.fsn,
            "locations": [{"id": location, "inventory": units}],
        }
    }


def test_inventory_updates_apply_per_sku_and_report_failures(api, seller):
    from sandbox.flipkart.services import listing_inventory

    good, mismatched, other = list(seller.listings.order_by("sku")[:3])
    body = {
        **inventory_body(good, 17, seller.location_id),
        mismatched.sku: {
            "product_id": "WRONGFSN",
            "locations": [{"id": seller.location_id, "inventory": 4}],
        },
        **inventory_body(other, 5, "LOCunknown"),
        "NOPE-1": {"product_id": "X", "locations": [{"id": seller.location_id, "inventory": 1}]},
    }
    before = listing_inventory("fk-test-app", mismatched.sku)

    response = api.post("/listings/v3/update/inventory", body)

    assert response.status_code == 200
    answer = response.json()
    assert answer[good.sku] == {"status": "SUCCESS", "errors": [], "attribute_errors": []}
    assert answer[mismatched.sku]["status"] == "FAILURE"
    assert answer[mismatched.sku]["errors"][0]["code"] == 10002
    assert answer[other.sku]["status"] == "FAILURE"
    assert answer[other.sku]["attribute_errors"][0]["code"] == 10003
    assert answer["NOPE-1"]["errors"][0]["code"] == 10001
    assert listing_inventory("fk-test-app", good.sku) == 17
    assert listing_inventory("fk-test-app", mismatched.sku) == before


def test_updates_show_per_location_in_get_and_in_the_total(api, seller):
    """What the connector reads back (``locations[].inventory`` of ``GET /listings/v3``) and
    what ``listing_inventory`` reports both follow an update, location by location."""
    from sandbox.flipkart.models import SandboxFlipkartStock
    from sandbox.flipkart.services import listing_inventory
    from sandbox.kernel import clock

    listing = seller.listings.order_by("sku").first()
    SandboxFlipkartStock.objects.create(
        listing=listing, location_id="LOCsecond", inventory=3, updated_at=clock.now()
    )
    body = {
        listing.sku: {
            "product_id": listing.fsn,
            "locations": [
                {"id": seller.location_id, "inventory": 11},
                {"id": "LOCsecond", "inventory": 4},
            ],
        }
    }

    answer = api.post("/listings/v3/update/inventory", body).json()
    detail = api.get(f"/listings/v3/{listing.sku}").json()["available"][listing.sku]

    assert answer[listing.sku]["status"] == "SUCCESS"
    assert sorted((row["id"], row["inventory"]) for row in detail["locations"]) == sorted(
        [(seller.location_id, 11), ("LOCsecond", 4)]
    )
    assert all(row["status"] == "ENABLED" for row in detail["locations"])
    assert listing_inventory("fk-test-app", listing.sku) == 15


@pytest.mark.parametrize("units", [-1, 2.5, "7", None])
def test_inventory_must_be_a_whole_number(api, seller, units):
    listing = seller.listings.order_by("sku").first()
    answer = api.post(
        "/listings/v3/update/inventory", inventory_body(listing, units, seller.location_id)
    )
    assert answer.json()[listing.sku]["attribute_errors"][0]["code"] == 10004


def test_a_disabled_location_takes_the_update_with_a_warning(api, seller):
    from sandbox.flipkart.models import SandboxFlipkartStock
    from sandbox.flipkart.services import listing_inventory

    listing = seller.listings.order_by("sku").first()
    SandboxFlipkartStock.objects.filter(listing=listing).update(status="DISABLED")

    answer = api.post(
        "/listings/v3/update/inventory", inventory_body(listing, 9, seller.location_id)
    )

    result = answer.json()[listing.sku]
    assert result["status"] == "WARNING"
    assert result["attribute_errors"][0]["severity"] == "WARNING"
    assert listing_inventory("fk-test-app", listing.sku) == 9


def test_more_than_ten_skus_are_refused_whole(api, seller):
    from sandbox.flipkart.services import listing_inventory

    listings = list(seller.listings.order_by("sku")[:11])
    body = {}
    for listing in listings:
        body.update(inventory_body(listing, 999, seller.location_id))

    response = api.post("/listings/v3/update/inventory", body)

    assert response.status_code == 400
    assert response.json()["errors"][0]["code"] == "TOO_MANY_SKUS"
    assert all(listing_inventory("fk-test-app", listing.sku) != 999 for listing in listings)


def test_price_updates_apply_and_check_mrp(api, seller):
    first, second, third = list(seller.listings.order_by("sku")[:3])
    body = {
        first.sku: {
            "product_id": first.fsn,
            "price": {"mrp": 1999, "selling_price": 1499, "currency": "INR"},
        },
        second.sku: {
            "product_id": second.fsn,
            "price": {"mrp": 999, "selling_price": 1099, "currency": "INR"},
        },
        third.sku: {
            "product_id": third.fsn,
            "price": {"mrp": 999, "selling_price": 499.5, "currency": "INR"},
        },
    }

    answer = api.post("/listings/v3/update/price", body).json()

    assert answer[first.sku]["status"] == "SUCCESS"
    assert answer[second.sku]["attribute_errors"][0]["code"] == 10102
    assert answer[third.sku]["attribute_errors"][0]["code"] == 10101
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.mrp, first.selling_price) == (Decimal("1999"), Decimal("1499"))
    assert second.selling_price != Decimal("1099")
