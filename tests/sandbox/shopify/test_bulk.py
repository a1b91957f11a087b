"""Bulk operations: the hub's inner queries, JSONL with ``__parentId``, one at a time."""

from __future__ import annotations

import json

from integrations.connectors.shopify import queries
from sandbox.shopify.bulk import flatten, prepare
from sandbox.shopify.models import SandboxLineItem, SandboxOrder, SandboxVariant
from tests.sandbox.conftest import SHOP


def run_bulk(gql, client, inner: str) -> tuple[dict, list[dict]]:
    created = gql(queries.BULK_OPERATION_RUN_QUERY, {"query": inner})["data"]
    operation = created["bulkOperationRunQuery"]["bulkOperation"]
    assert created["bulkOperationRunQuery"]["userErrors"] == []
    assert operation["status"] == "CREATED"
    polled = gql(queries.BULK_OPERATION_QUERY, {"id": operation["id"]})["data"]["node"]
    assert polled["status"] == "COMPLETED", polled
    response = client.get(polled["url"])
    assert response.status_code == 200
    text = b"".join(response.streaming_content).decode()
    return polled, [json.loads(line) for line in text.splitlines()]


def test_orders_backfill_is_jsonl_with_line_items_as_child_rows(gql, client):
    operation, rows = run_bulk(gql, client, queries.bulk_orders_query(None))

    orders = SandboxOrder.objects.filter(shop__domain=SHOP)
    items = SandboxLineItem.objects.filter(order__in=orders)
    parents = [r for r in rows if "__parentId" not in r]
    children = [r for r in rows if "__parentId" in r]
    assert len(parents) == orders.count()
    assert len(children) == items.count()
    assert all("lineItems" not in r for r in parents)
    assert all(r["totalPriceSet"]["shopMoney"]["currencyCode"] == "INR" for r in parents)
    seen: set[str] = set()
    for row in rows:
        if "__parentId" in row:
            assert row["__parentId"] in seen  # children follow their parent
            assert row["id"].startswith("gid://shopify/LineItem/")
        else:
            seen.add(row["id"])
    updated = [r["updatedAt"] for r in parents]
    assert updated == sorted(updated)  # sortKey: UPDATED_AT
    assert operation["objectCount"] == str(len(rows))
    assert operation["rootObjectCount"] == str(len(parents))
    assert int(operation["fileSize"]) > 0


def test_orders_backfill_honours_the_search(gql, client):
    pivot = SandboxOrder.objects.filter(shop__domain=SHOP).order_by("updated_at")[40].updated_at
    search = f"updated_at:>='{pivot.strftime('%Y-%m-%dT%H:%M:%SZ')}'"
    _, rows = run_bulk(gql, client, queries.bulk_orders_query(search))

    roots = {r["id"] for r in rows if "__parentId" not in r}
    expected = SandboxOrder.objects.filter(shop__domain=SHOP, updated_at__gte=pivot)
    assert roots == {f"gid://shopify/Order/{pk}" for pk in expected.values_list("id", flat=True)}


def test_catalog_bulk_has_variants_under_products(gql, client):
    _, rows = run_bulk(gql, client, queries.bulk_products_query())

    variants = [r for r in rows if "__parentId" in r]
    assert len(variants) == SandboxVariant.objects.filter(shop__domain=SHOP).count()
    assert {r["__parentId"] for r in variants} <= {r["id"] for r in rows if "__parentId" not in r}
    assert all(r["selectedOptions"] and r["inventoryItem"]["id"] for r in variants)


def test_second_bulk_query_while_one_is_pending_is_refused(gql, client):
    first = gql(queries.BULK_OPERATION_RUN_QUERY, {"query": queries.bulk_products_query()})
    second = gql(queries.BULK_OPERATION_RUN_QUERY, {"query": queries.bulk_products_query()})

    operation_id = first["data"]["bulkOperationRunQuery"]["bulkOperation"]["id"]
    errors = second["data"]["bulkOperationRunQuery"]["userErrors"]
    assert second["data"]["bulkOperationRunQuery"]["bulkOperation"] is None
    assert errors[0]["code"] == "OPERATION_IN_PROGRESS"
    assert errors[0]["message"].startswith(
        "A bulk query operation for this app and shop is already in progress"
    )
    current = gql("{ currentBulkOperation { id status } }")["data"]["currentBulkOperation"]
    assert current == {"id": operation_id, "status": "COMPLETED"}
    third = gql(queries.BULK_OPERATION_RUN_QUERY, {"query": queries.bulk_products_query()})
    assert third["data"]["bulkOperationRunQuery"]["userErrors"] == []


