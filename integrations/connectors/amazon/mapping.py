"""Pure functions: Amazon order payloads → ``OrderDTO``. Two shapes are read today:

- Orders API v0 (``ordersV0.json``): an ``Order`` and its ``OrderItem`` list
  (``order_from_v0``), and
- the flat-file report ``GET_FLAT_FILE_ALL_ORDERS_DATA_BY_LAST_UPDATE_GENERAL``: one row per
  order line (``order_from_report_rows``).

Both feed ``_build_order``, so an Orders API 2026-01-01 (``searchOrders``) mapping can be added
beside them. Money is ``Decimal`` rupees (``Amount`` is a string in v0); times are aware UTC.
No buyer PII is read (name, e-mail, phone and street lines need a Restricted Data Token);
ship-to keeps city, state, postal code and country. Raises ``MappingError`` for a record that
cannot be translated; the sync engine quarantines it.

Tax: Amazon.in prices are GST-inclusive, so ``ItemPrice``/``item-price`` already contain
``ItemTax``; in NA marketplaces (USD, CAD) tax is added on top (the v0 sandbox example:
ItemPrice 10.00 + ItemTax 1.01 = OrderTotal 11.01). ``total`` is ``OrderTotal`` when Amazon
sends it; otherwise it is computed with that rule.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from integrations.dto import AddressDTO, OrderDTO, OrderItemDTO, OrderStatus, PaymentMethod

ZERO = Decimal("0.00")
CENT = Decimal("0.01")
DEFAULT_CURRENCY = "INR"
TAX_EXCLUSIVE_CURRENCIES = frozenset({"USD", "CAD"})

# Orders v0 ``OrderStatus`` (model enum table). InvoiceUnconfirmed: "All items in the order have
# been shipped" (invoice not yet confirmed) → shipped. Unfulfillable: an Amazon-fulfilled
# (MCF) order that "cannot be fulfilled" → cancelled: nothing ships, reserved stock is released.
V0_STATUSES: Mapping[str, str] = {
    "Pending": OrderStatus.PENDING,
    "PendingAvailability": OrderStatus.PENDING,
    "Unshipped": OrderStatus.CONFIRMED,
    "PartiallyShipped": OrderStatus.PARTIALLY_SHIPPED,
    "Shipped": OrderStatus.SHIPPED,
    "InvoiceUnconfirmed": OrderStatus.SHIPPED,
    "Canceled": OrderStatus.CANCELLED,
    "Cancelled": OrderStatus.CANCELLED,
    "Unfulfillable": OrderStatus.CANCELLED,
}
# Easy Ship (Amazon.in's carrier service) tells what happened after "Shipped"
# (``EasyShipShipmentStatus`` enum in ordersV0.json).
EASY_SHIP_AFTER_SHIPPED: Mapping[str, str] = {
    "Delivered": OrderStatus.DELIVERED,
    "RejectedByBuyer": OrderStatus.RETURNED,
    "ReturningToSeller": OrderStatus.RETURNED,
    "ReturnedToSeller": OrderStatus.RETURNED,
}
# Report ``order-status``/``item-status`` values (lower-cased). Amazon.in reports carry the Easy
# Ship outcome in the status text ("Shipped - Delivered to Buyer", "Shipped - Returned to
# Seller", … as seen in Amazon.in order report exports); "Shipping" means some lines shipped.
REPORT_STATUSES: Mapping[str, str] = {
    "pending": OrderStatus.PENDING,
    "pendingavailability": OrderStatus.PENDING,
    "pending - waiting for pick up": OrderStatus.CONFIRMED,
    "unshipped": OrderStatus.CONFIRMED,
    "shipping": OrderStatus.PARTIALLY_SHIPPED,
    "partiallyshipped": OrderStatus.PARTIALLY_SHIPPED,
    "shipped": OrderStatus.SHIPPED,
    "invoiceunconfirmed": OrderStatus.SHIPPED,
    "complete": OrderStatus.SHIPPED,
    "shipped - picked up": OrderStatus.SHIPPED,
    "shipped - out for delivery": OrderStatus.SHIPPED,
    "shipped - lost in transit": OrderStatus.SHIPPED,
    "shipped - damaged": OrderStatus.SHIPPED,
    "shipped - delivered to buyer": OrderStatus.DELIVERED,
    "shipped - rejected by buyer": OrderStatus.RETURNED,
    "shipped - returning to seller": OrderStatus.RETURNED,
    "shipped - returned to seller": OrderStatus.RETURNED,
    "cancelled": OrderStatus.CANCELLED,
    "canceled": OrderStatus.CANCELLED,
    "unfulfillable": OrderStatus.CANCELLED,
}
# ``FulfillmentChannel`` of an order Amazon fulfils from FBA stock (ordersV0 ``AFN``).
FULFILLED_BY_AMAZON = "AFN"
REPORT_FULFILLMENT = {"amazon": "AFN", "afn": "AFN", "merchant": "MFN", "mfn": "MFN"}


class MappingError(ValueError):
    """A payload that cannot be turned into a DTO (the message names the field)."""


def parse_time(value: Any, field: str = "timestamp") -> datetime | None:
    """ISO-8601 with a zone (``Z``, ``+00:00``, ``+05:30``; ``… UTC`` too) → aware UTC
    datetime; None/"" → None. A time without a zone raises ``MappingError``."""
    if value in (None, ""):
        return None
    text = str(value).strip()
    if text.endswith(" UTC"):
        text = text[:-4] + "+00:00"
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError as exc:
        raise MappingError(f"{field}: not an ISO-8601 time: {value!r}") from exc
    if parsed.tzinfo is None:
        raise MappingError(f"{field}: time without a zone: {value!r}")
    return parsed.astimezone(UTC)


def money(value: Any, field: str = "amount") -> Decimal:
    """A decimal string (or number) → Decimal rounded to paise; None/"" → 0."""
    if value in (None, ""):
        return ZERO
    try:
        return Decimal(str(value).strip().replace(",", "")).quantize(CENT)
    except InvalidOperation as exc:
        raise MappingError(f"{field}: not a decimal amount: {value!r}") from exc


def _bag(node: Mapping[str, Any], key: str) -> Decimal:
    """``node[key].Amount`` of a v0 ``Money`` object as Decimal (0 when absent)."""
    return money((node.get(key) or {}).get("Amount"), key)


def _quantity(value: Any, field: str) -> int:
    try:
        return int(str(value if value not in (None, "") else 0).strip())
    except ValueError as exc:
        raise MappingError(f"{field}: not a whole quantity: {value!r}") from exc


def _flag(value: Any) -> bool:
    """Booleans that Amazon sends as JSON booleans or strings (sandbox ``"IsGift": "false"``)."""
    return value is True or str(value).strip().lower() == "true"


def _unit_price(line_total: Decimal, quantity: int) -> Decimal:
    """Per-unit price of a line whose price is the line total (quantity × unit price)."""
    return (line_total / quantity).quantize(CENT) if quantity else line_total


def _build_order(
    *,
    external_id: str,
    placed_at: datetime,
    updated_at: datetime,
    status: str,
    payment_method: str,
    currency: str,
    items: Sequence[OrderItemDTO],
    subtotal: Decimal,
    shipping: Decimal,
    extra_charges: Decimal,
    discount: Decimal,
    tax: Decimal,
    total: Decimal | None,
    **extra: Any,
) -> OrderDTO:
    """Common totals: ``subtotal`` = Σ line totals before discount; ``discount`` = item and
    shipping promotions; ``total`` = Amazon's when given, else computed (see module doc)."""
    if total is None:
        total = subtotal + shipping + extra_charges - discount
        if currency in TAX_EXCLUSIVE_CURRENCIES:
            total += tax
    return OrderDTO(
        external_id=external_id,
        order_number=external_id,
        placed_at=placed_at,
        updated_at=updated_at,
        status=status,
        payment_method=payment_method,
        currency=currency,
        subtotal=subtotal,
        discount_total=discount,
        shipping_total=shipping,
        tax_total=tax,
        total=total.quantize(CENT),
        items=tuple(items),
        cancelled_at=updated_at if status == OrderStatus.CANCELLED else None,
        # Amazon ships AFN (FBA) orders from its own stock.
        fulfilled_by_channel=FULFILLED_BY_AMAZON in extra.get("tags", ()),
        **extra,
    )


