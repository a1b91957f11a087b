"""Every GraphQL document Sangam sends validates against the Shopify Admin schema (2025-01), and
the documents of later API versions against that version's schema (2025-01 with the version's
documented changes, ``sandbox.shopify.graphql.versions``)."""

from __future__ import annotations

import gzip
import json
from functools import cache

import pytest
from django.conf import settings
from graphql import GraphQLEnumType, GraphQLSchema, build_client_schema, parse, validate
from graphql.execution.values import get_variable_values

from integrations.connectors.shopify import queries
from integrations.connectors.shopify.connector import ShopifyConnector
from integrations.dto import AccountHandle, StockLevelDTO
from integrations.http import HttpClient
from sandbox.shopify.graphql import versions
from tests.integrations.conftest import Reply


@cache
def admin_schema(release: str = versions.BASE) -> GraphQLSchema:
    path = settings.SHOPIFY_ADMIN_SCHEMA_PATH
    if not path.exists():
        pytest.fail(f"Shopify Admin schema not found at {path} (SHOPIFY_ADMIN_SCHEMA_PATH)")
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        base = json.load(handle)["data"]
    return build_client_schema(versions.introspection_for(release, base))


def validation_errors(document: str, release: str = versions.BASE) -> list[str]:
    return [error.message for error in validate(admin_schema(release), parse(document))]


@pytest.mark.parametrize("name", sorted(queries.ALL_DOCUMENTS))
def test_document_validates_against_the_admin_schema(name):
    assert validation_errors(queries.ALL_DOCUMENTS[name]) == []


@pytest.mark.parametrize(
    ("document", "expected_fragment"),
    [
        pytest.param(
            "query Bad { shop { name notAShopField } }", "notAShopField", id="unknown-field"
        ),
        pytest.param(
            "query Bad($n: Int!) { orders(first: $n, sortKey: NOT_A_KEY) { nodes { id } } }",
            "NOT_A_KEY",
            id="bad-enum",
        ),
        pytest.param(
            "query Bad { orders(first: 1) { nodes { totalPriceSet } } }",
            "totalPriceSet",
            id="object-without-selection",
        ),
        pytest.param(
            "query Bad($first: String) { orders(first: $first) { nodes { id } } }",
            "$first",
            id="variable-of-the-wrong-type",
        ),
    ],
)
def test_a_wrong_document_fails_validation(document, expected_fragment):
    """Proves the check above can fail: each mistake is reported by name."""
    errors = validation_errors(document)
    assert errors
    assert any(expected_fragment in message for message in errors)


@pytest.mark.parametrize("name", sorted(queries.VERSIONED_DOCUMENTS))
def test_a_later_versions_document_validates_from_that_version_only(name):
    first, document = queries.VERSIONED_DOCUMENTS[name]
    for release in versions.RELEASES:
        errors = validation_errors(document, release)
        if versions.at_least(release, first):
            assert errors == [], release
        else:
            assert errors, release


def test_the_2025_01_stock_set_is_invalid_from_2026_04():
    """2026-04 removed ``compareQuantity``: the configured version must pick the document."""
    assert validation_errors(queries.INVENTORY_SET_QUANTITIES, "2026-01") == []
    assert validation_errors(queries.INVENTORY_SET_QUANTITIES, "2026-04") == []  # no rows yet
    operation = parse(queries.INVENTORY_SET_QUANTITIES).definitions[0]
    row = {
        "inventoryItemId": "gid://shopify/InventoryItem/1",
        "locationId": "gid://shopify/Location/1",
        "quantity": 1,
        "compareQuantity": 0,
    }
    variables = {"input": {"name": "available", "reason": "correction", "quantities": [row]}}
    assert isinstance(
        get_variable_values(admin_schema("2026-01"), operation.variable_definitions, variables),
        dict,
    )
    refused = get_variable_values(
        admin_schema("2026-04"), operation.variable_definitions, variables
    )
    assert isinstance(refused, list)
    assert "compareQuantity" in refused[0].message


def test_every_operation_constant_of_the_queries_module_is_validated():
    """A document added to ``queries`` but not to ``ALL_DOCUMENTS`` would skip validation."""
    constants = {
        name: value
        for name, value in vars(queries).items()
        if name.isupper()
        and isinstance(value, str)
        and value.lstrip().startswith(("query ", "mutation "))
    }
    assert constants, "expected the module's query/mutation constants"
    validated = set(queries.ALL_DOCUMENTS.values()) | {
        document for _, document in queries.VERSIONED_DOCUMENTS.values()
    }
    missing = sorted(name for name, value in constants.items() if value not in validated)
    assert missing == []


