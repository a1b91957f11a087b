"""Building customers and orders (amounts, GST lines, payment and fulfilment history).

Used by the seeder (history over a window of days) and by ``services.simulate_orders`` (orders
placed now). Money is GST-inclusive rupees: a line's tax is ``net × r / (1 + r)``, split into
CGST + SGST inside the shop's state and IGST across states; discounts are spread over lines in
proportion to their value; shipping is free from ₹499, else ₹49–99.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from sandbox.kernel.seed import data
from sandbox.shopify.constants import COD_GATEWAY
from sandbox.shopify.models import (
    SandboxCustomer,
    SandboxLineItem,
    SandboxOrder,
    SandboxShop,
    SandboxVariant,
)

CENT = Decimal("0.01")


def _round(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def gst_rate(price: Decimal, flat: Decimal | None) -> Decimal:
    """GST slab of a unit price: ``flat`` when the category has one, else 5% up to ₹1,000 and
    12% above (textiles and apparel, 2024 rates)."""
    if flat is not None:
        return flat
    return Decimal("0.05") if price <= 1000 else Decimal("0.12")


def random_address(
    rng: random.Random,
    first: str,
    last: str,
    phone: str,
    address_id: int,
    city: tuple | None = None,
) -> dict:
    """A REST-shaped Indian address: real city/state/code and a pincode of that city."""
    name, state, code, pin_lo, pin_hi, _ = (
        city or rng.choices(data.CITIES, weights=[c[5] for c in data.CITIES])[0]
    )
    return {
        "id": address_id,
        "first_name": first,
        "last_name": last,
        "name": f"{first} {last}",
        "company": None,
        "address1": f"{rng.choice(('Flat', 'House No.', 'Plot'))} {rng.randint(1, 1200)}, "
        f"{rng.choice(data.BUILDINGS)}, {rng.choice(data.STREETS)}",
        "address2": rng.choice(data.LANDMARKS) if rng.random() < 0.4 else None,
        "city": name,
        "province": state,
        "province_code": code,
        "zip": str(rng.randint(pin_lo, pin_hi)),
        "country": "India",
        "country_code": "IN",
        "phone": phone,
        "latitude": None,
        "longitude": None,
    }


def make_customer(
    rng: random.Random, shop: SandboxShop, customer_id: int, address_id: int, created_at: datetime
) -> SandboxCustomer:
    """An unsaved customer with an Indian name, email, ``+91`` mobile and default address."""
    first, last = rng.choice(data.FIRST_NAMES), rng.choice(data.LAST_NAMES)
    phone = f"+91{rng.choice('9876')}{rng.randint(100000000, 999999999)}"
    email = f"{first.lower()}.{last.lower()}{rng.randint(1, 999)}@{rng.choice(data.EMAIL_DOMAINS)}"
    return SandboxCustomer(
        id=customer_id,
        shop=shop,
        first_name=first,
        last_name=last,
        email=email,
        phone=phone,
        address=random_address(rng, first, last, phone, address_id),
        accepts_marketing=rng.random() < 0.35,
        created_at=created_at,
        updated_at=created_at,
    )


@dataclass(frozen=True)
class Pick:
    """One line to order: a variant (with product and GST slab info) and a quantity."""

    variant: SandboxVariant
    quantity: int
    flat_gst: Decimal | None


def choose_payment(rng: random.Random) -> tuple[bool, list[str]]:
    """``(is_cod, payment_gateway_names)``: ~60% COD as Indian D2C stores see."""
    if rng.random() < data.COD_SHARE:
        return True, [COD_GATEWAY]
    names, weights = zip(*data.PREPAID_GATEWAYS, strict=True)
    return False, [rng.choices(names, weights=weights)[0]]


def _discount(rng: random.Random, gross: Decimal) -> tuple[Decimal, list[dict]]:
    if rng.random() >= 0.25:
        return Decimal("0"), []
    code, kind, value = rng.choice(data.DISCOUNT_CODES)
    if kind == "fixed_amount":
        if gross < 1499:
            return Decimal("0"), []
        amount = value
    else:
        amount = _round(gross * value / 100)
    return amount, [{"code": code, "amount": str(amount), "type": kind, "value": f"{value}.0"}]


def compose_order(
    rng: random.Random,
    *,
    shop: SandboxShop,
    order_id: int,
    number: int,
    customer: SandboxCustomer,
    picks: list[Pick],
    line_ids: list[int],
    shipping_line_id: int,
    created_at: datetime,
    repeat: bool = False,
) -> tuple[SandboxOrder, list[SandboxLineItem]]:
    """An open, unfulfilled order with its lines; amounts and tax lines computed. ``repeat``
    tags a returning customer's order."""
    cod, gateways = choose_payment(rng)
    gross = sum((p.variant.price * p.quantity for p in picks), Decimal("0"))
    discount, codes = _discount(rng, gross)
    address = dict(customer.address)
    if rng.random() < 0.1:
        address = random_address(
            rng, customer.first_name, customer.last_name, customer.phone, customer.address["id"]
        )
    intra_state = address["province_code"] == shop.province_code
    items: list[SandboxLineItem] = []
    remaining = discount
    for index, (pick, line_id) in enumerate(zip(picks, line_ids, strict=True)):
        variant, product = pick.variant, pick.variant.product
        line_gross = variant.price * pick.quantity
        share = remaining if index == len(picks) - 1 else _round(discount * line_gross / gross)
        remaining -= share
        rate = gst_rate(variant.price, pick.flat_gst)
        tax = _round((line_gross - share) * rate / (1 + rate))
        if intra_state:
            half = _round(tax / 2)
            tax_lines = [
                {"title": "CGST", "rate": str(rate / 2), "amount": str(half)},
                {"title": "SGST", "rate": str(rate / 2), "amount": str(tax - half)},
            ]
        else:
            tax_lines = [{"title": "IGST", "rate": str(rate), "amount": str(tax)}]
        items.append(
            SandboxLineItem(
                id=line_id,
                variant=variant,
                product=product,
                position=index + 1,
                sku=variant.sku,
                title=product.title,
                variant_title=variant.title,
                vendor=product.vendor,
                quantity=pick.quantity,
                current_quantity=pick.quantity,
                price=variant.price,
                total_discount=share,
                tax_lines=tax_lines,
                grams=variant.grams,
            )
        )
    subtotal = gross - discount
    shipping = (
        Decimal("0")
        if subtotal >= data.FREE_SHIPPING_ABOVE
        else Decimal(rng.choice(data.SHIPPING_FEES))
    )
    total_tax = sum((Decimal(t["amount"]) for i in items for t in i.tax_lines), Decimal("0"))
    tags = ["COD"] if cod else ["Prepaid"]
    if repeat:
        tags.append("Repeat Customer")
    order = SandboxOrder(
        id=order_id,
        shop=shop,
        number=number,
        customer=customer,
        email=customer.email,
        phone=customer.phone,
        token=f"{rng.getrandbits(128):032x}",
        created_at=created_at,
        updated_at=created_at,
        processed_at=created_at,
        financial_status="PENDING" if cod else "PAID",
        fulfillment_status="UNFULFILLED",
        currency=shop.currency,
        payment_gateway_names=gateways,
        tags=tags,
        source_name=rng.choices(
            ("web", "android", "iphone", "shopify_draft_order"), weights=(90, 4, 3, 3)
        )[0],
        note=rng.choice(data.ORDER_NOTES) if rng.random() < 0.05 else "",
        subtotal=subtotal,
        total_discounts=discount,
        total_shipping=shipping,
        total_tax=total_tax,
        total_price=subtotal + shipping,
        shipping_line_id=shipping_line_id,
        shipping_address=address,
        billing_address=address,
        discount_codes=codes,
    )
    for item in items:
        item.order = order
    return order, items


