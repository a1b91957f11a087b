"""The polled Shopify returns stream: GraphQL refunds → the same ``ReturnDTO``s (and the same
``Return.raw`` shape) as the ``refunds/create`` webhook.

Pure mapping is table-driven from Shopify's own webhook sample rewritten as the GraphQL nodes
Shopify serves for it; paging is checked against a scripted server (exact requests) and against
the sandbox over real HTTP (live server on loopback)."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from django.conf import settings

from integrations.connectors.shopify import queries
from integrations.connectors.shopify.connector import ShopifyConnector
from integrations.connectors.shopify.mapping import MappingError
from integrations.connectors.shopify.returns.fetch import RETURNS_INITIAL_LOOKBACK
from integrations.connectors.shopify.returns.graphql_refunds import (
    needs_fulfillments,
    refund_body_from_graphql,
)
from integrations.connectors.shopify.returns.records import (
    return_records,
    returns_from_graphql_order,
)
from integrations.connectors.shopify.returns.refunds import (
    refund_records,
    restocked_units,
    returns_from_refund,
)
from integrations.dto import AccountHandle, RecordFailure, ReturnDTO
from integrations.http import HttpClient
from orders.models import Return
from returns.services import returns_import
from tests.factories import ChannelAccountFactory, MembershipFactory
from tests.integrations.conftest import Reply

SAMPLE = (
    Path(settings.BASE_DIR).parent
    / "shared/reference/shopify/webhooks/metadatas/2025-01/refunds/create.json"
)
SHOP = "poll-kurta-co.myshopify.com"


def sample_refund(restock_type: str | None = None, shipped: bool = False) -> dict:
    """Shopify's ``refunds/create`` sample (three lines of order 820982911946154500), with every
    line's ``restock_type`` and shipping state set as asked."""
    body = copy.deepcopy(json.loads(SAMPLE.read_text())["response"])
    for line in body["refund_line_items"]:
        if restock_type is not None:
            line["restock_type"] = restock_type
        line["line_item"]["fulfillment_status"] = "fulfilled" if shipped else None
    return body


def utc_text(rest_time: str) -> str:
    moment = datetime.fromisoformat(rest_time).astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def graphql_refund(body: dict) -> dict:
    """The ``Refund`` node the Admin API serves for the REST refund ``body``."""

    def bag(rest_set: dict) -> dict:
        money = rest_set["shop_money"]
        return {"shopMoney": {"amount": money["amount"], "currencyCode": money["currency_code"]}}

    linked = body.get("return")
    return {
        "id": f"gid://shopify/Refund/{body['id']}",
        "createdAt": utc_text(body["created_at"]),
        "note": body["note"],
        "return": {"id": f"gid://shopify/Return/{linked['id']}"} if linked else None,
        "refundLineItems": {
            "pageInfo": {"hasNextPage": False, "endCursor": None},
            "nodes": [
                {
                    "id": f"gid://shopify/RefundLineItem/{line['id']}",
                    "quantity": line["quantity"],
                    "restockType": line["restock_type"].upper(),
                    "location": (
                        {"id": f"gid://shopify/Location/{line['location_id']}"}
                        if line["location_id"]
                        else None
                    ),
                    "lineItem": {
                        "id": f"gid://shopify/LineItem/{line['line_item_id']}",
                        "sku": line["line_item"]["sku"],
                    },
                    "subtotalSet": bag(line["subtotal_set"]),
                    "totalTaxSet": bag(line["total_tax_set"]),
                }
                for line in body["refund_line_items"]
            ],
        },
    }


def fulfillment(line_item_ids, *, at: str, status: str = "SUCCESS") -> dict:
    return {
        "id": "gid://shopify/Fulfillment/255858046",
        "createdAt": at,
        "status": status,
        "fulfillmentLineItems": [
            {"lineItem": {"id": f"gid://shopify/LineItem/{i}"}} for i in line_item_ids
        ],
    }


