"""Relay cursor pagination as the Admin API does it (shopify.dev "Paginating results").

Cursors are opaque base64 of ``{"last_id": <id>, "last_value": <sort value>}`` — the same shape
real Shopify cursors decode to — so a page boundary is a keyset ``(sort value, id)`` and stays
stable while records change. ``first``/``last`` must be given (error text as Shopify's) and may
not exceed 250. In bulk mode every record is returned (root connections in chunks, see
:class:`~sandbox.shopify.graphql.context.BulkWindow`).
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import Model, Q, QuerySet
from graphql import GraphQLError, GraphQLResolveInfo

from sandbox.shopify.graphql.context import ctx

MAX_PAGE_SIZE = 250


@dataclass(frozen=True)
class Sort:
    """Ordering of a connection: model field and its kind (``"int"``, ``"str"`` or
    ``"datetime"``), which decides how a value is written into and read from a cursor."""

    field: str
    kind: str = "int"

    def value_of(self, record: Any) -> Any:
        return getattr(record, self.field)

    def dump(self, value: Any) -> Any:
        return value.isoformat() if self.kind == "datetime" else value

    def load(self, raw: Any) -> Any:
        """The sort value of a cursor; ``ValueError``/``TypeError`` when it is not of this
        sort's kind (a cursor from another sort order)."""
        if self.kind == "datetime":
            return datetime.fromisoformat(raw)
        if self.kind == "int":
            if isinstance(raw, bool) or not isinstance(raw, int):
                raise TypeError(raw)
            return raw
        if not isinstance(raw, str):
            raise TypeError(raw)
        return raw


BY_ID = Sort("id")


def encode_cursor(record_id: int, value: Any) -> str:
    """Opaque cursor: base64 of ``{"last_id": …, "last_value": …}`` (Shopify's shape)."""
    payload = json.dumps({"last_id": record_id, "last_value": value}, separators=(",", ":"))
    return base64.b64encode(payload.encode()).decode()


def decode_cursor(cursor: str, sort: Sort) -> tuple[Any, int]:
    """``(sort value, id)`` of a cursor; raises a GraphQL error for a malformed one."""
    try:
        payload = json.loads(base64.b64decode(cursor.encode(), validate=True))
        return sort.load(payload["last_value"]), int(payload["last_id"])
    except (binascii.Error, ValueError, KeyError, TypeError) as exc:
        raise GraphQLError(f"Invalid cursor for current pagination sort: {cursor}") from exc


def _page_size(info: GraphQLResolveInfo, args: dict[str, Any]) -> tuple[int, bool]:
    """``(size, backwards)`` from ``first``/``last``."""
    first, last = args.get("first"), args.get("last")
    if first is None and last is None:
        raise GraphQLError("you must provide one of first or last")
    if first is not None and last is not None:
        raise GraphQLError("providing both first and last is not supported")
    size = first if first is not None else last
    if size < 0 or size > MAX_PAGE_SIZE:
        name = "first" if first is not None else "last"
        raise GraphQLError(f"The value of `{name}` must be between 0 and {MAX_PAGE_SIZE}.")
    return size, last is not None


def _after(sort: Sort, key: tuple[Any, int], descending: bool) -> Q:
    value, record_id = key
    op = "lt" if descending else "gt"
    return Q(**{f"{sort.field}__{op}": value}) | Q(**{sort.field: value, f"id__{op}": record_id})


def _ordered(qs: QuerySet, sort: Sort, descending: bool) -> QuerySet:
    prefix = "-" if descending else ""
    return qs.order_by(f"{prefix}{sort.field}", f"{prefix}id")


def connection(
    pairs: Sequence[tuple[str, Any]], *, has_next: bool, has_previous: bool
) -> dict[str, Any]:
    """Source value of a ``*Connection`` type from ``(cursor, node)`` pairs."""
    return {
        "edges": [{"cursor": cursor, "node": node} for cursor, node in pairs],
        "nodes": [node for _, node in pairs],
        "pageInfo": {
            "hasNextPage": has_next,
            "hasPreviousPage": has_previous,
            "startCursor": pairs[0][0] if pairs else None,
            "endCursor": pairs[-1][0] if pairs else None,
        },
    }


