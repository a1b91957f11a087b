"""Bulk query operations (shopify.dev "Perform bulk operations with the GraphQL Admin API").

``bulkOperationRunQuery`` validates the inner query against the schema and Shopify's bulk rules
(one top-level connection, at most five connections, nested connections at most two levels
below it) and stores a ``CREATED`` operation; one may run per (shop, app) at a time. The first
poll (``node(id:)``, ``nodes``, ``currentBulkOperation``) runs it: connections ignore
pagination, the root connection is read in chunks, and each chunk's result is flattened to JSONL
lines written straight to ``VAR_DIR/sandbox/bulk/<id>.jsonl`` — one line per node, nodes of
nested connections on their own lines after their parent with ``"__parentId"``, other nested
objects inline.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from graphql import (
    DocumentNode,
    FieldNode,
    GraphQLError,
    GraphQLObjectType,
    NameNode,
    OperationDefinitionNode,
    OperationType,
    SelectionSetNode,
    get_named_type,
    parse,
    validate,
)

from sandbox.kernel import clock
from sandbox.shopify.graphql.context import BulkWindow, SandboxContext
from sandbox.shopify.graphql.cost import is_connection
from sandbox.shopify.graphql.schema import admin_schema, execute_document
from sandbox.shopify.ids import allocate_id, gid
from sandbox.shopify.models import SandboxBulkOperation
from sandbox.shopify.webhooks.delivery import emit
from sandbox.shopify.webhooks.payloads import bulk_finish_payload

logger = logging.getLogger(__name__)

CHUNK_SIZE = 250
MAX_CONNECTIONS = 5
MAX_NESTING = 2
HIDDEN_ID = "sandboxBulkRowId"
ACTIVE = ("CREATED", "RUNNING")


class BulkQueryError(Exception):
    """The inner query breaks a bulk-operation rule; the message becomes a user error."""


@dataclass
class ConnectionPlan:
    """Where a connection sits (``path`` of response keys from its parent node) and how to
    reach its nodes (``edges { node }`` and/or ``nodes``)."""

    path: tuple[str, ...]
    edges_key: str | None = None
    node_key: str | None = None
    nodes_key: str | None = None
    id_key: str = "id"
    hidden_id: bool = False
    children: list[ConnectionPlan] = field(default_factory=list)

    def nodes(self, value: Any) -> list[dict[str, Any]]:
        if not isinstance(value, dict):
            return []
        if self.nodes_key and self.nodes_key in value:
            return [n for n in value[self.nodes_key] or [] if n is not None]
        edges = value.get(self.edges_key or "", None) or []
        return [e[self.node_key] for e in edges if e and e.get(self.node_key or "") is not None]


def _key(node: FieldNode) -> str:
    return node.alias.value if node.alias else node.name.value


def _fields(selection_set: SelectionSetNode | None) -> list[FieldNode]:
    if selection_set is None:
        return []
    return [s for s in selection_set.selections if isinstance(s, FieldNode)]


class _Planner:
    def __init__(self) -> None:
        self.connections = 0

    def connection(
        self, node: FieldNode, type_: Any, path: tuple[str, ...], level: int
    ) -> ConnectionPlan:
        self.connections += 1
        if self.connections > MAX_CONNECTIONS:
            raise BulkQueryError(
                f"Bulk queries cannot contain more than {MAX_CONNECTIONS} connections."
            )
        if level > MAX_NESTING:
            raise BulkQueryError(
                f"Bulk queries cannot contain connections nested more than "
                f"{MAX_NESTING} levels deep."
            )
        plan = ConnectionPlan(path=path)
        node_selection, node_type = None, None
        for sub in _fields(node.selection_set):
            if sub.name.value == "nodes":
                plan.nodes_key = _key(sub)
                node_selection, node_type = (
                    sub.selection_set,
                    get_named_type(type_.fields["nodes"].type),
                )
            elif sub.name.value == "edges":
                edge_type = get_named_type(type_.fields["edges"].type)
                for edge_field in _fields(sub.selection_set):
                    if edge_field.name.value == "node":
                        plan.edges_key, plan.node_key = _key(sub), _key(edge_field)
                        node_selection = edge_field.selection_set
                        node_type = get_named_type(edge_type.fields["node"].type)
        if node_selection is None or node_type is None:
            raise BulkQueryError(
                f"Connection '{node.name.value}' must select edges {{ node }} or nodes."
            )
        self.children(plan, node_selection, node_type, (), level)
        if plan.children:
            ids = [f for f in _fields(node_selection) if f.name.value == "id"]
            if ids:
                plan.id_key = _key(ids[0])
            else:
                hidden = FieldNode(
                    name=NameNode(value="id"),
                    alias=NameNode(value=HIDDEN_ID),
                    arguments=(),
                    directives=(),
                )
                node_selection.selections = (*node_selection.selections, hidden)
                plan.id_key, plan.hidden_id = HIDDEN_ID, True
        return plan

    def children(
        self,
        plan: ConnectionPlan,
        selection: SelectionSetNode,
        type_: Any,
        prefix: tuple[str, ...],
        level: int,
    ) -> None:
        fields = getattr(type_, "fields", {})
        for sub in _fields(selection):
            definition = fields.get(sub.name.value)
            if definition is None:
                continue
            named = get_named_type(definition.type)
            if is_connection(named):
                plan.children.append(self.connection(sub, named, (*prefix, _key(sub)), level + 1))
            elif isinstance(named, GraphQLObjectType) and sub.selection_set is not None:
                self.children(plan, sub.selection_set, named, (*prefix, _key(sub)), level)


def prepare(query: str) -> tuple[DocumentNode, str, ConnectionPlan]:
    """Parse, validate and plan a bulk query: ``(document, root key, plan)``.

    Raises :class:`BulkQueryError` with a message suitable for ``userErrors``."""
    schema = admin_schema()
    try:
        document = parse(query)
    except GraphQLError as exc:
        raise BulkQueryError(f"Invalid bulk query: {exc.message}") from exc
    errors = validate(schema, document)
    if errors:
        raise BulkQueryError(f"Invalid bulk query: {errors[0].message}")
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    if len(operations) != 1 or operations[0].operation != OperationType.QUERY:
        raise BulkQueryError("Bulk queries must contain exactly one query operation.")
    if operations[0].variable_definitions:
        raise BulkQueryError("Bulk queries cannot use variables.")
    roots = _fields(operations[0].selection_set)
    if len(roots) != 1:
        raise BulkQueryError("Bulk queries must have exactly one top-level field.")
    root = roots[0]
    definition = schema.query_type.fields.get(root.name.value)
    if definition is None or not is_connection(definition.type):
        raise BulkQueryError("Bulk queries must contain at least one connection.")
    plan = _Planner().connection(root, get_named_type(definition.type), (_key(root),), 0)
    return document, _key(root), plan


def flatten(plan: ConnectionPlan, node: dict[str, Any], parent_id: str | None) -> Iterator[dict]:
    """JSONL rows of one node and, after it, its nested connections' nodes (depth first)."""
    row = dict(node)
    extracted = [(child, _pop_path(row, child.path)) for child in plan.children]
    own_id = row.pop(HIDDEN_ID, None) if plan.hidden_id else row.get(plan.id_key)
    if parent_id is not None:
        row["__parentId"] = parent_id
    yield row
    for child, value in extracted:
        for child_node in child.nodes(value):
            yield from flatten(child, child_node, own_id)


