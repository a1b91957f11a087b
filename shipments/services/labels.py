"""Shipping labels: one PDF of all the labels of a batch, a 4 × 6 inch page per shipment with
the AWB as a Code 128 barcode (the symbology Delhivery's packing slip uses,
logistics-finance-notes.md §1 "Label"), made with reportlab and kept in media storage.

Delhivery's own label endpoint (``/api/p/packing_slip``) can take a minute at p99
(logistics-finance-notes.md §1), so Sangam renders the label itself from what it booked, in
the background (``shipments.tasks.shipments_label_task``).
"""

from __future__ import annotations

from collections.abc import Sequence
from io import BytesIO

from django.core.files.base import ContentFile
from django.utils import timezone
from reportlab.graphics.barcode import code128
from reportlab.lib.units import inch, mm
from reportlab.pdfgen import canvas

from integrations.dto import PaymentMethod
from shipments.models import Shipment

PAGE = (4 * inch, 6 * inch)
MARGIN = 5 * mm


def _text(pdf: canvas.Canvas, x: float, y: float, text: str, size: float = 9, bold=False) -> float:
    pdf.setFont("Helvetica-Bold" if bold else "Helvetica", size)
    pdf.drawString(x, y, text)
    return y - size * 1.35


def _label_page(pdf: canvas.Canvas, shipment: Shipment) -> None:
    order = shipment.order
    width, height = PAGE
    x, y = MARGIN, height - MARGIN - 12
    y = _text(pdf, x, y, shipment.courier_name or shipment.account.display_name, 12, bold=True)
    cod = shipment.payment_method == PaymentMethod.COD
    mode = f"COD Rs. {shipment.cod_amount:,.2f}" if cod else "PREPAID"
    y = _text(pdf, x, y, mode, 14, bold=True)
    barcode = code128.Code128(
        shipment.awb, barWidth=0.36 * mm, barHeight=18 * mm, humanReadable=False
    )
    barcode.drawOn(pdf, x, y - 18 * mm)
    y -= 18 * mm + 4 * mm
    y = _text(pdf, x, y, f"AWB {shipment.awb}", 12, bold=True)
    y -= 2 * mm
    y = _text(pdf, x, y, "Deliver to:", 8)
    y = _text(pdf, x, y, order.ship_name or order.customer_name, 11, bold=True)
    for line in (order.ship_address1, order.ship_address2):
        if line:
            y = _text(pdf, x, y, line[:60], 9)
    y = _text(pdf, x, y, f"{order.ship_city}, {order.ship_state} {order.ship_pincode}", 10, True)
    if order.ship_phone or order.customer_phone:
        y = _text(pdf, x, y, f"Phone: {order.ship_phone or order.customer_phone}", 9)
    y -= 2 * mm
    y = _text(pdf, x, y, f"Order {order.order_number or order.external_id}", 10, bold=True)
    y = _text(pdf, x, y, f"Weight {shipment.weight_grams} g", 9)
    if shipment.pickup_location:
        _text(pdf, x, y, f"Return to: {shipment.pickup_location}", 8)
    pdf.showPage()


def labels_pdf(shipments: Sequence[Shipment]) -> bytes:
    """One PDF with a label page per shipment, in the order given."""
    buffer = BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=PAGE)
    pdf.setTitle("Shipping labels")
    for shipment in shipments:
        _label_page(pdf, shipment)
    pdf.save()
    return buffer.getvalue()


def shipments_label(*, shipment_ids: Sequence[int]) -> str:
    """Render the labels of ``shipment_ids`` into one PDF in media storage, set it as each
    shipment's ``label`` and return its storage name (``labels/YYYY/MM/labels-….pdf``)."""
    shipments = list(
        Shipment.objects.filter(pk__in=list(shipment_ids))
        .select_related("order", "account")
        .order_by("pk")
    )
    if not shipments:
        raise ValueError("No shipments to label.")
    name = f"labels-{timezone.now():%Y%m%d%H%M%S}-{shipments[0].pk}-{len(shipments)}.pdf"
    first = shipments[0]
    first.label.save(name, ContentFile(labels_pdf(shipments)), save=True)
    Shipment.objects.filter(pk__in=[s.pk for s in shipments[1:]]).update(label=first.label.name)
    return first.label.name
