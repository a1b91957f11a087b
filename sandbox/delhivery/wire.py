"""Delhivery's JSON shapes, built from the sandbox's rows.

* Tracking: the real, trimmed ``ShipmentData[].Shipment`` of channel-apis.md §5.1, with its
  vendor misspellings (``RecievedBy``, ``OriginRecieveDate``, ``DestRecieveDate``), zone-less IST
  timestamps with variable fractional digits, ``PinCode`` a number, ``Quantity`` a string.
* The scan push: channel-apis.md §5.1 / logistics-finance-notes.md §1,
  ``{"Shipment":{"Status":{…},"PickUpDate","NSLCode","Sortcode","ReferenceNo","AWB"}}``, whose
  ``PickUpDate`` is written with a space (``2019-01-09 17:10:42.543``) as in the sample.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sandbox.delhivery import clock, places
from sandbox.delhivery.models import SandboxDelhiveryScan, SandboxDelhiveryShipment


def _number(value) -> int | float:  # noqa: ANN001 - a Decimal
    return int(value) if value == int(value) else float(value)


ORDER_TYPES = {"COD": "COD", "Prepaid": "Pre-paid", "Pickup": "Pickup", "REPL": "REPL"}


def _first(scans: list[SandboxDelhiveryScan], **match: str) -> SandboxDelhiveryScan | None:
    for scan in scans:
        if all(getattr(scan, key) == value for key, value in match.items()):
            return scan
    return None


def track(shipment: SandboxDelhiveryShipment, scans: list[SandboxDelhiveryScan]) -> dict[str, Any]:
    """``{"Shipment": {...}}`` of one waybill with the ``scans`` visible now (time order)."""
    last = scans[-1]
    picked = _first(scans, status_code="X-PPOM")
    origin_received = _first(scans, status_code="X-PIOM")
    dest_received = _first(scans, scan_type="UD", status_code="X-IBD3F")
    delivered = _first(scans, scan_type="DL")
    first_attempt = _first(scans, scan_type="UD", scan="Dispatched")
    rto_start = _first(scans, scan_type="RT")
    origin = places.region(shipment.origin_pin)
    destination = places.region(shipment.pin, shipment.city, shipment.state)
    promised = shipment.created_at + _promise(shipment)
    return {
        "Shipment": {
            "AWB": shipment.waybill,
            "ReferenceNo": shipment.order,
            "OrderType": ORDER_TYPES.get(shipment.payment_mode, shipment.payment_mode),
            "CODAmount": _number(shipment.cod_amount),
            "InvoiceAmount": _number(shipment.total_amount),
            "PickUpDate": clock.wire(picked.at if picked else None),
            "PickedupDate": clock.wire(picked.at if picked else None),
            "Origin": origin.centre,
            "Destination": shipment.city or destination.city,
            "OriginRecieveDate": clock.wire(origin_received.at if origin_received else None),
            "DestRecieveDate": clock.wire(dest_received.at if dest_received else None),
            "ExpectedDeliveryDate": clock.end_of_day(promised),
            "PromisedDeliveryDate": clock.end_of_day(promised),
            "DeliveryDate": clock.wire(
                delivered.at if delivered and delivered.scan == "Delivered" else None
            ),
            "RTOStartedDate": clock.wire(rto_start.at if rto_start else None),
            "ReturnedDate": clock.wire(
                delivered.at if delivered and delivered.scan in {"RTO", "DTO"} else None
            ),
            "ReverseInTransit": last.scan_type == "RT",
            "FirstAttemptDate": clock.wire(first_attempt.at if first_attempt else None),
            "Quantity": str(shipment.quantity),
            "Consignee": {
                "Name": shipment.name,
                "City": shipment.city or destination.city,
                "State": shipment.state or destination.state,
                "PinCode": int(shipment.pin),
                "Country": shipment.country or "India",
                "Address1": [shipment.address] if shipment.address else [],
                "Telephone1": "",
            },
            "Status": {
                "Status": last.scan,
                "StatusType": last.scan_type,
                "StatusCode": last.status_code,
                "StatusLocation": last.location,
                "StatusDateTime": clock.wire(last.at),
                "RecievedBy": shipment.name if last.scan == "Delivered" else "",
                "Instructions": last.instructions,
            },
            "Scans": [
                {
                    "ScanDetail": {
                        "ScanDateTime": clock.wire(scan.at),
                        "ScanType": scan.scan_type,
                        "Scan": scan.scan,
                        "StatusDateTime": clock.wire(scan.at),
                        "ScannedLocation": scan.location,
                        "StatusCode": scan.status_code,
                        "Instructions": scan.instructions,
                    }
                }
                for scan in scans
            ],
        }
    }


def _promise(shipment: SandboxDelhiveryShipment) -> timedelta:
    """The promised TAT (sandbox choice): Express 2 days, Surface 3, zone D/E one more."""
    days = 2 if shipment.shipping_mode.lower() == "express" else 3
    if places.zone(shipment.origin_pin, shipment.pin) in {"D", "E"}:
        days += 1
    return timedelta(days=days)


def push(
    shipment: SandboxDelhiveryShipment, scan: SandboxDelhiveryScan, pickup: datetime
) -> dict[str, Any]:
    """The default scan-push body of ``scan``."""
    return {
        "Shipment": {
            "Status": {
                "Status": scan.scan,
                "StatusDateTime": clock.wire(scan.at),
                "StatusType": scan.scan_type,
                "StatusLocation": scan.location,
                "Instructions": scan.instructions,
            },
            "PickUpDate": clock.wire(pickup, sep=" "),
            "NSLCode": scan.status_code,
            "Sortcode": shipment.sort_code,
            "ReferenceNo": shipment.order,
            "AWB": shipment.waybill,
        }
    }
