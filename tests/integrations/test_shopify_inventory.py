"""Shopify stock push (``inventorySetQuantities`` with compare-and-set) and read-back, by the
real connector over real HTTP against the sandbox (pytest-django's live server on loopback)."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.db.models import Count

from integrations.connectors.shopify import inventory as shopify_inventory
from integrations.connectors.shopify import queries
from integrations.connectors.shopify.connector import ShopifyConnector
from integrations.connectors.shopify.inventory import inventory_item_gid, location_gid
from integrations.dto import AccountHandle, PushStatus, StockLevelDTO
from integrations.http import ConnectorError, HttpClient

pytestmark = pytest.mark.django_db(transaction=True)

SHOP = "stock-push-test.myshopify.com"


@pytest.fixture
def store(transactional_db):
    """100 variants: the seed then opens a second location and stocks some items at both."""
    from sandbox.shopify.services import seed_shop

    return seed_shop(
        shop=SHOP,
        products=20,
        variants=100,
        orders=0,
        days=5,
        seed=21,
        bucket_size=1_000_000,
        restore_rate=1000,
    )


def make_connector(live_server, api_version: str = "2025-01") -> ShopifyConnector:
    from sandbox.shopify.services import issue_access_token

    token = issue_access_token(shop=SHOP, api_key=settings.SHOPIFY_API_KEY)
    handle = AccountHandle(
        id=None,
        merchant_id=None,
        provider="shopify",
        external_id=SHOP,
        base_url=f"{live_server.url}/sandbox/shopify/{SHOP}",
        credentials={"access_token": token},
        settings={"api_version": api_version},
    )
    http = HttpClient(provider="shopify", account_key=SHOP, max_retries=1, sleep=lambda _s: None)
    return ShopifyConnector(handle, http, sleep=lambda _s: None)


@pytest.fixture
def connector(live_server, store):
    return make_connector(live_server)


@pytest.fixture
def sent(connector, monkeypatch) -> list[tuple[str, dict]]:
    """Every GraphQL operation the connector sends: ``(document, variables)``, in order."""
    calls: list[tuple[str, dict]] = []
    execute = connector.gql.execute

    def spy(document, variables=None):
        calls.append((document, variables or {}))
        return execute(document, variables)

    monkeypatch.setattr(connector.gql, "execute", spy)
    return calls


def levels_query():
    from sandbox.shopify.models import SandboxInventoryLevel

    return SandboxInventoryLevel.objects.filter(item__shop__domain=SHOP).select_related(
        "item__variant", "location"
    )


def single_location_levels():
    """Levels of items stocked at exactly one location."""
    single = (
        levels_query()
        .values("item_id")
        .annotate(n=Count("id"))
        .filter(n=1)
        .values_list("item_id", flat=True)
    )
    return list(levels_query().filter(item_id__in=list(single)).order_by("item_id"))


def level_dto(level, quantity: int, *, compare: int | None = None, gids: bool = False):
    item, location = str(level.item_id), str(level.location_id)
    if gids:
        item, location = inventory_item_gid(item), location_gid(location)
    return StockLevelDTO(
        sku=level.item.variant.sku,
        quantity=quantity,
        listing_id=item,
        location_id=location,
        compare_quantity=compare,
    )


def available(level) -> int:
    level.refresh_from_db()
    return level.available


def mutations(sent) -> list[dict]:
    return [v["input"] for d, v in sent if d == queries.INVENTORY_SET_QUANTITIES]


def test_push_sets_available_with_the_known_compare_quantity(connector, sent):
    first, second = single_location_levels()[:2]
    before = (available(first), available(second))

    results = connector.push_inventory(
        [
            level_dto(first, 17, compare=before[0]),
            level_dto(second, 0, compare=before[1], gids=True),
        ]
    )

    assert [(r.sku, r.status) for r in results] == [
        (first.item.variant.sku, PushStatus.SUCCESS),
        (second.item.variant.sku, PushStatus.SUCCESS),
    ]
    assert results[0].submission_id.startswith("gid://shopify/InventoryAdjustmentGroup/")
    assert (available(first), available(second)) == (17, 0)
    [mutation] = mutations(sent)
    assert len(sent) == 1  # compare values known: no read first
    assert mutation["name"] == "available"
    assert mutation["reason"] == "correction"
    assert mutation["referenceDocumentUri"].startswith("gid://sangam/StockPush/")
    assert mutation["quantities"] == [
        {
            "inventoryItemId": f"gid://shopify/InventoryItem/{first.item_id}",
            "locationId": f"gid://shopify/Location/{first.location_id}",
            "quantity": 17,
            "compareQuantity": before[0],
        },
        {
            "inventoryItemId": f"gid://shopify/InventoryItem/{second.item_id}",
            "locationId": f"gid://shopify/Location/{second.location_id}",
            "quantity": 0,
            "compareQuantity": before[1],
        },
    ]


def test_push_without_a_compare_quantity_reads_the_current_value_first(connector, sent):
    level = single_location_levels()[0]
    current = available(level)

    [result] = connector.push_inventory([level_dto(level, current + 4)])

    assert result.status == PushStatus.SUCCESS
    assert available(level) == current + 4
    assert [d for d, _ in sent] == [
        queries.INVENTORY_AT_LOCATION_QUERY,
        queries.INVENTORY_SET_QUANTITIES,
    ]
    assert mutations(sent)[0]["quantities"][0]["compareQuantity"] == current


def test_stale_compare_quantity_is_reread_and_retried(connector, sent):
    """The level changed behind the connector's back (a sale in Shopify): the first set is
    refused as stale, the current value is read and the second set lands."""
    target, other = single_location_levels()[:2]
    believed = available(target)
    target.available = believed - 1 if believed else 9
    target.save(update_fields=["available"])
    other_before = available(other)

    results = connector.push_inventory(
        [level_dto(other, 33, compare=other_before), level_dto(target, 12, compare=believed)]
    )

    assert [r.status for r in results] == [PushStatus.SUCCESS, PushStatus.SUCCESS]
    assert (available(other), available(target)) == (33, 12)
    first, second = mutations(sent)
    assert first["quantities"][1]["compareQuantity"] == believed
    assert second["quantities"] == [
        {**first["quantities"][0]},
        {**first["quantities"][1], "compareQuantity": believed - 1 if believed else 9},
    ]
    assert first["referenceDocumentUri"] == second["referenceDocumentUri"]


def test_a_stale_row_already_at_its_target_is_not_set_again(connector, sent):
    """Shopify's own sale took the level exactly where the pool's push was taking it: the
    stale row is re-read, found at its target and done; only the other row is sent again."""
    target, other = single_location_levels()[:2]
    believed = available(target) or 10
    target.available = believed - 1
    target.save(update_fields=["available"])

    results = connector.push_inventory(
        [
            level_dto(other, 21, compare=available(other)),
            level_dto(target, believed - 1, compare=believed),
        ]
    )

    assert [r.status for r in results] == [PushStatus.SUCCESS, PushStatus.SUCCESS]
    assert results[1].message == "Shopify already held this quantity"
    assert (available(other), available(target)) == (21, believed - 1)
    first, second = mutations(sent)
    assert [q["inventoryItemId"] for q in second["quantities"]] == [
        first["quantities"][0]["inventoryItemId"]
    ]


def test_a_level_that_keeps_moving_fails_after_three_attempts(connector, sent, monkeypatch):
    level, steady = single_location_levels()[:2]
    read_levels = connector.read_levels

    def read_then_sell(pairs):
        readings = read_levels(pairs)
        # Every read is overtaken by another sale before the set arrives.
        level.refresh_from_db()
        level.available += 1
        level.save(update_fields=["available"])
        return readings

    monkeypatch.setattr(connector, "read_levels", read_then_sell)

    results = connector.push_inventory([level_dto(level, 50), level_dto(steady, 8)])

    assert results[0].status == PushStatus.FAILURE
    assert "COMPARE_QUANTITY_STALE" in results[0].message
    assert "3 attempts" in results[0].message
    assert results[1].status == PushStatus.SUCCESS
    assert available(steady) == 8
    assert available(level) != 50
    sets = mutations(sent)
    assert [len(m["quantities"]) for m in sets] == [2, 2, 2, 1]


def test_other_user_errors_fail_only_their_sku(connector, sent):
    good, bad = single_location_levels()[:2]

    results = connector.push_inventory(
        [level_dto(good, 5, compare=available(good)), level_dto(bad, 2_000_000_000, compare=0)]
    )

    assert results[0].status == PushStatus.SUCCESS
    assert results[1].status == PushStatus.FAILURE
    assert results[1].message.startswith("INVALID_QUANTITY_TOO_HIGH")
    assert available(good) == 5
    assert [len(m["quantities"]) for m in mutations(sent)] == [2, 1]


def test_not_stocked_unknown_or_idless_listings_fail_without_a_set(connector, sent):
    from sandbox.shopify.models import SandboxLocation

    level = single_location_levels()[0]
    elsewhere = (
        SandboxLocation.objects.filter(shop__domain=SHOP).exclude(pk=level.location_id).first()
    )
    levels = [
        StockLevelDTO("NOT-THERE", 3, listing_id=str(level.item_id), location_id=str(elsewhere.id)),
        StockLevelDTO("GONE", 3, listing_id="999999999999", location_id=str(level.location_id)),
        StockLevelDTO("NO-ID", 3, listing_id="", location_id=str(level.location_id)),
    ]

    results = connector.push_inventory(levels)

    assert [r.status for r in results] == [PushStatus.FAILURE] * 3
    assert "not stocked" in results[0].message
    assert "does not exist" in results[1].message
    assert "no Shopify inventory item id" in results[2].message
    assert mutations(sent) == []


def test_a_listing_without_a_location_uses_the_items_only_location(connector):
    level = single_location_levels()[0]
    stocked_twice = (
        levels_query().values("item_id").annotate(n=Count("id")).filter(n=2).order_by("item_id")
    ).first()
    assert stocked_twice, "the seeded store stocks some items at both locations"

    results = connector.push_inventory(
        [
            StockLevelDTO("ONE-PLACE", 21, listing_id=str(level.item_id)),
            StockLevelDTO("TWO-PLACES", 21, listing_id=str(stocked_twice["item_id"])),
        ]
    )

    assert results[0].status == PushStatus.SUCCESS
    assert available(level) == 21
    assert results[1].status == PushStatus.FAILURE
    assert "several Shopify locations" in results[1].message


def test_batches_hold_at_most_the_input_array_limit(connector, sent, monkeypatch):
    monkeypatch.setattr(shopify_inventory, "MAX_SET_QUANTITIES", 2)
    chosen = single_location_levels()[:5]

    results = connector.push_inventory(
        [level_dto(lv, 40 + n, compare=available(lv)) for n, lv in enumerate(chosen)]
    )

    assert all(r.status == PushStatus.SUCCESS for r in results)
    assert [available(lv) for lv in chosen] == [40, 41, 42, 43, 44]
    sets = mutations(sent)
    assert [len(m["quantities"]) for m in sets] == [2, 2, 1]
    assert len({m["referenceDocumentUri"] for m in sets}) == 1


def test_read_returns_what_the_sandbox_holds_and_none_for_unknown_items(connector, sent):
    from sandbox.shopify.models import SandboxLocation

    chosen = single_location_levels()[:3]
    elsewhere = (
        SandboxLocation.objects.filter(shop__domain=SHOP).exclude(pk=chosen[0].location_id).first()
    )
    levels = [level_dto(lv, 0) for lv in chosen] + [
        StockLevelDTO("GONE", 0, listing_id="999999999999", location_id=str(chosen[0].location_id)),
        StockLevelDTO(
            "ELSEWHERE", 0, listing_id=str(chosen[0].item_id), location_id=str(elsewhere.id)
        ),
        StockLevelDTO("NO-LOCATION", 0, listing_id=inventory_item_gid(str(chosen[1].item_id))),
        StockLevelDTO("NO-ID", 0),
    ]

    found = connector.read_inventory(levels)

    assert found == {
        **{lv.item.variant.sku: available(lv) for lv in chosen},
        "GONE": None,
        "ELSEWHERE": None,
        "NO-LOCATION": available(chosen[1]),
        "NO-ID": None,
    }
    documents = [d for d, _ in sent]
    # One query per location holding the asked levels, one to locate the unplaced item.
    assert documents.count(queries.INVENTORY_AT_LOCATION_QUERY) == 2
    assert documents.count(queries.INVENTORY_ITEM_LOCATIONS_QUERY) == 1


def test_read_batches_one_hundred_items_per_query(connector, sent, monkeypatch):
    monkeypatch.setattr(shopify_inventory, "MAX_READ_IDS", 2)
    chosen = [lv for lv in single_location_levels() if lv.location.is_primary][:5]

    found = connector.read_inventory([level_dto(lv, 0) for lv in chosen])

    assert found == {lv.item.variant.sku: lv.available for lv in chosen}
    assert [len(v["ids"]) for _, v in sent] == [2, 2, 1]


def test_transport_errors_propagate(connector, store):
    from sandbox.shopify.models import SandboxShop

    SandboxShop.objects.filter(pk=store.pk).delete()
    level = StockLevelDTO("ANY", 1, listing_id="1", location_id="1", compare_quantity=0)

    with pytest.raises(ConnectorError):
        connector.push_inventory([level])


@pytest.mark.parametrize("api_version", ["2026-01", "2026-04"])
def test_from_2026_01_the_push_sends_change_from_quantity_with_an_idempotency_key(
    live_server, store, monkeypatch, api_version
):
    """The configured version decides the document: 2026-04 has no ``compareQuantity`` and
    refuses a set without ``@idempotent``; a stale row is re-read and sent as a new request
    with a new key."""
    from sandbox.shopify.models import SandboxIdempotentRequest

    connector = make_connector(live_server, api_version)
    sent: list[tuple[str, dict]] = []
    execute = connector.gql.execute
    monkeypatch.setattr(
        connector.gql, "execute", lambda d, v=None: sent.append((d, v or {})) or execute(d, v)
    )
    target, other = single_location_levels()[:2]
    believed = available(target)
    target.available = believed + 2
    target.save(update_fields=["available"])

    results = connector.push_inventory(
        [level_dto(other, 14, compare=available(other)), level_dto(target, 6, compare=believed)]
    )

    assert [r.status for r in results] == [PushStatus.SUCCESS, PushStatus.SUCCESS]
    assert (available(other), available(target)) == (14, 6)
    sets = [(d, v) for d, v in sent if "inventorySetQuantities" in d]
    assert [d for d, _ in sets] == [queries.INVENTORY_SET_QUANTITIES_IDEMPOTENT] * 2
    first, second = (v for _, v in sets)
    assert first["input"]["quantities"][1]["changeFromQuantity"] == believed
    assert all("compareQuantity" not in q for q in first["input"]["quantities"])
    assert second["input"]["quantities"][1]["changeFromQuantity"] == believed + 2
    assert first["idempotencyKey"] != second["idempotencyKey"]
    assert set(
        SandboxIdempotentRequest.objects.filter(shop__domain=SHOP).values_list("key", flat=True)
    ) == {first["idempotencyKey"], second["idempotencyKey"]}
