"""Returns page: the merchant's returns and RTOs with items and filters, and the receive form
(QC passed → restock, QC failed → write off) through the stock ledger."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.urls import reverse

from integrations.dto import ReturnKind, ReturnStatus
from inventory.models import StockLevel, StockMovement
from orders.models import Return, ReturnItem
from tests.dashboard.builders import make_order, make_stock
from tests.factories import ChannelAccountFactory

pytestmark = pytest.mark.django_db

RETURNS = reverse("dashboard:returns")


def receive_url(ret: Return) -> str:
    return reverse("dashboard:return_receive", args=[ret.pk])


def make_return(account, *, items=(("KURTA-M", 2),), with_order=True, **values) -> Return:
    order = make_order(account, items=items) if with_order else None
    n = Return.objects.count() + 1
    defaults = {
        "merchant": account.merchant,
        "account": account,
        "order": order,
        "channel": account.provider,
        "external_id": f"RET-{n:04d}",
        "order_external_id": order.external_id if order else f"OD-{n}",
        "kind": ReturnKind.CUSTOMER_RETURN,
        "status": ReturnStatus.IN_TRANSIT,
        "reason": "Size did not fit",
        "requested_at": datetime(2026, 11, 3, 5, 0, tzinfo=UTC) + timedelta(hours=n),
        "source_updated_at": datetime(2026, 11, 3, 5, 0, tzinfo=UTC),
    }
    defaults.update(values)
    ret = Return.objects.create(**defaults)
    for i, (sku, quantity) in enumerate(items):
        ReturnItem.objects.create(
            return_request=ret,
            order_item_external_id=f"{order.items.all()[i].external_id}" if order else f"L{i}",
            sku=sku,
            quantity=quantity,
        )
    return ret


@pytest.fixture
def flipkart(owner):
    return ChannelAccountFactory(
        merchant=owner.merchant, provider="flipkart", external_id="FK-ALPHA", display_name="FK"
    )


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


def test_returns_list_shows_channel_order_kind_status_reason_and_items(
    owner_client, owner, flipkart
):
    ret = make_return(flipkart, items=(("KURTA-M", 2), ("DUPATTA-1", 1)))
    rto = make_return(flipkart, kind=ReturnKind.RTO, with_order=False, reason="")

    response = owner_client.get(RETURNS)

    body = response.content.decode()
    assert response.status_code == 200
    assert [r.pk for r in response.context["page"].object_list] == [rto.pk, ret.pk]
    assert "RET-0001" in body
    assert "Flipkart" in body
    assert f'href="{reverse("dashboard:order_detail", args=[ret.order_id])}"' in body
    assert ret.order.order_number in body
    assert "Customer return" in body
    assert ">RTO<" in body
    assert "(not imported yet)" in body
    assert "In transit" in body
    assert "Size did not fit" in body
    assert "DUPATTA-1" in body
    assert f'name="restocked_{ret.items.first().pk}"' in body


def test_returns_are_filtered_by_status_channel_and_type(owner_client, owner, flipkart, account):
    requested = make_return(flipkart, status=ReturnStatus.REQUESTED)
    make_return(flipkart)
    shopify_rto = make_return(account, kind=ReturnKind.RTO)

    def listed(**params) -> list[int]:
        response = owner_client.get(RETURNS, params)
        return [r.pk for r in response.context["page"].object_list]

    assert listed(status="requested") == [requested.pk]
    assert listed(channel="shopify") == [shopify_rto.pk]
    assert listed(kind="rto") == [shopify_rto.pk]
    bad = owner_client.get(RETURNS, {"status": "lost"})
    assert "were not understood" in bad.content.decode()
    assert bad.context["page"].paginator.count == 3


def test_another_merchants_returns_never_appear(owner_client, other_account):
    make_return(other_account, external_id="BRAVO-RET")

    body = owner_client.get(RETURNS).content.decode()

    assert "BRAVO-RET" not in body
    assert "No returns yet" in body


def test_receiving_restocks_passed_units_and_writes_off_failed_ones(owner_client, owner, flipkart):
    make_stock(owner.merchant, "KURTA-M", on_hand=5)
    ret = make_return(flipkart, items=(("KURTA-M", 3),))
    item = ret.items.get()

    response = owner_client.post(
        receive_url(ret),
        {
            f"restocked_{item.pk}": "2",
            f"written_off_{item.pk}": "1",
            "note": "one stained",
            "next": f"{RETURNS}?status=in_transit",
        },
        follow=True,
    )

    assert response.redirect_chain[-1][0] == f"{RETURNS}?status=in_transit"
    assert "Return RET-0001 received: 2 units restocked, 1 written off." in messages_of(response)
    item.refresh_from_db()
    ret.refresh_from_db()
    assert (item.restocked_quantity, item.written_off_quantity) == (2, 1)
    assert ret.status == ReturnStatus.QC_PASSED
    assert ret.received_at is not None
    assert StockLevel.objects.get(variant__sku="KURTA-M").on_hand == 7
    movements = StockMovement.objects.filter(reference=f"return:{ret.pk}")
    assert sorted(movements.values_list("kind", "on_hand_delta")) == [
        ("restock", 3),
        ("write_off", -1),
    ]
    assert {m.created_by for m in movements} == {owner.user}
    assert {m.note for m in movements} == {"one stained"}
    # fully received: the page shows the counts and no more inputs for it
    page = owner_client.get(RETURNS).content.decode()
    assert f'name="restocked_{item.pk}"' not in page
    assert "QC passed" in page


def test_a_receipt_of_more_than_returned_changes_nothing_and_says_why(
    owner_client, owner, flipkart
):
    make_stock(owner.merchant, "KURTA-M", on_hand=5)
    ret = make_return(flipkart, items=(("KURTA-M", 2),))
    item = ret.items.get()

    response = owner_client.post(
        receive_url(ret), {f"restocked_{item.pk}": "2", f"written_off_{item.pk}": "1"}, follow=True
    )

    (message,) = messages_of(response)
    assert message.startswith("Return RET-0001 not received: SKU KURTA-M: 2 returned")
    item.refresh_from_db()
    assert (item.restocked_quantity, item.written_off_quantity) == (0, 0)
    assert StockLevel.objects.get(variant__sku="KURTA-M").on_hand == 5


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        ({"restocked": "two"}, "must be a whole number"),
        ({}, "Nothing to receive"),
        ({"restocked": "-1"}, "cannot be negative"),
    ],
)
def test_bad_receive_input_is_reported(owner_client, owner, flipkart, data, reason):
    make_stock(owner.merchant, "KURTA-M", on_hand=5)
    ret = make_return(flipkart)
    item = ret.items.get()
    post = {f"{key}_{item.pk}": value for key, value in data.items()}

    response = owner_client.post(receive_url(ret), post, follow=True)

    assert reason in messages_of(response)[0]
    assert not StockMovement.objects.exists()


def test_viewers_cannot_receive_and_see_no_form(viewer_client, owner, flipkart):
    make_stock(owner.merchant, "KURTA-M", on_hand=5)
    ret = make_return(flipkart)
    item = ret.items.get()

    page = viewer_client.get(RETURNS).content.decode()
    response = viewer_client.post(receive_url(ret), {f"restocked_{item.pk}": "1"})

    assert f'name="restocked_{item.pk}"' not in page
    assert response.status_code == 403
    assert not StockMovement.objects.exists()


def test_another_merchants_return_cannot_be_received(owner_client, other_account):
    ret = make_return(other_account)
    item = ret.items.get()

    response = owner_client.post(receive_url(ret), {f"restocked_{item.pk}": "1"})

    assert response.status_code == 404
    item.refresh_from_db()
    assert item.restocked_quantity == 0


def test_returns_are_paginated_by_50(owner_client, flipkart):
    for _ in range(51):
        make_return(flipkart)

    first = owner_client.get(RETURNS)
    second = owner_client.get(RETURNS, {"page": 2})

    assert len(first.context["page"].object_list) == 50
    assert len(second.context["page"].object_list) == 1


def test_nav_links_to_stock_returns_and_drift(owner_client):
    body = owner_client.get(RETURNS).content.decode()

    for name in ("dashboard:stock", "dashboard:returns", "dashboard:drift"):
        assert f'href="{reverse(name)}"' in body
    assert f'href="{RETURNS}" aria-current="page"' in body
