"""Stock pages: the stock table with per-channel push state (fixed query count, live refresh),
one SKU's page and its forms (adjust, buffer, unmap), count uploads, unmatched listings, the
drift report and the per-account stock controls of the hub — merchant-scoped throughout. The
last test drives the controls against the Amazon sandbox over real HTTP."""

from __future__ import annotations

import threading
import time
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role
from inventory.models import (
    ChannelListing,
    DriftEvent,
    MatchedBy,
    MovementKind,
    MovementSource,
    PushState,
    StockLevel,
    StockMovement,
    StockPush,
)
from inventory.services.stock import stock_adjust
from tests.dashboard.builders import logged_in, make_stock
from tests.factories import ChannelAccountFactory, MembershipFactory, VariantFactory

STOCK = reverse("dashboard:stock")


def sku_url(sku: str) -> str:
    return reverse("dashboard:sku_detail", args=[sku])


def make_listing(account, variant=None, **values) -> ChannelListing:
    n = ChannelListing.objects.count() + 1
    values.setdefault("external_variant_id", f"listing-{n}")
    values.setdefault("channel_sku", variant.sku if variant else f"CH-{n}")
    return ChannelListing.objects.create(account=account, variant=variant, **values)


@pytest.fixture
def managed(account):
    """Merchant A's Shopify account with "Sangam manages stock" on."""
    account.manages_stock = True
    account.save()
    return account


@pytest.fixture
def amazon(owner):
    return ChannelAccountFactory(
        merchant=owner.merchant,
        provider="amazon",
        external_id="A2ALPHA",
        display_name="Alpha on Amazon",
        manages_stock=True,
    )


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


# --- the stock table ------------------------------------------------------------------------------
@pytest.mark.django_db
def test_stock_table_shows_each_managed_channels_available_to_sell_and_push_state(
    owner_client, owner, managed, amazon
):
    level = make_stock(owner.merchant, "KURTA-M", on_hand=20, reserved=3)
    make_listing(
        managed,
        level.variant,
        buffer_stock=2,
        last_pushed_quantity=15,
        last_pushed_at=timezone.now(),
        last_push_status=PushState.OK,
    )
    make_listing(
        amazon,
        level.variant,
        channel_sku="AMZ-KURTA-M",
        last_push_status=PushState.FAILED,
        last_push_message="Quota exceeded for patchListingsItem",
        push_pending=True,
    )
    ChannelAccountFactory(merchant=owner.merchant, provider="flipkart", display_name="Not managed")

    body = owner_client.get(STOCK).content.decode()

    assert "Alpha Store" in body
    assert "Alpha on Amazon" in body
    assert "Not managed" not in body  # only accounts where Sangam manages stock get a column
    assert '<span class="qty">15</span>' in body  # 20 − 3 − buffer 2
    assert '<span class="qty">17</span>' in body  # the Amazon listing has no buffer
    assert "last pushed <strong>15</strong>" in body
    assert "listing-state listing-state--failed" in body
    assert 'title="Quota exceeded for patchListingsItem"' in body
    assert "Pending" in body
    assert f'data-push-status-url="{reverse("dashboard:stock_push_status")}"' in body


@pytest.mark.django_db
def test_stock_table_runs_a_fixed_number_of_queries_whatever_the_rows(
    owner_client, owner, managed, amazon
):
    def add_rows(start: int, count: int) -> None:
        for i in range(start, start + count):
            level = make_stock(owner.merchant, f"SKU-{i:03d}", on_hand=10)
            make_listing(managed, level.variant, last_push_status=PushState.OK)
            make_listing(amazon, level.variant, channel_sku=f"AMZ-{i:03d}")

    add_rows(0, 2)
    with CaptureQueriesContext(connection) as few:
        assert owner_client.get(STOCK).status_code == 200
    add_rows(2, 30)
    with CaptureQueriesContext(connection) as many:
        response = owner_client.get(STOCK)

    assert len(response.context["rows"]) == 32
    assert len(many.captured_queries) == len(few.captured_queries)
    assert len(many.captured_queries) <= 8


