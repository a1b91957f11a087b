"""The dashboard in a real browser (defects issue §5): log in, the hub with its cards and a
"Sync now" whose progress updates live, orders with a filter and an order's page, a stock
adjustment, receiving a return, the drift page, and the pages at a phone's width."""

from __future__ import annotations

import time
from datetime import UTC, datetime

import pytest

from integrations.dto import ReturnDTO, ReturnKind, ReturnStatus
from integrations.models import ACTIVE_SYNC_STATUSES, ChannelAccount, SyncRun, SyncStatus
from inventory.models import StockLevel
from inventory.services import stock_adjust
from orders.models import Order, Return
from orders.services import order_import
from returns.services import returns_import
from tests.browser.conftest import log_in
from tests.factories import ChannelAccountFactory, VariantFactory, order_dto

pytestmark = pytest.mark.django_db(transaction=True)
PLACED = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)
# The outermost elements that stick out past the screen's right edge (for the failure message).
WIDEST = """() => {
    const clipped = e => { for (let a = e.parentElement; a; a = a.parentElement) {
        if (getComputedStyle(a).overflowX !== 'visible') return true; } return false; };
    return [...document.querySelectorAll('body *')]
        .filter(e => e.getBoundingClientRect().right > window.innerWidth + 1 && !clipped(e))
        .slice(0, 6).map(e => e.tagName.toLowerCase() + '.' + [...e.classList].join('.')
            + ' ' + Math.round(e.getBoundingClientRect().right) + 'px');
}"""


@pytest.fixture
def shop(shopper):
    """Three orders of one SKU on one channel (one shipped and returned), 10 units on hand."""
    merchant = shopper.merchant
    account = ChannelAccountFactory(merchant=merchant, provider="flipkart")
    variant = VariantFactory(product__merchant=merchant, merchant=merchant, sku="KURTA-BLU-M")
    stock_adjust(merchant=merchant, variant_id=variant.pk, on_hand=10, note="opening")
    for external_id, status in (("OD-1", "confirmed"), ("OD-2", "shipped"), ("OD-3", "cancelled")):
        order_import(
            account=account,
            order=order_dto(external_id, status=status, items=(("KURTA-BLU-M", 1),)),
        )
    item = Order.objects.get(external_id="OD-2").items.get()
    returns_import(
        account=account,
        returns=[
            ReturnDTO(
                external_id="RT-1",
                order_external_id="OD-2",
                status=ReturnStatus.RECEIVED,
                kind=ReturnKind.RTO,
                quantity=1,
                created_at=PLACED,
                updated_at=PLACED,
                order_item_external_id=item.external_id,
                sku="KURTA-BLU-M",
            )
        ],
    )
    return shopper, variant


def on_hand(variant) -> int:
    return StockLevel.objects.get(variant=variant, warehouse__is_default=True).on_hand


def test_log_in_and_see_the_hub_cards(page, shop):
    shopper, _ = shop
    log_in(page, shopper.user)
    assert page.url.endswith("/")
    page.get_by_role("heading", name="Connectors").first.wait_for()
    assert page.locator(".account").count() >= 1
    assert "Flipkart" in page.content()


def test_a_wrong_password_is_refused_in_the_form(page, shopper):
    page.goto("/accounts/login/")
    page.fill("input[name=username]", shopper.user.username)
    page.fill("input[name=password]", "not-the-password")
    page.click("button[type=submit]")
    assert "/accounts/login/" in page.url
    assert page.locator(".message--error, .errorlist, [role=alert]").count() >= 1


def test_orders_filter_and_an_orders_page(page, shop):
    shopper, _ = shop
    log_in(page, shopper.user)
    page.goto("/orders/")
    assert page.locator("tbody tr").count() == 3
    page.select_option("select[name=status]", "shipped")
    page.get_by_role("button", name="Apply filters").click()
    page.wait_for_url("**status=shipped**")
    assert page.locator("tbody tr").count() == 1
    assert page.locator("tbody tr .badge--rto").count() == 1
    page.get_by_role("link", name="OD-2").click()
    page.get_by_role("heading", name="OD-2").first.wait_for()
    assert "KURTA-BLU-M" in page.content()


