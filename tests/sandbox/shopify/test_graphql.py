"""The Admin GraphQL endpoint: the hub's real documents, validation, cost, throttling,
pagination, search, scopes, versions and injected faults."""

from __future__ import annotations

import base64
import json
from datetime import timedelta

import pytest

from integrations.connectors.shopify import queries
from sandbox.shopify import services
from sandbox.shopify.models import SandboxLineItem, SandboxOrder, SandboxProduct
from tests.sandbox.conftest import SHOP

ORDER_IDS = "query($first: Int!, $after: String, $q: String) { orders(first: $first, after: $after, query: $q, sortKey: UPDATED_AT) { pageInfo { hasNextPage endCursor } nodes { id updatedAt } } }"  # noqa: E501


def variables_for(name: str, gql) -> dict:
    if name == "order_line_items":
        first = gql("{ orders(first: 1) { nodes { id } } }")["data"]["orders"]["nodes"][0]
        return {"id": first["id"]}
    if name in ("order_fulfillments", "fulfillment_line_items"):
        from sandbox.shopify.models import SandboxFulfillment

        fulfillment = SandboxFulfillment.objects.filter(order__shop__domain=SHOP).first()
        if name == "order_fulfillments":
            return {"id": f"gid://shopify/Order/{fulfillment.order_id}"}
        return {"id": f"gid://shopify/Fulfillment/{fulfillment.id}"}
    if name == "refund_line_items":
        order = SandboxOrder.objects.filter(shop__domain=SHOP, fulfillment_status="FULFILLED")[0]
        payload = services.refund_order(order, deliver=False)
        return {"id": payload["admin_graphql_api_id"]}
    if name in (
        "order_refunds_of_order",
        "order_refunds_of_order_without_returns",
        "order_returns",
        "return_line_items",
        "reverse_fulfillment_orders",
        "reverse_lines",
    ):
        from sandbox.shopify.returns import dispose_return, request_return

        order = SandboxOrder.objects.filter(shop__domain=SHOP, fulfillment_status="FULFILLED")[0]
        item = order.line_items.order_by("id")[0]
        returned = request_return(order, {item.id: 1})
        dispose_return(returned, {item.id: 1}, deliver=False)
        if name in ("return_line_items", "reverse_fulfillment_orders"):
            return {"id": f"gid://shopify/Return/{returned.id}"}
        if name == "reverse_lines":
            reverse = returned.reverse_fulfillment_order.id
            return {"id": f"gid://shopify/ReverseFulfillmentOrder/{reverse}"}
        return {"id": f"gid://shopify/Order/{order.id}"}
    if name == "bulk_operation":
        return {"id": "gid://shopify/BulkOperation/1"}
    if name == "webhook_subscription_create":
        return {
            "topic": "ORDERS_CREATE",
            "webhookSubscription": {"callbackUrl": "http://127.0.0.1:1/h", "format": "JSON"},
        }
    if name == "webhook_subscription_delete":
        return {"id": "gid://shopify/WebhookSubscription/1"}
    if name == "bulk_operation_run_query":
        return {"query": queries.bulk_products_query()}
    if name in ("inventory_at_location", "inventory_item_locations", "inventory_set_quantities"):
        from sandbox.shopify.models import SandboxInventoryLevel

        level = SandboxInventoryLevel.objects.filter(item__shop__domain=SHOP).order_by("pk")[0]
        item = f"gid://shopify/InventoryItem/{level.item_id}"
        location = f"gid://shopify/Location/{level.location_id}"
        if name == "inventory_at_location":
            return {"ids": [item], "locationId": location}
        if name == "inventory_item_locations":
            return {"ids": [item]}
        row = {"inventoryItemId": item, "locationId": location, "quantity": level.available + 1}
        return {
            "input": {
                "name": "available",
                "reason": "correction",
                "referenceDocumentUri": "gid://sangam/StockPush/test",
                "quantities": [{**row, "compareQuantity": level.available}],
            }
        }
    return {"first": 3}


@pytest.mark.parametrize("name", sorted(queries.OPERATIONS))
def test_every_hub_document_executes_without_errors(gql, name):
    body = gql(queries.OPERATIONS[name], variables_for(name, gql))

    assert "errors" not in body, body["errors"]
    assert body["data"]
    assert all(value is not None or name == "bulk_operation" for value in body["data"].values())
    assert body["extensions"]["cost"]["actualQueryCost"] is not None