@pytest.mark.django_db
def test_push_failures_filter_keeps_skus_with_a_failed_managed_listing(
    owner_client, owner, managed
):
    failing = make_stock(owner.merchant, "FAILING", on_hand=5)
    fine = make_stock(owner.merchant, "FINE", on_hand=5)
    make_listing(managed, failing.variant, last_push_status=PushState.FAILED)
    make_listing(managed, fine.variant, last_push_status=PushState.OK)

    response = owner_client.get(STOCK, {"failures": "1"})

    assert [row["level"].variant.sku for row in response.context["rows"]] == ["FAILING"]
    assert 'name="failures" value="1" checked' in response.content.decode()


@pytest.mark.django_db
def test_push_status_json_refreshes_listing_cells_of_the_merchant_only(
    owner_client, owner, managed, other_account
):
    level = make_stock(owner.merchant, "LIVE-1", on_hand=9, reserved=2)
    mine = make_listing(
        managed,
        level.variant,
        buffer_stock=1,
        last_pushed_quantity=6,
        last_push_status=PushState.FAILED,
        last_push_message="HTTP 503",
    )
    theirs = make_listing(other_account, None)

    response = owner_client.get(
        reverse("dashboard:stock_push_status"), {"listing": [mine.pk, theirs.pk, "x"]}
    )

    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    (row,) = response.json()["listings"]
    assert row["id"] == mine.pk
    assert row["available_to_sell"] == 6
    assert row["last_push_status"] == "failed"
    assert row["last_push_message"] == "HTTP 503"
    assert f'data-listing-id="{mine.pk}"' in row["html"]
    assert 'title="HTTP 503"' in row["html"]


@pytest.mark.django_db
def test_sku_links_lead_to_the_sku_page(owner_client, owner):
    make_stock(owner.merchant, "LINKED-1", on_hand=1)

    body = owner_client.get(STOCK).content.decode()

    assert f'href="{sku_url("LINKED-1")}"' in body


@pytest.mark.django_db
@pytest.mark.parametrize("sku", ["drift", "counts", "push-status", "listings/unmatched"])
def test_a_sku_named_like_a_stock_page_has_its_own_page(owner_client, owner, sku):
    make_stock(owner.merchant, sku, on_hand=3)

    response = owner_client.get(sku_url(sku))

    assert response.status_code == 200
    assert response.context["variant"].sku == sku


# --- one SKU --------------------------------------------------------------------------------------
@pytest.mark.django_db
def test_sku_page_shows_levels_ledger_listings_pushes_and_drift(
    owner_client, owner, managed, amazon
):
    level = make_stock(owner.merchant, "SHIRT/M-BLU", on_hand=0, title="Oxford Shirt")
    stock_adjust(
        merchant=owner.merchant,
        variant_id=level.variant_id,
        delta=12,
        kind=MovementKind.RECEIPT,
        note="PO-7781",
        reference="po:7781",
        user=owner.user,
    )
    shop = make_listing(
        managed, level.variant, matched_by=MatchedBy.SKU, buffer_stock=2, last_pushed_quantity=10
    )
    amz = make_listing(
        amazon,
        level.variant,
        channel_sku="AMZ-SHIRT",
        matched_by=MatchedBy.BARCODE,
        last_push_status=PushState.FAILED,
        last_push_message="The SKU is not in the catalog",
    )
    StockPush.objects.create(listing=shop, quantity=10, status=PushState.OK, reason="change")
    DriftEvent.objects.create(
        account=amazon, listing=amz, sku="AMZ-SHIRT", expected=12, found=3, available_to_sell=12
    )

    response = owner_client.get(sku_url("SHIRT/M-BLU"))

    assert response.status_code == 200
    body = response.content.decode()
    assert "Oxford Shirt" in body
    assert "PO-7781" in body
    assert "po:7781" in body
    assert "Receipt" in body
    assert ">+12<" in body
    assert owner.user.username in body
    assert "SKU" in body
    assert "Barcode" in body
    assert 'name="buffer_stock" value="2"' in body
    assert "The SKU is not in the catalog" in body
    assert "row--failed" in body
    assert [s.available_to_sell for s in response.context["listings"]] == [10, 12]
    assert [p.quantity for p in response.context["pushes"]] == [10]
    assert [e.found for e in response.context["drift_events"]] == [3]