def test_a_stock_adjustment_from_the_sku_page(page, shop):
    shopper, variant = shop
    log_in(page, shopper.user)
    page.goto("/stock/sku/KURTA-BLU-M/")
    before = on_hand(variant)
    form = page.locator(".adjust-form")
    form.get_by_label("Add or remove (±) units").check()
    form.locator("input[name=quantity]").fill("4")
    form.locator("select[name=kind]").select_option("receipt")
    form.locator("input[name=note]").fill("found in the back room")
    form.get_by_role("button", name="Save to the ledger").click()
    page.wait_for_load_state("networkidle")
    assert on_hand(variant) == before + 4
    assert "found in the back room" in page.content()  # the ledger row, with its note
    assert page.locator(".page-head__badges").get_by_text(f"On hand {before + 4}").count() == 1


def test_receiving_a_return_restocks_it(page, shop):
    shopper, variant = shop
    before = on_hand(variant)
    log_in(page, shopper.user)
    page.goto("/returns/")
    ret = Return.objects.get(external_id="RT-1")
    form = page.locator(f"#return-{ret.pk} form.receive-form, form.receive-form").first
    form.locator("input[name^=restocked_]").fill("1")
    form.get_by_role("button", name="Receive").click()
    page.wait_for_load_state("networkidle")
    ret.refresh_from_db()
    assert ret.status == ReturnStatus.QC_PASSED
    assert on_hand(variant) == before + 1
    assert "QC passed" in page.content()


def test_the_drift_page_shows_its_chart_and_filters(page, shop):
    shopper, _ = shop
    log_in(page, shopper.user)
    page.goto("/stock/drift/")
    page.get_by_role("heading", name="Drift").first.wait_for()
    assert page.locator("form.filters").count() == 1
    page.fill("input[name=date_from]", "2026-11-01")
    page.get_by_role("button", name="Apply filters").click()
    page.wait_for_url("**date_from=2026-11-01**")


@pytest.mark.parametrize("path", ["/", "/orders/", "/stock/", "/returns/", "/stock/drift/"])
def test_pages_fit_a_phone_screen(phone, shop, path):
    shopper, _ = shop
    log_in(phone, shopper.user)
    phone.goto(path)
    width = phone.evaluate("document.documentElement.scrollWidth")
    widest = phone.evaluate(WIDEST)
    assert width <= 390 + 1, f"{path} is {width}px wide on a 390px screen: {widest}"


def test_sync_now_shows_live_progress_until_the_run_ends(page, shopper, live_server):
    from rest_framework.test import APIClient

    from sandbox.flipkart import services

    services.seed_seller(application_id="browser-fk", orders=40, days=10, seed=5)
    client = APIClient()
    client.force_authenticate(shopper.user)
    response = client.post(
        "/api/integrations/providers/flipkart/connect",
        {
            "application_id": "browser-fk",
            "application_secret": "sandbox-secret",
            "use_sandbox": True,
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    account = ChannelAccount.objects.get(provider="flipkart", external_id="browser-fk")
    deadline = time.monotonic() + 60
    while SyncRun.objects.filter(account=account, status__in=ACTIVE_SYNC_STATUSES).exists():
        assert time.monotonic() < deadline, "the first sync did not finish"
        time.sleep(0.2)
    last_before = SyncRun.objects.filter(account=account).latest("pk").pk

    log_in(page, shopper.user)
    selector = f"#account-{account.pk}"
    # Record whether the card ever shows a live, polling state (its replacement included).
    page.evaluate(
        """(selector) => {
            window.sawPolling = false;
            const look = () => {
                const card = document.querySelector(selector);
                if (card && card.hasAttribute('data-poll-url')) window.sawPolling = true;
            };
            new MutationObserver(look).observe(document.body, {subtree: true, childList: true,
                                                               attributes: true});
        }""",
        selector,
    )
    page.locator(selector).get_by_role("button", name="Sync now").click()
    # Live: the card polls while the run is active, then stops and shows the outcome.
    page.wait_for_function(
        """(selector) => {
            const card = document.querySelector(selector);
            return window.sawPolling && card && !card.hasAttribute('data-poll-url')
                && card.textContent.includes('Succeeded');
        }""",
        arg=selector,
        timeout=60_000,
    )
    new_runs = SyncRun.objects.filter(account=account, pk__gt=last_before)
    assert new_runs.exists()
    assert set(new_runs.values_list("status", flat=True)) == {SyncStatus.SUCCEEDED}
    assert page.locator(selector).get_by_role("button", name="Sync now").is_enabled()
