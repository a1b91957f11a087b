"""Inventory mutations (compare-and-set) and the stock effects of orders."""

from __future__ import annotations

import pytest

from sandbox.shopify import services
from sandbox.shopify.inventory import compare_and_set_error
from sandbox.shopify.models import (
    SandboxIdempotentRequest,
    SandboxInventoryLevel,
    SandboxOrder,
)
from tests.sandbox.conftest import SHOP

SET = """
mutation($input: InventorySetQuantitiesInput!) {
  inventorySetQuantities(input: $input) {
    inventoryAdjustmentGroup { reason changes { name delta quantityAfterChange item { id } } }
    userErrors { field message code }
  }
}
"""
ADJUST = """
mutation($input: InventoryAdjustQuantitiesInput!) {
  inventoryAdjustQuantities(input: $input) {
    inventoryAdjustmentGroup { changes { name delta quantityAfterChange } }
    userErrors { field message code }
  }
}
"""


@pytest.fixture
def level(store) -> SandboxInventoryLevel:
    return (
        SandboxInventoryLevel.objects.filter(
            item__shop=store, location__is_primary=True, committed__gt=0
        )
        .select_related("item", "location")
        .first()
    )


def quantity(level: SandboxInventoryLevel, value: int, **extra) -> dict:
    return {
        "inventoryItemId": f"gid://shopify/InventoryItem/{level.item_id}",
        "locationId": f"gid://shopify/Location/{level.location_id}",
        "quantity": value,
        **extra,
    }


@pytest.mark.parametrize(
    ("row", "ignore", "required", "result"),
    [
        ({"compareQuantity": 5}, False, False, None),
        ({"compareQuantity": 4}, False, False, ("COMPARE_QUANTITY_STALE", "compareQuantity")),
        ({}, False, False, ("COMPARE_QUANTITY_REQUIRED", "compareQuantity")),
        ({}, True, False, None),
        ({"compareQuantity": 9}, True, False, None),
        # 2026-01 on: changeFromQuantity, where an explicit null opts the row out.
        ({"changeFromQuantity": 5}, False, False, None),
        (
            {"changeFromQuantity": 4},
            False,
            True,
            ("CHANGE_FROM_QUANTITY_STALE", "changeFromQuantity"),
        ),
        ({"changeFromQuantity": None}, False, True, None),
        # 2026-04: leaving it out is an error.
        ({}, False, True, ("COMPARE_QUANTITY_REQUIRED", "changeFromQuantity")),
    ],
)
def test_compare_and_set_rule(row, ignore, required, result):
    error = compare_and_set_error(row=row, current=5, ignore=ignore, changes_from_required=required)
    assert (error[:2] if error else None) == result


def test_set_available_with_matching_compare_quantity(gql, level):
    payload = gql(
        SET,
        {
            "input": {
                "name": "available",
                "reason": "correction",
                "quantities": [
                    quantity(level, level.available + 7, compareQuantity=level.available)
                ],
            }
        },
    )

    result = payload["data"]["inventorySetQuantities"]
    assert result["userErrors"] == []
    changes = {c["name"]: c for c in result["inventoryAdjustmentGroup"]["changes"]}
    assert changes["available"]["delta"] == 7
    assert changes["on_hand"]["quantityAfterChange"] == level.on_hand + 7
    fresh = SandboxInventoryLevel.objects.get(pk=level.pk)
    assert fresh.available == level.available + 7
    assert fresh.committed == level.committed


def test_stale_compare_quantity_changes_nothing(gql, level):
    payload = gql(
        SET,
        {
            "input": {
                "name": "available",
                "reason": "correction",
                "quantities": [quantity(level, 50, compareQuantity=level.available + 1)],
            }
        },
    )

    result = payload["data"]["inventorySetQuantities"]
    assert result["inventoryAdjustmentGroup"] is None
    assert result["userErrors"][0]["code"] == "COMPARE_QUANTITY_STALE"
    assert result["userErrors"][0]["field"] == ["input", "quantities", "0", "compareQuantity"]
    assert SandboxInventoryLevel.objects.get(pk=level.pk).available == level.available


