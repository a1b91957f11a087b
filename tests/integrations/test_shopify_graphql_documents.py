"""Every GraphQL document Sangam sends validates against the Shopify Admin schema (2025-01)."""

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
from tests.integrations.conftest import Reply


@cache
def admin_schema() -> GraphQLSchema:
    path = settings.SHOPIFY_ADMIN_SCHEMA_PATH
    if not path.exists():
        pytest.fail(f"Shopify Admin schema not found at {path} (SHOPIFY_ADMIN_SCHEMA_PATH)")
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        return build_client_schema(json.load(handle)["data"])


def validation_errors(document: str) -> list[str]:
    return [error.message for error in validate(admin_schema(), parse(document))]


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
    validated = set(queries.ALL_DOCUMENTS.values())
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


def test_the_variables_the_stock_push_and_read_send_are_valid_for_their_documents(
    scripted_server, fake_clock
):
    """The documents validate above; here the variables the connector builds are coerced
    against the schema types (``InventorySetQuantitiesInput``, ``[ID!]!``) as Shopify does."""
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
        coerced = get_variable_values(
            admin_schema(), operation.variable_definitions, body["variables"]
        )
        assert isinstance(coerced, dict), coerced
    assert scripted_server.requests[2].json()["variables"]["input"]["quantities"] == [
        {
            "inventoryItemId": "gid://shopify/InventoryItem/2",
            "locationId": "gid://shopify/Location/9",
            "quantity": 6,
            "compareQuantity": 4,
        }
    ]
