"""Stock read-back and listing look-ups through ``GET /listings/v3/{skus}``: the exact requests
(scripted loopback server) and the real connector over real HTTP against the Flipkart sandbox
(live server)."""

from __future__ import annotations

import pytest

from integrations.connectors.flipkart.connector import FlipkartConnector
from integrations.connectors.flipkart.listings import inventory_at, listing_from_detail
from integrations.dto import AccountHandle, ListingDTO, PushStatus, StockLevelDTO
from integrations.http import ConnectorError, HttpClient
from tests.integrations.conftest import Reply
from tests.integrations.flipkart.conftest import stored_token


@pytest.fixture
def connector(make_connector):
    connector, _ = make_connector(credentials=stored_token(), settings={"location_id": "LOCmain"})
    return connector


def detail(sku: str, *locations: tuple[str, int], status: str = "ACTIVE") -> dict:
    return {
        "listing_id": f"LST{sku}",
        "product_id": f"FSN{sku}",
        "product_title": f"Kurta {sku}",
        "listing_status": status,
        "locations": [{"id": loc, "status": "ENABLED", "inventory": n} for loc, n in locations],
    }


def listings_answer(known: dict[str, dict], skus: list[str]) -> Reply:
    """The answer to ``GET /listings/v3/{skus}`` when Flipkart lists ``known``."""
    return Reply(
        200,
        {
            "available": {s: known[s] for s in skus if s in known},
            "unavailable": [s for s in skus if s not in known],
            "invalid": [],
        },
    )


# --- requests and mapping (scripted server) ---------------------------------------------------
def test_read_inventory_looks_up_ten_skus_per_call(connector, scripted_server):
    known = {f"K{n:02}": detail(f"K{n:02}", ("LOCmain", n), ("LOCother", 100)) for n in range(23)}
    skus = [*known, "GHOST-1"]
    scripted_server.script(
        *(listings_answer(known, skus[start : start + 10]) for start in (0, 10, 20))
    )

    quantities = connector.read_inventory([StockLevelDTO(sku=s, quantity=0) for s in skus])

    assert [r.path for r in scripted_server.requests] == [
        "/sellers/listings/v3/" + ",".join(skus[:10]),
        "/sellers/listings/v3/" + ",".join(skus[10:20]),
        "/sellers/listings/v3/" + ",".join(skus[20:]),
    ]
    assert all(r.method == "GET" for r in scripted_server.requests)
    # The account's location (LOCmain), not the sum with LOCother.
    assert quantities == {**{s: int(s[1:]) for s in known}, "GHOST-1": None}


def test_the_levels_location_wins_and_several_locations_add_up(make_connector, scripted_server):
    connector, _ = make_connector(credentials=stored_token())  # no account location
    known = {
        "A": detail("A", ("LOC1", 4), ("LOC2", 6)),
        "B": detail("B", ("LOC1", 4), ("LOC2", 6)),
        "C": detail("C", ("LOC1", 4), ("LOC2", 6)),
        "D": detail("D", ("LOC1", 4)),
    }
    scripted_server.script(listings_answer(known, list(known)))

    quantities = connector.read_inventory(
        [
            StockLevelDTO(sku="A", quantity=0, location_id="LOC2"),
            StockLevelDTO(sku="B", quantity=0),
            StockLevelDTO(sku="C", quantity=0, location_id="LOC1"),
            StockLevelDTO(sku="C", quantity=0, location_id="LOC2"),
            StockLevelDTO(sku="D", quantity=0, location_id="LOC9"),
        ]
    )

    assert quantities == {"A": 6, "B": 10, "C": 10, "D": 0}
    assert len(scripted_server.requests) == 1


def test_a_detail_maps_to_a_listing():
    single = detail("S", ("LOC1", 7), status="INACTIVE")
    several = detail("M", ("LOC1", 7), ("LOC2", 5))

    assert listing_from_detail("S", single) == ListingDTO(
        sku="S",
        listing_id="LSTS",
        product_id="FSNS",
        title="Kurta S",
        quantity=7,
        location_id="LOC1",
        status="INACTIVE",
    )
    assert (
        listing_from_detail("M", several).location_id,
        listing_from_detail("M", several).quantity,
    ) == ("", 12)
    assert listing_from_detail("M", several, "LOC2").quantity == 5
    assert listing_from_detail("M", several, "LOC3").quantity == 0
    assert inventory_at({"locations": [{"id": "X", "inventory": "7"}]}, None) == 0


def test_fetch_listings_looks_up_the_given_skus(connector, scripted_server):
    scripted_server.script(listings_answer({"A": detail("A", ("LOCmain", 3))}, ["A", "GHOST"]))

    listings = list(connector.fetch_listings(skus=["A", "GHOST", "A"]))

    assert [(x.sku, x.listing_id, x.product_id, x.quantity, x.location_id) for x in listings] == [
        ("A", "LSTA", "FSNA", 3, "LOCmain")
    ]
    assert [r.path for r in scripted_server.requests] == ["/sellers/listings/v3/A,GHOST"]


