"""Row builders shared by the dashboard and admin tests (orders and stock have no factories in
``tests/factories.py``)."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from itertools import count

from django.test import Client

from integrations.dto import OrderStatus, PaymentMethod
from inventory.models import StockLevel, Warehouse
from orders.models import Order, OrderItem
from tests.factories import VariantFactory

_numbers = count(1000)


def make_order(account, **overrides) -> Order:
    """An order row of ``account`` (one line ``items`` of (sku, qty) pairs, default one)."""
    number = next(_numbers)
    items = overrides.pop("items", (("SKU-A", 1),))
    values = {
        "merchant": account.merchant,
        "account": account,
        "channel": account.provider,
        "external_id": f"gid-{number}",
        "order_number": f"#{number}",
        "placed_at": datetime(2026, 11, 1, 9, 0, tzinfo=UTC),
        "source_updated_at": datetime(2026, 11, 1, 9, 5, tzinfo=UTC),
        "status": OrderStatus.CONFIRMED,
        "payment_method": PaymentMethod.PREPAID,
        "subtotal": Decimal("999.00"),
        "total": Decimal("999.00"),
        "customer_name": "Asha Verma",
        "ship_city": "Pune",
        "ship_state": "Maharashtra",
        "ship_pincode": "411001",
        "raw": {"id": f"gid-{number}", "note": "raw-marker"},
    }
    values.update(overrides)
    order = Order.objects.create(**values)
    for i, (sku, qty) in enumerate(items):
        OrderItem.objects.create(
            order=order,
            external_id=f"{number}-{i}",
            sku=sku,
            title=f"Item {sku}",
            quantity=qty,
            current_quantity=qty,
            unit_price=Decimal("999.00"),
        )
    return order


def make_stock(
    merchant, sku: str, *, on_hand: int, reserved: int = 0, title: str = ""
) -> StockLevel:
    """A stock level of a new variant ``sku`` in the merchant's default warehouse."""
    warehouse, _ = Warehouse.objects.get_or_create(
        merchant=merchant, code="main", defaults={"name": "Main", "is_default": True}
    )
    variant = VariantFactory(
        sku=sku, product__merchant=merchant, product__title=title or f"Product {sku}"
    )
    return StockLevel.objects.create(
        warehouse=warehouse, variant=variant, on_hand=on_hand, reserved=reserved
    )


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client
