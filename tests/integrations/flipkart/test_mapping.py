"""Pure Flipkart mapping: order items → OrderDTO (money, payment, status rules), return items →
ReturnDTO, listing update answers → PushResult."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from integrations.connectors.flipkart.connector import FlipkartConnector
from integrations.connectors.flipkart.listings import push_result, whole_rupees
from integrations.connectors.flipkart.mapping import (
    MappingError,
    item_with_shipment,
    order_from_items,
    parse_time,
    return_from_flipkart,
)
from integrations.dto import (
    OrderStatus,
    PushStatus,
    RecordFailure,
    ReturnKind,
    ReturnStatus,
)
from tests.integrations.flipkart.conftest import order_item, return_item, shipment


def items_in(order_id, *specs, updated="2024-06-10T10:00:00.000+05:30"):
    """Items (with shipment context) from ``(item id, status, extra kwargs)`` specs."""
    return [
        item_with_shipment(
            shipment(f"S-{item_id}", [], updated=updated),
            order_item(order_id, item_id, status=status, **extra),
        )
        for item_id, status, extra in specs
    ]


def test_price_components_become_unit_price_discount_shipping_and_totals():
    items = items_in(
        "OD1",
        ("I1", "APPROVED", {"quantity": 2, "selling": 998.0, "shipping": 40.0, "discount": 50.0}),
        ("I2", "APPROVED", {"selling": 349.0}),
    )

    order = order_from_items("OD1", items)

    first, second = order.items
    assert (first.quantity, first.unit_price, first.discount) == (
        2,
        Decimal("499.00"),
        Decimal("50.00"),
    )
    assert (second.unit_price, second.discount) == (Decimal("349.00"), Decimal("0.00"))
    assert order.subtotal == Decimal("1297.00")  # 998 + 349 − 50 (after discounts)
    assert order.discount_total == Decimal("50.00")
    assert order.shipping_total == Decimal("40.00")
    assert order.tax_total == Decimal("0.00")
    assert order.total == Decimal("1337.00")  # Σ customerPrice = what the buyer paid
    assert order.total == order.subtotal + order.shipping_total
    assert order.currency == "INR"
    assert "flipkart_funded_discount" in order.tags
    assert first.variant_external_id == "LSTI1"


def test_unit_price_is_rounded_to_paise_when_the_line_does_not_divide():
    [line] = order_from_items(
        "OD1", items_in("OD1", ("I1", "APPROVED", {"quantity": 3, "selling": 1000.0}))
    ).items
    assert line.unit_price == Decimal("333.33")


@pytest.mark.parametrize(
    ("payments", "expected"),
    [(["PREPAID"], "prepaid"), (["COD"], "cod"), (["PREPAID", "COD"], "cod")],
)
def test_payment_type_maps_to_cod_or_prepaid(payments, expected):
    specs = [(f"I{n}", "APPROVED", {"payment": p}) for n, p in enumerate(payments)]
    order = order_from_items("OD1", items_in("OD1", *specs))
    assert order.payment_method == expected
    assert order.financial_status == expected.upper()


def test_an_unknown_payment_type_is_a_mapping_error():
    with pytest.raises(MappingError, match="paymentType"):
        order_from_items("OD1", items_in("OD1", ("I1", "APPROVED", {"payment": "EMI"})))


@pytest.mark.parametrize(
    ("statuses", "status", "tags"),
    [
        (["APPROVED"], OrderStatus.CONFIRMED, ()),
        (["PACKING_IN_PROGRESS", "READY_TO_DISPATCH"], OrderStatus.CONFIRMED, ()),
        (["FORM_FAILED"], OrderStatus.CONFIRMED, ()),
        (["PICKUP_COMPLETE"], OrderStatus.SHIPPED, ()),
        (["SHIPPED", "DELIVERED"], OrderStatus.SHIPPED, ()),
        (["DELIVERED"], OrderStatus.DELIVERED, ()),
        (["COMPLETED"], OrderStatus.DELIVERED, ()),
        (["PACKED", "SHIPPED"], OrderStatus.PARTIALLY_SHIPPED, ()),
        (["APPROVED", "DELIVERED"], OrderStatus.PARTIALLY_SHIPPED, ()),
        (["CANCELLED"], OrderStatus.CANCELLED, ()),
        (["CANCELLED", "CANCELLED"], OrderStatus.CANCELLED, ()),
        (["CANCELLED", "SHIPPED"], OrderStatus.SHIPPED, ("partially_cancelled",)),
        (["RETURN_REQUESTED"], OrderStatus.DELIVERED, ("return_requested",)),
        (["RETURNED"], OrderStatus.RETURNED, ()),
        (["RETURNED", "DELIVERED"], OrderStatus.DELIVERED, ("partially_returned",)),
        (["RETURNED", "CANCELLED"], OrderStatus.RETURNED, ("partially_cancelled",)),
    ],
)
def test_order_status_follows_its_items(statuses, status, tags):
    specs = [(f"I{n}", s, {}) for n, s in enumerate(statuses)]
    order = order_from_items("OD1", items_in("OD1", *specs))
    assert order.status == status
    assert tuple(t for t in order.tags if t != "flipkart_funded_discount") == tags


def test_a_courier_return_in_progress_is_shipped_with_an_rto_tag():
    item = items_in("OD1", ("I1", "RETURN_REQUESTED", {"courierReturn": True}))
    order = order_from_items("OD1", item)
    assert (order.status, order.tags) == (OrderStatus.SHIPPED, ("rto_requested",))


def test_a_partially_cancelled_order_keeps_the_cancelled_line_at_zero_units():
    items = items_in(
        "OD1",
        ("I1", "SHIPPED", {"selling": 500.0}),
        (
            "I2",
            "CANCELLED",
            {"selling": 300.0, "quantity": 2, "cancellationDate": "2024-06-09T21:00:00+05:30"},
        ),
    )
    order = order_from_items("OD1", items)
    assert [(i.external_id, i.quantity) for i in order.items] == [("I1", 1), ("I2", 0)]
    assert order.total == Decimal("500.00")
    assert order.cancelled_at is None
    assert order.raw["items"][1]["quantity"] == 2


def test_a_wholly_cancelled_order_keeps_its_lines_totals_and_latest_cancellation():
    items = items_in(
        "OD1",
        ("I1", "CANCELLED", {"selling": 500.0, "cancellationDate": "2024-06-09T21:00:00+05:30"}),
        ("I2", "CANCELLED", {"selling": 300.0, "cancellationDate": "2024-06-09T22:30:00+05:30"}),
    )
    order = order_from_items("OD1", items)
    assert [i.quantity for i in order.items] == [1, 1]
    assert order.total == Decimal("800.00")
    assert order.cancelled_at == datetime(2024, 6, 9, 17, 0, tzinfo=UTC)


def test_times_are_utc_placed_at_is_the_order_date_and_updated_at_the_latest_shipment():
    early = items_in("OD1", ("I1", "SHIPPED", {}), updated="2024-06-10T09:00:00.000+05:30")
    late = items_in("OD1", ("I2", "APPROVED", {}), updated="2024-06-10T11:30:00.000+05:30")
    order = order_from_items("OD1", early + late)
    assert order.placed_at == datetime(2024, 6, 9, 14, 45, tzinfo=UTC)
    assert order.updated_at == datetime(2024, 6, 10, 6, 0, tzinfo=UTC)


def test_an_item_read_twice_keeps_the_copy_from_the_latest_shipment_update():
    old = items_in("OD1", ("I1", "PACKED", {}), updated="2024-06-10T09:00:00.000+05:30")
    new = items_in("OD1", ("I1", "SHIPPED", {}), updated="2024-06-10T10:00:00.000+05:30")
    order = order_from_items("OD1", new + old)
    assert len(order.items) == 1
    assert order.status == OrderStatus.SHIPPED


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"quantity": 0}, "quantity"),
        ({"status": None}, "status"),
        ({"orderItemId": ""}, "orderItemId"),
        ({"orderDate": "yesterday"}, "orderDate"),
        ({"priceComponents": {"sellingPrice": "lots"}}, "sellingPrice"),
    ],
)
def test_malformed_items_are_mapping_errors(change, message):
    [item] = items_in("OD1", ("I1", "APPROVED", {}))
    with pytest.raises(MappingError, match=message):
        order_from_items("OD1", [{**item, **change}])


def test_parse_time_reads_offsets_and_takes_naive_times_as_ist():
    assert parse_time("2024-06-10T10:00:00.000+05:30") == datetime(2024, 6, 10, 4, 30, tzinfo=UTC)
    assert parse_time("2024-06-10T04:30:00Z") == datetime(2024, 6, 10, 4, 30, tzinfo=UTC)
    assert parse_time("2024-06-10 10:00:00") == datetime(2024, 6, 10, 4, 30, tzinfo=UTC)
    assert parse_time(None) is None


@pytest.mark.parametrize(
    ("source", "kind"),
    [("customer_return", ReturnKind.CUSTOMER_RETURN), ("courier_return", ReturnKind.RTO)],
)
def test_return_kind_follows_the_source(source, kind):
    ret = return_from_flipkart({**return_item("R1"), "source": source})
    assert ret.kind == kind
    assert (ret.external_id, ret.order_external_id, ret.order_item_external_id) == (
        "R1",
        "OD430000000000000001",
        "2000000000000001",
    )
    assert (ret.reason, ret.sub_reason, ret.tracking_id) == (
        "SIZE_ISSUE",
        "too_small",
        "FMPR1234567890",
    )
    assert ret.created_at == datetime(2024, 6, 1, 4, 0, tzinfo=UTC)
    assert ret.updated_at == datetime(2024, 6, 2, 5, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    ("status", "shipment_status", "expected"),
    [
        ("CREATED", "PICKUP_SCHEDULED", ReturnStatus.REQUESTED),
        ("CREATED", "PICKED_UP", ReturnStatus.IN_TRANSIT),
        ("RETURN_CREATED", "IN_TRANSIT", ReturnStatus.IN_TRANSIT),
        ("APPROVED", "", ReturnStatus.REQUESTED),
        ("return_picked_up", "", ReturnStatus.IN_TRANSIT),
        ("COMPLETED", "DELIVERED", ReturnStatus.RECEIVED),
        ("RETURN_COMPLETED", "", ReturnStatus.RECEIVED),
        ("CANCELLED", "", ReturnStatus.CANCELLED),
        ("REJECTED", "", ReturnStatus.CANCELLED),
    ],
)
def test_return_statuses_are_normalized(status, shipment_status, expected):
    payload = {
        **return_item("R1", status=status, shipmentStatus=shipment_status),
        "source": "customer_return",
    }
    assert return_from_flipkart(payload).status == expected


def test_a_return_without_an_update_time_uses_its_creation_time():
    payload = {**return_item("R1", updatedDate=None), "source": "courier_return"}
    ret = return_from_flipkart(payload)
    assert ret.updated_at == ret.created_at


@pytest.mark.parametrize(
    "change",
    [
        {"status": "LOST_IN_SPACE"},
        {"source": "warehouse_return"},
        {"quantity": 0},
        {"returnId": ""},
    ],
)
def test_bad_returns_are_quarantined_by_parse_record(change):
    payload = {**return_item("R1"), "source": "customer_return", **change}
    result = FlipkartConnector.parse_record("returns", payload)
    assert isinstance(result, RecordFailure)
    assert result.payload == payload


def test_parse_record_rebuilds_orders_and_refuses_unknown_streams():
    items = items_in("OD1", ("I1", "DELIVERED", {}))
    order = FlipkartConnector.parse_record("orders", {"orderId": "OD1", "items": items})
    assert order.external_id == "OD1"
    assert order.status == OrderStatus.DELIVERED
    assert FlipkartConnector.parse_record("orders", order.raw) == order
    with pytest.raises(ValueError, match="unknown stream"):
        FlipkartConnector.parse_record("catalog", {})


def test_listing_answers_become_push_results_with_issues():
    warning = push_result(
        "SKU-1",
        {
            "status": "WARNING",
            "errors": [],
            "attribute_errors": [
                {
                    "severity": "WARNING",
                    "code": 10005,
                    "description": "Location is disabled",
                    "attribute": "locations",
                }
            ],
        },
    )
    assert warning.status == PushStatus.WARNING
    assert warning.ok
    assert warning.issues == ("WARNING 10005: Location is disabled (locations)",)
    failure = push_result(
        "SKU-2",
        {
            "status": "FAILURE",
            "errors": [{"severity": "ERROR", "code": 10001, "description": "No listing"}],
        },
    )
    assert failure.status == PushStatus.FAILURE
    assert not failure.ok
    assert failure.message == "ERROR 10001: No listing"
    assert (
        push_result("SKU-3", {"status": "SUCCESS", "errors": [], "attribute_errors": []}).issues
        == ()
    )
    assert push_result("SKU-4", None).status == PushStatus.FAILURE


def test_prices_must_be_whole_rupees():
    assert whole_rupees(Decimal("499.00"), "price") == 499
    with pytest.raises(MappingError, match="whole rupees"):
        whole_rupees(Decimal("499.50"), "price")
