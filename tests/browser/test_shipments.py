"""The shipment pages in a real browser: the list's statuses update live while shipments move
(and the refresh stops once all are final), the tracking timeline, and the pages at a phone's
width."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from integrations.dto import PaymentMethod, ShipmentStatus
from shipments.models import Shipment
from tests.browser.conftest import log_in
from tests.browser.test_dashboard import WIDEST
from tests.dashboard.builders import make_order
from tests.factories import ChannelAccountFactory

pytestmark = pytest.mark.django_db(transaction=True)
T0 = datetime(2026, 11, 20, 4, 30, tzinfo=UTC)
S = ShipmentStatus


@pytest.fixture
def shipments(shopper):
    """A Delhivery account with one shipment in transit, one in NDR and two with outcomes."""
    merchant = shopper.merchant
    shop = ChannelAccountFactory(merchant=merchant)
    courier = ChannelAccountFactory(
        merchant=merchant, provider="delhivery", external_id="BROWSER", display_name="Delhivery"
    )
    made = []
    for i, (status, state) in enumerate(
        [
            (S.IN_TRANSIT, "Maharashtra"),
            (S.NDR, "Karnataka"),
            (S.DELIVERED, "Maharashtra"),
            (S.RTO_DELIVERED, "Andaman and Nicobar Islands"),
        ]
    ):
        order = make_order(shop, ship_state=state, payment_method=PaymentMethod.COD)
        shipment = Shipment.objects.create(
            merchant=merchant,
            order=order,
            account=courier,
            awb=f"90000000{i}",
            payment_method=PaymentMethod.COD,
            status=status,
            status_at=T0 + timedelta(hours=i),
            ndr_reason="customer_unavailable" if status == S.NDR else "",
        )
        shipment.events.create(at=T0, status=S.MANIFESTED, raw_status="Manifested")
        made.append(shipment)
    return made


def test_the_list_shows_status_changes_live_until_every_shipment_is_final(
    page, shopper, shipments, monkeypatch
):
    monkeypatch.setattr("shipments.views.STATUS_POLL_SECONDS", 1)
    moving, failed, *_ = shipments
    log_in(page, shopper.user)
    page.goto("/shipments/")
    row = page.locator(f"#shipment-{moving.pk}")
    row.get_by_text("In transit").wait_for()

    Shipment.objects.filter(pk=moving.pk).update(status=S.DELIVERED)
    Shipment.objects.filter(pk=failed.pk).update(status=S.RTO_DELIVERED)

    row.get_by_text("Delivered").wait_for()  # no reload: the table re-read itself
    page.locator(f"#shipment-{failed.pk}").get_by_text("RTO delivered").wait_for()
    page.wait_for_function("!document.querySelector('[data-shipment-rows][data-poll-url]')")


def test_a_shipment_page_shows_its_timeline(page, shopper, shipments):
    log_in(page, shopper.user)
    page.goto("/shipments/")
    page.get_by_role("link", name=shipments[1].awb).click()
    page.get_by_role("heading", name="Tracking").wait_for()
    assert page.locator(".timeline li").count() == 1
    assert "Customer unavailable" in page.content()


@pytest.mark.parametrize(
    "path", ["/shipments/", "/shipments/ndr/", "/shipments/rto/", "/shipments/rto/?group_by=state"]
)
def test_shipment_pages_fit_a_phone_screen(phone, shopper, shipments, path):
    log_in(phone, shopper.user)
    phone.goto(path)
    width = phone.evaluate("document.documentElement.scrollWidth")
    widest = phone.evaluate(WIDEST)
    assert width <= 390 + 1, f"{path} is {width}px wide on a 390px screen: {widest}"


def test_the_shipment_detail_fits_a_phone_screen(phone, shopper, shipments):
    log_in(phone, shopper.user)
    phone.goto(f"/shipments/{shipments[1].pk}/")
    width = phone.evaluate("document.documentElement.scrollWidth")
    widest = phone.evaluate(WIDEST)
    assert width <= 390 + 1, f"detail is {width}px wide on a 390px screen: {widest}"
