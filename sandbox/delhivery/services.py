"""What Delhivery's B2C APIs do, behind the views (logistics-finance-notes.md §1, "Delhivery";
channel-apis.md §5.1). Each function names its source; choices no source settles are marked
ASSUMED.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from django.db import transaction

from sandbox.delhivery import clock, journeys, places, wire
from sandbox.delhivery.models import (
    PushState,
    SandboxDelhiveryClient,
    SandboxDelhiveryScan,
    SandboxDelhiveryShipment,
    SandboxDelhiveryUpload,
)

FORBIDDEN_CHARACTERS = ("&", "#", "%", ";", "\\")  # notes §1: forbidden in the raw JSON
PAYMENT_MODES = {"prepaid": "Prepaid", "cod": "COD", "pickup": "Pickup", "repl": "REPL"}
MAX_ORDER = 50
MAX_TRACK = 50  # channel-apis.md §5.1: at most 50 waybills per tracking call
MAX_NDR = 1_000  # notes §1: at most 1,000 NDR actions per call
NOT_FOUND = {"ShipmentData": [], "Error": "No such waybill or Order Id found"}


class ApiError(Exception):
    """An answer other than success: HTTP ``status`` and JSON ``body``."""

    def __init__(self, body: dict[str, Any], status: int = 200) -> None:
        super().__init__(str(body))
        self.body = body
        self.status = status


def _decimal(value: Any) -> Decimal:
    try:
        return Decimal(str(value if value not in (None, "") else 0))
    except InvalidOperation:
        return Decimal(0)


def _digest(*parts: str) -> str:
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()


def _upl(*parts: str) -> str:
    """``UPL`` + 19 digits, like ``UPL2448918016716193813`` (channel-apis.md §5.1)."""
    return "UPL" + str(int(_digest(*parts)[:16], 16)).rjust(19, "0")[:19]


def next_waybill(client: SandboxDelhiveryClient) -> str:
    """A 14-digit waybill (the real ones look like ``26805710004141``): ``2`` + the client's
    number (6 digits) + a running number (7 digits)."""
    count = SandboxDelhiveryShipment.objects.filter(client=client).count()
    while True:
        count += 1
        waybill = f"2{client.pk:06d}{count:07d}"
        if not SandboxDelhiveryShipment.objects.filter(waybill=waybill).exists():
            return waybill


# -- create ---------------------------------------------------------------------------------


def create(client: SandboxDelhiveryClient, form: dict[str, str]) -> dict[str, Any]:
    """``POST /api/cmu/create.json`` with the form ``format=json&data=<JSON>`` (notes §1).

    Request-level refusals (ASSUMED shape ``{"success": false, "error": true, "rmk": …}``, HTTP
    200 as Delhivery reports create problems in the body): no ``format`` ("format key
    missing"), a forbidden raw character, unreadable JSON, no shipments, an unknown pickup
    location. Package-level failures are ``status: "Fail"`` packages with ``remarks``: an
    ``order`` over 50 characters, a bad ``payment_mode``, a non-serviceable pin, a duplicate of
    an earlier shipment on (client, order, total, products_desc, payment_mode, consignee name).
    """
    if "format" not in form:
        raise ApiError({"success": False, "error": True, "rmk": "format key missing"})
    raw = form.get("data", "")
    bad = [c for c in FORBIDDEN_CHARACTERS if c in raw]
    if bad:
        raise ApiError(
            {
                "success": False,
                "error": True,
                "rmk": f"Special characters {' '.join(bad)} are not allowed in the data",
            }
        )
    try:
        data = json.loads(raw)
    except ValueError:
        raise ApiError({"success": False, "error": True, "rmk": "Invalid JSON in data"}) from None
    shipments = data.get("shipments") if isinstance(data, dict) else None
    if not shipments or not isinstance(shipments, list):
        raise ApiError({"success": False, "error": True, "rmk": "No shipments in data"})
    pickup = data.get("pickup_location") or {}
    if (pickup.get("name") or "") != client.warehouse:
        raise ApiError(
            {
                "success": False,
                "error": True,
                "rmk": "ClientWarehouse matching query does not exist.",
            }
        )
    now = clock.now()
    upload_wbn = _upl(client.name, str(now.timestamp()), raw)
    packages = []
    with transaction.atomic():
        for item in shipments:
            packages.append(_create_one(client, item, upload_wbn, now))
    ok = [p for p in packages if p["status"] == "Success"]
    cod = [p for p in ok if p["payment"] == "COD"]
    return {
        "cash_pickups_count": 0,
        "package_count": len(packages),
        "upload_wbn": upload_wbn,
        "replacement_count": sum(1 for p in ok if p["payment"] == "REPL"),
        "pickups_count": sum(1 for p in ok if p["payment"] == "Pickup"),
        "packages": packages,
        "cash_pickups": 0,
        "cod_count": len(cod),
        "success": bool(ok) and len(ok) == len(packages),
        "prepaid_count": sum(1 for p in ok if p["payment"] == "Pre-paid"),
        "cod_amount": _number(sum((Decimal(str(p["cod_amount"])) for p in cod), Decimal(0))),
    }


def _number(value: Decimal) -> int | float:
    return int(value) if value == int(value) else float(value)


def _package(client, item, *, status, remarks, waybill="", sort_code="", serviceable=True):  # noqa: ANN001, ANN202
    mode = PAYMENT_MODES.get(str(item.get("payment_mode", "")).lower(), "")
    return {
        "status": status,
        "client": client.name,
        "sort_code": sort_code,
        "remarks": remarks,
        "waybill": waybill,
        "cod_amount": _number(_decimal(item.get("cod_amount"))) if mode == "COD" else 0,
        "payment": "Pre-paid" if mode == "Prepaid" else mode,
        "serviceable": serviceable,
        "refnum": str(item.get("order", "")),
    }


def _create_one(
    client: SandboxDelhiveryClient, item: dict[str, Any], upload_wbn: str, now: datetime
) -> dict[str, Any]:
    order = str(item.get("order", ""))
    pin = str(item.get("pin", "")).strip()
    mode = PAYMENT_MODES.get(str(item.get("payment_mode", "")).lower())
    if not order:
        return _package(client, item, status="Fail", remarks=["order id is mandatory"])
    if len(order) > MAX_ORDER:
        return _package(
            client, item, status="Fail", remarks=["Order id length should not exceed 50"]
        )
    if mode is None:
        return _package(client, item, status="Fail", remarks=["Invalid payment mode"])
    if not places.serviceable(pin) or (mode == "COD" and not places.cod_available(pin)):
        return _package(
            client, item, status="Fail", remarks=["Non serviceable pincode"], serviceable=False
        )
    total = _decimal(item.get("total_amount"))
    name = str(item.get("name", ""))
    products = str(item.get("products_desc", ""))
    duplicate = SandboxDelhiveryShipment.objects.filter(
        client=client,
        order=order,
        total_amount=total,
        products_desc=products,
        payment_mode=mode,
        name=name,
    ).exists()
    if duplicate:
        return _package(
            client,
            item,
            status="Fail",
            remarks=[f"Duplicate order id {order} for same consignee, amount and product"],
        )
    given = str(item.get("waybill") or "")
    waybill = (
        given
        if given and not SandboxDelhiveryShipment.objects.filter(waybill=given).exists()
        else next_waybill(client)
    )
    dest = places.region(pin, str(item.get("city", "")), str(item.get("state", "")))
    origin = places.region(client.warehouse_pin)
    shipment = SandboxDelhiveryShipment.objects.create(
        client=client,
        waybill=waybill,
        upload_wbn=upload_wbn,
        order=order,
        payment_mode=mode,
        cod_amount=_decimal(item.get("cod_amount")) if mode == "COD" else Decimal(0),
        total_amount=total,
        products_desc=products,
        quantity=str(item.get("quantity") or "1"),
        weight_grams=int(_decimal(item.get("weight") or 500)),
        shipping_mode=str(item.get("shipping_mode") or "Surface"),
        name=name,
        address=str(item.get("add", "")),
        city=str(item.get("city", "")),
        state=str(item.get("state", "")),
        pin=pin,
        phone=str(item.get("phone", "")),
        country=str(item.get("country") or "India"),
        origin_pin=client.warehouse_pin,
        sort_code=f"{origin.code.split('/')[0]}/{dest.code.split('/')[1]}",
        outcome="",
        created_at=now,
    )
    outcome, scans = journeys.plan(
        waybill=waybill,
        payment_mode=mode,
        start=now,
        origin_pin=client.warehouse_pin,
        pin=pin,
        city=shipment.city,
        state=shipment.state,
    )
    shipment.outcome = outcome
    shipment.save(update_fields=["outcome"])
    _store_scans(shipment, scans, first_seq=1)
    return _package(
        client,
        item,
        status="Success",
        remarks=[""],
        waybill=waybill,
        sort_code=shipment.sort_code,
    )


def _store_scans(
    shipment: SandboxDelhiveryShipment, scans: list[journeys.Scan], *, first_seq: int
) -> None:
    push = PushState.PENDING if shipment.client.push_url else PushState.NONE
    SandboxDelhiveryScan.objects.bulk_create(
        SandboxDelhiveryScan(
            shipment=shipment,
            seq=first_seq + index,
            at=scan.at,
            scan_type=scan.scan_type,
            scan=scan.scan,
            status_code=scan.code,
            location=scan.location,
            instructions=scan.instructions,
            push_state=push,
        )
        for index, scan in enumerate(scans)
    )


# -- tracking -------------------------------------------------------------------------------


def visible_scans(shipment: SandboxDelhiveryShipment, at: datetime) -> list[SandboxDelhiveryScan]:
    return list(shipment.scans.filter(at__lte=at).order_by("seq"))


def track(client: SandboxDelhiveryClient, params: dict[str, str]) -> dict[str, Any]:
    """``GET /api/v1/packages/json/?waybill=A,B`` (≤ 50) or ``?ref_ids=`` (channel-apis.md
    §5.1). Unknown waybills are left out; none known → the documented not-found body. With
    ``ref_ids`` one unknown id fails the whole call. More than 50 → ASSUMED 400 body."""
    waybills = [w.strip() for w in params.get("waybill", "").split(",") if w.strip()]
    refs = [r.strip() for r in params.get("ref_ids", "").split(",") if r.strip()]
    if len(waybills) > MAX_TRACK or len(refs) > MAX_TRACK:
        raise ApiError({"Error": f"Maximum {MAX_TRACK} waybills/ref_ids allowed in a request"}, 400)
    mine = SandboxDelhiveryShipment.objects.filter(client=client)
    if refs:
        found = list(mine.filter(order__in=refs).order_by("pk"))
        if {s.order for s in found} != set(refs):
            raise ApiError(dict(NOT_FOUND))
    else:
        by_waybill = {s.waybill: s for s in mine.filter(waybill__in=waybills)}
        found = [by_waybill[w] for w in dict.fromkeys(waybills) if w in by_waybill]
    now = clock.now()
    data = []
    for shipment in found:
        scans = visible_scans(shipment, now)
        if scans:
            data.append(wire.track(shipment, scans))
    if not data:
        raise ApiError(dict(NOT_FOUND))
    return {"ShipmentData": data}


def current(shipment: SandboxDelhiveryShipment, at: datetime) -> SandboxDelhiveryScan:
    return shipment.scans.filter(at__lte=at).order_by("-seq").first()


def _replace_future(
    shipment: SandboxDelhiveryShipment, at: datetime, scans: list[journeys.Scan]
) -> None:
    shipment.scans.filter(at__gt=at).delete()
    last = shipment.scans.order_by("-seq").first()
    _store_scans(shipment, scans, first_seq=(last.seq if last else 0) + 1)


# -- edit / cancel --------------------------------------------------------------------------


def edit(client: SandboxDelhiveryClient, body: dict[str, Any]) -> dict[str, Any]:
    """``POST /api/p/edit`` (notes §1). ``{"waybill", "cancellation": "true"}`` cancels:
    in UD Manifested the shipment stays Manifested and simply never moves (its future scans are
    dropped); in UD In Transit / Pending an RTO starts at once (RT scans back to origin, final
    DL RTO); a reverse pickup still Open / Scheduled becomes CN Canceled; later states refuse.
    Any other body edits consignee details, allowed only in Manifested / In Transit / Pending
    (and Scheduled for a reverse pickup). Answer shape ASSUMED: ``{"status", "waybill", "remark"}``.
    """
    waybill = str(body.get("waybill", ""))
    shipment = SandboxDelhiveryShipment.objects.filter(client=client, waybill=waybill).first()
    if shipment is None:
        return {"status": False, "waybill": waybill, "error": "Waybill not found"}
    now = clock.now()
    scan = current(shipment, now)
    state = (scan.scan_type, scan.scan)
    cancel = str(body.get("cancellation", "")).lower() == "true"
    if cancel:
        if shipment.cancelled_at is not None:
            return {"status": False, "waybill": waybill, "remark": "Shipment already cancelled"}
        if state == ("UD", "Manifested"):
            shipment.scans.filter(at__gt=now).delete()
        elif state in {("PP", "Open"), ("PP", "Scheduled")}:
            # A scheduled reverse pickup becomes CN Canceled (ASSUMED code CN-101).
            cancel_scan = journeys.Scan(
                now, "CN", "Canceled", "CN-101", scan.location, "Pickup cancelled by client"
            )
            _replace_future(shipment, now, [cancel_scan])
        elif state in {("UD", "In Transit"), ("UD", "Pending")}:
            tail = journeys.rto_tail(
                waybill,
                now + timedelta(minutes=5),
                here=scan.location,
                origin_pin=shipment.origin_pin,
                pin=shipment.pin,
            )
            _replace_future(shipment, now, tail)
        else:
            return {
                "status": False,
                "waybill": waybill,
                "remark": f"Shipment can not be cancelled in {scan.scan_type} {scan.scan} status",
            }
        shipment.cancelled_at = now
        shipment.save(update_fields=["cancelled_at"])
        return {
            "status": True,
            "waybill": waybill,
            "order_id": shipment.order,
            "remark": "Shipment has been cancelled",
        }
    editable = {("UD", "Manifested"), ("UD", "In Transit"), ("UD", "Pending"), ("PP", "Scheduled")}
    if state not in editable:
        return {
            "status": False,
            "waybill": waybill,
            "remark": f"Shipment can not be edited in {scan.scan_type} {scan.scan} status",
        }
    fields = {"name": "name", "add": "address", "phone": "phone", "products_desc": "products_desc"}
    changed = [fields[k] for k in body if k in fields]
    for key, attr in fields.items():
        if key in body:
            setattr(shipment, attr, str(body[key]))
    if "weight" in body or "gm" in body:
        shipment.weight_grams = int(_decimal(body.get("weight", body.get("gm"))))
        changed.append("weight_grams")
    if changed:
        shipment.save(update_fields=changed)
    return {"status": True, "waybill": waybill, "remark": ""}


# -- NDR ------------------------------------------------------------------------------------


def ndr_update(client: SandboxDelhiveryClient, body: dict[str, Any]) -> dict[str, Any]:
    """``POST /api/p/update {"data":[{"waybill","act"}]}`` (≤ 1,000; notes §1) → an UPL id.

    ``RE-ATTEMPT`` is accepted only while the shipment is UD Pending on one of the NSL codes
    EOD-74, EOD-15, EOD-104, EOD-43, EOD-86, EOD-11, EOD-69, EOD-6: the next day it goes out
    again (delivered three times in five, else another failure and the RTO). ``PICKUP_RESCHEDULE``
    needs EOD-777 / EOD-21, which forward shipments never carry, so it fails here. Answer shape
    ASSUMED: ``{"request_id": "UPL…"}``; results are read with :func:`upl_status`."""
    items = body.get("data") if isinstance(body, dict) else None
    if not isinstance(items, list) or not items:
        raise ApiError({"error": "data must be a non-empty list"}, 400)
    if len(items) > MAX_NDR:
        raise ApiError({"error": f"At most {MAX_NDR} waybills are allowed in a request"}, 400)
    now = clock.now()
    results = []
    with transaction.atomic():
        for item in items:
            results.append(_ndr_one(client, item, now))
    upl = _upl(client.name, "ndr", str(now.timestamp()), json.dumps(items, sort_keys=True))
    SandboxDelhiveryUpload.objects.create(client=client, upl=upl, results=results, created_at=now)
    return {"request_id": upl}


def _ndr_one(client: SandboxDelhiveryClient, item: Any, now: datetime) -> dict[str, Any]:
    waybill = str(item.get("waybill", "")) if isinstance(item, dict) else ""
    act = str(item.get("act", "")).upper() if isinstance(item, dict) else ""
    shipment = SandboxDelhiveryShipment.objects.filter(client=client, waybill=waybill).first()
    if shipment is None:
        return {"waybill": waybill, "act": act, "status": "Failure", "remark": "Invalid waybill"}
    scan = current(shipment, now)
    if act == "RE-ATTEMPT":
        if (
            scan.scan_type == "UD"
            and scan.scan == "Pending"
            and scan.status_code in (journeys.REATTEMPT_CODES)
        ):
            tail = journeys.reattempt_tail(
                waybill,
                now,
                here=scan.location,
                origin_pin=shipment.origin_pin,
                pin=shipment.pin,
                code=scan.status_code,
            )
            _replace_future(shipment, now, tail)
            return {"waybill": waybill, "act": act, "status": "Success", "remark": ""}
        return {
            "waybill": waybill,
            "act": act,
            "status": "Failure",
            "remark": f"RE-ATTEMPT not allowed for NSL code {scan.status_code}",
        }
    if act == "PICKUP_RESCHEDULE":
        return {
            "waybill": waybill,
            "act": act,
            "status": "Failure",
            "remark": f"PICKUP_RESCHEDULE not allowed for NSL code {scan.status_code}",
        }
    return {"waybill": waybill, "act": act, "status": "Failure", "remark": "Invalid action"}


def upl_status(client: SandboxDelhiveryClient, upl: str, verbose: bool) -> dict[str, Any]:
    """``GET /api/cmu/get_bulk_upl/<UPL>?verbose=true`` (notes §1). Shape ASSUMED."""
    upload = SandboxDelhiveryUpload.objects.filter(client=client, upl=upl).first()
    if upload is None:
        raise ApiError({"error": "Invalid UPL id", "request_id": upl}, 404)
    answer: dict[str, Any] = {
        "request_id": upl,
        "status": "Completed",
        "success_count": sum(1 for r in upload.results if r["status"] == "Success"),
        "failure_count": sum(1 for r in upload.results if r["status"] != "Success"),
    }
    if verbose:
        answer["result"] = upload.results
    return answer


# -- serviceability, charges, label ---------------------------------------------------------


def pin_codes(params: dict[str, str]) -> dict[str, Any]:
    """``GET /c/api/pin-codes/json/?filter_codes=<pin>`` → ``{"delivery_codes":
    [{"postal_code": {...}}]}`` with Y/N flags (field names as used by public clients of the
    API: ``pin``, ``city``, ``state_code``, ``district``, ``is_oda``, ``pre_paid``, ``cash``,
    ``cod``, ``pickup``, ``repl``, ``sort_code``); an unserviceable pin gives an empty list."""
    codes = []
    for pin in [p.strip() for p in params.get("filter_codes", "").split(",") if p.strip()]:
        if not places.serviceable(pin):
            continue
        region = places.region(pin)
        cod = "Y" if places.cod_available(pin) else "N"
        codes.append(
            {
                "postal_code": {
                    "pin": int(pin),
                    "city": region.city,
                    "district": region.city,
                    "state_code": region.state,
                    "country_code": "IN",
                    "is_oda": "Y" if places.is_oda(pin) else "N",
                    "pre_paid": "Y",
                    "cash": cod,
                    "cod": cod,
                    "pickup": "Y",
                    "repl": "Y",
                    "sort_code": region.code,
                    "max_weight": 50000.0,
                    "max_amount": 0.0,
                    "remarks": "",
                }
            }
        )
    return {"delivery_codes": codes}


# ₹ for the first 500 g and each further 500 g, by mode and zone (a typical D2C rate card; the
# sandbox's own numbers, not Delhivery's private tariffs).
SLABS = {
    "S": {"A": (32, 28), "B": (38, 34), "C": (48, 44), "D": (56, 50), "E": (72, 66)},
    "E": {"A": (42, 38), "B": (55, 50), "C": (78, 72), "D": (90, 84), "E": (118, 110)},
}
COD_CHARGE = Decimal(35)
GST = Decimal("0.18")
CENT = Decimal("0.01")
CHARGE_KEYS = [
    "charge_ROV",
    "charge_REATTEMPT",
    "charge_RTO",
    "charge_MPS",
    "charge_pickup",
    "charge_CWH",
    "charge_DEMUR",
    "charge_AWB",
    "charge_AIR",
    "charge_FSC",
    "charge_LABEL",
    "charge_COD",
    "charge_PEAK",
    "charge_POD",
    "charge_LM",
    "charge_CCOD",
    "charge_E2E",
    "charge_DTO",
    "charge_COVID",
    "charge_DL",
    "charge_DPH",
    "charge_FOD",
    "charge_DOCUMENT",
    "charge_WOD",
    "charge_INS",
    "charge_FS",
    "charge_CNC",
    "charge_FOV",
    "charge_QC",
]


def charges(params: dict[str, str]) -> list[dict[str, Any]]:
    """``GET /api/kinko/v1/invoice/charges/.json?md=S|E&ss=Delivered|RTO|DTO&o_pin&d_pin&cgm
    &pt=Pre-paid|COD`` (notes §1). The answer is a list of one object with the fields public
    clients of the API read (``zone``, ``charged_weight``, the ``charge_*`` components,
    ``gross_amount``, ``tax_data`` {IGST, SGST, CGST, swacch_bharat_tax, krishi_kalyan_cess,
    service_tax}, ``total_amount``, ``status``). Freight by 500 g slabs of ``cgm`` per zone
    (:func:`places.zone`) into ``charge_DL``; COD adds ``charge_COD``; ``ss=RTO`` prices the
    return leg as well (``charge_RTO``, the same slab) and no COD; ``ss=DTO`` the reverse leg
    (``charge_DTO``). GST 18 %: IGST between states, else CGST + SGST 9 % each."""
    mode = params.get("md", "S").upper()
    status = params.get("ss", "Delivered")
    origin, destination = params.get("o_pin", ""), params.get("d_pin", "")
    if mode not in SLABS:
        raise ApiError({"error": "md must be S or E"}, 400)
    if status not in {"Delivered", "RTO", "DTO"}:
        raise ApiError({"error": "ss must be one of Delivered, RTO, DTO"}, 400)
    if not (places.valid_pin(origin) and places.valid_pin(destination)):
        raise ApiError({"error": "o_pin and d_pin must be 6-digit pin codes"}, 400)
    grams = max(int(_decimal(params.get("cgm", 0))), 1)
    zone = places.zone(origin, destination)
    first, further = SLABS[mode][zone]
    slabs = -(-grams // 500)
    freight = Decimal(first + further * (slabs - 1))
    answer: dict[str, Any] = dict.fromkeys(CHARGE_KEYS, 0)
    if status == "DTO":
        answer["charge_DTO"] = float(freight)
    else:
        answer["charge_DL"] = float(freight)
    if status == "RTO":
        answer["charge_RTO"] = float(freight)
    if params.get("pt", "Pre-paid").upper() == "COD" and status == "Delivered":
        answer["charge_COD"] = float(COD_CHARGE)
    gross = sum(Decimal(str(answer[k])) for k in CHARGE_KEYS)
    tax = (gross * GST).quantize(CENT, rounding=ROUND_HALF_UP)
    inter = not places.same_state(origin, destination)
    half = (tax / 2).quantize(CENT, rounding=ROUND_HALF_UP)
    answer.update(
        {
            "zone": zone,
            "wt_rule_id": None,
            "zonal_cl": None,
            "adhoc_data": {},
            "status": status,
            "charged_weight": slabs * 500,
            "gross_amount": float(gross),
            "tax_data": {
                "swacch_bharat_tax": 0,
                "IGST": float(tax) if inter else 0,
                "SGST": 0 if inter else float(half),
                "service_tax": 0,
                "krishi_kalyan_cess": 0,
                "CGST": 0 if inter else float(tax - half),
            },
            "total_amount": float(gross + tax),
        }
    )
    return [answer]


def packing_slip(client: SandboxDelhiveryClient, params: dict[str, str]) -> dict[str, Any]:
    """``GET /api/p/packing_slip?wbns=&pdf=false`` (notes §1: one label per request; with
    ``pdf=false`` the JSON a label is rendered from, Code128 barcode). Field names ASSUMED
    (short keys as in Delhivery's label data: ``wbn``, ``oid``, ``pin``, ``sort_code``,
    ``barcode``…); ``pdf=true`` is not simulated (ASSUMED 400)."""
    if params.get("pdf", "false").lower() == "true":
        raise ApiError({"error": "PDF labels are not simulated; ask with pdf=false"}, 400)
    waybills = [w.strip() for w in params.get("wbns", "").split(",") if w.strip()]
    found = SandboxDelhiveryShipment.objects.filter(client=client, waybill__in=waybills[:1])
    packages = []
    for shipment in found:
        origin = places.region(shipment.origin_pin)
        packages.append(
            {
                "wbn": shipment.waybill,
                "oid": shipment.order,
                "barcode": f"code128:{shipment.waybill}",
                "oid_barcode": f"code128:{shipment.order}",
                "sort_code": shipment.sort_code,
                "name": shipment.name,
                "address": shipment.address,
                "destination": shipment.city,
                "pin": int(shipment.pin),
                "contact": shipment.phone,
                "pt": "COD" if shipment.payment_mode == "COD" else "Pre-paid",
                "cod": _number(shipment.cod_amount),
                "rs": _number(shipment.total_amount),
                "prd": shipment.products_desc,
                "qty": shipment.quantity,
                "weight": shipment.weight_grams,
                "mode": shipment.shipping_mode,
                "cl": client.name,
                "snm": client.warehouse,
                "sadd": origin.centre,
                "rpin": int(shipment.origin_pin),
                "cd": clock.wire(shipment.created_at),
            }
        )
    return {"packages": packages, "packages_found": len(packages)}
