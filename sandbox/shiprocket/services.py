"""What Shiprocket's external API answers (shapes: ``docs/providers/shiprocket.md``; sources:
logistics-finance-notes.md §1 and api-evangelist/shiprocket's OpenAPI examples; "ASSUMED"
where no source shows the shape). Views authenticate and count; these functions take the API
user and the request's JSON.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.db.models import Max

from sandbox.shiprocket import clock, journeys
from sandbox.shiprocket.models import (
    SandboxShiprocketNdrAction,
    SandboxShiprocketOrder,
    SandboxShiprocketScan,
    SandboxShiprocketUser,
)

PINCODE = re.compile(r"^[1-8]\d{5}$")
MAX_TRACK_AWBS = 50  # logistics-finance-notes.md §1
SR_ORDER_BASE = 281_240_000
SR_SHIPMENT_BASE = 16_090_000
AWB_BASE = 321_055_700_000


class ApiError(Exception):
    """An answer other than 200: ``body`` and ``status``."""

    def __init__(self, body: dict, status: int) -> None:
        super().__init__(body.get("message", ""))
        self.body = body
        self.status = status


def invalid(field: str, text: str, message: str = "Oops! Invalid Data.") -> ApiError:
    """The 422 of Shiprocket's validation (OpenAPI: ``{message, errors: {field: [..]},
    status_code}``)."""
    return ApiError({"message": message, "errors": {field: [text]}, "status_code": 422}, 422)


def refused(message: str, status: int = 400) -> ApiError:
    return ApiError({"message": message, "status_code": status}, status)


# --- couriers and rates ---------------------------------------------------------------------
@dataclass(frozen=True)
class Courier:
    """A courier behind Shiprocket. Ids are the sandbox's own except 51 Xpressbees Surface and
    142 Amazon Surface (the OpenAPI examples); rates per 500 g slab by zone are ours, like
    ``cod`` (whether it collects cash) and ``rating``."""

    id: int
    name: str
    slab: Mapping[str, Decimal]
    cod: bool
    cod_charge: Decimal
    rating: float
    days: int  # extra days over the zone's base


ZONES = ("z_a", "z_b", "z_c", "z_d", "z_e")
COURIERS = (
    Courier(
        43,
        "Delhivery Surface",
        dict(zip(ZONES, map(Decimal, ("31", "36", "44", "52", "66")), strict=True)),
        True,
        Decimal("38"),
        4.6,
        1,
    ),
    Courier(
        51,
        "Xpressbees Surface",
        dict(zip(ZONES, map(Decimal, ("29", "34", "41", "49", "63")), strict=True)),
        True,
        Decimal("35"),
        4.4,
        1,
    ),
    Courier(
        54,
        "Ekart Logistics Surface",
        dict(zip(ZONES, map(Decimal, ("30", "35", "43", "50", "64")), strict=True)),
        True,
        Decimal("36"),
        4.3,
        2,
    ),
    Courier(
        25,
        "Blue Dart Air",
        dict(zip(ZONES, map(Decimal, ("48", "57", "66", "79", "95")), strict=True)),
        True,
        Decimal("45"),
        4.8,
        0,
    ),
    Courier(
        142,
        "Amazon Surface",
        dict(zip(ZONES, map(Decimal, ("28", "33", "42", "48", "61")), strict=True)),
        False,
        Decimal("0"),
        4.5,
        2,
    ),
)
BY_ID = {c.id: c for c in COURIERS}
NORTH_EAST_OR_HILLS = ("78", "79", "18", "19", "17")


def zone(origin: str, destination: str) -> str:
    """z_a same city (3 digits), z_b same region (2), z_c same zone (1), z_e north-east/J&K/
    hills, z_d elsewhere (our simplification of Shiprocket's zones)."""
    if destination[:2] in NORTH_EAST_OR_HILLS:
        return "z_e"
    if origin[:3] == destination[:3]:
        return "z_a"
    if origin[:2] == destination[:2]:
        return "z_b"
    return "z_c" if origin[:1] == destination[:1] else "z_d"


def _money(value: Decimal) -> float:
    return float(Decimal(value).quantize(Decimal("0.01")))


def courier_rows(origin: str, destination: str, weight_kg: Decimal, cod: bool) -> list[dict]:
    """``available_courier_companies`` for a lane: every courier, except cash-less ones for
    COD; north-east/hill destinations only by Delhivery and Blue Dart."""
    lane = zone(origin, destination)
    slabs = max(1, int((Decimal(weight_kg) * 2).to_integral_value(rounding="ROUND_CEILING")))
    eta_days = {"z_a": 1, "z_b": 2, "z_c": 3, "z_d": 4, "z_e": 6}[lane]
    rows = []
    for courier in COURIERS:
        if cod and not courier.cod:
            continue
        if lane == "z_e" and courier.id not in (43, 25):
            continue
        freight = courier.slab[lane] * slabs
        cod_charges = courier.cod_charge if cod else Decimal(0)
        days = eta_days + courier.days
        etd = clock.now() + timedelta(days=days)
        rows.append(
            {
                "courier_company_id": courier.id,
                "courier_name": courier.name,
                "cod": 1 if courier.cod else 0,
                "cod_charges": _money(cod_charges),
                "freight_charge": _money(freight),
                "other_charges": 0,
                "rate": _money(freight + cod_charges),
                "rto_charges": _money(freight),
                "coverage_charges": 0,
                "charge_weight": float(Decimal(slabs) / 2),
                "city": "",
                "state": "",
                "postcode": destination,
                "zone": lane,
                "estimated_delivery_days": str(days),
                "etd": etd.astimezone(clock.IST).strftime("%b %d, %Y"),
                "etd_hours": days * 24,
                "is_surface": "Surface" in courier.name,
                "rating": courier.rating,
                "min_weight": 0.5,
            }
        )
    return rows


def recommended(rows: list[dict]) -> int | None:
    """Shiprocket's recommendation (ours: best rating per rupee)."""
    if not rows:
        return None
    return max(rows, key=lambda r: r["rating"] / r["rate"])["courier_company_id"]


def _decimal(value: object, field: str) -> Decimal:
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise invalid(field, f"The {field} must be a number.") from None
    if number < 0:
        raise invalid(field, f"The {field} must be at least 0.")
    return number


def serviceability(user: SandboxShiprocketUser, params: Mapping[str, str]) -> dict:
    """``GET /courier/serviceability/?pickup_postcode&delivery_postcode&weight&cod``: the
    OpenAPI's answer shape; none serviceable → HTTP 200 ``{"status": 404, "message"}`` as its
    "Invalid-Data" example shows (its HTTP status is ASSUMED 200)."""
    origin = str(params.get("pickup_postcode") or "").strip()
    destination = str(params.get("delivery_postcode") or "").strip()
    for field, value in (("pickup_postcode", origin), ("delivery_postcode", destination)):
        if not re.fullmatch(r"\d{6}", value):
            raise invalid(field, f"The {field.replace('_', ' ')} must be 6 digits.")
    if "weight" not in params:
        raise invalid("weight", "The weight field is required.")
    weight = _decimal(params["weight"], "weight")
    cod = str(params.get("cod", "0")).strip() == "1"
    rows = courier_rows(origin, destination, weight, cod) if PINCODE.match(destination) else []
    if not rows:
        return {"status": 404, "message": "No courier serviceable for the given pincodes."}
    best = recommended(rows)
    return {
        "company_auto_shipment_insurance_setting": False,
        "currency": "INR",
        "data": {
            "available_courier_companies": rows,
            "blocked_courier_companies": [],
            "is_recommendation_enabled": 1,
            "recommended_by": {"id": 6, "title": "Recommendation By Shiprocket"},
            "recommended_courier_company_id": best,
            "shiprocket_recommended_courier_id": best,
        },
        "status": 200,
    }


# --- orders ---------------------------------------------------------------------------------
REQUIRED = (
    "order_id",
    "order_date",
    "pickup_location",
    "billing_customer_name",
    "billing_address",
    "billing_city",
    "billing_pincode",
    "billing_state",
    "billing_country",
    "billing_phone",
    "order_items",
    "payment_method",
    "sub_total",
    "length",
    "breadth",
    "height",
    "weight",
)


def _next_ids() -> tuple[int, int]:
    top = SandboxShiprocketOrder.objects.aggregate(o=Max("order_id"), s=Max("shipment_id"))
    return (top["o"] or SR_ORDER_BASE) + 1, (top["s"] or SR_SHIPMENT_BASE) + 1


@transaction.atomic
def create_adhoc(user: SandboxShiprocketUser, body: Mapping[str, Any]) -> dict:
    """``POST /orders/create/adhoc``: validates the documented required fields (422 with
    ``errors``), the pickup location (it must be the user's registered nickname) and the
    phone; answers ``{order_id, channel_order_id, shipment_id, status: "NEW", status_code:
    1, awb_code: "", courier_company_id: "", courier_name: "", …}``."""
    for field in REQUIRED:
        if body.get(field) in (None, "", []):
            raise invalid(field, f"The {field.replace('_', ' ')} field is required.")
    if body["pickup_location"] != user.pickup_location:
        raise invalid(
            "pickup_location",
            f"Wrong Pickup location entered. Please choose one location from data given: "
            f"{user.pickup_location}",
        )
    phone = re.sub(r"\D", "", str(body["billing_phone"]))[-10:]
    if len(phone) != 10:
        raise invalid("billing_phone", "The billing phone must be 10 digits.")
    if not re.fullmatch(r"\d{6}", str(body["billing_pincode"])):
        raise invalid("billing_pincode", "The billing pincode must be 6 digits.")
    method = str(body["payment_method"])
    if method not in ("COD", "Prepaid"):
        raise invalid("payment_method", "The selected payment method is invalid.")
    order_id, shipment_id = _next_ids()
    order = SandboxShiprocketOrder.objects.create(
        user=user,
        order_id=order_id,
        shipment_id=shipment_id,
        channel_order_id=str(body["order_id"])[:50],
        payment_method=method,
        sub_total=_decimal(body["sub_total"], "sub_total"),
        name=f"{body['billing_customer_name']} {body.get('billing_last_name') or ''}".strip(),
        address=str(body["billing_address"]),
        city=str(body["billing_city"]),
        state=str(body["billing_state"]),
        pincode=str(body["billing_pincode"]),
        phone=phone,
        weight_kg=_decimal(body["weight"], "weight"),
        length_cm=_decimal(body["length"], "length"),
        breadth_cm=_decimal(body["breadth"], "breadth"),
        height_cm=_decimal(body["height"], "height"),
        pickup_postcode=user.pickup_postcode,
        created_at=clock.now(),
    )
    return {
        "order_id": order.order_id,
        "channel_order_id": order.channel_order_id,
        "shipment_id": order.shipment_id,
        "status": "NEW",
        "status_code": 1,
        "onboarding_completed_now": 0,
        "awb_code": "",
        "courier_company_id": "",
        "courier_name": "",
        "new_channel": False,
        "packaging_box_error": "",
    }


def _order_by_shipment(user: SandboxShiprocketUser, value: object) -> SandboxShiprocketOrder:
    try:
        shipment_id = int(str(value))
    except ValueError:
        raise invalid("shipment_id", "The shipment id must be an integer.") from None
    order = SandboxShiprocketOrder.objects.filter(user=user, shipment_id=shipment_id).first()
    if order is None:
        raise refused("Shipment does not exist!", 404)
    return order


@transaction.atomic
def assign_awb(user: SandboxShiprocketUser, body: Mapping[str, Any]) -> dict:
    """``POST /courier/assign/awb {"shipment_id", "courier_id"?}``: the asked courier if it
    serves the lane, else the recommendation; the OpenAPI's answer shape. A courier that does
    not serve the lane → ``awb_assign_status: 0`` with ``response.data.awb_assign_error``
    (ASSUMED); an AWB already assigned → 400 "Oops! Cannot reassign courier for this
    shipment." (OpenAPI)."""
    if not body.get("shipment_id"):
        raise ApiError(
            {
                "message": "Required field missing",
                "errors": {"shipment_id": ["The shipment id field is required."]},
                "status_code": 422,
            },
            422,
        )
    order = _order_by_shipment(user, body["shipment_id"])
    if order.awb or order.cancelled_at:
        raise refused("Oops! Cannot reassign courier for this shipment.")
    rows = (
        courier_rows(
            order.pickup_postcode, order.pincode, order.weight_kg, order.payment_method == "COD"
        )
        if PINCODE.match(order.pincode)
        else []
    )
    wanted = body.get("courier_id")
    chosen = None
    if wanted not in (None, ""):
        chosen = next((r for r in rows if str(r["courier_company_id"]) == str(wanted)), None)
        if chosen is None:
            return {
                "awb_assign_status": 0,
                "response": {
                    "data": {
                        "awb_assign_error": "Selected courier is not serviceable for this pincode.",
                        "shipment_id": order.shipment_id,
                    }
                },
            }
    elif rows:
        best = recommended(rows)
        chosen = next(r for r in rows if r["courier_company_id"] == best)
    if chosen is None:
        return {
            "awb_assign_status": 0,
            "response": {"data": {"awb_assign_error": "No courier serviceable for this pincode."}},
        }
    now = clock.now()
    order.awb = str(AWB_BASE + order.shipment_id)
    order.courier_id = chosen["courier_company_id"]
    order.courier_name = chosen["courier_name"]
    order.awb_assigned_at = now
    order.save(update_fields=["awb", "courier_id", "courier_name", "awb_assigned_at"])
    return {
        "awb_assign_status": 1,
        "response": {
            "data": {
                "courier_company_id": order.courier_id,
                "awb_code": order.awb,
                "cod": 1 if order.payment_method == "COD" else 0,
                "order_id": order.order_id,
                "shipment_id": order.shipment_id,
                "awb_code_status": 1,
                "assigned_date_time": {
                    "date": now.astimezone(clock.IST).strftime("%Y-%m-%d %H:%M:%S.000000"),
                    "timezone_type": 3,
                    "timezone": "Asia/Kolkata",
                },
                "applied_weight": float(order.weight_kg),
                "company_id": user.company_id,
                "courier_name": order.courier_name,
                "child_courier_name": None,
                "pickup_scheduled_date": None,
                "routing_code": f"{order.pincode[:3]}/{order.courier_id}",
                "rto_routing_code": f"{order.pickup_postcode[:3]}/{order.courier_id}",
                "invoice_no": f"retail{order.order_id}",
                "transporter_id": "",
                "transporter_name": "",
            }
        },
    }


def _shipment_ids(body: Mapping[str, Any]) -> list[Any]:
    ids = body.get("shipment_id")
    if isinstance(ids, int | str) and str(ids).strip():
        ids = [ids]
    if not isinstance(ids, list) or not ids:
        raise invalid("shipment_id", "The shipment id field is required.")
    return ids


@transaction.atomic
def pickup(user: SandboxShiprocketUser, body: Mapping[str, Any]) -> dict:
    """``POST /courier/generate/pickup {"shipment_id": [..]}``: plans each journey from now.
    Answer ``{"pickup_status": 1, "response": {"pickup_scheduled_date", "pickup_token_number",
    "status": 3, "pickup_generated_date", "data"}}`` (public client code, M)."""
    now = clock.now()
    for value in _shipment_ids(body):
        order = _order_by_shipment(user, value)
        if not order.awb:
            raise refused("Please assign AWB before generating pickup.")
        if order.pickup_requested_at or order.cancelled_at:
            continue
        order.pickup_requested_at = now
        steps = journeys.plan(order, now)
        order.save(update_fields=["pickup_requested_at", "outcome", "planned_attempts"])
        journeys.store(order, steps)
    scheduled = journeys.morning(now, hour=14, minute=0)
    return {
        "pickup_status": 1,
        "response": {
            "pickup_scheduled_date": clock.wire(scheduled),
            "pickup_token_number": f"Reference No: {int(now.timestamp())}",
            "status": 3,
            "others": "",
            "pickup_generated_date": {
                "date": now.astimezone(clock.IST).strftime("%Y-%m-%d %H:%M:%S.000000"),
                "timezone_type": 3,
                "timezone": "Asia/Kolkata",
            },
            "data": f"Pickup is scheduled for {scheduled.astimezone(clock.IST):%b %d, %Y}",
        },
    }


def label(user: SandboxShiprocketUser, body: Mapping[str, Any], base_url: str) -> dict:
    """``POST /courier/generate/label {"shipment_id": [..]}`` → ``{"label_created": 1,
    "label_url", "response", "not_created": []}`` (public client code, M); the URL is a PDF
    this sandbox serves (Shiprocket's are on S3)."""
    orders = [_order_by_shipment(user, v) for v in _shipment_ids(body)]
    ready = [o for o in orders if o.awb and not o.cancelled_at]
    if not ready:
        return {
            "label_created": 0,
            "label_url": "",
            "not_created": [o.shipment_id for o in orders],
            "response": "Label could not be created.",
        }
    ids = ",".join(str(o.shipment_id) for o in ready)
    return {
        "label_created": 1,
        "label_url": f"{base_url}/files/{user.company_id}/labels/{ids}.pdf",
        "response": "Label has been created and uploaded successfully!",
        "not_created": [o.shipment_id for o in orders if o not in ready],
    }


def manifest(user: SandboxShiprocketUser, body: Mapping[str, Any], base_url: str) -> dict:
    """``POST /manifests/generate {"shipment_id": [..]}`` → ``{"status": 1, "manifest_url"}``
    (public client code, M); AWBs without a pickup request are refused (400)."""
    orders = [_order_by_shipment(user, v) for v in _shipment_ids(body)]
    if any(not o.pickup_requested_at for o in orders):
        raise refused("Please generate pickup before generating the manifest.")
    ids = ",".join(str(o.shipment_id) for o in orders)
    return {"status": 1, "manifest_url": f"{base_url}/files/{user.company_id}/manifests/{ids}.pdf"}


def orders_for_file(company_id: int, ids: str) -> list[SandboxShiprocketOrder]:
    wanted = [int(i) for i in ids.split(",") if i.isdigit()][:100]
    return list(
        SandboxShiprocketOrder.objects.filter(
            user__company_id=company_id, shipment_id__in=wanted
        ).order_by("shipment_id")
    )


# --- tracking -------------------------------------------------------------------------------
def visible(order: SandboxShiprocketOrder, now: datetime) -> list[SandboxShiprocketScan]:
    return list(order.scans.filter(at__lte=now).order_by("at", "seq"))


def current_status(order: SandboxShiprocketOrder, scans: list) -> tuple[int, str]:
    """The shipment's ``(shipment_status id, label)``: the last visible scan's, else 1 AWB
    ASSIGNED / 3 PICKUP SCHEDULED / 0 NEW."""
    if scans:
        return scans[-1].sr_status, scans[-1].label
    if order.pickup_requested_at:
        return 3, "PICKUP SCHEDULED"
    return (1, "AWB ASSIGNED") if order.awb else (0, "NEW")


def tracking_data(order: SandboxShiprocketOrder, now: datetime) -> dict:
    """One shipment's ``tracking_data`` (the OpenAPI's shape; activities newest first)."""
    scans = visible(order, now)
    status_id, status_label = current_status(order, scans)
    picked = next((s.at for s in scans if s.sr_status == 42), None)
    delivered = next((s.at for s in scans if s.sr_status == 7), None)
    etd = (order.pickup_requested_at or now) + timedelta(days=5)
    return {
        "track_status": 1,
        "shipment_status": status_id,
        "shipment_track": [
            {
                "id": order.shipment_id,
                "awb_code": order.awb,
                "courier_company_id": order.courier_id,
                "shipment_id": order.shipment_id,
                "order_id": order.order_id,
                "pickup_date": clock.wire(picked),
                "delivered_date": clock.wire(delivered),
                "weight": f"{order.weight_kg:.2f}",
                "packages": 1,
                "current_status": status_label.title(),
                "delivered_to": order.city if delivered else "",
                "destination": order.city,
                "consignee_name": order.name,
                "origin": order.pickup_postcode,
                "courier_agent_details": None,
                "courier_name": order.courier_name,
                "edd": clock.wire(etd),
                "pod": "Available" if delivered else "Not Available",
                "pod_status": "",
            }
        ],
        "shipment_track_activities": [
            {
                "date": clock.wire(s.at),
                "status": s.code,
                "activity": s.activity,
                "location": s.location,
                "sr-status": str(s.sr_status),
                "sr-status-label": s.label,
            }
            for s in reversed(scans)
        ],
        "track_url": f"https://shiprocket.co/tracking/{order.awb}",
        "etd": clock.wire(etd),
        "qc_response": {"qc_image": "", "qc_failed_reason": ""},
    }


NOT_FOUND = {
    "track_status": 0,
    "error": "Aahh! There is no activities found in our DB. Please have some patience it will "
    "be updated soon.",
}


def track_awbs(user: SandboxShiprocketUser, body: Mapping[str, Any]) -> dict:
    """``POST /courier/track/awbs {"awbs": [..]}`` (at most 50, a string array): ``{awb:
    {"tracking_data": …}}``; an unknown AWB answers ``track_status: 0`` (the OpenAPI's
    Invalid-Data). More than 50 → 422 (ASSUMED wording)."""
    awbs = body.get("awbs")
    if not isinstance(awbs, list) or not awbs:
        raise invalid("awbs", "The awbs field is required.")
    if len(awbs) > MAX_TRACK_AWBS:
        raise invalid("awbs", f"The awbs may not have more than {MAX_TRACK_AWBS} items.")
    now = clock.now()
    orders = {
        o.awb: o
        for o in SandboxShiprocketOrder.objects.filter(user=user, awb__in=[str(a) for a in awbs])
    }
    return {
        str(a): {
            "tracking_data": tracking_data(orders[str(a)], now) if str(a) in orders else NOT_FOUND
        }
        for a in awbs
    }


def track_awb(user: SandboxShiprocketUser, awb: str) -> dict:
    """``GET /courier/track/awb/<awb>`` → ``{"tracking_data": …}``."""
    order = SandboxShiprocketOrder.objects.filter(user=user, awb=awb).first()
    return {"tracking_data": tracking_data(order, clock.now()) if order else NOT_FOUND}


# --- cancel ---------------------------------------------------------------------------------
@transaction.atomic
def cancel(user: SandboxShiprocketUser, body: Mapping[str, Any]) -> dict:
    """``POST /orders/cancel {"ids": [order ids]}``: before pickup (no PICKED UP scan yet) the
    order is cancelled (a CANCELLED scan); once picked up Shiprocket refuses (400, ASSUMED
    wording: its help says a picked-up shipment cannot be cancelled, an RTO is asked for
    instead). Answer ``{"status": 200, "message": "Order cancelled successfully."}``
    (ASSUMED)."""
    ids = body.get("ids")
    if not isinstance(ids, list) or not ids:
        raise invalid("ids", "The ids field is required.")
    now = clock.now()
    orders = []
    for value in ids:
        order = (
            SandboxShiprocketOrder.objects.filter(user=user, order_id=int(str(value))).first()
            if str(value).isdigit()
            else None
        )
        if order is None:
            raise refused(f"Order {value} does not exist!", 404)
        if order.scans.filter(
            at__lte=now, sr_status__in=(42, 6, 18, 38, 17, 7, 21, 9, 46, 10, 12)
        ).exists():
            raise refused(f"Order {value} cannot be cancelled after pickup.")
        orders.append(order)
    for order in orders:
        if order.cancelled_at:
            continue
        order.cancelled_at = now
        order.save(update_fields=["cancelled_at"])
        if order.awb:
            journeys.cancel(order, now)
    return {"status": 200, "message": "Order cancelled successfully."}


# --- NDR ------------------------------------------------------------------------------------
def in_ndr(order: SandboxShiprocketOrder, now: datetime) -> bool:
    scans = visible(order, now)
    return bool(scans) and scans[-1].sr_status == 21


def ndr_item(order: SandboxShiprocketOrder, now: datetime) -> dict:
    """One ``/ndr/all`` item (logistics notes §1 fields; ``awb_code``, ``status_code`` 36 and
    the envelope are ASSUMED)."""
    failed = [s for s in visible(order, now) if s.sr_status == 21]
    return {
        "id": order.shipment_id,
        "awb_code": order.awb,
        "order_id": order.order_id,
        "channel_order_id": order.channel_order_id,
        "courier": order.courier_name,
        "payment_method": order.payment_method,
        "status": "UNDELIVERED",
        "status_code": 36,
        "reason": failed[-1].activity,
        "attempts": len(failed),
        "ndr_raised_at": clock.wire(failed[0].at),
        "escalation_status": "",
        "history": [
            {
                "ndr_reason": s.activity,
                "action_by": "courier",
                "ndr_attempt": n,
                "ndr_push_status": 1,
                "sms_response": "",
                "call_center_call_recording": "",
                "proof_image": "",
                "created_at": clock.wire(s.at),
            }
            for n, s in enumerate(failed, start=1)
        ],
    }


def ndr_all(user: SandboxShiprocketUser, params: Mapping[str, str]) -> dict:
    """``GET /ndr/all?page&per_page``: the user's shipments whose last scan is UNDELIVERED."""
    now = clock.now()
    page = max(1, int(params.get("page") or 1)) if str(params.get("page") or "1").isdigit() else 1
    per_page = (
        min(100, max(1, int(params.get("per_page") or 15)))
        if str(params.get("per_page") or "15").isdigit()
        else 15
    )
    candidates = SandboxShiprocketOrder.objects.filter(
        user=user, awb__isnull=False, cancelled_at__isnull=True
    ).order_by("shipment_id")
    items = [ndr_item(o, now) for o in candidates if in_ndr(o, now)]
    start = (page - 1) * per_page
    total_pages = max(1, -(-len(items) // per_page))
    return {
        "data": items[start : start + per_page],
        "meta": {
            "pagination": {
                "total": len(items),
                "count": len(items[start : start + per_page]),
                "per_page": per_page,
                "current_page": page,
                "total_pages": total_pages,
            }
        },
    }


NDR_ACTIONS = ("re-attempt", "return")


@transaction.atomic
def ndr_action(user: SandboxShiprocketUser, awb: str, body: Mapping[str, Any]) -> dict:
    """``POST /ndr/<awb>/action {"action": "re-attempt"|"return", "comments"}`` → 202
    ``{"message": "Action taken successfully."}`` (the 202 is in the notes; the body ASSUMED).
    Allowed while the shipment's last scan is UNDELIVERED; a re-attempt after the third failed
    attempt is refused (400)."""
    action = str(body.get("action") or "")
    if action not in NDR_ACTIONS:
        raise invalid("action", "The selected action is invalid.")
    order = SandboxShiprocketOrder.objects.filter(user=user, awb=awb).first()
    if order is None:
        raise refused("AWB does not exist!", 404)
    now = clock.now()
    if not in_ndr(order, now):
        raise refused("NDR action not allowed for this AWB.")
    failed = order.scans.filter(at__lte=now, sr_status=21).count()
    if action == "re-attempt" and failed >= 3:
        raise refused("Re-attempt limit reached for this AWB.")
    SandboxShiprocketNdrAction.objects.create(
        order=order, action=action, comments=str(body.get("comments") or "")[:500], at=now
    )
    if action == "re-attempt":
        journeys.reattempt(order, now)
    else:
        journeys.return_to_origin(order, now)
    return {"message": "Action taken successfully."}
