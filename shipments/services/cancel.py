"""Cancelling a shipment at its courier.

What a cancellation does depends on how far the parcel got (Delhivery, logistics notes §1:
``POST /api/p/edit`` with ``cancellation``): before pickup (created, manifested) the waybill
is cancelled and the parcel never moves, so the shipment is ``cancelled`` at once; once picked
up, the courier turns the cancellation into an RTO and its scans say so, so the status is left
to tracking (the next push or poll moves it to RTO by the forward-only rule of
``shipments.services.tracking``).
"""

from __future__ import annotations

from django.utils import timezone

from integrations.dto import ShipmentStatus
from integrations.http import RejectedError
from integrations.services.accounts import build_connector
from shipments.models import Shipment

NOT_PICKED_UP = frozenset({ShipmentStatus.CREATED, ShipmentStatus.MANIFESTED})


def shipment_cancel(*, shipment: Shipment) -> Shipment:
    """Ask the courier to cancel ``shipment`` (by its AWB). Returns the shipment: ``cancelled``
    if it had not been picked up yet, else unchanged (tracking will show the RTO).

    Raises ``ValueError`` if the shipment is already final (delivered, RTO delivered, lost or
    cancelled) or the courier refuses (the courier's reason, from ``RejectedError``); a courier
    that cannot be reached raises ``ConnectorError`` as is."""
    if shipment.status in ShipmentStatus.FINAL:
        raise ValueError(
            f"Shipment {shipment.awb} is {shipment.get_status_display().lower()}: "
            "it can no longer be cancelled."
        )
    connector = build_connector(shipment.account)
    try:
        connector.cancel_shipment(shipment.awb)
    except RejectedError as exc:
        raise ValueError(f"The courier refused to cancel {shipment.awb}: {exc}") from exc
    if shipment.status in NOT_PICKED_UP:
        updated = Shipment.objects.filter(pk=shipment.pk, status__in=NOT_PICKED_UP).update(
            status=ShipmentStatus.CANCELLED, status_at=timezone.now(), updated_at=timezone.now()
        )
        if updated:
            shipment.refresh_from_db()
    return shipment
