"""Staff tools of the stock pool: "Adjust stock" on variants (through the ledger), channel
listings mapped through ``listing_map`` with read-only push state and filters, view-only push
history and drift events, and the "Sangam manages stock" flag on channel accounts."""

from __future__ import annotations

import pytest
from django.urls import reverse

from integrations.models import ChannelAccount
from inventory.models import (
    ChannelListing,
    DriftEvent,
    MatchedBy,
    PushState,
    StockLevel,
    StockMovement,
    StockPush,
)
from tests.dashboard.builders import make_stock
from tests.factories import ChannelAccountFactory, VariantFactory

pytestmark = pytest.mark.django_db

ADJUST = reverse("admin:inventory_variant_adjust_stock")


def test_the_adjust_stock_action_leads_to_the_adjust_page_for_the_selected_variants(
    admin_client, merchant_a
):
    first = make_stock(merchant_a, "ADM-1", on_hand=2).variant
    second = make_stock(merchant_a, "ADM-2", on_hand=5).variant

    response = admin_client.post(
        reverse("admin:inventory_variant_changelist"),
        {"action": "adjust_stock", "_selected_action": [first.pk, second.pk]},
    )

    assert response.status_code == 302
    assert response.url.startswith(ADJUST + "?ids=")
    page = admin_client.get(response.url)
    body = page.content.decode()
    assert page.status_code == 200
    assert "ADM-1" in body
    assert "ADM-2" in body
    assert "Main: 5 on hand, 0 reserved" in body


def test_adjusting_in_the_admin_writes_a_movement_by_the_staff_user(
    admin_client, admin_user, merchant_a
):
    first = make_stock(merchant_a, "ADM-3", on_hand=2)
    second = make_stock(merchant_a, "ADM-4", on_hand=5)

    response = admin_client.post(
        f"{ADJUST}?ids={first.variant_id},{second.variant_id}",
        {"mode": "change", "quantity": "3", "kind": "receipt", "note": "GRN 4411"},
    )

    assert response.status_code == 302
    assert response.url == reverse("admin:inventory_variant_changelist")
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.on_hand, second.on_hand) == (5, 8)
    movements = StockMovement.objects.order_by("variant__sku")
    assert [(m.variant.sku, m.kind, m.on_hand_delta) for m in movements] == [
        ("ADM-3", "receipt", 3),
        ("ADM-4", "receipt", 3),
    ]
    assert {(m.source, m.note, m.created_by) for m in movements} == {
        ("user", "GRN 4411", admin_user)
    }


def test_a_counted_on_hand_from_the_variant_change_form(admin_client, merchant_a):
    level = make_stock(merchant_a, "ADM-5", on_hand=9, reserved=2)
    change = reverse("admin:inventory_variant_change", args=[level.variant_id])

    form = admin_client.get(change).content.decode()
    response = admin_client.post(
        f"{ADJUST}?ids={level.variant_id}", {"mode": "set", "quantity": "4", "kind": "adjust"}
    )

    assert f"{ADJUST}?ids={level.variant_id}" in form
    assert "Main: 9 on hand, 2 reserved" in form
    assert response.url == change
    level.refresh_from_db()
    assert (level.on_hand, level.reserved) == (4, 2)
    assert StockMovement.objects.get().on_hand_delta == -5


def test_an_invalid_adjustment_shows_the_form_again(admin_client, merchant_a):
    level = make_stock(merchant_a, "ADM-6", on_hand=9)

    response = admin_client.post(
        f"{ADJUST}?ids={level.variant_id}", {"mode": "set", "quantity": "-4", "kind": "adjust"}
    )

    assert response.status_code == 200
    assert "A counted quantity cannot be negative." in response.content.decode()
    assert not StockMovement.objects.exists()


def test_the_adjust_page_without_variants_goes_back_to_the_list(admin_client):
    response = admin_client.get(ADJUST)

    assert response.url == reverse("admin:inventory_variant_changelist")


def test_staff_without_change_permission_cannot_adjust(client, django_user_model, merchant_a):
    level = make_stock(merchant_a, "ADM-7", on_hand=1)
    staff = django_user_model.objects.create_user("clerk", password="pw", is_staff=True)
    client.force_login(staff)

    response = client.post(
        f"{ADJUST}?ids={level.variant_id}", {"mode": "set", "quantity": "40", "kind": "adjust"}
    )

    assert response.status_code == 403
    assert StockLevel.objects.get(pk=level.pk).on_hand == 1


def test_stock_levels_stay_view_only(admin_client, merchant_a):
    level = make_stock(merchant_a, "ADM-8", on_hand=1)

    body = admin_client.get(
        reverse("admin:inventory_stocklevel_change", args=[level.pk])
    ).content.decode()

    assert 'name="_save"' not in body
    assert admin_client.get(reverse("admin:inventory_stocklevel_add")).status_code == 403


