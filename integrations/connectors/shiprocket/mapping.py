"""Shiprocket payloads ↔ Sangam's logistics DTOs (pure functions: no HTTP, no ORM).

Shapes, with their sources ("OpenAPI" = api-evangelist/shiprocket ``openapi/*.yml``, the
request/response examples of Shiprocket's public API documentation apidocs.shiprocket.in as
digested there, medium confidence; "ASSUMED" = no source shows it):

- create ``POST /orders/create/adhoc`` (request fields: Shiprocket's documented adhoc order,
  as every public client sends it): ``{"order_id", "order_date": "YYYY-MM-DD HH:MM",
  "pickup_location", "billing_customer_name", "billing_last_name", "billing_address",
  "billing_city", "billing_pincode", "billing_state", "billing_country", "billing_email",
  "billing_phone", "shipping_is_billing": true, "order_items": [{"name", "sku", "units",
  "selling_price", "hsn"}], "payment_method": "Prepaid"|"COD", "sub_total", "length",
  "breadth", "height" (cm), "weight" (kg)}``; answer ``{"order_id", "shipment_id", "status":
  "NEW", "status_code": 1, "awb_code": "", "courier_company_id", "courier_name", …}``
  (a public client's typed interface, found by the code search; M). A refusal is a 422
  ``{"message", "errors": {field: [text]}, "status_code": 422}`` (OpenAPI, for assign/awb).
  The COD amount Shiprocket collects is the order's ``sub_total``: the adhoc order has no
  separate COD field (ASSUMED from the field list).
- assign ``POST /courier/assign/awb {"shipment_id", "courier_id"?}`` → ``{"awb_assign_status":
  1, "response": {"data": {"awb_code", "courier_company_id", "courier_name", "order_id",
  "shipment_id", "pickup_scheduled_date", "routing_code", …}}}`` (OpenAPI); a refusal is
  ``awb_assign_status: 0`` with ``response.data.awb_assign_error`` (ASSUMED name) or a 400
  ``{"message"}`` (OpenAPI: "Oops! Cannot reassign courier for this shipment.").
- serviceability ``GET /courier/serviceability/?pickup_postcode&delivery_postcode&weight
  (kg)&cod (0|1)`` → ``{"status": 200, "currency": "INR", "data": {"available_courier_companies":
  [{"courier_company_id", "courier_name", "cod" (0|1), "cod_charges", "freight_charge",
  "rate", "rto_charges", "other_charges", "city", "state", "postcode", "etd",
  "estimated_delivery_days", …}], "recommended_courier_company_id", …}}`` (OpenAPI); none
  serviceable: ``{"status": 404, "message"}`` (HTTP status ASSUMED 200 or 404, both read).
- tracking ``POST /courier/track/awbs {"awbs": [≤ 50]}`` → ``{"<awb>": {"tracking_data":
  {"track_status", "shipment_status", "shipment_track": [{"awb_code", "shipment_id",
  "order_id", "current_status", "delivered_date", "pickup_date", "edd", …}],
  "shipment_track_activities": [{"date", "status", "activity", "location", "sr-status",
  "sr-status-label"}], "track_url", "etd"}}}``; an unknown AWB is absent or has
  ``track_status: 0`` and ``error``; ``GET /courier/track/awb/<awb>`` answers one
  ``{"tracking_data": …}`` (OpenAPI).
- webhook (logistics-finance-notes.md §1, from the AsyncAPI digest, M): ``{"awb",
  "courier_name", "current_status", "current_status_id", "shipment_status",
  "shipment_status_id", "current_timestamp": "23 05 2023 11:43:52", "order_id": "1373900_150876814"
  (the seller's order id), "sr_order_id", "etd", "scans": [{"date", "status", "activity",
  "location", "sr-status", "sr-status-label"}], "is_return", …}``.
- NDR ``GET /ndr/all`` items ``{"awb_code", "reason", "attempts", "ndr_raised_at", "history":
  [{"ndr_reason", "ndr_attempt", …}], …}`` (logistics notes §1; the item's AWB key
  ``awb_code`` is ASSUMED).

Money is rupees (``Decimal``); weight grams in the DTOs, kilograms on the wire; times aware
(IST parsed, :func:`.status.parse_ist`). Every event keeps Shiprocket's status id as
``raw_code``, its label as ``raw_status`` and the courier's own scan code as ``raw_type``.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from integrations.connectors.shiprocket.status import (
    IST,
    map_status,
    ndr_reason,
    parse_ist,
    status_id,
)
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

PAYMENT_METHODS = {PaymentMethod.PREPAID: "Prepaid", PaymentMethod.COD: "COD"}
MAX_ORDER_ID_CHARS = 50  # ASSUMED (Shiprocket documents no maximum; kept as Delhivery's)
WEBHOOK_TOPIC = "tracking"
# What an event carries when Shiprocket's id and label are both unknown: no status, so the
# tracking rules leave the shipment where it is (the raw id and label are kept).
UNMAPPED = ""
CENT = Decimal("0.01")


class MappingError(ValueError):
    """A Shiprocket payload that does not have the documented shape."""


def _money(value: object) -> Decimal:
    try:
        return Decimal(str(value if value not in (None, "") else 0)).quantize(CENT)
    except InvalidOperation:
        raise MappingError(f"not an amount: {value!r}") from None


def _number(value: Decimal) -> int | float:
    quantized = Decimal(value).quantize(CENT)
    return int(quantized) if quantized == quantized.to_integral_value() else float(quantized)


def kilograms(grams: int) -> float:
    """Grams → Shiprocket's kilograms (3 decimals; at least 0.001 for a real parcel)."""
    return float((Decimal(int(grams)) / 1000).quantize(Decimal("0.001")))


