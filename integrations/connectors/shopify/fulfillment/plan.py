"""Which of an order's fulfillment orders a fulfilment write-back ships (pure: no I/O)."""

from __future__ import annotations

from typing import Any

# ``FulfillmentOrderStatus`` values that can still be fulfilled.
FULFILLABLE_STATUSES = frozenset({"OPEN", "IN_PROGRESS"})
CREATE_FULFILLMENT = "CREATE_FULFILLMENT"


def fulfillable_ids(fulfillment_orders: list[dict[str, Any]]) -> list[str]:
    """The ids (GIDs) of the fulfillment orders to fulfil: status ``OPEN`` or ``IN_PROGRESS``,
    ``CREATE_FULFILLMENT`` among their ``supportedActions`` and some unit left on a line
    (``remainingQuantity``). A closed, fully fulfilled, on-hold or third-party-managed one is
    skipped."""
    chosen = []
    for node in fulfillment_orders:
        if node.get("status") not in FULFILLABLE_STATUSES:
            continue
        actions = {a.get("action") for a in node.get("supportedActions") or []}
        if CREATE_FULFILLMENT not in actions:
            continue
        lines = ((node.get("lineItems") or {}).get("nodes")) or []
        if lines and not any((line.get("remainingQuantity") or 0) > 0 for line in lines):
            continue
        chosen.append(node["id"])
    return chosen


def fulfillment_input(
    fulfillment_order_ids: list[str],
    *,
    tracking_number: str,
    company: str,
    tracking_url: str,
    notify_customer: bool,
) -> dict[str, Any]:
    """``FulfillmentInput`` shipping every remaining unit of the fulfillment orders (no
    ``fulfillmentOrderLineItems``) with one tracking number; blank tracking values are left
    out."""
    tracking = {
        key: value
        for key, value in (
            ("number", tracking_number),
            ("company", company),
            ("url", tracking_url),
        )
        if value
    }
    data: dict[str, Any] = {
        "lineItemsByFulfillmentOrder": [{"fulfillmentOrderId": i} for i in fulfillment_order_ids],
        "notifyCustomer": notify_customer,
    }
    if tracking:
        data["trackingInfo"] = tracking
    return data
