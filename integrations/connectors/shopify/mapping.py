"""Pure functions: Shopify payloads → DTOs. Two shapes are read:

- Admin GraphQL nodes (camelCase, GIDs, ``MoneyBag.shopMoney.amount`` decimal strings), and
- REST-shaped webhook bodies (snake_case, integer ids, ``*_set.shop_money``), see
  channel-apis.md §1.3 and the webhook JSON Schemas in ``shared/reference/shopify/webhooks``.

External ids are the numeric part of the GID kept as a **string** (Shopify ids exceed 2^53), so
the same order has the same id whether it came from a sync or a webhook. Amounts use the shop
currency (``shopMoney``), as ``Decimal`` rupees. Raises ``MappingError`` for a record that
cannot be translated; the sync engine quarantines it.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from integrations.dto import (
    AddressDTO,
    InventoryLevelDTO,
    OrderDTO,
    OrderItemDTO,
    OrderStatus,
    Page,
    PaymentMethod,
    ProductDTO,
    RecordFailure,
    VariantDTO,
)

ZERO = Decimal("0.00")
CENT = Decimal("0.01")
COD_MARKERS = ("cash on delivery", "cash_on_delivery", "cod")


class MappingError(ValueError):
    """A payload that cannot be turned into a DTO (the message names the field)."""


def gid_to_id(value: Any) -> str:
    """``gid://shopify/Order/820982911946154508`` → ``"820982911946154508"``; ints → str."""
    if value is None or value == "":
        return ""
    text = str(value)
    if text.startswith("gid://"):
        text = text.rsplit("/", 1)[-1].split("?", 1)[0]
    return text


def parse_time(value: Any, field: str = "timestamp") -> datetime | None:
    """ISO-8601 with offset (``Z`` or ``+05:30``) → aware UTC datetime; None stays None."""
    if value in (None, ""):
        return None
    try:
        parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError as exc:
        raise MappingError(f"{field}: not an ISO-8601 time: {value!r}") from exc
    if parsed.tzinfo is None:
        raise MappingError(f"{field}: time without a zone: {value!r}")
    return parsed.astimezone(UTC)


def money(value: Any, field: str = "amount") -> Decimal:
    """A Shopify decimal string (or number) → Decimal rounded to paise; None → 0."""
    if value in (None, ""):
        return ZERO
    try:
        return Decimal(str(value)).quantize(CENT)
    except InvalidOperation as exc:
        raise MappingError(f"{field}: not a decimal amount: {value!r}") from exc


def _bag(node: dict[str, Any], key: str) -> Decimal:
    """``node[key].shopMoney.amount`` (GraphQL) as Decimal."""
    bag = node.get(key) or {}
    return money((bag.get("shopMoney") or {}).get("amount"), key)


def _rest_bag(node: dict[str, Any], key: str, fallback: str) -> Decimal:
    """``node[key].shop_money.amount`` (REST webhook) with the plain field as fallback."""
    bag = node.get(key) or {}
    amount = (bag.get("shop_money") or {}).get("amount")
    return money(amount if amount is not None else node.get(fallback), key)


def payment_method_for(gateways: list[str] | tuple[str, ...]) -> str:
    """COD if any gateway name says cash on delivery (Indian stores: ``Cash on Delivery (COD)``)."""
    for name in gateways:
        lowered = name.lower()
        if any(marker == lowered or marker in lowered.split() for marker in COD_MARKERS) or (
            "cash on delivery" in lowered or "(cod)" in lowered
        ):
            return PaymentMethod.COD
    return PaymentMethod.PREPAID


def normalize_status(
    *, financial: str, fulfillment: str, cancelled: bool, payment_method: str
) -> str:
    """Shopify financial + fulfillment status → Sangam's normalized status.

    GraphQL enums (``PAID``, ``PARTIALLY_FULFILLED``) and REST values (``paid``, ``partial``)
    are both accepted. Cancelled wins; refunds next; then fulfillment; a prepaid order whose
    payment is still pending is ``pending`` (a COD order is pending payment by nature and is
    ``confirmed``)."""
    fin = (financial or "").upper()
    ful = (fulfillment or "").upper()
    if cancelled or fin in ("VOIDED", "EXPIRED"):
        return OrderStatus.CANCELLED
    if ful in ("RESTOCKED",):
        return OrderStatus.RETURNED
    if fin == "REFUNDED":
        return OrderStatus.REFUNDED
    if ful == "FULFILLED":
        return OrderStatus.SHIPPED
    if ful in ("PARTIALLY_FULFILLED", "PARTIAL"):
        return OrderStatus.PARTIALLY_SHIPPED
    if fin in ("PENDING", "AUTHORIZED", "") and payment_method == PaymentMethod.PREPAID:
        return OrderStatus.PENDING
    return OrderStatus.CONFIRMED


