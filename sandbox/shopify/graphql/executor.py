"""One Admin API GraphQL request, end to end: parse, validate, cost, throttle, execute, envelope.

Shapes (channel-apis.md §1.2): ``{"data", "errors"?, "extensions": {"cost": {"requestedQueryCost",
"actualQueryCost", "throttleStatus": {"maximumAvailable", "currentlyAvailable",
"restoreRate"}}}}``; validation errors, ``MAX_COST_EXCEEDED`` and ``THROTTLED`` are HTTP 200
with ``errors`` (GraphQL convention, which Shopify follows).
"""

from __future__ import annotations

import functools
import re
from typing import Any

from graphql import (
    DocumentNode,
    FragmentDefinitionNode,
    GraphQLError,
    OperationDefinitionNode,
    parse,
    validate,
)
from graphql.execution.values import get_variable_values
from graphql.utilities import get_operation_ast

from sandbox.shopify import throttle
from sandbox.shopify.graphql import versions
from sandbox.shopify.graphql.context import SandboxContext
from sandbox.shopify.graphql.cost import (
    MAX_QUERY_COST,
    actual_cost,
    max_cost_error,
    requested_cost,
)
from sandbox.shopify.graphql.schema import admin_schema, execute_document

THROTTLED_ERROR = {
    "message": "Throttled",
    "extensions": {
        "code": "THROTTLED",
        "documentation": "https://shopify.dev/api/usage/rate-limits",
    },
}
_UNDEFINED_FIELD = re.compile(r"^Cannot query field '(?P<field>\w+)' on type '(?P<type>\w+)'\.")


def _shopify_error(error: GraphQLError) -> dict[str, Any]:
    """graphql-core's error, reworded where Shopify's wording is known ("Field 'x' doesn't
    exist on type 'Order'", code ``undefinedField``)."""
    formatted = dict(error.formatted)
    match = _UNDEFINED_FIELD.match(error.message)
    if match:
        formatted["message"] = f"Field '{match['field']}' doesn't exist on type '{match['type']}'"
        formatted["extensions"] = {
            "code": "undefinedField",
            "typeName": match["type"],
            "fieldName": match["field"],
        }
    return formatted


@functools.lru_cache(maxsize=256)
def _prepared(query: str, release: str) -> tuple[DocumentNode | None, tuple[dict[str, Any], ...]]:
    """Parsed and validated document, cached per query text and schema release (clients resend
    the same ones)."""
    try:
        document = parse(query)
    except GraphQLError as exc:
        return None, (_shopify_error(exc),)
    errors = validate(admin_schema(release), document)
    return document, tuple(_shopify_error(e) for e in errors)


def _cost_extension(requested: int, actual: int | None, status: throttle.ThrottleStatus) -> dict:
    return {
        "cost": {
            "requestedQueryCost": requested,
            "actualQueryCost": actual,
            "throttleStatus": status.as_json(),
        }
    }


def run(context: SandboxContext, payload: dict[str, Any]) -> dict[str, Any]:
    """The response body for a ``graphql.json`` request body ``{"query", "variables",
    "operationName"}``, charging the (shop, app) bucket."""
    query = payload.get("query")
    if not isinstance(query, str) or not query.strip():
        return {"errors": [{"message": "No query string was present"}]}
    release = versions.release_of(context.api_version)
    document, errors = _prepared(query, release)
    if document is None or errors:
        return {"errors": list(errors)}
    operation_name = payload.get("operationName") or None
    operation = get_operation_ast(document, operation_name)
    if operation is None:
        message = (
            f"No operation named '{operation_name}'"
            if operation_name
            else "An operation name is required"
        )
        return {"errors": [{"message": message}]}
    schema = admin_schema(release)
    coerced = get_variable_values(
        schema, operation.variable_definitions or (), payload.get("variables") or {}
    )
    if isinstance(coerced, list):
        return {"errors": [_shopify_error(e) for e in coerced]}
    fragments = {
        d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
    }
    requested = requested_cost(schema, operation, fragments, coerced)
    if requested > MAX_QUERY_COST:
        return {"errors": [max_cost_error(requested)]}
    granted, status = throttle.take(context.shop, context.app, requested)
    if not granted:
        return {"errors": [THROTTLED_ERROR], "extensions": _cost_extension(requested, None, status)}
    result = execute_document(document, context, payload.get("variables") or {}, operation_name)
    actual = _actual(schema, operation, fragments, coerced, result.data, requested)
    status = throttle.refund(context.shop, context.app, requested - actual)
    body: dict[str, Any] = {"data": result.data}
    if result.errors:
        body["errors"] = [_shopify_error(e) for e in result.errors]
    body["extensions"] = _cost_extension(requested, actual, status)
    if context.search_warnings:
        body["extensions"]["search"] = context.search_warnings
    return body


def _actual(
    schema: Any,
    operation: OperationDefinitionNode,
    fragments: dict,
    variables: dict,
    data: dict[str, Any] | None,
    requested: int,
) -> int:
    # Never charge more than was reserved: a list or interface can return more than the
    # requested estimate assumed.
    return min(actual_cost(schema, operation, fragments, variables, data), requested)
