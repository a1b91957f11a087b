"""One stock pool over real HTTP: a Shopify store, an Amazon seller and a Flipkart seller (the
three sandboxes) list the same catalog; Sangam manages stock on all three. A sale in the Shopify
store (a signed webhook) lowers the quantity on Amazon and Flipkart; a SKU that sells out is
pushed as 0 everywhere; the drift check finds and corrects a listing edited on Amazon."""

from __future__ import annotations

import pytest
from django.utils import timezone

from channel_stock.services.drift import drift_check_account
from channel_stock.services.listings import listings_discover
from channel_stock.services.push import account_set_manages_stock, stock_push_account
from integrations.models import ChannelAccount, SyncRun, SyncStatus, WebhookEvent
from integrations.services.accounts import connect_with_credentials
from inventory.models import ChannelListing, DriftEvent, PushState, StockLevel
from inventory.services import stock_adjust
from sandbox import demo
from tests.e2e.conftest import SHOP, oauth_connect

pytestmark = pytest.mark.django_db(transaction=True)

SELLER = "A2E2ESTOCK01"
APP = "e2e-stock-fk"


@pytest.fixture
def three_channels(hub, store, owner, settings):
    from sandbox.amazon import services as amazon
    from sandbox.flipkart import services as flipkart

    settings.AMAZON_REPORT_POLL_SECONDS = 0.05
    settings.AMAZON_FEED_POLL_SECONDS = 0.05
    shopify = oauth_connect(hub, owner)
    amazon.seed_seller(seller_id=SELLER, shop=SHOP, orders=5, days=10, client_id="e2e-client")
    amazon.set_job_polls(SELLER, queue=0, progress=0)
    flipkart.seed_seller(application_id=APP, shop=SHOP, orders=5, days=10)
    az = connect_with_credentials(
        merchant=owner.merchant,
        provider="amazon",
        data={
            "seller_id": SELLER,
            "lwa_client_id": "e2e-client",
            "lwa_client_secret": "sandbox-secret",
            "refresh_token": amazon.refresh_token(SELLER),
        },
        use_sandbox=True,
    )
    fk = connect_with_credentials(
        merchant=owner.merchant,
        provider="flipkart",
        data={
            "application_id": APP,
            "application_secret": "sandbox-secret",
            "location_id": "LOCa1b2c3d4e5",
        },
        use_sandbox=True,
    )
    for account in (az, fk):
        demo.watch_runs(lambda a=account: a.pk, lambda: True, lambda _runs: None, timeout=300)
        assert listings_discover(account=account).created > 0
    for account in (shopify, az, fk):
        account.refresh_from_db()
        account_set_manages_stock(account=account, enabled=True)
        stock_push_account(account_id=account.pk)
    return shopify, az, fk


def on_channels(sku: str) -> tuple[int, int]:
    from sandbox.amazon import services as amazon
    from sandbox.flipkart import services as flipkart

    return amazon.listing_quantity(SELLER, sku), flipkart.listing_inventory(APP, sku)


def available(sku: str, account: ChannelAccount) -> int:
    listing = ChannelListing.objects.get(account=account, channel_sku=sku)
    level = StockLevel.objects.get(variant=listing.variant, warehouse__is_default=True)
    return max(0, level.on_hand - level.reserved - listing.buffer_stock)


def test_a_shopify_sale_lowers_the_quantity_on_amazon_and_flipkart(three_channels):
    from sandbox.shopify.services import simulate_orders

    shopify, az, fk = three_channels
    matched = ChannelListing.objects.filter(account__in=[az, fk], variant__isnull=False)
    assert matched.filter(account=az).exists()
    assert matched.filter(account=fk).exists()
    assert not ChannelListing.objects.filter(last_push_status=PushState.FAILED).exists()

    placed = simulate_orders(shop=SHOP, count=3, seed=9)

    sold = {line.sku for order in placed for line in order.line_items.all()}
    for sku in sold:
        if not ChannelListing.objects.filter(account=az, channel_sku=sku).exists():
            continue
        assert on_channels(sku) == (available(sku, az), available(sku, fk))
    listing = ChannelListing.objects.filter(account=az, channel_sku__in=sold).first()
    assert listing is not None
    assert listing.pushes.count() >= 2  # the first push and the one after the sale


def test_a_sold_out_sku_is_zero_everywhere_and_drift_is_corrected(three_channels):
    from sandbox.amazon.models import SandboxAmazonListing

    shopify, az, fk = three_channels
    listing = ChannelListing.objects.filter(account=az, variant__isnull=False).first()
    sku = listing.channel_sku
    stock_adjust(merchant=az.merchant_id, variant_id=listing.variant_id, on_hand=0)

    assert on_channels(sku) == (0, 0)
    shop_listing = ChannelListing.objects.get(account=shopify, variant=listing.variant)
    assert shop_listing.last_pushed_quantity == 0

    # Someone edits the Amazon listing in Seller Central.
    SandboxAmazonListing.objects.filter(seller__seller_id=SELLER, sku=sku).update(quantity=7)
    report = drift_check_account(account_id=az.pk)

    assert report.drifted == 1
    assert report.corrected == 1
    event = DriftEvent.objects.get(listing=listing)
    assert (event.expected, event.found, event.corrected) == (0, 7, True)
    assert on_channels(sku) == (0, 0)


