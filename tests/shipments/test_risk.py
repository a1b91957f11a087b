"""RTO risk of COD orders: the merchant's own history drives it (another merchant's never),
a pincode with one shipment cannot dominate (beta smoothing toward the merchant's rate), a
customer with earlier RTOs is found by phone in any spelling, the explanation lists each
factor's counts and rates; new COD orders are scored on import (not prepaid ones); the
recompute command rescores open COD orders."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.management import call_command

from integrations.dto import PaymentMethod, ShipmentStatus
from orders.models import Order
from orders.services import order_import
from shipments.models import OrderRtoRisk
from shipments.services.risk import phone_key, rto_risk_compute, rto_risk_scores, value_band
from tests.factories import ChannelAccountFactory, order_dto
from tests.shipments.conftest import make_shipment, shippable_order

pytestmark = pytest.mark.django_db
S = ShipmentStatus


def history(courier, n: int, rto: int, **order_fields):
    """``n`` finished COD shipments of ``courier``'s merchant, ``rto`` of them returned."""
    fields = {"payment_method": PaymentMethod.COD, **order_fields}
    for i in range(n):
        make_shipment(
            courier, status=S.RTO_DELIVERED if i < rto else S.DELIVERED, order_fields=fields
        )


def score(order) -> int:
    return rto_risk_scores(orders=[order])[order.pk].score


def test_a_pincode_with_one_rto_does_not_dominate_but_a_bad_record_does(shop, courier):
    history(courier, 40, 4, ship_pincode="411001")
    history(courier, 1, 1, ship_pincode="411099")
    history(courier, 20, 15, ship_pincode="411077")
    one_rto = shippable_order(shop, ship_pincode="411099")
    bad_pin = shippable_order(shop, ship_pincode="411077")
    unseen = shippable_order(shop, ship_pincode="411055")

    assert score(one_rto) - score(unseen) < 8
    assert score(bad_pin) - score(unseen) > 15


def test_the_explanation_lists_each_factor_with_counts_and_rates(shop, courier):
    history(courier, 8, 2, ship_pincode="560034", ship_state="Karnataka")
    order = shippable_order(shop, ship_pincode="560034", ship_state="Karnataka")

    risk = rto_risk_scores(orders=[order])[order.pk]

    factors = {f.factor: f for f in risk.factors}
    assert set(factors) == {"pincode", "state", "payment", "customer", "value"}
    pin = factors["pincode"]
    assert (pin.value, pin.shipments, pin.rto, pin.rate) == ("560034", 8, 2, Decimal("25.0"))
    # The merchant's rate (2 + 0.15 × 20) / (8 + 20) pulls the pincode's 25% toward 17.9%.
    assert risk.baseline == Decimal("17.9")
    assert Decimal("17.9") < pin.smoothed < Decimal("25.0")
    assert "Pincode 560034: 2 of 8 RTO (25.0%)" in risk.summary
    assert factors["value"].label == "Order value ₹500–1000"  # the order's ₹999


def test_a_customer_with_earlier_rtos_is_found_by_phone_in_any_spelling(shop, courier):
    history(courier, 30, 3)
    for _ in range(3):
        make_shipment(
            courier,
            status=S.RTO_DELIVERED,
            order_fields={"customer_phone": "+91 98765-43210", "payment_method": "cod"},
        )
    repeat = shippable_order(shop, customer_phone="09876543210", ship_phone="")
    stranger = shippable_order(shop, customer_phone="9123456789", ship_phone="9123456789")

    factors = {f.factor: f for f in rto_risk_scores(orders=[repeat])[repeat.pk].factors}

    assert (factors["customer"].shipments, factors["customer"].rto) == (3, 3)
    assert factors["customer"].value == "phone"
    assert factors["customer"].label == "This customer (by phone)"
    assert score(repeat) > score(stranger) + 10
    assert phone_key("+91 98765-43210") == "9876543210"


def test_only_the_merchants_own_history_counts(shop, courier, foreign_courier):
    history(foreign_courier, 30, 30, ship_pincode="411005")
    order = shippable_order(shop, ship_pincode="411005")

    risk = rto_risk_scores(orders=[order])[order.pk]

    assert risk.score == 15  # no history of its own: the prior
    assert all(f.shipments == 0 for f in risk.factors)


@pytest.mark.parametrize(
    ("total", "band"),
    [
        ("0", "<500"),
        ("499.99", "<500"),
        ("500", "500-1000"),
        ("4999", "2000-5000"),
        ("5000", "5000+"),
    ],
)
def test_value_bands(total, band):
    assert value_band(Decimal(total)) == band


def test_new_cod_orders_are_scored_on_import_and_prepaid_ones_are_not(merchant):
    shop = ChannelAccountFactory(merchant=merchant)
    order_import(account=shop, order=order_dto("R1", payment_method=PaymentMethod.COD))
    order_import(account=shop, order=order_dto("R2", payment_method=PaymentMethod.PREPAID))

    cod = Order.objects.get(external_id="R1")
    assert OrderRtoRisk.objects.get(order=cod).score == 15
    assert not OrderRtoRisk.objects.filter(order__external_id="R2").exists()


def test_recomputing_rescores_open_cod_orders_and_keeps_the_confirmation(shop, courier):
    order = shippable_order(shop, ship_pincode="411005")
    stored = rto_risk_compute(orders=[order])[order.pk]
    OrderRtoRisk.objects.filter(order=order).update(confirmed_at="2026-11-02T10:00:00Z")
    assert stored.score == 15
    history(courier, 20, 18, ship_pincode="411005")

    call_command("rto_risk_recompute")

    risk = OrderRtoRisk.objects.get(order=order)
    assert risk.score > 40
    assert risk.confirmed_at is not None


def test_scores_of_many_orders_cost_a_fixed_number_of_queries(
    shop, courier, django_assert_max_num_queries
):
    history(courier, 5, 2)
    orders = [
        shippable_order(shop, ship_pincode=f"4110{i:02d}", ship_phone=f"98765000{i:02d}")
        for i in range(30)
    ]

    with django_assert_max_num_queries(8):
        rto_risk_scores(orders=orders)


def test_a_customer_is_also_known_by_email_or_the_channels_customer_id(shop, courier):
    history(courier, 20, 2)
    by_email = {"customer_email": "Asha@Example.com", "payment_method": "cod"}
    by_id = {"customer_external_id": "cust-7", "payment_method": "cod"}
    for fields in (by_email, by_id):
        order = shippable_order(shop, **fields)
        make_shipment(courier, order, status=S.RTO_DELIVERED)
    email_order = shippable_order(shop, customer_email="asha@example.com", ship_phone="")
    id_order = shippable_order(shop, customer_external_id="cust-7", ship_phone="")

    scores = rto_risk_scores(orders=[email_order, id_order])

    for order, way in ((email_order, "e-mail"), (id_order, "customer id")):
        customer = next(f for f in scores[order.pk].factors if f.factor == "customer")
        assert (customer.shipments, customer.rto) == (1, 1)
        assert way in customer.label
