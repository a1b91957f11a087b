"""A courier RTO becomes a return of kind RTO of its order: in transit while the courier
brings it back, received at the pickup location, then restocked or written off through the
receipt with QC and the ledger."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from integrations.dto import ReturnKind, ReturnStatus, ShipmentStatus, TrackingEventDTO
from inventory.models import MovementKind, StockLevel
from inventory.services import StockChange, default_warehouse, stock_apply
from orders.models import Return
from orders.services import order_import
from returns.services.receipts import return_receive
from returns.services.rto import rto_return_id
from shipments.models import Shipment
from shipments.services.tracking import tracking_events_import
from tests.factories import ChannelAccountFactory, VariantFactory, order_dto

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 11, 3, 4, 30, tzinfo=UTC)
AWB = "26805710004126"


@pytest.fixture
def shipment(merchant):
    shop = ChannelAccountFactory(merchant=merchant)
    courier = ChannelAccountFactory(merchant=merchant, provider="delhivery", external_id="ACME")
    variant = VariantFactory(product__merchant=merchant, merchant=merchant, sku="KURTA-M")
    stock_apply(
        warehouse=default_warehouse(merchant),
        changes=[StockChange(variant.pk, MovementKind.RECEIPT, on_hand_delta=5)],
    )
    order_import(account=shop, order=order_dto("OD-9", items=(("KURTA-M", 2),)))
    return Shipment.objects.create(
        merchant=merchant,
        order=shop.orders.get(external_id="OD-9"),
        account=courier,
        awb=AWB,
        payment_method="cod",
    )


def scan(status: str, hours: int) -> TrackingEventDTO:
    return TrackingEventDTO(
        awb=AWB, at=T0 + timedelta(hours=hours), status=status, raw_status="x", raw_type="RT"
    )


def test_an_rto_is_a_return_in_transit_then_received_then_restocked_by_qc(shipment):
    courier = shipment.account
    tracking_events_import(account=courier, events=[scan(ShipmentStatus.NDR, 40)])
    assert not Return.objects.exists()

    tracking_events_import(account=courier, events=[scan(ShipmentStatus.RTO_INITIATED, 70)])
    ret = Return.objects.get(external_id=rto_return_id(AWB))
    assert (ret.kind, ret.status, ret.tracking_id) == (ReturnKind.RTO, ReturnStatus.IN_TRANSIT, AWB)
    assert ret.order == shipment.order
    assert ret.account == shipment.order.account
    assert [(i.sku, i.quantity) for i in ret.items.all()] == [("KURTA-M", 2)]

    tracking_events_import(account=courier, events=[scan(ShipmentStatus.RTO_DELIVERED, 120)])
    ret.refresh_from_db()
    assert ret.status == ReturnStatus.RECEIVED
    assert Return.objects.count() == 1

    stock = StockLevel.objects.get(variant__sku="KURTA-M")
    before = stock.on_hand
    (item,) = ret.items.all()
    return_receive(ret=ret, lines={item.pk: (1, 1)})
    stock.refresh_from_db()
    assert stock.on_hand == before + 1  # one passed QC, one written off
    ret.refresh_from_db()
    assert ret.status == ReturnStatus.QC_PASSED


def test_a_delivered_shipment_makes_no_return(shipment):
    tracking_events_import(account=shipment.account, events=[scan(ShipmentStatus.DELIVERED, 50)])
    assert not Return.objects.exists()