def test_our_echo_is_ignored_and_a_shopify_admin_change_reaches_the_other_channels(
    three_channels,
):
    from inventory.models import MovementSource, StockMovement
    from sandbox.shopify.services import set_available

    shopify, az, fk = three_channels
    # Every push to Shopify came back as an inventory_levels/update webhook: all echoes.
    assert WebhookEvent.objects.filter(topic="inventory_levels/update").exists()
    assert not StockMovement.objects.filter(source=MovementSource.CHANNEL).exists()

    listing = ChannelListing.objects.filter(account=shopify, variant__isnull=False).first()
    sku = listing.channel_sku
    before = StockLevel.objects.get(variant=listing.variant, warehouse__is_default=True).on_hand
    shown = listing.last_pushed_quantity

    changed_at = timezone.now()
    set_available(shop=SHOP, sku=sku, available=shown + 5)  # a person in the Shopify admin

    taken = StockMovement.objects.get(source=MovementSource.CHANNEL)
    assert taken.on_hand_delta == 5
    # A rise is taken in only after the store's refunds were polled (a restock whose refund
    # webhook was lost would otherwise count twice).
    assert SyncRun.objects.filter(
        account=shopify, stream="returns", status=SyncStatus.SUCCEEDED, started_at__gt=changed_at
    ).exists()
    after = StockLevel.objects.get(variant=listing.variant, warehouse__is_default=True).on_hand
    assert after == before + 5
    assert on_channels(sku) == (available(sku, az), available(sku, fk))
    assert available(sku, az) == shown + 5


def test_shopify_sales_are_not_taken_in_but_a_later_admin_change_is(three_channels):
    """Sales make Shopify send non-echo levels; each is read back and judged by the ledger (the
    order units explain them, or they are too close to an order to judge): nothing is booked.
    An admin change made clear of the sales is then taken in exactly."""
    import time

    from inventory.models import MovementSource, StockMovement
    from sandbox.shopify.services import set_available, simulate_orders

    shopify, az, fk = three_channels
    placed = simulate_orders(shop=SHOP, count=4, seed=21)
    sold = [line.sku for order in placed for line in order.line_items.all()]
    listing = ChannelListing.objects.filter(
        account=shopify, channel_sku__in=sold, variant__isnull=False
    ).first()
    assert listing is not None
    assert not StockMovement.objects.filter(source=MovementSource.CHANNEL).exists()

    time.sleep(2.5)  # clear of the sales (channel_levels.QUIET)
    listing.refresh_from_db()
    shown = listing.channel_quantity
    before = StockLevel.objects.get(variant=listing.variant, warehouse__is_default=True).on_hand
    set_available(shop=SHOP, sku=listing.channel_sku, available=shown - 2)  # 2 found damaged

    taken = list(
        StockMovement.objects.filter(source=MovementSource.CHANNEL).values_list(
            "on_hand_delta", flat=True
        )
    )
    assert taken == [-2]
    after = StockLevel.objects.get(variant=listing.variant, warehouse__is_default=True).on_hand
    assert after == before - 2
    sku = listing.channel_sku
    assert on_channels(sku) == (available(sku, az), available(sku, fk))


def test_an_admin_change_whose_webhook_never_came_is_taken_in_by_the_drift_check(
    three_channels,
):
    """The store's level changes with no ``inventory_levels/update`` (a lost delivery): the
    nightly check reads it under the push lock, corrects Shopify, and the ledger then takes the
    change into the pool, so Amazon and Flipkart follow it."""
    from inventory.models import MovementSource, StockMovement
    from sandbox.shopify.models import SandboxInventoryLevel

    shopify, az, fk = three_channels
    listing = ChannelListing.objects.filter(account=shopify, variant__isnull=False).first()
    sku = listing.channel_sku
    level = SandboxInventoryLevel.objects.get(
        item__variant__sku=sku,
        item__variant__shop__domain=SHOP,
        location_id=int(listing.external_location_id),
    )
    shown = level.available
    SandboxInventoryLevel.objects.filter(pk=level.pk).update(available=shown + 6)

    report = drift_check_account(account_id=shopify.pk)

    assert report.drifted == 1
    taken = list(
        StockMovement.objects.filter(source=MovementSource.CHANNEL).values_list(
            "on_hand_delta", flat=True
        )
    )
    assert taken == [6]
    assert available(sku, az) == shown + 6
    assert on_channels(sku) == (shown + 6, shown + 6)
    level.refresh_from_db()
    assert level.available == shown + 6