# --- create ---------------------------------------------------------------------------------
def request_problem(request: ShipmentRequestDTO) -> str:
    """Why a request cannot be sent ("" when it can)."""
    if not request.reference.strip():
        return "the order reference is empty"
    if len(request.reference.strip()) > MAX_ORDER_ID_CHARS:
        return f"the order reference is longer than {MAX_ORDER_ID_CHARS} characters"
    if request.payment_method not in PAYMENT_METHODS:
        return f"unknown payment method {request.payment_method!r}"
    if not request.pickup_location.strip():
        return "no Shiprocket pickup location is set for this account"
    return ""


def adhoc_order(request: ShipmentRequestDTO, *, now: datetime) -> dict[str, Any]:
    """The ``/orders/create/adhoc`` body of one request (see the module docstring). The
    consignee's name is split at its first space into first and last name; a COD order's
    ``sub_total`` is the COD amount (what the courier collects)."""
    consignee = request.consignee
    first, _, last = " ".join(consignee.name.split()).partition(" ")
    cod = request.payment_method == PaymentMethod.COD
    amount = request.cod_amount if cod else request.total_amount
    units = max(1, int(request.quantity))
    item: dict[str, Any] = {
        "name": request.products_desc or request.reference,
        "sku": request.reference.strip(),
        "units": units,
        "selling_price": _number(Decimal(amount) / units),
    }
    if request.hsn_code:
        item["hsn"] = request.hsn_code
    return {
        "order_id": request.reference.strip(),
        "order_date": now.astimezone(IST).strftime("%Y-%m-%d %H:%M"),
        "pickup_location": request.pickup_location,
        "billing_customer_name": first,
        "billing_last_name": last,
        "billing_address": consignee.address,
        "billing_city": consignee.city,
        "billing_pincode": consignee.pincode,
        "billing_state": consignee.state,
        "billing_country": consignee.country,
        "billing_email": "",
        "billing_phone": consignee.phone,
        "shipping_is_billing": True,
        "order_items": [item],
        "payment_method": PAYMENT_METHODS[request.payment_method],
        "sub_total": _number(amount),
        "length": _number(request.length_cm),
        "breadth": _number(request.breadth_cm),
        "height": _number(request.height_cm),
        "weight": kilograms(request.weight_grams),
    }


