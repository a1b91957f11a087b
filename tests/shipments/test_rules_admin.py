"""Staff tools of the courier rules: the rule list in the order rules are tried with priority
editable in place, the add form's validation shown on the field, the RTO risk list's
"Recompute" action and the read-only batch list."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.urls import reverse

from shipments.models import CourierRule, OrderRtoRisk, ShipmentBatch
from tests.shipments.conftest import make_courier, shippable_order

pytestmark = pytest.mark.django_db


def test_the_rule_list_is_in_priority_order_and_priority_is_editable(admin_client, owner):
    courier = make_courier(owner.merchant, "ADM")
    for name, priority in (("Late", 50), ("First", 5)):
        CourierRule.objects.create(
            merchant=owner.merchant, account=courier, name=name, priority=priority
        )

    body = admin_client.get(reverse("admin:shipments_courierrule_changelist")).content.decode()

    assert body.index("First") < body.index("Late")
    assert 'name="form-0-priority"' in body


def test_the_add_form_shows_why_a_rule_is_refused(admin_client, owner, foreign_courier):
    response = admin_client.post(
        reverse("admin:shipments_courierrule_add"),
        {
            "merchant": owner.merchant.pk,
            "name": "Wrong account",
            "priority": 1,
            "active": "on",
            "account": foreign_courier.pk,
            "pincodes": "4110x",
        },
    )

    assert response.status_code == 200
    body = response.content.decode()
    assert "Choose one of this merchant&#x27;s courier accounts." in body
    assert "Not a pincode or prefix: 4110x." in body
    assert not CourierRule.objects.exists()


def test_recompute_rescores_the_selected_orders(admin_client, shop):
    order = shippable_order(shop)
    OrderRtoRisk.objects.create(
        merchant=shop.merchant,
        order=order,
        score=99,
        baseline=15,
        computed_at=datetime(2026, 11, 1, tzinfo=UTC),
    )

    response = admin_client.post(
        reverse("admin:shipments_orderrtorisk_changelist"),
        {"action": "recompute", "_selected_action": [OrderRtoRisk.objects.get().pk]},
        follow=True,
    )

    assert "1 score(s) recomputed." in response.content.decode()
    assert OrderRtoRisk.objects.get().score == 15


def test_the_batch_list_is_read_only(admin_client, owner):
    ShipmentBatch.objects.create(merchant=owner.merchant, total=3, done=2, failed=1)

    assert admin_client.get(reverse("admin:shipments_shipmentbatch_changelist")).status_code == 200
    assert admin_client.get(reverse("admin:shipments_shipmentbatch_add")).status_code == 403