def graphql_order(body: dict, fulfillments=None) -> dict:
    """The ``Order`` node of the returns stream for the order of ``body``; lines marked shipped
    in ``body`` went out in a fulfillment a day before the refund."""
    if fulfillments is None:
        shipped = [
            line["line_item_id"]
            for line in body["refund_line_items"]
            if line["line_item"]["fulfillment_status"]
        ]
        day_before = datetime.fromisoformat(body["created_at"]) - timedelta(days=1)
        fulfillments = [fulfillment(shipped, at=utc_text(day_before.isoformat()))]
    order = {
        "id": f"gid://shopify/Order/{body['order_id']}",
        "updatedAt": utc_text(body["created_at"]),
        "returnStatus": "RETURNED" if body.get("return") else "NO_RETURN",
        "refunds": [graphql_refund(body)],
        "fulfillments": fulfillments,
    }
    if body.get("return"):
        order["returns"] = [graphql_return(body)]
    return order


def graphql_return(body: dict, status: str = "CLOSED") -> dict:
    """The ``Return`` node (``queries.ORDER_RETURNS_QUERY``) the refund ``body`` was made for:
    one ``ReturnLineItem`` per refund line, of the same units."""
    return {
        "id": f"gid://shopify/Return/{body['return']['id']}",
        "name": "#1001-R1",
        "status": status,
        "decline": None,
        "returnLineItems": [
            {
                "__typename": "ReturnLineItem",
                "id": f"gid://shopify/ReturnLineItem/{9000 + n}",
                "quantity": line["quantity"],
                "returnReason": "SIZE_TOO_SMALL",
                "returnReasonNote": "",
                "customerNote": "Too tight at the chest",
                "fulfillmentLineItem": {
                    "id": f"gid://shopify/FulfillmentLineItem/{8000 + n}",
                    "lineItem": {
                        "id": f"gid://shopify/LineItem/{line['line_item_id']}",
                        "sku": line["line_item"]["sku"],
                    },
                },
            }
            for n, line in enumerate(body["refund_line_items"])
        ],
    }


def returns_of(records: list) -> list[ReturnDTO]:
    """The returns among a refund's records (the rest are removals of unshipped units)."""
    return [r for r in records if isinstance(r, ReturnDTO)]


# --- mapping --------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("restock_type", "shipped", "linked_return", "returned_lines"),
    [
        pytest.param("return", True, None, 3, id="RETURN"),
        pytest.param("legacy_restock", False, None, 3, id="LEGACY_RESTOCK"),
        pytest.param("cancel", False, None, 0, id="CANCEL"),
        pytest.param("no_restock", False, None, 0, id="NO_RESTOCK-unshipped"),
        pytest.param("no_restock", True, None, 3, id="NO_RESTOCK-shipped"),
    ],
)
def test_a_polled_refund_gives_exactly_the_webhooks_returns(
    restock_type, shipped, linked_return, returned_lines
):
    body = sample_refund(restock_type, shipped)
    body["return"] = linked_return

    from_webhook = refund_records(body)
    from_poll = returns_from_graphql_order(graphql_order(body))

    # Every line is a return or a removal of unshipped units, the same either way.
    assert [type(d).__name__ for d in from_poll] == ["ReturnDTO"] * returned_lines + [
        "OrderLineRemovalDTO"
    ] * (3 - returned_lines)
    assert from_poll == from_webhook  # every field but raw: ids, quantities, kind, status, times
    for polled, pushed in zip(from_poll, from_webhook, strict=True):
        assert polled.external_id.startswith("refund:890088186047892400")
        assert polled.raw.keys() == pushed.raw.keys()
        assert polled.raw["refund_line_item"].keys() <= pushed.raw["refund_line_item"].keys()
        for key in ("id", "quantity", "line_item_id", "location_id", "restock_type"):
            assert polled.raw["refund_line_item"][key] == pushed.raw["refund_line_item"][key]
        assert polled.raw["refund_line_item"]["line_item"]["sku"] == pushed.sku
        assert (
            polled.raw["refund_line_item"]["subtotal_set"]["shop_money"]
            == pushed.raw["refund_line_item"]["subtotal_set"]["shop_money"]
        )
        assert (polled.raw["id"], polled.raw["order_id"]) == (
            pushed.raw["id"],
            pushed.raw["order_id"],
        )


