"""Delhivery's shipment states → Sangam's ``ShipmentStatus`` and ``NdrReason`` (pure, no I/O).

Delhivery names a state by the pair (``StatusType``, ``Status``) and refines it with the NSL
code (``StatusCode`` in tracking scans, ``NSLCode`` in the scan push). Sources:

- the pairs: channel-apis.md §5.1 "Status model" and logistics-finance-notes.md §1 "Status
  model" (forward UD/DL, return RT/DL, reverse PP/PU/DL, CN, LOST); the webhook section of
  Delhivery's B2C documentation (a public copy found by the code search: "Statuses pushed for
  shipment through the webhook", with each pair's description);
- the NDR codes: logistics-finance-notes.md §1 "NDR codes" (the RE-ATTEMPT list EOD-74, EOD-15,
  EOD-104, EOD-43, EOD-86, EOD-11, EOD-69, EOD-6; EOD-111, EOD-133, EOD-146, SC-102, SC-103
  from a Pickrr mapping; EOD-148 and L-RPIE from community lists) and, for the meanings, a
  courier aggregator's public ``delhivery_status_code_mapping_dict`` (public code, found by
  the code search; low confidence, like every meaning below that names no other source);
- ``X-PPOM`` "Shipment picked up" and ``X-UCI`` "Manifest uploaded": the real tracking answer
  of channel-apis.md §5.1 (gurukirpaayurveda ``src/lib/example.ts``).

The table (``PAIR_STATUS``):

======  ===========  ==================  ==================================================
type    status       ShipmentStatus      why
======  ===========  ==================  ==================================================
UD      Manifested   manifested          order created at Delhivery
UD      Not Picked   manifested          still at the seller's warehouse (raw kept)
UD      In Transit   in_transit          ``picked_up`` when the NSL is ``X-PPOM``
UD      Pending      in_transit          at the destination city, not yet out
UD      Dispatched   out_for_delivery    out for delivery
UD      any + NDR    ndr                 an NDR NSL code (``NDR_CODES``) on a UD scan
DL      Delivered    delivered
RT      In Transit   rto_in_transit      ``rto_initiated`` for a history's first RT scan
RT      Pending      rto_in_transit      at the DC nearest the origin
RT      Dispatched   rto_in_transit      out for delivery back to the seller
DL      RTO          rto_delivered       back at the origin
PP      Open         manifested          reverse pickup requested (nearest: waiting for
PP      Scheduled    manifested          pickup); raw kept
PP      Dispatched   manifested          the field executive is out to collect
PU      In Transit   in_transit          ``picked_up`` for a history's first PU scan
PU      Pending      in_transit          at the return processing centre
PU      Dispatched   out_for_delivery    out for delivery to the seller
DL      DTO          delivered           a reverse shipment reached the seller (its own
                                         destination; not an RTO of a forward shipment)
CN      Canceled     cancelled
CN      Closed       cancelled
any     LOST         lost                Status ``LOST`` (whatever the type)
======  ===========  ==================  ==================================================

Anything else maps by ``StatusType`` to the closest status that has no final consequence
(``FALLBACK_BY_TYPE``: UD/PU → in_transit, PP → manifested, RT → rto_in_transit, CN →
cancelled, DL and unknown types → in_transit) and keeps its raw values: an unknown pair never
delivers, returns or loses a shipment by guess, and never raises.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import datetime
from zoneinfo import ZoneInfo

from integrations.dto import NdrReason, ShipmentStatus, TrackingEventDTO

IST = ZoneInfo("Asia/Kolkata")

S = ShipmentStatus
PAIR_STATUS: Mapping[tuple[str, str], str] = {
    ("UD", "MANIFESTED"): S.MANIFESTED,
    ("UD", "NOT PICKED"): S.MANIFESTED,
    ("UD", "IN TRANSIT"): S.IN_TRANSIT,
    ("UD", "PENDING"): S.IN_TRANSIT,
    ("UD", "DISPATCHED"): S.OUT_FOR_DELIVERY,
    ("DL", "DELIVERED"): S.DELIVERED,
    ("RT", "IN TRANSIT"): S.RTO_IN_TRANSIT,
    ("RT", "PENDING"): S.RTO_IN_TRANSIT,
    ("RT", "DISPATCHED"): S.RTO_IN_TRANSIT,
    ("DL", "RTO"): S.RTO_DELIVERED,
    ("PP", "OPEN"): S.MANIFESTED,
    ("PP", "SCHEDULED"): S.MANIFESTED,
    ("PP", "DISPATCHED"): S.MANIFESTED,
    ("PU", "IN TRANSIT"): S.IN_TRANSIT,
    ("PU", "PENDING"): S.IN_TRANSIT,
    ("PU", "DISPATCHED"): S.OUT_FOR_DELIVERY,
    ("DL", "DTO"): S.DELIVERED,
    ("CN", "CANCELED"): S.CANCELLED,
    ("CN", "CANCELLED"): S.CANCELLED,
    ("CN", "CLOSED"): S.CANCELLED,
}
FALLBACK_BY_TYPE: Mapping[str, str] = {
    "UD": S.IN_TRANSIT,
    "PU": S.IN_TRANSIT,
    "PP": S.MANIFESTED,
    "RT": S.RTO_IN_TRANSIT,
    "CN": S.CANCELLED,
    "DL": S.IN_TRANSIT,
}
LOST_STATUS = "LOST"
# NSL of the pickup scan (UD + In Transit + "Shipment picked up"; channel-apis.md §5.1).
PICKED_UP_CODES = frozenset({"X-PPOM"})

R = NdrReason
# NDR NSL code → (reason, meaning). Meanings from the aggregator's public mapping unless noted;
# "not confirmed" where no source we found gives one.
NDR_CODES: Mapping[str, tuple[str, str]] = {
    "EOD-74": (R.ADDRESS_ISSUE, "Bad address (also Pickrr: bad/incomplete address)"),
    "EOD-15": (R.OTHER, "meaning not confirmed (re-attempt list only)"),
    "EOD-104": (R.ADDRESS_ISSUE, "Entry restricted area"),
    "EOD-43": (R.OTHER, "meaning not confirmed (re-attempt list only)"),
    "EOD-86": (R.OTHER, "Not attempted"),
    "EOD-11": (R.CUSTOMER_UNAVAILABLE, "Consignee unavailable"),
    "EOD-69": (R.OTHER, "Customer asked for open delivery"),
    "EOD-6": (R.REFUSED, "Cancelled the order (at the door)"),
    "EOD-3": (R.RESCHEDULED, "Delivery rescheduled"),
    "EOD-40": (R.COD_NOT_READY, "Payment mode / amount dispute"),
    "EOD-111": (R.REFUSED, "Consignee opened the package and refused to accept (also Pickrr)"),
    "EOD-133": (R.COD_NOT_READY, "Cheque data incorrect (Pickrr)"),
    "EOD-146": (R.OTHER, "No ID proof (Pickrr)"),
    "EOD-148": (R.OTHER, "meaning not confirmed (community NDR lists)"),
    "DLYDC-107": (R.CUSTOMER_UNAVAILABLE, "Office/institute closed"),
    "DLYDC-110": (R.RESCHEDULED, "Delivery rescheduled"),
    "DLYDC-132": (R.OUT_OF_DELIVERY_AREA, "Out of delivery area (ODA)"),
    "SC-102": (R.OUT_OF_DELIVERY_AREA, "Out of delivery area (Pickrr)"),
    "SC-103": (R.OTHER, "Self-collect (Pickrr)"),
    "L-RPIE": (R.OTHER, "meaning not confirmed (community NDR lists)"),
}
# Codes on which Delhivery's NDR API accepts ``RE-ATTEMPT`` (logistics-finance-notes.md §1;
# the same list in the documentation's NDR FAQ, "Package in incorrect status"), and those on
# which it accepts ``PICKUP_RESCHEDULE`` for a reverse pickup.
REATTEMPT_NSL_CODES = frozenset(
    {"EOD-74", "EOD-15", "EOD-104", "EOD-43", "EOD-86", "EOD-11", "EOD-69", "EOD-6"}
)
PICKUP_RESCHEDULE_NSL_CODES = frozenset({"EOD-777", "EOD-21"})


def _norm(value: object) -> str:
    return " ".join(str(value or "").split()).upper()


def map_status(status_type: str, status: str, code: str = "") -> tuple[str, str]:
    """``(ShipmentStatus, NdrReason or "")`` of one Delhivery state; never raises."""
    kind, name, nsl = _norm(status_type), _norm(status), _norm(code)
    if name == LOST_STATUS or kind == LOST_STATUS:
        return S.LOST, ""
    if kind == "UD" and nsl in NDR_CODES:
        return S.NDR, NDR_CODES[nsl][0]
    mapped = PAIR_STATUS.get((kind, name))
    if mapped is None:
        return FALLBACK_BY_TYPE.get(kind, S.IN_TRANSIT), ""
    if mapped == S.IN_TRANSIT and kind == "UD" and nsl in PICKED_UP_CODES:
        return S.PICKED_UP, ""
    return mapped, ""


def mark_transitions(events: Sequence[TrackingEventDTO]) -> tuple[TrackingEventDTO, ...]:
    """A shipment's scans oldest first, with the first RT scan as ``rto_initiated`` (the
    forward shipment turned into a return: channel-apis.md §5.1 "RTO", logistics notes
    "cancelling … In Transit or Pending becomes RT") and the first PU scan of a reverse
    pickup as ``picked_up``. Only a whole history shows which scan was first; a pushed scan
    keeps ``map_status``'s answer."""
    ordered = sorted(events, key=lambda e: e.at)
    seen_rt = seen_pu = False
    out: list[TrackingEventDTO] = []
    for event in ordered:
        kind = _norm(event.raw_type)
        if kind == "RT" and not seen_rt:
            seen_rt = True
            if event.status == S.RTO_IN_TRANSIT:
                event = replace(event, status=S.RTO_INITIATED)
        if kind == "PU" and not seen_pu:
            seen_pu = True
            if event.status == S.IN_TRANSIT:
                event = replace(event, status=S.PICKED_UP)
        out.append(event)
    return tuple(out)


def parse_ist(value: object) -> datetime | None:
    """A Delhivery timestamp as an aware datetime. Delhivery writes IST without an offset,
    with ``T`` or a space and 0–3 (seen: up to 3; more are truncated to microseconds)
    fractional digits: ``2024-09-22T09:25:10.124``, ``2019-01-09 17:10:42.543``,
    ``2024-09-21T18:20:25.57`` (channel-apis.md §5.1). A value that carries an offset keeps
    it. None for empty or unreadable values (never raises)."""
    text = str(value or "").strip()
    if not text:
        return None
    if "." in text:
        head, _, frac = text.partition(".")
        digits = ""
        rest = frac
        while rest and rest[0].isdigit():
            digits, rest = digits + rest[0], rest[1:]
        text = f"{head}.{(digits or '0')[:6].ljust(6, '0')}{rest}"
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=IST)
