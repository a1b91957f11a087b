"""``products_import`` and ``inventory_levels_import``: channel catalog and stock into Sangam."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from channel_stock.services.levels_import import inventory_levels_import
from integrations.dto import InventoryLevelDTO, ProductDTO, VariantDTO
from inventory.models import (
    ChannelInventoryLevel,
    ChannelListing,
    MovementKind,
    Product,
    StockLevel,
    StockMovement,
    Variant,
)
from inventory.services import default_warehouse, products_import
from tests.factories import ChannelAccountFactory, VariantFactory

T0 = datetime(2026, 11, 1, 10, 0, tzinfo=UTC)


@pytest.fixture
def account(merchant):
    return ChannelAccountFactory(merchant=merchant)


def variant_dto(n: int, sku: str, **kw) -> VariantDTO:
    values = {
        "external_id": f"4{n:03d}",
        "sku": sku,
        "title": f"Size {n}",
        "price": Decimal("999.00"),
        "inventory_item_id": f"7{n:03d}",
        "options": (("Size", str(n)),),
    }
    values.update(kw)
    return VariantDTO(**values)


def product_dto(*variants: VariantDTO, updated_at=T0, **kw) -> ProductDTO:
    values = {
        "external_id": "9001",
        "title": "Anarkali Kurta",
        "handle": "anarkali-kurta",
        "vendor": "Sangam Studio",
        "product_type": "Kurta",
        "status": "active",
        "updated_at": updated_at,
        "variants": variants,
    }
    values.update(kw)
    return ProductDTO(**values)


# --- products -------------------------------------------------------------------------------------
def test_products_import_creates_product_variants_and_listings(account, merchant):
    result = products_import(
        account=account,
        products=[
            product_dto(
                variant_dto(1, "KURTA-S", barcode="8901000000011"),
                variant_dto(2, "KURTA-M", compare_at_price=Decimal("1299.00")),
            )
        ],
    )
    assert (result.created, result.updated, result.skipped, result.failures) == (2, 0, 0, [])
    product = Product.objects.get(merchant=merchant)
    assert (product.title, product.handle, product.vendor, product.status) == (
        "Anarkali Kurta",
        "anarkali-kurta",
        "Sangam Studio",
        "active",
    )
    variants = {v.sku: v for v in Variant.objects.filter(merchant=merchant)}
    assert set(variants) == {"KURTA-S", "KURTA-M"}
    assert variants["KURTA-S"].barcode == "8901000000011"
    assert variants["KURTA-M"].compare_at_price == Decimal("1299.00")
    assert variants["KURTA-S"].options == {"Size": "1"}
    assert all(v.product_id == product.pk for v in variants.values())
    listings = {
        lst.external_variant_id: lst for lst in ChannelListing.objects.filter(account=account)
    }
    assert set(listings) == {"4001", "4002"}
    assert listings["4001"].variant_id == variants["KURTA-S"].pk
    assert listings["4001"].external_product_id == "9001"
    assert listings["4001"].external_inventory_item_id == "7001"
    assert listings["4001"].channel_sku == "KURTA-S"
    assert listings["4001"].source_updated_at == T0


def test_importing_the_same_products_again_creates_nothing_new(account, merchant):
    dto = product_dto(variant_dto(1, "KURTA-S"), variant_dto(2, "KURTA-M"))
    products_import(account=account, products=[dto])
    counts = (Product.objects.count(), Variant.objects.count(), ChannelListing.objects.count())
    again = products_import(account=account, products=[dto])
    assert (again.created, again.updated, again.skipped) == (0, 0, 2)  # same version: skipped
    assert (Product.objects.count(), Variant.objects.count(), ChannelListing.objects.count()) == (
        counts
    )


def test_a_product_without_a_handle_is_not_duplicated_on_reimport(account, merchant):
    dto = product_dto(variant_dto(1, "KURTA-S"), handle="")
    products_import(account=account, products=[dto])
    products_import(account=account, products=[dto])
    assert Product.objects.filter(merchant=merchant).count() == 1


def test_a_channel_variant_matches_an_existing_variant_by_sku(account, merchant):
    existing = VariantFactory(product__merchant=merchant, merchant=merchant, sku="KURTA-M")
    result = products_import(
        account=account,
        products=[product_dto(variant_dto(2, "KURTA-M", price=Decimal("1099.00")))],
    )
    assert (result.created, result.updated) == (0, 1)
    assert Variant.objects.filter(merchant=merchant).count() == 1
    existing.refresh_from_db()
    assert existing.price == Decimal("1099.00")
    assert ChannelListing.objects.get(account=account).variant_id == existing.pk


def test_a_channel_variant_matches_an_existing_variant_by_barcode(account, merchant):
    existing = VariantFactory(
        product__merchant=merchant, merchant=merchant, sku="WAREHOUSE-CODE", barcode="8901234567890"
    )
    result = products_import(
        account=account,
        products=[product_dto(variant_dto(3, "SHOPIFY-SKU", barcode="8901234567890"))],
    )
    assert (result.created, result.updated) == (0, 1)
    listing = ChannelListing.objects.get(account=account)
    assert listing.variant_id == existing.pk
    assert listing.channel_sku == "SHOPIFY-SKU"
    assert not Variant.objects.filter(sku="SHOPIFY-SKU").exists()


def test_another_merchants_sku_or_barcode_never_matches(account, merchant):
    foreign = VariantFactory(sku="KURTA-M", barcode="8901234567890")
    products_import(
        account=account,
        products=[product_dto(variant_dto(2, "KURTA-M", barcode="8901234567890"))],
    )
    listing = ChannelListing.objects.get(account=account)
    assert listing.variant_id != foreign.pk
    assert listing.variant.merchant_id == merchant.pk


def test_a_variant_without_sku_is_quarantined_and_its_siblings_import(account, merchant):
    result = products_import(
        account=account,
        products=[product_dto(variant_dto(1, ""), variant_dto(2, "KURTA-M"))],
    )
    assert result.created == 1
    assert [(f.external_id, f.payload) for f in result.failures] == [
        ("4001", {"product": "9001", "variant": "4001"})
    ]
    assert "SKU" in result.failures[0].error
    assert list(Variant.objects.values_list("sku", flat=True)) == ["KURTA-M"]
    assert list(ChannelListing.objects.values_list("external_variant_id", flat=True)) == ["4002"]


def test_a_stale_product_update_is_skipped(account, merchant):
    products_import(
        account=account,
        products=[
            product_dto(
                variant_dto(1, "KURTA-S", price=Decimal("999.00")),
                updated_at=T0 + timedelta(hours=1),
                title="Anarkali Kurta (new)",
            )
        ],
    )
    stale = product_dto(
        variant_dto(1, "KURTA-S", price=Decimal("1.00")), updated_at=T0, title="Old title"
    )
    result = products_import(account=account, products=[stale])
    assert (result.created, result.updated, result.skipped) == (0, 0, 1)
    variant = Variant.objects.get(sku="KURTA-S")
    assert variant.price == Decimal("999.00")
    assert ChannelListing.objects.get().source_updated_at == T0 + timedelta(hours=1)
    assert Product.objects.get().title == "Anarkali Kurta (new)"


def test_a_newer_product_update_is_applied(account, merchant):
    products_import(account=account, products=[product_dto(variant_dto(1, "KURTA-S"))])
    newer = product_dto(
        variant_dto(1, "KURTA-S", price=Decimal("899.00")),
        updated_at=T0 + timedelta(minutes=1),
        title="Anarkali Kurta (sale)",
    )
    result = products_import(account=account, products=[newer])
    assert result.updated == 1
    assert Variant.objects.get(sku="KURTA-S").price == Decimal("899.00")
    assert Product.objects.get().title == "Anarkali Kurta (sale)"


# --- inventory levels ---------------------------------------------------------------------------
@pytest.fixture
def listed(account, merchant):
    """KURTA-S and KURTA-M listed on the account as inventory items 7001 and 7002."""
    products_import(
        account=account,
        products=[product_dto(variant_dto(1, "KURTA-S"), variant_dto(2, "KURTA-M"))],
    )
    return {v.sku: v for v in Variant.objects.filter(merchant=merchant)}


def level_dto(
    item: str, location: str = "71", *, available=None, on_hand=None, committed=None, updated_at=T0
) -> InventoryLevelDTO:
    return InventoryLevelDTO(
        inventory_item_id=item,
        location_id=location,
        available=available,
        on_hand=on_hand,
        committed=committed,
        updated_at=updated_at,
    )


def stock(variant) -> tuple[int, int] | None:
    row = StockLevel.objects.filter(variant=variant, warehouse__is_default=True).first()
    return None if row is None else (row.on_hand, row.reserved)


def test_first_inventory_import_seeds_the_stock_pool(account, listed, merchant):
    result = inventory_levels_import(
        account=account,
        levels=[
            level_dto("7001", "71", available=7, on_hand=9, committed=2),
            level_dto("7001", "72", available=3, on_hand=3),
            level_dto("7002", "71", available=4, committed=1),
        ],
    )
    assert result.created == 3
    assert stock(listed["KURTA-S"]) == (12, 0)  # on_hand summed over locations
    assert stock(listed["KURTA-M"]) == (5, 0)  # no on_hand: available + committed
    imports = StockMovement.objects.filter(kind=MovementKind.IMPORT, on_hand_delta__gt=0)
    assert sorted(imports.values_list("variant__sku", "on_hand_delta", "reference")) == [
        ("KURTA-M", 5, f"shopify-import:{account.pk}"),
        ("KURTA-S", 12, f"shopify-import:{account.pk}"),
    ]
    row = ChannelInventoryLevel.objects.get(
        external_inventory_item_id="7001", external_location_id="71"
    )
    assert (row.available, row.on_hand, row.committed) == (7, 9, 2)
    assert row.listing.variant_id == listed["KURTA-S"].pk
    assert default_warehouse(merchant).levels.count() == 2


def test_a_later_inventory_import_records_channel_levels_but_keeps_the_pool(account, listed):
    inventory_levels_import(account=account, levels=[level_dto("7001", available=7, on_hand=9)])
    result = inventory_levels_import(
        account=account,
        levels=[level_dto("7001", available=40, on_hand=42, updated_at=T0 + timedelta(hours=1))],
    )
    assert result.updated == 1
    assert stock(listed["KURTA-S"]) == (9, 0)
    row = ChannelInventoryLevel.objects.get(external_inventory_item_id="7001")
    assert (row.available, row.on_hand) == (40, 42)
    assert row.source_updated_at == T0 + timedelta(hours=1)
    assert StockMovement.objects.filter(kind=MovementKind.IMPORT).count() == 1


def test_a_variant_first_seen_with_zero_stock_is_not_seeded_later(account, listed):
    inventory_levels_import(account=account, levels=[level_dto("7001", available=0, on_hand=0)])
    assert StockMovement.objects.filter(kind=MovementKind.IMPORT).count() == 1
    inventory_levels_import(
        account=account,
        levels=[level_dto("7001", available=5, on_hand=5, updated_at=T0 + timedelta(minutes=1))],
    )
    assert stock(listed["KURTA-S"]) == (0, 0)  # present, out of stock: the stock page shows it
    assert StockMovement.objects.filter(on_hand_delta__gt=0).count() == 0


def test_a_stale_level_update_is_skipped(account, listed):
    inventory_levels_import(
        account=account,
        levels=[level_dto("7001", available=5, on_hand=5, updated_at=T0 + timedelta(hours=1))],
    )
    result = inventory_levels_import(
        account=account, levels=[level_dto("7001", available=99, on_hand=99, updated_at=T0)]
    )
    assert (result.created, result.updated, result.skipped) == (0, 0, 1)
    row = ChannelInventoryLevel.objects.get(external_inventory_item_id="7001")
    assert (row.available, row.on_hand) == (5, 5)
    assert row.source_updated_at == T0 + timedelta(hours=1)


def test_a_webhook_level_with_only_available_keeps_the_stored_on_hand(account, listed):
    inventory_levels_import(
        account=account, levels=[level_dto("7001", available=7, on_hand=9, committed=2)]
    )
    inventory_levels_import(
        account=account,
        levels=[level_dto("7001", available=6, updated_at=T0 + timedelta(minutes=1))],
    )
    row = ChannelInventoryLevel.objects.get(external_inventory_item_id="7001")
    assert (row.available, row.on_hand, row.committed) == (6, 9, 2)


def test_a_level_of_an_unlisted_item_is_recorded_without_touching_stock(account, listed):
    result = inventory_levels_import(account=account, levels=[level_dto("7999", available=3)])
    assert result.created == 1
    row = ChannelInventoryLevel.objects.get(external_inventory_item_id="7999")
    assert row.listing is None
    assert StockMovement.objects.count() == 0


def test_levels_are_kept_per_account(account, listed, merchant):
    other = ChannelAccountFactory(merchant=merchant)
    inventory_levels_import(account=account, levels=[level_dto("7001", available=1)])
    inventory_levels_import(account=other, levels=[level_dto("7001", available=2)])
    assert sorted(ChannelInventoryLevel.objects.values_list("account_id", "available")) == sorted(
        [(account.pk, 1), (other.pk, 2)]
    )