@pytest.mark.parametrize(
    ("made", "status"),
    [
        pytest.param("2022-01-02T00:00:00Z", "SUCCESS", id="shipped-after-the-refund"),
        pytest.param("2021-12-01T00:00:00Z", "CANCELLED", id="cancelled-fulfillment"),
        pytest.param("2021-12-01T00:00:00Z", "FAILURE", id="failed-fulfillment"),
    ],
)
def test_a_no_restock_line_that_had_not_shipped_by_the_refund_is_not_a_return(made, status):
    """The REST ``line_item.fulfillment_status`` is as of the refund; so is the poll's answer,
    even when the rest of the line ships later."""
    body = sample_refund("no_restock", shipped=False)
    line_ids = [line["line_item_id"] for line in body["refund_line_items"]]
    order = graphql_order(body, fulfillments=[fulfillment(line_ids, at=made, status=status)])

    assert returns_of(returns_from_graphql_order(order)) == []


def test_a_fulfillment_made_at_the_refunds_second_counts_as_shipped():
    body = sample_refund("no_restock", shipped=False)
    line_ids = [body["refund_line_items"][0]["line_item_id"]]
    order = graphql_order(body, fulfillments=[fulfillment(line_ids, at="2022-01-01T00:00:00Z")])

    (dto,) = returns_of(returns_from_graphql_order(order))

    assert dto.order_item_external_id == str(line_ids[0])
    assert dto.raw["refund_line_item"]["line_item"]["fulfillment_status"] == "fulfilled"


@pytest.mark.parametrize(
    ("restock_type", "linked_return", "needed"),
    [
        ("no_restock", None, True),
        ("no_restock", {"id": 1}, False),
        ("return", None, False),
        ("cancel", None, False),
        ("legacy_restock", None, False),
    ],
)
def test_fulfillments_are_read_only_when_shipping_decides(restock_type, linked_return, needed):
    body = sample_refund(restock_type)
    body["return"] = linked_return
    order = graphql_order(body, fulfillments=[])
    order.pop("fulfillments")

    assert needs_fulfillments(order) is needed
    if needed:
        with pytest.raises(MappingError, match="fulfillments are needed"):
            returns_from_graphql_order(order)
    else:
        assert len(returns_of(returns_from_graphql_order(order))) == (
            0 if restock_type == "cancel" else 3
        )


def test_the_graphql_refund_becomes_the_rest_body_shopify_would_send():
    body = sample_refund("return", shipped=True)
    body["refund_line_items"][0]["location_id"] = 24826418
    refund = graphql_refund(body)

    rest = refund_body_from_graphql(
        "gid://shopify/Order/820982911946154500",
        refund,
        [fulfillment([], at="2021-01-01T00:00:00Z")],
    )

    assert (rest["id"], rest["order_id"], rest["note"], rest["return"]) == (
        890088186047892400,
        820982911946154500,
        "Things were damaged",
        None,
    )
    first = rest["refund_line_items"][0]
    assert first == {
        "id": 487817672276298600,
        "quantity": 1,
        "line_item_id": 487817672276298560,
        "location_id": 24826418,
        "restock_type": "return",
        "subtotal_set": {"shop_money": {"amount": "89.99", "currency_code": "USD"}},
        "total_tax_set": {"shop_money": {"amount": "0.00", "currency_code": "USD"}},
        "line_item": {"id": 487817672276298560, "sku": "SKU2006-001", "fulfillment_status": None},
    }


@pytest.mark.parametrize(
    "change",
    [
        pytest.param(lambda r: r.update(id="gid://shopify/Refund/"), id="no-refund-id"),
        pytest.param(lambda r: r.update(createdAt=None), id="no-time"),
        pytest.param(lambda r: r["refundLineItems"]["nodes"][0].update(lineItem={}), id="no-line"),
        pytest.param(
            lambda r: r["refundLineItems"]["nodes"][0].update(quantity="1"), id="quantity"
        ),
    ],
)
def test_a_malformed_graphql_refund_raises_a_mapping_error(change):
    order = graphql_order(sample_refund("return"))
    change(order["refunds"][0])

    with pytest.raises(MappingError):
        returns_from_graphql_order(order)


def test_stored_payloads_of_both_shapes_map_again():
    body = sample_refund("return")
    webhook = return_records(body)
    polled = ShopifyConnector.parse_record("returns", graphql_order(body))

    assert isinstance(webhook, list)
    assert polled == webhook
    assert len(polled) == 3
    failure = return_records({"id": "gid://shopify/Order/5", "something": "else"})
    assert isinstance(failure, RecordFailure)
    assert failure.external_id == "5"