@pytest.mark.django_db
def test_another_merchants_sku_page_is_404(owner_client, outsider):
    make_stock(outsider.merchant, "BRAVO-SKU", on_hand=5)

    assert owner_client.get(sku_url("BRAVO-SKU")).status_code == 404
    assert owner_client.get(sku_url("NO-SUCH-SKU")).status_code == 404


@pytest.mark.django_db
def test_the_sku_ledger_is_paginated(owner_client, owner):
    level = make_stock(owner.merchant, "MANY-MOVES", on_hand=0)
    for _ in range(51):
        stock_adjust(merchant=owner.merchant, variant_id=level.variant_id, delta=1)

    first = owner_client.get(sku_url("MANY-MOVES"))
    second = owner_client.get(sku_url("MANY-MOVES"), {"page": 2})

    assert len(first.context["page"].object_list) == 50
    assert len(second.context["page"].object_list) == 1


@pytest.mark.django_db
def test_adjust_form_sets_a_counted_on_hand_through_the_ledger(owner_client, owner):
    level = make_stock(owner.merchant, "ADJ-1", on_hand=4, reserved=1)

    response = owner_client.post(
        reverse("dashboard:sku_adjust", args=[level.variant_id]),
        {"mode": "set", "quantity": "10", "kind": "adjust", "note": "cycle count"},
        follow=True,
    )

    assert response.redirect_chain[-1][0] == sku_url("ADJ-1")
    assert "Stock of ADJ-1 updated." in messages_of(response)
    level.refresh_from_db()
    assert level.on_hand == 10
    movement = StockMovement.objects.get(variant=level.variant)
    assert (movement.on_hand_delta, movement.kind, movement.source) == (6, "adjust", "user")
    assert (movement.note, movement.created_by) == ("cycle count", owner.user)


@pytest.mark.django_db
def test_adjust_form_adds_and_removes_units_as_a_receipt(owner_client, owner):
    level = make_stock(owner.merchant, "ADJ-2", on_hand=4)
    url = reverse("dashboard:sku_adjust", args=[level.variant_id])

    owner_client.post(url, {"mode": "change", "quantity": "6", "kind": "receipt"})
    owner_client.post(url, {"mode": "change", "quantity": "-3", "kind": "adjust"})

    level.refresh_from_db()
    assert level.on_hand == 7
    assert sorted(
        StockMovement.objects.filter(variant=level.variant).values_list("kind", "on_hand_delta")
    ) == [("adjust", -3), ("receipt", 6)]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("data", "reason"),
    [
        ({"mode": "set", "quantity": "-1", "kind": "adjust"}, "cannot be negative"),
        ({"mode": "change", "quantity": "0", "kind": "adjust"}, "Enter the units"),
        ({"mode": "set", "quantity": "x", "kind": "adjust"}, "whole number"),
        ({"mode": "set", "quantity": "3", "kind": "drift"}, "valid choice"),
    ],
)
def test_a_bad_adjustment_changes_nothing_and_says_why(owner_client, owner, data, reason):
    level = make_stock(owner.merchant, "ADJ-3", on_hand=4)

    response = owner_client.post(
        reverse("dashboard:sku_adjust", args=[level.variant_id]), data, follow=True
    )

    (message,) = messages_of(response)
    assert message.startswith("Stock not changed:")
    assert reason in message
    assert not StockMovement.objects.exists()


@pytest.mark.django_db
def test_viewers_and_outsiders_cannot_adjust(viewer_client, owner, outsider):
    mine = make_stock(owner.merchant, "ADJ-4", on_hand=4)
    data = {"mode": "set", "quantity": "9", "kind": "adjust"}

    assert (
        viewer_client.post(
            reverse("dashboard:sku_adjust", args=[mine.variant_id]), data
        ).status_code
        == 403
    )
    outsider_client = logged_in(outsider.user)
    assert (
        outsider_client.post(
            reverse("dashboard:sku_adjust", args=[mine.variant_id]), data
        ).status_code
        == 404
    )
    mine.refresh_from_db()
    assert mine.on_hand == 4