def test_orders_document_returns_the_seeded_values(gql):
    order = SandboxOrder.objects.filter(shop__domain=SHOP).order_by("updated_at", "id").first()
    node = gql(queries.ORDERS_QUERY, {"first": 1})["data"]["orders"]["nodes"][0]

    assert node["id"] == f"gid://shopify/Order/{order.id}"
    assert node["legacyResourceId"] == str(order.id)
    assert node["name"] == order.name
    assert node["totalPriceSet"]["shopMoney"] == {
        "amount": f"{order.total_price:.2f}",
        "currencyCode": "INR",
    }
    lines = node["lineItems"]["nodes"]
    assert [line["sku"] for line in lines] == list(
        SandboxLineItem.objects.filter(order=order)
        .order_by("position")
        .values_list("sku", flat=True)
    )
    assert all(line["taxLines"] for line in lines)


def test_unknown_field_is_a_validation_error_like_shopify(gql):
    body = gql("{ orders(first: 1) { nodes { id bogusField } } }")

    assert "data" not in body
    assert body["errors"][0]["message"] == "Field 'bogusField' doesn't exist on type 'Order'"
    assert body["errors"][0]["extensions"]["code"] == "undefinedField"


def test_connection_without_first_or_last_is_refused(gql):
    body = gql("{ orders { nodes { id } } }")
    assert body["errors"][0]["message"] == "you must provide one of first or last"


@pytest.mark.parametrize(
    ("query", "requested"),
    [
        ("{ shop { name } }", 1),
        ("{ orders(first: 5) { nodes { id name } } }", 2 + 5 * 1),
        (
            "{ orders(first: 2) { nodes { id totalPriceSet { shopMoney { amount } } "
            "lineItems(first: 3) { nodes { id variant { id } } } } } }",
            2 + 2 * (1 + 2 + (2 + 3 * 2)),
        ),
        (
            'mutation { webhookSubscriptionDelete(id: "gid://shopify/WebhookSubscription/1") '
            "{ userErrors { message } } }",
            10,
        ),
    ],
)
def test_requested_cost_follows_shopify_rules(gql, query, requested):
    assert gql(query)["extensions"]["cost"]["requestedQueryCost"] == requested


def test_actual_cost_counts_returned_nodes(gql):
    count = SandboxOrder.objects.filter(shop__domain=SHOP).count()
    body = gql("{ orders(first: 250) { nodes { id } } }")
    assert body["extensions"]["cost"]["requestedQueryCost"] == 252
    assert body["extensions"]["cost"]["actualQueryCost"] == 2 + count


def test_query_above_max_cost_is_refused_without_data(gql):
    query = "{ orders(first: 250) { nodes { id lineItems(first: 10) { nodes { id } } } } }"
    body = gql(query)

    assert "data" not in body
    error = body["errors"][0]
    assert error["extensions"] == {"code": "MAX_COST_EXCEEDED", "cost": 3252, "maxCost": 1000}
    assert error["message"].startswith(
        "Query cost is 3252, which exceeds the single query max cost limit (1000)."
    )


def test_throttled_when_bucket_is_empty_then_refills_with_time(gql, frozen_clock):
    services.set_bucket(shop=SHOP, size=20, restore_rate=1, available=20)
    query = "{ orders(first: 15) { nodes { id } } }"  # 17 points, all 15 nodes exist

    first = gql(query)
    second = gql(query)
    frozen_clock.advance(14)
    third = gql(query)

    assert first["extensions"]["cost"]["throttleStatus"]["currentlyAvailable"] == 3.0
    assert second["errors"] == [
        {
            "message": "Throttled",
            "extensions": {
                "code": "THROTTLED",
                "documentation": "https://shopify.dev/api/usage/rate-limits",
            },
        }
    ]
    assert "data" not in second
    assert second["extensions"]["cost"] == {
        "requestedQueryCost": 17,
        "actualQueryCost": None,
        "throttleStatus": {"maximumAvailable": 20.0, "currentlyAvailable": 3.0, "restoreRate": 1.0},
    }
    assert len(third["data"]["orders"]["nodes"]) == 15
    assert third["extensions"]["cost"]["throttleStatus"]["currentlyAvailable"] == 0.0