@pytest.mark.django_db
@pytest.mark.parametrize("restock_type", ["return", "no_restock", "legacy_restock"])
def test_restocked_units_are_the_same_for_a_webhook_and_a_polled_return(merchant, restock_type):
    """Inventory reads ``Return.raw`` to know what Shopify restocked by itself; a refund must
    count the same whichever way it arrived."""
    body = sample_refund(restock_type, shipped=True)
    by_webhook = ChannelAccountFactory(merchant=merchant, external_id="a.myshopify.com")
    by_poll = ChannelAccountFactory(merchant=merchant, external_id="b.myshopify.com")

    returns_import(account=by_webhook, returns=returns_from_refund(body), source="webhook")
    returns_import(account=by_poll, returns=returns_from_graphql_order(graphql_order(body)))

    pushed = Return.objects.get(account=by_webhook)
    polled = Return.objects.get(account=by_poll)
    assert polled.raw.keys() == pushed.raw.keys() == {"lines"}
    expected = 1 if restock_type != "no_restock" else 0
    for line in body["refund_line_items"]:
        sku = line["line_item"]["sku"]
        assert restocked_units(polled.raw, sku) == restocked_units(pushed.raw, sku) == expected


@pytest.mark.django_db
def test_a_quarantined_polled_refund_is_reprocessed_into_its_return(merchant):
    from integrations.models import SyncLog, SyncLogStatus
    from integrations.services.sync import sync_log_reprocess

    account = ChannelAccountFactory(merchant=merchant)
    order = graphql_order(sample_refund("no_restock", shipped=True))
    log = SyncLog.objects.create(
        account=account,
        stream="returns",
        external_id="refund:890088186047892400",
        error="OperationalError: database is locked",
        payload=order,
    )

    assert sync_log_reprocess(log=log) is True

    log.refresh_from_db()
    assert log.status == SyncLogStatus.REPROCESSED
    ret = Return.objects.get(account=account)
    assert ret.external_id == "refund:890088186047892400"
    assert ret.items.count() == 3


# --- paging (scripted server: the exact requests) -------------------------------------------------
def page_of(nodes, *, next_cursor=None):
    return {
        "data": {
            "orders": {
                "pageInfo": {"hasNextPage": next_cursor is not None, "endCursor": next_cursor},
                "nodes": nodes,
            }
        }
    }


def scripted_connector(server, clock) -> ShopifyConnector:
    account = AccountHandle(
        id=1,
        merchant_id=1,
        provider="shopify",
        external_id="demo.myshopify.com",
        base_url=server.url,
        credentials={"access_token": "shpat_x"},
    )
    http = HttpClient(provider="shopify", account_key="1", max_retries=1, sleep=clock.sleep)
    return ShopifyConnector(account, http, clock=clock, sleep=clock.sleep)