@pytest.mark.django_db
def test_a_buffer_edit_marks_the_listing_for_the_push(
    owner_client, owner, managed, django_capture_on_commit_callbacks
):
    level = make_stock(owner.merchant, "BUF-1", on_hand=10)
    listing = make_listing(managed, level.variant, last_push_status=PushState.OK)

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = owner_client.post(
            reverse("dashboard:listing_buffer", args=[listing.pk]), {"buffer_stock": "3"}
        )

    assert response.status_code == 302
    assert response.url == sku_url("BUF-1")
    listing.refresh_from_db()
    assert (listing.buffer_stock, listing.push_pending) == (3, True)
    assert callbacks, "the push of the account is scheduled after commit"


@pytest.mark.django_db
def test_a_buffer_edit_on_an_unmanaged_account_is_not_pushed(owner_client, owner, account):
    level = make_stock(owner.merchant, "BUF-2", on_hand=10)
    listing = make_listing(account, level.variant)

    owner_client.post(reverse("dashboard:listing_buffer", args=[listing.pk]), {"buffer_stock": "4"})
    bad = owner_client.post(
        reverse("dashboard:listing_buffer", args=[listing.pk]), {"buffer_stock": "-1"}, follow=True
    )

    listing.refresh_from_db()
    assert (listing.buffer_stock, listing.push_pending) == (4, False)
    assert messages_of(bad)[-1].startswith("Buffer not changed: ")


@pytest.mark.django_db
def test_another_merchants_listing_cannot_be_edited(owner_client, other_account):
    theirs = make_listing(other_account, None)

    response = owner_client.post(
        reverse("dashboard:listing_buffer", args=[theirs.pk]), {"buffer_stock": "9"}
    )

    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.buffer_stock == 0


# --- count upload ---------------------------------------------------------------------------------
@pytest.mark.django_db
def test_a_count_upload_applies_good_rows_and_lists_quarantined_ones(owner_client, owner):
    make_stock(owner.merchant, "CNT-1", on_hand=1)
    make_stock(owner.merchant, "CNT-2", on_hand=1)
    file = SimpleUploadedFile(
        "shelf-count.csv", b"SKU,count\nCNT-1,14\nGHOST-9,3\nCNT-2,1.5\n", content_type="text/csv"
    )

    response = owner_client.post(
        reverse("dashboard:stock_counts_upload"), {"file": file}, follow=True
    )

    assert response.redirect_chain[-1][0] == STOCK
    body = response.content.decode()
    assert "shelf-count.csv: 1 SKU updated, 0 unchanged, 2 rows quarantined." in body
    assert "Unknown SKU &#x27;GHOST-9&#x27;." in body
    assert "The count &#x27;1.5&#x27; is not a whole number." in body
    assert '<td class="num">3</td>' in body
    assert '<td class="num">4</td>' in body
    assert StockLevel.objects.get(variant__sku="CNT-1").on_hand == 14
    assert StockLevel.objects.get(variant__sku="CNT-2").on_hand == 1
    assert StockMovement.objects.get().note == "count upload shelf-count.csv"
    # shown once: the next visit no longer carries the result
    assert "shelf-count.csv" not in owner_client.get(STOCK).content.decode()


@pytest.mark.django_db
def test_a_count_file_without_the_header_is_refused(owner_client, owner):
    make_stock(owner.merchant, "CNT-3", on_hand=1)
    file = SimpleUploadedFile("counts.csv", b"CNT-3,9\n", content_type="text/csv")

    response = owner_client.post(
        reverse("dashboard:stock_counts_upload"), {"file": file}, follow=True
    )

    (message,) = messages_of(response)
    assert message.startswith("counts.csv: The header row must name a 'sku' column")
    assert StockLevel.objects.get(variant__sku="CNT-3").on_hand == 1


@pytest.mark.django_db
def test_viewers_see_no_upload_form_and_cannot_upload(viewer_client, owner):
    make_stock(owner.merchant, "CNT-4", on_hand=1)
    file = SimpleUploadedFile("c.csv", b"sku,on_hand\nCNT-4,9\n", content_type="text/csv")

    assert "Upload counts" not in viewer_client.get(STOCK).content.decode()
    assert (
        viewer_client.post(reverse("dashboard:stock_counts_upload"), {"file": file}).status_code
        == 403
    )


