"""``orders_import``: DTO in, rows out — idempotent, stale-safe, stock-reserving, batch-safe."""

from __future__ import annotations

import dataclasses
import re
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from integrations.dto import OrderItemDTO, OrderStatus
from inventory.models import ChannelListing, MovementKind, StockLevel, StockMovement
from inventory.services import default_warehouse
from orders.models import Order, OrderItem, OrderStatusEvent
from orders.services import order_import, order_redact_customer, orders_import
from tests.factories import ChannelAccountFactory, VariantFactory, order_dto

T0 = datetime(2026, 11, 1, 10, 0, tzinfo=UTC)


@pytest.fixture
def account(merchant):
    return ChannelAccountFactory(merchant=merchant)


@pytest.fixture
def variants(merchant):
    """SKU-1 … SKU-3 with 10 units on hand each in the default warehouse."""
    warehouse = default_warehouse(merchant)
    made = {}
    for sku in ("SKU-1", "SKU-2", "SKU-3"):
        variant = VariantFactory(product__merchant=merchant, merchant=merchant, sku=sku)
        StockLevel.objects.create(warehouse=warehouse, variant=variant, on_hand=10)
        made[sku] = variant
    return made


def level(variant) -> tuple[int, int]:
    row = StockLevel.objects.get(variant=variant, warehouse__is_default=True)
    return row.on_hand, row.reserved


def movements(order) -> list[tuple[str, str, int, int]]:
    return sorted(
        (m.variant.sku, m.kind, m.on_hand_delta, m.reserved_delta)
        for m in StockMovement.objects.filter(reference=f"order:{order.pk}").select_related(
            "variant"
        )
    )


def snapshot() -> tuple[int, int, int, int]:
    return (
        Order.objects.count(),
        OrderItem.objects.count(),
        StockMovement.objects.count(),
        OrderStatusEvent.objects.count(),
    )


def test_a_new_open_order_creates_the_order_items_and_reserves_stock(account, variants):
    result = order_import(
        account=account, order=order_dto("1001", items=(("SKU-1", 2), ("SKU-2", 1)))
    )
    assert (result.created, result.updated, result.skipped, result.failures) == (1, 0, 0, [])
    order = Order.objects.get(account=account, external_id="1001")
    assert order.merchant_id == account.merchant_id
    assert order.channel == "shopify"
    assert order.status == OrderStatus.CONFIRMED
    assert order.stock_reserved is True
    assert order.total == order_dto().total
    assert [(i.sku, i.quantity, i.variant_id) for i in order.items.order_by("sku")] == [
        ("SKU-1", 2, variants["SKU-1"].pk),
        ("SKU-2", 1, variants["SKU-2"].pk),
    ]
    assert level(variants["SKU-1"]) == (10, 2)
    assert level(variants["SKU-2"]) == (10, 1)
    assert movements(order) == [
        ("SKU-1", MovementKind.RESERVE, 0, 2),
        ("SKU-2", MovementKind.RESERVE, 0, 1),
    ]
    assert list(order.status_events.values_list("status", "previous_status")) == [
        (OrderStatus.CONFIRMED, "")
    ]


@pytest.mark.parametrize(
    "status", [OrderStatus.CANCELLED, OrderStatus.SHIPPED, OrderStatus.DELIVERED]
)
def test_a_new_order_that_is_not_open_reserves_nothing(account, variants, status):
    order_import(account=account, order=order_dto("1001", status=status))
    order = Order.objects.get(external_id="1001")
    assert order.stock_reserved is False
    assert level(variants["SKU-1"]) == (10, 0)
    assert movements(order) == []


def test_importing_the_same_order_twice_changes_nothing(account, variants):
    dto = order_dto("1001", items=(("SKU-1", 2),))
    first = order_import(account=account, order=dto)
    before = snapshot()
    second = order_import(account=account, order=dto)
    assert (first.created, first.skipped) == (1, 0)
    assert (second.created, second.updated, second.skipped) == (0, 0, 1)
    assert snapshot() == before
    assert level(variants["SKU-1"]) == (10, 2)


