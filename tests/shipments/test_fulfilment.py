"""Fulfilment back to the store: written once per shipment with the AWB, the courier and its
tracking page; permanent refusals recorded, transient errors raised for the task to retry."""

from __future__ import annotations

import pytest

from integrations.http import ConnectorError, RejectedError
from orders.services import order_import
from shipments.models import Shipment
from shipments.services.fulfilment import shipment_fulfil_on_channel, tracking_url
from tests.factories import ChannelAccountFactory, MerchantFactory, order_dto

pytestmark = pytest.mark.django_db


class FakeStore:
    def __init__(self, error: Exception | None = None):
        self.calls: list[dict] = []
        self.error = error

    def write_fulfillment(self, **kwargs) -> str:
        self.calls.append(kwargs)
        if self.error:
            raise self.error
        return "4711"


@pytest.fixture
def shipment():
    merchant = MerchantFactory()
    shop = ChannelAccountFactory(merchant=merchant)
    courier = ChannelAccountFactory(merchant=merchant, provider="delhivery", external_id="ACME")
    order_import(account=shop, order=order_dto("F1"))
    return Shipment.objects.create(
        merchant=merchant,
        order=shop.orders.get(external_id="F1"),
        account=courier,
        awb="26805710004141",
        courier_name="Delhivery",
        payment_method="cod",
    )


@pytest.fixture
def store(monkeypatch):
    fake = FakeStore()
    monkeypatch.setattr("shipments.services.fulfilment.build_connector", lambda account: fake)
    monkeypatch.setattr(
        "shipments.services.fulfilment.has_capability",
        lambda provider, capability: provider == "shopify",
    )
    return fake


def test_the_fulfilment_is_written_once_with_the_awb_courier_and_tracking_page(shipment, store):
    assert shipment_fulfil_on_channel(shipment=shipment) is True
    assert shipment_fulfil_on_channel(shipment=shipment) is False  # already written

    assert store.calls == [
        {
            "order_external_id": "F1",
            "tracking_number": "26805710004141",
            "company": "Delhivery",
            "tracking_url": "https://www.delhivery.com/track/package/26805710004141",
        }
    ]
    shipment.refresh_from_db()
    assert (shipment.channel_fulfillment_id, shipment.channel_sync_error) == ("4711", "")


def test_a_refusal_is_recorded_and_not_retried(shipment, store):
    store.error = RejectedError("Fulfillment order 5 has no remaining line items")
    assert shipment_fulfil_on_channel(shipment=shipment) is False
    shipment.refresh_from_db()
    assert shipment.channel_sync_error == "Fulfillment order 5 has no remaining line items"
    assert shipment.channel_fulfillment_id == ""


def test_a_transient_error_is_recorded_and_raised_for_the_retry(shipment, store):
    store.error = ConnectorError("Shopify answered 503")
    with pytest.raises(ConnectorError):
        shipment_fulfil_on_channel(shipment=shipment)
    shipment.refresh_from_db()
    assert shipment.channel_sync_error == "Shopify answered 503"


def test_a_channel_without_the_write_back_is_left_alone(shipment, store, monkeypatch):
    monkeypatch.setattr(
        "shipments.services.fulfilment.has_capability", lambda provider, capability: False
    )
    assert shipment_fulfil_on_channel(shipment=shipment) is False
    assert store.calls == []


def test_the_tracking_page_is_the_couriers(shipment):
    assert tracking_url(shipment) == "https://www.delhivery.com/track/package/26805710004141"
