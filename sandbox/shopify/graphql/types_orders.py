"""Resolvers of ``Order``, ``LineItem``, ``Customer``, ``MailingAddress`` and ``TaxLine``.

Field meanings follow shopify.dev/docs/api/admin-graphql/2025-01/objects/Order. Amounts are
GST-inclusive (``taxesIncluded: true``, as Indian stores are set up); ``current*`` amounts
drop cancelled and refunded value, like Shopify's. Seeded discount codes are product discounts
spread over the lines: they count in ``LineItem.totalDiscountSet`` and
``Order.totalDiscountsSet`` but not in ``discountedUnitPriceSet`` (code-based discounts are
excluded there) nor in ``cartDiscountAmountSet`` (order-level only).
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from django.db.models import Sum
from graphql import FieldNode, GraphQLResolveInfo

from sandbox.kernel.formats import iso_utc, money, money_bag
from sandbox.shopify.graphql.pagination import paginate_list
from sandbox.shopify.graphql.types_fulfillment_orders import (
    ORDER_FIELDS as FULFILLMENT_ORDER_FIELDS,
)
from sandbox.shopify.graphql.types_refunds import ORDER_FIELDS as REFUND_FIELDS
from sandbox.shopify.graphql.types_returns import ORDER_FIELDS as RETURN_FIELDS
from sandbox.shopify.ids import gid
from sandbox.shopify.loading import line_items_of
from sandbox.shopify.models import (
    SandboxCustomer,
    SandboxLineItem,
    SandboxOrder,
    SandboxProduct,
    SandboxVariant,
)

Resolver = Callable[..., Any]
COUNTRY_NAMES = {"IN": "India"}


def _at(field: str) -> Resolver:
    return lambda obj, info: iso_utc(getattr(obj, field))


def _bag(amount: Callable[[SandboxOrder], Decimal]) -> Resolver:
    return lambda order, info: money_bag(amount(order), order.currency)


def _current_total(order: SandboxOrder) -> Decimal:
    if order.cancelled_at is not None:
        return Decimal("0")
    return order.total_price - order.total_refunded


def _current_share(order: SandboxOrder, amount: Decimal) -> Decimal:
    """``amount`` scaled to what is left of the order after cancellation/refunds."""
    if order.total_price == 0:
        return Decimal("0")
    return (amount * _current_total(order) / order.total_price).quantize(Decimal("0.01"))


def _received(order: SandboxOrder) -> Decimal:
    return (
        order.total_price
        if order.financial_status in {"PAID", "PARTIALLY_REFUNDED", "REFUNDED"}
        else Decimal("0")
    )


def _outstanding(order: SandboxOrder) -> Decimal:
    if order.cancelled_at is not None or order.financial_status != "PENDING":
        return Decimal("0")
    return order.total_price


def address(data: dict[str, Any], model_name: str = "Address") -> dict[str, Any] | None:
    """``MailingAddress`` source from a REST-shaped address dict."""
    if not data:
        return None
    country_code = data.get("country_code", "IN")

    def formatted(
        info: GraphQLResolveInfo,
        withName: bool = False,
        withCompany: bool = True,
    ) -> list[str]:
        lines = [data.get("name")] if withName else []
        if withCompany and data.get("company"):
            lines.append(data["company"])
        lines += [
            data.get("address1"),
            data.get("address2"),
            f"{data.get('city')} {data.get('zip')} {data.get('province_code')}".strip(),
            COUNTRY_NAMES.get(country_code, country_code),
        ]
        return [line for line in lines if line]

    return {
        "id": gid("MailingAddress", data.get("id", 0), model_name=model_name),
        "name": data.get("name"),
        "firstName": data.get("first_name"),
        "lastName": data.get("last_name"),
        "company": data.get("company"),
        "address1": data.get("address1"),
        "address2": data.get("address2"),
        "city": data.get("city"),
        "province": data.get("province"),
        "provinceCode": data.get("province_code"),
        "zip": data.get("zip"),
        "country": COUNTRY_NAMES.get(country_code, country_code),
        "countryCode": country_code,
        "countryCodeV2": country_code,
        "phone": data.get("phone"),
        "latitude": data.get("latitude"),
        "longitude": data.get("longitude"),
        "formatted": formatted,
        "formattedArea": f"{data.get('city')}, {data.get('province')}, "
        f"{COUNTRY_NAMES.get(country_code, country_code)}",
        "timeZone": "Asia/Kolkata",
        "coordinatesValidated": False,
        "validationResultSummary": None,
    }


def tax_line(data: dict[str, Any], currency: str) -> dict[str, Any]:
    """``TaxLine`` source from a stored ``{"title", "rate", "amount"}``."""
    rate = float(Decimal(data["rate"]))
    return {
        "title": data["title"],
        "rate": rate,
        "ratePercentage": round(rate * 100, 2),
        "price": money(data["amount"]),
        "priceSet": money_bag(data["amount"], currency),
        "channelLiable": False,
        "source": "Shopify",
    }


def order_tax_lines(order: SandboxOrder) -> list[dict[str, Any]]:
    """Line-item tax lines summed per (title, rate), as ``Order.taxLines`` reports them."""
    totals: dict[tuple[str, str], Decimal] = {}
    for item in line_items_of(order):
        for line in item.tax_lines:
            key = (line["title"], line["rate"])
            totals[key] = totals.get(key, Decimal("0")) + Decimal(line["amount"])
    return [
        tax_line({"title": title, "rate": rate, "amount": amount}, order.currency)
        for (title, rate), amount in totals.items()
    ]


def _shipping_line(order: SandboxOrder, info: GraphQLResolveInfo) -> dict[str, Any]:
    bag = money_bag(order.total_shipping, order.currency)
    return {
        "id": gid("ShippingLine", order.shipping_line_id),
        "title": order.shipping_title,
        "code": order.shipping_title,
        "source": "shopify",
        "carrierIdentifier": None,
        "custom": False,
        "isRemoved": False,
        "originalPriceSet": bag,
        "discountedPriceSet": bag,
        "currentDiscountedPriceSet": bag,
        "taxLines": [],
    }


ORDER: dict[str, Resolver] = {
    "id": lambda o, info: gid("Order", o.id),
    "legacyResourceId": lambda o, info: str(o.id),
    "name": lambda o, info: o.name,
    "createdAt": _at("created_at"),
    "updatedAt": _at("updated_at"),
    "processedAt": _at("processed_at"),
    "cancelledAt": _at("cancelled_at"),
    "closedAt": _at("closed_at"),
    "closed": lambda o, info: o.closed_at is not None,
    "cancelReason": lambda o, info: o.cancel_reason or None,
    "confirmed": lambda o, info: True,
    "confirmationNumber": lambda o, info: o.token[:9].upper(),
    "displayFinancialStatus": lambda o, info: o.financial_status,
    "displayFulfillmentStatus": lambda o, info: o.fulfillment_status,
    "fullyPaid": lambda o, info: o.financial_status == "PAID",
    "unpaid": lambda o, info: o.financial_status == "PENDING",
    "fulfillable": lambda o, info: o.cancelled_at is None and o.fulfillment_status != "FULFILLED",
    "refundable": lambda o, info: _received(o) > o.total_refunded,
    "requiresShipping": lambda o, info: True,
    "edited": lambda o, info: False,
    "currencyCode": lambda o, info: o.currency,
    "presentmentCurrencyCode": lambda o, info: o.currency,
    "paymentGatewayNames": lambda o, info: list(o.payment_gateway_names),
    "email": lambda o, info: o.email or None,
    "phone": lambda o, info: o.phone or None,
    "note": lambda o, info: o.note or None,
    "tags": lambda o, info: list(o.tags),
    "test": lambda o, info: o.test,
    "sourceName": lambda o, info: o.source_name,
    "sourceIdentifier": lambda o, info: None,
    "taxesIncluded": lambda o, info: True,
    "taxExempt": lambda o, info: False,
    "dutiesIncluded": lambda o, info: False,
    "estimatedTaxes": lambda o, info: False,
    "customerAcceptsMarketing": lambda o, info: bool(o.customer and o.customer.accepts_marketing),
    "customerLocale": lambda o, info: "en-IN",
    "discountCodes": lambda o, info: [d["code"] for d in o.discount_codes],
    "discountCode": lambda o, info: o.discount_codes[0]["code"] if o.discount_codes else None,
    "statusPageUrl": lambda o, info: (
        f"https://{info.context.shop.domain}/{o.shop_id}/orders/{o.token}/authenticate"
    ),
    "subtotalLineItemsQuantity": lambda o, info: sum(i.quantity for i in line_items_of(o)),
    "currentSubtotalLineItemsQuantity": lambda o, info: sum(
        i.current_quantity for i in line_items_of(o)
    ),
    "subtotalPriceSet": _bag(lambda o: o.subtotal),
    "currentSubtotalPriceSet": _bag(lambda o: _current_share(o, o.subtotal)),
    "totalDiscountsSet": _bag(lambda o: o.total_discounts),
    "currentTotalDiscountsSet": _bag(lambda o: _current_share(o, o.total_discounts)),
    # Seeded codes are product discounts allocated to lines, so nothing is order-level.
    "cartDiscountAmountSet": _bag(lambda o: Decimal("0")),
    "totalShippingPriceSet": _bag(lambda o: o.total_shipping),
    "currentShippingPriceSet": _bag(lambda o: _current_share(o, o.total_shipping)),
    "totalTaxSet": _bag(lambda o: o.total_tax),
    "currentTotalTaxSet": _bag(lambda o: _current_share(o, o.total_tax)),
    "totalPriceSet": _bag(lambda o: o.total_price),
    "originalTotalPriceSet": _bag(lambda o: o.total_price),
    "currentTotalPriceSet": _bag(_current_total),
    "totalRefundedSet": _bag(lambda o: o.total_refunded),
    "totalRefundedShippingSet": _bag(lambda o: Decimal("0")),
    "totalReceivedSet": _bag(_received),
    "netPaymentSet": _bag(lambda o: _received(o) - o.total_refunded),
    "totalOutstandingSet": _bag(_outstanding),
    "totalCapturableSet": _bag(lambda o: Decimal("0")),
    "totalTipReceivedSet": _bag(lambda o: Decimal("0")),
    "totalWeight": lambda o, info: str(sum(i.grams * i.quantity for i in line_items_of(o))),
    "customer": lambda o, info: o.customer,
    "shippingAddress": lambda o, info: address(o.shipping_address),
    "billingAddress": lambda o, info: address(o.billing_address),
    "displayAddress": lambda o, info: address(o.shipping_address or o.billing_address),
    "billingAddressMatchesShippingAddress": lambda o, info: o.billing_address == o.shipping_address,
    "shippingLine": _shipping_line,
    "lineItems": lambda o, info, **args: paginate_list(info, list(line_items_of(o)), args),
    "taxLines": lambda o, info: order_tax_lines(o),
    "currentTaxLines": lambda o, info: [] if o.cancelled_at else order_tax_lines(o),
    **REFUND_FIELDS,
    **RETURN_FIELDS,
    **FULFILLMENT_ORDER_FIELDS,
}


def _related(info: GraphQLResolveInfo, model: type, pk: int | None, load: Callable[[], Any]) -> Any:
    """A related record; when the client selects only its ``id`` a bare instance is enough,
    which saves loading every variant of a bulk export."""
    if pk is None:
        return None
    selected = {
        s.name.value
        for node in info.field_nodes
        for s in (node.selection_set.selections if node.selection_set else ())
        if isinstance(s, FieldNode)
    }
    if selected <= {"id", "legacyResourceId", "__typename"}:
        return model(pk=pk)
    return load()


def _unit_discount(item: SandboxLineItem) -> Decimal:
    return (
        (item.total_discount / item.quantity).quantize(Decimal("0.01"))
        if item.quantity
        else (Decimal("0"))
    )


def _item_bag(amount: Callable[[SandboxLineItem], Decimal]) -> Resolver:
    return lambda item, info: money_bag(amount(item), item.order.currency)


LINE_ITEM: dict[str, Resolver] = {
    "id": lambda i, info: gid("LineItem", i.id),
    "sku": lambda i, info: i.sku or None,
    "name": lambda i, info: i.name,
    "title": lambda i, info: i.title,
    "variantTitle": lambda i, info: i.variant_title or None,
    "vendor": lambda i, info: i.vendor,
    "quantity": lambda i, info: i.quantity,
    "currentQuantity": lambda i, info: i.current_quantity,
    "refundableQuantity": lambda i, info: i.current_quantity,
    "fulfillableQuantity": lambda i, info: (
        i.current_quantity - min(i.fulfilled_quantity, i.current_quantity)
    ),
    "unfulfilledQuantity": lambda i, info: (
        i.current_quantity - min(i.fulfilled_quantity, i.current_quantity)
    ),
    "nonFulfillableQuantity": lambda i, info: i.quantity - i.current_quantity,
    "fulfillmentStatus": lambda i, info: i.fulfillment_status or "unfulfilled",
    "requiresShipping": lambda i, info: True,
    "taxable": lambda i, info: True,
    "isGiftCard": lambda i, info: False,
    "merchantEditable": lambda i, info: True,
    "restockable": lambda i, info: i.current_quantity > 0,
    "customAttributes": lambda i, info: [],
    "variant": lambda i, info: _related(info, SandboxVariant, i.variant_id, lambda: i.variant),
    "product": lambda i, info: _related(info, SandboxProduct, i.product_id, lambda: i.product),
    "originalUnitPriceSet": _item_bag(lambda i: i.price),
    # Code-based discounts are left out of the "discounted" unit price (schema description).
    "discountedUnitPriceSet": _item_bag(lambda i: i.price),
    "discountedUnitPriceAfterAllDiscountsSet": _item_bag(lambda i: i.price - _unit_discount(i)),
    "originalTotalSet": _item_bag(lambda i: i.price * i.quantity),
    "discountedTotalSet": lambda i, info, withCodeDiscounts=False: money_bag(
        i.price * i.quantity - (i.total_discount if withCodeDiscounts else 0), i.order.currency
    ),
    "totalDiscountSet": _item_bag(lambda i: i.total_discount),
    "unfulfilledOriginalTotalSet": _item_bag(
        lambda i: i.price * (i.current_quantity - min(i.fulfilled_quantity, i.current_quantity))
    ),
    "unfulfilledDiscountedTotalSet": _item_bag(
        lambda i: (
            (i.price - _unit_discount(i))
            * (i.current_quantity - min(i.fulfilled_quantity, i.current_quantity))
        )
    ),
    "taxLines": lambda i, info, first=None: [
        tax_line(line, i.order.currency) for line in i.tax_lines[: first or None]
    ],
}


def _amount_spent(customer: SandboxCustomer, info: GraphQLResolveInfo) -> dict[str, str]:
    total = customer.orders.filter(cancelled_at__isnull=True).aggregate(s=Sum("total_price"))["s"]
    return {"amount": money(total or 0), "currencyCode": customer.shop.currency}


CUSTOMER: dict[str, Resolver] = {
    "id": lambda c, info: gid("Customer", c.id),
    "legacyResourceId": lambda c, info: str(c.id),
    "displayName": lambda c, info: f"{c.first_name} {c.last_name}".strip(),
    "firstName": lambda c, info: c.first_name,
    "lastName": lambda c, info: c.last_name,
    "email": lambda c, info: c.email or None,
    "phone": lambda c, info: c.phone or None,
    "createdAt": _at("created_at"),
    "updatedAt": _at("updated_at"),
    "state": lambda c, info: "DISABLED",
    "verifiedEmail": lambda c, info: True,
    "taxExempt": lambda c, info: False,
    "tags": lambda c, info: [],
    "note": lambda c, info: None,
    "locale": lambda c, info: "en-IN",
    "numberOfOrders": lambda c, info: str(c.orders.count()),
    "amountSpent": _amount_spent,
    "defaultAddress": lambda c, info: address(c.address, "CustomerAddress"),
    "addresses": lambda c, info, first=None: [address(c.address, "CustomerAddress")],
}

RESOLVERS: dict[str, dict[str, Resolver]] = {
    "Order": ORDER,
    "LineItem": LINE_ITEM,
    "Customer": CUSTOMER,
}

TYPE_NAMES: dict[type, str] = {
    SandboxOrder: "Order",
    SandboxLineItem: "LineItem",
    SandboxCustomer: "Customer",
}
