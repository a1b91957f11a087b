"""Fulfilment back to the store: written once per shipment with the AWB, the courier and its
tracking page; permanent refusals recorded, transient errors raised for the task to retry.
Then the delivery progress on that fulfilment: which shipment statuses are sent as which
event, none twice in a row, refusals recorded, and tracking queueing the event after commit."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from integrations.dto import FulfillmentEventStatus, ShipmentStatus, TrackingEventDTO
from integrations.http import ConnectorError, RejectedError
from integrations.models import AccountStatus
from orders.services import order_import
from shipments.models import Shipment
from shipments.services.fulfilment import (
    channel_event_for,
    shipment_fulfil_on_channel,
    shipment_fulfilment_event,
    tracking_url,
)
from tests.factories import ChannelAccountFactory, MerchantFactory, order_dto

pytestmark = pytest.mark.django_db


class FakeStore:
    def __init__(self, error: Exception | None = None):
        self.calls: list[dict] = []
        self.events: list[dict] = []
        self.error = error

    def write_fulfillment(self, **kwargs) -> str:
        self.calls.append(kwargs)
        if self.error:
            raise self.error
        return "4711"

    def write_fulfillment_event(self, **kwargs) -> str:
        self.events.append(kwargs)
        if self.error:
            raise self.error
        return str(len(self.events))


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


# --- delivery progress on the fulfilment ---------------------------------------------------------
T0 = datetime(2026, 11, 2, 4, 30, tzinfo=UTC)
S, E = ShipmentStatus, FulfillmentEventStatus


@pytest.fixture
def fulfilled(shipment):
    """The shipment once its fulfilment was written to the store."""
    shipment.channel_fulfillment_id = "4711"
    shipment.save()
    return shipment


def at(shipment, status: str, hours: float = 0, **fields) -> Shipment:
    """Move the shipment to ``status`` (at T0 + ``hours``), as tracking would."""
    Shipment.objects.filter(pk=shipment.pk).update(
        status=status, status_at=T0 + timedelta(hours=hours), **fields
    )
    return Shipment.objects.select_related("order__account").get(pk=shipment.pk)


@pytest.mark.parametrize(
    ("status", "sent_before", "expected"),
    [
        pytest.param(S.IN_TRANSIT, "", E.IN_TRANSIT, id="in-transit-first"),
        pytest.param(S.IN_TRANSIT, E.ATTEMPTED_DELIVERY, None, id="in-transit-again"),
        pytest.param(S.OUT_FOR_DELIVERY, E.IN_TRANSIT, E.OUT_FOR_DELIVERY, id="out-for-delivery"),
        pytest.param(S.OUT_FOR_DELIVERY, E.ATTEMPTED_DELIVERY, E.OUT_FOR_DELIVERY, id="out-again"),
        pytest.param(S.OUT_FOR_DELIVERY, E.OUT_FOR_DELIVERY, None, id="same-twice"),
        pytest.param(S.NDR, E.OUT_FOR_DELIVERY, E.ATTEMPTED_DELIVERY, id="ndr"),
        pytest.param(S.DELIVERED, E.OUT_FOR_DELIVERY, E.DELIVERED, id="delivered"),
        pytest.param(S.RTO_INITIATED, E.ATTEMPTED_DELIVERY, E.FAILURE, id="rto"),
        pytest.param(S.LOST, E.IN_TRANSIT, E.FAILURE, id="lost"),
        pytest.param(S.LOST, E.FAILURE, None, id="lost-after-rto"),
        pytest.param(S.CREATED, "", None, id="created"),
        pytest.param(S.MANIFESTED, "", None, id="manifested"),
        pytest.param(S.PICKED_UP, "", None, id="picked-up"),
        pytest.param(S.RTO_IN_TRANSIT, E.FAILURE, None, id="rto-in-transit"),
        pytest.param(S.RTO_DELIVERED, E.FAILURE, None, id="rto-delivered"),
        pytest.param(S.RTO_IN_TRANSIT, E.ATTEMPTED_DELIVERY, E.FAILURE, id="rto-without-initiated"),
        pytest.param(S.RTO_DELIVERED, E.OUT_FOR_DELIVERY, E.FAILURE, id="rto-delivered-at-once"),
        pytest.param(S.CANCELLED, "", None, id="cancelled"),
    ],
)
def test_which_shipment_status_is_sent_as_which_event(status, sent_before, expected):
    assert channel_event_for(Shipment(channel_event_status=sent_before), status) == expected


def test_each_event_is_written_once_with_the_scan_time_and_the_estimate(fulfilled, store):
    eta = T0 + timedelta(days=3)
    moved = at(fulfilled, S.IN_TRANSIT, 2, expected_delivery_at=eta)

    assert shipment_fulfilment_event(shipment=moved, status=S.IN_TRANSIT) is True
    assert shipment_fulfilment_event(shipment=moved, status=S.IN_TRANSIT) is False
    again = at(moved, S.IN_TRANSIT, 3)
    assert shipment_fulfilment_event(shipment=again, status=S.IN_TRANSIT) is False
    done = at(again, S.DELIVERED, 30)
    assert shipment_fulfilment_event(shipment=done, status=S.DELIVERED) is True

    assert store.events == [
        {
            "fulfillment_id": "4711",
            "status": "IN_TRANSIT",
            "happened_at": T0 + timedelta(hours=2),
            "message": "",
            "estimated_delivery_at": eta,
        },
        {
            "fulfillment_id": "4711",
            "status": "DELIVERED",
            "happened_at": T0 + timedelta(hours=30),
            "message": "",
            "estimated_delivery_at": None,
        },
    ]
    done.refresh_from_db()
    assert (done.channel_event_status, done.channel_sync_error) == ("DELIVERED", "")


def test_a_failed_attempt_says_why(fulfilled, store):
    moved = at(fulfilled, S.NDR, 5, ndr_reason="customer_unavailable")

    assert shipment_fulfilment_event(shipment=moved, status=S.NDR) is True

    (sent,) = store.events
    assert (sent["status"], sent["message"]) == (
        "ATTEMPTED_DELIVERY",
        "Delivery attempt failed: Customer unavailable",
    )


def test_nothing_is_sent_without_a_fulfilment_or_after_the_shipment_moved_on(shipment, store):
    assert (
        shipment_fulfilment_event(shipment=at(shipment, S.DELIVERED), status=S.DELIVERED) is False
    )
    shipment.channel_fulfillment_id = "4711"
    shipment.save()
    moved_on = at(shipment, S.DELIVERED)
    assert shipment_fulfilment_event(shipment=moved_on, status=S.OUT_FOR_DELIVERY) is False
    assert store.events == []


def test_a_channel_without_the_write_back_gets_no_event(fulfilled, store, monkeypatch):
    monkeypatch.setattr(
        "shipments.services.fulfilment.has_capability", lambda provider, capability: False
    )
    assert (
        shipment_fulfilment_event(shipment=at(fulfilled, S.DELIVERED), status=S.DELIVERED) is False
    )
    assert store.events == []


def test_a_disconnected_store_is_recorded(fulfilled, store):
    fulfilled.order.account.status = AccountStatus.DISCONNECTED
    fulfilled.order.account.save()

    assert (
        shipment_fulfilment_event(shipment=at(fulfilled, S.DELIVERED), status=S.DELIVERED) is False
    )

    fulfilled.refresh_from_db()
    assert fulfilled.channel_sync_error == "The store account is disconnected."
    assert store.events == []


def test_a_refused_event_is_recorded_and_can_be_sent_with_the_next_move(fulfilled, store):
    store.error = RejectedError(
        "Shopify rejected fulfillmentEventCreate: Fulfillment does not exist."
    )
    moved = at(fulfilled, S.OUT_FOR_DELIVERY)

    assert shipment_fulfilment_event(shipment=moved, status=S.OUT_FOR_DELIVERY) is False

    moved.refresh_from_db()
    assert moved.channel_sync_error == (
        "Shopify rejected fulfillmentEventCreate: Fulfillment does not exist."
    )
    assert moved.channel_event_status == ""  # not sent


def test_a_transient_error_is_raised_for_the_retry_which_sends_it(fulfilled, store):
    store.error = ConnectorError("Shopify answered 503")
    moved = at(fulfilled, S.DELIVERED)
    with pytest.raises(ConnectorError):
        shipment_fulfilment_event(shipment=moved, status=S.DELIVERED)
    moved.refresh_from_db()
    assert (moved.channel_sync_error, moved.channel_event_status) == ("Shopify answered 503", "")

    store.error = None
    assert shipment_fulfilment_event(shipment=moved, status=S.DELIVERED) is True
    moved.refresh_from_db()
    assert (moved.channel_sync_error, moved.channel_event_status) == ("", "DELIVERED")
    assert [e["status"] for e in store.events] == ["DELIVERED", "DELIVERED"]  # the retry


def test_the_task_writes_the_event(fulfilled, store):
    from shipments.tasks import shipment_fulfilment_event_task

    at(fulfilled, S.DELIVERED)

    assert shipment_fulfilment_event_task.apply(args=(fulfilled.pk, S.DELIVERED)).get() is True
    assert [e["status"] for e in store.events] == ["DELIVERED"]


# --- queued by tracking --------------------------------------------------------------------------
def scan(shipment, status: str, hours: float) -> TrackingEventDTO:
    return TrackingEventDTO(
        awb=shipment.awb,
        at=T0 + timedelta(hours=hours),
        status=status,
        raw_status=status,
        raw_type="UD",
    )


@pytest.fixture
def queue(monkeypatch):
    sent = []
    monkeypatch.setattr(
        "integrations.tasks.enqueue", lambda task, *args, **kw: sent.append((task.name, args))
    )
    return sent


def test_tracking_queues_the_event_after_commit_when_the_status_moves(
    fulfilled, queue, django_capture_on_commit_callbacks
):
    from shipments.services.tracking import tracking_events_import

    task = "shipments.tasks.shipment_fulfilment_event_task"
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        tracking_events_import(account=fulfilled.account, events=[scan(fulfilled, S.IN_TRANSIT, 1)])
    assert queue == []  # not before the commit
    for callback in callbacks:
        callback()
    assert queue == [(task, (fulfilled.pk, S.IN_TRANSIT))]

    with django_capture_on_commit_callbacks(execute=True):
        tracking_events_import(
            account=fulfilled.account, events=[scan(fulfilled, S.IN_TRANSIT, 1)]
        )  # the same scan again: no move
        tracking_events_import(
            account=fulfilled.account,
            events=[scan(fulfilled, S.PICKED_UP, 2), scan(fulfilled, S.OUT_FOR_DELIVERY, 20)],
        )
    assert queue == [
        (task, (fulfilled.pk, S.IN_TRANSIT)),
        (task, (fulfilled.pk, S.OUT_FOR_DELIVERY)),
    ]


def test_tracking_queues_nothing_for_a_shipment_without_a_fulfilment(
    shipment, queue, django_capture_on_commit_callbacks
):
    from shipments.services.tracking import tracking_events_import

    with django_capture_on_commit_callbacks(execute=True):
        result = tracking_events_import(
            account=shipment.account, events=[scan(shipment, S.DELIVERED, 1)]
        )

    assert result.updated == 1
    assert queue == []


def test_a_fulfilment_written_late_queues_the_status_reached_meanwhile(
    shipment, store, queue, django_capture_on_commit_callbacks
):
    moved = at(shipment, S.OUT_FOR_DELIVERY, 30)

    with django_capture_on_commit_callbacks(execute=True):
        assert shipment_fulfil_on_channel(shipment=moved) is True

    assert queue == [
        ("shipments.tasks.shipment_fulfilment_event_task", (shipment.pk, S.OUT_FOR_DELIVERY))
    ]
