"""Labels: one PDF per batch, a page per shipment, the AWB readable from its barcode."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

import pypdfium2
import pytest
import zxingcpp

from orders.services import order_import
from shipments.models import Shipment
from shipments.services.labels import labels_pdf, shipments_label
from shipments.tasks import shipments_label_task
from tests.factories import ChannelAccountFactory, MerchantFactory, order_dto

pytestmark = pytest.mark.django_db


@pytest.fixture
def shipments(media_root):
    merchant = MerchantFactory()
    shop = ChannelAccountFactory(merchant=merchant)
    courier = ChannelAccountFactory(
        merchant=merchant, provider="delhivery", external_id="ACME", display_name="Delhivery"
    )
    made = []
    for i, cod in enumerate((True, False)):
        dto = order_dto(f"L{i}", payment_method="cod" if cod else "prepaid", total="1499.00")
        ship_to = replace(
            dto.ship_to, name="Ravi Kumar", address1="22 Park Street", phone="9830012345"
        )
        order_import(account=shop, order=replace(dto, ship_to=ship_to))
        made.append(
            Shipment.objects.create(
                merchant=merchant,
                order=shop.orders.get(external_id=f"L{i}"),
                account=courier,
                awb=f"2680571000{i:04d}",
                courier_name="Delhivery",
                payment_method="cod" if cod else "prepaid",
                cod_amount=Decimal("1499.00") if cod else Decimal("0"),
                weight_grams=750,
                pickup_location="Bhiwandi WH",
            )
        )
    return made


def pages(pdf: bytes):
    document = pypdfium2.PdfDocument(pdf)
    for page in document:
        image = page.render(scale=4).to_pil()
        text = page.get_textpage().get_text_range()
        yield image, text


def test_each_label_carries_its_awb_as_a_barcode_that_reads_back(shipments):
    found = list(pages(labels_pdf(shipments)))

    assert len(found) == 2
    for shipment, (image, text) in zip(shipments, found, strict=True):
        codes = zxingcpp.read_barcodes(image)
        assert [(c.format, c.text) for c in codes] == [
            (zxingcpp.BarcodeFormat.Code128, shipment.awb)
        ]
        assert f"AWB {shipment.awb}" in text
        assert "Ravi Kumar" in text
        assert "22 Park Street" in text
        assert "Pune, Maharashtra 411001" in text
    assert "COD Rs. 1,499.00" in found[0][1]
    assert "PREPAID" in found[1][1]
    assert "COD" not in found[1][1]


def test_a_batch_is_one_pdf_in_media_storage_shared_by_its_shipments(shipments):
    name = shipments_label_task.apply(args=[[s.pk for s in shipments]]).get()

    for shipment in shipments:
        shipment.refresh_from_db()
        assert shipment.label.name == name
    with shipments[0].label.open("rb") as handle:
        assert len(list(pages(handle.read()))) == 2


def test_no_shipments_is_an_error():
    with pytest.raises(ValueError, match="No shipments"):
        shipments_label(shipment_ids=[])