def test_a_newer_version_updates_the_order(account, variants):
    order_import(account=account, order=order_dto("1001", total="999.00"))
    newer = order_dto("1001", updated_at=T0 + timedelta(minutes=5), total="1299.00")
    result = order_import(account=account, order=newer)
    assert (result.created, result.updated, result.skipped) == (0, 1, 0)
    order = Order.objects.get(external_id="1001")
    assert str(order.total) == "1299.00"
    assert order.source_updated_at == T0 + timedelta(minutes=5)
    assert Order.objects.count() == 1
    # Same lines, still open: the reservation is untouched.
    assert level(variants["SKU-1"]) == (10, 1)
    assert len(movements(order)) == 1
    assert order.status_events.count() == 1


def test_an_older_version_is_skipped_and_does_not_overwrite(account, variants):
    order_import(
        account=account,
        order=order_dto("1001", updated_at=T0 + timedelta(hours=1), total="1299.00"),
    )
    stale = order_dto("1001", updated_at=T0, status=OrderStatus.CANCELLED, total="1.00")
    result = order_import(account=account, order=stale)
    assert (result.updated, result.skipped) == (0, 1)
    order = Order.objects.get(external_id="1001")
    assert str(order.total) == "1299.00"
    assert order.status == OrderStatus.CONFIRMED
    assert level(variants["SKU-1"]) == (10, 1)


def test_within_one_batch_the_newest_version_of_an_order_wins(account, variants):
    result = orders_import(
        account=account,
        orders=[
            order_dto("1001", updated_at=T0 + timedelta(minutes=2), total="300.00"),
            order_dto("1001", updated_at=T0, total="100.00"),
        ],
    )
    assert (result.created, result.skipped) == (1, 1)
    assert str(Order.objects.get(external_id="1001").total) == "300.00"


def test_cancelling_an_open_order_releases_its_reservation(account, variants):
    order_import(account=account, order=order_dto("1001", items=(("SKU-1", 2), ("SKU-2", 1))))
    order_import(
        account=account,
        order=order_dto(
            "1001",
            updated_at=T0 + timedelta(minutes=1),
            status=OrderStatus.CANCELLED,
            items=(("SKU-1", 2), ("SKU-2", 1)),
        ),
    )
    order = Order.objects.get(external_id="1001")
    assert order.status == OrderStatus.CANCELLED
    assert order.stock_reserved is False
    assert level(variants["SKU-1"]) == (10, 0)
    assert level(variants["SKU-2"]) == (10, 0)
    assert movements(order) == [
        ("SKU-1", MovementKind.RELEASE, 0, -2),
        ("SKU-1", MovementKind.RESERVE, 0, 2),
        ("SKU-2", MovementKind.RELEASE, 0, -1),
        ("SKU-2", MovementKind.RESERVE, 0, 1),
    ]
    assert list(order.status_events.values_list("previous_status", "status")) == [
        ("", OrderStatus.CONFIRMED),
        (OrderStatus.CONFIRMED, OrderStatus.CANCELLED),
    ]


def test_refunding_an_open_order_releases_its_reservation(account, variants):
    order_import(account=account, order=order_dto("1001", items=(("SKU-1", 2),)))
    order_import(
        account=account,
        order=order_dto(
            "1001",
            updated_at=T0 + timedelta(minutes=1),
            status=OrderStatus.REFUNDED,
            items=(("SKU-1", 2),),
        ),
    )
    assert level(variants["SKU-1"]) == (10, 0)


def test_an_open_order_seen_next_as_returned_shipped_first(account, variants):
    """An RTO or return seen without the shipment before it (a weekly export) still left the
    warehouse: the reservation ships, and the return's receipt brings the units back, so they
    are not counted twice."""
    order_import(account=account, order=order_dto("1001", items=(("SKU-1", 2),)))
    order_import(
        account=account,
        order=order_dto(
            "1001",
            updated_at=T0 + timedelta(minutes=1),
            status=OrderStatus.RETURNED,
            items=(("SKU-1", 2),),
        ),
    )
    assert level(variants["SKU-1"]) == (8, 0)


def test_shipping_turns_the_reservation_into_an_on_hand_decrease(account, variants):
    order_import(account=account, order=order_dto("1001", items=(("SKU-1", 2),)))
    order_import(
        account=account,
        order=order_dto(
            "1001",
            updated_at=T0 + timedelta(minutes=1),
            status=OrderStatus.SHIPPED,
            items=(("SKU-1", 2),),
        ),
    )
    order = Order.objects.get(external_id="1001")
    assert level(variants["SKU-1"]) == (8, 0)
    assert order.stock_reserved is False
    assert ("SKU-1", MovementKind.SHIP, -2, -2) in movements(order)

    # Delivered later (or a cancellation after shipping): stock is not touched again.
    for minutes, status in ((2, OrderStatus.DELIVERED), (3, OrderStatus.CANCELLED)):
        order_import(
            account=account,
            order=order_dto(
                "1001",
                updated_at=T0 + timedelta(minutes=minutes),
                status=status,
                items=(("SKU-1", 2),),
            ),
        )
    assert level(variants["SKU-1"]) == (8, 0)
    assert len(movements(order)) == 2


