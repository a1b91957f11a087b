"""Shopify return dispositions in the hub: a return's goods restocked (or not) in the Shopify
admin are a receipt of the Sangam return, counted once, and Shopify's own restock at the
listing's location is never taken in as a change made in the Shopify admin."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from channel_stock.services.push import stock_push_account
from integrations.connectors.shopify.returns import returns_from_graphql_order
from integrations.dto import DispositionType, ReturnStatus
from inventory.models import MovementKind, MovementSource, StockMovement
from orders.models import Return, ReturnDisposition
from returns.services import returns_import
from returns.services.receipts import return_receive
from tests.channel_stock import test_push as push
from tests.channel_stock.test_push import channel_movements, pushed_to_shopify, settle

pytestmark = pytest.mark.django_db

# The fake channel, the push recorder and the Shopify account of the push tests.
channel = push.channel
merchant = push.merchant
polls = push.polls
scheduled = push.scheduled
shop = push.shop

ORDER_ID = "820982911946154508"
DISPOSITION_GID = "gid://shopify/ReverseFulfillmentOrderDisposition/"
LINE_ID = "466157049"


def shopify_return(
    sku: str,
    units: int,
    *,
    updated_at,
    status: str = "OPEN",
    dispositions: list[tuple[int, str, str | None]] = (),
) -> dict:
    """The returns stream's ``Order`` node of an order with one Shopify return of ``units`` ×
    ``sku``, its reverse fulfillment order holding ``dispositions`` (quantity, type, location
    id) in order; ``updated_at`` is the order's ``updatedAt``."""
    return {
        "id": f"gid://shopify/Order/{ORDER_ID}",
        "updatedAt": updated_at.isoformat(),
        "returnStatus": "IN_PROGRESS",
        "refunds": [],
        "returns": [
            {
                "id": "gid://shopify/Return/7",
                "name": "#1001-R1",
                "status": status,
                "decline": None,
                "returnLineItems": [
                    {
                        "__typename": "ReturnLineItem",
                        "id": "gid://shopify/ReturnLineItem/70",
                        "quantity": units,
                        "returnReason": "DEFECTIVE",
                        "returnReasonNote": "",
                        "customerNote": None,
                        "fulfillmentLineItem": {
                            "id": "gid://shopify/FulfillmentLineItem/700",
                            "lineItem": {"id": f"gid://shopify/LineItem/{LINE_ID}", "sku": sku},
                        },
                    }
                ],
                "reverseFulfillmentOrders": [
                    {
                        "id": "gid://shopify/ReverseFulfillmentOrder/9",
                        "status": "OPEN",
                        "lineItems": [
                            {
                                "id": "gid://shopify/ReverseFulfillmentOrderLineItem/90",
                                "totalQuantity": units,
                                "fulfillmentLineItem": {
                                    "id": "gid://shopify/FulfillmentLineItem/700",
                                    "lineItem": {
                                        "id": f"gid://shopify/LineItem/{LINE_ID}",
                                        "sku": sku,
                                    },
                                },
                                "dispositions": [
                                    {
                                        "id": f"{DISPOSITION_GID}{900 + n}",
                                        "quantity": quantity,
                                        "type": kind,
                                        "location": {"id": f"gid://shopify/Location/{location}"}
                                        if location
                                        else None,
                                    }
                                    for n, (quantity, kind, location) in enumerate(dispositions)
                                ],
                            }
                        ],
                    }
                ],
            }
        ],
    }


def read(account, node: dict) -> None:
    """Import what the returns stream maps from ``node``."""
    result = returns_import(account=account, returns=returns_from_graphql_order(node))
    assert result.failures == [], result.failures


def approved_then_disposed(
    account,
    units: int,
    dispositions: list[tuple[int, str, str | None]],
    *,
    approved_ago: timedelta = timedelta(days=1),
    disposed_ago: timedelta = timedelta(seconds=5),
) -> None:
    """A Shopify return of ``units`` × SKU-A read when approved, ``approved_ago``, and read again
    with ``dispositions`` made by ``disposed_ago``."""
    now = timezone.now()
    read(account, shopify_return("SKU-A", units, updated_at=now - approved_ago))
    read(
        account,
        shopify_return("SKU-A", units, updated_at=now - disposed_ago, dispositions=dispositions),
    )


def restock_movements() -> list[tuple[str, int]]:
    return list(
        StockMovement.objects.filter(source=MovementSource.RETURN)
        .order_by("pk")
        .values_list("kind", "on_hand_delta")
    )


