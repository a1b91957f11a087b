"""Delhivery payloads ↔ Sangam's logistics DTOs (pure functions: no HTTP, no ORM).

Shapes (channel-apis.md §5.1 unless noted):

- tracking ``GET /api/v1/packages/json/`` → ``{"ShipmentData": [{"Shipment": {"AWB",
  "ReferenceNo", "Status": {"Status", "StatusType", "StatusCode", "StatusLocation",
  "StatusDateTime", "Instructions"}, "Scans": [{"ScanDetail": {"ScanDateTime", "ScanType",
  "Scan", "StatusDateTime", "ScannedLocation", "StatusCode", "Instructions"}}],
  "ExpectedDeliveryDate", "DeliveryDate", "RTOStartedDate", …}}]}``; unknown waybills:
  ``{"ShipmentData": [], "Error": "No such waybill or Order Id found"}`` or ``{"Success":
  false, "rmk": "Data does not exist for provided Waybill(s)"}``;
- scan push: ``{"Shipment": {"Status": {"Status", "StatusDateTime", "StatusType",
  "StatusLocation", "Instructions"}, "PickUpDate", "NSLCode", "Sortcode", "ReferenceNo",
  "AWB"}}``;
- create ``POST /api/cmu/create.json``: form ``format=json&data=<JSON>``; answer
  ``{"packages": [{"status": "Success"|"Fail", "waybill", "refnum", "remarks": [...],
  "sort_code", …}], "success", "rmk"?}``;
- serviceability ``GET /c/api/pin-codes/json/?filter_codes=`` → ``{"delivery_codes":
  [{"postal_code": {"pin": 400064, "pre_paid": "Y", "cod": "N", "cash": "Y", "pickup": "N",
  "repl": "Y", "city", "district", "state_code", "is_oda", "remarks": "" | "Embargo", …}}]}``
  (Delhivery B2C documentation, Pincode serviceability FAQ Q2: an unknown pincode is absent,
  ``remarks: "Embargo"`` is temporarily not serviceable);
- charges ``GET /api/kinko/v1/invoice/charges/.json`` → a JSON list of one object with
  ``total_amount`` (with GST), ``gross_amount`` (before GST), ``charge_COD``, ``charge_DL``
  and other ``charge_*``, ``tax_data`` ``{"IGST"|"CGST"+"SGST", …}``, ``zone``,
  ``charged_weight``. Not in our reference documents: the field names come from public
  client code only (a TypeScript ``DelhiveryCostResponse`` interface and logged answers such
  as ``{"charge_DL": 113, "charge_COD": 0, "total_amount": 135.39, "tax_data": {"CGST":
  10.33, "SGST": 10.33}}``, found by the code search), so they are medium confidence.

Money is rupees (``Decimal``); weight grams; dimensions centimetres; times aware (IST parsed,
:func:`.status.parse_ist`).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from decimal import Decimal, InvalidOperation
from typing import Any

from integrations.connectors.delhivery.status import map_status, mark_transitions, parse_ist
from integrations.dto import (
    BookedShipmentDTO,
    FreightQuoteDTO,
    PaymentMethod,
    ServiceabilityDTO,
    ShipmentRequestDTO,
    ShipmentStatus,
    ShipmentTrackDTO,
    TrackingEventDTO,
)

# Characters Delhivery refuses in the raw JSON of a create call (logistics-finance-notes.md §1
# "Create": "&, #, %, ; and \ are forbidden in raw JSON").
FORBIDDEN_CHARS = "&#%;\\"
_STRIP = str.maketrans("", "", FORBIDDEN_CHARS)
MAX_ORDER_CHARS = 50  # ``order`` is at most 50 characters (same section)
NOT_FOUND_MARKERS = ("no such waybill", "data does not exist")
PAYMENT_MODES = {PaymentMethod.PREPAID: "Prepaid", PaymentMethod.COD: "COD"}
PUSH_TOPIC = "scan_push"


class MappingError(ValueError):
    """A Delhivery payload that does not have the documented shape."""


# --- create ---------------------------------------------------------------------------------
def clean_text(value: object) -> str:
    """``value`` as text without the characters Delhivery forbids, whitespace collapsed."""
    return " ".join(str(value or "").translate(_STRIP).split())


def _number(value: Decimal) -> int | float:
    """A rupee or centimetre ``Decimal`` as a JSON number (Delhivery's own examples send
    numbers: ``"total_amount": 749``). Two decimals; the float's repr is the same digits."""
    quantized = Decimal(value).quantize(Decimal("0.01"))
    return int(quantized) if quantized == quantized.to_integral_value() else float(quantized)