# --- unmatched listings ---------------------------------------------------------------------------
@pytest.mark.django_db
def test_unmatched_listings_are_listed_per_account_and_mapped_by_sku(
    owner_client, owner, managed, amazon, other_account
):
    variant = VariantFactory(product__merchant=owner.merchant, sku="MAP-TARGET")
    loose = make_listing(
        amazon,
        None,
        channel_sku="AMZ-LOOSE",
        title="Cotton kurta (Amazon)",
        barcode="8900000000017",
        external_product_id="B0TESTASIN",
    )
    make_listing(managed, variant)  # matched: not on the page
    make_listing(other_account, None, channel_sku="BRAVO-LOOSE")

    page = owner_client.get(reverse("dashboard:listings_unmatched"))
    body = page.content.decode()

    assert [lst.pk for lst in page.context["page"].object_list] == [loose.pk]
    assert "Alpha on Amazon" in body
    assert all(v in body for v in ("AMZ-LOOSE", "Cotton kurta (Amazon)", "8900000000017"))
    assert "B0TESTASIN" in body
    assert "BRAVO-LOOSE" not in body

    response = owner_client.post(
        reverse("dashboard:listing_map", args=[loose.pk]), {"sku": " MAP-TARGET "}, follow=True
    )

    assert "AMZ-LOOSE on Amazon.in: Alpha on Amazon now sells MAP-TARGET." in messages_of(response)
    loose.refresh_from_db()
    assert (loose.variant, loose.matched_by, loose.push_pending) == (variant, "manual", True)
    assert (
        owner_client.get(reverse("dashboard:listings_unmatched")).context["page"].paginator.count
        == 0
    )


@pytest.mark.django_db
def test_mapping_to_an_unknown_or_foreign_sku_is_refused(owner_client, owner, amazon, outsider):
    VariantFactory(product__merchant=outsider.merchant, sku="THEIRS")
    loose = make_listing(amazon, None, channel_sku="AMZ-X")

    unknown = owner_client.post(
        reverse("dashboard:listing_map", args=[loose.pk]), {"sku": "NOPE"}, follow=True
    )
    foreign = owner_client.post(
        reverse("dashboard:listing_map", args=[loose.pk]), {"sku": "THEIRS"}, follow=True
    )

    assert "No SKU 'NOPE' in your catalog." in messages_of(unknown)[0]
    assert "No SKU 'THEIRS' in your catalog." in messages_of(foreign)[0]
    loose.refresh_from_db()
    assert loose.variant is None


@pytest.mark.django_db
def test_unmapping_from_the_sku_page(owner_client, owner, amazon):
    level = make_stock(owner.merchant, "UNMAP-1", on_hand=2)
    listing = make_listing(amazon, level.variant, matched_by=MatchedBy.SKU)

    response = owner_client.post(
        reverse("dashboard:listing_map", args=[listing.pk]),
        {"unmap": "1", "next": sku_url("UNMAP-1")},
    )

    assert response.url == sku_url("UNMAP-1")
    listing.refresh_from_db()
    assert (listing.variant, listing.matched_by) == (None, "")


@pytest.mark.django_db
def test_next_never_redirects_off_site(owner_client, owner, amazon):
    loose = make_listing(amazon, None)
    VariantFactory(product__merchant=owner.merchant, sku="SAFE")

    response = owner_client.post(
        reverse("dashboard:listing_map", args=[loose.pk]),
        {"sku": "SAFE", "next": "https://evil.example/phish"},
    )

    assert response.url == reverse("dashboard:listings_unmatched")


# --- drift ----------------------------------------------------------------------------------------
def drift(account, listing, *, days_ago: int = 0, corrected: bool = False, found: int = 3):
    event = DriftEvent.objects.create(
        account=account,
        listing=listing,
        sku=listing.channel_sku,
        expected=5,
        found=found,
        available_to_sell=5,
        corrected=corrected,
    )
    if days_ago:
        DriftEvent.objects.filter(pk=event.pk).update(
            detected_at=timezone.now() - timedelta(days=days_ago)
        )
    return event