def test_the_mapping_gives_one_disposition_per_shopify_disposition():
    node = shopify_return(
        "SKU-A",
        2,
        updated_at=timezone.now(),
        dispositions=[(1, "RESTOCKED", "loc-1"), (1, "NOT_RESTOCKED", None)],
    )
    dtos = [d for d in returns_from_graphql_order(node) if hasattr(d, "disposition")]
    assert [
        (d.external_id, d.return_external_id, d.order_item_external_id, d.sku, d.quantity)
        for d in dtos
    ] == [("900", "return:7", LINE_ID, "SKU-A", 1), ("901", "return:7", LINE_ID, "SKU-A", 1)]
    assert [(d.disposition, d.location_id) for d in dtos] == [
        (DispositionType.RESTOCKED, "loc-1"),
        (DispositionType.NOT_RESTOCKED, ""),
    ]


def test_a_restock_in_shopify_is_a_receipt_and_not_an_admin_change(shop, channel, scheduled):
    """Approved a day ago and read then; restocked in Shopify now. Sangam receives the unit
    (QC passed, +1 on hand through the ledger) and Shopify's +1 at the location is its own
    flow: the baseline our push took may lie before or after the restock, so it is dropped,
    and nothing is taken in as a change in the Shopify admin."""
    listing = pushed_to_shopify(shop, channel, "SKU-A", 8)
    approved = timezone.now() - timedelta(days=1)
    read(shop, shopify_return("SKU-A", 2, updated_at=approved))
    assert Return.objects.get().status == ReturnStatus.IN_TRANSIT

    restocked = timezone.now() - timedelta(seconds=5)
    read(
        shop,
        shopify_return("SKU-A", 2, updated_at=restocked, dispositions=[(1, "RESTOCKED", "loc-1")]),
    )

    ret = Return.objects.get()
    assert ret.status == ReturnStatus.QC_PASSED
    assert ret.received_at is not None
    item = ret.items.get()
    assert (item.restocked_quantity, item.written_off_quantity) == (1, 0)
    disposition = ReturnDisposition.objects.get()
    assert (disposition.external_id, disposition.disposition, disposition.quantity) == (
        "900",
        DispositionType.RESTOCKED,
        1,
    )
    assert disposition.not_before == approved  # the version read before, without it
    assert disposition.received_quantity == 1
    assert restock_movements() == [(MovementKind.RESTOCK, 1)]
    assert listing.variant.stock_levels.get().on_hand == 9
    listing.refresh_from_db()
    assert listing.push_pending  # the new available-to-sell goes out to the channels

    assert settle(listing, 9) == "rebased"
    assert channel_movements() == []
    # The next push, clear of the restock, takes a new baseline: readings are exact again.
    ReturnDisposition.objects.update(seen_at=timezone.now() - timedelta(seconds=30))
    stock_push_account(account_id=shop.pk)
    listing.refresh_from_db()
    assert listing.channel_base_quantity == 9
    assert settle(listing, 9) == "explained"

    # The same read again changes nothing.
    read(
        shop,
        shopify_return("SKU-A", 2, updated_at=restocked, dispositions=[(1, "RESTOCKED", "loc-1")]),
    )
    assert ReturnDisposition.objects.count() == 1
    assert restock_movements() == [(MovementKind.RESTOCK, 1)]


def test_a_restock_after_our_baseline_is_counted_as_shopifys_own(shop, channel, scheduled):
    """Return read (approved) after our push took the baseline, then restocked: the whole span
    of the disposition lies after the baseline, so the reading is explained exactly."""
    listing = pushed_to_shopify(shop, channel, "SKU-A", 8, ago=120)
    approved_then_disposed(
        shop,
        1,
        [(1, "RESTOCKED", "loc-1")],
        approved_ago=timedelta(seconds=60),
        disposed_ago=timedelta(seconds=10),
    )

    later = timezone.now() + timedelta(seconds=10)
    assert settle(listing, 9, at=later) == "explained"
    assert channel_movements() == []
    # A person adding 2 more in the Shopify admin on top is still found.
    assert settle(listing, 11, at=later) == "checking"


def test_a_restock_at_another_location_is_not_this_listings(shop, channel, scheduled, polls):
    listing = pushed_to_shopify(shop, channel, "SKU-A", 8, ago=120)
    approved_then_disposed(
        shop,
        1,
        [(1, "RESTOCKED", "loc-2")],
        approved_ago=timedelta(seconds=60),
        disposed_ago=timedelta(seconds=10),
    )
    assert listing.variant.stock_levels.get().on_hand == 9  # received all the same

    # The push location's available did not move: exactly what the ledger expects.
    assert settle(listing, 8, at=timezone.now() + timedelta(seconds=10)) == "explained"


