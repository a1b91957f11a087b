"""The real Admin API schema (2025-01 introspection, ``settings.SHOPIFY_ADMIN_SCHEMA_PATH``) with
the sandbox's resolvers attached, built once per process and schema release (later API versions
are the 2025-01 schema with their documented changes applied: ``versions``).

Every field the sandbox simulates has an explicit resolver; a field that exists in Shopify's
schema but is not simulated raises a ``SANDBOX_NOT_IMPLEMENTED`` error instead of returning a
made-up value. Queries are validated against the full schema, so documents the real API would
reject fail here too.
"""

from __future__ import annotations

import functools
import gzip
import json
from pathlib import Path
from typing import Any

from django.conf import settings
from graphql import (
    DocumentNode,
    ExecutionResult,
    GraphQLAbstractType,
    GraphQLResolveInfo,
    GraphQLSchema,
    build_client_schema,
    execute,
)

from sandbox.shopify.graphql import versions
from sandbox.shopify.graphql.context import SandboxContext, not_implemented


def _load_introspection(path: Path) -> dict[str, Any]:
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8") as fh:
        data = json.load(fh)
    return data.get("data", data)


def _resolver_tables() -> tuple[dict[str, dict[str, Any]], dict[type, str]]:
    # Imported here: the resolver modules reach this module again through bulk operations.
    from sandbox.shopify.graphql import (
        mutations,
        root,
        types_admin,
        types_catalog,
        types_fulfillment_orders,
        types_orders,
        types_refunds,
        types_returns,
    )

    resolvers: dict[str, dict[str, Any]] = {}
    type_names: dict[type, str] = {}
    modules = (
        root,
        mutations,
        types_orders,
        types_refunds,
        types_returns,
        types_fulfillment_orders,
        types_catalog,
        types_admin,
    )
    for module in modules:
        resolvers.update(module.RESOLVERS)
        type_names.update(getattr(module, "TYPE_NAMES", {}))
    return resolvers, type_names


@functools.cache
def _base_introspection() -> dict[str, Any]:
    return _load_introspection(Path(settings.SHOPIFY_ADMIN_SCHEMA_PATH))


@functools.cache
def admin_schema(release: str = versions.BASE) -> GraphQLSchema:
    """The executable schema of a schema release (``versions.RELEASES``; ``versions.release_of``
    maps an API version to it); raises ``KeyError`` at build time if a resolver names a type or
    field that the schema does not have (so a typo cannot hide)."""
    schema = build_client_schema(versions.introspection_for(release, _base_introspection()))
    resolvers, _ = _resolver_tables()
    for type_name, fields in resolvers.items():
        graphql_type = schema.type_map[type_name]
        for field_name, resolver in fields.items():
            graphql_type.fields[field_name].resolve = resolver  # type: ignore[union-attr]
    return schema


@functools.cache
def _type_names() -> dict[type, str]:
    return _resolver_tables()[1]


def default_resolver(source: Any, info: GraphQLResolveInfo, **args: Any) -> Any:
    """Resolve plain value objects (dicts keyed by GraphQL field name; callables receive the
    field arguments). Anything else is a field the sandbox does not simulate."""
    if isinstance(source, dict) and info.field_name in source:
        value = source[info.field_name]
        return value(info, **args) if callable(value) else value
    raise not_implemented(info.parent_type.name, info.field_name)


def type_resolver(value: Any, info: GraphQLResolveInfo, abstract_type: GraphQLAbstractType) -> str:
    """Concrete type of a value returned for an interface/union field (``Node``…)."""
    if isinstance(value, dict):
        return str(value["__typename"])
    return _type_names()[type(value)]


def _never_awaitable(value: Any) -> bool:
    # Resolvers are synchronous; skipping graphql-core's per-value awaitable probe saves ~10%
    # of a bulk export.
    return False


def execute_document(
    document: DocumentNode,
    context: SandboxContext,
    variables: dict[str, Any] | None = None,
    operation_name: str | None = None,
) -> ExecutionResult:
    """Execute a validated document with the sandbox resolvers, in the schema of the API
    version the request named (``context.api_version``)."""
    result = execute(
        admin_schema(versions.release_of(context.api_version)),
        document,
        context_value=context,
        variable_values=variables,
        operation_name=operation_name,
        field_resolver=default_resolver,
        type_resolver=type_resolver,
        is_awaitable=_never_awaitable,
    )
    if not isinstance(result, ExecutionResult):
        raise TypeError("sandbox resolvers must be synchronous")
    return result