def _tags(value: Any) -> tuple[str, ...]:
    if isinstance(value, list | tuple):
        return tuple(str(t).strip() for t in value if str(t).strip())
    if isinstance(value, str):
        return tuple(t.strip() for t in value.split(",") if t.strip())
    return ()


def _require(node: dict[str, Any], key: str, what: str) -> Any:
    value = node.get(key)
    if value in (None, ""):
        raise MappingError(f"{what}: missing {key}")
    return value


# --- GraphQL -------------------------------------------------------------------------------
def line_item_from_graphql(node: dict[str, Any]) -> OrderItemDTO:
    """A ``LineItem`` node → ``OrderItemDTO`` (tax = sum of ``taxLines.priceSet``;
    ``current_quantity`` from ``currentQuantity``, absent → ``None``)."""
    tax = sum((_bag(t, "priceSet") for t in node.get("taxLines") or []), ZERO)
    quantity = _units(node, "quantity")
    return OrderItemDTO(
        external_id=gid_to_id(_require(node, "id", "line item")),
        sku=(node.get("sku") or "").strip(),
        title=node.get("name") or node.get("title") or "",
        quantity=quantity,
        unit_price=_bag(node, "originalUnitPriceSet"),
        discount=_bag(node, "totalDiscountSet"),
        tax=tax,
        variant_external_id=gid_to_id((node.get("variant") or {}).get("id")),
        current_quantity=_units(node, "currentQuantity", optional=True),
    )


def _units(line: dict[str, Any], key: str, *, optional: bool = False) -> int | None:
    """A line item's unit count under ``key``: a non-negative integer (``None`` when
    ``optional`` and absent). Raises ``MappingError`` otherwise."""
    value = line.get(key)
    if value is None and optional:
        return None
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise MappingError(f"line item {line.get('id')}: bad {key} {value!r}")
    return value


def order_from_graphql(node: dict[str, Any], line_items: list[dict[str, Any]]) -> OrderDTO:
    """An ``Order`` node plus all its ``LineItem`` nodes → ``OrderDTO``."""
    external_id = gid_to_id(_require(node, "id", "order"))
    gateways = tuple(node.get("paymentGatewayNames") or ())
    method = payment_method_for(gateways)
    cancelled_at = parse_time(node.get("cancelledAt"), "cancelledAt")
    address = node.get("shippingAddress") or {}
    customer = node.get("customer") or {}
    placed = parse_time(node.get("processedAt") or node.get("createdAt"), "createdAt")
    updated = parse_time(_require(node, "updatedAt", f"order {external_id}"), "updatedAt")
    if placed is None or updated is None:
        raise MappingError(f"order {external_id}: missing createdAt/updatedAt")
    return OrderDTO(
        external_id=external_id,
        order_number=node.get("name") or external_id,
        placed_at=placed,
        updated_at=updated,
        status=normalize_status(
            financial=node.get("displayFinancialStatus") or "",
            fulfillment=node.get("displayFulfillmentStatus") or "",
            cancelled=cancelled_at is not None,
            payment_method=method,
        ),
        payment_method=method,
        currency=((node.get("totalPriceSet") or {}).get("shopMoney") or {}).get("currencyCode")
        or node.get("currencyCode")
        or "INR",
        subtotal=_bag(node, "subtotalPriceSet"),
        discount_total=_bag(node, "totalDiscountsSet"),
        shipping_total=_bag(node, "totalShippingPriceSet"),
        tax_total=_bag(node, "totalTaxSet"),
        total=_bag(node, "totalPriceSet"),
        items=tuple(line_item_from_graphql(li) for li in line_items),
        financial_status=node.get("displayFinancialStatus") or "",
        fulfillment_status=node.get("displayFulfillmentStatus") or "",
        cancelled_at=cancelled_at,
        payment_gateways=gateways,
        customer_name=customer.get("displayName") or address.get("name") or "",
        customer_email=node.get("email") or "",
        customer_phone=node.get("phone") or "",
        customer_external_id=gid_to_id(customer.get("id")),
        ship_to=AddressDTO(
            name=address.get("name") or "",
            address1=address.get("address1") or "",
            address2=address.get("address2") or "",
            phone=address.get("phone") or "",
            city=address.get("city") or "",
            state=address.get("province") or "",
            state_code=address.get("provinceCode") or "",
            pincode=(address.get("zip") or "").replace(" ", ""),
            country_code=address.get("countryCodeV2") or "",
        ),
        tags=_tags(node.get("tags")),
        is_test=bool(node.get("test")),
        raw={**node, "lineItems": line_items},
    )


