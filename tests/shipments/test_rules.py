"""Courier rules: tried by priority, the first match wins, inactive rules and other merchants'
accounts are skipped, the merchant's only courier is the default, and each condition
(payment, pincodes and prefixes, states, weight from the variants, order value, RTO risk)
matches and refuses as documented; the admin form refuses a foreign account and bad ranges."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.utils import timezone

from integrations.dto import PaymentMethod
from shipments.admin import CourierRuleForm
from shipments.models import CourierRule, OrderRtoRisk
from shipments.services.rules import courier_for_order, courier_routes
from tests.factories import VariantFactory
from tests.shipments.conftest import make_courier, shippable_order

pytestmark = pytest.mark.django_db


def rule(account, priority=100, **conditions) -> CourierRule:
    return CourierRule.objects.create(
        merchant=account.merchant,
        account=account,
        name=conditions.pop("name", f"rule {priority}"),
        priority=priority,
        **conditions,
    )


@pytest.fixture
def couriers(owner):
    return make_courier(owner.merchant, "CHEAP"), make_courier(owner.merchant, "NATIONAL")


def test_the_first_matching_rule_by_priority_wins(shop, couriers):
    cheap, national = couriers
    rule(national, 20, name="COD anywhere", payment_method=PaymentMethod.COD)
    first = rule(cheap, 10, name="Pune", pincodes="411")
    rule(national, 5, name="inactive", active=False)
    order = shippable_order(shop, ship_pincode="411005")

    account, chosen, explanation = courier_for_order(order)

    assert (account, chosen) == (cheap, first)
    assert "Pune" in explanation
    assert [r.account for r in courier_routes(order)] == [cheap, national]


def test_ties_on_priority_go_to_the_older_rule(shop, couriers):
    cheap, national = couriers
    older = rule(national, 10)
    rule(cheap, 10)

    assert courier_for_order(shippable_order(shop))[1] == older


def test_a_rule_without_conditions_is_the_default(shop, couriers):
    cheap, national = couriers
    rule(cheap, 10, pincodes="110")
    default = rule(national, 999, name="Everything else")

    account, chosen, _ = courier_for_order(shippable_order(shop, ship_pincode="560034"))

    assert (account, chosen) == (national, default)


def test_the_only_courier_account_is_the_default_when_no_rule_matches(owner, shop):
    only = make_courier(owner.merchant, "ONLY")
    rule(only, 10, pincodes="110")

    account, chosen, explanation = courier_for_order(shippable_order(shop, ship_pincode="411005"))

    assert (account, chosen) == (only, None)
    assert "only courier account" in explanation


def test_several_couriers_and_no_match_is_no_courier_with_the_reason(shop, couriers):
    rule(couriers[0], 10, pincodes="110")

    account, chosen, explanation = courier_for_order(shippable_order(shop, ship_pincode="411005"))

    assert (account, chosen) == (None, None)
    assert "2 courier accounts" in explanation


def test_a_rule_on_another_merchants_account_is_never_used(shop, couriers, foreign_courier):
    CourierRule.objects.create(
        merchant=shop.merchant, account=foreign_courier, name="foreign", priority=1
    )
    mine = rule(couriers[1], 50)

    assert courier_for_order(shippable_order(shop))[1] == mine


@pytest.mark.parametrize(
    ("conditions", "order_fields", "matches"),
    [
        ({"payment_method": "cod"}, {"payment_method": "cod"}, True),
        ({"payment_method": "cod"}, {"payment_method": "prepaid"}, False),
        ({"pincodes": "110, 4110"}, {"ship_pincode": "411005"}, True),
        ({"pincodes": "400001\n560034"}, {"ship_pincode": "560034"}, True),
        ({"pincodes": "400001 560034"}, {"ship_pincode": "560035"}, False),
        ({"states": "Karnataka,\nmaharashtra"}, {"ship_state": "Maharashtra"}, True),
        ({"states": "Karnataka"}, {"ship_state": "Maharashtra"}, False),
        ({"min_order_value": Decimal("500")}, {"total": Decimal("499.99")}, False),
        ({"min_order_value": Decimal("500")}, {"total": Decimal("500.00")}, True),
        ({"max_order_value": Decimal("2000")}, {"total": Decimal("2000.00")}, True),
        ({"max_order_value": Decimal("2000")}, {"total": Decimal("2000.01")}, False),
    ],
)
def test_each_order_condition(shop, couriers, conditions, order_fields, matches):
    cheap, national = couriers
    rule(cheap, 10, **conditions)
    rule(national, 99)

    account, _, _ = courier_for_order(shippable_order(shop, **order_fields))

    assert (account == cheap) is matches


@pytest.mark.parametrize(
    ("grams", "matches"), [(499, False), (500, True), (2000, True), (2001, False)]
)
def test_the_weight_range_reads_the_variants_weight(shop, couriers, grams, matches):
    cheap, national = couriers
    rule(cheap, 10, min_weight_grams=500, max_weight_grams=2000)
    rule(national, 99)
    order = shippable_order(shop)
    variant = VariantFactory(merchant=shop.merchant, weight_grams=grams)
    order.items.update(variant=variant, quantity=1, current_quantity=1)

    assert (courier_for_order(order)[0] == cheap) is matches


def test_the_weight_falls_back_to_the_default_unit_weight(shop, couriers, settings):
    cheap, national = couriers
    settings.SHIPMENT_DEFAULT_UNIT_GRAMS = 700
    rule(cheap, 10, min_weight_grams=1400)
    rule(national, 99)
    order = shippable_order(shop, items=(("SKU-X", 2),))  # no variant: 2 × 700 g

    assert courier_for_order(order)[0] == cheap


@pytest.mark.parametrize(("score", "matches"), [(30, True), (31, False)])
def test_the_risk_condition_reads_the_stored_score(shop, couriers, score, matches):
    cheap, national = couriers
    rule(cheap, 10, max_risk_score=30)
    rule(national, 99)
    order = shippable_order(shop, payment_method=PaymentMethod.COD)
    OrderRtoRisk.objects.create(
        merchant=shop.merchant, order=order, score=score, baseline=15, computed_at=timezone.now()
    )

    assert (courier_for_order(order)[0] == cheap) is matches


def test_a_prepaid_order_has_no_rto_risk_and_an_unscored_cod_order_is_scored(shop, couriers):
    cheap, national = couriers
    rule(cheap, 10, max_risk_score=0)
    rule(national, 99)
    prepaid = shippable_order(shop, payment_method=PaymentMethod.PREPAID)
    cod = shippable_order(shop, payment_method=PaymentMethod.COD)

    assert courier_for_order(prepaid)[0] == cheap
    assert courier_for_order(cod)[0] == national  # no history: the 15% prior, score 15
    assert OrderRtoRisk.objects.get(order=cod).score == 15


def test_the_admin_form_refuses_a_foreign_account_and_inverted_ranges(
    owner, couriers, foreign_courier
):
    base = {"merchant": owner.merchant.pk, "name": "r", "priority": 1, "active": True}
    foreign = CourierRuleForm(data={**base, "account": foreign_courier.pk})
    inverted = CourierRuleForm(
        data={**base, "account": couriers[0].pk, "min_weight_grams": 900, "max_weight_grams": 100}
    )
    bad_pin = CourierRuleForm(data={**base, "account": couriers[0].pk, "pincodes": "11A0"})
    good = CourierRuleForm(data={**base, "account": couriers[0].pk, "pincodes": "110, 400001"})

    assert "account" in foreign.errors
    assert "max_weight_grams" in inverted.errors
    assert "pincodes" in bad_pin.errors
    assert good.is_valid(), good.errors
