"""``fetch_returns`` (both sources, ``nextUrl``) and the listing pushes (≤ 10 SKUs a call,
per-SKU results, look-ups of unknown product ids) against a scripted loopback server."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal
from urllib.parse import parse_qs

import pytest

from integrations.dto import PriceDTO, PushStatus, ReturnKind, ReturnStatus, StockLevelDTO
from tests.integrations.conftest import Reply
from tests.integrations.flipkart.conftest import return_item, stored_token

SINCE = datetime(2024, 6, 1, 0, 0, tzinfo=UTC)


@pytest.fixture
def connector(make_connector):
    connector, _ = make_connector(credentials=stored_token(), settings={"location_id": "LOCmain"})
    return connector


def returns_page(items, next_url=None):
    return Reply(200, {"hasMore": bool(next_url), "nextUrl": next_url, "returnItems": items})


def test_returns_are_read_per_source_following_next_url(connector, scripted_server):
    next_url = "/v2/returns?next_token=page-2%3D"
    scripted_server.script(
        returns_page([return_item("R1")], next_url),
        returns_page([return_item("R2", status="COMPLETED", shipmentStatus="DELIVERED")]),
        returns_page([return_item("R3", type="RTO", reason="undelivered")]),
    )

    one = connector.fetch_returns(since=SINCE, cursor=None)
    two = connector.fetch_returns(since=SINCE, cursor=one.next_cursor)
    three = connector.fetch_returns(since=SINCE, cursor=two.next_cursor)

    first, follow, courier = scripted_server.requests
    assert (first.method, first.path) == ("GET", "/sellers/v2/returns")
    assert parse_qs(first.query) == {
        "source": ["customer_return"],
        "modifiedAfter": ["2024-06-01T00:00:00.000Z"],
        "modifiedBefore": ["2024-06-10T12:00:00.000Z"],
    }
    assert (follow.path, follow.query) == ("/sellers/v2/returns", "next_token=page-2%3D")
    assert parse_qs(courier.query)["source"] == ["courier_return"]
    assert [(r.external_id, r.kind, r.status) for r in [*one.items, *two.items, *three.items]] == [
        ("R1", ReturnKind.CUSTOMER_RETURN, ReturnStatus.REQUESTED),
        ("R2", ReturnKind.CUSTOMER_RETURN, ReturnStatus.RECEIVED),
        ("R3", ReturnKind.RTO, ReturnStatus.REQUESTED),
    ]
    assert one.items[0].raw["source"] == "customer_return"
    assert one.high_water == "2024-06-02T05:30:00Z"
    assert three.next_cursor is None


def test_a_bad_return_is_a_failure_and_does_not_stop_the_page(connector, scripted_server):
    scripted_server.script(
        returns_page([return_item("R1", status="VANISHED"), return_item("R2")]), returns_page([])
    )

    page = connector.fetch_returns(since=SINCE, cursor=None)

    assert [r.external_id for r in page.items] == ["R2"]
    assert [f.external_id for f in page.failures] == ["R1"]


def answer(skus, status="SUCCESS"):
    return Reply(200, {s: {"status": status, "errors": [], "attribute_errors": []} for s in skus})


def test_inventory_is_pushed_ten_skus_a_call_with_per_sku_results(connector, scripted_server):
    levels = [
        StockLevelDTO(sku=f"SKU-{n:02d}", quantity=n, product_id=f"FSN{n:02d}") for n in range(23)
    ]
    replies = [
        answer([f"SKU-{n:02d}" for n in range(start, min(start + 10, 23))]) for start in (0, 10, 20)
    ]
    warned = json.loads(json.dumps(replies[2].body))
    warned["SKU-21"] = {
        "status": "WARNING",
        "errors": [],
        "attribute_errors": [
            {
                "severity": "WARNING",
                "code": 10005,
                "description": "Location LOCmain is disabled",
                "attribute": "locations",
            }
        ],
    }
    warned["SKU-22"] = {
        "status": "FAILURE",
        "errors": [
            {"severity": "ERROR", "code": 10002, "description": "product_id does not match"}
        ],
        "attribute_errors": [],
    }
    scripted_server.script(replies[0], replies[1], Reply(200, warned))

    results = connector.push_inventory(levels)

    bodies = [r.json() for r in scripted_server.requests]
    assert [r.path for r in scripted_server.requests] == [
        "/sellers/listings/v3/update/inventory"
    ] * 3
    assert [len(b) for b in bodies] == [10, 10, 3]
    assert bodies[0]["SKU-03"] == {
        "product_id": "FSN03",
        "locations": [{"id": "LOCmain", "inventory": 3}],
    }
    assert [r.sku for r in results] == [level.sku for level in levels]
    assert {r.status for r in results[:21]} == {PushStatus.SUCCESS}
    assert results[21].status == PushStatus.WARNING
    assert results[21].issues == ("WARNING 10005: Location LOCmain is disabled (locations)",)
    assert results[22].status == PushStatus.FAILURE
    assert "product_id does not match" in results[22].message


def test_levels_of_one_sku_at_several_locations_are_one_entry(connector, scripted_server):
    scripted_server.script(answer(["SKU-1"]))

    [result] = connector.push_inventory(
        [
            StockLevelDTO(sku="SKU-1", quantity=4, product_id="FSN1", location_id="LOCa"),
            StockLevelDTO(sku="SKU-1", quantity=6, product_id="FSN1", location_id="LOCb"),
        ]
    )

    assert scripted_server.requests[0].json() == {
        "SKU-1": {
            "product_id": "FSN1",
            "locations": [{"id": "LOCa", "inventory": 4}, {"id": "LOCb", "inventory": 6}],
        }
    }
    assert result.status == PushStatus.SUCCESS


def test_unknown_product_ids_are_looked_up_and_unlisted_skus_fail_locally(
    connector, scripted_server
):
    scripted_server.script(
        Reply(
            200,
            {
                "available": {"KURTA-1": {"product_id": "KURTFSN000000001", "listing_id": "LSTX"}},
                "unavailable": ["GHOST-1"],
                "invalid": [],
            },
        ),
        answer(["KURTA-1"]),
    )

    results = connector.push_inventory(
        [StockLevelDTO(sku="KURTA-1", quantity=5), StockLevelDTO(sku="GHOST-1", quantity=2)]
    )

    lookup, push = scripted_server.requests
    assert lookup.method == "GET"
    assert lookup.path in (
        "/sellers/listings/v3/KURTA-1,GHOST-1",
        "/sellers/listings/v3/GHOST-1,KURTA-1",
    )
    assert push.json() == {
        "KURTA-1": {
            "product_id": "KURTFSN000000001",
            "locations": [{"id": "LOCmain", "inventory": 5}],
        }
    }
    assert [(r.sku, r.status) for r in results] == [
        ("KURTA-1", PushStatus.SUCCESS),
        ("GHOST-1", PushStatus.FAILURE),
    ]
    assert results[1].message == "SKU is not listed on Flipkart"


def test_without_any_location_nothing_is_sent(make_connector, scripted_server):
    connector, _ = make_connector(credentials=stored_token())
    scripted_server.script(answer([]))

    [result] = connector.push_inventory([StockLevelDTO(sku="SKU-1", quantity=3, product_id="F")])

    assert result.status == PushStatus.FAILURE
    assert "location" in result.message
    assert scripted_server.requests == []


def test_prices_are_pushed_in_whole_rupees_with_the_listed_mrp(connector, scripted_server):
    scripted_server.script(
        Reply(200, {"available": {"SAREE-1": {"product_id": "SAREFSN", "price": {"mrp": 2999}}}}),
        answer(["SAREE-1", "KURTA-1"]),
    )

    results = connector.push_prices(
        [
            PriceDTO(sku="SAREE-1", price=Decimal("1899.00")),
            PriceDTO(
                sku="KURTA-1", price=Decimal("799"), mrp=Decimal("1299"), product_id="KURTFSN"
            ),
            PriceDTO(
                sku="DUPTA-1", price=Decimal("349.50"), mrp=Decimal("499"), product_id="DUPTFSN"
            ),
        ]
    )

    lookup, push = scripted_server.requests
    assert lookup.path == "/sellers/listings/v3/SAREE-1"
    assert push.path == "/sellers/listings/v3/update/price"
    assert push.json() == {
        "SAREE-1": {
            "product_id": "SAREFSN",
            "price": {"mrp": 2999, "selling_price": 1899, "currency": "INR"},
        },
        "KURTA-1": {
            "product_id": "KURTFSN",
            "price": {"mrp": 1299, "selling_price": 799, "currency": "INR"},
        },
    }
    assert [(r.sku, r.status) for r in results] == [
        ("SAREE-1", PushStatus.SUCCESS),
        ("KURTA-1", PushStatus.SUCCESS),
        ("DUPTA-1", PushStatus.FAILURE),
    ]
    assert "whole rupees" in results[2].message
