"""Tracking: scans from push and poll settle a shipment's status by the forward-only rule, each
scan stored once; the poll reads 50 AWBs a call, oldest-tracked first, and stops on errors."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from integrations.dto import NdrReason, ShipmentStatus, ShipmentTrackDTO, TrackingEventDTO
from integrations.http import ConnectorError
from orders.services import order_import
from shipments.models import Shipment, TrackingEvent
from shipments.services.tracking import (
    next_status,
    shipment_tracks_apply,
    shipments_due_for_tracking,
    shipments_track_account,
    tracking_events_import,
)
from tests.factories import ChannelAccountFactory, MerchantFactory, order_dto

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 11, 2, 4, 30, tzinfo=UTC)  # 10:00 IST
S = ShipmentStatus


@pytest.fixture
def merchant():
    return MerchantFactory()


@pytest.fixture
def courier(merchant):
    return ChannelAccountFactory(
        merchant=merchant, provider="delhivery", external_id="SANGAMDEMO", credentials={"t": "x"}
    )


@pytest.fixture
def shop(merchant):
    return ChannelAccountFactory(merchant=merchant)


def ship(shop, courier, awb: str = "2680571000001", **fields) -> Shipment:
    order_import(account=shop, order=order_dto(f"o-{awb}"))
    order = shop.orders.get(external_id=f"o-{awb}")
    return Shipment.objects.create(
        merchant=shop.merchant,
        order=order,
        account=courier,
        awb=awb,
        payment_method="cod",
        **fields,
    )


def scan(status: str, hours: float, awb: str = "2680571000001", **kw) -> TrackingEventDTO:
    raw = {"raw_status": kw.pop("raw_status", status), "raw_type": kw.pop("raw_type", "UD")}
    return TrackingEventDTO(awb=awb, at=T0 + timedelta(hours=hours), status=status, **raw, **kw)


def ndr(hours: float, **kw) -> TrackingEventDTO:
    kw = {"raw_status": "Pending", "raw_code": "EOD-11", **kw}
    return scan(S.NDR, hours, ndr_reason=NdrReason.CUSTOMER_UNAVAILABLE, **kw)


JOURNEYS = {
    "delivered": (
        [scan(S.MANIFESTED, 0), scan(S.IN_TRANSIT, 10), scan(S.OUT_FOR_DELIVERY, 40),
         scan(S.DELIVERED, 44)],
        S.DELIVERED, 0,
    ),
    "ndr then delivered": (
        [scan(S.MANIFESTED, 0), scan(S.OUT_FOR_DELIVERY, 40), ndr(44),
         scan(S.OUT_FOR_DELIVERY, 64), scan(S.DELIVERED, 66)],
        S.DELIVERED, 1,
    ),
    "ndr then rto": (
        [scan(S.MANIFESTED, 0), ndr(44), ndr(68, raw_status="Dispatched"),
         scan(S.RTO_INITIATED, 90, raw_type="RT", raw_status="In Transit"),
         scan(S.RTO_IN_TRANSIT, 100, raw_type="RT", raw_status="In Transit"),
         scan(S.RTO_DELIVERED, 150, raw_type="DL", raw_status="RTO")],
        S.RTO_DELIVERED, 2,
    ),
    "lost": ([scan(S.MANIFESTED, 0), scan(S.IN_TRANSIT, 10), scan(S.LOST, 200)], S.LOST, 0),
    "cancelled": ([scan(S.MANIFESTED, 0), scan(S.CANCELLED, 2, raw_type="CN")], S.CANCELLED, 0),
}  # fmt: skip


@pytest.mark.parametrize("name", sorted(JOURNEYS))
@pytest.mark.parametrize("order", ["in order", "reversed"])
def test_a_journey_ends_in_its_true_status_whatever_order_its_scans_arrive_in(
    shop, courier, name, order
):
    scans, final, attempts = JOURNEYS[name]
    shipment = ship(shop, courier)
    sequence = scans if order == "in order" else list(reversed(scans))
    for one in sequence:  # one push each
        tracking_events_import(account=courier, events=[one])

    shipment.refresh_from_db()
    assert shipment.status == final
    assert shipment.attempts == attempts
    assert shipment.events.count() == len(scans)
    assert shipment.status_at == max(s.at for s in scans if s.status == final)


def test_a_repeated_scan_is_stored_once_and_a_late_one_never_moves_the_shipment_back(shop, courier):
    shipment = ship(shop, courier)
    tracking_events_import(account=courier, events=[scan(S.OUT_FOR_DELIVERY, 40)])
    tracking_events_import(account=courier, events=[scan(S.OUT_FOR_DELIVERY, 40)])  # again
    tracking_events_import(account=courier, events=[scan(S.IN_TRANSIT, 10)])  # late

    shipment.refresh_from_db()
    assert shipment.status == S.OUT_FOR_DELIVERY
    assert shipment.status_at == T0 + timedelta(hours=40)
    assert TrackingEvent.objects.filter(shipment=shipment).count() == 2


def test_a_forward_scan_after_the_rto_began_is_kept_but_does_not_leave_rto(shop, courier):
    shipment = ship(shop, courier)
    tracking_events_import(
        account=courier, events=[scan(S.RTO_INITIATED, 90, raw_type="RT"), scan(S.NDR, 95)]
    )
    shipment.refresh_from_db()
    assert shipment.status == S.RTO_INITIATED
    assert shipment.rto_started_at == T0 + timedelta(hours=90)
    assert shipment.events.count() == 2


def test_an_ndr_keeps_its_reason_until_the_next_status(shop, courier):
    shipment = ship(shop, courier)
    tracking_events_import(account=courier, events=[ndr(44)])
    shipment.refresh_from_db()
    assert (shipment.status, shipment.ndr_reason) == (S.NDR, NdrReason.CUSTOMER_UNAVAILABLE)
    tracking_events_import(account=courier, events=[scan(S.OUT_FOR_DELIVERY, 64)])
    shipment.refresh_from_db()
    assert (shipment.status, shipment.ndr_reason) == (S.OUT_FOR_DELIVERY, "")


@pytest.mark.parametrize(
    ("current", "scan_status", "later", "moves"),
    [
        (S.IN_TRANSIT, S.OUT_FOR_DELIVERY, True, True),
        (S.OUT_FOR_DELIVERY, S.IN_TRANSIT, False, False),  # a late scan
        (S.OUT_FOR_DELIVERY, S.IN_TRANSIT, True, True),  # re-routed after a failed attempt
        (S.IN_TRANSIT, S.DELIVERED, False, True),  # final wins whatever the clock says
        (S.DELIVERED, S.RTO_INITIATED, True, False),  # a final status is never left
        (S.RTO_IN_TRANSIT, S.OUT_FOR_DELIVERY, True, False),  # never back to forward
        (S.NDR, S.RTO_INITIATED, False, True),
    ],
)
def test_the_forward_only_rule(current, scan_status, later, moves):
    at = T0 + timedelta(hours=1 if later else -1)
    assert next_status(current, T0, scan_status, at) is moves


def test_a_scan_of_an_unknown_awb_is_quarantined_and_the_rest_commits(shop, courier):
    shipment = ship(shop, courier)
    result = tracking_events_import(
        account=courier,
        events=[scan(S.IN_TRANSIT, 10), scan(S.IN_TRANSIT, 10, awb="999")],
    )
    assert [f.external_id for f in result.failures] == ["999"]
    shipment.refresh_from_db()
    assert shipment.status == S.IN_TRANSIT


def test_another_accounts_awb_is_not_this_accounts(shop, courier, merchant):
    ship(shop, courier)
    other = ChannelAccountFactory(provider="delhivery", external_id="OTHER")
    result = tracking_events_import(account=other, events=[scan(S.DELIVERED, 44)])
    assert len(result.failures) == 1
    assert Shipment.objects.get().status == S.CREATED


def test_a_poll_answer_sets_expected_delivery_and_stores_scans_seen_by_push_once(shop, courier):
    shipment = ship(shop, courier)
    tracking_events_import(account=courier, events=[scan(S.MANIFESTED, 0)])
    eta = T0 + timedelta(days=3)
    shipment_tracks_apply(
        account=courier,
        tracks=[
            ShipmentTrackDTO(
                awb=shipment.awb,
                status=S.IN_TRANSIT,
                events=(scan(S.MANIFESTED, 0), scan(S.IN_TRANSIT, 10)),
                expected_delivery=eta,
            )
        ],
    )
    shipment.refresh_from_db()
    assert (shipment.status, shipment.expected_delivery_at) == (S.IN_TRANSIT, eta)
    assert list(shipment.events.values_list("source", flat=True)) == ["push", "poll"]


class FakeCourier:
    """A courier connector answering every AWB in transit, recording each call."""

    track_batch = 50

    def __init__(self, fail_after: int | None = None):
        self.calls: list[list[str]] = []
        self.fail_after = fail_after

    def track_shipments(self, awbs):
        if self.fail_after is not None and len(self.calls) >= self.fail_after:
            raise ConnectorError("throttled (403 from the WAF)")
        self.calls.append(list(awbs))
        return [
            ShipmentTrackDTO(awb=a, status=S.IN_TRANSIT, events=(scan(S.IN_TRANSIT, 5, awb=a),))
            for a in awbs
        ]


@pytest.fixture
def fake(monkeypatch):
    courier = FakeCourier()
    monkeypatch.setattr(
        "shipments.services.tracking.build_connector", lambda account, **kw: courier
    )
    return courier


def many(shop, courier, n: int, **fields) -> list[Shipment]:
    order_import(account=shop, order=order_dto("bulk"))
    order = shop.orders.get(external_id="bulk")
    return Shipment.objects.bulk_create(
        Shipment(
            merchant=shop.merchant,
            order=order,
            account=courier,
            awb=f"AWB{i:05d}",
            payment_method="prepaid",
            **fields,
        )
        for i in range(n)
    )


def test_the_poll_reads_50_awbs_a_call_and_only_open_shipments(shop, courier, fake):
    many(shop, courier, 120)
    Shipment.objects.filter(awb__in=["AWB00000", "AWB00001"]).update(status=S.DELIVERED)

    run = shipments_track_account(account_id=courier.pk)

    assert [len(c) for c in fake.calls] == [50, 50, 18]
    assert (run.calls, run.tracked, run.moved, run.error) == (3, 118, 118, "")
    assert "AWB00000" not in {a for c in fake.calls for a in c}
    assert not Shipment.objects.filter(status=S.CREATED).exclude(awb__in=["AWB00000", "AWB00001"])


def test_the_poll_serves_the_longest_untracked_first(shop, courier):
    shipments = many(shop, courier, 4)
    now = datetime(2026, 11, 5, tzinfo=UTC)
    for i, s in enumerate(shipments):
        s.last_tracked_at = now - timedelta(hours=i) if i else None
    Shipment.objects.bulk_update(shipments, ["last_tracked_at"])

    due = shipments_due_for_tracking(account=courier, limit=3)

    assert due == ["AWB00000", "AWB00003", "AWB00002"]


def test_the_due_order_holds_across_statuses_and_skips_final_and_this_cycle(shop, courier):
    # One query per open status, merged: the order is global, whatever the statuses.
    now = datetime(2026, 11, 5, tzinfo=UTC)
    rows = [  # awb, status, hours since last tracked (None: never)
        ("A", S.IN_TRANSIT, 1),
        ("B", S.NDR, 5),
        ("C", S.OUT_FOR_DELIVERY, None),
        ("D", S.DELIVERED, 9),  # final: never polled
        ("E", S.MANIFESTED, 3),
        ("F", S.RTO_IN_TRANSIT, None),
        ("G", S.IN_TRANSIT, 0),  # tracked at the cycle's start: not again in it
        ("H", S.RTO_DELIVERED, None),  # final
        ("I", S.PICKED_UP, 4),
    ]
    for awb, status, hours in rows:
        tracked = None if hours is None else now - timedelta(hours=hours)
        ship(shop, courier, awb, status=status, last_tracked_at=tracked)

    assert shipments_due_for_tracking(account=courier, limit=10, before=now) == [
        "C", "F", "B", "I", "E", "A"
    ]  # fmt: skip
    assert shipments_due_for_tracking(account=courier, limit=3, before=now) == ["C", "F", "B"]
    assert shipments_due_for_tracking(account=courier, limit=1) == ["C"]
    assert shipments_due_for_tracking(account=courier, limit=10)[-1] == "G"


def test_an_error_stops_the_poll_and_the_next_run_carries_on(shop, courier, fake):
    many(shop, courier, 120)
    fake.fail_after = 1
    first = shipments_track_account(account_id=courier.pk)
    assert (first.calls, first.error) == (1, "throttled (403 from the WAF)")

    fake.fail_after = None
    second = shipments_track_account(account_id=courier.pk)
    order = [a for c in fake.calls[1:] for a in c]
    assert second.calls == 3
    assert not set(order[:70]) & set(fake.calls[0])  # the 70 never read go first
    assert sorted(order[70:]) == sorted(fake.calls[0])
    assert Shipment.objects.filter(status=S.IN_TRANSIT).count() == 120


def test_max_calls_caps_a_run(shop, courier, fake):
    many(shop, courier, 120)
    assert shipments_track_account(account_id=courier.pk, max_calls=1).calls == 1


def test_a_runs_time_limit_ends_it_and_the_next_run_carries_on(shop, courier, fake, monkeypatch):
    """A run stops inside its lock (``max_seconds``): here the clock passes the limit after
    two calls; the next run reads the rest first."""
    many(shop, courier, 120)
    ticks = iter([0.0, 0.0, 10.0, 20.0, 30.0])
    monkeypatch.setattr("shipments.services.tracking.time.monotonic", lambda: next(ticks))
    first = shipments_track_account(account_id=courier.pk, max_seconds=15)
    assert (first.calls, first.stopped_early) == (2, True)
    second = shipments_track_account(account_id=courier.pk)
    assert (second.calls, second.tracked, second.stopped_early) == (3, 120, False)
    read_first = set(fake.calls[0] + fake.calls[1])
    assert not set(fake.calls[2][:20]) & read_first  # the 20 never read go first


def test_the_beat_task_gives_the_run_a_limit_inside_its_lock(monkeypatch, courier):
    from shipments import tasks
    from shipments.services.tracking import TrackRun

    seen = {}

    def track(**kwargs):
        seen.update(kwargs)
        return TrackRun(calls=1, stopped_early=True)

    monkeypatch.setattr("shipments.services.tracking.shipments_track_account", track)
    result = tasks.shipments_track_task(courier.pk)
    assert seen == {"account_id": courier.pk, "max_seconds": tasks.TRACK_RUN_SECONDS}
    assert tasks.TRACK_RUN_SECONDS < tasks.TRACK_LOCK_SECONDS
    assert result["stopped_early"] is True


def test_track_now_in_the_admin_reads_the_selected_shipments(admin_client, shop, courier, fake):
    from django.urls import reverse

    chosen = many(shop, courier, 3)[:2]
    response = admin_client.post(
        reverse("admin:shipments_shipment_changelist"),
        {"action": "track_now", "_selected_action": [s.pk for s in chosen]},
        follow=True,
    )

    assert response.status_code == 200
    assert [sorted(c) for c in fake.calls] == [["AWB00000", "AWB00001"]]
    assert "2 tracked in 1 call(s); 2 changed status." in [
        str(m) for m in response.context["messages"]
    ]
    assert Shipment.objects.get(awb="AWB00002").status == S.CREATED


def test_the_beat_task_queues_one_poll_per_connected_courier_account(monkeypatch, courier, shop):
    from integrations.models import AccountStatus
    from shipments import tasks

    sent = []
    monkeypatch.setattr(
        "integrations.tasks.enqueue", lambda task, *args, **kw: sent.append((task, args))
    )
    ChannelAccountFactory(provider="delhivery", external_id="OFF", status=AccountStatus.ERROR)

    assert tasks.shipments_track_all_task() == [courier.pk]  # not the store, not the broken one
    assert sent == [(tasks.shipments_track_task, (courier.pk,))]