def test_fetch_returns_completes_long_refunds_and_reads_fulfillments_only_when_needed(
    scripted_server, fake_clock
):
    shipped = sample_refund("no_restock", shipped=True)
    order = graphql_order(shipped)
    fulfillments = order.pop("fulfillments")
    refund = order["refunds"][0]
    first_line, *other_lines = refund["refundLineItems"]["nodes"]
    refund["refundLineItems"] = {
        "pageInfo": {"hasNextPage": True, "endCursor": "c1"},
        "nodes": [first_line],
    }
    restocked = graphql_order(sample_refund("return"), fulfillments=[])
    restocked.pop("fulfillments")
    restocked.update(id="gid://shopify/Order/7", updatedAt="2022-01-03T10:00:00Z")
    restocked["refunds"][0]["id"] = "gid://shopify/Refund/8"
    untouched = {"id": "gid://shopify/Order/9", "updatedAt": "2022-01-02T00:00:00Z", "refunds": []}
    scripted_server.script(
        Reply(200, page_of([order, untouched, restocked], next_cursor="p2")),
        Reply(
            200,
            {
                "data": {
                    "node": {
                        "id": refund["id"],
                        "refundLineItems": {
                            "pageInfo": {"hasNextPage": False, "endCursor": "c2"},
                            "nodes": other_lines,
                        },
                    }
                }
            },
        ),
        Reply(
            200,
            {
                "data": {
                    "order": {
                        "id": order["id"],
                        "fulfillments": [
                            {
                                **fulfillments[0],
                                "fulfillmentLineItems": {
                                    "pageInfo": {"hasNextPage": False, "endCursor": None},
                                    "nodes": fulfillments[0]["fulfillmentLineItems"],
                                },
                            }
                        ],
                    }
                }
            },
        ),
    )
    connector = scripted_connector(scripted_server, fake_clock)

    page = connector.fetch_returns(since=datetime(2022, 1, 1, tzinfo=UTC), cursor="p1")

    assert page.items == returns_from_refund(shipped) + returns_from_graphql_order(restocked)
    assert len(page.items) == 6
    assert (page.next_cursor, page.high_water, list(page.failures)) == (
        "p2",
        "2022-01-03T10:00:00Z",
        [],
    )
    orders_call, lines_call, fulfillments_call = (r.json() for r in scripted_server.requests)
    assert orders_call["query"] == queries.ORDER_REFUNDS_QUERY
    assert orders_call["variables"] == {
        "after": "p1",
        "query": "updated_at:>='2022-01-01T00:00:00Z'",
        "first": 12,
    }
    assert (lines_call["query"], lines_call["variables"]) == (
        queries.REFUND_LINE_ITEMS_QUERY,
        {"id": refund["id"], "after": "c1"},
    )
    assert (fulfillments_call["query"], fulfillments_call["variables"]) == (
        queries.ORDER_FULFILLMENTS_QUERY,
        {"id": order["id"]},
    )


def test_a_first_poll_looks_back_sixty_days_and_quarantines_a_bad_refund(
    scripted_server, fake_clock
):
    bad = graphql_order(sample_refund("return"))
    bad["refunds"][0]["createdAt"] = "yesterday"
    scripted_server.script(Reply(200, page_of([bad])))
    connector = scripted_connector(scripted_server, fake_clock)

    page = connector.fetch_returns(since=None, cursor=None)

    start = datetime.fromtimestamp(fake_clock.now, UTC) - RETURNS_INITIAL_LOOKBACK
    assert scripted_server.requests[0].json()["variables"]["query"] == (
        f"updated_at:>='{start:%Y-%m-%dT%H:%M:%SZ}'"
    )
    assert page.items == []
    (failure,) = page.failures
    assert failure.external_id == "refund:890088186047892400"
    assert "createdAt" in failure.error
    assert failure.payload["id"] == bad["id"]
    (stored,) = failure.payload["refunds"]
    assert stored["refundLineItems"] == bad["refunds"][0]["refundLineItems"]["nodes"]
    stored["createdAt"] = "2022-01-01T00:00:00Z"  # what a fixed payload maps to on reprocess
    assert len(return_records(failure.payload)) == 3
    assert page.high_water == "2022-01-01T00:00:00Z"


# --- against the sandbox over real HTTP -----------------------------------------------------------
@pytest.fixture
def store(transactional_db):
    from sandbox.shopify.services import seed_shop

    return seed_shop(shop=SHOP, products=4, variants=10, orders=12, days=10, seed=5)


