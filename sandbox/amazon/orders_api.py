"""getOrders / getOrderItems: parameter validation, filtering and opaque ``NextToken``s.

Rules from ``ordersV0.json``: ``MarketplaceIds`` is required (at most 50); exactly one of
``CreatedAfter``/``LastUpdatedAfter`` is required; ``LastUpdated*`` may not be combined with
``Created*`` (and the reverse); a ``…Before`` must not precede its ``…After`` and must be at
least two minutes before now, which is also its default (the MWS ListOrders default the v0 API
kept); ``MaxResultsPerPage`` is 1–100 (default 100); ``SellerOrderId`` excludes the status,
channel, payment and last-updated filters. Violations answer 400 ``InvalidInput``.

Pages are keyset pages in a stable order — ``(LastUpdateDate, AmazonOrderId)`` for
last-updated queries, ``(PurchaseDate, AmazonOrderId)`` for created ones — below an upper bound
fixed by the first page (echoed as ``LastUpdatedBefore``/``CreatedBefore``). The ``NextToken``
is the signed query state, so it alone continues the same query: an order updated while a
client pages moves past the bound instead of being served twice, and the next sync that starts
from the echoed bound picks it up.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any

from django.core import signing
from django.db.models import Q, QuerySet
from django.http import HttpRequest

from sandbox.amazon.models import (
    SandboxAmazonOrder,
    SandboxAmazonOrderItem,
    SandboxAmazonSeller,
)
from sandbox.amazon.params import InvalidInput, parse_time, query_list
from sandbox.amazon.wire import order_item_json, order_json
from sandbox.kernel import clock
from sandbox.kernel.formats import iso_utc

ORDER_STATUSES = frozenset(
    {
        "PendingAvailability",
        "Pending",
        "Unshipped",
        "PartiallyShipped",
        "Shipped",
        "InvoiceUnconfirmed",
        "Canceled",
        "Unfulfillable",
    }
)
FULFILLMENT_CHANNELS = frozenset({"AFN", "MFN"})
PAYMENT_METHODS = frozenset({"COD", "CVS", "Other"})
ORDER_ID = re.compile(r"^\d{3}-\d{7}-\d{7}$")
# The newest two minutes are not served yet (the "…Before" rule of the model).
SETTLE = timedelta(minutes=2)
# Amazon does not document the getOrderItems page size; 30 keeps ordinary orders on one page
# while the seeded bulk B2B orders exercise NextToken.
ITEMS_PAGE_SIZE = 30
_SALT_ORDERS = "sandbox-amazon-orders"
_SALT_ITEMS = "sandbox-amazon-order-items"


def _window(params: dict[str, str], now: datetime) -> tuple[str, datetime, datetime]:
    created = {k: v for k, v in params.items() if k.startswith("Created") and v}
    updated = {k: v for k, v in params.items() if k.startswith("LastUpdated") and v}
    if created and updated:
        raise InvalidInput(
            "LastUpdatedAfter and LastUpdatedBefore cannot be set when CreatedAfter or "
            "CreatedBefore is set."
        )
    prefix = "LastUpdated" if updated else "Created"
    given = updated or created
    if f"{prefix}After" not in given:
        raise InvalidInput("Either CreatedAfter or LastUpdatedAfter must be specified.")
    after = parse_time(f"{prefix}After", given[f"{prefix}After"])
    latest = now - SETTLE
    if f"{prefix}Before" in given:
        before = parse_time(f"{prefix}Before", given[f"{prefix}Before"])
        if before < after:
            raise InvalidInput(f"{prefix}Before must be equal to or after {prefix}After.")
        if before > latest:
            raise InvalidInput(
                f"{prefix}Before must be at least two minutes before the current time."
            )
    else:
        if after > now:
            raise InvalidInput(f"{prefix}After cannot be in the future.")
        before = latest
    return ("updated" if updated else "created"), after, before


def _choices(request: HttpRequest, name: str, allowed: frozenset[str]) -> list[str]:
    values = query_list(request, name)
    unknown = sorted(set(values) - allowed)
    if unknown:
        raise InvalidInput(f"Invalid {name}: {', '.join(unknown)}.")
    return values


def new_query(request: HttpRequest, seller: SandboxAmazonSeller) -> dict[str, Any]:
    """The query state of a first getOrders request; raises :class:`InvalidInput`."""
    marketplaces = query_list(request, "MarketplaceIds")
    if not marketplaces:
        raise InvalidInput("MarketplaceIds is a required parameter.")
    if len(marketplaces) > 50:
        raise InvalidInput("MarketplaceIds accepts at most 50 values.")
    foreign = [m for m in marketplaces if m != seller.marketplace_id]
    if foreign:
        raise InvalidInput(f"Invalid MarketplaceIds: {', '.join(foreign)}.")
    raw_size = request.GET.get("MaxResultsPerPage", "100")
    if not raw_size.isdigit() or not 1 <= int(raw_size) <= 100:
        raise InvalidInput("MaxResultsPerPage must be an integer between 1 and 100.")
    names = ("CreatedAfter", "CreatedBefore", "LastUpdatedAfter", "LastUpdatedBefore")
    mode, after, before = _window({n: request.GET.get(n, "") for n in names}, clock.now())
    state: dict[str, Any] = {
        "seller": seller.seller_id,
        "mode": mode,
        "after": after.isoformat(),
        "before": before.isoformat(),
        "size": int(raw_size),
        "statuses": _choices(request, "OrderStatuses", ORDER_STATUSES),
        "channels": _choices(request, "FulfillmentChannels", FULFILLMENT_CHANNELS),
        "methods": _choices(request, "PaymentMethods", PAYMENT_METHODS),
        "ids": query_list(request, "AmazonOrderIds"),
        "seller_order_id": request.GET.get("SellerOrderId", ""),
        "key": None,
    }
    if len(state["ids"]) > 50:
        raise InvalidInput("AmazonOrderIds accepts at most 50 values.")
    if state["seller_order_id"] and (
        state["statuses"] or state["channels"] or state["methods"] or mode == "updated"
    ):
        raise InvalidInput(
            "If SellerOrderId is specified, then FulfillmentChannels, OrderStatuses, "
            "PaymentMethod, LastUpdatedAfter, LastUpdatedBefore, and BuyerEmail cannot be "
            "specified."
        )
    return state


def resume_query(token: str, seller: SandboxAmazonSeller) -> dict[str, Any]:
    """The query state inside a ``NextToken``; raises :class:`InvalidInput` if it is not ours."""
    try:
        state = signing.loads(token, salt=_SALT_ORDERS)
    except signing.BadSignature as exc:
        raise InvalidInput("Invalid NextToken.") from exc
    if state.get("seller") != seller.seller_id:
        raise InvalidInput("Invalid NextToken.")
    return state


def _filtered(seller: SandboxAmazonSeller, state: dict[str, Any]) -> tuple[QuerySet, str]:
    field = "last_update_date" if state["mode"] == "updated" else "purchase_date"
    after, before = (datetime.fromisoformat(state[k]) for k in ("after", "before"))
    qs = SandboxAmazonOrder.objects.filter(
        seller=seller, **{f"{field}__gte": after, f"{field}__lte": before}
    )
    if state["statuses"]:
        qs = qs.filter(status__in=state["statuses"])
    if state["channels"]:
        qs = qs.filter(fulfillment_channel__in=state["channels"])
    if state["methods"]:
        qs = qs.filter(payment_method__in=state["methods"])
    if state["ids"]:
        qs = qs.filter(amazon_order_id__in=state["ids"])
    if state["seller_order_id"]:
        qs = qs.filter(
            Q(seller_order_id=state["seller_order_id"])
            | Q(seller_order_id="", amazon_order_id=state["seller_order_id"])
        )
    if state["key"]:
        moment, order_id = datetime.fromisoformat(state["key"][0]), state["key"][1]
        qs = qs.filter(
            Q(**{f"{field}__gt": moment}) | Q(**{field: moment}, amazon_order_id__gt=order_id)
        )
    return qs.order_by(field, "amazon_order_id"), field


def orders_page(seller: SandboxAmazonSeller, state: dict[str, Any]) -> dict[str, Any]:
    """The getOrders ``payload`` for ``state``: ``Orders``, ``NextToken`` when more remain,
    and the window's upper bound."""
    qs, field = _filtered(seller, state)
    rows = list(qs.select_related("seller")[: state["size"] + 1])
    page, more = rows[: state["size"]], len(rows) > state["size"]
    payload: dict[str, Any] = {"Orders": [order_json(order) for order in page]}
    if more:
        last = page[-1]
        following = {**state, "key": [getattr(last, field).isoformat(), last.amazon_order_id]}
        payload["NextToken"] = signing.dumps(following, salt=_SALT_ORDERS, compress=True)
    bound = "LastUpdatedBefore" if state["mode"] == "updated" else "CreatedBefore"
    payload[bound] = iso_utc(datetime.fromisoformat(state["before"]))
    return payload


def items_page(order: SandboxAmazonOrder, token: str) -> dict[str, Any]:
    """The getOrderItems ``payload``: up to :data:`ITEMS_PAGE_SIZE` items from the position in
    ``token`` (empty for the first page)."""
    start = 0
    if token:
        try:
            order_id, start = signing.loads(token, salt=_SALT_ITEMS)
        except (signing.BadSignature, ValueError, TypeError) as exc:
            raise InvalidInput("Invalid NextToken.") from exc
        if order_id != f"{order.seller_id}:{order.amazon_order_id}":
            raise InvalidInput("Invalid NextToken.")
    items = list(
        SandboxAmazonOrderItem.objects.filter(order=order).order_by("position", "id")[
            start : start + ITEMS_PAGE_SIZE + 1
        ]
    )
    payload: dict[str, Any] = {
        "AmazonOrderId": order.amazon_order_id,
        "OrderItems": [order_item_json(i, order.status) for i in items[:ITEMS_PAGE_SIZE]],
    }
    if len(items) > ITEMS_PAGE_SIZE:
        key = [f"{order.seller_id}:{order.amazon_order_id}", start + ITEMS_PAGE_SIZE]
        payload["NextToken"] = signing.dumps(key, salt=_SALT_ITEMS)
    return payload