def order_reference(request: ShipmentRequestDTO) -> str:
    """The ``order`` Delhivery gets for a request (forbidden characters removed)."""
    return clean_text(request.reference)


def request_problem(request: ShipmentRequestDTO) -> str:
    """Why a request cannot be sent as it is ("" when it can): Delhivery takes an ``order`` of
    at most 50 characters, and truncating it would break matching its answer and its
    duplicate detection, so a longer reference is refused here, before any call."""
    reference = order_reference(request)
    if not reference:
        return "the order reference is empty"
    if len(reference) > MAX_ORDER_CHARS:
        return f"the order reference is longer than {MAX_ORDER_CHARS} characters"
    if request.payment_method not in PAYMENT_MODES:
        return f"unknown payment method {request.payment_method!r}"
    return ""


def shipment_payload(request: ShipmentRequestDTO) -> dict[str, Any]:
    """One element of ``shipments`` for ``/api/cmu/create.json``: rupees, grams, cm."""
    consignee = request.consignee
    cod = request.payment_method == PaymentMethod.COD
    payload: dict[str, Any] = {
        "name": clean_text(consignee.name),
        "add": clean_text(consignee.address),
        "pin": clean_text(consignee.pincode),
        "city": clean_text(consignee.city),
        "state": clean_text(consignee.state),
        "country": clean_text(consignee.country),
        "phone": clean_text(consignee.phone),
        "order": order_reference(request),
        "payment_mode": PAYMENT_MODES[request.payment_method],
        "cod_amount": _number(request.cod_amount if cod else Decimal(0)),
        "total_amount": _number(request.total_amount),
        "products_desc": clean_text(request.products_desc),
        "quantity": int(request.quantity),
        "weight": int(request.weight_grams),
        "shipment_length": _number(request.length_cm),
        "shipment_width": _number(request.breadth_cm),
        "shipment_height": _number(request.height_cm),
    }
    if request.hsn_code:
        payload["hsn_code"] = clean_text(request.hsn_code)
    return payload


def create_form(requests: Sequence[ShipmentRequestDTO], pickup_location: str) -> dict[str, str]:
    """The form fields of one create call: ``{"format": "json", "data": <JSON>}`` (leaving
    out ``format`` gives "format key missing", logistics-finance-notes.md §1). ``requests``
    must have passed ``request_problem``."""
    data = {
        "shipments": [shipment_payload(r) for r in requests],
        "pickup_location": {"name": clean_text(pickup_location)},
    }
    return {"format": "json", "data": json.dumps(data, ensure_ascii=False, separators=(",", ":"))}


def _remarks(package: Mapping[str, Any]) -> str:
    remarks = package.get("remarks")
    if isinstance(remarks, list):
        return "; ".join(str(r) for r in remarks if str(r).strip())
    return str(remarks or "").strip()


def booked_shipments(
    requests: Sequence[ShipmentRequestDTO], body: Mapping[str, Any]
) -> list[BookedShipmentDTO]:
    """One ``BookedShipmentDTO`` per request, in order, from a create answer: each package
    is matched by ``refnum`` (our ``order``), else by position; ``status`` "Success" with a
    waybill is booked, anything else refused with Delhivery's remarks (or the answer's
    ``rmk``/``error`` when it has no package for the request)."""
    packages = [p for p in body.get("packages") or [] if isinstance(p, Mapping)]
    by_ref = {str(p.get("refnum") or ""): p for p in packages if p.get("refnum")}
    overall = str(body.get("rmk") or body.get("error") or "").strip()
    results = []
    for index, request in enumerate(requests):
        reference = order_reference(request)
        package = by_ref.get(reference)
        if package is None and not by_ref and index < len(packages):
            package = packages[index]
        if package is None:
            results.append(
                BookedShipmentDTO(
                    reference=request.reference,
                    ok=False,
                    error=overall or "Delhivery returned no package for this order",
                    raw=dict(body),
                )
            )
            continue
        waybill = str(package.get("waybill") or "").strip()
        ok = str(package.get("status") or "").strip().lower() == "success" and bool(waybill)
        results.append(
            BookedShipmentDTO(
                reference=request.reference,
                ok=ok,
                awb=waybill if ok else "",
                courier_name="Delhivery",
                sort_code=str(package.get("sort_code") or ""),
                error="" if ok else (_remarks(package) or overall or "refused by Delhivery"),
                raw=dict(package),
            )
        )
    return results


# --- serviceability -------------------------------------------------------------------------
def _yes(value: object) -> bool:
    return str(value or "").strip().upper() == "Y"