def _record_pairs(records: Sequence[Model], sort: Sort) -> list[tuple[str, Any]]:
    return [(encode_cursor(r.pk, sort.dump(sort.value_of(r))), r) for r in records]


def paginate_queryset(
    info: GraphQLResolveInfo,
    qs: QuerySet,
    args: dict[str, Any],
    sort: Sort = BY_ID,
    prepare: Callable[[QuerySet], QuerySet] | None = None,
) -> dict[str, Any]:
    """One page of ``qs`` as a connection, honouring ``first/after/last/before/reverse``.

    ``prepare`` adds ``select_related``/``prefetch_related`` to the page query only."""
    reverse = bool(args.get("reverse"))
    bulk = ctx(info).bulk
    if bulk is not None and info.path.prev is None:
        return _bulk_chunk(info, qs, sort, reverse, prepare)
    if bulk is not None:
        ordered = _ordered(qs, sort, reverse)
        records = list(prepare(ordered) if prepare else ordered)
        return connection(_record_pairs(records, sort), has_next=False, has_previous=False)
    size, backwards = _page_size(info, args)
    page_qs = qs
    if args.get("after"):
        page_qs = page_qs.filter(_after(sort, decode_cursor(args["after"], sort), reverse))
    if args.get("before"):
        page_qs = page_qs.filter(_after(sort, decode_cursor(args["before"], sort), not reverse))
    # Walking backwards reads the reversed order, then flips the page back.
    ordered = _ordered(page_qs, sort, reverse != backwards)
    records = list((prepare(ordered) if prepare else ordered)[: size + 1])
    more = len(records) > size
    records = records[:size]
    if backwards:
        records.reverse()
    has_next = more if not backwards else bool(args.get("before"))
    has_previous = more if backwards else bool(args.get("after"))
    return connection(_record_pairs(records, sort), has_next=has_next, has_previous=has_previous)


def _bulk_chunk(
    info: GraphQLResolveInfo,
    qs: QuerySet,
    sort: Sort,
    reverse: bool,
    prepare: Callable[[QuerySet], QuerySet] | None,
) -> dict[str, Any]:
    window = ctx(info).bulk
    if window is None:
        raise RuntimeError("_bulk_chunk called outside bulk execution")
    page_qs = qs if window.after is None else qs.filter(_after(sort, window.after, reverse))
    ordered = _ordered(page_qs, sort, reverse)
    records: list[Model] = list((prepare(ordered) if prepare else ordered)[: window.size])
    window.exhausted = len(records) < window.size
    if records:
        window.last = (sort.value_of(records[-1]), records[-1].pk)
    window.root_count += len(records)
    return connection(
        _record_pairs(records, sort),
        has_next=not window.exhausted,
        has_previous=window.after is not None,
    )


def paginate_list(
    info: GraphQLResolveInfo, items: Sequence[Any], args: dict[str, Any]
) -> dict[str, Any]:
    """A connection over an already-loaded list (nested connections such as ``lineItems``),
    keyed by position in the list."""
    keyed = list(enumerate(items))
    if args.get("reverse"):
        keyed.reverse()
    if ctx(info).bulk is not None:
        page, has_next, has_previous = keyed, False, False
    else:
        size, backwards = _page_size(info, args)
        position = {index: i for i, (index, _) in enumerate(keyed)}
        start, stop = 0, len(keyed)
        if args.get("after"):
            start = position.get(decode_cursor(args["after"], BY_ID)[1], len(keyed) - 1) + 1
        if args.get("before"):
            stop = position.get(decode_cursor(args["before"], BY_ID)[1], 0)
        window = keyed[start:stop]
        if backwards:
            page = window[max(len(window) - size, 0) :] if size else []
            has_next, has_previous = stop < len(keyed), len(window) > size
        else:
            page = window[:size]
            has_next, has_previous = len(window) > size, start > 0
    pairs = [(encode_cursor(index, index), item) for index, item in page]
    return connection(pairs, has_next=has_next, has_previous=has_previous)
