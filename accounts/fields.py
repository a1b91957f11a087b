"""Shared model field helpers."""

from __future__ import annotations

from decimal import Decimal

from django.db import models


def MoneyField(**kwargs) -> models.DecimalField:  # noqa: N802 - reads like a field class
    """Money: ``DecimalField(max_digits=14, decimal_places=2)`` in the currency stored beside it
    (rupees for INR, never paise); defaults to 0."""
    kwargs.setdefault("max_digits", 14)
    kwargs.setdefault("decimal_places", 2)
    kwargs.setdefault("default", Decimal("0"))
    return models.DecimalField(**kwargs)
