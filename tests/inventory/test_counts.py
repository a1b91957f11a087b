"""Stock counts from a CSV upload: each good row sets on hand through the ledger, each bad row
is quarantined with its row number and reason, and the rest still commits."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from inventory.models import MovementKind, MovementSource, StockLevel, StockMovement
from inventory.services import counts
from inventory.services.counts import CountFileError, stock_counts_import
from inventory.services.stock import stock_rebuild
from tests.dashboard.builders import make_stock
from tests.factories import MembershipFactory, VariantFactory

pytestmark = pytest.mark.django_db


def upload(text: str, name: str = "counts.csv", encoding: str = "utf-8") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, text.encode(encoding), content_type="text/csv")


def on_hand(sku: str) -> int:
    return StockLevel.objects.get(variant__sku=sku, warehouse__is_default=True).on_hand


@pytest.fixture
def member():
    return MembershipFactory()


def test_good_rows_set_on_hand_through_the_ledger_and_bad_rows_are_quarantined(member):
    merchant = member.merchant
    make_stock(merchant, "KURTA-S", on_hand=10)
    make_stock(merchant, "KURTA-M", on_hand=4, reserved=1)
    make_stock(merchant, "KURTA-L", on_hand=7)
    make_stock(merchant, "KURTA-XL", on_hand=3)
    file = upload(
        "sku,on_hand\nKURTA-S,12\nNOPE-1,5\nKURTA-M,two\nKURTA-L,-3\nKURTA-XL,0\n,4\nKURTA-M,6\n"
    )

    result = stock_counts_import(merchant=merchant, file=file, user=member.user)

    assert (result.updated, result.skipped) == (3, 0)
    assert [(f.external_id, f.error) for f in result.failures] == [
        ("row 3", "Unknown SKU 'NOPE-1'."),
        ("row 4", "The count 'two' is not a whole number."),
        ("row 5", "The count -3 is negative."),
        ("row 7", "The SKU is blank."),
    ]
    assert result.failures[0].payload == {"row": 3, "sku": "NOPE-1", "on_hand": "5"}
    assert on_hand("KURTA-S") == 12
    assert on_hand("KURTA-M") == 6
    assert on_hand("KURTA-L") == 7  # the bad row changed nothing
    assert on_hand("KURTA-XL") == 0
    movement = StockMovement.objects.get(variant__sku="KURTA-S")
    assert movement.kind == MovementKind.ADJUST
    assert movement.source == MovementSource.USER
    assert movement.on_hand_delta == 2
    assert movement.note == "count upload counts.csv"
    assert movement.created_by == member.user


def test_the_ledger_still_rebuilds_the_levels_after_an_upload(member):
    merchant = member.merchant
    level = make_stock(merchant, "SAREE-1", on_hand=0)
    stock_counts_import(merchant=merchant, file=upload("sku,on_hand\nSAREE-1,9\n"), user=None)
    stock_counts_import(merchant=merchant, file=upload("sku,on_hand\nSAREE-1,4\n"), user=None)

    assert stock_rebuild(warehouse=level.warehouse)[level.variant_id] == (4, 0)


def test_header_aliases_case_and_a_byte_order_mark_are_accepted(member):
    make_stock(member.merchant, "DUPATTA-1", on_hand=1)
    make_stock(member.merchant, "DUPATTA-2", on_hand=1)

    first = stock_counts_import(
        merchant=member.merchant, file=upload("\ufeffSKU,Quantity\nDUPATTA-1,8\n"), user=None
    )
    second = stock_counts_import(
        merchant=member.merchant,
        file=upload("note,count,sku\r\nshelf 4,5,DUPATTA-2\r\n"),
        user=None,
    )

    assert (first.updated, first.failures) == (1, [])
    assert (second.updated, second.failures) == (1, [])
    assert (on_hand("DUPATTA-1"), on_hand("DUPATTA-2")) == (8, 5)


def test_a_count_equal_to_the_current_on_hand_is_counted_as_unchanged(member):
    make_stock(member.merchant, "SAME-1", on_hand=5)

    result = stock_counts_import(
        merchant=member.merchant, file=upload("sku,on_hand\nSAME-1,5\n"), user=None
    )

    assert (result.updated, result.skipped) == (0, 1)
    assert not StockMovement.objects.exists()


def test_a_variant_without_a_stock_level_gets_one(member):
    VariantFactory(product__merchant=member.merchant, sku="NEW-1")

    result = stock_counts_import(
        merchant=member.merchant, file=upload("sku,on_hand\nNEW-1,3\n"), user=None
    )

    assert result.updated == 1
    assert on_hand("NEW-1") == 3


def test_another_merchants_sku_is_unknown(member):
    outsider = MembershipFactory()
    make_stock(outsider.merchant, "THEIRS-1", on_hand=2)

    result = stock_counts_import(
        merchant=member.merchant, file=upload("sku,on_hand\nTHEIRS-1,50\n"), user=None
    )

    assert [f.error for f in result.failures] == ["Unknown SKU 'THEIRS-1'."]
    assert on_hand("THEIRS-1") == 2


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "The file is empty"),
        ("sku,price\nA,1\n", "found: sku, price"),
        ("code,on_hand\nA,1\n", "must name a 'sku' column"),
    ],
)
def test_a_file_without_a_usable_header_applies_nothing(member, text, message):
    make_stock(member.merchant, "A", on_hand=1)

    with pytest.raises(CountFileError, match=message):
        stock_counts_import(merchant=member.merchant, file=upload(text), user=None)

    assert on_hand("A") == 1


def test_a_file_that_is_not_utf8_is_refused(member):
    make_stock(member.merchant, "A", on_hand=1)

    with pytest.raises(CountFileError, match="not UTF-8"):
        stock_counts_import(
            merchant=member.merchant,
            file=upload("sku,on_hand\nA,1\nÄ,2\n", encoding="latin-1"),
            user=None,
        )


def test_rows_are_read_in_chunks_and_a_text_stream_works_too(member, monkeypatch):
    monkeypatch.setattr(counts, "CHUNK_ROWS", 2)
    for i in range(5):
        make_stock(member.merchant, f"CHUNK-{i}", on_hand=0)
    text = "sku,on_hand\n" + "".join(f"CHUNK-{i},{i + 1}\n" for i in range(5)) + "GHOST,1\n"
    stream = io.StringIO(text)
    stream.name = "shelf.csv"

    result = stock_counts_import(merchant=member.merchant, file=stream, user=None)

    assert result.updated == 5
    assert [f.external_id for f in result.failures] == ["row 7"]
    assert [on_hand(f"CHUNK-{i}") for i in range(5)] == [1, 2, 3, 4, 5]
    assert StockMovement.objects.filter(note="count upload shelf.csv").count() == 5