@pytest.mark.django_db
def test_drift_report_lists_events_with_a_30_day_chart_and_filters(
    owner_client, owner, managed, amazon, other_account
):
    variant = VariantFactory(product__merchant=owner.merchant, sku="DRIFTY")
    shop = make_listing(managed, variant)
    amz = make_listing(amazon, variant, channel_sku="AMZ-DRIFTY")
    drift(managed, shop, corrected=True)
    drift(amazon, amz, found=11)
    drift(amazon, amz, days_ago=3)
    drift(amazon, amz, days_ago=45)  # listed, but outside the chart
    drift(other_account, make_listing(other_account, None, channel_sku="BRAVO-D"))

    response = owner_client.get(reverse("dashboard:drift"))
    body = response.content.decode()

    assert response.context["page"].paginator.count == 4
    assert "BRAVO-D" not in body
    chart = response.context["chart"]
    assert len(chart["bars"]) == 30
    assert chart["total"] == 3
    assert chart["bars"][-1]["count"] == 2
    assert chart["bars"][-1]["corrected"] == 1
    assert chart["bars"][-4]["count"] == 1
    assert chart["bars"][-1]["height"] == chart["height"]  # the busiest day fills the chart
    assert "<svg" in body
    assert 'class="chart__found"' in body
    assert f'href="{sku_url("DRIFTY")}"' in body
    assert ">11<" in body

    filtered = owner_client.get(
        reverse("dashboard:drift"),
        {"account": amazon.pk, "date_from": (timezone.localdate() - timedelta(days=5)).isoformat()},
    )

    assert [e.found for e in filtered.context["page"].object_list] == [11, 3]
    assert filtered.context["chart"]["total"] == 2


@pytest.mark.django_db
def test_drift_report_offers_check_now_for_managed_accounts(owner_client, managed, account):
    body = owner_client.get(reverse("dashboard:drift")).content.decode()

    assert reverse("dashboard:account_drift_check", args=[managed.pk]) in body


@pytest.mark.django_db
def test_check_now_queues_the_drift_check_in_the_background(owner_client, managed, monkeypatch):
    from channel_stock.tasks import drift_check_task
    from integrations import tasks as integration_tasks

    queued = []
    monkeypatch.setattr(
        integration_tasks, "enqueue", lambda task, *args, **kw: queued.append((task, args, kw))
    )

    response = owner_client.post(
        reverse("dashboard:account_drift_check", args=[managed.pk]),
        {"next": reverse("dashboard:drift")},
        follow=True,
    )

    assert queued == [(drift_check_task, (managed.pk,), {"background": True})]
    assert "Drift check of Shopify: Alpha Store started" in messages_of(response)[0]


@pytest.mark.django_db
def test_check_now_needs_a_managed_account_and_a_manager(
    owner_client, viewer_client, account, managed, other_account
):
    unmanaged = ChannelAccountFactory(merchant=account.merchant, provider="flipkart")

    refused = owner_client.post(
        reverse("dashboard:account_drift_check", args=[unmanaged.pk]), follow=True
    )

    assert "turn on" in messages_of(refused)[0]
    assert (
        viewer_client.post(reverse("dashboard:account_drift_check", args=[managed.pk])).status_code
        == 403
    )
    assert (
        owner_client.post(
            reverse("dashboard:account_drift_check", args=[other_account.pk])
        ).status_code
        == 404
    )


# --- hub: per-account stock controls --------------------------------------------------------------
@pytest.mark.django_db
def test_hub_shows_stock_controls_for_inventory_push_accounts(owner_client, owner, account, amazon):
    meesho = ChannelAccountFactory(merchant=owner.merchant, provider="meesho")
    make_listing(amazon, None)
    make_listing(amazon, None)

    body = owner_client.get(reverse("dashboard:home")).content.decode()

    assert f'id="stock-controls-{account.pk}"' in body
    assert f'id="stock-controls-{amazon.pk}"' in body
    assert f'id="stock-controls-{meesho.pk}"' not in body  # file channel: no stock push
    assert reverse("dashboard:account_manages_stock", args=[account.pk]) in body
    assert f"{reverse('dashboard:listings_unmatched')}?account={amazon.pk}" in body
    assert "2 unmatched listings" in body
    # Amazon can enumerate its listings, Shopify's come with the catalog
    assert reverse("dashboard:account_find_listings", args=[amazon.pk]) in body
    assert reverse("dashboard:account_find_listings", args=[account.pk]) not in body
    assert reverse("dashboard:account_drift_check", args=[amazon.pk]) in body
    assert reverse("dashboard:account_drift_check", args=[account.pk]) not in body


