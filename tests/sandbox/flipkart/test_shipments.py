"""The Flipkart sandbox's shipment search (validation, windows, keyset pages, next tokens) and
shipment look-up."""

from __future__ import annotations

from datetime import datetime
from urllib.parse import parse_qs, urlsplit

import pytest

ALL_POST = ["SHIPPED", "DELIVERED", "PICKUP_COMPLETE"]


def search(api, body):
    response = api.post("/v3/shipments/filter", body)
    assert response.status_code == 200, response.content
    return response.json()


def follow(api, next_url):
    """GET a ``nextPageUrl`` exactly as returned (relative to ``/sellers``)."""
    parts = urlsplit(next_url)
    response = api.client.get(
        f"/sandbox/flipkart/fk-test-app/sellers{parts.path}",
        {k: v[0] for k, v in parse_qs(parts.query).items()},
        HTTP_AUTHORIZATION=f"Bearer {api.token}",
    )
    assert response.status_code == 200, response.content
    return response.json()


def walk(api, body):
    pages = [search(api, body)]
    while pages[-1]["hasMore"]:
        pages.append(follow(api, pages[-1]["nextPageUrl"]))
    return pages


def expected_ids(seller, states):
    from sandbox.flipkart.models import SandboxFlipkartShipment

    return set(
        SandboxFlipkartShipment.objects.filter(seller=seller, items__status__in=states)
        .values_list("shipment_id", flat=True)
        .distinct()
    )


@pytest.mark.parametrize(
    ("body", "code", "path"),
    [
        ({"filter": {"states": ["APPROVED"]}}, "INVALID_REQUEST", "filter"),
        ({"filter": {"type": "preDispatch"}}, "INVALID_REQUEST", "filter"),
        ({"filter": {"type": "preDispatch", "states": []}}, "INVALID_REQUEST", "filter.states"),
        ({"filter": {"type": "soon", "states": ["APPROVED"]}}, "INVALID_REQUEST", "filter.type"),
        (
            {"filter": {"type": "preDispatch", "states": ["LOST"]}},
            "INVALID_REQUEST",
            "filter.states.0",
        ),
        (
            {"filter": {"type": "preDispatch", "states": ["SHIPPED"]}},
            "INVALID_STATES",
            "filter.states",
        ),
        (
            {"filter": {"type": "cancelled", "states": ["DELIVERED"]}},
            "INVALID_STATES",
            "filter.states",
        ),
        (
            {
                "filter": {"type": "postDispatch", "states": ["SHIPPED"]},
                "pagination": {"pageSize": 21},
            },
            "INVALID_PAGE_SIZE",
            "pagination.pageSize",
        ),
        (
            {
                "filter": {
                    "type": "postDispatch",
                    "states": ["SHIPPED"],
                    "modifiedDate": {"from": "2024-06-01T00:00:00"},
                }
            },
            "INVALID_DATE",
            "filter.modifiedDate.from",
        ),
        (
            {
                "filter": {
                    "type": "postDispatch",
                    "states": ["SHIPPED"],
                    "modifiedDate": {"from": "2024-06-02T00:00:00Z", "to": "2024-06-01T00:00:00Z"},
                }
            },
            "INVALID_DATE_RANGE",
            "filter.modifiedDate",
        ),
        (
            {"filter": {"type": "postDispatch", "states": ["SHIPPED"]}, "sort": {"field": "price"}},
            "INVALID_REQUEST",
            "sort.field",
        ),
    ],
)
def test_invalid_searches_get_400_with_the_problem(api, body, code, path):
    response = api.post("/v3/shipments/filter", body)

    assert response.status_code == 400
    error = response.json()
    assert error["code"] == "BAD_REQUEST"
    assert (error["errors"][0]["code"], error["errors"][0]["path"]) == (code, path)
    assert error["errors"][0]["severity"] == "ERROR"


