"""Pure: the returns stream's records — an ``Order`` node split into one payload per refund
outside a return and per Shopify return, mapped one by one, what fails kept as a ``RecordFailure``.
Design: docs/providers/shopify.md#returns
"""

from __future__ import annotations

from typing import Any

from integrations.connectors.shopify.mapping import MappingError, gid_to_id
from integrations.connectors.shopify.returns.graphql_refunds import refund_body_from_graphql
from integrations.connectors.shopify.returns.refunds import refund_records
from integrations.connectors.shopify.returns.return_nodes import (
    dispositions_from_shopify_return,
    node_list,
    returns_from_shopify_return,
)
from integrations.dto import RecordFailure, ReturnRecord


def order_return_records(order: dict[str, Any]) -> list[dict[str, Any]]:
    """A GraphQL ``Order`` node with its ``refunds`` (and ``returns`` and ``fulfillments`` when
    read) split into the payloads mapped and quarantined one by one: the order with one refund
    made outside any return, and the order with one ``Return`` and the refunds made for it. A
    refund for a return that is not among ``returns`` stays alone (and fails to map)."""
    returns = node_list(order.get("returns"))
    known = {gid_to_id(r.get("id")) for r in returns}
    linked: dict[str, list[dict[str, Any]]] = {}
    records: list[dict[str, Any]] = []
    for refund in order.get("refunds") or []:
        return_id = gid_to_id((refund.get("return") or {}).get("id"))
        if return_id and return_id in known:
            linked.setdefault(return_id, []).append(refund)
        else:
            records.append({**order, "refunds": [refund], "returns": []})
    for node in returns:
        refunds = linked.get(gid_to_id(node.get("id")), [])
        records.append({**order, "refunds": refunds, "returns": [node]})
    return records


def returns_from_graphql_order(order: dict[str, Any]) -> list[ReturnRecord]:
    """Every ``ReturnDTO``, ``OrderLineRemovalDTO`` and ``ReturnDispositionDTO`` of a GraphQL
    ``Order`` node's ``refunds`` and ``returns`` (plus ``fulfillments`` when
    ``needs_fulfillments``), record by record of ``order_return_records``: each refund through
    ``refund_body_from_graphql`` and ``refund_records``, so the DTOs equal the webhook's; each
    ``Return`` through ``returns_from_shopify_return`` with the refunds made for it and
    ``dispositions_from_shopify_return``. Raises ``MappingError``, also for a refund made for a
    return that is not among ``returns``."""
    dtos: list[ReturnRecord] = []
    for record in order_return_records(order):
        bodies = [
            refund_body_from_graphql(record.get("id"), refund, record.get("fulfillments"))
            for refund in record["refunds"]
        ]
        for body in bodies:
            dtos.extend(refund_records(body))
        if record["returns"]:
            node = record["returns"][0]
            dtos.extend(returns_from_shopify_return(record, node, bodies))
            dtos.extend(dispositions_from_shopify_return(record, node))
            continue
        for body in bodies:
            if body["return"] is not None:
                raise MappingError(
                    f"refund {body['id']}: its return {body['return']['id']} was not read "
                    "with the order"
                )
    return dtos


def map_order_records(
    order: dict[str, Any],
) -> tuple[list[ReturnRecord], list[RecordFailure]]:
    """``(DTOs, failures)`` of a completed GraphQL ``Order`` node, mapped record by record
    (``order_return_records``): what cannot be mapped is one ``RecordFailure`` per refund
    (``refund:<id>``) or return (``return:<id>``) with its record as payload, which
    ``return_records`` maps again; the other records still give their DTOs."""
    items: list[ReturnRecord] = []
    failures: list[RecordFailure] = []
    for record in order_return_records(order):
        result = return_records(record)
        if isinstance(result, RecordFailure):
            failures.append(RecordFailure(_record_key(record), result.error, record))
        else:
            items.extend(result)
    return items, failures


def return_records(
    payload: dict[str, Any],
) -> list[ReturnRecord] | RecordFailure:
    """A stored payload of the returns stream → its ``ReturnDTO``s, ``OrderLineRemovalDTO``s
    and ``ReturnDispositionDTO``s (empty when the refund neither returned nor removed
    anything), or a ``RecordFailure``: a ``refunds/create`` body (``refund_line_items``) or a
    GraphQL ``Order`` node with ``refunds`` and/or ``returns`` (what ``fetch_returns``
    quarantines)."""
    try:
        if "refund_line_items" in payload:
            return refund_records(payload)
        if "refunds" in payload or "returns" in payload:
            return returns_from_graphql_order(payload)
        raise MappingError("returns: neither a refunds/create body nor an Order with refunds")
    except MappingError as exc:
        return RecordFailure(gid_to_id(payload.get("id")), str(exc), payload)


def _record_key(record: dict[str, Any]) -> str:
    """The quarantine key of an ``order_return_records`` payload: ``return:<id>`` or
    ``refund:<id>``."""
    if record.get("returns"):
        return f"return:{gid_to_id(record['returns'][0].get('id'))}"
    refunds = record.get("refunds") or [{}]
    return f"refund:{gid_to_id(refunds[0].get('id'))}"