def error_text(body: object) -> str:
    """Shiprocket's reason in an error or refusal body: ``message`` and the field
    ``errors`` (``{"billing_phone": ["…"]}``), joined."""
    if not isinstance(body, Mapping):
        return str(body or "").strip()
    parts = [str(body.get("message") or "").strip()]
    errors = body.get("errors")
    if isinstance(errors, Mapping):
        for field, texts in errors.items():
            joined = "; ".join(str(t) for t in texts) if isinstance(texts, list) else str(texts)
            parts.append(f"{field}: {joined}")
    return " — ".join(p for p in parts if p)


def created_ids(body: object) -> tuple[str, str]:
    """``(order_id, shipment_id)`` of a create answer, as strings; ("", "") when absent."""
    if not isinstance(body, Mapping):
        return "", ""
    order_id, shipment_id = body.get("order_id"), body.get("shipment_id")
    return (str(order_id) if order_id else "", str(shipment_id) if shipment_id else "")


def booked(
    request: ShipmentRequestDTO, created: Mapping[str, Any], assigned: object
) -> BookedShipmentDTO:
    """A create answer and an assign answer → ``BookedShipmentDTO``. ``raw`` keeps
    Shiprocket's ids: ``order_id`` and ``shipment_id`` (what ``/orders/cancel`` and
    ``/courier/generate/label`` take), ``courier_company_id``, ``routing_code``."""
    order_id, shipment_id = created_ids(created)
    answer: Mapping[str, Any] = assigned if isinstance(assigned, Mapping) else {}
    response = answer.get("response")
    data: Mapping[str, Any] = {}
    if isinstance(response, Mapping) and isinstance(response.get("data"), Mapping):
        data = response["data"]
    awb = str(data.get("awb_code") or "").strip()
    ok = bool(awb) and str(answer.get("awb_assign_status", 1)) == "1"
    raw = {
        "order_id": order_id,
        "shipment_id": shipment_id,
        "courier_company_id": str(data.get("courier_company_id") or ""),
        "routing_code": str(data.get("routing_code") or ""),
        "pickup_scheduled_date": str(data.get("pickup_scheduled_date") or ""),
    }
    if not ok:
        reason = str(data.get("awb_assign_error") or "") or error_text(assigned)
        return BookedShipmentDTO(
            reference=request.reference,
            ok=False,
            error=reason or "Shiprocket assigned no AWB",
            raw=raw,
        )
    return BookedShipmentDTO(
        reference=request.reference,
        ok=True,
        awb=awb,
        courier_name=str(data.get("courier_name") or "Shiprocket"),
        sort_code=raw["routing_code"],
        raw=raw,
    )


# --- serviceability and rates ---------------------------------------------------------------
def couriers(body: object) -> list[Mapping[str, Any]]:
    """The ``available_courier_companies`` of a serviceability answer ([] for none or for
    the ``status: 404`` answer)."""
    if not isinstance(body, Mapping):
        return []
    data = body.get("data")
    if not isinstance(data, Mapping):
        return []
    return [c for c in data.get("available_courier_companies") or [] if isinstance(c, Mapping)]


def recommended_courier(body: object) -> str:
    """Shiprocket's recommended courier id ("" when none)."""
    data = body.get("data") if isinstance(body, Mapping) else None
    if not isinstance(data, Mapping):
        return ""
    value = data.get("recommended_courier_company_id") or data.get(
        "shiprocket_recommended_courier_id"
    )
    return str(value) if value else ""


def serviceability(pincode: str, body: object) -> ServiceabilityDTO:
    """One pincode's answer: serviceable when any courier is offered; COD when one of them
    has ``cod: 1`` (ASSUMED meaning of the flag: "this courier collects cash here")."""
    offered = couriers(body)
    if not offered:
        return ServiceabilityDTO(pincode=str(pincode), serviceable=False)
    first = offered[0]
    return ServiceabilityDTO(
        pincode=str(pincode),
        serviceable=True,
        prepaid=True,
        cod=any(str(c.get("cod")) == "1" for c in offered),
        city=str(first.get("city") or ""),
        state=str(first.get("state") or ""),
    )