@pytest.mark.django_db
def test_viewers_see_the_stock_state_but_no_switches(viewer_client, managed):
    body = viewer_client.get(reverse("dashboard:home")).content.decode()

    assert "Sangam manages stock" in body
    assert reverse("dashboard:account_manages_stock", args=[managed.pk]) not in body


@pytest.mark.django_db
def test_the_manages_stock_switch_turns_the_push_on_and_off(
    owner_client, owner, account, django_capture_on_commit_callbacks
):
    level = make_stock(owner.merchant, "SWITCH-1", on_hand=3)
    listing = make_listing(account, level.variant)
    url = reverse("dashboard:account_manages_stock", args=[account.pk])

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        on = owner_client.post(url, {"enabled": "1"}, follow=True)

    account.refresh_from_db()
    listing.refresh_from_db()
    assert account.manages_stock is True
    assert listing.push_pending is True
    assert callbacks
    assert "Sangam now manages stock on Shopify: Alpha Store" in messages_of(on)[0]

    owner_client.post(url, {"enabled": "0"})

    account.refresh_from_db()
    assert account.manages_stock is False


@pytest.mark.django_db
def test_the_switch_is_refused_for_file_channels_viewers_and_outsiders(
    owner_client, viewer_client, owner, account, other_account
):
    meesho = ChannelAccountFactory(merchant=owner.merchant, provider="meesho")

    refused = owner_client.post(
        reverse("dashboard:account_manages_stock", args=[meesho.pk]), {"enabled": "1"}, follow=True
    )

    assert "cannot receive stock" in messages_of(refused)[0]
    meesho.refresh_from_db()
    assert meesho.manages_stock is False
    url = reverse("dashboard:account_manages_stock", args=[account.pk])
    assert viewer_client.post(url, {"enabled": "1"}).status_code == 403
    assert (
        owner_client.post(
            reverse("dashboard:account_manages_stock", args=[other_account.pk]), {"enabled": "1"}
        ).status_code
        == 404
    )


@pytest.mark.django_db
def test_find_listings_is_refused_where_the_channel_cannot_list(owner_client, account):
    response = owner_client.post(
        reverse("dashboard:account_find_listings", args=[account.pk]), follow=True
    )

    assert "cannot list its listings" in messages_of(response)[0]


@pytest.mark.django_db
def test_find_listings_reports_a_channel_error(owner_client, amazon, scripted_amazon):
    """The Amazon connector over real HTTP to a server that refuses the LWA token exchange."""
    amazon.api_base_url = scripted_amazon
    amazon.set_credentials(
        {
            "seller_id": "A2ALPHA",
            "lwa_client_id": "amzn1.application-oa2-client.test",
            "lwa_client_secret": "secret",
            "refresh_token": "Atzr|revoked",
        }
    )
    amazon.save()

    response = owner_client.post(
        reverse("dashboard:account_find_listings", args=[amazon.pk]), follow=True
    )

    (message,) = messages_of(response)
    assert message.startswith("Amazon.in: Alpha on Amazon: listings could not be read:")
    assert not ChannelListing.objects.filter(account=amazon).exists()


@pytest.fixture
def scripted_amazon(scripted_server):
    from tests.integrations.conftest import Reply

    scripted_server.script(Reply(400, {"error": "invalid_grant", "error_description": "revoked"}))
    return scripted_server.url


@pytest.fixture
def scripted_server():
    from tests.integrations.conftest import ScriptedServer

    server = ScriptedServer()
    yield server
    server.close()


# --- the controls against the Amazon sandbox over real HTTP --------------------------------------
SELLER = "A2DASHSTOCK1"