def test_set_on_hand_moves_available_and_keeps_committed(gql, level):
    target = level.on_hand + 3
    payload = gql(
        SET,
        {
            "input": {
                "name": "on_hand",
                "reason": "cycle_count_available",
                "ignoreCompareQuantity": True,
                "quantities": [quantity(level, target)],
            }
        },
    )

    assert payload["data"]["inventorySetQuantities"]["userErrors"] == []
    fresh = SandboxInventoryLevel.objects.get(pk=level.pk)
    assert (fresh.on_hand, fresh.available, fresh.committed) == (
        target,
        level.available + 3,
        level.committed,
    )


@pytest.mark.parametrize(
    ("name", "reason", "code"),
    [("committed", "correction", "INVALID_NAME"), ("available", "because", "INVALID_REASON")],
)
def test_invalid_name_or_reason_is_a_user_error(gql, level, name, reason, code):
    payload = gql(
        SET,
        {
            "input": {
                "name": name,
                "reason": reason,
                "ignoreCompareQuantity": True,
                "quantities": [quantity(level, 1)],
            }
        },
    )
    assert payload["data"]["inventorySetQuantities"]["userErrors"][0]["code"] == code


def test_adjust_adds_delta(gql, level):
    payload = gql(
        ADJUST,
        {
            "input": {
                "name": "available",
                "reason": "received",
                "changes": [
                    {
                        "inventoryItemId": f"gid://shopify/InventoryItem/{level.item_id}",
                        "locationId": f"gid://shopify/Location/{level.location_id}",
                        "delta": -2,
                    }
                ],
            }
        },
    )

    changes = payload["data"]["inventoryAdjustQuantities"]["inventoryAdjustmentGroup"]["changes"]
    assert {"name": "available", "delta": -2, "quantityAfterChange": level.available - 2} in changes
    assert SandboxInventoryLevel.objects.get(pk=level.pk).available == level.available - 2


def test_inventory_mutations_need_write_inventory(gql, store, app, level):
    token = services.issue_access_token(shop=SHOP, api_key=app.api_key, scope="read_inventory")
    payload = gql(
        SET,
        {
            "input": {
                "name": "available",
                "reason": "correction",
                "ignoreCompareQuantity": True,
                "quantities": [quantity(level, 1)],
            }
        },
        token=token,
    )
    assert payload["errors"][0]["extensions"]["code"] == "ACCESS_DENIED"


def primary_levels(order: SandboxOrder) -> dict[int, SandboxInventoryLevel]:
    return {
        lv.item.variant_id: lv
        for lv in SandboxInventoryLevel.objects.filter(
            location__is_primary=True,
            item__variant__in=[i.variant_id for i in order.loaded_line_items],
        ).select_related("item")
    }


def test_orders_commit_then_cancellation_releases_stock(store):
    before = {
        lv.item.variant_id: (lv.available, lv.committed)
        for lv in SandboxInventoryLevel.objects.filter(
            location__is_primary=True, item__shop=store
        ).select_related("item")
    }
    order = services.simulate_orders(shop=SHOP, count=1, seed=21, deliver=False)[0]
    placed = primary_levels(order)
    for item in order.loaded_line_items:
        available, committed = before[item.variant_id]
        assert placed[item.variant_id].available == available - item.quantity
        assert placed[item.variant_id].committed == committed + item.quantity

    services.cancel_order(order)

    released = primary_levels(order)
    assert {v: (lv.available, lv.committed) for v, lv in released.items()} == {
        v: before[v] for v in released
    }
    order.refresh_from_db()
    assert order.cancelled_at is not None
    assert order.financial_status in ("REFUNDED", "VOIDED")


def test_fulfilment_drops_committed_but_not_available(store):
    order = services.simulate_orders(shop=SHOP, count=1, seed=22, deliver=False)[0]
    placed = primary_levels(order)

    services.fulfill_order(order)

    shipped = primary_levels(order)
    for item in order.loaded_line_items:
        assert shipped[item.variant_id].available == placed[item.variant_id].available
        assert shipped[item.variant_id].committed == placed[item.variant_id].committed - (
            item.quantity
        )
    order.refresh_from_db()
    assert order.fulfillment_status == "FULFILLED"
    assert order.updated_at >= order.created_at