def test_cursor_pagination_visits_every_order_once_while_unseen_orders_change(gql, frozen_clock):
    orders = SandboxOrder.objects.filter(shop__domain=SHOP)
    unseen = list(orders.order_by("updated_at", "id")[30:35])
    seen: list[str] = []
    after = None
    while True:
        page = gql(ORDER_IDS, {"first": 10, "after": after})["data"]["orders"]
        seen += [node["id"] for node in page["nodes"]]
        if len(seen) == 10:
            # Orders not read yet change: they move to the end and still come exactly once.
            frozen_clock.advance(60)
            for order in unseen:
                services.update_order(order, note="changed while paging")
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]

    assert len(seen) == len(set(seen)) == orders.count()
    assert seen[-5:] == [f"gid://shopify/Order/{o.id}" for o in sorted(unseen, key=lambda o: o.id)]


def test_cursors_are_opaque_base64_of_last_id_and_value(gql):
    cursor = gql(ORDER_IDS, {"first": 1})["data"]["orders"]["pageInfo"]["endCursor"]
    decoded = json.loads(base64.b64decode(cursor))
    assert set(decoded) == {"last_id", "last_value"}


@pytest.mark.parametrize("quote", ["'", '"', ""])
def test_updated_at_search_filters_like_shopify(gql, quote):
    orders = SandboxOrder.objects.filter(shop__domain=SHOP).order_by("updated_at")
    pivot = orders[len(orders) // 2].updated_at
    since = pivot.strftime("%Y-%m-%dT%H:%M:%SZ")
    until = (pivot + timedelta(days=3)).strftime("%Y-%m-%dT%H:%M:%SZ")
    search = f"updated_at:>={quote}{since}{quote} AND updated_at:<{quote}{until}{quote}"

    ids, after = [], None
    while True:
        page = gql(ORDER_IDS, {"first": 50, "after": after, "q": search})["data"]["orders"]
        ids += [n["id"] for n in page["nodes"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    expected = orders.filter(updated_at__gte=pivot, updated_at__lt=pivot + timedelta(days=3))

    assert ids == [f"gid://shopify/Order/{o.id}" for o in expected.order_by("updated_at", "id")]
    count = gql(queries.ORDERS_COUNT_QUERY, {"query": search})["data"]["ordersCount"]
    assert count == {"count": expected.count(), "precision": "EXACT"}


def test_unknown_search_field_is_ignored_with_a_warning(gql):
    body = gql('{ orders(first: 1, query: "colour:blue") { nodes { id } } }')
    assert len(body["data"]["orders"]["nodes"]) == 1
    assert body["extensions"]["search"][0]["warnings"] == [
        {"field": "colour", "message": "Invalid search field for this query."}
    ]


def test_sku_and_status_search(gql):
    line = SandboxLineItem.objects.filter(order__shop__domain=SHOP).first()
    with_sku = SandboxOrder.objects.filter(line_items__sku=line.sku).distinct().count()
    body = gql(f'{{ ordersCount(query: "sku:{line.sku}") {{ count }} }}')
    cancelled = gql('{ ordersCount(query: "status:cancelled") { count } }')

    assert body["data"]["ordersCount"]["count"] == with_sku
    assert (
        cancelled["data"]["ordersCount"]["count"]
        == SandboxOrder.objects.filter(shop__domain=SHOP, cancelled_at__isnull=False).count()
    )


def test_reverse_and_last_before_page_backwards(gql):
    ids = list(
        SandboxProduct.objects.filter(shop__domain=SHOP).order_by("id").values_list("id", flat=True)
    )
    newest = gql("{ products(first: 3, reverse: true) { nodes { legacyResourceId } } }")
    nodes = newest["data"]["products"]["nodes"]
    assert [int(n["legacyResourceId"]) for n in nodes] == ids[::-1][:3]

    forward = gql("{ products(first: 6) { pageInfo { endCursor } } }")["data"]["products"]
    back = gql(
        "query($c: String) { products(last: 2, before: $c) { nodes { legacyResourceId } "
        "pageInfo { hasPreviousPage } } }",
        {"c": forward["pageInfo"]["endCursor"]},
    )
    page = back["data"]["products"]
    assert [int(n["legacyResourceId"]) for n in page["nodes"]] == ids[3:5]
    assert page["pageInfo"]["hasPreviousPage"] is True


def test_ids_exceed_2_53_and_survive_exactly(gql):
    raw = gql.post("{ orders(first: 5) { nodes { id legacyResourceId } } }").content.decode()
    nodes = json.loads(raw)["data"]["orders"]["nodes"]

    for node in nodes:
        number = int(node["legacyResourceId"])
        assert number > 2**53
        assert node["id"] == f"gid://shopify/Order/{number}"
        assert SandboxOrder.objects.filter(pk=number).exists()


def test_missing_scope_is_access_denied(gql, app):
    token = services.issue_access_token(shop=SHOP, api_key=app.api_key, scope="read_products")
    body = gql("{ orders(first: 1) { nodes { id } } }", token=token)
    assert body["errors"][0]["extensions"]["code"] == "ACCESS_DENIED"
    assert "read_orders" in body["errors"][0]["message"]


def test_current_app_installation_lists_the_tokens_granted_scopes(gql, app):
    """shopify.dev queries/currentAppInstallation: readable with any scope; ``accessScopes``
    are the handles the merchant granted this app."""
    token = services.issue_access_token(
        shop=SHOP, api_key=app.api_key, scope="read_products,write_inventory"
    )
    body = gql("{ currentAppInstallation { id accessScopes { handle description } } }", token=token)

    installation = body["data"]["currentAppInstallation"]
    assert installation["id"] == f"gid://shopify/AppInstallation/{app.pk}"
    assert installation["accessScopes"] == [
        {"handle": "read_products", "description": "View products, variants and collections"},
        {"handle": "write_inventory", "description": "Manage inventory and inventory items"},
    ]


def test_version_header_request_id_and_unknown_version(gql):
    ok = gql.post("{ shop { name } }")
    missing = gql.post("{ shop { name } }", version="2019-01")

    assert ok["X-Shopify-API-Version"] == "2025-01"
    assert ok["X-Request-Id"]
    assert missing.status_code == 404


def test_injected_faults_answer_503_then_429_then_recover(gql):
    services.inject_faults(shop=SHOP, graphql_5xx=1, graphql_429=1)

    statuses = [gql.post("{ shop { name } }") for _ in range(3)]

    assert [r.status_code for r in statuses] == [503, 429, 200]
    assert statuses[1]["Retry-After"] == "1"


def test_fields_the_sandbox_does_not_simulate_fail_loudly(gql):
    body = gql("{ orders(first: 1) { nodes { id risk { recommendation } } } }")
    assert body["errors"][0]["extensions"]["code"] == "SANDBOX_NOT_IMPLEMENTED"
    assert body["errors"][0]["path"] == ["orders", "nodes", 0, "risk"]


def test_every_resolver_is_attached_to_a_real_schema_field(store):
    from sandbox.shopify.graphql.schema import _resolver_tables, admin_schema

    schema = admin_schema()
    resolvers, type_names = _resolver_tables()
    for type_name, fields in resolvers.items():
        for field_name, resolver in fields.items():
            assert schema.type_map[type_name].fields[field_name].resolve is resolver
    assert set(type_names.values()) <= set(resolvers)


def test_a_cursor_from_another_sort_order_is_rejected(gql):
    by_date = gql(ORDER_IDS, {"first": 1})["data"]["orders"]["pageInfo"]["endCursor"]
    body = gql(
        "query($c: String) { orders(first: 1, after: $c, sortKey: ID) { nodes { id } } }",
        {"c": by_date},
    )
    assert body["errors"][0]["message"].startswith("Invalid cursor")


@pytest.mark.parametrize("name", sorted(queries.VERSIONED_DOCUMENTS))
def test_every_later_version_document_executes_from_its_version(gql, name):
    first, document = queries.VERSIONED_DOCUMENTS[name]
    variables = variables_for(name.removesuffix("_idempotent"), gql)
    for row in variables["input"]["quantities"]:
        row["changeFromQuantity"] = row.pop("compareQuantity")

    for version in (first, "2026-04"):
        body = gql(document, {**variables, "idempotencyKey": f"key-{version}"}, version=version)
        assert "errors" not in body, body["errors"]
        assert body["data"]["inventorySetQuantities"]["userErrors"] == []
        row = variables["input"]["quantities"][0]
        row["changeFromQuantity"], row["quantity"] = row["quantity"], row["quantity"] + 1