def serviceability(pincodes: Sequence[str], body: Mapping[str, Any]) -> list[ServiceabilityDTO]:
    """One ``ServiceabilityDTO`` per asked pincode, in order. A pincode Delhivery leaves out
    is not serviceable; so is one with ``remarks: "Embargo"`` (temporarily NSZ)."""
    found: dict[str, Mapping[str, Any]] = {}
    for entry in body.get("delivery_codes") or []:
        code = entry.get("postal_code") if isinstance(entry, Mapping) else None
        if isinstance(code, Mapping) and code.get("pin") is not None:
            found[str(code["pin"]).strip()] = code
    results = []
    for pincode in pincodes:
        code = found.get(str(pincode).strip())
        if code is None:
            results.append(ServiceabilityDTO(pincode=str(pincode), serviceable=False))
            continue
        embargo = str(code.get("remarks") or "").strip().lower() == "embargo"
        prepaid, cod = _yes(code.get("pre_paid")), _yes(code.get("cod"))
        results.append(
            ServiceabilityDTO(
                pincode=str(pincode),
                serviceable=(prepaid or cod) and not embargo,
                prepaid=prepaid and not embargo,
                cod=cod and not embargo,
                city=str(code.get("city") or code.get("district") or ""),
                state=str(code.get("state_code") or ""),
            )
        )
    return results


# --- tracking -------------------------------------------------------------------------------
def _event(
    awb: str,
    *,
    at: object,
    status_type: object,
    status: object,
    code: object,
    location: object,
    remark: object,
) -> TrackingEventDTO | None:
    moment = parse_ist(at)
    if moment is None:
        return None
    mapped, reason = map_status(str(status_type or ""), str(status or ""), str(code or ""))
    return TrackingEventDTO(
        awb=awb,
        at=moment,
        status=mapped,
        raw_status=str(status or ""),
        raw_type=str(status_type or ""),
        raw_code=str(code or ""),
        location=str(location or ""),
        remark=str(remark or ""),
        ndr_reason=reason,
    )


def scan_event(awb: str, scan: Mapping[str, Any]) -> TrackingEventDTO | None:
    """One ``Scans[].ScanDetail`` as an event (``StatusDateTime``, else ``ScanDateTime``);
    None when it has no readable time."""
    return _event(
        awb,
        at=scan.get("StatusDateTime") or scan.get("ScanDateTime"),
        status_type=scan.get("ScanType"),
        status=scan.get("Scan"),
        code=scan.get("StatusCode"),
        location=scan.get("ScannedLocation"),
        remark=scan.get("Instructions"),
    )


def shipment_track(shipment: Mapping[str, Any]) -> ShipmentTrackDTO:
    """One ``ShipmentData[].Shipment`` → ``ShipmentTrackDTO``: every scan as an event (oldest
    first, :func:`.status.mark_transitions`), the current ``Status`` mapped, ``attempts`` =
    NDR scans + 1 when delivered. Raises ``MappingError`` without an ``AWB``."""
    awb = str(shipment.get("AWB") or "").strip()
    if not awb:
        raise MappingError("a tracked shipment has no AWB")
    events = []
    for item in shipment.get("Scans") or []:
        detail = item.get("ScanDetail") if isinstance(item, Mapping) else None
        if isinstance(detail, Mapping) and (event := scan_event(awb, detail)) is not None:
            events.append(event)
    history = mark_transitions(events)
    current = shipment.get("Status") if isinstance(shipment.get("Status"), Mapping) else {}
    now = _event(
        awb,
        at=current.get("StatusDateTime"),
        status_type=current.get("StatusType"),
        status=current.get("Status"),
        code=current.get("StatusCode"),
        location=current.get("StatusLocation"),
        remark=current.get("Instructions"),
    )
    if now is None:
        status = history[-1].status if history else ShipmentStatus.CREATED
    else:
        status = now.status
        same = [
            e
            for e in history
            if (e.at, e.raw_type, e.raw_status) == (now.at, now.raw_type, now.raw_status)
        ]
        if same:
            status = same[-1].status
        elif now.status == ShipmentStatus.RTO_IN_TRANSIT and not any(
            e.raw_type.upper() == "RT" for e in history
        ):
            status = ShipmentStatus.RTO_INITIATED
    delivered = (
        any(e.status == ShipmentStatus.DELIVERED for e in history)
        or status == ShipmentStatus.DELIVERED
    )
    attempts = sum(1 for e in history if e.status == ShipmentStatus.NDR) + (1 if delivered else 0)
    return ShipmentTrackDTO(
        awb=awb,
        status=status,
        events=history,
        reference=str(shipment.get("ReferenceNo") or ""),
        expected_delivery=parse_ist(
            shipment.get("ExpectedDeliveryDate") or shipment.get("PromisedDeliveryDate")
        ),
        delivered_at=parse_ist(shipment.get("DeliveryDate")),
        rto_started_at=parse_ist(shipment.get("RTOStartedDate")),
        attempts=attempts,
        raw=dict(shipment),
    )


