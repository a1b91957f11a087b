"""``fetch_orders`` over Orders API v0: request parameters, NextToken pagination of orders and
items, the high-water mark, quarantine, usage-plan pacing and 429 recovery without loss."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from integrations.dto import RecordFailure
from integrations.http import ConnectorError
from tests.integrations.amazon.conftest import query
from tests.integrations.conftest import Recorded, Reply

ORDERS = "/orders/v0/orders"
ITEMS = r"/orders/v0/orders/[^/]+/orderItems"
TOKEN = "2YgYW55IGNhcm5h+bCBw/bGVhc3VyZS4=="  # '+', '/' and '=' must survive the query string
QUOTA = Reply(
    429,
    {
        "errors": [
            {
                "code": "QuotaExceeded",
                "message": "You exceeded your quota for the requested resource.",
                "details": "",
            }
        ]
    },
)


def order(order_id: str, updated: str = "2024-05-01T03:58:32Z", **changes):
    body = {
        "AmazonOrderId": order_id,
        "PurchaseDate": "2024-05-01T03:58:30Z",
        "LastUpdateDate": updated,
        "OrderStatus": "Unshipped",
        "FulfillmentChannel": "MFN",
        "OrderTotal": {"CurrencyCode": "INR", "Amount": "499.00"},
        "PaymentMethod": "COD",
        "PaymentMethodDetails": ["CashOnDelivery"],
        "MarketplaceId": "A21TJRUUN4KGV",
    }
    body.update(changes)
    return body


def item(item_id: str, sku: str = "SKU-1", amount: str = "499.00", quantity: int = 1):
    return {
        "ASIN": "B0TEST0001",
        "OrderItemId": item_id,
        "SellerSKU": sku,
        "Title": "Kurta",
        "QuantityOrdered": quantity,
        "ItemPrice": {"CurrencyCode": "INR", "Amount": amount},
        "ItemTax": {"CurrencyCode": "INR", "Amount": "53.46"},
    }


def orders_page(*orders, next_token=None, headers=None) -> Reply:
    payload = {"Orders": list(orders), "CreatedBefore": "2024-05-02T00:00:00Z"}
    if next_token:
        payload["NextToken"] = next_token
    return Reply(200, {"payload": payload}, headers=headers or {})


def items_by_order(pages: dict[str, list[dict]]):
    """Answer getOrderItems from ``{order id: [payload, …]}``; a ``NextToken`` query selects
    the page after the one that returned it."""

    def reply(request: Recorded) -> Reply:
        order_id = request.path.split("/")[4]
        payloads = pages[order_id]
        token = query(request).get("NextToken")
        index = 0 if token is None else int(token.rsplit("-", 1)[1])
        return Reply(200, {"payload": {"AmazonOrderId": order_id, **payloads[index]}})

    return reply


def test_the_first_page_asks_for_orders_updated_since(connector, amazon_server):
    amazon_server.on("GET", ORDERS, orders_page())
    since = datetime(2024, 5, 1, 10, 0, tzinfo=UTC)
    page = connector.fetch_orders(since=since, cursor=None, page_size=50)
    assert (page.items, page.next_cursor, page.high_water) == ([], None, None)
    (sent,) = amazon_server.calls("GET", ORDERS)
    assert query(sent) == {
        "MarketplaceIds": "A21TJRUUN4KGV",
        "LastUpdatedAfter": "2024-05-01T10:00:00Z",
        "MaxResultsPerPage": "50",
    }


def test_without_since_the_last_30_days_are_read_at_most_100_per_page(
    make_connector, amazon_server, fake_clock
):
    amazon_server.on("GET", ORDERS, orders_page())
    make_connector(marketplace_ids="A21TJRUUN4KGV, A1F83G8C2ARO7P").fetch_orders(
        since=None, cursor=None, page_size=500
    )
    sent = query(amazon_server.calls("GET", ORDERS)[0])
    expected = datetime.fromtimestamp(fake_clock(), UTC) - timedelta(days=30)
    assert sent["LastUpdatedAfter"] == expected.strftime("%Y-%m-%dT%H:%M:%SZ")
    assert sent["MaxResultsPerPage"] == "100"
    assert sent["MarketplaceIds"] == "A21TJRUUN4KGV,A1F83G8C2ARO7P"


def test_next_token_pages_send_only_the_token_and_marketplaces(connector, amazon_server):
    amazon_server.on(
        "GET",
        ORDERS,
        orders_page(order("402-0000001-0000001"), next_token=TOKEN),
        orders_page(order("402-0000002-0000002")),
    )
    amazon_server.on(
        "GET",
        ITEMS,
        items_by_order(
            {
                "402-0000001-0000001": [{"OrderItems": [item("1")]}],
                "402-0000002-0000002": [{"OrderItems": [item("2")]}],
            }
        ),
    )
    since = datetime(2024, 5, 1, tzinfo=UTC)
    first = connector.fetch_orders(since=since, cursor=None)
    assert first.next_cursor == TOKEN
    second = connector.fetch_orders(since=since, cursor=first.next_cursor)
    assert second.next_cursor is None
    assert [o.external_id for o in first.items + second.items] == [
        "402-0000001-0000001",
        "402-0000002-0000002",
    ]
    page_two = amazon_server.calls("GET", ORDERS)[1]
    assert query(page_two) == {"NextToken": TOKEN, "MarketplaceIds": "A21TJRUUN4KGV"}


def test_order_items_follow_their_own_next_token(connector, amazon_server):
    amazon_server.on("GET", ORDERS, orders_page(order("402-0000001-0000001")))
    amazon_server.on(
        "GET",
        ITEMS,
        items_by_order(
            {
                "402-0000001-0000001": [
                    {"OrderItems": [item("1"), item("2", "SKU-2")], "NextToken": "items-1"},
                    {"OrderItems": [item("3", "SKU-3", "998.00", 2)]},
                ]
            }
        ),
    )
    page = connector.fetch_orders(since=datetime(2024, 5, 1, tzinfo=UTC), cursor=None)
    (dto,) = page.items
    assert [(i.external_id, i.sku, i.unit_price) for i in dto.items] == [
        ("1", "SKU-1", Decimal("499.00")),
        ("2", "SKU-2", Decimal("499.00")),
        ("3", "SKU-3", Decimal("499.00")),
    ]
    assert dto.payment_method == "cod"
    requests = amazon_server.calls("GET", ITEMS)
    assert [query(r) for r in requests] == [{}, {"NextToken": "items-1"}]
    assert requests[0].path == "/orders/v0/orders/402-0000001-0000001/orderItems"


def test_high_water_is_the_newest_update_and_bad_orders_are_quarantined(connector, amazon_server):
    amazon_server.on(
        "GET",
        ORDERS,
        orders_page(
            order("402-0000001-0000001", "2024-05-01T08:00:00+05:30"),
            order("402-0000002-0000002", "2024-05-02T01:00:00Z", OrderStatus="Teleported"),
            order("402-0000003-0000003", "2024-05-01T12:00:00Z"),
        ),
    )
    amazon_server.on(
        "GET",
        ITEMS,
        items_by_order(
            {
                "402-0000001-0000001": [{"OrderItems": [item("1")]}],
                "402-0000002-0000002": [{"OrderItems": [item("2")]}],
                "402-0000003-0000003": [{"OrderItems": [item("3")]}],
            }
        ),
    )
    page = connector.fetch_orders(since=datetime(2024, 5, 1, tzinfo=UTC), cursor=None)
    assert [o.external_id for o in page.items] == ["402-0000001-0000001", "402-0000003-0000003"]
    (failure,) = page.failures
    assert isinstance(failure, RecordFailure)
    assert failure.external_id == "402-0000002-0000002"
    assert "OrderStatus" in failure.error
    assert failure.payload["order"]["AmazonOrderId"] == "402-0000002-0000002"
    assert failure.payload["items"][0]["OrderItemId"] == "2"
    assert page.high_water == "2024-05-02T01:00:00Z"


def test_a_429_is_retried_and_no_order_or_item_is_lost(connector, amazon_server, fake_clock):
    amazon_server.on(
        "GET",
        ORDERS,
        QUOTA,
        orders_page(order("402-0000001-0000001"), order("402-0000002-0000002")),
    )
    answers = items_by_order(
        {
            "402-0000001-0000001": [{"OrderItems": [item("1")]}],
            "402-0000002-0000002": [{"OrderItems": [item("2"), item("3", "SKU-3")]}],
        }
    )
    quota_once = iter([True])

    def items_reply(request: Recorded) -> Reply:
        if request.path.endswith("402-0000002-0000002/orderItems") and next(quota_once, False):
            return QUOTA
        return answers(request)

    amazon_server.on("GET", ITEMS, items_reply)
    page = connector.fetch_orders(since=datetime(2024, 5, 1, tzinfo=UTC), cursor=None)
    assert [(o.external_id, len(o.items)) for o in page.items] == [
        ("402-0000001-0000001", 1),
        ("402-0000002-0000002", 2),
    ]
    assert len(amazon_server.calls("GET", ORDERS)) == 2
    assert len(amazon_server.calls("GET", ITEMS)) == 3
    assert len(fake_clock.sleeps) == 2  # one backoff per 429


def test_a_persistent_429_fails_the_page_instead_of_returning_part_of_it(connector, amazon_server):
    amazon_server.on("GET", ORDERS, orders_page(order("402-0000001-0000001")))
    amazon_server.on("GET", ITEMS, QUOTA)
    with pytest.raises(ConnectorError) as caught:
        connector.fetch_orders(since=datetime(2024, 5, 1, tzinfo=UTC), cursor=None)
    assert caught.value.permanent is False
    assert caught.value.status == 429


def test_getorders_is_paced_to_its_usage_plan(connector, amazon_server, fake_clock):
    amazon_server.on("GET", ORDERS, orders_page())
    for _ in range(22):
        connector.fetch_orders(since=datetime(2024, 5, 1, tzinfo=UTC), cursor=None)
    # burst 20 free, then one request per 1 / 0.0167 s
    assert fake_clock.sleeps == [pytest.approx(1 / 0.0167)] * 2
    assert len(amazon_server.calls("GET", ORDERS)) == 22


def test_the_rate_limit_header_of_a_response_sets_the_pace(connector, amazon_server, fake_clock):
    amazon_server.on("GET", ORDERS, orders_page(headers={"x-amzn-RateLimit-Limit": "0.5"}))
    for _ in range(21):
        connector.fetch_orders(since=datetime(2024, 5, 1, tzinfo=UTC), cursor=None)
    assert fake_clock.sleeps == [pytest.approx(2.0)]