def test_partially_shipped_keeps_the_reservation(account, variants):
    order_import(account=account, order=order_dto("1001", items=(("SKU-1", 2),)))
    order_import(
        account=account,
        order=order_dto(
            "1001",
            updated_at=T0 + timedelta(minutes=1),
            status=OrderStatus.PARTIALLY_SHIPPED,
            items=(("SKU-1", 2),),
        ),
    )
    assert level(variants["SKU-1"]) == (10, 2)


def test_lines_edited_while_open_are_re_reserved(account, variants):
    order_import(account=account, order=order_dto("1001", items=(("SKU-1", 2), ("SKU-2", 1))))
    order_import(
        account=account,
        order=order_dto(
            "1001",
            updated_at=T0 + timedelta(minutes=1),
            items=(("SKU-1", 1), ("SKU-3", 3)),
        ),
    )
    order = Order.objects.get(external_id="1001")
    assert level(variants["SKU-1"]) == (10, 1)
    assert level(variants["SKU-2"]) == (10, 0)
    assert level(variants["SKU-3"]) == (10, 3)
    assert sorted(order.items.values_list("sku", "quantity")) == [("SKU-1", 1), ("SKU-3", 3)]
    net: dict[str, int] = {}
    for sku, _kind, _on_hand, reserved in movements(order):
        net[sku] = net.get(sku, 0) + reserved
    assert net == {"SKU-1": 1, "SKU-2": 0, "SKU-3": 3}


def current(order, *units: int):
    """``order`` with its lines' current quantities (units left after removals) set."""
    return dataclasses.replace(
        order,
        items=tuple(
            dataclasses.replace(line, current_quantity=left)
            for line, left in zip(order.items, units, strict=True)
        ),
    )


def version(minutes: int, status: str, units: int, *, left: int):
    """Order 1001 of ``units`` × SKU-1, ``minutes`` after T0, with ``left`` units current."""
    order = order_dto(
        "1001",
        updated_at=T0 + timedelta(minutes=minutes),
        status=status,
        items=(("SKU-1", units),),
    )
    return current(order, left)


def test_units_removed_before_shipping_are_released_and_serve_a_backorder(account, variants):
    """A partial cancellation (Shopify: a refund of 2 unshipped units, current quantity 3 → 1)
    releases the 2; the order keeps its ordered quantity; a waiting order gets them."""
    StockLevel.objects.filter(variant=variants["SKU-1"]).update(on_hand=4)
    order_import(account=account, order=order_dto("1001", items=(("SKU-1", 3),)))
    order_import(account=account, order=order_dto("1002", items=(("SKU-1", 2),)))
    assert Order.objects.get(external_id="1002").unfulfillable

    order_import(account=account, order=version(1, OrderStatus.CONFIRMED, 3, left=1))

    assert level(variants["SKU-1"]) == (4, 3)  # 1 for #1001, 2 for the backorder #1002
    assert Order.objects.get(external_id="1002").stock_reserved
    assert list(
        Order.objects.get(external_id="1001").items.values_list("quantity", "current_quantity")
    ) == [(3, 1)]

    order_import(account=account, order=version(2, OrderStatus.SHIPPED, 3, left=1))
    assert level(variants["SKU-1"]) == (3, 2)  # only the unit still on the order shipped


def test_once_shipping_began_a_lower_current_quantity_keeps_the_reservation(account, variants):
    """Partially shipped: a drop of the current quantity may be a refund of a shipped unit (a
    return, restocked when received), so the line keeps what it held and ships it."""
    order_import(account=account, order=order_dto("1001", items=(("SKU-1", 3),)))
    order_import(account=account, order=version(1, OrderStatus.PARTIALLY_SHIPPED, 3, left=2))
    assert level(variants["SKU-1"]) == (10, 3)

    order_import(account=account, order=version(2, OrderStatus.SHIPPED, 3, left=2))
    assert level(variants["SKU-1"]) == (7, 0)


