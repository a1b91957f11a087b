"""Shipment reads: the list's filters (IST days of booking), merchant scoping, the NDR queue's
order, and RTO rates per state, pincode and payment method with exact Decimal percents."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from integrations.dto import PaymentMethod, ShipmentStatus
from shipments.models import Shipment
from shipments.selectors import (
    courier_accounts,
    ndr_queue,
    rto_percent,
    rto_rates,
    shipment_detail,
    shipment_list,
)
from tests.shipments.conftest import T0, make_courier, make_shipment

pytestmark = pytest.mark.django_db
S = ShipmentStatus


def awbs(qs) -> list[str]:
    return [s.awb for s in qs]


def test_the_list_filters_by_status_courier_ndr_and_search(owner, courier, foreign_courier):
    second = make_courier(owner.merchant, "SECOND")
    moving = make_shipment(courier, awb="AWB-MOVING", order_fields={"order_number": "#5001"})
    failed = make_shipment(courier, status=S.NDR, awb="AWB-NDR")
    other_courier = make_shipment(second, status=S.DELIVERED, awb="AWB-SECOND")
    make_shipment(foreign_courier, status=S.NDR, awb="AWB-FOREIGN")
    m = owner.merchant

    assert set(awbs(shipment_list(merchant=m))) == {"AWB-MOVING", "AWB-NDR", "AWB-SECOND"}
    assert awbs(shipment_list(merchant=m, filters={"status": S.DELIVERED})) == ["AWB-SECOND"]
    assert awbs(shipment_list(merchant=m, filters={"account": second.pk})) == ["AWB-SECOND"]
    assert awbs(shipment_list(merchant=m, filters={"ndr": True})) == [failed.awb]
    assert set(awbs(shipment_list(merchant=m, filters={"ndr": False}))) == {
        moving.awb,
        other_courier.awb,
    }
    assert awbs(shipment_list(merchant=m, filters={"q": "moving"})) == ["AWB-MOVING"]
    assert awbs(shipment_list(merchant=m, filters={"q": "5001"})) == ["AWB-MOVING"]
    assert awbs(shipment_list(merchant=m, filters={"account": foreign_courier.pk})) == []


def test_the_date_filters_are_ist_days_of_booking(courier, owner):
    late = make_shipment(courier, awb="AWB-LATE")  # 3 Nov 00:30 IST
    early = make_shipment(courier, awb="AWB-EARLY")  # 2 Nov 23:30 IST
    Shipment.objects.filter(pk=late.pk).update(created_at=datetime(2026, 11, 2, 19, 0, tzinfo=UTC))
    Shipment.objects.filter(pk=early.pk).update(created_at=datetime(2026, 11, 2, 18, 0, tzinfo=UTC))
    m = owner.merchant
    nov2, nov3 = datetime(2026, 11, 2).date(), datetime(2026, 11, 3).date()  # noqa: DTZ001

    assert awbs(shipment_list(merchant=m, filters={"date_from": nov3})) == ["AWB-LATE"]
    assert awbs(shipment_list(merchant=m, filters={"date_to": nov2})) == ["AWB-EARLY"]
    assert awbs(shipment_list(merchant=m, filters={"date_from": nov2, "date_to": nov2})) == [
        "AWB-EARLY"
    ]


def test_the_detail_has_events_oldest_first_and_never_another_merchants(
    courier, foreign_courier, owner
):
    shipment = make_shipment(courier)
    for hours, status in ((30, S.OUT_FOR_DELIVERY), (0, S.MANIFESTED), (10, S.IN_TRANSIT)):
        shipment.events.create(at=T0 + timedelta(hours=hours), status=status, raw_status=status)
    theirs = make_shipment(foreign_courier)

    detail = shipment_detail(merchant=owner.merchant, shipment_id=shipment.pk)

    assert [e.status for e in detail.events.all()] == [
        S.MANIFESTED,
        S.IN_TRANSIT,
        S.OUT_FOR_DELIVERY,
    ]
    with pytest.raises(Shipment.DoesNotExist):
        shipment_detail(merchant=owner.merchant, shipment_id=theirs.pk)


def test_the_ndr_queue_holds_only_ndr_shipments_the_longest_waiting_first(
    courier, foreign_courier, owner
):
    newer = make_shipment(courier, status=S.NDR, status_at=T0 + timedelta(hours=5))
    older = make_shipment(courier, status=S.NDR, status_at=T0)
    make_shipment(courier, status=S.OUT_FOR_DELIVERY)
    make_shipment(foreign_courier, status=S.NDR, status_at=T0 - timedelta(days=1))

    assert list(ndr_queue(merchant=owner.merchant)) == [older, newer]


def test_courier_accounts_are_the_logistics_accounts_of_the_merchant(
    owner, shop, courier, foreign_courier
):
    assert list(courier_accounts(merchant=owner.merchant)) == [courier]


# (state, pincode, payment method, status)
OUTCOMES = [
    ("Maharashtra", "411001", PaymentMethod.COD, S.DELIVERED),
    ("Maharashtra", "411001", PaymentMethod.COD, S.RTO_DELIVERED),
    ("Maharashtra", "411002", PaymentMethod.PREPAID, S.DELIVERED),
    ("Maharashtra", "411002", PaymentMethod.PREPAID, S.LOST),
    ("Maharashtra", "411001", PaymentMethod.COD, S.CANCELLED),  # never shipped: left out
    ("Karnataka", "560001", PaymentMethod.COD, S.RTO_DELIVERED),
    ("Karnataka", "560001", PaymentMethod.COD, S.RTO_DELIVERED),
    ("Karnataka", "560001", PaymentMethod.PREPAID, S.DELIVERED),
    ("Karnataka", "560002", PaymentMethod.COD, S.RTO_IN_TRANSIT),  # no outcome yet
]


@pytest.fixture
def outcomes(courier, foreign_courier):
    for state, pincode, method, status in OUTCOMES:
        make_shipment(
            courier,
            status=status,
            # the order's payment method decides, not the shipment's copy of it
            payment_method=PaymentMethod.PREPAID,
            order_fields={"ship_state": state, "ship_pincode": pincode, "payment_method": method},
        )
    make_shipment(
        foreign_courier,
        status=S.RTO_DELIVERED,
        order_fields={"ship_state": "Maharashtra", "ship_pincode": "411001"},
    )


def table(rates) -> list[tuple]:
    return [(r.group, r.shipments, r.delivered, r.rto_delivered, r.rto_rate) for r in rates]


@pytest.mark.usefixtures("outcomes")
@pytest.mark.parametrize(
    ("group_by", "expected"),
    [
        (
            "state",
            [("Karnataka", 3, 1, 2, Decimal("66.7")), ("Maharashtra", 4, 2, 1, Decimal("25.0"))],
        ),
        (
            "pincode",
            [
                ("560001", 3, 1, 2, Decimal("66.7")),
                ("411001", 2, 1, 1, Decimal("50.0")),
                ("411002", 2, 1, 0, Decimal("0.0")),
            ],
        ),
        (
            "payment_method",
            [("cod", 4, 1, 3, Decimal("75.0")), ("prepaid", 3, 2, 0, Decimal("0.0"))],
        ),
    ],
)
def test_rto_rates_per_group_count_outcomes_of_the_merchant_only(owner, group_by, expected):
    rates = rto_rates(merchant=owner.merchant, group_by=group_by)

    assert table(rates) == expected
    assert all(str(r.rto_rate) == str(e[4]) for r, e in zip(rates, expected, strict=True))


def test_rto_rates_refuse_another_grouping(owner):
    with pytest.raises(ValueError, match="group_by"):
        rto_rates(merchant=owner.merchant, group_by="city")


@pytest.mark.parametrize(
    ("rto", "total", "percent"),
    [
        (1, 3, "33.3"),
        (2, 3, "66.7"),
        (1, 16, "6.3"),
        (1, 8, "12.5"),
        (0, 0, "0.0"),
        (5, 5, "100.0"),
    ],
)
def test_the_rto_percent_has_one_place_rounded_half_up(rto, total, percent):
    assert str(rto_percent(rto, total)) == percent


def test_marketplace_rtos_the_channel_reported_count_in_the_same_rates(owner, courier):
    from integrations.dto import OrderStatus, ReturnKind, ReturnStatus
    from tests.dashboard.builders import make_order
    from tests.dashboard.test_returns_pages import make_return
    from tests.factories import ChannelAccountFactory

    flipkart = ChannelAccountFactory(merchant=owner.merchant, provider="flipkart")
    meesho = ChannelAccountFactory(merchant=owner.merchant, provider="meesho")
    make_shipment(courier, status=S.DELIVERED, order_fields={"ship_state": "Goa"})
    make_order(flipkart, status=OrderStatus.DELIVERED, ship_state="Goa")
    make_order(flipkart, status=OrderStatus.SHIPPED, ship_state="Goa")  # no outcome yet
    rto = make_return(meesho, kind=ReturnKind.RTO, status=ReturnStatus.RECEIVED)
    rto.order.ship_state = "Goa"
    rto.order.save()
    make_return(flipkart, kind=ReturnKind.CUSTOMER_RETURN)  # a customer return is no RTO

    (goa,) = [r for r in rto_rates(merchant=owner.merchant, group_by="state") if r.group == "Goa"]

    assert (goa.shipments, goa.delivered, goa.rto_delivered, goa.from_channels) == (3, 2, 1, 2)
    assert goa.rto_rate == Decimal("33.3")