def test_invalid_inner_query_is_a_user_error(gql):
    body = gql(
        queries.BULK_OPERATION_RUN_QUERY, {"query": "{ orders { edges { node { id nope } } } }"}
    )
    errors = body["data"]["bulkOperationRunQuery"]["userErrors"]
    assert errors[0]["code"] == "INVALID"
    assert "nope" in errors[0]["message"]


def test_bulk_query_without_a_connection_is_refused(gql):
    body = gql(queries.BULK_OPERATION_RUN_QUERY, {"query": "{ shop { name } }"})
    errors = body["data"]["bulkOperationRunQuery"]["userErrors"]
    assert errors == [
        {
            "field": ["query"],
            "code": "INVALID",
            "message": "Bulk queries must contain at least one connection.",
        }
    ]


def test_flatten_splits_nested_connections_and_hides_injected_ids(store):
    _, root_key, plan = prepare(
        "{ products { edges { node { title variants { edges { node { sku "
        "inventoryItem { inventoryLevels { edges { node { updatedAt } } } } } } } } } } }"
    )
    variant_plan = plan.children[0]
    assert root_key == "products"
    assert plan.hidden_id
    assert variant_plan.hidden_id
    assert variant_plan.children[0].path == ("inventoryItem", "inventoryLevels")
    node = {
        "title": "Kurta",
        "sandboxBulkRowId": "gid://shopify/Product/1",
        "variants": {
            "edges": [
                {
                    "node": {
                        "sku": "K-1",
                        "sandboxBulkRowId": "gid://shopify/ProductVariant/2",
                        "inventoryItem": {
                            "inventoryLevels": {"edges": [{"node": {"updatedAt": "t"}}]}
                        },
                    }
                }
            ]
        },
    }

    rows = list(flatten(plan, node, None))

    assert rows == [
        {"title": "Kurta"},
        {"sku": "K-1", "inventoryItem": {}, "__parentId": "gid://shopify/Product/1"},
        {"updatedAt": "t", "__parentId": "gid://shopify/ProductVariant/2"},
    ]


def test_the_result_is_only_served_through_its_signed_expiring_url(gql, client, monkeypatch):
    """Shopify's result URLs are signed Cloud Storage URLs that lapse 7 days after completion
    (BulkOperation.url, 2025-01 schema): the id alone, another operation's signature or an
    expired URL read nothing."""
    from urllib.parse import parse_qs, urlsplit

    from sandbox.kernel import clock

    first, _ = run_bulk(gql, client, queries.bulk_products_query())
    second, _ = run_bulk(gql, client, queries.bulk_products_query())
    url = urlsplit(first["url"])
    params = {k: v[0] for k, v in parse_qs(url.query).items()}
    assert set(params) == {
        "X-Goog-Algorithm",
        "X-Goog-Date",
        "X-Goog-Expires",
        "X-Goog-SignedHeaders",
        "X-Goog-Signature",
    }
    assert params["X-Goog-Expires"] == "604800"

    bare = client.get(url.path)
    assert bare.status_code == 403
    assert b"<Code>AccessDenied</Code>" in bare.content
    other_path = urlsplit(second["url"]).path
    borrowed = client.get(other_path, params)  # first's signature on second's result
    assert borrowed.status_code == 403
    assert b"<Code>SignatureDoesNotMatch</Code>" in borrowed.content
    longer = client.get(url.path, {**params, "X-Goog-Expires": "99999999"})
    assert longer.status_code == 403

    later = clock.time() + 7 * 24 * 3600 + 5
    monkeypatch.setattr(clock, "time", lambda: later)
    expired = client.get(url.path, params)
    assert expired.status_code == 400
    assert b"<Code>ExpiredToken</Code>" in expired.content