def test_mapping_a_listing_in_the_admin_goes_through_listing_map(admin_client, account):
    account.manages_stock = True
    account.save()
    variant = VariantFactory(product__merchant=account.merchant, sku="MAP-ADM")
    listing = ChannelListing.objects.create(
        account=account,
        external_variant_id="gid://shopify/ProductVariant/9",
        last_push_status=PushState.FAILED,
        last_push_message="Not found",
        last_pushed_quantity=4,
    )
    change = reverse("admin:inventory_channellisting_change", args=[listing.pk])

    page = admin_client.get(change).content.decode()
    response = admin_client.post(
        change, {"variant": variant.pk, "buffer_stock": 0, "channel_sku": "MAP-ADM"}
    )

    assert "Not found" in page
    assert 'name="last_push_status"' not in page  # push state is read-only
    assert 'name="push_pending"' not in page
    assert response.status_code == 302
    listing.refresh_from_db()
    assert (listing.variant, listing.matched_by, listing.push_pending) == (
        variant,
        MatchedBy.MANUAL,
        True,
    )


def test_unmapping_and_changing_the_buffer_in_the_admin(admin_client, account):
    account.manages_stock = True
    account.save()
    variant = VariantFactory(product__merchant=account.merchant, sku="BUF-ADM")
    listing = ChannelListing.objects.create(
        account=account, variant=variant, matched_by=MatchedBy.SKU, external_variant_id="v-1"
    )
    change = reverse("admin:inventory_channellisting_change", args=[listing.pk])

    admin_client.post(change, {"variant": variant.pk, "buffer_stock": 2, "channel_sku": ""})
    listing.refresh_from_db()
    assert (listing.buffer_stock, listing.matched_by, listing.push_pending) == (2, "sku", True)

    admin_client.post(change, {"variant": "", "buffer_stock": 2, "channel_sku": ""})
    listing.refresh_from_db()
    assert (listing.variant, listing.matched_by, listing.push_pending) == (None, "", False)


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"unmatched": "1"}, {"LOOSE"}),
        ({"unmatched": "0"}, {"MATCHED", "FAILING"}),
        ({"last_push_status__exact": "failed"}, {"FAILING"}),
        ({"push_pending__exact": "1"}, {"FAILING"}),
        ({"matched_by__exact": "barcode"}, {"MATCHED"}),
    ],
)
def test_listing_changelist_filters(admin_client, account, params, expected):
    variant = VariantFactory(product__merchant=account.merchant)
    ChannelListing.objects.create(account=account, external_variant_id="1", channel_sku="LOOSE")
    ChannelListing.objects.create(
        account=account,
        variant=variant,
        matched_by=MatchedBy.BARCODE,
        external_variant_id="2",
        channel_sku="MATCHED",
    )
    ChannelListing.objects.create(
        account=account,
        variant=variant,
        matched_by=MatchedBy.SKU,
        external_variant_id="3",
        channel_sku="FAILING",
        last_push_status=PushState.FAILED,
        push_pending=True,
    )

    response = admin_client.get(reverse("admin:inventory_channellisting_changelist"), params)

    assert response.status_code == 200
    shown = {row.channel_sku for row in response.context["cl"].result_list}
    assert shown == expected


def test_push_history_and_drift_events_are_view_only(admin_client, account):
    variant = VariantFactory(product__merchant=account.merchant, sku="HIST-1")
    listing = ChannelListing.objects.create(
        account=account, variant=variant, external_variant_id="h-1", channel_sku="HIST-1"
    )
    push = StockPush.objects.create(
        listing=listing, quantity=3, status=PushState.FAILED, message="HTTP 429 from Shopify"
    )
    event = DriftEvent.objects.create(
        account=account, listing=listing, sku="HIST-1", expected=3, found=9, available_to_sell=3
    )

    pushes = admin_client.get(reverse("admin:inventory_stockpush_changelist")).content.decode()
    drifts = admin_client.get(reverse("admin:inventory_driftevent_changelist")).content.decode()

    assert "HTTP 429 from Shopify" in pushes
    assert "HIST-1" in drifts
    for name, obj in (("stockpush", push), ("driftevent", event)):
        assert admin_client.get(reverse(f"admin:inventory_{name}_add")).status_code == 403
        detail = admin_client.get(reverse(f"admin:inventory_{name}_change", args=[obj.pk]))
        assert detail.status_code == 200
        assert 'name="_save"' not in detail.content.decode()


def test_channel_accounts_show_and_edit_manages_stock(admin_client, account):
    other = ChannelAccountFactory(merchant=account.merchant, manages_stock=True)
    url = reverse("admin:integrations_channelaccount_changelist")

    managed = admin_client.get(url, {"manages_stock__exact": "1"})
    change = admin_client.get(
        reverse("admin:integrations_channelaccount_change", args=[account.pk])
    )

    assert [a.pk for a in managed.context["cl"].result_list] == [other.pk]
    assert 'name="manages_stock"' in change.content.decode()
    assert ChannelAccount.objects.get(pk=account.pk).manages_stock is False
