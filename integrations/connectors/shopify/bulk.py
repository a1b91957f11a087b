"""Shopify bulk operations: ``bulkOperationRunQuery``, polling, and the JSONL result streamed
line by line (shopify.dev "Perform bulk operations with the GraphQL Admin API";
channel-apis.md §1.2). Mixed into ``ShopifyConnector``, whose GraphQL client, HTTP client,
``sleep``, ``orders_search`` and ``parse_record`` it uses.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any

from integrations.connectors.shopify import mapping, queries
from integrations.connectors.shopify.client import raise_for_user_errors
from integrations.dto import RecordFailure
from integrations.http import ConnectorError

BULK_FINISHED = frozenset({"COMPLETED", "FAILED", "CANCELED", "EXPIRED"})


class ShopifyBulkOperations:
    """Start, poll and stream bulk operations for the streams in ``bulk_streams``."""

    def start_bulk(self, stream: str, *, since: datetime | None) -> str:
        """Start a ``bulkOperationRunQuery`` for ``stream`` (one of ``bulk_streams``): orders
        updated since ``since`` (all when None), the whole catalog, or an inventory snapshot.
        Returns the operation's GID."""
        if stream in ("orders", "backfill"):
            return self._start_bulk(queries.bulk_orders_query(self.orders_search(since)))
        if stream == "catalog":
            return self._start_bulk(queries.bulk_products_query())
        if stream == "inventory":
            return self._start_bulk(queries.bulk_inventory_query())
        raise ValueError(f"no bulk query for stream {stream!r}")

    def _start_bulk(self, inner: str) -> str:
        data = self.gql.execute(queries.BULK_OPERATION_RUN_QUERY, {"query": inner})
        payload = data.get("bulkOperationRunQuery") or {}
        raise_for_user_errors(payload, "the bulk operation")
        operation = payload.get("bulkOperation") or {}
        if not operation.get("id"):
            raise ConnectorError("shopify: bulkOperationRunQuery returned no operation")
        return operation["id"]

    def bulk_status(self, operation_id: str) -> dict[str, Any]:
        """The bulk operation's ``status``, ``objectCount``, ``url``… (``node(id:)``)."""
        data = self.gql.execute(queries.BULK_OPERATION_QUERY, {"id": operation_id})
        return data.get("node") or {}

    def wait_for_bulk(
        self,
        operation_id: str,
        *,
        poll_seconds: float = 1.0,
        timeout_seconds: float = 3600,
        on_poll: Callable[[dict[str, Any]], None] | None = None,
    ) -> dict[str, Any]:
        """Poll until the operation finishes; raises ``ConnectorError`` if it did not complete."""
        waited = 0.0
        while True:
            status = self.bulk_status(operation_id)
            if on_poll:
                on_poll(status)
            if status.get("status") in BULK_FINISHED:
                break
            if waited >= timeout_seconds:
                raise ConnectorError(f"shopify: bulk operation {operation_id} still running")
            self.sleep(poll_seconds)
            waited += poll_seconds
        if status.get("status") != "COMPLETED":
            raise ConnectorError(
                f"shopify: bulk operation {operation_id} ended {status.get('status')} "
                f"({status.get('errorCode') or 'no error code'})"
            )
        return status

    def iter_bulk(self, stream: str, url: str | None) -> Iterator[tuple[Any, ...] | RecordFailure]:
        """Stream a bulk result file line by line (never holding it in memory): one item per
        root object — a tuple of DTOs (an order; an inventory item's levels) or a
        ``RecordFailure``. Child rows carry ``__parentId`` and follow their parent
        (shopify.dev "Perform bulk operations"); a child out of sequence is quarantined."""
        for group in self._bulk_groups(url):
            if isinstance(group, RecordFailure):
                yield group
                continue
            parent, children = group
            if stream in ("orders", "backfill", "catalog"):
                child_key = "variants" if stream == "catalog" else "lineItems"
                record = self.parse_record(stream, {**parent, child_key: children})
                yield record if isinstance(record, RecordFailure) else (record,)
                continue
            try:
                levels = mapping.inventory_levels_from_graphql(
                    {**parent, "inventoryLevels": {"nodes": children}}
                )
            except mapping.MappingError as exc:
                yield RecordFailure(mapping.gid_to_id(parent.get("id")), str(exc), parent)
            else:
                yield tuple(levels)

    def _bulk_groups(
        self, url: str | None
    ) -> Iterator[tuple[dict[str, Any], list[dict[str, Any]]] | RecordFailure]:
        if not url:
            return
        response = self.http.request("GET", url, stream=True, idempotent=True)
        current: dict[str, Any] | None = None
        children: list[dict[str, Any]] = []
        try:
            for raw_line in response.iter_lines():
                if not raw_line:
                    continue
                row = json.loads(raw_line)
                parent = row.pop("__parentId", None)
                if parent is None:
                    if current is not None:
                        yield current, children
                    current, children = row, []
                elif current is not None and parent == current.get("id"):
                    children.append(row)
                else:
                    yield RecordFailure(mapping.gid_to_id(parent), "bulk row out of sequence", row)
            if current is not None:
                yield current, children
        finally:
            response.close()