def product_from_graphql(node: dict[str, Any], variants: list[dict[str, Any]]) -> ProductDTO:
    """A ``Product`` node plus its ``ProductVariant`` nodes → ``ProductDTO``."""
    product_id = gid_to_id(_require(node, "id", "product"))
    return ProductDTO(
        external_id=product_id,
        title=node.get("title") or "",
        handle=node.get("handle") or "",
        vendor=node.get("vendor") or "",
        product_type=node.get("productType") or "",
        status=(node.get("status") or "").lower(),
        updated_at=parse_time(node.get("updatedAt"), "updatedAt"),
        variants=tuple(
            VariantDTO(
                external_id=gid_to_id(_require(v, "id", f"product {product_id} variant")),
                sku=(v.get("sku") or "").strip(),
                title=v.get("title") or "",
                price=money(v.get("price"), "price"),
                barcode=v.get("barcode") or "",
                compare_at_price=money(v["compareAtPrice"]) if v.get("compareAtPrice") else None,
                inventory_item_id=gid_to_id((v.get("inventoryItem") or {}).get("id")),
                options=tuple(
                    (o.get("name") or "", o.get("value") or "")
                    for o in v.get("selectedOptions") or []
                ),
                updated_at=parse_time(v.get("updatedAt"), "updatedAt"),
            )
            for v in variants
        ),
        raw=node,
    )


def inventory_levels_from_graphql(item: dict[str, Any]) -> list[InventoryLevelDTO]:
    """An ``InventoryItem`` node with ``inventoryLevels`` → one DTO per location."""
    item_id = gid_to_id(_require(item, "id", "inventory item"))
    levels = []
    for level in (item.get("inventoryLevels") or {}).get("nodes") or []:
        quantities = {q["name"]: q["quantity"] for q in level.get("quantities") or []}
        levels.append(
            InventoryLevelDTO(
                inventory_item_id=item_id,
                location_id=gid_to_id((level.get("location") or {}).get("id")),
                available=quantities.get("available"),
                on_hand=quantities.get("on_hand"),
                committed=quantities.get("committed"),
                updated_at=parse_time(level.get("updatedAt"), "updatedAt"),
                variant_external_id=gid_to_id((item.get("variant") or {}).get("id")),
                sku=(item.get("sku") or "").strip(),
            )
        )
    return levels