def _pop_path(row: dict[str, Any], path: tuple[str, ...]) -> Any:
    """Remove the connection at ``path`` from ``row`` (copying the dicts on the way)."""
    holder = row
    for key in path[:-1]:
        inner = holder.get(key)
        if not isinstance(inner, dict):
            return None
        holder[key] = dict(inner)
        holder = holder[key]
    return holder.pop(path[-1], None)


# The result URL is signed as Shopify's are (a Google Cloud Storage V4 signed URL: X-Goog-Date,
# X-Goog-Expires, X-Goog-Signature) and lapses 7 days after completion (BulkOperation.url in
# the 2025-01 Admin schema: "The URL expires 7 days after the operation completes").
RESULT_URL_TTL_SECONDS = 7 * 24 * 3600
RESULT_SIGNING_SALT = "sandbox.shopify.bulk-result"


def _result_signature(op_id: int, shop: str, signed_at: str, expires: int) -> str:
    from django.core.signing import Signer

    signer = Signer(salt=RESULT_SIGNING_SALT, algorithm="sha256")
    return signer.signature(f"{shop}\n{op_id}\n{signed_at}\n{expires}")


def result_query(op: SandboxBulkOperation) -> dict[str, str]:
    """The signature parameters of ``op``'s result URL: signed at its completion, valid for
    ``RESULT_URL_TTL_SECONDS``; the signature (HMAC-SHA256 under ``SECRET_KEY``) covers the
    shop, the operation id, the date and the lifetime, so no other result can be read with it."""
    signed_at = (op.completed_at or clock.now()).strftime("%Y%m%dT%H%M%SZ")
    expires = RESULT_URL_TTL_SECONDS
    return {
        "X-Goog-Algorithm": "GOOG4-HMAC-SHA256",
        "X-Goog-Date": signed_at,
        "X-Goog-Expires": str(expires),
        "X-Goog-SignedHeaders": "host",
        "X-Goog-Signature": _result_signature(op.id, op.shop.domain, signed_at, expires),
    }