def test_a_partial_cancellation_in_shopify_frees_its_units_on_every_channel(three_channels):
    """The Shopify admin refunds the units of one line before shipping, with restock: Shopify
    sends ``refunds/create`` (``restock_type: cancel``), ``orders/updated`` (current quantity
    0) and its own level. Sangam releases the units, Amazon and Flipkart get them back, and the
    ledger counts Shopify's restock as its own flow: nothing is taken in twice."""
    import time

    from inventory.models import MovementSource, StockMovement
    from orders.models import Order, OrderLineRemoval
    from sandbox.shopify.models import SandboxInventoryLevel
    from sandbox.shopify.services import refund_order, simulate_orders

    shopify, az, fk = three_channels
    (placed,) = simulate_orders(shop=SHOP, count=1, seed=33)
    line = next(
        item
        for item in placed.line_items.all()
        if ChannelListing.objects.filter(account=az, channel_sku=item.sku).exists()
    )
    sku, units = line.sku, line.current_quantity
    before = available(sku, az)
    assert on_channels(sku) == (before, before)
    time.sleep(2.5)  # clear of the sale (channel_levels.QUIET)

    refund_order(placed, lines={line.id: units}, restock=True, note="customer changed mind")

    order = Order.objects.get(account=shopify, external_id=str(placed.id))
    assert order.items.get(external_id=str(line.id)).current_quantity == 0
    removal = OrderLineRemoval.objects.get(account=shopify)
    assert (removal.sku, removal.quantity, removal.restocked) == (sku, units, True)
    assert available(sku, az) == before + units
    assert on_channels(sku) == (before + units, before + units)
    shopify_level = SandboxInventoryLevel.objects.get(
        item__variant__sku=sku, item__variant__shop__domain=SHOP, location__is_primary=True
    )
    assert shopify_level.available == available(sku, shopify)
    assert not StockMovement.objects.filter(source=MovementSource.CHANNEL).exists()


@pytest.mark.parametrize("webhooks_lost", [False, True], ids=["by-webhook", "by-drift-check"])
def test_a_return_restocked_in_shopify_reaches_every_channel_once(three_channels, webhooks_lost):
    """The merchant approves a Shopify return and, when the parcel is back, restocks the unit
    in the Shopify admin (a ``RESTOCKED`` disposition: Shopify's ``available`` rises at the
    location, with ``orders/updated`` and ``inventory_levels/update``). Sangam reads the
    return, books the unit as a QC-passed receipt of it, Amazon and Flipkart get it, and the
    ledger counts Shopify's own restock: nothing is taken in as an admin change. With both
    webhooks lost, the nightly check finds Shopify's rise; before taking it in, the ledger
    polls the returns, which brings the disposition."""
    import time

    from integrations.dto import ReturnStatus
    from integrations.services import sync
    from inventory.models import MovementSource, StockMovement
    from orders.models import Return, ReturnDisposition
    from sandbox.shopify.models import SandboxInventoryLevel
    from sandbox.shopify.returns import dispose_return, request_return
    from sandbox.shopify.services import fulfill_order, simulate_orders

    shopify, az, fk = three_channels
    (placed,) = simulate_orders(shop=SHOP, count=1, seed=41)
    shipped = fulfill_order(placed)
    line = next(
        item
        for item in shipped.line_items.all()
        if ChannelListing.objects.filter(account=az, channel_sku=item.sku).exists()
    )
    sku = line.sku
    returned = request_return(shipped, {line.id: 1}, reason="SIZE_TOO_SMALL")
    sync.sync_account(account_id=shopify.pk, streams=["returns"])
    ret = Return.objects.get(account=shopify)
    assert ret.status == ReturnStatus.IN_TRANSIT
    before = available(sku, az)
    time.sleep(2.5)  # clear of the sale and the push (channel_levels.QUIET)

    dispose_return(returned, {line.id: 1}, deliver=not webhooks_lost)
    if webhooks_lost:
        assert ret.status == ReturnStatus.IN_TRANSIT
        assert drift_check_account(account_id=shopify.pk).drifted == 1

    ret.refresh_from_db()
    assert ret.status == ReturnStatus.QC_PASSED
    disposition = ReturnDisposition.objects.get(account=shopify)
    assert (disposition.sku, disposition.quantity, disposition.received_quantity) == (sku, 1, 1)
    assert available(sku, az) == before + 1
    assert on_channels(sku) == (before + 1, before + 1)
    shopify_level = SandboxInventoryLevel.objects.get(
        item__variant__sku=sku, item__variant__shop__domain=SHOP, location__is_primary=True
    )
    assert shopify_level.available == available(sku, shopify)
    assert list(
        StockMovement.objects.filter(source=MovementSource.RETURN).values_list(
            "on_hand_delta", flat=True
        )
    ) == [1]
    assert not StockMovement.objects.filter(source=MovementSource.CHANNEL).exists()

    # The next nightly check finds Shopify where Sangam put it.
    assert drift_check_account(account_id=shopify.pk).drifted == 0