def chosen_courier(body: object, courier_id: str = "") -> Mapping[str, Any] | None:
    """The courier a quote is for: ``courier_id`` when offered, else Shiprocket's
    recommendation, else the cheapest ``rate``; None when nothing is offered."""
    offered = couriers(body)
    if not offered:
        return None
    for wanted in (courier_id, recommended_courier(body)):
        for courier in offered:
            if wanted and str(courier.get("courier_company_id")) == str(wanted):
                return courier
    return min(offered, key=lambda c: _money(c.get("rate")))


def freight_quote(courier: Mapping[str, Any], *, leg: str) -> FreightQuoteDTO:
    """One courier's rates → ``FreightQuoteDTO`` (rupees). Forward: ``total`` = ``rate``,
    ``cod_fee`` = ``cod_charges``, ``freight`` = the rest. RTO: ``rto_charges``. Shiprocket's
    answer does not split GST out: its rates are taken as GST-inclusive (ASSUMED; its rate
    calculator shows GST-inclusive prices), so ``gst`` is 0 and ``freight`` includes it."""
    if leg == "rto":
        total = _money(courier.get("rto_charges"))
        return FreightQuoteDTO(
            freight=total,
            cod_fee=Decimal("0.00"),
            gst=Decimal("0.00"),
            total=total,
            raw=dict(courier),
        )
    total = _money(courier.get("rate") if courier.get("rate") not in (None, "") else 0)
    cod_fee = _money(courier.get("cod_charges"))
    if total == 0:
        total = _money(courier.get("freight_charge")) + cod_fee
    return FreightQuoteDTO(
        freight=total - cod_fee,
        cod_fee=cod_fee,
        gst=Decimal("0.00"),
        total=total,
        raw=dict(courier),
    )


# --- tracking -------------------------------------------------------------------------------
def scan_event(awb: str, scan: Mapping[str, Any]) -> TrackingEventDTO | None:
    """One ``shipment_track_activities[]`` / webhook ``scans[]`` item as an event; None when
    its ``date`` is unreadable. An id/label Shiprocket did not classify (``"NA"``) or that
    we do not know leaves ``status`` ``UNMAPPED``."""
    moment = parse_ist(scan.get("date"))
    if moment is None:
        return None
    raw_id = scan.get("sr-status", scan.get("sr_status"))
    label = scan.get("sr-status-label", scan.get("sr_status_label"))
    mapped = map_status(raw_id, label) or UNMAPPED
    activity = str(scan.get("activity") or "")
    return TrackingEventDTO(
        awb=awb,
        at=moment,
        status=mapped,
        raw_status=str(label or ""),
        raw_type=str(scan.get("status") or ""),
        raw_code=str(raw_id if raw_id is not None else ""),
        location=str(scan.get("location") or ""),
        remark=activity,
        ndr_reason=ndr_reason(activity) if mapped == ShipmentStatus.NDR else "",
    )


def _track_row(data: Mapping[str, Any]) -> Mapping[str, Any]:
    rows = data.get("shipment_track")
    return rows[0] if isinstance(rows, list) and rows and isinstance(rows[0], Mapping) else {}


def track_ids(body: object) -> tuple[str, str]:
    """``(order_id, shipment_id)`` from a ``GET /courier/track/awb/<awb>`` answer."""
    data = body.get("tracking_data") if isinstance(body, Mapping) else None
    row = _track_row(data) if isinstance(data, Mapping) else {}
    order_id, shipment_id = row.get("order_id"), row.get("shipment_id")
    return (str(order_id) if order_id else "", str(shipment_id) if shipment_id else "")


