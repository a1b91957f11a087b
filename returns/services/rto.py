"""Courier RTOs as returns (issue 20 §2 "RTO"): a shipment turned round by its courier becomes a
return of kind RTO of its order, through the same import as a channel's returns, so its goods
go through the receipt with QC (``returns.services.receipts``) that restocks or writes off
through the ledger, and RTOs count in the same figures whichever side reported them."""

from __future__ import annotations

from integrations.dto import ReturnDTO, ReturnKind, ReturnStatus, ShipmentStatus
from returns.services.imports import returns_import

# In transit back while the courier carries it; received (waiting for QC) once delivered to
# the seller's pickup location.
RETURN_STATUS = {
    ShipmentStatus.RTO_INITIATED: ReturnStatus.IN_TRANSIT,
    ShipmentStatus.RTO_IN_TRANSIT: ReturnStatus.IN_TRANSIT,
    ShipmentStatus.RTO_DELIVERED: ReturnStatus.RECEIVED,
}


def rto_return_id(awb: str) -> str:
    """The return's ``external_id`` on the order's channel account: ``rto:<AWB>``."""
    return f"rto:{awb}"


def shipment_status_changed(*, shipment, previous: str) -> None:
    """``SHIPMENT_STATUS_HOOKS``: when ``shipment`` entered an RTO status, record (or move on)
    the RTO return of its order: every unit the order still holds, one line per order line,
    ``tracking_id`` the AWB. Other statuses: nothing to do."""
    status = RETURN_STATUS.get(shipment.status)
    if status is None:
        return
    order = shipment.order
    started = shipment.rto_started_at or shipment.status_at
    lines = [
        ReturnDTO(
            external_id=rto_return_id(shipment.awb),
            order_external_id=order.external_id,
            status=status,
            kind=ReturnKind.RTO,
            quantity=units,
            created_at=started,
            updated_at=shipment.status_at,
            order_item_external_id=item.external_id,
            sku=item.sku,
            reason="Returned to origin by the courier",
            tracking_id=shipment.awb,
        )
        for item in order.items.all()
        if (units := item.current_quantity or item.quantity) > 0
    ]
    if lines:
        returns_import(account=order.account, returns=lines, source="courier")