# --- Orders API v0 ------------------------------------------------------------------------------
def v0_status(order: Mapping[str, Any]) -> str:
    """Normalized status of a v0 ``Order`` (``V0_STATUSES``, refined by Easy Ship)."""
    raw = order.get("OrderStatus")
    if raw not in V0_STATUSES:
        raise MappingError(f"OrderStatus: unknown value {raw!r}")
    status = V0_STATUSES[raw]
    if status == OrderStatus.SHIPPED:
        status = EASY_SHIP_AFTER_SHIPPED.get(order.get("EasyShipShipmentStatus") or "", status)
    return status


def v0_payment_method(order: Mapping[str, Any]) -> str:
    """COD when ``PaymentMethod`` is ``COD`` or ``PaymentMethodDetails`` lists
    ``CashOnDelivery``; prepaid otherwise (cards, UPI, Amazon Pay, gift cards…)."""
    details = order.get("PaymentMethodDetails") or []
    if order.get("PaymentMethod") == "COD" or "CashOnDelivery" in details:
        return PaymentMethod.COD
    return PaymentMethod.PREPAID


def item_from_v0(item: Mapping[str, Any]) -> OrderItemDTO:
    """A v0 ``OrderItem`` → line. ``ItemPrice`` is the line total ("the selling price of the
    item multiplied by the quantity ordered", model description), so ``unit_price`` =
    ItemPrice / QuantityOrdered; ``discount`` = PromotionDiscount, ``tax`` = ItemTax. Pending
    orders have no prices (zeros)."""
    item_id = str(item.get("OrderItemId") or "")
    if not item_id:
        raise MappingError("OrderItemId: missing")
    quantity = _quantity(item.get("QuantityOrdered"), "QuantityOrdered")
    sku = str(item.get("SellerSKU") or "")
    return OrderItemDTO(
        external_id=item_id,
        sku=sku,
        title=str(item.get("Title") or ""),
        quantity=quantity,
        unit_price=_unit_price(_bag(item, "ItemPrice"), quantity),
        discount=_bag(item, "PromotionDiscount"),
        tax=_bag(item, "ItemTax"),
        # Amazon names a listing by seller SKU (Listings Items API path); the ASIN stays in raw.
        variant_external_id=sku,
    )