@pytest.mark.django_db(transaction=True)
def test_fetch_returns_pages_the_sandboxs_refunds_into_the_webhooks_returns(hub, store):
    """Three refunds of three shipped orders (restocked, not restocked, and a line cancelled
    before shipping) read page by page from the sandbox equal what their webhooks give."""
    from integrations.services.accounts import build_connector
    from sandbox.shopify import services as sandbox
    from sandbox.shopify.models import SandboxOrder
    from tests.e2e.conftest import token_connect

    account = token_connect(hub, MembershipFactory(user__username="poll-owner"), shop=SHOP)
    start = datetime.now(UTC) - timedelta(seconds=5)
    placed = sandbox.simulate_orders(shop=SHOP, count=3, seed=4, deliver=False)
    returned, kept, cancelled = placed
    payloads = []
    for order, restock in ((returned, True), (kept, False)):
        shipped = sandbox.fulfill_order(order)
        item = shipped.line_items.first()
        payloads.append(
            sandbox.refund_order(shipped, lines={item.id: 1}, restock=restock, deliver=False)
        )
    item = cancelled.loaded_line_items[0]
    payloads.append(
        sandbox.refund_order(cancelled, lines={item.id: 1}, restock=True, deliver=False)
    )
    connector = build_connector(account)
    connector.page_sizes["returns"] = 2  # three changed orders: two pages

    pages = [connector.fetch_returns(since=start, cursor=None)]
    while pages[-1].next_cursor:
        pages.append(connector.fetch_returns(since=start, cursor=pages[-1].next_cursor))

    def by_id(dtos):
        return sorted(dtos, key=lambda d: d.external_id)

    items = by_id(dto for page in pages for dto in page.items)
    expected = by_id(dto for payload in payloads for dto in refund_records(payload))
    assert len(pages) >= 2  # seeded orders changed in the window have no refunds
    assert items == expected
    assert [(type(d).__name__, d.external_id, d.quantity) for d in items] == [
        ("ReturnDTO", f"refund:{payloads[0]['id']}", 1),
        ("ReturnDTO", f"refund:{payloads[1]['id']}", 1),
        # the cancelled unit had not shipped: no return, a restocked removal
        ("OrderLineRemovalDTO", f"refund:{payloads[2]['id']}:{item.id}", 1),
    ]
    assert items[2].restocked
    assert all(not page.failures for page in pages)
    newest = max(
        SandboxOrder.objects.filter(pk__in=[o.pk for o in placed]).values_list(
            "updated_at", flat=True
        )
    )
    assert max(p.high_water for p in pages) == newest.strftime("%Y-%m-%dT%H:%M:%SZ")
    for dto, payload in zip(items[:2], payloads, strict=False):
        assert restocked_units(dto.raw, dto.sku) == restocked_units(
            returns_from_refund(payload)[0].raw, dto.sku
        )


# --- Shopify returns ------------------------------------------------------------------------------
def linked_refund(restock_type: str = "return") -> dict:
    """Shopify's sample refund, its lines shipped, made for return 7."""
    body = sample_refund(restock_type, shipped=True)
    body["return"] = {"id": 7, "admin_graphql_api_id": "gid://shopify/Return/7"}
    return body


@pytest.mark.parametrize("restock_type", ["return", "no_restock", "legacy_restock"])
def test_a_refund_made_for_a_return_is_that_returns_not_its_own(restock_type):
    body = linked_refund(restock_type)
    order = graphql_order(body)

    assert refund_records(body) == []  # alone, the webhook body says nothing Sangam can store
    dtos = returns_from_graphql_order(order)

    assert [(d.external_id, d.order_item_external_id, d.sku, d.quantity) for d in dtos] == [
        ("return:7", str(line["line_item_id"]), line["line_item"]["sku"], line["quantity"])
        for line in body["refund_line_items"]
    ]
    first = dtos[0]
    assert (first.status, first.kind, first.reason, first.sub_reason) == (
        "refunded",
        "customer_return",
        "size too small",
        "Too tight at the chest",
    )
    assert first.updated_at == datetime(2022, 1, 1, tzinfo=UTC)  # the order's updatedAt
    assert first.created_at == first.updated_at  # the refund, no earlier time known
    assert all(d.raw is first.raw for d in dtos)
    assert first.raw["return"]["status"] == "CLOSED"
    assert [r["id"] for r in first.raw["refunds"]] == [body["id"]]
    restocked = 1 if restock_type != "no_restock" else 0
    for line in body["refund_line_items"]:
        assert restocked_units(first.raw, line["line_item"]["sku"]) == restocked


def test_a_cancelled_line_of_a_refund_for_a_return_is_still_a_removal():
    body = linked_refund("cancel")
    for line in body["refund_line_items"]:
        line["line_item"]["fulfillment_status"] = None
    from_webhook = refund_records(body)
    from_poll = returns_from_graphql_order(graphql_order(body))

    assert len(from_webhook) == 3
    assert [d for d in from_poll if not isinstance(d, ReturnDTO)] == from_webhook


