"""Export rows → orders: header detection, grouping of line rows, ``OrderDTO`` building.
Design: docs/providers/files.md#orders
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from datetime import UTC, datetime
from functools import partial
from typing import Any

from integrations.connectors.files.errors import FileFormatError, RowError
from integrations.connectors.files.profile import describe_fields, resolve_columns
from integrations.connectors.files.reader import Rows
from integrations.connectors.files.rows import (
    Line,
    RowParser,
    row_values,
    storable,
    unique_headers,
)
from integrations.connectors.files.values import ZERO, indian_state, status_key
from integrations.dto import (
    AddressDTO,
    OrderDTO,
    OrderItemDTO,
    OrderStatus,
    RecordFailure,
    ReturnDTO,
    ReturnKind,
    ReturnStatus,
)

DESCRIPTION_ROWS = 3
MAX_LINES_PER_ORDER = 1000
# Characters of all rows of one order held while it is grouped (with ``MAX_LINES_PER_ORDER``
# this bounds the memory of a group; real orders are a few KB): rows past it fail on their own.
MAX_ORDER_CHARS = 1 << 20
# Lifecycle order: an order whose lines differ takes its least advanced line's status.
LIFECYCLE = (
    OrderStatus.PENDING,
    OrderStatus.CONFIRMED,
    OrderStatus.PARTIALLY_SHIPPED,
    OrderStatus.SHIPPED,
    OrderStatus.DELIVERED,
    OrderStatus.RETURNED,
    OrderStatus.REFUNDED,
    OrderStatus.CANCELLED,
)
SHIPPED_OR_LATER = frozenset({OrderStatus.SHIPPED, OrderStatus.DELIVERED})

Result = tuple[OrderDTO | ReturnDTO, ...] | RecordFailure
# A returned row without a ``return_map`` entry: a customer return the channel shows as back.
DEFAULT_RETURN = {"kind": ReturnKind.CUSTOMER_RETURN, "status": ReturnStatus.RECEIVED}
RETURN_ID_SUFFIX = ":return"  # a row's return is keyed on its line's id: ``<line id>:return``
RawRow = tuple[int, dict[str, str]]


def order_status(statuses: list[str]) -> str:
    """The order's status from its lines' statuses (cancelled lines already set aside when
    others remain): all equal → that; some open and some shipped → partially shipped;
    otherwise the least advanced (``{shipped, delivered}`` → shipped)."""
    distinct = set(statuses)
    if len(distinct) == 1:
        return statuses[0]
    if distinct & OrderStatus.OPEN and distinct & SHIPPED_OR_LATER:
        return OrderStatus.PARTIALLY_SHIPPED
    return min(distinct, key=LIFECYCLE.index)


def build_order(
    lines: list[Line], raw: dict[str, Any], *, channel: str, as_of: datetime | None
) -> OrderDTO:
    """One order from its validated lines. Cancelled lines are left out when other lines
    remain (they hold no stock and earn nothing; the raw rows keep them). Totals: subtotal =
    Σ unit price × quantity (before discount), total = Σ row totals where the file has them,
    else subtotal − discount + shipping (Indian prices include GST, so tax is not added).
    ``updated_at`` is ``as_of`` (the upload time) or, without it, the order date."""
    order_id = lines[0].order_id
    kept = [line for line in lines if line.status != OrderStatus.CANCELLED] or lines
    items: list[OrderItemDTO] = []
    used: set[str] = set()
    subtotal = discount = shipping = tax = total = ZERO
    for index, line in enumerate(kept, start=1):
        external_id = line.line_id or f"{order_id}-{index}"
        suffix = index
        while external_id in used:
            external_id = f"{line.line_id or order_id}-{suffix}"
            suffix += 1
        used.add(external_id)
        gross = line.unit_price * line.quantity
        subtotal += gross
        discount += line.discount
        shipping += line.shipping
        tax += line.tax
        total += line.total if line.total is not None else gross - line.discount + line.shipping
        items.append(
            OrderItemDTO(
                external_id=external_id,
                sku=line.sku,
                title=line.title,
                quantity=line.quantity,
                unit_price=line.unit_price,
                discount=line.discount,
                tax=line.tax,
            )
        )
    placed_at = min(line.placed_at for line in lines)
    if as_of is not None and as_of.tzinfo is None:
        raise ValueError("as_of must be an aware datetime")
    channel_statuses = list(
        dict.fromkeys(line.channel_status for line in lines if line.channel_status)
    )
    first = next((line for line in lines if line.ship_state or line.ship_pincode), lines[0])
    state, state_code = indian_state(first.ship_state) if first.ship_state else ("", "")
    customer = next((line.customer_name for line in lines if line.customer_name), "")
    return OrderDTO(
        external_id=order_id,
        order_number=order_id,
        placed_at=placed_at,
        updated_at=as_of.astimezone(UTC) if as_of else placed_at,
        status=order_status([line.status for line in kept]),
        payment_method=lines[0].payment_method,
        currency="INR",
        subtotal=subtotal,
        discount_total=discount,
        shipping_total=shipping,
        tax_total=tax,
        total=total,
        items=tuple(items),
        fulfillment_status=", ".join(channel_statuses),
        customer_name=customer,
        ship_to=AddressDTO(
            name=customer,
            city=first.ship_city,
            state=state,
            state_code=state_code,
            pincode=first.ship_pincode,
            country_code="IN",
        ),
        tags=(channel,),
        raw=raw,
    )


def _message(row: int, errors: list[RowError]) -> str:
    return "; ".join(f"Row {row}, column '{e.column}': {e.reason}" for e in errors)


def finish_group(
    order_id: str,
    group: list[tuple[int, dict[str, str], Line | list[RowError]]],
    *,
    channel: str,
    as_of: datetime | None,
    return_map: Mapping[str, Mapping[str, str]] | None = None,
) -> Result:
    """A run of rows of order ``order_id`` → ``(OrderDTO, ReturnDTO…)`` (a return for each
    row whose status is one, see :func:`line_returns`), or one ``RecordFailure`` for the whole
    order when any of its rows is invalid."""
    if len(group) == 1:
        row, values, _ = group[0]
        raw: dict[str, Any] = {"row": row, "values": values}
    else:
        raw = {"rows": [{"row": row, "values": values} for row, values, _ in group]}
    problems = [(row, parsed) for row, _, parsed in group if isinstance(parsed, list)]
    if problems:
        error = "; ".join(_message(row, errors) for row, errors in problems)
        return RecordFailure(external_id=order_id, error=error, payload=raw)
    lines = [parsed for _, _, parsed in group if isinstance(parsed, Line)]
    order = build_order(lines, raw, channel=channel, as_of=as_of)
    return (order, *line_returns(order, lines, return_map or {}))


def line_returns(
    order: OrderDTO, lines: list[Line], return_map: Mapping[str, Mapping[str, str]]
) -> list[ReturnDTO]:
    """A ``ReturnDTO`` for every line of ``order`` whose channel status is in ``return_map``
    (kind and channel status of the return), or maps to ``returned`` (a customer return
    received): all its units, keyed ``<line id>:return`` so each re-upload updates the same
    return, with the channel status as the reason. Its time is the order's version (the upload
    time): an export says that a row is an RTO, not since when."""
    kept = [line for line in lines if line.status != OrderStatus.CANCELLED] or lines
    returns = []
    for line, item in zip(kept, order.items, strict=True):
        entry = return_map.get(status_key(line.channel_status)) if line.channel_status else None
        if entry is None and line.status != OrderStatus.RETURNED:
            continue
        entry = entry or DEFAULT_RETURN
        returns.append(
            ReturnDTO(
                external_id=f"{item.external_id}{RETURN_ID_SUFFIX}",
                order_external_id=order.external_id,
                status=entry["status"],
                kind=entry["kind"],
                quantity=line.quantity,
                created_at=order.updated_at,
                updated_at=order.updated_at,
                order_item_external_id=item.external_id,
                sku=line.sku,
                reason=line.channel_status,
                raw={"row": line.row},
            )
        )
    return returns


def find_header(
    sheets: list[tuple[str, Callable[[], Rows]]], profile: Mapping[str, Any]
) -> tuple[list[str], int, dict[str, tuple[str, ...]], Rows]:
    """The first sheet's header row holding every required column: ``(headers, row number,
    resolved columns, the sheet's remaining rows)``. Raises ``FileFormatError`` naming the
    missing columns and the columns of the closest candidate row."""
    best: tuple[int, str, int, list[str], list[str]] | None = None
    search = profile["header_row_search"]
    for name, factory in sheets:
        rows = factory()
        for number, cells in rows:
            if number > search:
                break
            if not any(cells):
                continue
            columns, missing = resolve_columns(profile, cells)
            if not missing:
                return unique_headers(cells), number, columns, rows
            if best is None or len(missing) < best[0]:
                best = (len(missing), name, number, missing, [c for c in cells if c])
        rows.close()
    if best is None:
        raise FileFormatError("The file has no rows: export the orders report again.")
    _, sheet, number, missing, found = best
    where = f"row {number}" if sheet == "csv" else f"sheet '{sheet}', row {number}"
    raise FileFormatError(
        f"Missing required column(s): {describe_fields(profile, missing)}. "
        f"Columns found ({where}): {', '.join(found) or 'none'}."
    )


def parse_stream(
    sheets: list[tuple[str, Callable[[], Rows]]],
    profile: Mapping[str, Any],
    *,
    channel: str,
    as_of: datetime | None,
) -> Iterator[Result]:
    """Stream a file's orders (docs/providers/files.md#orders). Holds one order's rows at a time."""
    headers, header_row, columns, rows = find_header(sheets, profile)
    parser = RowParser(profile, columns)
    order_label = parser.label("order_id")
    finish = partial(finish_group, channel=channel, as_of=as_of, return_map=profile["return_map"])
    group: list[tuple[int, dict[str, str], Line | list[RowError]]] = []
    group_chars = 0
    current = ""
    started = False
    for number, cells in rows:
        if not any(cells):
            continue
        values = row_values(headers, cells)
        if parser.is_header_repeat(values):
            continue
        if (
            not started
            and number <= header_row + DESCRIPTION_ROWS
            and parser.looks_like_description(values)
        ):
            continue
        started = True
        parsed = parser.parse(number, values)
        values = storable(values)
        order_id = parsed.order_id if isinstance(parsed, Line) else parser.text(values, "order_id")
        if not order_id:
            errors = parsed if isinstance(parsed, list) else []
            yield RecordFailure(
                f"row {number}", _message(number, errors), {"row": number, "values": values}
            )
            continue
        size = sum(len(text) for text in values.values())
        if order_id == current and (
            len(group) >= MAX_LINES_PER_ORDER or group_chars + size > MAX_ORDER_CHARS
        ):
            reason = (
                f"order {order_id} has more than {MAX_LINES_PER_ORDER} rows"
                if len(group) >= MAX_LINES_PER_ORDER
                else f"the rows of order {order_id} hold more than {MAX_ORDER_CHARS:,} characters"
            )
            yield RecordFailure(
                order_id,
                _message(number, [RowError(order_label, reason)]),
                {"row": number, "values": values},
            )
            continue
        if order_id != current and group:
            yield finish(current, group)
            group, group_chars = [], 0
        current = order_id
        group_chars += size
        group.append((number, values, parsed))
    if group:
        yield finish(current, group)


def parse_payload(
    payload: Mapping[str, Any],
    profile: Mapping[str, Any],
    *,
    channel: str,
    as_of: datetime | None = None,
) -> list[OrderDTO | ReturnDTO] | RecordFailure:
    """A quarantined payload (``{"row", "values"}`` or ``{"rows": [...]}``) → the order and
    its rows' returns (``[OrderDTO, ReturnDTO…]``), or
    a ``RecordFailure`` saying what is still wrong (``updated_at`` = ``as_of``, the upload
    time of the file the row came from, or without it the order date)."""
    entries = payload.get("rows") if "rows" in payload else [payload]
    if not isinstance(entries, list) or not entries:
        return RecordFailure("", "payload has no rows", dict(payload))
    raw_rows: list[RawRow] = []
    for entry in entries:
        values = entry.get("values") if isinstance(entry, Mapping) else None
        if not isinstance(values, Mapping):
            return RecordFailure("", "payload row has no values", dict(payload))
        texts = {str(k): "" if v is None else str(v) for k, v in values.items()}
        row = entry.get("row")
        raw_rows.append((row if isinstance(row, int) else 0, texts))
    headers = list(dict.fromkeys(h for _, values in raw_rows for h in values))
    columns, missing = resolve_columns(profile, headers)
    if missing:
        return RecordFailure(
            f"row {raw_rows[0][0]}",
            f"Missing required column(s): {describe_fields(profile, missing)}.",
            dict(payload),
        )
    parser = RowParser(profile, columns)
    group = [(row, values, parser.parse(row, values)) for row, values in raw_rows]
    order_id = parser.text(raw_rows[0][1], "order_id") or f"row {raw_rows[0][0]}"
    result = finish_group(
        order_id, group, channel=channel, as_of=as_of, return_map=profile["return_map"]
    )
    return result if isinstance(result, RecordFailure) else list(result)
