"""File channels keep the RTO (defects issue §3): a Meesho/Myntra/AJIO row with an RTO status
becomes a return of kind RTO with its units, a customer-return row one of kind customer return,
idempotently on the row's ids across re-uploads; the order says which (``return_kind``), its
stock left with the shipment, and receiving the return goes through the returns flow."""

from __future__ import annotations

import csv
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from integrations.connectors.files.meesho import ORDER_COLUMNS
from integrations.dto import ReturnKind, ReturnStatus
from integrations.models import ChannelAccount, SyncStatus
from integrations.services.files import file_import_start
from inventory.models import StockLevel
from inventory.services import stock_adjust
from orders.models import Order, Return
from returns.services.receipts import return_receive
from tests.factories import VariantFactory

pytestmark = pytest.mark.django_db

HEADER = list(ORDER_COLUMNS)  # Meesho's orders export


@pytest.fixture(autouse=True)
def _uploads(media_root, imports_run_now):
    """Uploads in the test's directory; their runs at once."""


@pytest.fixture
def account(merchant):
    return ChannelAccount.objects.create(
        merchant=merchant, provider="meesho", external_id="SUP1", display_name="Meesho SUP1"
    )


@pytest.fixture
def kurta(merchant):
    variant = VariantFactory(product__merchant=merchant, merchant=merchant, sku="KURTA-1")
    stock_adjust(merchant=merchant, variant_id=variant.pk, on_hand=20, note="opening")
    return variant


def upload(account, rows: list[tuple[str, str, int]], name: str = "orders.csv"):
    """Upload a Meesho orders CSV of ``(status, sub order no, quantity)`` rows; the run."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(HEADER)
    for status, sub_order, quantity in rows:
        writer.writerow(
            [
                status,
                sub_order,
                "2026-11-20",
                "Karnataka",
                "Kurta",
                "KURTA-1",
                "M",
                quantity,
                "599",
                "499",
                f"P{sub_order}",
            ]
        )
    _record, run = file_import_start(
        account=account, upload=SimpleUploadedFile(name, out.getvalue().encode())
    )
    run.refresh_from_db()
    assert run.status == SyncStatus.SUCCEEDED, run.error
    return run


def stock(variant) -> tuple[int, int]:
    level = StockLevel.objects.get(variant=variant, warehouse__is_default=True)
    return level.on_hand, level.reserved


def test_rto_and_customer_return_rows_become_returns_of_their_kind(account, kurta):
    upload(
        account,
        [
            ("RTO_COMPLETE", "101_1", 2),
            ("RTO_IN_TRANSIT", "102_1", 1),
            ("CUSTOMER_RETURN", "103_1", 1),
            ("DELIVERED", "104_1", 1),
        ],
    )
    returns = {r.order_external_id: r for r in Return.objects.prefetch_related("items")}
    assert set(returns) == {"101_1", "102_1", "103_1"}
    assert (returns["101_1"].kind, returns["101_1"].status) == (
        ReturnKind.RTO,
        ReturnStatus.RECEIVED,
    )
    assert (returns["102_1"].kind, returns["102_1"].status) == (
        ReturnKind.RTO,
        ReturnStatus.IN_TRANSIT,
    )
    assert returns["103_1"].kind == ReturnKind.CUSTOMER_RETURN
    assert [i.quantity for i in returns["101_1"].items.all()] == [2]
    assert returns["101_1"].order == Order.objects.get(external_id="101_1")
    assert returns["101_1"].reason == "RTO_COMPLETE"


def test_re_uploads_update_the_same_return(account, kurta):
    upload(account, [("SHIPPED", "201_1", 1), ("RTO_IN_TRANSIT", "202_1", 1)], "day1.csv")
    assert Return.objects.count() == 1
    upload(account, [("SHIPPED", "201_1", 1), ("RTO_IN_TRANSIT", "202_1", 1)], "day1-again.csv")
    assert Return.objects.count() == 1
    upload(account, [("RTO_COMPLETE", "201_1", 1), ("RTO_COMPLETE", "202_1", 1)], "day2.csv")
    assert Return.objects.count() == 2
    assert set(Return.objects.values_list("status", flat=True)) == {ReturnStatus.RECEIVED}
    assert set(Return.objects.values_list("kind", flat=True)) == {ReturnKind.RTO}


def test_the_order_api_and_filters_tell_rto_from_customer_returns(api_client, account, kurta):
    upload(
        account,
        [("RTO_COMPLETE", "301_1", 1), ("CUSTOMER_RETURN", "302_1", 1), ("DELIVERED", "303_1", 1)],
    )
    rows = {
        r["external_id"]: r["return_kind"]
        for r in api_client.get("/api/multi-channel/orders").json()["results"]
    }
    assert rows == {"301_1": "rto", "302_1": "customer_return", "303_1": None}
    only_rto = api_client.get("/api/multi-channel/orders", {"return_kind": "rto"}).json()
    assert [r["external_id"] for r in only_rto["results"]] == ["301_1"]
    returns = api_client.get("/api/returns", {"kind": "rto"}).json()["results"]
    assert [r["order_external_id"] for r in returns] == ["301_1"]


def test_an_rto_ships_the_stock_and_receiving_it_restocks_once(account, kurta):
    upload(account, [("READY_TO_SHIP", "401_1", 3)], "day1.csv")
    assert stock(kurta) == (20, 3)
    upload(account, [("RTO_COMPLETE", "401_1", 3)], "day2.csv")  # never seen shipped
    assert stock(kurta) == (17, 0)  # the parcel left and is on its way back
    ret = Return.objects.get(order_external_id="401_1")
    (item,) = ret.items.all()
    return_receive(ret=ret, lines={item.pk: (2, 1)})  # two pass QC, one is damaged
    assert stock(kurta) == (19, 0)
    ret.refresh_from_db()
    assert ret.status == ReturnStatus.QC_PASSED
    upload(account, [("RTO_COMPLETE", "401_1", 3)], "day3.csv")  # the channel repeats itself
    ret.refresh_from_db()
    assert ret.status == ReturnStatus.QC_PASSED  # Sangam's receipt stands
    assert stock(kurta) == (19, 0)


def test_the_return_map_is_validated_and_overridable(account):
    from integrations.connectors.files.errors import ProfileError
    from integrations.connectors.files.meesho import MeeshoConnector

    profile = MeeshoConnector.profile({"return_map": {"RTO_COMPLETE": None}})
    assert "RTO_COMPLETE" not in profile["return_map"]
    with pytest.raises(ProfileError, match="return_map.X"):
        MeeshoConnector.profile({"return_map": {"X": {"kind": "lost", "status": "received"}}})
    with pytest.raises(ProfileError, match="the status map makes it 'delivered'"):
        MeeshoConnector.profile(
            {"return_map": {"DELIVERED": {"kind": "rto", "status": "received"}}}
        )


def test_filtering_on_return_kind_keeps_each_orders_item_count(api_client, account, kurta):
    upload(account, [("RTO_COMPLETE", "501_1", 1)])
    order = Order.objects.get(external_id="501_1")
    first = Return.objects.get(order=order)
    second = Return.objects.get(pk=first.pk)
    second.pk, second.external_id = None, "second-rto"
    second.save()  # a second RTO of the same order
    rows = api_client.get("/api/multi-channel/orders", {"return_kind": "rto"}).json()["results"]
    assert [(r["external_id"], r["item_count"]) for r in rows] == [("501_1", 1)]