def test_without_skus_nothing_is_asked(connector, scripted_server):
    scripted_server.script(Reply(500, {}))

    assert list(connector.fetch_listings()) == []
    assert scripted_server.requests == []


def test_a_failing_lookup_raises(connector, scripted_server):
    scripted_server.script(Reply(503, {"error": "down"}))

    with pytest.raises(ConnectorError):
        connector.read_inventory([StockLevelDTO(sku="A", quantity=0)])


# --- the real connector against the sandbox (live server) -------------------------------------
APP = "fk-read-app"
SECRET = "fk-read-secret"


@pytest.fixture
def live_seller(live_server, transactional_db, settings):
    from sandbox.flipkart.services import seed_seller

    settings.PUBLIC_BASE_URL = live_server.url
    return seed_seller(application_id=APP, orders=0, days=5, seed=4, application_secret=SECRET)


@pytest.fixture
def live(live_server, live_seller):
    handle = AccountHandle(
        id=None,
        merchant_id=None,
        provider="flipkart",
        external_id=APP,
        base_url=f"{live_server.url}/sandbox/flipkart/{APP}",
        credentials={"application_secret": SECRET},
        settings={"application_id": APP, "location_id": live_seller.location_id},
    )
    http = HttpClient(provider="flipkart", account_key=APP, max_retries=3, sleep=lambda _s: None)
    return FlipkartConnector(handle, http)


@pytest.mark.django_db(transaction=True)
def test_read_follows_pushes_over_http(live, live_seller):
    from sandbox.flipkart.services import listing_inventory

    listings = list(live_seller.listings.order_by("sku")[:12])
    levels = [StockLevelDTO(sku=x.sku, quantity=0) for x in listings]
    held = {x.sku: listing_inventory(APP, x.sku) for x in listings}

    before = live.read_inventory([*levels, StockLevelDTO(sku="GHOST-1", quantity=0)])
    pushed = live.push_inventory(
        [StockLevelDTO(sku=x.sku, quantity=20 + n) for n, x in enumerate(listings[:3])]
    )
    after = live.read_inventory(levels[:3])

    assert before == {**held, "GHOST-1": None}
    assert [r.status for r in pushed] == [PushStatus.SUCCESS] * 3
    assert after == {x.sku: 20 + n for n, x in enumerate(listings[:3])}
    assert [listing_inventory(APP, x.sku) for x in listings[:3]] == [20, 21, 22]


@pytest.mark.django_db(transaction=True)
def test_a_second_location_is_read_apart_and_summed(live, live_seller):
    from sandbox.flipkart.models import SandboxFlipkartStock
    from sandbox.flipkart.services import listing_inventory
    from sandbox.kernel import clock

    listing = live_seller.listings.order_by("sku").first()
    SandboxFlipkartStock.objects.create(
        listing=listing, location_id="LOCsecond", inventory=0, updated_at=clock.now()
    )
    main = live_seller.location_id

    pushed = live.push_inventory(
        [
            StockLevelDTO(sku=listing.sku, quantity=5, location_id=main),
            StockLevelDTO(sku=listing.sku, quantity=8, location_id="LOCsecond"),
        ]
    )
    at_main = live.read_inventory([StockLevelDTO(sku=listing.sku, quantity=0)])
    at_second = live.read_inventory(
        [StockLevelDTO(sku=listing.sku, quantity=0, location_id="LOCsecond")]
    )
    both = live.read_inventory(
        [
            StockLevelDTO(sku=listing.sku, quantity=0, location_id=main),
            StockLevelDTO(sku=listing.sku, quantity=0, location_id="LOCsecond"),
        ]
    )

    assert pushed[0].status == PushStatus.SUCCESS
    assert (at_main, at_second, both) == ({listing.sku: 5}, {listing.sku: 8}, {listing.sku: 13})
    assert listing_inventory(APP, listing.sku) == 13


@pytest.mark.django_db(transaction=True)
def test_fetch_listings_over_http(live, live_seller):
    from sandbox.flipkart.services import listing_inventory

    rows = list(live_seller.listings.order_by("sku")[:11])

    fetched = list(live.fetch_listings(skus=[*(x.sku for x in rows), "GHOST-1"]))

    assert [x.sku for x in fetched] == [x.sku for x in rows]
    for dto, row in zip(fetched, rows, strict=True):
        assert (dto.listing_id, dto.product_id, dto.title, dto.status) == (
            row.listing_id,
            row.fsn,
            row.title,
            row.listing_status,
        )
        assert (dto.location_id, dto.quantity) == (
            live_seller.location_id,
            listing_inventory(APP, row.sku),
        )