def result_access_error(op_id: int, shop: str, query: Any) -> tuple[int, str, str] | None:
    """Why a request for a result with ``query`` (its query parameters) is refused, as
    ``(HTTP status, error code, message)`` the way Cloud Storage answers (403
    ``SignatureDoesNotMatch`` for a missing or wrong signature, 400 ``ExpiredToken`` once the
    lifetime has passed); None when the URL is valid."""
    import hmac
    from datetime import UTC, datetime

    signed_at = query.get("X-Goog-Date", "")
    expires = query.get("X-Goog-Expires", "")
    given = query.get("X-Goog-Signature", "")
    if not (signed_at and expires.isdigit() and given):
        return 403, "AccessDenied", "Anonymous caller does not have storage.objects.get access."
    expected = _result_signature(op_id, shop, signed_at, int(expires))
    if not hmac.compare_digest(given, expected):
        return (
            403,
            "SignatureDoesNotMatch",
            "The request signature we calculated does not match the signature you provided.",
        )
    start = datetime.strptime(signed_at, "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
    if (clock.now() - start).total_seconds() > int(expires):
        return 400, "ExpiredToken", "The provided token has expired."
    return None


def result_path(op: SandboxBulkOperation) -> Path:
    """Where the JSONL result of ``op`` is (or will be) written."""
    return Path(settings.VAR_DIR) / "sandbox" / "bulk" / f"{op.id}.jsonl"


def start(context: SandboxContext, query: str) -> tuple[SandboxBulkOperation | None, list[dict]]:
    """``bulkOperationRunQuery``: ``(operation, user errors)``."""
    try:
        prepare(query)
    except BulkQueryError as exc:
        return None, [{"field": ["query"], "message": str(exc), "code": "INVALID"}]
    running = SandboxBulkOperation.objects.filter(
        shop=context.shop, app=context.app, status__in=ACTIVE
    ).first()
    if running is not None:
        message = (
            "A bulk query operation for this app and shop is already in progress: "
            f"{gid('BulkOperation', running.id)}."
        )
        return None, [{"field": None, "message": message, "code": "OPERATION_IN_PROGRESS"}]
    op = SandboxBulkOperation.objects.create(
        id=allocate_id("BulkOperation"),
        shop=context.shop,
        app=context.app,
        query=query,
        status="CREATED",
        created_at=clock.now(),
    )
    return op, []


def ensure_run(op: SandboxBulkOperation, context: SandboxContext) -> SandboxBulkOperation:
    """Run a ``CREATED`` operation now (the poll that claims it executes it; concurrent polls
    see ``RUNNING``). Returns the operation as it is after that."""
    if op.status != "CREATED":
        return op
    claimed = SandboxBulkOperation.objects.filter(pk=op.pk, status="CREATED").update(
        status="RUNNING", started_at=clock.now()
    )
    if claimed:
        _run(op, context)
    op.refresh_from_db()
    return op


def _run(op: SandboxBulkOperation, context: SandboxContext) -> None:

    path = result_path(op)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".part")
    objects, status, error_code = 0, "COMPLETED", ""
    try:
        document, root_key, plan = prepare(op.query)
        window = BulkWindow(size=CHUNK_SIZE)
        bulk_context = SandboxContext(
            shop=context.shop,
            app=context.app,
            scope=context.scope,
            api_version=context.api_version,
            bulk=window,
        )
        with partial.open("w", encoding="utf-8") as out:
            while True:
                window.exhausted = True
                result = execute_document(document, bulk_context)
                if result.errors:
                    codes = {(e.extensions or {}).get("code") for e in result.errors}
                    raise _Failed(
                        "ACCESS_DENIED" if "ACCESS_DENIED" in codes else "INTERNAL_SERVER_ERROR",
                        result.errors[0].message,
                    )
                connection = (result.data or {}).get(root_key)
                for node in plan.nodes(connection):
                    for row in flatten(plan, node, None):
                        out.write(json.dumps(row, separators=(",", ":"), ensure_ascii=False))
                        out.write("\n")
                        objects += 1
                if window.exhausted:
                    break
                window.after = window.last
        os.replace(partial, path)
        op.root_object_count = window.root_count
        op.file_size = path.stat().st_size
        op.file_name = path.name
    except _Failed as exc:
        status, error_code = "FAILED", exc.code
        logger.warning("sandbox bulk operation %s failed: %s", op.id, exc)
        partial.unlink(missing_ok=True)
    except Exception:
        # Like Shopify, an operation that breaks while running ends FAILED, never stuck RUNNING.
        status, error_code = "FAILED", "INTERNAL_SERVER_ERROR"
        logger.exception("sandbox bulk operation %s crashed", op.id)
        partial.unlink(missing_ok=True)
    op.status, op.error_code, op.object_count = status, error_code, objects
    op.completed_at = clock.now()
    op.save(
        update_fields=[
            "status",
            "error_code",
            "object_count",
            "root_object_count",
            "file_size",
            "file_name",
            "completed_at",
        ]
    )
    emit(op.shop, "BULK_OPERATIONS_FINISH", bulk_finish_payload(op, op.shop))


class _Failed(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
