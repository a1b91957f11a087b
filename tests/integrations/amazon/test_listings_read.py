"""Stock read-back and listing discovery through ``searchListingsItems``: the exact requests
(scripted loopback server), the mapping of Amazon's own example, and the real connector over
real HTTP against the Amazon sandbox (live server), past the 1000-item search limit."""

from __future__ import annotations

import time

import pytest

from integrations.connectors.amazon.connector import AmazonConnector
from integrations.connectors.amazon.listings import (
    listing_barcode,
    listing_from_item,
    mfn_quantity,
)
from integrations.dto import AccountHandle, ListingDTO, PushStatus, StockLevelDTO
from integrations.http import ConnectorError, HttpClient
from tests.integrations.amazon.conftest import SELLER, query, sandbox_response
from tests.integrations.conftest import Recorded, Reply

SEARCH = f"/listings/2021-08-01/items/{SELLER}"
MODEL = "listingsItems_2021-08-01.json"


def found(*items: dict, total: int | None = None, next_token: str | None = None) -> Reply:
    body: dict = {"numberOfResults": len(items) if total is None else total, "items": list(items)}
    if next_token:
        body["pagination"] = {"nextToken": next_token}
    return Reply(200, body)


def item(sku: str, quantity: int | None = 5, **summary) -> dict:
    body = {
        "sku": sku,
        "summaries": [
            {
                "marketplaceId": "A21TJRUUN4KGV",
                "asin": f"B0{sku[-8:]:0>8}",
                "itemName": f"Kurta {sku}",
                "status": ["BUYABLE", "DISCOVERABLE"],
                "createdDate": "2024-01-01T00:00:00Z",
                **summary,
            }
        ],
    }
    if quantity is not None:
        body["fulfillmentAvailability"] = [
            {"fulfillmentChannelCode": "DEFAULT", "quantity": quantity}
        ]
    return body


def echo_skus(request: Recorded) -> Reply:
    skus = query(request)["identifiers"].split(",")
    return found(*(item(s, quantity=n) for n, s in enumerate(skus) if not s.startswith("GONE")))


# --- requests and mapping (scripted server) ---------------------------------------------------
def test_read_inventory_searches_twenty_skus_per_call(connector, amazon_server):
    amazon_server.on("GET", SEARCH, echo_skus)
    skus = [f"SKU-{n:02}" for n in range(43)] + ["GONE-1"]

    quantities = connector.read_inventory([StockLevelDTO(sku=s, quantity=0) for s in skus])

    calls = amazon_server.calls("GET", SEARCH)
    assert [query(c)["identifiers"].split(",") for c in calls] == [
        skus[:20],
        skus[20:40],
        skus[40:],
    ]
    assert query(calls[0]) == {
        "marketplaceIds": "A21TJRUUN4KGV",
        "issueLocale": "en_US",
        "pageSize": "20",
        "identifiers": ",".join(skus[:20]),
        "identifiersType": "SKU",
        "includedData": "summaries,fulfillmentAvailability",
    }
    assert quantities["SKU-00"] == 0
    assert quantities["SKU-19"] == 19
    assert quantities["SKU-20"] == 0  # first of the second call
    assert quantities["GONE-1"] is None
    assert len(quantities) == 44


def test_a_listing_without_a_seller_fulfilled_offer_reads_as_none(connector, amazon_server):
    fba_only = item("FBA-ONLY", quantity=None)
    fba_only["fulfillmentAvailability"] = [{"fulfillmentChannelCode": "AMAZON_IN", "quantity": 9}]
    no_quantity = item("NO-QTY", quantity=None)
    no_quantity["fulfillmentAvailability"] = [{"fulfillmentChannelCode": "DEFAULT"}]
    amazon_server.on("GET", SEARCH, found(fba_only, no_quantity, item("MFN", quantity=4)))

    quantities = connector.read_inventory(
        [StockLevelDTO(sku=s, quantity=0) for s in ("FBA-ONLY", "NO-QTY", "MFN")]
    )

    assert quantities == {"FBA-ONLY": None, "NO-QTY": 0, "MFN": 4}