def order_from_v0(order: Mapping[str, Any], items: Sequence[Mapping[str, Any]]) -> OrderDTO:
    """A v0 ``Order`` with its ``OrderItem``s → ``OrderDTO`` (``raw`` = the same
    ``{"order", "items"}`` payload ``parse_record`` reads). ``external_id`` and
    ``order_number`` are the ``AmazonOrderId``; tags hold the fulfillment channel (AFN/MFN)."""
    order_id = str(order.get("AmazonOrderId") or "")
    if not order_id:
        raise MappingError("AmazonOrderId: missing")
    placed_at = parse_time(order.get("PurchaseDate"), "PurchaseDate")
    if placed_at is None:
        raise MappingError("PurchaseDate: missing")
    updated_at = parse_time(order.get("LastUpdateDate"), "LastUpdateDate") or placed_at
    lines = [item_from_v0(i) for i in items]
    order_total = order.get("OrderTotal") or {}
    currency = str(
        order_total.get("CurrencyCode")
        or next(
            ((i.get("ItemPrice") or {}).get("CurrencyCode") for i in items if i.get("ItemPrice")),
            None,
        )
        or DEFAULT_CURRENCY
    )
    address = order.get("ShippingAddress") or {}
    tags = [str(order.get("FulfillmentChannel") or "")]
    tags += [
        tag
        for key, tag in (("IsPrime", "prime"), ("IsBusinessOrder", "business"))
        if _flag(order.get(key))
    ]
    if any(_flag(i.get("IsGift")) for i in items):
        tags.append("gift")
    return _build_order(
        external_id=order_id,
        placed_at=placed_at,
        updated_at=updated_at,
        status=v0_status(order),
        payment_method=v0_payment_method(order),
        currency=currency,
        items=lines,
        subtotal=sum((_bag(i, "ItemPrice") for i in items), ZERO),
        shipping=sum((_bag(i, "ShippingPrice") for i in items), ZERO),
        extra_charges=ZERO,
        discount=sum(
            (_bag(i, "PromotionDiscount") + _bag(i, "ShippingDiscount") for i in items), ZERO
        ),
        tax=sum((_bag(i, "ItemTax") + _bag(i, "ShippingTax") for i in items), ZERO),
        total=money(order_total["Amount"], "OrderTotal") if order_total.get("Amount") else None,
        fulfillment_status=str(order.get("OrderStatus") or ""),
        payment_gateways=tuple(str(d) for d in order.get("PaymentMethodDetails") or ()),
        ship_to=AddressDTO(
            city=str(address.get("City") or ""),
            state=str(address.get("StateOrRegion") or ""),
            pincode=str(address.get("PostalCode") or ""),
            country_code=str(address.get("CountryCode") or ""),
        ),
        tags=tuple(t for t in tags if t),
        raw={"order": dict(order), "items": [dict(i) for i in items]},
    )


# --- flat-file order report ---------------------------------------------------------------------
def _report_status(value: str) -> str | None:
    key = " ".join(value.split()).lower()
    if key in REPORT_STATUSES:
        return REPORT_STATUSES[key]
    return OrderStatus.SHIPPED if key.startswith("shipped") else None


