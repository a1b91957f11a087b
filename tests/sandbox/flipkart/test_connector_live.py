"""The real Flipkart connector over real HTTP against the sandbox (pytest-django's live server
on loopback): token, every order page, returns, inventory and price pushes read back."""

from __future__ import annotations

from collections import Counter
from decimal import Decimal

import pytest

from integrations.connectors.flipkart.connector import FlipkartConnector
from integrations.dto import (
    OrderStatus,
    PriceDTO,
    PushStatus,
    ReturnKind,
    ReturnStatus,
    StockLevelDTO,
)
from integrations.http import HttpClient

pytestmark = pytest.mark.django_db(transaction=True)

APP = "fk-live-app"
SECRET = "fk-live-secret"
SEARCHED_STATES = {
    "APPROVED",
    "PACKING_IN_PROGRESS",
    "PACKED",
    "FORM_FAILED",
    "READY_TO_DISPATCH",
    "SHIPPED",
    "DELIVERED",
    "PICKUP_COMPLETE",
    "CANCELLED",
}


@pytest.fixture
def sandbox_root(live_server, settings):
    settings.PUBLIC_BASE_URL = live_server.url
    return f"{live_server.url}/sandbox/flipkart/{APP}"


@pytest.fixture
def seller(transactional_db):
    from sandbox.flipkart.services import seed_seller

    return seed_seller(application_id=APP, orders=90, days=30, seed=9, application_secret=SECRET)


@pytest.fixture
def connector(sandbox_root, seller):
    from integrations.dto import AccountHandle

    handle = AccountHandle(
        id=None,
        merchant_id=None,
        provider="flipkart",
        external_id=APP,
        base_url=sandbox_root,
        credentials={"application_secret": SECRET},
        settings={"application_id": APP, "location_id": seller.location_id},
    )
    http = HttpClient(provider="flipkart", account_key=APP, max_retries=3, sleep=lambda _s: None)
    return FlipkartConnector(handle, http)


def read_all(fetch, **kwargs):
    items, cursor, pages = [], None, 0
    while True:
        page = fetch(cursor=cursor, **kwargs)
        assert not page.failures, page.failures
        items.extend(page.items)
        pages += 1
        cursor = page.next_cursor
        if cursor is None:
            return items, pages


def test_orders_returns_and_pushes_round_trip_through_the_sandbox(connector, seller):
    from sandbox.flipkart.models import (
        SandboxFlipkartOrderItem,
        SandboxFlipkartReturn,
    )
    from sandbox.flipkart.services import (
        call_counts,
        inject_faults,
        listing_inventory,
    )

    saved = []
    connector.credentials_saver = lambda updates, expires_at: saved.append((updates, expires_at))
    facts = connector.check_credentials()
    assert facts["name"] == f"Flipkart seller {APP}"
    assert saved
    assert saved[0][0]["access_token"]

    inject_faults(APP, count=1, status=503)  # the first search is answered 503, then retried
    orders, pages = read_all(connector.fetch_orders, since=None)

    items = list(SandboxFlipkartOrderItem.objects.filter(shipment__seller=seller))
    by_order: dict[str, set[str]] = {}
    for item in items:
        by_order.setdefault(item.order_id, set()).add(item.order_item_id)
    searchable = {i.order_id for i in items if i.status in SEARCHED_STATES}
    fetched = {o.external_id: o for o in orders}
    assert set(fetched) == searchable
    assert pages > 3  # 20 shipments a page over three searches
    for order_id, order in fetched.items():
        assert {i.external_id for i in order.items} == by_order[order_id]  # whole orders
    statuses = Counter(o.status for o in fetched.values())
    assert statuses[OrderStatus.DELIVERED]
    assert statuses[OrderStatus.CANCELLED]
    assert {o.payment_method for o in orders} == {"cod", "prepaid"}
    assert call_counts(APP)["token"] == 1  # the token was reused for every call

    returns, _ = read_all(connector.fetch_returns, since=None)
    sandbox_returns = SandboxFlipkartReturn.objects.filter(seller=seller)
    assert {r.external_id for r in returns} == set(
        sandbox_returns.values_list("return_id", flat=True)
    )
    kinds = {r.external_id: r.kind for r in returns}
    for ret in sandbox_returns:
        expected = ReturnKind.RTO if ret.source == "courier_return" else ReturnKind.CUSTOMER_RETURN
        assert kinds[ret.return_id] == expected
    assert ReturnStatus.RECEIVED in {r.status for r in returns}

    listing = seller.listings.order_by("sku").first()
    others = list(seller.listings.order_by("sku")[1:12])
    levels = [StockLevelDTO(sku=listing.sku, quantity=7)] + [
        StockLevelDTO(sku=o.sku, quantity=3, product_id=o.fsn) for o in others
    ]
    results = connector.push_inventory(levels)
    assert [r.sku for r in results] == [listing.sku] + [o.sku for o in others]
    assert all(r.status == PushStatus.SUCCESS for r in results), results
    assert listing_inventory(APP, listing.sku) == 7
    assert all(listing_inventory(APP, o.sku) == 3 for o in others)
    assert call_counts(APP)["listings.inventory"] == 2  # 12 SKUs → 10 + 2

    price = int(listing.mrp) - 100
    [result] = connector.push_prices([PriceDTO(sku=listing.sku, price=Decimal(price))])
    assert result.status == PushStatus.SUCCESS, result
    detail = connector.listings.lookup([listing.sku])[listing.sku]
    assert detail["price"]["selling_price"] == price
    assert detail["locations"] == [{"id": seller.location_id, "status": "ENABLED", "inventory": 7}]