def test_an_order_whose_every_unit_was_removed_holds_nothing(account, variants):
    order_import(account=account, order=order_dto("1001", items=(("SKU-1", 2), ("SKU-2", 1))))
    edited = order_dto(
        "1001", updated_at=T0 + timedelta(minutes=1), items=(("SKU-1", 2), ("SKU-2", 1))
    )
    order_import(account=account, order=current(edited, 0, 1))
    assert (level(variants["SKU-1"]), level(variants["SKU-2"])) == ((10, 0), (10, 1))


def test_an_order_reopened_after_cancellation_reserves_again(account, variants):
    order_import(
        account=account,
        order=order_dto("1001", status=OrderStatus.CANCELLED, items=(("SKU-1", 2),)),
    )
    order_import(
        account=account,
        order=order_dto("1001", updated_at=T0 + timedelta(minutes=1), items=(("SKU-1", 2),)),
    )
    assert level(variants["SKU-1"]) == (10, 2)
    assert Order.objects.get(external_id="1001").stock_reserved is True


def test_a_line_with_an_unknown_sku_is_kept_without_a_variant_or_reservation(account, variants):
    order_import(account=account, order=order_dto("1001", items=(("NOT-IN-CATALOG", 4),)))
    item = OrderItem.objects.get(order__external_id="1001")
    assert item.variant_id is None
    assert item.sku == "NOT-IN-CATALOG"
    assert StockMovement.objects.count() == 0


def test_order_lines_match_variants_by_channel_listing_then_by_sku(account, variants, merchant):
    listed = VariantFactory(product__merchant=merchant, merchant=merchant, sku="LISTED")
    ChannelListing.objects.create(
        account=account, variant=listed, external_variant_id="4400", channel_sku="CHANNEL-SKU"
    )
    other_merchant_variant = VariantFactory(sku="FOREIGN")
    dto = order_dto("1001", items=(("SKU-1", 1),))
    dto = dataclasses.replace(
        dto,
        items=(
            # The channel variant id wins over a SKU the catalog does not know.
            OrderItemDTO(
                "l1", "CHANNEL-SKU", "t", 1, dto.items[0].unit_price, variant_external_id="4400"
            ),
            # The listing wins even when the SKU names another variant.
            OrderItemDTO(
                "l2", "SKU-2", "t", 1, dto.items[0].unit_price, variant_external_id="4400"
            ),
            # No listing for this channel variant: fall back to the SKU.
            OrderItemDTO(
                "l3", "SKU-3", "t", 1, dto.items[0].unit_price, variant_external_id="9999"
            ),
            # Another merchant's SKU never matches.
            OrderItemDTO("l4", "FOREIGN", "t", 1, dto.items[0].unit_price),
        ),
    )
    order_import(account=account, order=dto)
    matched = dict(OrderItem.objects.values_list("external_id", "variant_id"))
    assert matched == {
        "l1": listed.pk,
        "l2": listed.pk,
        "l3": variants["SKU-3"].pk,
        "l4": None,
    }
    assert other_merchant_variant.pk not in matched.values()


def test_orders_of_two_accounts_with_the_same_external_id_are_separate(account, merchant, variants):
    second = ChannelAccountFactory(merchant=merchant)
    order_import(account=account, order=order_dto("1001"))
    result = order_import(account=second, order=order_dto("1001"))
    assert result.created == 1
    assert Order.objects.filter(external_id="1001").count() == 2


def test_a_bad_record_is_quarantined_and_the_rest_of_the_batch_commits(account, variants):
    good = [order_dto(str(n), items=(("SKU-1", 1),)) for n in (1, 2, 4)]
    bad = order_dto("3", items=(("SKU-2", 1),))
    duplicate_line = dataclasses.replace(bad.items[0])  # same line id twice → IntegrityError
    bad = dataclasses.replace(bad, items=(bad.items[0], duplicate_line))
    result = orders_import(account=account, orders=[good[0], good[1], bad, good[2]])
    assert result.created == 3
    assert [f.external_id for f in result.failures] == ["3"]
    assert "IntegrityError" in result.failures[0].error
    assert result.failures[0].payload == bad.raw
    assert sorted(Order.objects.values_list("external_id", flat=True)) == ["1", "2", "4"]
    assert level(variants["SKU-1"]) == (10, 3)
    assert level(variants["SKU-2"]) == (10, 0)  # nothing of the bad order was applied