def apply_history(
    rng: random.Random,
    order: SandboxOrder,
    items: list[SandboxLineItem],
    now: datetime,
    days_back: int,
) -> None:
    """Age an order placed ``days_back`` days ago to how it would look ``now``: ~8% cancelled,
    older ones fulfilled, COD paid on delivery (some RTO stay pending), a few refunds.

    Every random draw happens whatever the branch, and branches depend on ``days_back`` rather
    than on the wall clock, so a seed gives the same store whenever it runs."""
    r_cancel, r_fulfil, r_partial, r_collect, r_refund, r_full = (rng.random() for _ in range(6))
    first_touch = timedelta(minutes=rng.randint(1, 20))
    cancel_after = timedelta(minutes=rng.randint(10, 30 * 60))
    fulfil_after = timedelta(hours=rng.randint(12, 48))
    deliver_after = timedelta(days=rng.randint(2, 6), hours=rng.randint(0, 12))
    refund_after = timedelta(days=rng.randint(2, 7))
    reason = rng.choices(
        ("CUSTOMER", "INVENTORY", "FRAUD", "DECLINED", "OTHER"), weights=(55, 10, 5, 5, 25)
    )[0]
    age = timedelta(days=days_back)
    created = order.created_at
    events = [created + first_touch]
    if r_cancel < 0.08:
        order.cancelled_at = order.closed_at = order.updated_at = min(created + cancel_after, now)
        order.cancel_reason = reason
        if order.financial_status == "PAID":
            order.financial_status, order.total_refunded = "REFUNDED", order.total_price
        else:
            order.financial_status = "VOIDED"
        for item in items:
            item.current_quantity = 0
        return
    if (days_back >= 2 and r_fulfil < 0.97) or (days_back == 1 and r_fulfil < 0.5):
        partial = len(items) > 1 and r_partial < 0.03
        for index, item in enumerate(items):
            if not partial or index == 0:
                item.fulfilled_quantity = item.quantity
        order.fulfillment_status = "PARTIALLY_FULFILLED" if partial else "FULFILLED"
        order.fulfilled_at = min(created + fulfil_after, now)
        events.append(order.fulfilled_at)
        delivered = fulfil_after + deliver_after <= age
        if order.is_cod and delivered and r_collect > 0.12:
            order.financial_status = "PAID"
            events.append(created + fulfil_after + deliver_after)
        elif not order.is_cod and delivered and r_refund < 0.04:
            if r_full < 0.5:
                order.financial_status, order.total_refunded = "REFUNDED", order.total_price
            else:
                last = items[-1]
                order.financial_status = "PARTIALLY_REFUNDED"
                order.total_refunded = last.price * last.quantity - last.total_discount
            events.append(created + fulfil_after + deliver_after + refund_after)
        if order.fulfillment_status == "FULFILLED" and order.financial_status != "PENDING":
            order.closed_at = min(max(events), now)
    order.updated_at = min(max(events), now)