def report_status(order_status: str, item_statuses: Iterable[str]) -> str:
    """Order status from the report's ``order-status``, refined by ``item-status``: a shipped
    order whose live (not cancelled) lines are all delivered (or all returned) is delivered
    (returned)."""
    status = _report_status(order_status)
    if status is None:
        raise MappingError(f"order-status: unknown value {order_status!r}")
    if status == OrderStatus.SHIPPED:
        lines = {_report_status(s) for s in item_statuses if s} - {OrderStatus.CANCELLED}
        if lines in ({OrderStatus.DELIVERED}, {OrderStatus.RETURNED}):
            return lines.pop()
    return status


def report_item_ids(rows: Sequence[Mapping[str, str]]) -> list[str]:
    """Deterministic line ids for report rows, which carry no order-item id: ``ASIN:SKU``,
    with ``#2``, ``#3`` … for repeats. They differ from the API's ``OrderItemId``; the order
    importer replaces an order's items on update, so switching paths never duplicates lines."""
    seen: dict[str, int] = {}
    ids = []
    for row in rows:
        base = f"{row.get('asin') or '-'}:{row.get('sku') or '-'}"
        seen[base] = seen.get(base, 0) + 1
        ids.append(base if seen[base] == 1 else f"{base}#{seen[base]}")
    return ids


def order_from_report_rows(rows: Sequence[Mapping[str, str]]) -> OrderDTO:
    """The rows of one order from the All Orders report → ``OrderDTO``.

    ``item-price`` is the line total ("Amount is aggregate of the quantity, not unit price",
    Seller Central help 200547170), so ``unit_price`` = item-price / quantity. Promotion
    discounts are taken as magnitudes (some exports sign them negative). The report has no
    payment column: orders are mapped prepaid — COD orders are corrected by the next API sync
    of the order (v0 ``PaymentMethod``)."""
    if not rows:
        raise MappingError("report: no rows for the order")
    first = rows[0]
    order_id = (first.get("amazon-order-id") or "").strip()
    if not order_id:
        raise MappingError("amazon-order-id: missing")
    if any((r.get("amazon-order-id") or "").strip() != order_id for r in rows):
        raise MappingError("amazon-order-id: rows of different orders grouped together")
    placed_at = parse_time(first.get("purchase-date"), "purchase-date")
    if placed_at is None:
        raise MappingError("purchase-date: missing")
    updates = [parse_time(r.get("last-updated-date"), "last-updated-date") for r in rows]
    updated_at = max((u for u in updates if u), default=placed_at)
    lines = []
    for row, item_id in zip(rows, report_item_ids(rows), strict=True):
        quantity = _quantity(row.get("quantity"), "quantity")
        lines.append(
            OrderItemDTO(
                external_id=item_id,
                sku=row.get("sku") or "",
                title=row.get("product-name") or "",
                quantity=quantity,
                unit_price=_unit_price(money(row.get("item-price"), "item-price"), quantity),
                discount=abs(money(row.get("item-promotion-discount"), "item-promotion-discount")),
                tax=money(row.get("item-tax"), "item-tax"),
                variant_external_id=row.get("sku") or "",
            )
        )
    currency = next((r["currency"] for r in rows if r.get("currency")), DEFAULT_CURRENCY)
    channel = (first.get("fulfillment-channel") or "").strip()
    tags = [REPORT_FULFILLMENT.get(channel.lower(), channel)]
    if _flag(first.get("is-business-order")):
        tags.append("business")

    def total_of(column: str) -> Decimal:
        return sum((money(r.get(column), column) for r in rows), ZERO)

    return _build_order(
        external_id=order_id,
        placed_at=placed_at,
        updated_at=updated_at,
        status=report_status(
            first.get("order-status") or "", [r.get("item-status") or "" for r in rows]
        ),
        payment_method=PaymentMethod.PREPAID,
        currency=currency,
        items=lines,
        subtotal=total_of("item-price"),
        shipping=total_of("shipping-price"),
        extra_charges=total_of("gift-wrap-price"),
        discount=sum((i.discount for i in lines), ZERO) + abs(total_of("ship-promotion-discount")),
        tax=total_of("item-tax") + total_of("shipping-tax") + total_of("gift-wrap-tax"),
        total=None,
        fulfillment_status=first.get("order-status") or "",
        ship_to=AddressDTO(
            city=first.get("ship-city") or "",
            state=first.get("ship-state") or "",
            pincode=first.get("ship-postal-code") or "",
            country_code=first.get("ship-country") or "",
        ),
        tags=tuple(t for t in tags if t),
        # The flat-file report has no payment column: read later (``payment_methods``).
        payment_known=False,
        raw={"report_rows": [dict(r) for r in rows]},
    )
