"""``returns_import``: channel returns recorded against their orders, idempotent and
stale-safe; a return that arrives before its order is linked when the order comes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from integrations.dto import ReturnDTO, ReturnKind, ReturnStatus
from orders.models import Order, Return, ReturnItem
from orders.services import order_import
from returns.services import returns_import
from tests.factories import ChannelAccountFactory, order_dto

T0 = datetime(2026, 11, 1, 10, 0, tzinfo=UTC)

pytestmark = pytest.mark.django_db


@pytest.fixture
def account(merchant):
    return ChannelAccountFactory(merchant=merchant, provider="flipkart", external_id="app-1")


def return_dto(
    external_id="R1", order="1001", item="1001-0", status=ReturnStatus.REQUESTED, minutes=0, **kw
):
    return ReturnDTO(
        external_id=external_id,
        order_external_id=order,
        order_item_external_id=item,
        sku=kw.pop("sku", "SKU-1"),
        status=status,
        kind=kw.pop("kind", ReturnKind.CUSTOMER_RETURN),
        quantity=kw.pop("quantity", 1),
        created_at=T0,
        updated_at=T0 + timedelta(minutes=minutes),
        reason=kw.pop("reason", "SIZE_ISSUE"),
        raw={"returnId": external_id, "status": status, "m": minutes},
        **kw,
    )


def test_a_return_is_recorded_against_its_order_and_order_item(account):
    order_import(account=account, order=order_dto("1001", items=(("SKU-1", 2),)))
    result = returns_import(account=account, returns=[return_dto()])
    assert (result.created, result.updated, result.skipped) == (1, 0, 0)
    ret = Return.objects.get(account=account, external_id="R1")
    order = Order.objects.get(account=account, external_id="1001")
    assert ret.order == order
    assert ret.merchant_id == account.merchant_id
    assert (ret.kind, ret.status, ret.reason, ret.channel) == (
        ReturnKind.CUSTOMER_RETURN,
        ReturnStatus.REQUESTED,
        "SIZE_ISSUE",
        "flipkart",
    )
    (line,) = ret.items.all()
    assert (line.sku, line.quantity) == ("SKU-1", 1)
    assert line.order_item == order.items.get(external_id="1001-0")


def test_replaying_is_idempotent_and_an_older_status_never_overwrites_a_newer_one(account):
    returns_import(account=account, returns=[return_dto(status=ReturnStatus.RECEIVED, minutes=5)])
    again = returns_import(
        account=account, returns=[return_dto(status=ReturnStatus.RECEIVED, minutes=5)]
    )
    older = returns_import(
        account=account, returns=[return_dto(status=ReturnStatus.IN_TRANSIT, minutes=1)]
    )
    assert (again.skipped, older.skipped) == (1, 1)
    assert Return.objects.get(external_id="R1").status == ReturnStatus.RECEIVED
    newer = returns_import(
        account=account, returns=[return_dto(status=ReturnStatus.QC_PASSED, minutes=9)]
    )
    assert newer.updated == 1
    assert Return.objects.get(external_id="R1").status == ReturnStatus.QC_PASSED
    assert Return.objects.count() == 1
    assert ReturnItem.objects.count() == 1


def test_a_return_before_its_order_is_linked_when_the_order_arrives(account):
    returns_import(account=account, returns=[return_dto(kind=ReturnKind.RTO)])
    ret = Return.objects.get(external_id="R1")
    assert ret.order is None
    order_import(account=account, order=order_dto("1001", items=(("SKU-1", 1),)))
    ret.refresh_from_db()
    assert ret.order == Order.objects.get(external_id="1001")
    assert ret.items.get().order_item.external_id == "1001-0"


def test_lines_sharing_a_return_id_form_one_return(account):
    result = returns_import(
        account=account,
        returns=[
            return_dto(item="1001-0", sku="SKU-1"),
            return_dto(item="1001-1", sku="SKU-2", quantity=2),
        ],
    )
    assert result.created == 1
    ret = Return.objects.get(external_id="R1")
    assert sorted(ret.items.values_list("sku", "quantity")) == [("SKU-1", 1), ("SKU-2", 2)]


def test_a_bad_return_is_quarantined_and_the_rest_commit(account):
    bad = return_dto(external_id="R-bad", status=None)  # NOT NULL: the database refuses it
    result = returns_import(account=account, returns=[bad, return_dto(external_id="R2")])
    assert result.created == 1
    assert [f.external_id for f in result.failures] == ["R-bad"]
    assert list(Return.objects.values_list("external_id", flat=True)) == ["R2"]


@pytest.mark.parametrize(
    ("provider", "external_id", "status", "received", "newer", "queued"),
    [
        pytest.param("shopify", "return:7", ReturnStatus.REQUESTED, False, True, True, id="open"),
        pytest.param(
            "shopify", "return:7", ReturnStatus.IN_TRANSIT, False, True, True, id="transit"
        ),
        pytest.param("shopify", "return:7", ReturnStatus.REQUESTED, False, False, False, id="same"),
        pytest.param("shopify", "return:7", ReturnStatus.REFUNDED, False, True, False, id="done"),
        pytest.param("shopify", "return:7", ReturnStatus.RECEIVED, True, True, False, id="ours"),
        pytest.param(
            "shopify", "refund:7", ReturnStatus.REQUESTED, False, True, False, id="refund"
        ),
        pytest.param("flipkart", "return:7", ReturnStatus.REQUESTED, False, True, False, id="fk"),
    ],
)
def test_an_order_update_rereads_the_shopify_return_it_holds_open(
    merchant,
    monkeypatch,
    django_capture_on_commit_callbacks,
    provider,
    external_id,
    status,
    received,
    newer,
    queued,
):
    """An order updated after its Shopify return was read, while the return is still open
    here, gets its returns read again (a decline or cancel has no other signal)."""
    from django.utils import timezone

    sent: list[tuple] = []
    monkeypatch.setattr(
        "returns.tasks.returns_refresh_order_task.delay", lambda *args: sent.append(args)
    )
    account = ChannelAccountFactory(merchant=merchant, provider=provider, external_id="s-1")
    first = order_dto("1001", items=(("SKU-1", 2),), updated_at=T0 - timedelta(minutes=1))
    order_import(account=account, order=first)
    # What the Shopify mapping says of a Shopify return (``return:<id>``): refreshable.
    refreshable = provider == "shopify" and external_id.startswith("return:")
    dto = return_dto(external_id=external_id, status=status, refreshable=refreshable)
    returns_import(account=account, returns=[dto])
    if received:
        Return.objects.update(received_at=timezone.now())
    later = T0 + timedelta(minutes=5 if newer else 0)

    with django_capture_on_commit_callbacks(execute=True):
        order_import(
            account=account, order=order_dto("1001", items=(("SKU-1", 1),), updated_at=later)
        )

    assert sent == ([(account.pk, "1001")] if queued else [])