def is_not_found(body: Mapping[str, Any]) -> bool:
    """True for Delhivery's "no such waybill" answers (none of the asked AWBs is known)."""
    text = f"{body.get('Error') or ''} {body.get('rmk') or ''}".lower()
    return any(marker in text for marker in NOT_FOUND_MARKERS)


def tracking(body: Mapping[str, Any]) -> list[ShipmentTrackDTO]:
    """Every shipment of a tracking answer; ``[]`` for the not-found answers. Raises
    ``MappingError`` for an answer that is neither."""
    data = body.get("ShipmentData")
    if not data:
        if data is not None or is_not_found(body):
            return []
        raise MappingError("the tracking answer has no ShipmentData")
    return [
        shipment_track(item["Shipment"])
        for item in data
        if isinstance(item, Mapping) and isinstance(item.get("Shipment"), Mapping)
    ]


# --- scan push ------------------------------------------------------------------------------
def push_shipment(body: Mapping[str, Any]) -> Mapping[str, Any]:
    shipment = body.get("Shipment")
    if not isinstance(shipment, Mapping) or not isinstance(shipment.get("Status"), Mapping):
        raise MappingError("the push has no Shipment.Status")
    return shipment


def push_dedup_key(body: Mapping[str, Any]) -> str:
    """AWB + StatusDateTime + Status + StatusType: one scan, however often it is pushed
    (Delhivery retries a failed push once, channel-apis.md §5.1). "" when the body is not a
    push."""
    try:
        shipment = push_shipment(body)
    except MappingError:
        return ""
    status = shipment["Status"]
    parts = (
        shipment.get("AWB"),
        status.get("StatusDateTime"),
        status.get("Status"),
        status.get("StatusType"),
    )
    return "|".join(str(p or "").strip() for p in parts)


def push_event(body: Mapping[str, Any]) -> TrackingEventDTO:
    """The one scan a push carries. Raises ``MappingError`` without an AWB or a readable
    ``StatusDateTime``."""
    shipment = push_shipment(body)
    awb = str(shipment.get("AWB") or "").strip()
    status = shipment["Status"]
    event = _event(
        awb,
        at=status.get("StatusDateTime"),
        status_type=status.get("StatusType"),
        status=status.get("Status"),
        code=shipment.get("NSLCode") or status.get("StatusCode"),
        location=status.get("StatusLocation"),
        remark=status.get("Instructions"),
    )
    if not awb or event is None:
        raise MappingError("the push has no AWB or no readable StatusDateTime")
    return event


# --- charges --------------------------------------------------------------------------------
def _money(value: object) -> Decimal:
    try:
        return Decimal(str(value if value not in (None, "") else 0)).quantize(Decimal("0.01"))
    except InvalidOperation:
        raise MappingError(f"not an amount: {value!r}") from None


def freight_quote(body: Any) -> FreightQuoteDTO:
    """A charges answer → ``FreightQuoteDTO`` (rupees): ``cod_fee`` = ``charge_COD``,
    ``freight`` = ``gross_amount`` − ``charge_COD``, ``gst`` = ``total_amount`` −
    ``gross_amount`` (the IGST/CGST/SGST of ``tax_data``, as rounded by Delhivery), ``total``
    = ``total_amount``. Raises ``MappingError`` for an error answer or another shape."""
    item: Any = body
    if isinstance(body, list):
        item = body[0] if body else None
    elif isinstance(body, Mapping) and "total_amount" not in body:
        item = body.get("0") or (body.get("data") or [None])[0]
        if item is None and body.get("error"):
            raise MappingError(f"Delhivery refused the quote: {body['error']}")
    if not isinstance(item, Mapping) or "total_amount" not in item:
        raise MappingError("the charges answer has no total_amount")
    total = _money(item.get("total_amount"))
    gross = _money(item.get("gross_amount") if item.get("gross_amount") is not None else total)
    cod_fee = _money(item.get("charge_COD"))
    return FreightQuoteDTO(
        freight=gross - cod_fee, cod_fee=cod_fee, gst=total - gross, total=total, raw=dict(item)
    )
