"""Orders API v0: getOrders validation, filters and NextToken paging; getOrder(Items)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.db.models import Count

from sandbox.amazon import services
from sandbox.amazon.models import SandboxAmazonOrder, SandboxAmazonOrderItem
from sandbox.kernel import clock
from sandbox.kernel.formats import iso_utc
from tests.sandbox.amazon.conftest import (
    CLIENT_ID,
    CLIENT_SECRET,
    MARKETPLACE,
    REFRESH_TOKEN,
    SELLER,
    assert_matches_model,
    lwa,
)

ORDERS = "/orders/v0/orders"
ITEMS = "/orders/v0/orders/{orderId}/orderItems"


def since(days: int = 30) -> str:
    return iso_utc(clock.now() - timedelta(days=days))


def all_orders(sp, **query) -> list[dict]:
    """Every page of a getOrders query, following NextToken alone."""
    response = sp.get(ORDERS, MarketplaceIds=MARKETPLACE, **query)
    orders = []
    while True:
        assert response.status_code == 200, response.content
        payload = response.json()["payload"]
        orders.extend(payload["Orders"])
        if "NextToken" not in payload:
            return orders
        response = sp.get(ORDERS, NextToken=payload["NextToken"])


def test_orders_page_matches_the_model_and_carries_headers(sp):
    response = sp.get(ORDERS, MarketplaceIds=MARKETPLACE, LastUpdatedAfter=since())

    assert response.status_code == 200
    body = response.json()
    assert_matches_model("ordersV0.json", ORDERS, "get", 200, body)
    assert len(body["payload"]["Orders"]) == 40
    assert response["x-amzn-RateLimit-Limit"] == "0.0167"
    assert response["x-amzn-RequestId"]
    order = body["payload"]["Orders"][0]
    assert re.fullmatch(r"40[2-8]-\d{7}-\d{7}", order["AmazonOrderId"])
    assert order["MarketplaceId"] == MARKETPLACE
    assert order["SalesChannel"] == "Amazon.in"


@pytest.mark.parametrize(
    ("query", "fragment"),
    [
        ({"LastUpdatedAfter": "2024-01-01"}, "MarketplaceIds"),
        ({"MarketplaceIds": MARKETPLACE}, "CreatedAfter or LastUpdatedAfter"),
        (
            {"MarketplaceIds": MARKETPLACE, "CreatedAfter": "2024-01-01", "LastUpdatedBefore": "x"},
            "cannot be set",
        ),
        (
            {
                "MarketplaceIds": MARKETPLACE,
                "LastUpdatedAfter": "2024-01-01",
                "MaxResultsPerPage": 0,
            },
            "MaxResultsPerPage",
        ),
        (
            {
                "MarketplaceIds": MARKETPLACE,
                "LastUpdatedAfter": "2024-01-01",
                "MaxResultsPerPage": 101,
            },
            "MaxResultsPerPage",
        ),
        ({"MarketplaceIds": "ATVPDKIKX0DER", "CreatedAfter": "2024-01-01"}, "MarketplaceIds"),
        ({"MarketplaceIds": MARKETPLACE, "CreatedAfter": "yesterday"}, "ISO 8601"),
        (
            {"MarketplaceIds": MARKETPLACE, "CreatedAfter": "2024-01-01", "OrderStatuses": "Lost"},
            "OrderStatuses",
        ),
        (
            {
                "MarketplaceIds": MARKETPLACE,
                "CreatedAfter": "2024-01-02",
                "CreatedBefore": "2024-01-01",
            },
            "CreatedBefore",
        ),
    ],
)
def test_invalid_get_orders_requests_are_invalid_input(fast, sp, query, fragment):
    response = sp.get(ORDERS, **query)

    assert response.status_code == 400
    body = response.json()
    assert_matches_model("ordersV0.json", ORDERS, "get", 400, body)
    assert body["errors"][0]["code"] == "InvalidInput"
    assert fragment in body["errors"][0]["message"]


def test_before_bound_must_be_two_minutes_old(sp):
    response = sp.get(
        ORDERS,
        MarketplaceIds=MARKETPLACE,
        LastUpdatedAfter=since(),
        LastUpdatedBefore=iso_utc(clock.now()),
    )

    assert response.status_code == 400
    assert "two minutes" in response.json()["errors"][0]["message"]


def test_next_token_alone_continues_the_query_without_gaps_or_duplicates(fast, sp):
    orders = all_orders(sp, LastUpdatedAfter=since(), MaxResultsPerPage=7)

    ids = [o["AmazonOrderId"] for o in orders]
    keys = [(o["LastUpdateDate"], o["AmazonOrderId"]) for o in orders]
    assert len(ids) == len(set(ids)) == SandboxAmazonOrder.objects.count() == 40
    assert keys == sorted(keys)


def test_paging_is_stable_while_orders_change(fast, sp, frozen_clock):
    first = sp.get(
        ORDERS, MarketplaceIds=MARKETPLACE, LastUpdatedAfter=since(), MaxResultsPerPage=10
    ).json()["payload"]
    seen = {o["AmazonOrderId"] for o in first["Orders"]}
    frozen_clock.advance(5)
    open_order = (
        SandboxAmazonOrder.objects.filter(status="Unshipped")
        .exclude(amazon_order_id__in=seen)
        .order_by("last_update_date")
        .first()
    )
    services.update_order_status(
        seller_id=SELLER, amazon_order_id=open_order.amazon_order_id, status="Shipped"
    )
    services.simulate_orders(seller_id=SELLER, count=3, seed=1)

    rest, token = [], first["NextToken"]
    while token:
        payload = sp.get(ORDERS, NextToken=token).json()["payload"]
        rest.extend(payload["Orders"])
        token = payload.get("NextToken")

    ids = list(seen) + [o["AmazonOrderId"] for o in rest]
    assert len(ids) == len(set(ids))
    # The order updated mid-run moved past the window's bound; the next sync from
    # LastUpdatedBefore picks it up with its new status.
    assert open_order.amazon_order_id not in ids
    assert len(ids) == 39
    frozen_clock.advance(180)
    later = all_orders(sp, LastUpdatedAfter=first["LastUpdatedBefore"])
    shipped = {o["AmazonOrderId"]: o["OrderStatus"] for o in later}
    assert shipped[open_order.amazon_order_id] == "Shipped"


def test_created_window_echoes_created_before(sp):
    body = sp.get(ORDERS, MarketplaceIds=MARKETPLACE, CreatedAfter=since(3)).json()

    payload = body["payload"]
    assert "CreatedBefore" in payload
    assert "LastUpdatedBefore" not in payload
    assert all(o["PurchaseDate"] >= since(3) for o in payload["Orders"])


def test_filters_narrow_the_orders(fast, sp):
    cod = all_orders(sp, LastUpdatedAfter=since(), PaymentMethods="COD")
    afn = all_orders(sp, LastUpdatedAfter=since(), FulfillmentChannels="AFN")
    shipped = all_orders(sp, LastUpdatedAfter=since(), OrderStatuses="Shipped,Canceled")

    assert cod
    assert all(o["PaymentMethodDetails"] == ["CashOnDelivery"] for o in cod)
    assert len(cod) == SandboxAmazonOrder.objects.filter(payment_method="COD").count()
    assert afn
    assert all(o["FulfillmentChannel"] == "AFN" for o in afn)
    assert shipped
    assert {o["OrderStatus"] for o in shipped} <= {"Shipped", "Canceled"}


def test_prepaid_orders_say_other_and_standard(fast, sp):
    prepaid = all_orders(sp, LastUpdatedAfter=since(), PaymentMethods="Other")

    assert prepaid
    assert all(
        o["PaymentMethod"] == "Other" and o["PaymentMethodDetails"] == ["Standard"] for o in prepaid
    )


def test_pending_orders_have_no_total_address_or_item_prices(fast, sp, frozen_clock):
    (order_id,) = services.simulate_orders(seller_id=SELLER, count=1, seed=3)
    order = SandboxAmazonOrder.objects.get(amazon_order_id=order_id)
    if order.status != "Pending":
        order.status = "Pending"
        order.payment_method, order.payment_method_details = "Other", ["Standard"]
        order.save()

    body = sp.get(f"{ORDERS}/{order_id}").json()
    items = sp.get(ITEMS.format(orderId=order_id)).json()

    assert "OrderTotal" not in body["payload"]
    assert "ShippingAddress" not in body["payload"]
    assert items["payload"]["OrderItems"]
    assert all("ItemPrice" not in item for item in items["payload"]["OrderItems"])
    services.update_order_status(seller_id=SELLER, amazon_order_id=order_id, status="Unshipped")
    paid = sp.get(f"{ORDERS}/{order_id}").json()["payload"]
    assert paid["OrderTotal"]["CurrencyCode"] == "INR"
    assert paid["ShippingAddress"]["CountryCode"] == "IN"


def test_order_items_match_the_model_and_add_up(sp):
    order = SandboxAmazonOrder.objects.exclude(status="Pending").order_by("pk").first()

    response = sp.get(ITEMS.format(orderId=order.amazon_order_id))

    assert response.status_code == 200
    body = response.json()
    assert_matches_model("ordersV0.json", ITEMS, "get", 200, body)
    assert response["x-amzn-RateLimit-Limit"] == "0.5"
    items = body["payload"]["OrderItems"]
    assert body["payload"]["AmazonOrderId"] == order.amazon_order_id
    charged = sum(
        float(i["ItemPrice"]["Amount"])
        + float(i["ShippingPrice"]["Amount"])
        - float(i["ShippingDiscount"]["Amount"])
        - float(i["PromotionDiscount"]["Amount"])
        for i in items
    )
    assert charged == pytest.approx(float(order.order_total))
    assert all(isinstance(i["ItemPrice"]["Amount"], str) for i in items)


def test_bulk_order_items_are_paged_with_next_token(fast, sp):
    services.seed_seller(
        seller_id=SELLER,
        orders=400,
        days=30,
        seed=5,
        products=20,
        variants=80,
        client_id=CLIENT_ID,
        client_secret=CLIENT_SECRET,
        refresh_token=REFRESH_TOKEN,
    )
    services.set_rate_scale(SELLER, 10_000)
    sp.token = lwa(sp.client).json()["access_token"]
    bulk = (
        SandboxAmazonOrderItem.objects.values("order__amazon_order_id")
        .order_by()
        .annotate(n=Count("id"))
        .filter(n__gt=30)
        .order_by("order__amazon_order_id")
        .first()
    )
    assert bulk is not None, "the seed should hold a bulk business order"

    first = sp.get(ITEMS.format(orderId=bulk["order__amazon_order_id"])).json()["payload"]
    second = sp.get(
        ITEMS.format(orderId=bulk["order__amazon_order_id"]), NextToken=first["NextToken"]
    ).json()["payload"]

    assert len(first["OrderItems"]) == 30
    assert len(first["OrderItems"]) + len(second["OrderItems"]) == bulk["n"]
    assert "NextToken" not in second
    ids = [i["OrderItemId"] for i in first["OrderItems"] + second["OrderItems"]]
    assert len(set(ids)) == bulk["n"]


def test_unknown_and_malformed_order_ids(sp):
    missing = sp.get(ITEMS.format(orderId="403-0000000-0000000"))
    malformed = sp.get(ITEMS.format(orderId="nope"))

    assert missing.status_code == 404
    assert_matches_model("ordersV0.json", ITEMS, "get", 404, missing.json())
    assert malformed.status_code == 400
    assert_matches_model("ordersV0.json", ITEMS, "get", 400, malformed.json())


def test_forged_next_token_is_invalid_input(sp):
    response = sp.get(ORDERS, NextToken="bm90IG91cnM=")

    assert response.status_code == 400
    assert response.json()["errors"][0]["code"] == "InvalidInput"
