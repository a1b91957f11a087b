"""``fetch_orders``: the three shipment searches, ``nextPageUrl`` followed exactly, orders
completed across shipments, cursors and high-water marks (scripted loopback server)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from urllib.parse import parse_qs

import pytest

from integrations.connectors.flipkart.orders import MAX_IDS_PER_LOOKUP
from integrations.connectors.flipkart.paging import INITIAL_LOOKBACK
from integrations.dto import OrderStatus, RecordFailure
from integrations.http import ConnectorError
from tests.integrations.conftest import Reply
from tests.integrations.flipkart.conftest import NOW, order_item, shipment, stored_token

SINCE = datetime(2024, 6, 10, 6, 0, tzinfo=UTC)
EMPTY = {"hasMore": False, "nextPageUrl": None, "shipments": []}


def page(shipments, next_url=None):
    return Reply(200, {"hasMore": bool(next_url), "nextPageUrl": next_url, "shipments": shipments})


def complete(*shipments):
    return Reply(200, {"shipments": list(shipments)})


@pytest.fixture
def connector(make_connector):
    connector, _ = make_connector(credentials=stored_token())
    return connector


def test_the_first_request_searches_pre_dispatch_shipments_modified_in_the_window(
    connector, scripted_server
):
    scripted_server.script(Reply(200, EMPTY))

    connector.fetch_orders(since=SINCE, cursor=None)

    first = scripted_server.requests[0]
    assert (first.method, first.path) == ("POST", "/sellers/v3/shipments/filter")
    assert first.json() == {
        "filter": {
            "type": "preDispatch",
            "states": [
                "APPROVED",
                "PACKING_IN_PROGRESS",
                "PACKED",
                "FORM_FAILED",
                "READY_TO_DISPATCH",
            ],
            "modifiedDate": {"from": "2024-06-10T06:00:00.000Z", "to": "2024-06-10T12:00:00.000Z"},
        },
        "sort": {"field": "modifiedDate", "order": "asc"},
        "pagination": {"pageSize": 20},
    }
    searches = [
        (r.json()["filter"]["type"], r.json()["filter"]["states"]) for r in scripted_server.requests
    ]
    assert searches[1:] == [
        ("postDispatch", ["SHIPPED", "DELIVERED", "PICKUP_COMPLETE"]),
        ("cancelled", ["CANCELLED"]),
    ]


def test_a_first_sync_looks_back_ninety_days_and_page_size_is_capped(connector, scripted_server):
    scripted_server.script(Reply(200, EMPTY))

    connector.fetch_orders(since=None, cursor=None, page_size=250)

    body = scripted_server.requests[0].json()
    start = datetime.fromisoformat(body["filter"]["modifiedDate"]["from"])
    assert start == NOW - INITIAL_LOOKBACK
    assert body["pagination"] == {"pageSize": 20}


def test_next_page_url_is_followed_exactly_as_returned(connector, scripted_server):
    first = shipment("S1", [order_item("OD1", "I1")])
    second = shipment("S2", [order_item("OD2", "I2")], updated="2024-06-10T11:00:00.000+05:30")
    next_url = "/v3/shipments/filter?next_token=eyJhIjoxfQ%3D%3D%3Asig"
    scripted_server.script(
        page([first], next_url),
        complete(first),
        page([second]),
        complete(second),
        Reply(200, EMPTY),
    )

    one = connector.fetch_orders(since=SINCE, cursor=None)
    two = connector.fetch_orders(since=SINCE, cursor=one.next_cursor)

    follow = scripted_server.requests[2]
    assert (follow.method, follow.path, follow.query) == (
        "GET",
        "/sellers/v3/shipments/filter",
        "next_token=eyJhIjoxfQ%3D%3D%3Asig",
    )
    assert follow.body == b""
    assert [o.external_id for o in one.items] == ["OD1"]
    assert [o.external_id for o in two.items] == ["OD2"]
    # The search for preDispatch is exhausted: the next cursor starts postDispatch.
    assert two.next_cursor is not None
    scripted_server.requests.clear()
    scripted_server.script(Reply(200, EMPTY))
    last = connector.fetch_orders(since=SINCE, cursor=two.next_cursor)
    assert [r.json()["filter"]["type"] for r in scripted_server.requests] == [
        "postDispatch",
        "cancelled",
    ]
    assert last.next_cursor is None


def test_an_absolute_next_page_url_is_used_as_it_is(connector, scripted_server):
    first = shipment("S1", [order_item("OD1", "I1")])
    absolute = f"{scripted_server.url}/elsewhere/v3/shipments/filter?next_token=abc"
    scripted_server.script(page([first], absolute), complete(first), Reply(200, EMPTY))

    one = connector.fetch_orders(since=SINCE, cursor=None)
    connector.fetch_orders(since=SINCE, cursor=one.next_cursor)

    follow = scripted_server.requests[2]
    assert (follow.method, follow.path, follow.query) == (
        "GET",
        "/elsewhere/v3/shipments/filter",
        "next_token=abc",
    )


def test_the_window_end_is_fixed_for_every_search_of_a_run(make_connector, scripted_server):
    ticks = iter(range(1000))
    connector, _ = make_connector(credentials=stored_token())
    connector.orders.now = lambda: NOW + timedelta(hours=next(ticks))  # time moves on
    first = shipment("S1", [order_item("OD1", "I1")])
    scripted_server.script(page([first]), complete(first), Reply(200, EMPTY))

    one = connector.fetch_orders(since=SINCE, cursor=None)
    connector.fetch_orders(since=SINCE, cursor=one.next_cursor)

    searches = [r.json() for r in scripted_server.requests if r.method == "POST"]
    assert {s["filter"]["modifiedDate"]["to"] for s in searches} == {"2024-06-10T12:00:00.000Z"}


def test_orders_are_completed_with_items_from_their_other_shipments(connector, scripted_server):
    """OD1 has two shipments; the search page shows only S1. The order is built from both."""
    s1 = shipment(
        "S1",
        [order_item("OD1", "I1", status="PACKED", selling=799.0, payment="COD")],
        updated="2024-06-10T09:00:00.000+05:30",
    )
    s2 = shipment(
        "S2",
        [
            order_item(
                "OD1", "I2", status="SHIPPED", sku="SAREE-BAN-RED", selling=1499.0, payment="COD"
            )
        ],
        updated="2024-06-10T10:30:00.000+05:30",
    )
    s3 = shipment("S3", [order_item("OD2", "I3")], updated="2024-06-10T11:15:00.000+05:30")
    scripted_server.script(page([s1, s3]), complete(s1, s2, s3), Reply(200, EMPTY))

    result = connector.fetch_orders(since=SINCE, cursor=None)

    lookup = scripted_server.requests[1]
    assert (lookup.method, lookup.path) == ("GET", "/sellers/v3/shipments")
    assert parse_qs(lookup.query) == {"orderIds": ["OD1,OD2"]}
    od1, od2 = result.items
    assert od1.external_id == "OD1"
    assert [(i.external_id, i.sku) for i in od1.items] == [
        ("I1", "KURTA-IND-BLU-M"),
        ("I2", "SAREE-BAN-RED"),
    ]
    assert od1.status == OrderStatus.PARTIALLY_SHIPPED
    assert od1.subtotal == Decimal("2298.00")
    assert od1.payment_method == "cod"
    assert od1.updated_at == datetime(2024, 6, 10, 5, 0, tzinfo=UTC)  # S2's updatedAt
    assert od1.raw["items"][1]["shipmentId"] == "S2"
    assert od2.status == OrderStatus.CONFIRMED
    # High water: the latest updatedAt of the page's shipments (11:15 IST), not S2's.
    assert result.high_water == "2024-06-10T05:45:00Z"


def test_the_high_water_mark_never_passes_the_window_end(connector, scripted_server):
    late = shipment("S1", [order_item("OD1", "I1")], updated="2024-06-10T23:00:00.000+05:30")
    scripted_server.script(page([late]), complete(late))

    result = connector.fetch_orders(since=SINCE, cursor=None)

    assert result.high_water == "2024-06-10T12:00:00Z"


def test_an_order_missing_from_the_lookup_is_quarantined_not_imported_in_part(
    connector, scripted_server
):
    s1 = shipment("S1", [order_item("OD1", "I1")])
    s2 = shipment("S2", [order_item("OD2", "I2")])
    scripted_server.script(page([s1, s2]), complete(s2))

    result = connector.fetch_orders(since=SINCE, cursor=None)

    assert [o.external_id for o in result.items] == ["OD2"]
    [failure] = result.failures
    assert failure.external_id == "OD1"
    assert "did not return" in failure.error
    assert failure.payload["items"][0]["orderItemId"] == "I1"


def test_a_bad_record_is_a_failure_and_the_rest_of_the_page_imports(connector, scripted_server):
    bad = shipment("S1", [order_item("OD1", "I1", status="TELEPORTED")])
    good = shipment("S2", [order_item("OD2", "I2")])
    scripted_server.script(page([bad, good]), complete(bad, good))

    result = connector.fetch_orders(since=SINCE, cursor=None)

    assert [o.external_id for o in result.items] == ["OD2"]
    [failure] = result.failures
    assert isinstance(failure, RecordFailure)
    assert failure.external_id == "OD1"
    assert "TELEPORTED" in failure.error
    assert type(connector).parse_record("orders", failure.payload) == failure


def test_an_empty_search_moves_on_to_the_next_search_in_the_same_call(connector, scripted_server):
    cancelled = shipment("S9", [order_item("OD9", "I9", status="CANCELLED")])
    scripted_server.script(
        Reply(200, EMPTY), Reply(200, EMPTY), page([cancelled]), complete(cancelled)
    )

    result = connector.fetch_orders(since=SINCE, cursor=None)

    assert [r.method for r in scripted_server.requests] == ["POST", "POST", "POST", "GET"]
    assert [o.status for o in result.items] == [OrderStatus.CANCELLED]
    assert result.next_cursor is None


def test_order_lookups_take_at_most_one_hundred_ids(connector, scripted_server):
    scripted_server.script(Reply(200, {"shipments": []}))
    ids = [f"OD{n:04d}" for n in range(MAX_IDS_PER_LOOKUP + 30)]

    connector.orders.complete_orders(ids)

    sizes = [len(parse_qs(r.query)["orderIds"][0].split(",")) for r in scripted_server.requests]
    assert sizes == [100, 30]


def test_an_unreadable_cursor_is_refused(connector):
    with pytest.raises(ConnectorError, match="cursor"):
        connector.fetch_orders(since=SINCE, cursor="not-a-cursor")