def test_a_single_bad_order_is_quarantined_not_raised(account, variants, monkeypatch):
    import orders.services.orders as services

    real = services._import_batch

    def fail_for_7(*, account, orders, source):
        if any(o.external_id == "7" for o in orders):
            raise RuntimeError("boom for 7")
        return real(account=account, orders=orders, source=source)

    monkeypatch.setattr(services, "_import_batch", fail_for_7)
    result = orders_import(account=account, orders=[order_dto("6"), order_dto("7"), order_dto("8")])
    assert result.created == 2
    assert [(f.external_id, f.error) for f in result.failures] == [
        ("7", "RuntimeError: boom for 7")
    ]
    assert sorted(Order.objects.values_list("external_id", flat=True)) == ["6", "8"]


_WRITE = re.compile(r'^(INSERT(?: OR IGNORE)? INTO|UPDATE|DELETE FROM)\s+"?(\w+)')
_READ = re.compile(r'^SELECT .*? FROM\s+"?(\w+)', re.DOTALL)


def _statements(queries: list[dict]) -> list[str]:
    """Logical statements as "VERB table". SQLite caps a statement's parameters, so
    ``bulk_create``/``bulk_update`` split one write into several same-table batches; those
    count once (each is a fixed amount of work per row, not a query per order). PostgreSQL
    does not split."""
    logical: list[str] = []
    for query in queries:
        sql = query["sql"]
        if match := _WRITE.match(sql):
            key = f"{match.group(1)} {match.group(2)}"
            if logical and logical[-1] == key:
                continue
        elif match := _READ.match(sql):
            key = f"SELECT {match.group(1)}"
        else:
            key = sql.split()[0]
        logical.append(key)
    return logical


def _import_queries(
    account, start: int, size: int, *, updated_at=None, total="999.00"
) -> list[dict]:
    dtos = [
        order_dto(
            str(n),
            items=(("SKU-1", 1), ("SKU-2", 2), ("UNKNOWN", 1)),
            updated_at=updated_at,
            total=total,
        )
        for n in range(start, start + size)
    ]
    with CaptureQueriesContext(connection) as ctx:
        result = orders_import(account=account, orders=dtos)
    assert result.failures == []
    assert result.created + result.updated == size
    return ctx.captured_queries


def _assert_independent_of_size(small: list[dict], large: list[dict], bound: int) -> None:
    assert len(_statements(small)) <= bound
    assert _statements(large) == _statements(small)
    if connection.vendor == "postgresql":
        assert len(large) == len(small)


def _plenty(variants) -> None:
    """Enough stock that every order of the query-count tests reserves (a refused order costs
    one more statement, tested on its own)."""
    StockLevel.objects.filter(variant__in=variants.values()).update(on_hand=100_000)


def test_importing_a_page_costs_a_fixed_number_of_queries(account, variants):
    _plenty(variants)
    small = _import_queries(account, 0, 50)
    large = _import_queries(account, 1000, 200)
    _assert_independent_of_size(small, large, bound=20)


def test_updating_a_page_costs_a_fixed_number_of_queries(account, variants):
    _plenty(variants)
    _import_queries(account, 0, 50)
    _import_queries(account, 1000, 200)
    later = T0 + timedelta(hours=1)
    small = _import_queries(account, 0, 50, updated_at=later, total="1099.00")
    large = _import_queries(account, 1000, 200, updated_at=later, total="1099.00")
    _assert_independent_of_size(small, large, bound=25)


def test_the_same_content_under_a_newer_timestamp_is_skipped(account, variants):
    """A re-uploaded file (or a page read again) carries the same order with a newer stamp:
    nothing changes and it counts as skipped; any difference in a line still updates."""
    first = order_dto("1001", items=(("SKU-1", 2),))
    order_import(account=account, order=first)
    again = order_dto("1001", items=(("SKU-1", 2),), updated_at=T0 + timedelta(hours=1))
    result = order_import(account=account, order=again)
    assert (result.created, result.updated, result.skipped) == (0, 0, 1)
    assert Order.objects.get(external_id="1001").source_updated_at == first.updated_at
    edited = order_dto("1001", items=(("SKU-1", 3),), updated_at=T0 + timedelta(hours=2))
    result = order_import(account=account, order=edited)
    assert (result.created, result.updated, result.skipped) == (0, 1, 0)
    assert level(variants["SKU-1"]) == (10, 3)


