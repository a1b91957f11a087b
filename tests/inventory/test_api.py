"""The inventory and returns API: auth, merchant scoping, pagination, 400 reasons, 404s, the
adjustments endpoint (with Idempotency-Key), listing mapping, drift and receiving returns."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import Role
from integrations.dto import ReturnKind, ReturnStatus
from inventory.models import (
    ChannelListing,
    DriftEvent,
    MatchedBy,
    MovementKind,
    PushState,
    StockLevel,
    StockMovement,
    StockPush,
)
from inventory.services.stock import stock_adjust
from orders.models import Return, ReturnItem
from tests.dashboard.builders import make_order, make_stock
from tests.factories import ChannelAccountFactory, MembershipFactory, VariantFactory

pytestmark = pytest.mark.django_db


def client_for(membership) -> APIClient:
    client = APIClient()
    client.force_authenticate(membership.user)
    return client


@pytest.fixture
def owner():
    return MembershipFactory(role=Role.OWNER)


@pytest.fixture
def api(owner) -> APIClient:
    return client_for(owner)


@pytest.fixture
def account(owner):
    return ChannelAccountFactory(merchant=owner.merchant, manages_stock=True)


def listing(account, variant=None, **values) -> ChannelListing:
    n = ChannelListing.objects.count() + 1
    values.setdefault("external_variant_id", f"gid://shopify/ProductVariant/{n}")
    values.setdefault("channel_sku", variant.sku if variant else f"CH-{n}")
    return ChannelListing.objects.create(account=account, variant=variant, **values)


# --- auth and scoping -----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("method", "url"),
    [
        ("get", "/api/inventory/skus"),
        ("get", "/api/inventory/skus/A"),
        ("get", "/api/inventory/skus/A/movements"),
        ("post", "/api/inventory/adjustments"),
        ("get", "/api/inventory/listings"),
        ("post", "/api/inventory/listings/1/map"),
        ("get", "/api/inventory/drift"),
        ("get", "/api/returns"),
        ("post", "/api/returns/1/receive"),
    ],
)
def test_every_endpoint_needs_authentication(db, method, url):
    response = getattr(APIClient(), method)(url, {}, format="json")

    assert response.status_code in (401, 403)


def test_a_token_authenticates(owner):
    from rest_framework.authtoken.models import Token

    make_stock(owner.merchant, "TOKEN-SKU", on_hand=3)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=owner.user).key}")

    response = client.get("/api/inventory/skus")

    assert response.status_code == 200
    assert [row["sku"] for row in response.json()["results"]] == ["TOKEN-SKU"]


def test_viewers_read_but_cannot_write(owner):
    viewer = MembershipFactory(role=Role.VIEWER, merchant=owner.merchant)
    make_stock(owner.merchant, "VIEW-1", on_hand=2)
    client = client_for(viewer)

    assert client.get("/api/inventory/skus/VIEW-1").status_code == 200
    response = client.post(
        "/api/inventory/adjustments", {"sku": "VIEW-1", "on_hand": 9}, format="json"
    )
    assert response.status_code == 403
    assert StockLevel.objects.get(variant__sku="VIEW-1").on_hand == 2


# --- SKUs -----------------------------------------------------------------------------------------
def test_sku_list_gives_the_pool_and_each_channels_push_state(api, owner, account):
    level = make_stock(owner.merchant, "KURTA-M", on_hand=20, reserved=3, title="Blue Kurta")
    pushed_at = datetime(2026, 11, 1, 6, 30, tzinfo=UTC)
    listing(
        account,
        level.variant,
        buffer_stock=2,
        last_pushed_quantity=15,
        last_pushed_at=pushed_at,
        last_push_status=PushState.OK,
        push_pending=True,
    )
    make_stock(ChannelAccountFactory().merchant, "FOREIGN-1", on_hand=5)

    body = api.get("/api/inventory/skus").json()

    assert body["count"] == 1
    row = body["results"][0]
    assert {k: row[k] for k in ("sku", "title", "on_hand", "reserved", "available")} == {
        "sku": "KURTA-M",
        "title": "Blue Kurta",
        "on_hand": 20,
        "reserved": 3,
        "available": 17,
    }
    channel = row["channels"][0]
    assert channel["account_id"] == account.pk
    assert channel["provider"] == "shopify"
    assert channel["channel_sku"] == "KURTA-M"
    assert channel["available_to_sell"] == 15
    assert channel["buffer"] == 2
    assert channel["last_pushed_quantity"] == 15
    assert channel["last_push_status"] == "ok"
    assert channel["push_pending"] is True
    assert datetime.fromisoformat(channel["last_pushed_at"]) == pushed_at


def test_sku_list_includes_variants_without_stock_as_zero_and_filters(api, owner):
    VariantFactory(product__merchant=owner.merchant, sku="NO-LEVEL")
    make_stock(owner.merchant, "PLENTY", on_hand=50, title="Silk Saree")
    make_stock(owner.merchant, "LOW-1", on_hand=8, reserved=4)

    everything = api.get("/api/inventory/skus").json()["results"]
    low = api.get("/api/inventory/skus", {"low_stock": "true"}).json()["results"]
    search = api.get("/api/inventory/skus", {"q": "silk"}).json()["results"]

    assert [(r["sku"], r["on_hand"], r["available"]) for r in everything] == [
        ("LOW-1", 8, 4),
        ("NO-LEVEL", 0, 0),
        ("PLENTY", 50, 50),
    ]
    assert [r["sku"] for r in low] == ["LOW-1", "NO-LEVEL"]
    assert [r["sku"] for r in search] == ["PLENTY"]


def test_sku_list_is_paginated_by_50(api, owner):
    for i in range(51):
        VariantFactory(product__merchant=owner.merchant, sku=f"PAGE-{i:03d}")

    first = api.get("/api/inventory/skus").json()
    second = api.get("/api/inventory/skus", {"page": 2}).json()

    assert first["count"] == 51
    assert len(first["results"]) == 50
    assert first["next"].endswith("page=2")
    assert [r["sku"] for r in second["results"]] == ["PAGE-050"]


def test_sku_list_rejects_a_bad_filter(api):
    response = api.get("/api/inventory/skus", {"low_stock": "maybe"})

    assert response.status_code == 400
    assert "low_stock" in response.json()


def test_sku_detail_has_levels_listings_and_recent_pushes(api, owner, account):
    level = make_stock(owner.merchant, "SHIRT/M", on_hand=9, reserved=1)
    level.variant.barcode = "8901234567890"
    level.variant.save()
    mapped = listing(
        account,
        level.variant,
        matched_by=MatchedBy.BARCODE,
        last_push_status=PushState.FAILED,
        last_push_message="COMPARE_QUANTITY_STALE",
        push_attempts=2,
    )
    StockPush.objects.create(listing=mapped, quantity=8, status=PushState.FAILED, message="boom")

    response = api.get("/api/inventory/skus/SHIRT/M")

    assert response.status_code == 200
    body = response.json()
    assert body["sku"] == "SHIRT/M"
    assert body["barcode"] == "8901234567890"
    assert body["available"] == 8
    assert body["levels"] == [
        {
            "warehouse": "main",
            "warehouse_name": "Main",
            "is_default": True,
            "on_hand": 9,
            "reserved": 1,
            "available": 8,
            "updated_at": body["levels"][0]["updated_at"],
        }
    ]
    detail = body["listings"][0]
    assert detail["matched_by"] == "barcode"
    assert detail["last_push_message"] == "COMPARE_QUANTITY_STALE"
    assert detail["push_attempts"] == 2
    assert detail["available_to_sell"] == 8
    assert [(p["quantity"], p["status"], p["message"]) for p in body["recent_pushes"]] == [
        (8, "failed", "boom")
    ]


def test_sku_detail_of_an_unknown_or_foreign_sku_is_404(api):
    make_stock(ChannelAccountFactory().merchant, "THEIRS", on_hand=5)

    assert api.get("/api/inventory/skus/NOPE").status_code == 404
    assert api.get("/api/inventory/skus/THEIRS").status_code == 404
    assert api.get("/api/inventory/skus/THEIRS/movements").status_code == 404


def test_movements_are_newest_first_and_paginated(api, owner):
    level = make_stock(owner.merchant, "LEDGER-1", on_hand=0)
    for i in range(1, 53):
        stock_adjust(merchant=owner.merchant, variant_id=level.variant_id, delta=1, note=f"n{i}")

    first = api.get("/api/inventory/skus/LEDGER-1/movements").json()
    second = api.get("/api/inventory/skus/LEDGER-1/movements", {"page": 2}).json()

    assert first["count"] == 52
    assert [m["note"] for m in first["results"][:2]] == ["n52", "n51"]
    assert [m["note"] for m in second["results"]] == ["n2", "n1"]
    assert first["results"][0]["kind"] == "adjust"
    assert first["results"][0]["on_hand_delta"] == 1
    assert first["results"][0]["sku"] == "LEDGER-1"


# --- adjustments ----------------------------------------------------------------------------------
def test_setting_a_counted_on_hand_writes_a_movement_and_answers_201(api, owner):
    make_stock(owner.merchant, "COUNT-1", on_hand=4, reserved=1)

    response = api.post(
        "/api/inventory/adjustments",
        {"sku": "COUNT-1", "on_hand": 10, "note": "cycle count"},
        format="json",
    )

    assert response.status_code == 201
    body = response.json()
    assert body["on_hand_delta"] == 6
    assert body["kind"] == "adjust"
    assert body["source"] == "user"
    assert body["note"] == "cycle count"
    assert body["created_by"] == owner.user.username
    assert body["reference"].startswith("api-adjustment:")
    assert body["level"] == {"on_hand": 10, "reserved": 1, "available": 9}
    movement = StockMovement.objects.get(pk=body["id"])
    assert (movement.variant.sku, movement.on_hand_delta) == ("COUNT-1", 6)


def test_a_receipt_adds_a_delta(api, owner):
    make_stock(owner.merchant, "RECV-1", on_hand=2)

    response = api.post(
        "/api/inventory/adjustments",
        {"sku": "RECV-1", "delta": 5, "kind": "receipt"},
        format="json",
    )

    assert response.status_code == 201
    assert response.json()["kind"] == MovementKind.RECEIPT
    assert StockLevel.objects.get(variant__sku="RECV-1").on_hand == 7


def test_a_count_equal_to_on_hand_answers_200_without_a_movement(api, owner):
    make_stock(owner.merchant, "SAME-1", on_hand=3)

    response = api.post(
        "/api/inventory/adjustments", {"sku": "SAME-1", "on_hand": 3}, format="json"
    )

    assert response.status_code == 200
    assert response.json()["id"] is None
    assert response.json()["level"]["on_hand"] == 3
    assert not StockMovement.objects.exists()


@pytest.mark.parametrize(
    ("body", "field", "reason"),
    [
        ({"sku": "NOPE", "on_hand": 1}, "sku", "Unknown SKU 'NOPE'."),
        ({"sku": "ADJ-1"}, "non_field_errors", "Give exactly one of"),
        ({"sku": "ADJ-1", "on_hand": 1, "delta": 1}, "non_field_errors", "Give exactly one of"),
        ({"sku": "ADJ-1", "on_hand": -2}, "on_hand", "cannot be negative"),
        ({"sku": "ADJ-1", "delta": 1, "kind": "drift"}, "kind", "not a valid choice"),
    ],
)
def test_a_bad_adjustment_is_400_with_the_reason(api, owner, body, field, reason):
    make_stock(owner.merchant, "ADJ-1", on_hand=5)

    response = api.post("/api/inventory/adjustments", body, format="json")

    assert response.status_code == 400
    assert reason in " ".join(response.json()[field])
    assert StockLevel.objects.get(variant__sku="ADJ-1").on_hand == 5


def test_another_merchants_sku_cannot_be_adjusted(api):
    make_stock(ChannelAccountFactory().merchant, "THEIRS-2", on_hand=5)

    response = api.post(
        "/api/inventory/adjustments", {"sku": "THEIRS-2", "delta": 5}, format="json"
    )

    assert response.status_code == 400
    assert StockLevel.objects.get(variant__sku="THEIRS-2").on_hand == 5


def test_an_idempotency_key_replays_the_first_response(api, owner):
    make_stock(owner.merchant, "IDEM-1", on_hand=1)
    body = {"sku": "IDEM-1", "delta": 4}

    first = api.post("/api/inventory/adjustments", body, format="json", HTTP_IDEMPOTENCY_KEY="k1")
    again = api.post("/api/inventory/adjustments", body, format="json", HTTP_IDEMPOTENCY_KEY="k1")
    other = api.post(
        "/api/inventory/adjustments",
        {"sku": "IDEM-1", "delta": 9},
        format="json",
        HTTP_IDEMPOTENCY_KEY="k1",
    )
    fresh = api.post("/api/inventory/adjustments", body, format="json", HTTP_IDEMPOTENCY_KEY="k2")

    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert other.status_code == 422
    assert fresh.status_code == 201
    assert StockLevel.objects.get(variant__sku="IDEM-1").on_hand == 9  # 1 + 4 + 4
    assert StockMovement.objects.count() == 2


def test_idempotency_keys_are_per_merchant_and_failures_are_not_kept(api, owner):
    outsider = MembershipFactory(role=Role.OWNER)
    make_stock(owner.merchant, "KEY-A", on_hand=0)
    make_stock(outsider.merchant, "KEY-B", on_hand=0)

    bad = api.post(
        "/api/inventory/adjustments", {"sku": "KEY-A"}, format="json", HTTP_IDEMPOTENCY_KEY="same"
    )
    good = api.post(
        "/api/inventory/adjustments",
        {"sku": "KEY-A", "delta": 2},
        format="json",
        HTTP_IDEMPOTENCY_KEY="same",
    )
    theirs = client_for(outsider).post(
        "/api/inventory/adjustments",
        {"sku": "KEY-B", "delta": 3},
        format="json",
        HTTP_IDEMPOTENCY_KEY="same",
    )

    assert bad.status_code == 400
    assert good.status_code == 201
    assert theirs.status_code == 201
    assert StockLevel.objects.get(variant__sku="KEY-B").on_hand == 3


# --- listings -------------------------------------------------------------------------------------
def test_listings_filter_unmatched_and_account(api, owner, account):
    variant = VariantFactory(product__merchant=owner.merchant, sku="MAPPED-1")
    other_account = ChannelAccountFactory(merchant=owner.merchant, provider="amazon")
    listing(account, variant)
    loose = listing(account, None, channel_sku="LOOSE-1", title="Loose", barcode="123")
    listing(other_account, None, channel_sku="LOOSE-2")
    listing(ChannelAccountFactory(), None, channel_sku="FOREIGN")

    all_rows = api.get("/api/inventory/listings").json()
    unmatched = api.get(
        "/api/inventory/listings", {"unmatched": "true", "account": account.pk}
    ).json()
    matched = api.get("/api/inventory/listings", {"unmatched": "false"}).json()

    assert all_rows["count"] == 3
    assert [r["channel_sku"] for r in unmatched["results"]] == ["LOOSE-1"]
    assert unmatched["results"][0]["sku"] is None
    assert unmatched["results"][0]["id"] == loose.pk
    assert unmatched["results"][0]["barcode"] == "123"
    assert [r["sku"] for r in matched["results"]] == ["MAPPED-1"]


def test_mapping_a_listing_by_sku_and_unmapping_it(api, owner, account):
    variant = VariantFactory(product__merchant=owner.merchant, sku="MAP-ME")
    loose = listing(account, None, channel_sku="CH-MAP")

    mapped = api.post(f"/api/inventory/listings/{loose.pk}/map", {"sku": "MAP-ME"}, format="json")

    assert mapped.status_code == 200
    assert mapped.json()["sku"] == "MAP-ME"
    assert mapped.json()["matched_by"] == "manual"
    loose.refresh_from_db()
    assert (loose.variant, loose.push_pending) == (variant, True)

    unmapped = api.post(f"/api/inventory/listings/{loose.pk}/map", {"sku": None}, format="json")

    assert unmapped.status_code == 200
    loose.refresh_from_db()
    assert (loose.variant, loose.matched_by) == (None, "")


def test_mapping_to_an_unknown_sku_is_400_and_a_foreign_listing_404(api, owner, account):
    loose = listing(account, None)
    foreign = listing(ChannelAccountFactory(), None)
    VariantFactory(product__merchant=foreign.account.merchant, sku="THEIR-SKU")

    unknown = api.post(f"/api/inventory/listings/{loose.pk}/map", {"sku": "NOPE"}, format="json")
    theirs = api.post(
        f"/api/inventory/listings/{loose.pk}/map", {"sku": "THEIR-SKU"}, format="json"
    )
    other = api.post(f"/api/inventory/listings/{foreign.pk}/map", {"sku": None}, format="json")

    assert unknown.status_code == 400
    assert unknown.json()["sku"] == ["Unknown SKU 'NOPE'."]
    assert theirs.status_code == 400
    assert other.status_code == 404
    loose.refresh_from_db()
    assert loose.variant is None


# --- drift ----------------------------------------------------------------------------------------
def test_drift_filters_by_account_and_ist_dates(api, owner, account):
    variant = VariantFactory(product__merchant=owner.merchant, sku="DRIFT-1")
    other = ChannelAccountFactory(merchant=owner.merchant, provider="flipkart")
    first = listing(account, variant)
    second = listing(other, variant)
    old = DriftEvent.objects.create(
        account=account, listing=first, sku="DRIFT-1", expected=5, found=7, available_to_sell=5
    )
    DriftEvent.objects.filter(pk=old.pk).update(detected_at=timezone.now() - timedelta(days=10))
    DriftEvent.objects.create(
        account=account,
        listing=first,
        sku="DRIFT-1",
        expected=5,
        found=2,
        available_to_sell=4,
        corrected=True,
    )
    DriftEvent.objects.create(
        account=other, listing=second, sku="DRIFT-1", expected=None, found=None, available_to_sell=4
    )
    DriftEvent.objects.create(
        account=(foreign := ChannelAccountFactory()),
        listing=listing(foreign, None),
        sku="X",
        available_to_sell=0,
    )
    today = timezone.localdate().isoformat()

    everything = api.get("/api/inventory/drift").json()
    mine = api.get("/api/inventory/drift", {"account": account.pk, "date_from": today}).json()
    bad = api.get("/api/inventory/drift", {"date_from": "yesterday"})

    assert everything["count"] == 3
    assert [(e["found"], e["corrected"]) for e in mine["results"]] == [(2, True)]
    assert mine["results"][0]["variant_sku"] == "DRIFT-1"
    assert bad.status_code == 400


# --- returns --------------------------------------------------------------------------------------
def make_return(account, *, items=(("RET-1", 3),), **values) -> Return:
    order = make_order(account, items=items)
    n = Return.objects.count() + 1
    defaults = {
        "merchant": account.merchant,
        "account": account,
        "order": order,
        "channel": account.provider,
        "external_id": f"R-{n}",
        "order_external_id": order.external_id,
        "kind": ReturnKind.CUSTOMER_RETURN,
        "status": ReturnStatus.IN_TRANSIT,
        "reason": "Size too small",
        "requested_at": datetime(2026, 11, 3, 5, 0, tzinfo=UTC) + timedelta(hours=n),
        "source_updated_at": datetime(2026, 11, 3, 5, 0, tzinfo=UTC),
    }
    defaults.update(values)
    ret = Return.objects.create(**defaults)
    for order_item in order.items.all():
        ReturnItem.objects.create(
            return_request=ret,
            order_item_external_id=order_item.external_id,
            sku=order_item.sku,
            quantity=order_item.quantity,
        )
    return ret


@pytest.fixture
def flipkart(owner):
    return ChannelAccountFactory(merchant=owner.merchant, provider="flipkart")


def test_returns_list_with_items_filters_and_scoping(api, owner, flipkart):
    make_stock(owner.merchant, "RET-1", on_hand=0)
    rto = make_return(flipkart, kind=ReturnKind.RTO, status=ReturnStatus.REQUESTED)
    make_return(flipkart)
    make_return(ChannelAccountFactory(provider="flipkart"))

    everything = api.get("/api/returns").json()
    rtos = api.get("/api/returns", {"kind": "rto"}).json()
    requested = api.get("/api/returns", {"status": "requested", "channel": "flipkart"}).json()
    bad = api.get("/api/returns", {"status": "lost"})

    assert everything["count"] == 2
    assert [r["id"] for r in rtos["results"]] == [rto.pk]
    assert [r["id"] for r in requested["results"]] == [rto.pk]
    row = rtos["results"][0]
    assert row["order"] == rto.order_id
    assert row["order_number"] == rto.order.order_number
    assert row["items"][0]["sku"] == "RET-1"
    assert row["items"][0]["quantity"] == 3
    assert row["items"][0]["received_quantity"] == 0
    assert bad.status_code == 400


def test_receiving_a_return_restocks_passed_units_and_writes_off_failed_ones(api, owner, flipkart):
    make_stock(owner.merchant, "RET-1", on_hand=1)
    ret = make_return(flipkart)
    item = ret.items.get()

    response = api.post(
        f"/api/returns/{ret.pk}/receive",
        {"items": [{"id": item.pk, "restocked": 2, "written_off": 1}], "note": "one torn"},
        format="json",
    )

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "qc_passed"
    assert body["received_at"]
    assert body["items"][0]["restocked_quantity"] == 2
    assert body["items"][0]["written_off_quantity"] == 1
    assert StockLevel.objects.get(variant__sku="RET-1").on_hand == 3
    kinds = sorted(
        StockMovement.objects.filter(reference=f"return:{ret.pk}").values_list(
            "kind", "on_hand_delta"
        )
    )
    assert kinds == [("restock", 3), ("write_off", -1)]


@pytest.mark.parametrize(
    ("items", "reason"),
    [
        ([{"id": "ITEM", "restocked": 4}], "cannot receive 4 more"),
        ([{"id": "ITEM"}], "Nothing to receive"),
        ([{"id": 999999, "restocked": 1}], "is not part of return"),
    ],
)
def test_a_bad_receipt_is_400_with_the_reason(api, owner, flipkart, items, reason):
    make_stock(owner.merchant, "RET-1", on_hand=0)
    ret = make_return(flipkart)
    item = ret.items.get()
    items = [{**line, "id": item.pk if line["id"] == "ITEM" else line["id"]} for line in items]

    response = api.post(f"/api/returns/{ret.pk}/receive", {"items": items}, format="json")

    assert response.status_code == 400
    assert reason in response.json()["error"]
    assert StockLevel.objects.get(variant__sku="RET-1").on_hand == 0


def test_a_receipt_body_is_validated_and_a_foreign_return_is_404(api, owner, flipkart):
    ret = make_return(flipkart)
    item = ret.items.get()
    foreign = make_return(ChannelAccountFactory(provider="flipkart"))

    negative = api.post(
        f"/api/returns/{ret.pk}/receive",
        {"items": [{"id": item.pk, "restocked": -1}]},
        format="json",
    )
    twice = api.post(
        f"/api/returns/{ret.pk}/receive",
        {"items": [{"id": item.pk, "restocked": 1}, {"id": item.pk, "written_off": 1}]},
        format="json",
    )
    empty = api.post(f"/api/returns/{ret.pk}/receive", {"items": []}, format="json")
    theirs = api.post(
        f"/api/returns/{foreign.pk}/receive",
        {"items": [{"id": foreign.items.get().pk, "restocked": 1}]},
        format="json",
    )

    assert negative.status_code == 400
    assert "restocked" in negative.json()["items"]["0"]
    assert twice.status_code == 400
    assert twice.json()["items"] == ["Each item may appear once."]
    assert empty.status_code == 400
    assert theirs.status_code == 404


# --- OpenAPI --------------------------------------------------------------------------------------
def test_the_openapi_schema_documents_the_endpoints(api):
    response = api.get("/api/schema", HTTP_ACCEPT="application/json")

    assert response.status_code == 200
    paths = response.json()["paths"]
    for path, method in [
        ("/api/inventory/skus", "get"),
        ("/api/inventory/skus/{sku}", "get"),
        ("/api/inventory/skus/{sku}/movements", "get"),
        ("/api/inventory/adjustments", "post"),
        ("/api/inventory/listings", "get"),
        ("/api/inventory/listings/{listing_id}/map", "post"),
        ("/api/inventory/drift", "get"),
        ("/api/returns", "get"),
        ("/api/returns/{return_id}/receive", "post"),
    ]:
        assert method in paths[path], path
    adjust = paths["/api/inventory/adjustments"]["post"]
    assert adjust["requestBody"]["content"]["application/json"]["schema"]["$ref"].endswith(
        "AdjustmentInput"
    )
    assert any(p["name"] == "Idempotency-Key" for p in adjust["parameters"])
    sku_params = {p["name"] for p in paths["/api/inventory/skus"]["get"]["parameters"]}
    assert {"q", "low_stock", "page"} <= sku_params