def test_not_restocked_units_are_written_off(shop, channel, scheduled):
    listing = pushed_to_shopify(shop, channel, "SKU-A", 8)
    approved_then_disposed(shop, 1, [(1, "NOT_RESTOCKED", None)])

    ret = Return.objects.get()
    assert ret.status == ReturnStatus.QC_FAILED
    assert restock_movements() == [(MovementKind.RESTOCK, 1), (MovementKind.WRITE_OFF, -1)]
    assert listing.variant.stock_levels.get().on_hand == 8
    assert settle(listing, 8) == "explained"  # Shopify did not restock it either


@pytest.mark.parametrize("kind", ["MISSING", "PROCESSING_REQUIRED"])
def test_missing_or_unprocessed_units_are_not_received(shop, channel, scheduled, kind):
    pushed_to_shopify(shop, channel, "SKU-A", 8)
    approved_then_disposed(shop, 1, [(1, kind, None)])

    ret = Return.objects.get()
    assert (ret.status, ret.received_at) == (ReturnStatus.IN_TRANSIT, None)
    assert ReturnDisposition.objects.get().received_quantity == 0
    assert restock_movements() == []


def test_units_received_in_sangam_first_are_not_received_again(shop, channel, scheduled):
    """Staff received the return in Sangam; the merchant then also restocked it in Shopify:
    the units count once, and the disposition is still kept for the channel ledger."""
    listing = pushed_to_shopify(shop, channel, "SKU-A", 8)
    read(shop, shopify_return("SKU-A", 2, updated_at=timezone.now() - timedelta(days=1)))
    ret = Return.objects.get()
    return_receive(ret=ret, lines={ret.items.get().pk: (2, 0)})
    assert listing.variant.stock_levels.get().on_hand == 10

    read(
        shop,
        shopify_return(
            "SKU-A",
            2,
            updated_at=timezone.now() - timedelta(seconds=5),
            dispositions=[(2, "RESTOCKED", "loc-1")],
        ),
    )

    assert listing.variant.stock_levels.get().on_hand == 10
    assert restock_movements() == [(MovementKind.RESTOCK, 2)]
    disposition = ReturnDisposition.objects.get()
    assert (disposition.quantity, disposition.received_quantity) == (2, 0)
    assert Return.objects.get().status == ReturnStatus.QC_PASSED


def test_a_disposition_read_with_a_return_not_newer_is_still_recorded(shop, channel, scheduled):
    """Whether Shopify moves the order's ``updatedAt`` for a disposition is not documented: a
    read of the same version that brings a new disposition still records it."""
    pushed_to_shopify(shop, channel, "SKU-A", 8)
    at = timezone.now() - timedelta(days=1)
    read(shop, shopify_return("SKU-A", 1, updated_at=at))
    read(shop, shopify_return("SKU-A", 1, updated_at=at, dispositions=[(1, "RESTOCKED", "loc-1")]))

    assert ReturnDisposition.objects.get().received_quantity == 1
    assert Return.objects.get().status == ReturnStatus.QC_PASSED


def test_the_returns_page_and_api_show_what_shopify_did_with_the_goods(shop, channel, scheduled):
    from rest_framework.test import APIClient

    from tests.factories import MembershipFactory

    pushed_to_shopify(shop, channel, "SKU-A", 8)
    approved_then_disposed(shop, 2, [(1, "RESTOCKED", "loc-1"), (1, "MISSING", None)])
    owner = MembershipFactory(merchant=shop.merchant, role="owner").user
    api = APIClient()
    api.force_authenticate(owner)

    (row,) = api.get("/api/returns").json()["results"]

    assert [
        (d["sku"], d["quantity"], d["disposition"], d["location_id"], d["received_quantity"])
        for d in row["dispositions"]
    ] == [("SKU-A", 1, "restocked", "loc-1", 1), ("SKU-A", 1, "missing", "", 0)]
    api.force_authenticate(None)
    api.force_login(owner)
    page = api.get("/returns/").content.decode()
    assert "In the Shopify admin" in page
    assert '1 × <span class="mono">SKU-A</span> restocked at location' in page
    assert '1 × <span class="mono">SKU-A</span> missing' in page
    assert page.count("received here") == 1