def test_every_webhook_topic_the_connector_subscribes_is_a_schema_enum_value():
    topic_enum = admin_schema().get_type("WebhookSubscriptionTopic")
    assert isinstance(topic_enum, GraphQLEnumType)
    unknown = [t for t in ShopifyConnector.webhook_topics if t not in topic_enum.values]
    assert unknown == []


def test_bulk_orders_query_escapes_quotes_in_the_search_string():
    document = queries.bulk_orders_query("tag:\"vip\" AND updated_at:>='2024-01-01'")
    assert validation_errors(document) == []
    assert r"tag:\"vip\"" in document


@pytest.mark.parametrize(
    ("api_version", "compare_field"),
    [("2025-01", "compareQuantity"), ("2026-04", "changeFromQuantity")],
)
def test_the_variables_the_stock_push_and_read_send_are_valid_for_their_documents(
    scripted_server, fake_clock, api_version, compare_field
):
    """The documents validate above; here the variables the connector builds for the
    configured API version are coerced against that version's schema types
    (``InventorySetQuantitiesInput``, ``[ID!]!``) as Shopify does."""
    nodes = {"data": {"nodes": [{"id": "gid://shopify/InventoryItem/1", "inventoryLevel": None}]}}
    located = {
        "data": {
            "nodes": [
                {
                    "id": "gid://shopify/InventoryItem/2",
                    "inventoryLevels": {
                        "nodes": [
                            {
                                "location": {"id": "gid://shopify/Location/9"},
                                "quantities": [{"name": "available", "quantity": 4}],
                            }
                        ]
                    },
                }
            ]
        }
    }
    done = {
        "data": {"inventorySetQuantities": {"inventoryAdjustmentGroup": None, "userErrors": []}}
    }
    scripted_server.script(Reply(200, nodes), Reply(200, located), Reply(200, done))
    account = AccountHandle(
        id=1,
        merchant_id=1,
        provider="shopify",
        external_id="demo.myshopify.com",
        base_url=scripted_server.url,
        credentials={"access_token": "shpat_x"},
        settings={"api_version": api_version},
    )
    http = HttpClient(provider="shopify", account_key="1", max_retries=1, sleep=fake_clock.sleep)
    connector = ShopifyConnector(account, http, clock=fake_clock, sleep=fake_clock.sleep)

    assert connector.read_inventory([StockLevelDTO("A", 0, listing_id="1", location_id="9")]) == {
        "A": None
    }
    [result] = connector.push_inventory([StockLevelDTO("B", 6, listing_id="2")])

    assert result.ok
    assert len(scripted_server.requests) == 3
    for request in scripted_server.requests:
        body = request.json()
        operation = parse(body["query"]).definitions[0]
        schema = admin_schema(versions.release_of(api_version))
        assert validate(schema, parse(body["query"])) == []
        coerced = get_variable_values(schema, operation.variable_definitions, body["variables"])
        assert isinstance(coerced, dict), coerced
    assert scripted_server.requests[2].json()["variables"]["input"]["quantities"] == [
        {
            "inventoryItemId": "gid://shopify/InventoryItem/2",
            "locationId": "gid://shopify/Location/9",
            "quantity": 6,
            compare_field: 4,
        }
    ]


@pytest.mark.parametrize(
    ("document", "variables"),
    [
        pytest.param(queries.ORDER_REFUNDS_QUERY, {"first": 12}, id="returns-stream-page"),
        pytest.param(queries.ORDER_REFUNDS_OF_ORDER_QUERY, {"id": "x"}, id="one-orders-refunds"),
        pytest.param(queries.ORDER_RETURNS_QUERY, {"id": "x"}, id="one-orders-returns"),
        pytest.param(queries.RETURN_LINE_ITEMS_QUERY, {"id": "x"}, id="a-returns-lines"),
    ],
)
def test_returns_queries_fit_shopifys_single_query_cost_limit(document, variables):
    """Shopify refuses a query whose requested cost is above 1,000 points (channel-apis.md
    §1.2); the returns stream's page of 12 orders must fit."""
    from graphql import parse

    from integrations.connectors.shopify.returns.fetch import RETURNS_PAGE_SIZE
    from sandbox.shopify.graphql.cost import requested_cost
    from sandbox.shopify.graphql.schema import admin_schema

    operation = parse(document).definitions[0]
    assert RETURNS_PAGE_SIZE == 12
    assert requested_cost(admin_schema("2025-01"), operation, {}, variables) <= 1000
