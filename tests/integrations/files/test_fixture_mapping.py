"""Table-driven mapping tests over the seller-panel exports in ``tests/fixtures/files/``: one row
per order of each file (status, payment, money to the paisa, lines), the bad row of each file as
a ``RecordFailure``, and a check that every export there has rows."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from integrations.connectors.files.ajio import AjioConnector
from integrations.connectors.files.meesho import MeeshoConnector
from integrations.connectors.files.myntra import MyntraConnector
from integrations.dto import OrderStatus, PaymentMethod
from tests.fixtures.files import fixture_path
from tests.integrations.files.conftest import UPLOADED_AT, make_connector, split

D = Decimal
CONNECTORS = {
    "meesho_orders.csv": MeeshoConnector,
    "myntra_orders.csv": MyntraConnector,
    "ajio_orders.csv": AjioConnector,
}
P, C = PaymentMethod.PREPAID, PaymentMethod.COD


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


# (file, order id, status, payment, subtotal, discount, total, placed_at, lines (sku, qty, unit))
ORDER_ROWS = [
    (
        "meesho_orders.csv",
        "139620386745287936_1",
        OrderStatus.DELIVERED,
        P,
        "1099.00",
        "100.00",
        "999.00",
        utc(2024, 4, 30, 18, 30),
        [("KURTA-IND-BLU-M", 1, "1099.00")],
    ),
    (
        "meesho_orders.csv",
        "139620386745287937_1",
        OrderStatus.RETURNED,
        P,
        "998.00",
        "100.00",
        "898.00",
        utc(2024, 5, 1, 18, 30),
        [("TSHRT-MND-BLK-L", 2, "499.00")],
    ),
    (
        "meesho_orders.csv",
        "139620386745287938_1",
        OrderStatus.SHIPPED,
        P,
        "899.00",
        "100.00",
        "799.00",
        utc(2024, 5, 2, 18, 30),
        [("DUPTA-PHK-PNK", 1, "899.00")],
    ),
    (
        "meesho_orders.csv",
        "139620386745287939_1",
        OrderStatus.CONFIRMED,
        P,
        "2499.00",
        "300.00",
        "2199.00",
        utc(2024, 5, 4, 4, 30),
        [("SAREE-CHN-MST", 1, "2499.00")],
    ),
    (
        "meesho_orders.csv",
        "139620386745287940_1",
        OrderStatus.CANCELLED,
        P,
        "599.00",
        "50.00",
        "549.00",
        utc(2024, 5, 4, 18, 30),
        [("PLZO-FLR-BLK-XL", 1, "599.00")],
    ),
    (
        "meesho_orders.csv",
        "139620386745287941_1",
        OrderStatus.PENDING,
        P,
        "747.00",
        "72.00",
        "675.00",
        utc(2024, 5, 5, 18, 30),
        [("FWASH-NTL", 3, "249.00")],
    ),
    (
        "myntra_orders.csv",
        "7100000001",
        OrderStatus.DELIVERED,
        C,
        "3798.00",
        "800.00",
        "2998.00",
        utc(2024, 5, 1, 4, 45),
        [("KURTA-CHK-WHT-M", 1, "1899.00"), ("KURTA-CHK-WHT-L", 1, "1899.00")],
    ),
    (
        "myntra_orders.csv",
        "7100000002",
        OrderStatus.SHIPPED,
        P,
        "4999.00",
        "1000.00",
        "3999.00",
        utc(2024, 5, 1, 6, 10),
        [("SAREE-BNR-MRN", 1, "4999.00")],
    ),
    (
        "myntra_orders.csv",
        "7100000003",
        OrderStatus.PARTIALLY_SHIPPED,
        C,
        "1398.00",
        "400.00",
        "998.00",
        utc(2024, 5, 2, 3, 35),
        [("TSHRT-OMG-BLK-M", 1, "699.00"), ("TSHRT-OMG-BLK-L", 1, "699.00")],
    ),
    (
        "ajio_orders.csv",
        "FN4073648963",
        OrderStatus.DELIVERED,
        P,
        "3597.00",
        "700.00",
        "2897.00",
        utc(2024, 5, 1, 4, 45),
        [("KURTA-AJR-IND-M", 2, "1499.00"), ("DUPTA-MUL-WHT", 1, "599.00")],
    ),
    (
        "ajio_orders.csv",
        "FN4073648964",
        OrderStatus.RETURNED,
        P,
        "2999.00",
        "500.00",
        "2499.00",
        utc(2024, 5, 1, 18, 30),
        [("SAREE-KTD-GRN", 1, "2999.00")],
    ),
    (
        "ajio_orders.csv",
        "FN4073648965",
        OrderStatus.CANCELLED,
        P,
        "599.00",
        "0.00",
        "599.00",
        utc(2024, 5, 3, 13, 15),
        [("TSHRT-WRL-BLK-S", 1, "599.00")],
    ),
]
FAILURE_ROWS = [
    ("meesho_orders.csv", "139620386745287942_1", "unknown status 'LOST_IN_SPACE'"),
    ("myntra_orders.csv", "7100000004", "'abc' is not an amount"),
    ("ajio_orders.csv", "FN4073648966", "'1.5' is not a whole number of units"),
]


def parsed(name: str):
    connector = make_connector(CONNECTORS[name], "K1")
    return split(connector.parse_file(fixture_path(name), as_of=UPLOADED_AT))


@pytest.mark.parametrize(
    ("name", "order_id", "status", "payment", "subtotal", "discount", "total", "placed", "lines"),
    ORDER_ROWS,
)
def test_export_fixture_order_maps_to_order_dto(
    name, order_id, status, payment, subtotal, discount, total, placed, lines
):
    orders, _ = parsed(name)
    order = next(o for o in orders if o.external_id == order_id)
    assert (order.status, order.payment_method, order.currency) == (status, payment, "INR")
    assert (order.subtotal, order.discount_total, order.total) == (
        D(subtotal),
        D(discount),
        D(total),
    )
    assert order.total == order.subtotal + order.shipping_total - order.discount_total
    assert order.placed_at == placed
    assert [(i.sku, i.quantity, i.unit_price) for i in order.items] == [
        (sku, qty, D(unit)) for sku, qty, unit in lines
    ]
    assert order.subtotal == sum((i.unit_price * i.quantity for i in order.items), D("0"))


@pytest.mark.parametrize(("name", "order_id", "error"), FAILURE_ROWS)
def test_the_bad_row_of_each_export_is_a_record_failure(name, order_id, error):
    orders, failures = parsed(name)
    assert [f.external_id for f in failures] == [order_id]
    assert error in failures[0].error
    assert {o.external_id for o in orders} == {r[1] for r in ORDER_ROWS if r[0] == name}


def test_every_files_fixture_is_used_by_a_table_row():
    exports = {p.name for p in Path(fixture_path("meesho_orders.csv")).parent.glob("*.csv")}
    assert exports == {r[0] for r in ORDER_ROWS} == {r[0] for r in FAILURE_ROWS}