def test_a_body_that_is_not_json_gets_400(api):
    response = api.client.post(
        "/sandbox/flipkart/fk-test-app/sellers/v3/shipments/filter",
        data="{nope",
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {api.token}",
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["code"] == "INVALID_JSON"


def test_pages_cover_every_matching_shipment_once_in_modified_order(api, seller):
    pages = walk(
        api, {"filter": {"type": "postDispatch", "states": ALL_POST}, "pagination": {"pageSize": 7}}
    )

    served = [s["shipmentId"] for p in pages for s in p["shipments"]]
    assert len(served) == len(set(served))
    assert set(served) == expected_ids(seller, ALL_POST)
    assert len(pages) > 2
    assert all(len(p["shipments"]) == 7 for p in pages[:-1])
    assert pages[-1]["hasMore"] is False
    assert pages[-1]["nextPageUrl"] is None
    assert pages[0]["nextPageUrl"].startswith("/v3/shipments/filter?next_token=")
    times = [datetime.fromisoformat(s["updatedAt"]) for p in pages for s in p["shipments"]]
    assert times == sorted(times)


def test_descending_sort_by_order_date(api):
    pages = walk(
        api,
        {
            "filter": {"type": "postDispatch", "states": ["DELIVERED"]},
            "sort": {"field": "orderDate", "order": "desc"},
            "pagination": {"pageSize": 5},
        },
    )
    dates = [
        datetime.fromisoformat(s["orderItems"][0]["orderDate"])
        for p in pages
        for s in p["shipments"]
    ]
    assert dates == sorted(dates, reverse=True)


def test_a_shipment_changing_between_pages_is_not_skipped(api, seller):
    from sandbox.flipkart.services import update_shipment_state

    body = {"filter": {"type": "postDispatch", "states": ALL_POST}, "pagination": {"pageSize": 5}}
    first = search(api, body)
    served = {s["shipmentId"] for s in first["shipments"]}
    waiting = sorted(expected_ids(seller, ALL_POST) - served)
    update_shipment_state(application_id="fk-test-app", shipment_id=waiting[0], state="DELIVERED")

    pages = [first]
    while pages[-1]["hasMore"]:
        pages.append(follow(api, pages[-1]["nextPageUrl"]))

    later = {s["shipmentId"] for p in pages[1:] for s in p["shipments"]}
    assert waiting[0] in later
    assert served | later == expected_ids(seller, ALL_POST)


def test_the_modified_window_limits_the_search(api, seller):
    from sandbox.flipkart.models import SandboxFlipkartShipment

    rows = list(
        SandboxFlipkartShipment.objects.filter(seller=seller, items__status="DELIVERED")
        .distinct()
        .order_by("updated_at")
    )
    middle = rows[len(rows) // 2].updated_at
    body = {
        "filter": {
            "type": "postDispatch",
            "states": ["DELIVERED"],
            "modifiedDate": {"from": middle.isoformat(), "to": "2100-01-01T00:00:00+05:30"},
        }
    }
    served = {s["shipmentId"] for p in walk(api, body) for s in p["shipments"]}
    assert served == {r.shipment_id for r in rows if r.updated_at >= middle}


def test_cancelled_searches_return_cancelled_items_with_reasons(api):
    shipments = [
        s
        for p in walk(api, {"filter": {"type": "cancelled", "states": ["CANCELLED"]}})
        for s in p["shipments"]
    ]
    assert shipments
    cancelled = [i for s in shipments for i in s["orderItems"] if i["status"] == "CANCELLED"]
    assert cancelled
    assert all(i["cancellationReason"] and i["cancellationDate"] for i in cancelled)


def test_next_tokens_are_checked(api, client, seller, frozen_clock):
    from sandbox.flipkart.services import seed_seller
    from tests.sandbox.flipkart.conftest import fetch_token

    body = {"filter": {"type": "postDispatch", "states": ALL_POST}, "pagination": {"pageSize": 2}}
    next_url = search(api, body)["nextPageUrl"]
    token = parse_qs(urlsplit(next_url).query)["next_token"][0]

    def get(value, bearer=None):
        return client.get(
            "/sandbox/flipkart/fk-test-app/sellers/v3/shipments/filter",
            {"next_token": value},
            HTTP_AUTHORIZATION=f"Bearer {bearer or api.token}",
        )

    assert get(token[:-2] + "xx").json()["errors"][0]["code"] == "INVALID_NEXT_TOKEN"
    seed_seller(application_id="other-app", orders=0, application_secret="s2")
    other = fetch_token(client, "other-app", "s2")
    stolen = client.get(
        "/sandbox/flipkart/other-app/sellers/v3/shipments/filter",
        {"next_token": token},
        HTTP_AUTHORIZATION=f"Bearer {other}",
    )
    assert stolen.status_code == 400
    frozen_clock.advance(3601)
    expired = get(token)
    assert expired.status_code == 400
    assert expired.json()["errors"][0]["code"] == "EXPIRED_NEXT_TOKEN"


def test_lookup_by_order_ids_returns_every_shipment_of_split_orders(api, seller):
    from django.db.models import Count

    from sandbox.flipkart.models import SandboxFlipkartShipment

    split = (
        SandboxFlipkartShipment.objects.filter(seller=seller)
        .values("order_id")
        .annotate(n=Count("id"))
        .filter(n=2)
        .values_list("order_id", flat=True)
    )
    order_id = split[0]
    response = api.get("/v3/shipments", {"orderIds": f"{order_id},OD000000000000000000"})

    assert response.status_code == 200
    shipments = response.json()["shipments"]
    assert len(shipments) == 2
    assert {i["orderId"] for s in shipments for i in s["orderItems"]} == {order_id}
    by_item = api.get(
        "/v3/shipments", {"orderItemIds": shipments[1]["orderItems"][0]["orderItemId"]}
    ).json()
    assert [s["shipmentId"] for s in by_item["shipments"]] == [shipments[1]["shipmentId"]]


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"orderIds": "OD1", "shipmentIds": "S1"},
        {"orderIds": ",".join(f"OD{n}" for n in range(101))},
    ],
)
def test_lookup_needs_one_kind_of_at_most_100_ids(api, params):
    response = api.get("/v3/shipments", params)
    assert response.status_code == 400
    assert response.json()["errors"][0]["code"] == "INVALID_REQUEST"