# --- REST-shaped webhook bodies -------------------------------------------------------------------
def order_from_webhook(body: dict[str, Any]) -> OrderDTO:
    """An ``orders/create|updated|cancelled`` body → ``OrderDTO`` (same ids as GraphQL)."""
    external_id = gid_to_id(_require(body, "id", "order"))
    gateways = tuple(body.get("payment_gateway_names") or ())
    method = payment_method_for(gateways)
    cancelled_at = parse_time(body.get("cancelled_at"), "cancelled_at")
    address = body.get("shipping_address") or {}
    customer = body.get("customer") or {}
    placed = parse_time(body.get("processed_at") or body.get("created_at"), "created_at")
    updated = parse_time(_require(body, "updated_at", f"order {external_id}"), "updated_at")
    if placed is None or updated is None:
        raise MappingError(f"order {external_id}: missing created_at/updated_at")
    items = []
    for li in body.get("line_items") or []:
        quantity = _units(li, "quantity")
        items.append(
            OrderItemDTO(
                external_id=gid_to_id(_require(li, "id", "line item")),
                sku=(li.get("sku") or "").strip(),
                title=li.get("name") or li.get("title") or "",
                quantity=quantity,
                unit_price=_rest_bag(li, "price_set", "price"),
                discount=_rest_bag(li, "total_discount_set", "total_discount"),
                tax=sum(
                    (_rest_bag(t, "price_set", "price") for t in li.get("tax_lines") or []), ZERO
                ),
                variant_external_id=gid_to_id(li.get("variant_id")),
                current_quantity=_units(li, "current_quantity", optional=True),
            )
        )
    name_parts = [customer.get("first_name") or "", customer.get("last_name") or ""]
    return OrderDTO(
        external_id=external_id,
        order_number=body.get("name") or str(body.get("order_number") or external_id),
        placed_at=placed,
        updated_at=updated,
        status=normalize_status(
            financial=body.get("financial_status") or "",
            fulfillment=body.get("fulfillment_status") or "",
            cancelled=cancelled_at is not None,
            payment_method=method,
        ),
        payment_method=method,
        currency=body.get("currency") or "INR",
        subtotal=_rest_bag(body, "subtotal_price_set", "subtotal_price"),
        discount_total=_rest_bag(body, "total_discounts_set", "total_discounts"),
        shipping_total=_rest_bag(body, "total_shipping_price_set", "total_shipping_price"),
        tax_total=_rest_bag(body, "total_tax_set", "total_tax"),
        total=_rest_bag(body, "total_price_set", "total_price"),
        items=tuple(items),
        financial_status=(body.get("financial_status") or "").upper(),
        fulfillment_status=(body.get("fulfillment_status") or "unfulfilled").upper(),
        cancelled_at=cancelled_at,
        payment_gateways=gateways,
        customer_name=" ".join(p for p in name_parts if p) or address.get("name") or "",
        customer_email=body.get("email") or "",
        customer_phone=body.get("phone") or "",
        customer_external_id=gid_to_id(customer.get("id")),
        ship_to=AddressDTO(
            name=address.get("name") or "",
            address1=address.get("address1") or "",
            address2=address.get("address2") or "",
            phone=address.get("phone") or "",
            city=address.get("city") or "",
            state=address.get("province") or "",
            state_code=address.get("province_code") or "",
            pincode=(address.get("zip") or "").replace(" ", ""),
            country_code=address.get("country_code") or "",
        ),
        tags=_tags(body.get("tags")),
        is_test=bool(body.get("test")),
        raw=body,
    )


def product_from_webhook(body: dict[str, Any]) -> ProductDTO:
    """A ``products/update`` body → ``ProductDTO``."""
    product_id = gid_to_id(_require(body, "id", "product"))
    variants = []
    for v in body.get("variants") or []:
        options = tuple(
            (o.get("name") or f"Option{i + 1}", v.get(f"option{i + 1}") or "")
            for i, o in enumerate(body.get("options") or [])
            if v.get(f"option{i + 1}")
        )
        variants.append(
            VariantDTO(
                external_id=gid_to_id(_require(v, "id", f"product {product_id} variant")),
                sku=(v.get("sku") or "").strip(),
                title=v.get("title") or "",
                price=money(v.get("price"), "price"),
                barcode=v.get("barcode") or "",
                compare_at_price=money(v["compare_at_price"])
                if v.get("compare_at_price")
                else None,
                inventory_item_id=gid_to_id(v.get("inventory_item_id")),
                options=options,
                updated_at=parse_time(v.get("updated_at"), "updated_at"),
            )
        )
    return ProductDTO(
        external_id=product_id,
        title=body.get("title") or "",
        handle=body.get("handle") or "",
        vendor=body.get("vendor") or "",
        product_type=body.get("product_type") or "",
        status=(body.get("status") or "").lower(),
        updated_at=parse_time(body.get("updated_at"), "updated_at"),
        variants=tuple(variants),
        raw=body,
    )


def inventory_level_from_webhook(body: dict[str, Any]) -> InventoryLevelDTO:
    """An ``inventory_levels/update`` body → ``InventoryLevelDTO`` (``available`` may be null)."""
    return InventoryLevelDTO(
        inventory_item_id=gid_to_id(_require(body, "inventory_item_id", "inventory level")),
        location_id=gid_to_id(_require(body, "location_id", "inventory level")),
        available=body.get("available"),
        updated_at=parse_time(body.get("updated_at"), "updated_at"),
    )


def connection_page(
    connection: dict[str, Any],
    items: list[Any],
    failures: list[RecordFailure],
    high_water: str | None = None,
) -> Page:
    """A GraphQL connection's page as a ``Page``: ``next_cursor`` is ``pageInfo.endCursor``
    while ``hasNextPage``, else None (the last page); ``high_water`` "" counts as None."""
    info = connection.get("pageInfo") or {}
    return Page(
        items=items,
        next_cursor=info.get("endCursor") if info.get("hasNextPage") else None,
        high_water=high_water or None,
        failures=failures,
    )