def test_amazons_own_search_example_maps_to_a_listing():
    example = sandbox_response(MODEL, "/listings/2021-08-01/items/{sellerId}")["items"][0]

    listing = listing_from_item(example, "ATVPDKIKX0DER")
    elsewhere = listing_from_item(example, "A2EUQ1WTGCTBG2")

    assert listing == ListingDTO(
        sku="GM-ZDPI-9B4E",
        listing_id="GM-ZDPI-9B4E",
        product_id="B071VG5N9D",
        title="Hardside Carry-On Spinner Suitcase Luggage",
        quantity=100,
        status="BUYABLE",
    )
    assert elsewhere.status == ""  # no status in that marketplace
    assert mfn_quantity(example) == 100


def test_the_barcode_comes_from_the_product_identifier_attribute():
    listing = item("KURTA-1")
    listing["attributes"] = {
        "externally_assigned_product_identifier": [
            {"type": "ean", "value": "8901234567894", "marketplace_id": "A21TJRUUN4KGV"}
        ]
    }
    legacy = item("KURTA-2")
    legacy["attributes"] = {"external_product_id": [{"type": "UPC", "value": "012345678905"}]}
    exempt = item("KURTA-3")
    exempt["attributes"] = {"supplier_declared_has_product_identifier_exemption": [{"value": True}]}

    assert listing_barcode(listing, "A21TJRUUN4KGV") == "8901234567894"
    assert listing_barcode(listing, "ATVPDKIKX0DER") == ""  # another marketplace's value
    assert listing_from_item(legacy).barcode == "012345678905"
    assert listing_from_item(exempt).barcode == ""


def test_fetch_listings_by_sku_asks_for_attributes_and_skips_unknown(connector, amazon_server):
    amazon_server.on("GET", SEARCH, echo_skus)

    listings = list(connector.fetch_listings(skus=["A-1", "GONE-2", "A-1", "B-2"]))

    assert [(x.sku, x.listing_id, x.quantity) for x in listings] == [
        ("A-1", "A-1", 0),
        ("B-2", "B-2", 2),
    ]
    (call,) = amazon_server.calls("GET", SEARCH)
    assert query(call)["identifiers"] == "A-1,GONE-2,B-2"
    assert query(call)["includedData"] == "summaries,fulfillmentAvailability,attributes"


def test_enumeration_follows_page_tokens(connector, amazon_server):
    amazon_server.on(
        "GET",
        SEARCH,
        found(item("A"), item("B"), total=3, next_token="page-2"),
        found(item("C"), total=3),
    )

    skus = [x.sku for x in connector.fetch_listings()]

    assert skus == ["A", "B", "C"]
    first, second = amazon_server.calls("GET", SEARCH)
    assert query(first) == {
        "marketplaceIds": "A21TJRUUN4KGV",
        "issueLocale": "en_US",
        "pageSize": "20",
        "includedData": "summaries,fulfillmentAvailability,attributes",
        "sortBy": "createdDate",
        "sortOrder": "ASC",
    }
    assert query(second) == {**query(first), "pageToken": "page-2"}


def test_a_search_cut_off_at_the_limit_goes_on_from_the_last_creation_time(
    connector, amazon_server
):
    early = "2024-01-01T00:00:00Z"
    late = "2024-02-01T00:00:00Z"
    amazon_server.on(
        "GET",
        SEARCH,
        # Amazon found 4 but let only 2 be paged through.
        found(item("A", createdDate=early), item("B", createdDate=late), total=4),
        found(item("B", createdDate=late), item("C", createdDate=late), item("D"), total=3),
    )

    skus = [x.sku for x in connector.fetch_listings()]

    assert skus == ["A", "B", "C", "D"]
    first, second = amazon_server.calls("GET", SEARCH)
    assert "createdAfter" not in query(first)
    assert query(second)["createdAfter"] == late


def test_searches_keep_to_the_usage_plan(connector, amazon_server, fake_clock):
    amazon_server.on("GET", SEARCH, echo_skus)

    connector.read_inventory([StockLevelDTO(sku=f"S{n}", quantity=0) for n in range(140)])

    assert len(amazon_server.calls("GET", SEARCH)) == 7
    # Burst 5, then one token every 0.2 s.
    assert fake_clock.sleeps == pytest.approx([0.2, 0.2])


