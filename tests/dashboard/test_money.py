"""The ₹ filter: Indian digit grouping, two decimals, other currencies by code."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.template import Context, Template

from orders.templatetags.money import format_money, group_indian


@pytest.mark.parametrize(
    ("digits", "expected"),
    [
        ("0", "0"),
        ("999", "999"),
        ("1000", "1,000"),
        ("99999", "99,999"),
        ("100000", "1,00,000"),
        ("1234567", "12,34,567"),
        ("123456789", "12,34,56,789"),
    ],
)
def test_group_indian_groups_thousands_then_pairs(digits, expected):
    assert group_indian(digits) == expected


@pytest.mark.parametrize(
    ("value", "currency", "expected"),
    [
        (Decimal("1234567.5"), "INR", "₹12,34,567.50"),
        (Decimal("0"), "INR", "₹0.00"),
        (Decimal("-2500"), "INR", "−₹2,500.00"),
        ("999.005", "INR", "₹999.01"),
        (Decimal("1500"), "USD", "USD 1,500.00"),
        (None, "INR", "—"),
        ("not a number", "INR", "—"),
    ],
)
def test_format_money(value, currency, expected):
    assert format_money(value, currency) == expected


def test_money_filter_in_a_template_uses_the_orders_currency():
    rendered = Template("{% load money %}{{ amount|money:currency }}").render(
        Context({"amount": Decimal("123456.00"), "currency": "INR"})
    )

    assert rendered == "₹1,23,456.00"