def test_order_redact_customer_blanks_pii_and_raw_of_that_customers_orders(account, variants):
    for external_id in ("1", "2", "3"):
        dto = order_dto(external_id, customer_id=f"c-{external_id}")
        address = replace(dto.ship_to, address1="Flat 4", address2="Baner", phone="9876543210")
        order_import(account=account, order=replace(dto, ship_to=address))
    count = order_redact_customer(
        account=account, customer_external_id="c-1", order_external_ids=["3"]
    )
    assert count == 2
    for external_id in ("1", "3"):
        order = Order.objects.get(external_id=external_id)
        assert (order.customer_name, order.customer_email, order.customer_phone) == ("", "", "")
        assert order.ship_name == ""
        assert (order.ship_address1, order.ship_address2, order.ship_phone) == ("", "", "")
        assert order.raw.get("redacted") is True
        assert "asha@example.in" not in str(order.raw)
        assert order.total == order_dto().total  # accounting data stays
        assert order.items.count() == 1
    untouched = Order.objects.get(external_id="2")
    assert untouched.customer_email == "asha@example.in"
    assert (untouched.ship_address1, untouched.ship_phone) == ("Flat 4", "9876543210")
    assert untouched.raw["email"] == "asha@example.in"


def test_order_redact_customer_touches_only_the_given_account(account, merchant, variants):
    other = ChannelAccountFactory(merchant=merchant)
    order_import(account=account, order=order_dto("1", customer_id="c-1"))
    order_import(account=other, order=order_dto("1", customer_id="c-1"))
    assert (
        order_redact_customer(account=account, customer_external_id="c-1", order_external_ids=[])
        == 1
    )
    assert Order.objects.get(account=other).customer_email == "asha@example.in"


def test_order_redact_customer_without_ids_redacts_nothing(account, variants):
    order_import(account=account, order=order_dto("1", customer_id=""))
    assert (
        order_redact_customer(account=account, customer_external_id="", order_external_ids=[]) == 0
    )
    assert Order.objects.get(external_id="1").customer_email == "asha@example.in"


# --- concurrency (PostgreSQL: real row locks and unique-index waits) ------------------------------
def _run_concurrently(*calls):
    """Run each call in its own thread and DB connection, released together by a barrier."""
    import threading

    from django.db import connections

    barrier = threading.Barrier(len(calls))
    errors: list[BaseException] = []
    results: list = [None] * len(calls)

    def worker(index, call):
        try:
            barrier.wait(timeout=10)
            results[index] = call()
        except BaseException as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    return results


postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="needs PostgreSQL row locks (SQLite serializes)"
)


@pytest.mark.postgres
@postgres_only
@pytest.mark.django_db(transaction=True)
def test_the_same_new_order_imported_concurrently_is_stored_and_reserved_once():
    from tests.factories import MembershipFactory

    merchant = MembershipFactory().merchant
    account = ChannelAccountFactory(merchant=merchant)
    variant = VariantFactory(product__merchant=merchant, merchant=merchant, sku="SKU-1")
    StockLevel.objects.create(warehouse=default_warehouse(merchant), variant=variant, on_hand=10)
    dto = order_dto("1001", items=(("SKU-1", 2),))

    results = _run_concurrently(
        *[lambda: orders_import(account=account, orders=[dto]) for _ in range(4)]
    )

    assert sum(r.created for r in results) == 1
    assert sum(r.skipped for r in results) == 3
    assert all(r.failures == [] for r in results)
    assert Order.objects.count() == 1
    assert level(variant) == (10, 2)
    assert StockMovement.objects.filter(kind=MovementKind.RESERVE).count() == 1


@pytest.mark.postgres
@postgres_only
@pytest.mark.django_db(transaction=True)
def test_concurrent_orders_for_one_sku_never_lose_a_reservation():
    from tests.factories import MembershipFactory

    merchant = MembershipFactory().merchant
    account = ChannelAccountFactory(merchant=merchant)
    variant = VariantFactory(product__merchant=merchant, merchant=merchant, sku="SKU-1")
    StockLevel.objects.create(warehouse=default_warehouse(merchant), variant=variant, on_hand=50)
    batches = [[order_dto(f"{t}-{n}", items=(("SKU-1", 1),)) for n in range(5)] for t in range(6)]

    _run_concurrently(*[lambda b=b: orders_import(account=account, orders=b) for b in batches])

    assert Order.objects.count() == 30
    assert level(variant) == (50, 30)
