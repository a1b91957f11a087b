"""``ShopifyGraphQLClient`` cost pacing and error handling, and the connector's page-size
shrinking, against a scripted server on loopback with a fake clock."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from integrations.connectors.shopify import queries
from integrations.connectors.shopify.client import (
    AccessDenied,
    QueryCostExceeded,
    ShopifyGraphQLClient,
    ShopifyUserError,
    raise_for_user_errors,
)
from integrations.connectors.shopify.connector import ShopifyConnector
from integrations.dto import AccountHandle
from integrations.http import ConnectorError, HttpClient
from tests.integrations.conftest import Reply

TOKEN = "shpat_client_test_token"
ORDERS = queries.ORDERS_QUERY


def cost(requested, available, *, restore=50.0, maximum=1000.0, actual=None):
    return {
        "cost": {
            "requestedQueryCost": requested,
            "actualQueryCost": actual,
            "throttleStatus": {
                "maximumAvailable": maximum,
                "currentlyAvailable": available,
                "restoreRate": restore,
            },
        }
    }


def ok(data, requested=300, available=100.0, **kw):
    return Reply(200, {"data": data, "extensions": cost(requested, available, **kw)})


def throttled(requested=300, available=100.0, **kw):
    return Reply(
        200,
        {
            "errors": [
                {
                    "message": "Throttled",
                    "extensions": {
                        "code": "THROTTLED",
                        "documentation": "https://shopify.dev/api/usage/rate-limits",
                    },
                }
            ],
            "extensions": cost(requested, available, **kw),
        },
    )


def max_cost_exceeded(cost_value=1250, max_cost=1000):
    return Reply(
        200,
        {
            "errors": [
                {
                    "message": (
                        f"Query cost is {cost_value}, which exceeds the single query max cost "
                        f"limit ({max_cost})."
                    ),
                    "extensions": {
                        "code": "MAX_COST_EXCEEDED",
                        "cost": cost_value,
                        "maxCost": max_cost,
                    },
                }
            ]
        },
    )


EMPTY_ORDERS = {"orders": {"pageInfo": {"hasNextPage": False, "endCursor": None}, "nodes": []}}


@pytest.fixture
def gql(scripted_server, fake_clock):
    http = HttpClient(provider="shopify", account_key="1", max_retries=2, sleep=fake_clock.sleep)
    return ShopifyGraphQLClient(
        http=http,
        base_url=scripted_server.url,
        access_token=TOKEN,
        api_version="2025-01",
        bucket_key="acct-1",
        clock=fake_clock,
        sleep=fake_clock.sleep,
    )


def test_requests_go_to_the_versioned_endpoint_with_the_access_token(gql, scripted_server):
    scripted_server.script(ok({"shop": {"name": "Demo"}}, requested=1, available=999))
    assert gql.execute(queries.SHOP_QUERY) == {"shop": {"name": "Demo"}}
    sent = scripted_server.requests[0]
    assert sent.method == "POST"
    assert sent.path == "/admin/api/2025-01/graphql.json"
    assert sent.headers["X-Shopify-Access-Token"] == TOKEN
    assert sent.json() == {"query": queries.SHOP_QUERY, "variables": {}}


def test_a_query_that_would_not_fit_the_bucket_waits_for_the_restore(
    gql, scripted_server, fake_clock
):
    """After a response showing 100 points available restoring 50/s, the same query (remembered
    requestedQueryCost 300) waits (300 − 100) / 50 = 4 s before it is sent."""
    scripted_server.script(ok(EMPTY_ORDERS, requested=300, available=100.0))
    gql.execute(ORDERS, {"first": 250})
    assert fake_clock.sleeps == []
    gql.execute(ORDERS, {"first": 250, "after": "cursor-1"})
    assert fake_clock.sleeps == [4.0]
    assert gql.seconds_waited == 4.0
    assert len(scripted_server.requests) == 2


def test_the_wait_counts_points_restored_since_the_last_response(gql, scripted_server, fake_clock):
    scripted_server.script(ok(EMPTY_ORDERS, requested=300, available=100.0))
    gql.execute(ORDERS, {"first": 250})
    fake_clock.now += 2.5  # 125 points restored meanwhile
    assert gql.wait_seconds(300) == pytest.approx((300 - 225) / 50)
    fake_clock.now += 100  # bucket full again (capped at its maximum)
    assert gql.wait_seconds(300) == 0.0
    assert gql.wait_seconds(1500) == pytest.approx((1500 - 1000) / 50)


def test_a_query_that_fits_is_sent_without_waiting(gql, scripted_server, fake_clock):
    scripted_server.script(ok(EMPTY_ORDERS, requested=300, available=900.0))
    gql.execute(ORDERS, {"first": 250})
    gql.execute(ORDERS, {"first": 250})
    assert fake_clock.sleeps == []


def test_cost_memory_is_per_page_size(gql, scripted_server, fake_clock):
    """A smaller page of the same query has its own (unknown yet) cost: no wait is guessed."""
    scripted_server.script(ok(EMPTY_ORDERS, requested=300, available=100.0))
    gql.execute(ORDERS, {"first": 250})
    gql.execute(ORDERS, {"first": 10})
    assert fake_clock.sleeps == []


def test_the_bucket_is_shared_by_clients_of_the_same_account(gql, scripted_server, fake_clock):
    scripted_server.script(ok(EMPTY_ORDERS, requested=300, available=100.0))
    gql.execute(ORDERS, {"first": 250})
    other = ShopifyGraphQLClient(
        http=gql.http,
        base_url=scripted_server.url,
        access_token=TOKEN,
        api_version="2025-01",
        bucket_key="acct-1",
        clock=fake_clock,
        sleep=fake_clock.sleep,
    )
    other.execute(ORDERS, {"first": 250})
    assert fake_clock.sleeps == [4.0]


def test_throttled_answer_is_waited_out_and_retried(gql, scripted_server, fake_clock):
    scripted_server.script(
        throttled(requested=300, available=100.0),
        ok({"shop": {"name": "After"}}, requested=300, available=0.0),
    )
    assert gql.execute(ORDERS, {"first": 250}) == {"shop": {"name": "After"}}
    assert len(scripted_server.requests) == 2
    assert fake_clock.sleeps == [4.0]
    assert gql.throttle_waits == 1


def test_throttled_with_a_full_bucket_still_waits_a_little(gql, scripted_server, fake_clock):
    scripted_server.script(throttled(requested=10, available=1000.0), ok({"x": 1}, requested=10))
    assert gql.execute(ORDERS, {"first": 5}) == {"x": 1}
    assert fake_clock.sleeps == [0.5]


def test_a_query_costlier_than_the_whole_bucket_is_not_retried(gql, scripted_server):
    scripted_server.script(throttled(requested=1200, available=1000.0))
    with pytest.raises(QueryCostExceeded) as excinfo:
        gql.execute(ORDERS, {"first": 250})
    assert (excinfo.value.cost, excinfo.value.max_cost) == (1200, 1000)
    assert len(scripted_server.requests) == 1


def test_max_cost_exceeded_raises_query_cost_exceeded_with_cost_and_max(gql, scripted_server):
    scripted_server.script(max_cost_exceeded(1250, 1000))
    with pytest.raises(QueryCostExceeded) as excinfo:
        gql.execute(ORDERS, {"first": 250})
    assert excinfo.value.cost == 1250
    assert excinfo.value.max_cost == 1000
    assert "exceeds the single query max cost" in str(excinfo.value)
    assert len(scripted_server.requests) == 1


def test_access_denied_is_permanent(gql, scripted_server):
    scripted_server.script(
        Reply(
            200,
            {"errors": [{"message": "Access denied", "extensions": {"code": "ACCESS_DENIED"}}]},
        )
    )
    with pytest.raises(ConnectorError) as excinfo:
        gql.execute(ORDERS, {"first": 1})
    assert excinfo.value.permanent is True
    assert isinstance(excinfo.value, AccessDenied)
    assert excinfo.value.scopes == frozenset()


def test_access_denied_names_the_scopes_shopify_asks_for(gql, scripted_server):
    """The ``requiredAccess`` extension of each denied field (shopify.dev "Access scopes");
    the message when the extension is missing."""
    denied = [
        {
            "message": "Access denied for returns field. Required access: `read_returns` "
            "access scope.",
            "extensions": {
                "code": "ACCESS_DENIED",
                "requiredAccess": "`read_returns` access scope.",
            },
        },
        {
            "message": "Access denied for customer field. Required access: `read_customers` "
            "access scope.",
            "extensions": {"code": "ACCESS_DENIED"},
        },
    ]
    scripted_server.script(Reply(200, {"data": None, "errors": denied}))
    with pytest.raises(AccessDenied) as excinfo:
        gql.execute(ORDERS, {"first": 1})
    assert excinfo.value.scopes == {"read_returns", "read_customers"}


def test_other_graphql_errors_name_the_operation(gql, scripted_server):
    scripted_server.script(Reply(200, {"errors": [{"message": "Field 'x' doesn't exist"}]}))
    with pytest.raises(ConnectorError, match="SangamOrders: Field 'x' doesn't exist") as excinfo:
        gql.execute(ORDERS, {"first": 1})
    assert excinfo.value.permanent is False


def test_a_401_from_the_endpoint_is_permanent(gql, scripted_server):
    scripted_server.script(
        Reply(401, {"errors": "[API] Invalid API key or access token (unrecognized login)"})
    )
    with pytest.raises(ConnectorError) as excinfo:
        gql.execute(queries.SHOP_QUERY)
    assert excinfo.value.permanent is True
    assert TOKEN not in str(excinfo.value)


def test_a_non_json_body_is_a_connector_error(gql, scripted_server):
    scripted_server.script(Reply(200, "<html>maintenance</html>"))
    with pytest.raises(ConnectorError, match="non-JSON"):
        gql.execute(queries.SHOP_QUERY)


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        (
            {"userErrors": [{"field": ["input", "quantities"], "message": "is invalid"}]},
            "input.quantities: is invalid",
        ),
        ({"userErrors": [{"field": None, "message": "Address is taken"}]}, "-: Address is taken"),
    ],
)
def test_user_errors_raise_shopify_user_error_naming_field_and_reason(payload, message):
    with pytest.raises(ShopifyUserError) as excinfo:
        raise_for_user_errors(payload, "the webhook")
    assert "Shopify rejected the webhook" in str(excinfo.value)
    assert message in str(excinfo.value)


@pytest.mark.parametrize("payload", [None, {}, {"userErrors": []}, {"userErrors": None}])
def test_no_user_errors_raise_nothing(payload):
    raise_for_user_errors(payload, "anything")


# --- the connector's paging ---------------------------------------------------------------------
@pytest.fixture
def connector(scripted_server, fake_clock):
    account = AccountHandle(
        id=42,
        merchant_id=1,
        provider="shopify",
        external_id="demo.myshopify.com",
        base_url=scripted_server.url,
        credentials={"access_token": TOKEN},
    )
    http = HttpClient(provider="shopify", account_key="42", max_retries=1, sleep=fake_clock.sleep)
    return ShopifyConnector(account, http, clock=fake_clock, sleep=fake_clock.sleep)


def test_paged_shrinks_first_after_max_cost_exceeded_and_remembers_it(connector, scripted_server):
    scripted_server.script(
        max_cost_exceeded(1250, 1000),
        ok(EMPTY_ORDERS, requested=950, available=900.0),
    )
    page = connector.fetch_orders(since=None, cursor=None)
    assert page.items == []
    assert page.next_cursor is None
    firsts = [r.json()["variables"]["first"] for r in scripted_server.requests]
    # 250 × 1000/1250 × 0.95 = 190
    assert firsts == [250, 190]
    assert connector.page_sizes["orders"] == 190

    scripted_server.script(ok(EMPTY_ORDERS, requested=950, available=1000.0))
    connector.fetch_orders(since=None, cursor="next")
    assert scripted_server.requests[-1].json()["variables"]["first"] == 190


def test_paged_gives_up_when_a_single_record_is_too_costly(connector, scripted_server):
    scripted_server.script(max_cost_exceeded(5000, 1000))
    with pytest.raises(QueryCostExceeded):
        connector.fetch_orders(since=None, cursor=None, page_size=1)
    assert len(scripted_server.requests) == 1


def test_fetch_orders_sends_the_incremental_search_and_cursor(connector, scripted_server):
    scripted_server.script(ok(EMPTY_ORDERS, requested=10, available=1000.0))
    connector.fetch_orders(since=datetime(2026, 11, 1, 4, 30, tzinfo=UTC), cursor="abc")
    variables = scripted_server.requests[0].json()["variables"]
    assert variables["query"] == "updated_at:>='2026-11-01T04:30:00Z'"
    assert variables["after"] == "abc"


def test_all_nodes_follows_a_nested_connection_page_by_page():
    """The first page read with its parent, then ``after`` each ``endCursor`` until
    ``hasNextPage`` is false (order line items, refund lines, fulfillment lines)."""
    from integrations.connectors.shopify.client import all_nodes

    class ScriptedGraphQL:
        def __init__(self):
            self.sent: list[dict] = []
            self.pages = [
                {
                    "node": {
                        "lines": {
                            "nodes": [{"id": 3}],
                            "pageInfo": {"hasNextPage": True, "endCursor": "c2"},
                        }
                    }
                },
                {
                    "node": {
                        "lines": {
                            "nodes": [{"id": 4}],
                            "pageInfo": {"hasNextPage": False, "endCursor": "c3"},
                        }
                    }
                },
            ]

        def execute(self, query, variables):
            self.sent.append(variables)
            return self.pages.pop(0)

    gql = ScriptedGraphQL()
    first = {"nodes": [{"id": 1}, {"id": 2}], "pageInfo": {"hasNextPage": True, "endCursor": "c1"}}

    nodes = all_nodes(gql, first, "query", {"id": "gid://x/1"}, lambda d: d["node"]["lines"])

    assert [n["id"] for n in nodes] == [1, 2, 3, 4]
    assert gql.sent == [{"id": "gid://x/1", "after": "c1"}, {"id": "gid://x/1", "after": "c2"}]
    last = {"nodes": [{"id": 9}], "pageInfo": {"hasNextPage": False, "endCursor": "c9"}}
    assert all_nodes(gql, last, "query", {}, lambda d: d) == [{"id": 9}]
    assert all_nodes(gql, None, "query", {}, lambda d: d) == []
