"""Template filters for money: rupees with Indian digit grouping (₹12,34,567.50)."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django import template

register = template.Library()

CURRENCY_SYMBOLS = {"INR": "₹"}
TWO_PLACES = Decimal("0.01")


def group_indian(digits: str) -> str:
    """Group an unsigned integer string the Indian way: last three digits, then pairs
    (``1234567`` → ``12,34,567``)."""
    if len(digits) <= 3:
        return digits
    head, tail = digits[:-3], digits[-3:]
    pairs = []
    while len(head) > 2:
        pairs.insert(0, head[-2:])
        head = head[:-2]
    if head:
        pairs.insert(0, head)
    return ",".join([*pairs, tail])


def format_money(value: object, currency: str = "INR") -> str:
    """``Decimal("1234567.5")`` → ``₹12,34,567.50``; other currencies are prefixed with their
    code (``USD 1,234.50`` — grouped the Indian way too, which is how the team reads numbers).
    ``None`` or a non-number gives an em dash."""
    if value is None or value == "":
        return "—"
    try:
        amount = Decimal(str(value)).quantize(TWO_PLACES, rounding=ROUND_HALF_UP)
    except (InvalidOperation, ValueError):
        return "—"
    sign = "−" if amount < 0 else ""
    whole, _, fraction = f"{abs(amount):.2f}".partition(".")
    code = (currency or "INR").upper()
    prefix = CURRENCY_SYMBOLS.get(code, f"{code} ")
    return f"{sign}{prefix}{group_indian(whole)}.{fraction}"


@register.filter(name="money")
def money(value: object, currency: str = "INR") -> str:
    """``{{ order.total|money:order.currency }}`` → ``₹1,23,456.00``."""
    return format_money(value, currency)