def shipment_track(awb: str, data: Mapping[str, Any]) -> ShipmentTrackDTO | None:
    """One ``tracking_data`` → ``ShipmentTrackDTO``, or None for an unknown AWB
    (``track_status`` 0 or no shipment). The status is the latest mapped scan's, else the
    shipment's ``shipment_status`` id / ``current_status`` label, else ``UNMAPPED`` (no
    change). ``attempts`` = NDR scans + 1 when delivered."""
    row = _track_row(data)
    if str(data.get("track_status", "1")) == "0" and not row:
        return None
    awb = str(row.get("awb_code") or awb).strip()
    events = []
    for scan in data.get("shipment_track_activities") or []:
        if isinstance(scan, Mapping) and (event := scan_event(awb, scan)) is not None:
            events.append(event)
    history = tuple(sorted(events, key=lambda e: e.at))
    status = map_status(data.get("shipment_status"), row.get("current_status"))
    mapped = [e for e in history if e.status]
    if status is None:
        status = mapped[-1].status if mapped else UNMAPPED
    delivered = status == ShipmentStatus.DELIVERED or any(
        e.status == ShipmentStatus.DELIVERED for e in history
    )
    rto = [e.at for e in history if e.status in ShipmentStatus.RTO]
    return ShipmentTrackDTO(
        awb=awb,
        status=status,
        events=history,
        reference="",
        expected_delivery=parse_ist(row.get("edd") or data.get("etd")),
        delivered_at=parse_ist(row.get("delivered_date")) if delivered else None,
        rto_started_at=min(rto) if rto else None,
        attempts=sum(1 for e in history if e.status == ShipmentStatus.NDR) + int(delivered),
        raw={
            "order_id": str(row.get("order_id") or ""),
            "shipment_id": str(row.get("shipment_id") or ""),
        },
    )


def tracking(body: object) -> list[ShipmentTrackDTO]:
    """A ``/courier/track/awbs`` answer (``{awb: {"tracking_data": …}}``) → its known
    shipments. Raises ``MappingError`` for an answer that is not an object."""
    if not isinstance(body, Mapping):
        raise MappingError("the tracking answer is not an object")
    tracks = []
    for awb, item in body.items():
        data = item.get("tracking_data") if isinstance(item, Mapping) else None
        if isinstance(data, Mapping) and (track := shipment_track(str(awb), data)) is not None:
            tracks.append(track)
    return tracks


# --- webhook --------------------------------------------------------------------------------
def webhook_dedup_key(body: Mapping[str, Any]) -> str:
    """AWB + current_timestamp + current_status_id: one status change, however often it is
    sent ("" for a body without AWB)."""
    awb = str(body.get("awb") or "").strip()
    if not awb:
        return ""
    parts = (awb, body.get("current_timestamp"), body.get("current_status_id"))
    return "|".join(str(p or "").strip() for p in parts)


def webhook_events(body: Mapping[str, Any]) -> tuple[TrackingEventDTO, ...]:
    """The scans a tracking webhook carries (``scans[]``), plus its current status as one
    event when no scan has the same time and id (a webhook without scans still moves the
    shipment). Raises ``MappingError`` without an AWB or any readable time."""
    awb = str(body.get("awb") or "").strip()
    if not awb:
        raise MappingError("the webhook has no awb")
    events = [
        e
        for scan in body.get("scans") or []
        if isinstance(scan, Mapping) and (e := scan_event(awb, scan)) is not None
    ]
    current = scan_event(
        awb,
        {
            "date": body.get("current_timestamp"),
            "sr-status": body.get("current_status_id", body.get("shipment_status_id")),
            "sr-status-label": body.get("current_status") or body.get("shipment_status"),
            "status": "",
            "activity": body.get("current_status") or "",
            "location": "",
        },
    )
    if current is not None and not any(
        e.at == current.at and status_id(e.raw_code) == status_id(current.raw_code) for e in events
    ):
        events.append(current)
    if not events:
        raise MappingError("the webhook has no readable current_timestamp or scan date")
    return tuple(sorted(events, key=lambda e: e.at))


# --- NDR ------------------------------------------------------------------------------------
def ndr_attempts(item: Mapping[str, Any]) -> int:
    """The failed attempts an ``/ndr/all`` item reports (``attempts``, else its history)."""
    try:
        return int(item.get("attempts") or 0)
    except (TypeError, ValueError):
        history = item.get("history")
        return len(history) if isinstance(history, list) else 0
