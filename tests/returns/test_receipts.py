"""``return_receive``: QC-passed units restock and QC-failed units are written off through the
ledger; over-receiving, unknown SKUs and foreign lines are refused; a channel update after the
receipt keeps it; the admin receives per line and in bulk."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection, connections
from django.urls import reverse

from integrations.dto import OrderStatus, ReturnDTO, ReturnKind, ReturnStatus
from inventory.models import MovementKind, MovementSource, StockLevel, StockMovement
from inventory.services import StockChange, default_warehouse, stock_apply
from inventory.services.stock import stock_rebuild
from orders.models import Order, Return, ReturnItem
from orders.services import order_import
from returns.services import returns_import
from returns.services.receipts import return_receive
from tests.factories import ChannelAccountFactory, MembershipFactory, VariantFactory, order_dto

T0 = datetime(2026, 11, 3, 10, 0, tzinfo=UTC)


@pytest.fixture
def account(merchant):
    return ChannelAccountFactory(merchant=merchant, provider="flipkart", external_id="fk-app-1")


@pytest.fixture
def kurta(merchant):
    """KURTA-M with 5 on hand, put there through the ledger (so the ledger rebuilds it)."""
    variant = VariantFactory(product__merchant=merchant, merchant=merchant, sku="KURTA-M")
    stock_apply(
        warehouse=default_warehouse(merchant),
        changes=[StockChange(variant.pk, MovementKind.RECEIPT, on_hand_delta=5)],
    )
    return variant


def make_return(account, *, lines=(("KURTA-M", 2),), order="OD-1", with_order=True, **kw):
    """A delivered order with ``lines`` and a customer return of all of them."""
    if with_order:
        order_import(
            account=account,
            order=order_dto(order, items=tuple(lines), status=OrderStatus.DELIVERED),
        )
    returns_import(
        account=account,
        returns=[
            ReturnDTO(
                external_id=kw.get("external_id", "R-1"),
                order_external_id=order,
                order_item_external_id=f"{order}-{i}",
                sku=sku,
                status=kw.get("status", ReturnStatus.IN_TRANSIT),
                kind=ReturnKind.CUSTOMER_RETURN,
                quantity=qty,
                created_at=T0,
                updated_at=T0,
            )
            for i, (sku, qty) in enumerate(lines)
        ],
    )
    return Return.objects.get(account=account, external_id=kw.get("external_id", "R-1"))


def on_hand(variant) -> int:
    return StockLevel.objects.get(variant=variant).on_hand


def movements(ret):
    return list(
        StockMovement.objects.filter(reference=f"return:{ret.pk}")
        .order_by("pk")
        .values_list("kind", "on_hand_delta", "reserved_delta")
    )


def only_item(ret) -> ReturnItem:
    (item,) = ret.items.all()
    return item


@pytest.mark.django_db
def test_qc_passed_units_go_back_on_hand_with_a_restock_movement(account, kurta, user):
    ret = make_return(account)
    item = only_item(ret)

    received = return_receive(ret=ret, lines={item.pk: (2, 0)}, user=user, note="Box intact")

    assert on_hand(kurta) == 7
    assert movements(ret) == [(MovementKind.RESTOCK, 2, 0)]
    movement = StockMovement.objects.get(reference=f"return:{ret.pk}")
    assert (movement.source, movement.note, movement.created_by) == (
        MovementSource.RETURN,
        "Box intact",
        user,
    )
    item.refresh_from_db()
    assert (item.restocked_quantity, item.written_off_quantity) == (2, 0)
    assert received.status == ReturnStatus.QC_PASSED
    assert received.received_at is not None
    ret.refresh_from_db()
    assert ret.status == ReturnStatus.QC_PASSED


@pytest.mark.django_db
def test_qc_failed_units_come_back_and_are_written_off_leaving_on_hand_unchanged(account, kurta):
    ret = make_return(account)
    item = only_item(ret)

    received = return_receive(ret=ret, lines={item.pk: (0, 2)})

    assert on_hand(kurta) == 5
    assert movements(ret) == [(MovementKind.RESTOCK, 2, 0), (MovementKind.WRITE_OFF, -2, 0)]
    item.refresh_from_db()
    assert (item.restocked_quantity, item.written_off_quantity) == (0, 2)
    assert received.status == ReturnStatus.QC_FAILED


@pytest.mark.django_db
def test_a_mixed_receipt_nets_the_passed_units_and_the_ledger_rebuilds_the_level(
    account, kurta, merchant
):
    ret = make_return(account, lines=(("KURTA-M", 3),))
    item = only_item(ret)

    return_receive(ret=ret, lines={item.pk: (1, 1)})
    return_receive(ret=ret, lines={item.pk: (0, 1)})  # a second receipt of the last unit

    assert on_hand(kurta) == 6
    assert movements(ret) == [
        (MovementKind.RESTOCK, 2, 0),
        (MovementKind.WRITE_OFF, -1, 0),
        (MovementKind.RESTOCK, 1, 0),
        (MovementKind.WRITE_OFF, -1, 0),
    ]
    level = StockLevel.objects.get(variant=kurta)
    assert stock_rebuild(warehouse=default_warehouse(merchant))[kurta.pk] == (
        level.on_hand,
        level.reserved,
    )
    ret.refresh_from_db()
    assert ret.status == ReturnStatus.QC_PASSED  # one unit passed QC
    item.refresh_from_db()
    assert (item.restocked_quantity, item.written_off_quantity) == (1, 2)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("first", "second"),
    [
        pytest.param(None, (2, 1), id="more-than-returned-at-once"),
        pytest.param((2, 0), (1, 0), id="more-than-left-after-an-earlier-receipt"),
    ],
)
def test_receiving_more_units_than_returned_is_refused(account, kurta, first, second):
    ret = make_return(account)
    item = only_item(ret)
    if first:
        return_receive(ret=ret, lines={item.pk: first})
    before = (on_hand(kurta), StockMovement.objects.count())

    with pytest.raises(ValueError, match="KURTA-M: 2 returned"):
        return_receive(ret=ret, lines={item.pk: second})

    assert (on_hand(kurta), StockMovement.objects.count()) == before


@pytest.mark.django_db
def test_a_sku_missing_from_the_catalog_is_refused_and_nothing_moves(account, kurta):
    ret = make_return(account, lines=(("KURTA-M", 1), ("GHOST-SKU", 1)))
    lines = {item.pk: (1, 0) for item in ret.items.all()}
    before = StockMovement.objects.count()

    with pytest.raises(ValueError, match="SKU GHOST-SKU is not in the catalog"):
        return_receive(ret=ret, lines=lines)

    assert StockMovement.objects.count() == before
    assert on_hand(kurta) == 5
    ret.refresh_from_db()
    assert ret.received_at is None
    assert set(ret.items.values_list("restocked_quantity", flat=True)) == {0}


@pytest.mark.django_db
def test_the_variant_is_found_by_sku_when_the_order_was_never_imported(account, kurta):
    ret = make_return(account, with_order=False)
    assert ret.order is None

    return_receive(ret=ret, lines={only_item(ret).pk: (1, 0)})

    assert on_hand(kurta) == 6


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("lines", "message"),
    [
        pytest.param(lambda item, other: {other.pk: (1, 0)}, "is not part of return", id="foreign"),
        pytest.param(lambda item, other: {item.pk: (-1, 1)}, "cannot be negative", id="negative"),
        pytest.param(lambda item, other: {item.pk: (0, 0)}, "Nothing to receive", id="zero"),
        pytest.param(lambda item, other: {}, "Nothing to receive", id="empty"),
    ],
)
def test_bad_lines_are_refused(account, kurta, lines, message):
    ret = make_return(account)
    other = make_return(account, order="OD-2", external_id="R-2")

    with pytest.raises(ValueError, match=message):
        return_receive(ret=ret, lines=lines(only_item(ret), only_item(other)))

    assert movements(ret) == []


@pytest.mark.django_db
def test_a_channel_update_after_the_receipt_keeps_the_qc_status_and_received_units(account, kurta):
    ret = make_return(account)
    return_receive(ret=ret, lines={only_item(ret).pk: (1, 1)})

    result = returns_import(
        account=account,
        returns=[
            ReturnDTO(
                external_id="R-1",
                order_external_id="OD-1",
                order_item_external_id="OD-1-0",
                sku="KURTA-M",
                status=ReturnStatus.REFUNDED,
                kind=ReturnKind.CUSTOMER_RETURN,
                quantity=1,  # the channel now says fewer units than were received
                created_at=T0,
                updated_at=T0 + timedelta(hours=1),
                reason="Refund issued",
            )
        ],
    )

    assert result.updated == 1
    ret.refresh_from_db()
    assert (ret.status, ret.reason) == (ReturnStatus.QC_PASSED, "Refund issued")
    item = only_item(ret)
    assert (item.quantity, item.restocked_quantity, item.written_off_quantity) == (2, 1, 1)


@pytest.mark.django_db
def test_restocked_units_allocate_an_order_waiting_for_stock(account, merchant):
    scarf = VariantFactory(product__merchant=merchant, merchant=merchant, sku="SCARF")
    ret = make_return(account, lines=(("SCARF", 1),))
    order_import(account=account, order=order_dto("OD-9", items=(("SCARF", 1),)))
    waiting = Order.objects.get(account=account, external_id="OD-9")
    assert waiting.unfulfillable

    return_receive(ret=ret, lines={only_item(ret).pk: (1, 0)})

    waiting.refresh_from_db()
    assert not waiting.unfulfillable
    level = StockLevel.objects.get(variant=scarf)
    assert (level.on_hand, level.reserved) == (1, 1)


# --- concurrency (PostgreSQL) -------------------------------------------------------------------
postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="needs PostgreSQL row locks (SQLite serializes)"
)


@pytest.mark.postgres
@postgres_only
@pytest.mark.django_db(transaction=True)
def test_two_concurrent_receipts_cannot_receive_more_than_was_returned():
    merchant = MembershipFactory().merchant
    account = ChannelAccountFactory(merchant=merchant, provider="flipkart", external_id="fk-2")
    variant = VariantFactory(product__merchant=merchant, merchant=merchant, sku="KURTA-M")
    ret = make_return(account)
    item = only_item(ret)
    barrier = threading.Barrier(4)
    outcomes: list[str] = []

    def receive() -> None:
        try:
            barrier.wait(timeout=10)
            return_receive(ret=ret, lines={item.pk: (2, 0)})
            outcomes.append("received")
        except ValueError:
            outcomes.append("refused")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=receive) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert sorted(outcomes) == ["received", "refused", "refused", "refused"]
    assert StockLevel.objects.get(variant=variant).on_hand == 2
    assert StockMovement.objects.filter(reference=f"return:{ret.pk}").count() == 1
    item.refresh_from_db()
    assert item.restocked_quantity == 2


# --- admin ---------------------------------------------------------------------------------------
def inline_post(ret, counts: dict[int, tuple[int, int]], note: str = "") -> dict[str, str]:
    items = list(ret.items.order_by("pk"))
    data = {
        "receipt_note": note,
        "items-TOTAL_FORMS": str(len(items)),
        "items-INITIAL_FORMS": str(len(items)),
        "items-MIN_NUM_FORMS": "0",
        "items-MAX_NUM_FORMS": "1000",
    }
    for n, item in enumerate(items):
        restock, write_off = counts.get(item.pk, (0, 0))
        data[f"items-{n}-id"] = str(item.pk)
        data[f"items-{n}-return_request"] = str(ret.pk)
        data[f"items-{n}-restock_now"] = str(restock)
        data[f"items-{n}-write_off_now"] = str(write_off)
    return data


@pytest.mark.django_db
def test_staff_receive_a_return_line_by_line_in_the_admin(admin_client, admin_user, account, kurta):
    ret = make_return(account, lines=(("KURTA-M", 3),))
    item = only_item(ret)
    url = reverse("admin:orders_return_change", args=[ret.pk])
    page = admin_client.get(url).content.decode()
    assert "KURTA-M" in page
    assert "QC passed" in page

    response = admin_client.post(url, inline_post(ret, {item.pk: (2, 1)}, note="Tag missing"))

    assert response.status_code == 302
    assert on_hand(kurta) == 7
    restock = StockMovement.objects.get(reference=f"return:{ret.pk}", kind=MovementKind.RESTOCK)
    assert (restock.note, restock.created_by) == ("Tag missing", admin_user)
    ret.refresh_from_db()
    assert ret.status == ReturnStatus.QC_PASSED

    too_many = admin_client.post(url, inline_post(ret, {item.pk: (1, 0)}))
    assert too_many.status_code == 200  # the form comes back with the error
    assert "Only 0 of 3 units are left to receive." in too_many.content.decode()
    assert on_hand(kurta) == 7


@pytest.mark.django_db
def test_an_admin_receipt_of_an_unknown_sku_shows_the_error_and_moves_nothing(
    admin_client, account
):
    ret = make_return(account, lines=(("GHOST-SKU", 1),))
    url = reverse("admin:orders_return_change", args=[ret.pk])

    response = admin_client.post(url, inline_post(ret, {only_item(ret).pk: (1, 0)}), follow=True)

    assert "Nothing was received: SKU GHOST-SKU is not in the catalog." in (
        response.content.decode()
    )
    assert not StockMovement.objects.filter(reference=f"return:{ret.pk}").exists()


@pytest.mark.django_db
def test_the_admin_action_receives_every_remaining_unit(admin_client, account, kurta):
    passed = make_return(account, lines=(("KURTA-M", 2),))
    failed = make_return(account, order="OD-2", external_id="R-2")

    for action, ret in (("receive_all_passed", passed), ("receive_all_failed", failed)):
        admin_client.post(
            reverse("admin:orders_return_changelist"),
            {"action": action, "_selected_action": [ret.pk]},
        )

    passed.refresh_from_db()
    failed.refresh_from_db()
    assert (passed.status, failed.status) == (ReturnStatus.QC_PASSED, ReturnStatus.QC_FAILED)
    assert on_hand(kurta) == 7
    assert movements(failed) == [(MovementKind.RESTOCK, 2, 0), (MovementKind.WRITE_OFF, -2, 0)]