@pytest.mark.parametrize(
    ("status", "refunded", "expected"),
    [
        ("REQUESTED", False, "requested"),
        ("OPEN", False, "in_transit"),
        ("OPEN", True, "refunded"),
        ("CLOSED", False, "received"),
        ("CLOSED", True, "refunded"),
        ("DECLINED", False, "cancelled"),
        ("CANCELED", False, "cancelled"),
    ],
)
def test_a_shopify_returns_status_becomes_sangams(status, refunded, expected):
    body = linked_refund()
    order = graphql_order(body)
    order["returns"] = [graphql_return(body, status)]
    if not refunded:
        order["refunds"] = []

    statuses = {d.status for d in returns_from_graphql_order(order)}

    assert statuses == {expected}


def test_an_unknown_return_status_or_an_unread_return_is_a_mapping_error():
    body = linked_refund()
    order = graphql_order(body)
    order["returns"][0]["status"] = "SHIPPED_BACK"
    with pytest.raises(MappingError, match="unknown status"):
        returns_from_graphql_order(order)

    order = graphql_order(body)
    order["returns"] = []
    with pytest.raises(MappingError, match="its return 7 was not read"):
        returns_from_graphql_order(order)


def test_unverified_return_lines_give_no_return_line():
    body = linked_refund()
    order = graphql_order(body)
    order["refunds"] = []
    lines = order["returns"][0]["returnLineItems"]
    lines[0] = {"__typename": "UnverifiedReturnLineItem", "id": "gid://x/1", "quantity": 1}

    dtos = returns_from_graphql_order(order)

    assert [d.order_item_external_id for d in dtos] == [
        str(line["line_item_id"]) for line in body["refund_line_items"][1:]
    ]
    order["returns"][0]["returnLineItems"] = [lines[0]]
    assert returns_from_graphql_order(order) == []


def test_restocks_of_a_return_are_timed_by_each_refund():
    """A return refunded twice, days apart: each refund's restock counts in its own window."""
    first = linked_refund("return")
    second = copy.deepcopy(first)
    second["id"] += 1
    second["created_at"] = "2022-01-05T10:00:00+05:30"
    raw = {"return": {"id": "gid://shopify/Return/7"}, "refunds": [first, second]}
    sku = first["refund_line_items"][0]["line_item"]["sku"]
    at_first = datetime.fromisoformat(first["created_at"]).astimezone(UTC)
    at_second = datetime(2022, 1, 5, 4, 30, tzinfo=UTC)

    assert restocked_units(raw, sku) == 2
    assert restocked_units(raw, sku, at_first, at_first) == 1
    assert restocked_units(raw, sku, at_first, at_first, open_start=True) == 0
    assert restocked_units(raw, sku, at_first + timedelta(seconds=1), at_second) == 1
    assert restocked_units(raw, sku, at_first, at_second) == 2
    assert (
        restocked_units(
            raw, sku, at_second + timedelta(seconds=1), datetime(2030, 1, 1, tzinfo=UTC)
        )
        == 0
    )


@pytest.mark.django_db
def test_a_return_seen_again_keeps_its_first_time_and_one_raw(merchant):
    account = ChannelAccountFactory(merchant=merchant)
    body = linked_refund()
    requested = graphql_order(body)
    requested.update(updatedAt="2021-12-30T10:00:00Z", refunds=[])
    requested["returns"] = [graphql_return(body, "REQUESTED")]

    returns_import(account=account, returns=returns_from_graphql_order(requested))
    ret = Return.objects.get()
    assert (ret.external_id, ret.status) == ("return:7", "requested")
    assert ret.requested_at == datetime(2021, 12, 30, 10, tzinfo=UTC)

    returns_import(account=account, returns=returns_from_graphql_order(graphql_order(body)))
    ret.refresh_from_db()
    assert ret.status == "refunded"
    assert ret.requested_at == datetime(2021, 12, 30, 10, tzinfo=UTC)  # the earliest seen
    assert ret.source_updated_at == datetime(2022, 1, 1, tzinfo=UTC)
    assert set(ret.raw) == {"id", "order_id", "return", "refunds"}
    assert sorted(ret.items.values_list("sku", "quantity")) == [
        ("SKU2006-001", 1),
        ("SKU2006-020", 1),
        ("SKU2006-035", 1),
    ]
    assert Return.objects.count() == 1