IDEMPOTENT_SET = """
mutation($input: InventorySetQuantitiesInput!, $key: String!) {
  inventorySetQuantities(input: $input) @idempotent(key: $key) {
    inventoryAdjustmentGroup {
      id
      changes(quantityNames: ["available"]) { delta quantityAfterChange }
    }
    userErrors { field message code }
  }
}
"""


def set_input(*rows: dict) -> dict:
    return {"name": "available", "reason": "correction", "quantities": list(rows)}


def test_versions_from_2026_04_take_change_from_quantity_and_refuse_compare_quantity(gql, level):
    gql.version = "2026-04"
    old = gql(SET, {"input": set_input(quantity(level, 3, compareQuantity=level.available))})
    assert "compareQuantity" in old["errors"][0]["message"]

    stale = gql(
        IDEMPOTENT_SET,
        {
            "input": set_input(quantity(level, 3, changeFromQuantity=level.available + 1)),
            "key": "k1",
        },
    )
    [error] = stale["data"]["inventorySetQuantities"]["userErrors"]
    assert error["code"] == "CHANGE_FROM_QUANTITY_STALE"
    assert error["field"] == ["input", "quantities", "0", "changeFromQuantity"]

    missing = gql(IDEMPOTENT_SET, {"input": set_input(quantity(level, 3)), "key": "k2"})
    assert missing["data"]["inventorySetQuantities"]["userErrors"][0]["field"][-1] == (
        "changeFromQuantity"
    )

    done = gql(
        IDEMPOTENT_SET,
        {"input": set_input(quantity(level, 3, changeFromQuantity=level.available)), "key": "k3"},
    )
    assert done["data"]["inventorySetQuantities"]["userErrors"] == []
    assert SandboxInventoryLevel.objects.get(pk=level.pk).available == 3


def test_2026_04_needs_the_idempotent_directive_and_2025_01_does_not_know_it(gql, level):
    row = quantity(level, 4, changeFromQuantity=None)
    refused = gql(SET, {"input": set_input(row)}, version="2026-04")
    assert refused["data"]["inventorySetQuantities"] is None
    assert "@idempotent" in refused["errors"][0]["message"]
    assert SandboxInventoryLevel.objects.get(pk=level.pk).available == level.available

    unknown = gql(IDEMPOTENT_SET, {"input": set_input(row), "key": "k"}, version="2025-01")
    assert any("idempotent" in e["message"] for e in unknown["errors"])

    # 2026-01: both compare fields exist and the directive is optional.
    both = gql(
        SET, {"input": set_input(quantity(level, 4, changeFromQuantity=None))}, version="2026-01"
    )
    assert both["data"]["inventorySetQuantities"]["userErrors"] == []
    assert SandboxInventoryLevel.objects.get(pk=level.pk).available == 4


def test_a_repeated_idempotency_key_replays_the_first_result_without_setting_again(gql, level):
    gql.version = "2026-04"
    start = level.available
    variables = {
        "input": set_input(quantity(level, start + 5, changeFromQuantity=start)),
        "key": "2f1c7a5e-0b7e-4c55-9d0e-7d1f1c9e6a11",
    }
    first = gql(IDEMPOTENT_SET, variables)["data"]["inventorySetQuantities"]
    # Stock moves in between (a sale): a replay must not set it back.
    SandboxInventoryLevel.objects.filter(pk=level.pk).update(available=start + 2)

    again = gql(IDEMPOTENT_SET, variables)["data"]["inventorySetQuantities"]

    assert again == first
    assert first["inventoryAdjustmentGroup"]["changes"] == [
        {"delta": 5, "quantityAfterChange": start + 5}
    ]
    assert SandboxInventoryLevel.objects.get(pk=level.pk).available == start + 2
    assert SandboxIdempotentRequest.objects.filter(key=variables["key"]).count() == 1

    other = gql(
        IDEMPOTENT_SET,
        {**variables, "input": set_input(quantity(level, 1, changeFromQuantity=start + 2))},
    )["data"]["inventorySetQuantities"]
    assert other["inventoryAdjustmentGroup"] is None
    assert [e["code"] for e in other["userErrors"]] == ["IDEMPOTENCY_KEY_PARAMETER_MISMATCH"]
    assert SandboxInventoryLevel.objects.get(pk=level.pk).available == start + 2