def wait_for(check, timeout: float = 60.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError("timed out")


@pytest.mark.django_db(transaction=True)
def test_hub_controls_find_listings_push_stock_and_correct_drift_on_the_amazon_sandbox(
    live_server, settings
):
    from integrations.services.accounts import connect_with_credentials
    from integrations.services.sync import request_sync
    from sandbox import demo
    from sandbox.amazon import services as amazon
    from sandbox.amazon.models import SandboxAmazonListing
    from sandbox.shopify.services import seed_shop
    from tests.e2e.conftest import token_connect

    settings.PUBLIC_BASE_URL = live_server.url
    settings.AMAZON_REPORT_POLL_SECONDS = 0.05
    shop = "dash-stock.myshopify.com"
    seed_shop(shop=shop, products=4, variants=8, orders=0, days=5, seed=5)
    owner = MembershipFactory(role=Role.OWNER)
    shopify = token_connect(live_server.url, owner, shop=shop)
    request_sync(account=shopify, streams=["catalog", "inventory"])
    amazon.seed_seller(seller_id=SELLER, shop=shop, orders=2, days=5, client_id="dash-client")
    amazon.set_job_polls(SELLER, queue=0, progress=0)
    az = connect_with_credentials(
        merchant=owner.merchant,
        provider="amazon",
        data={
            "seller_id": SELLER,
            "lwa_client_id": "dash-client",
            "lwa_client_secret": "sandbox-secret",
            "refresh_token": amazon.refresh_token(SELLER),
        },
        use_sandbox=True,
    )
    demo.watch_runs(lambda: az.pk, lambda: True, lambda _runs: None, timeout=300)
    client = logged_in(owner.user)

    found = client.post(reverse("dashboard:account_find_listings", args=[az.pk]), follow=True)

    assert "Amazon.in" in messages_of(found)[0]
    assert "new listing" in messages_of(found)[0]
    matched = ChannelListing.objects.filter(account=az, variant__isnull=False)
    assert matched.count() == SandboxAmazonListing.objects.filter(seller__seller_id=SELLER).count()

    client.post(reverse("dashboard:account_manages_stock", args=[az.pk]), {"enabled": "1"})

    # switching on pushed every mapped listing
    assert wait_for(lambda: not matched.exclude(last_push_status=PushState.OK).exists())
    listing = matched.select_related("variant").order_by("channel_sku").first()
    level = StockLevel.objects.get(variant=listing.variant, warehouse__is_default=True)
    # a count entered on the SKU page reaches Amazon
    counted = level.on_hand + 25
    client.post(
        reverse("dashboard:sku_adjust", args=[listing.variant_id]),
        {"mode": "set", "quantity": str(counted), "kind": "adjust"},
    )
    should = counted - level.reserved
    assert wait_for(lambda: amazon.listing_quantity(SELLER, listing.channel_sku) == should)
    stock = client.get(STOCK, {"q": listing.variant.sku})
    cells = [s for row in stock.context["rows"] for states in row["channels"] for s in states]
    assert [(s.listing.pk, s.available_to_sell) for s in cells] == [(listing.pk, should)]
    assert "last pushed" in stock.content.decode()

    # Someone edits the listing in Seller Central; "Check drift" finds and corrects it.
    SandboxAmazonListing.objects.filter(seller__seller_id=SELLER, sku=listing.channel_sku).update(
        quantity=should + 7
    )
    before = set(threading.enumerate())
    client.post(reverse("dashboard:account_drift_check", args=[az.pk]))

    event = wait_for(lambda: DriftEvent.objects.filter(listing=listing, corrected=True).first())
    for thread in set(threading.enumerate()) - before:  # the background check closes its DB
        thread.join(timeout=30)
    assert (event.found, event.available_to_sell) == (should + 7, should)
    assert amazon.listing_quantity(SELLER, listing.channel_sku) == should
    report = client.get(reverse("dashboard:drift"))
    assert [e.pk for e in report.context["page"].object_list] == [event.pk]
    assert report.context["chart"]["bars"][-1]["count"] == 1
    # pushing and correcting drift never touch the pool: the count is the only user movement
    assert StockMovement.objects.filter(source=MovementSource.USER).count() == 1
