"""Dashboard pieces of issue 20 §2–3: the orders list shows each COD order's RTO risk and,
for owners and managers, checkboxes and "Ship selected" (viewers see neither); the order page
explains its score; the Confirm COD page lists the merchant's open, unconfirmed, unshipped COD
orders at or above the threshold (riskiest first, paginated) and "Mark confirmed" takes one
off; "Ship selected" makes a batch of the merchant's ids only, whose page polls its status
JSON; another merchant's batch is a 404."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.urls import reverse

from integrations.dto import OrderStatus, ShipmentStatus
from shipments.models import OrderRtoRisk, ShipmentBatch
from tests.factories import ChannelAccountFactory
from tests.shipments.conftest import make_shipment, shippable_order

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 11, 2, 5, 0, tzinfo=UTC)


def scored(order, score: int, **fields) -> OrderRtoRisk:
    return OrderRtoRisk.objects.create(
        merchant=order.merchant,
        order=order,
        score=score,
        baseline=15,
        computed_at=NOW,
        summary=f"Pincode {order.ship_pincode}: 3 of 4 RTO (75.0%)",
        factors=[
            {
                "factor": "pincode",
                "label": f"Pincode {order.ship_pincode}",
                "value": "x",
                "shipments": 4,
                "rto": 3,
                "rate": "75.0",
                "smoothed": "31.4",
            },
        ],  # fmt: skip
        **fields,
    )


def test_the_orders_list_shows_risk_and_ship_selected_to_managers_only(
    owner_client, viewer_client, shop, courier
):
    risky = shippable_order(shop, order_number="#R-1")
    scored(risky, 62)

    body = owner_client.get(reverse("dashboard:orders")).content.decode()
    seen = viewer_client.get(reverse("dashboard:orders")).content.decode()

    assert "RTO risk 62" in body
    assert "risk--high" in body
    assert f'name="order_ids" value="{risky.pk}" form="ship-form"' in body
    assert f'action="{reverse("dashboard:shipment_batches")}"' in body
    assert courier.display_name in body
    assert "RTO risk 62" in seen
    assert 'name="order_ids"' not in seen


def test_the_order_page_explains_its_score(owner_client, shop):
    order = shippable_order(shop, ship_pincode="411077")
    scored(order, 48)

    body = owner_client.get(reverse("dashboard:order_detail", args=[order.pk])).content.decode()

    assert "RTO risk 48" in body
    assert "48%</strong> chance" in body
    assert "Pincode 411077" in body
    assert "75.0%" in body
    assert "31.4%" in body


def test_the_confirm_cod_page_lists_risky_open_unshipped_orders_of_the_merchant(
    owner_client, shop, courier, outsider, settings
):
    settings.RTO_CONFIRM_THRESHOLD = 35
    top = scored(shippable_order(shop, order_number="#TOP"), 80)
    scored(shippable_order(shop, order_number="#MID"), 40)
    scored(shippable_order(shop, order_number="#LOW"), 20)
    scored(shippable_order(shop, order_number="#DONE"), 90, confirmed_at=NOW)
    shipped = shippable_order(shop, order_number="#SHIPPED")
    scored(shipped, 90)
    make_shipment(courier, shipped, status=ShipmentStatus.IN_TRANSIT)
    scored(shippable_order(shop, order_number="#GONE", status=OrderStatus.CANCELLED), 90)
    scored(
        shippable_order(ChannelAccountFactory(merchant=outsider.merchant), order_number="#THEIRS"),
        99,
    )

    body = owner_client.get(reverse("dashboard:cod_confirm")).content.decode()
    lower = owner_client.get(reverse("dashboard:cod_confirm"), {"min": 10}).content.decode()

    assert body.index("#TOP") < body.index("#MID")
    for absent in ("#LOW", "#DONE", "#SHIPPED", "#GONE", "#THEIRS"):
        assert absent not in body
    assert "#LOW" in lower
    assert "3 of 4 RTO" in body
    assert top.order.order_number in body


def test_the_confirm_cod_page_is_paginated(owner_client, shop):
    for i in range(51):
        scored(shippable_order(shop, order_number=f"#P{i:02d}"), 50)

    first = owner_client.get(reverse("dashboard:cod_confirm"))
    second = owner_client.get(reverse("dashboard:cod_confirm"), {"page": 2})

    assert first.context["page"].paginator.count == 51
    assert len(first.context["page"].object_list) == 50
    assert len(second.context["page"].object_list) == 1


def test_mark_confirmed_takes_the_order_off_and_is_for_managers_of_the_merchant(
    owner_client, viewer_client, shop, outsider
):
    risk = scored(shippable_order(shop), 70)
    theirs = scored(shippable_order(ChannelAccountFactory(merchant=outsider.merchant)), 70)
    url = reverse("dashboard:cod_confirm_order", args=[risk.order_id])

    assert viewer_client.post(url).status_code == 403
    foreign = owner_client.post(reverse("dashboard:cod_confirm_order", args=[theirs.order_id]))
    done = owner_client.post(url, {"next": "https://evil.example/"})

    assert foreign.status_code == 404
    assert done.status_code == 302
    assert done["Location"] == reverse("dashboard:cod_confirm")
    risk.refresh_from_db()
    assert risk.confirmed_at is not None


def test_ship_selected_makes_a_batch_of_the_merchants_orders_only(
    owner_client, viewer_client, shop, courier, outsider, monkeypatch
):
    queued = []
    monkeypatch.setattr(
        "integrations.tasks.enqueue", lambda task, *args, **kw: queued.append((task.name, args))
    )
    mine = shippable_order(shop)
    theirs = shippable_order(ChannelAccountFactory(merchant=outsider.merchant))
    url = reverse("dashboard:shipment_batches")

    refused = viewer_client.post(url, {"order_ids": [mine.pk]})
    with_account = owner_client.post(
        url, {"order_ids": [mine.pk, theirs.pk], "account": courier.pk}
    )
    empty = owner_client.post(url, {"order_ids": []})

    assert refused.status_code == 403
    batch = ShipmentBatch.objects.get()
    assert with_account["Location"] == reverse("dashboard:shipment_batch", args=[batch.pk])
    assert (batch.order_ids, batch.account, batch.total) == ([mine.pk], courier, 1)
    assert empty.status_code == 302
    assert ShipmentBatch.objects.count() == 1


def test_the_batch_page_polls_its_status_json_and_another_merchants_is_404(
    owner_client, shop, outsider
):
    order = shippable_order(shop, order_number="#B-1")
    batch = ShipmentBatch.objects.create(
        merchant=shop.merchant,
        order_ids=[order.pk, 999],
        total=2,
        failed=1,
        errors={str(order.pk): "The order is cancelled, not ready to ship."},
        status="running",
    )
    theirs = ShipmentBatch.objects.create(merchant=outsider.merchant, total=1)
    status_url = reverse("dashboard:shipment_batch_status", args=[batch.pk])

    page = owner_client.get(reverse("dashboard:shipment_batch", args=[batch.pk]))
    data = owner_client.get(status_url).json()

    assert f'data-batch-status-url="{status_url}"' in page.content.decode()
    assert "#B-1" in page.content.decode()
    assert data == {
        "id": batch.pk,
        "status": "running",
        "total": 2,
        "done": 0,
        "failed": 1,
        "percent": 50,
        "errors": [
            {
                "order_id": order.pk,
                "order_number": "#B-1",
                "reason": "The order is cancelled, not ready to ship.",
            }
        ],
        "label_url": None,
        "error": "",
    }
    assert (
        owner_client.get(reverse("dashboard:shipment_batch", args=[theirs.pk])).status_code == 404
    )
    status = owner_client.get(reverse("dashboard:shipment_batch_status", args=[theirs.pk]))
    assert status.status_code == 404