def test_a_failing_search_raises(connector, amazon_server):
    amazon_server.on("GET", SEARCH, Reply(503, {"errors": [{"code": "ServiceUnavailable"}]}))

    with pytest.raises(ConnectorError):
        connector.read_inventory([StockLevelDTO(sku="A", quantity=0)])


# --- the real connector against the sandbox (live server) -------------------------------------
LIVE_SELLER = "A2LISTINGSREAD1"
LIVE_CLIENT = "amzn1.application-oa2-client.listings"
LIVE_SECRET = "listings-secret"


@pytest.fixture
def live(live_server, transactional_db):
    from sandbox.amazon import services

    services.seed_seller(
        seller_id=LIVE_SELLER,
        orders=0,
        days=5,
        seed=5,
        products=10,
        variants=30,
        client_id=LIVE_CLIENT,
        client_secret=LIVE_SECRET,
    )
    # Faster plans on both sides: the connector adopts the rate from x-amzn-RateLimit-Limit.
    services.set_rate_scale(LIVE_SELLER, 50)
    handle = AccountHandle(
        id=None,
        merchant_id=None,
        provider="amazon",
        external_id=LIVE_SELLER,
        base_url=f"{live_server.url}/sandbox/amazon/{LIVE_SELLER}",
        credentials={
            "lwa_client_secret": LIVE_SECRET,
            "refresh_token": services.refresh_token(LIVE_SELLER),
        },
        settings={"seller_id": LIVE_SELLER, "lwa_client_id": LIVE_CLIENT},
    )
    http = HttpClient(provider="amazon", account_key=LIVE_SELLER, max_retries=3, sleep=time.sleep)
    return AmazonConnector(handle, http, sleep=time.sleep)


def sandbox_listings():
    from sandbox.amazon.models import SandboxAmazonListing

    return SandboxAmazonListing.objects.filter(seller__seller_id=LIVE_SELLER).order_by("sku")


@pytest.mark.django_db(transaction=True)
def test_read_returns_what_the_sandbox_offers_and_follows_pushes(live):
    listings = list(sandbox_listings()[:25])
    levels = [StockLevelDTO(sku=x.sku, quantity=0) for x in listings]

    before = live.read_inventory([*levels, StockLevelDTO(sku="NO-SUCH-SKU", quantity=0)])
    pushed = live.push_inventory([StockLevelDTO(sku=listings[0].sku, quantity=41)])
    after = live.read_inventory(levels[:1])

    assert before == {**{x.sku: x.quantity for x in listings}, "NO-SUCH-SKU": None}
    assert pushed[0].status == PushStatus.SUCCESS
    assert after == {listings[0].sku: 41}


@pytest.mark.django_db(transaction=True)
def test_fetch_listings_enumerates_every_listing_once(live):
    listings = {x.sku: x for x in sandbox_listings()}

    fetched = list(live.fetch_listings())

    assert sorted(x.sku for x in fetched) == sorted(listings)
    for dto in fetched:
        row = listings[dto.sku]
        assert (dto.listing_id, dto.product_id, dto.title, dto.quantity) == (
            row.sku,
            row.asin,
            row.title,
            row.quantity,
        )
        assert dto.status == ("BUYABLE" if row.quantity > 0 else "DISCOVERABLE")
        assert dto.barcode == ""  # sandbox listings carry no EAN


@pytest.mark.django_db(transaction=True)
def test_enumeration_gets_past_the_search_limit(live, monkeypatch):
    from sandbox.amazon import search, services

    monkeypatch.setattr(search, "SEARCH_LIMIT", 7)
    services.reset_call_counts(LIVE_SELLER)

    fetched = [x.sku for x in live.fetch_listings()]

    assert sorted(fetched) == sorted(x.sku for x in sandbox_listings())
    assert len(fetched) == len(set(fetched))
    # 30 listings, 7 reachable per search: several searches, each restarted by createdAfter.
    assert services.call_counts(LIVE_SELLER)["searchListingsItems"] >= 5


@pytest.mark.django_db(transaction=True)
def test_fetch_listings_by_sku_over_http(live):
    wanted = [x.sku for x in sandbox_listings()[:3]]

    fetched = list(live.fetch_listings(skus=[*wanted, "NO-SUCH-SKU"]))

    assert sorted(x.sku for x in fetched) == sorted(wanted)
    assert all(x.product_id.startswith("B0") for x in fetched)
