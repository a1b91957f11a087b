"""Shiprocket's shipment states → Sangam's ``ShipmentStatus`` (pure, no I/O).

Shiprocket names a state by a number and a label: ``shipment_status``/``shipment_status_id``/
``current_status_id`` on a shipment, ``sr-status``/``sr-status-label`` on each scan (the
courier's own code is the scan's ``status``, e.g. Xpressbees ``OFD``, Delhivery ``X-UCI``).

Sources, and how far each number is trusted:

- channel-apis/logistics notes (``../shared/reference/logistics-finance-notes.md`` §1, from
  api-evangelist/shiprocket's OpenAPI and AsyncAPI, medium confidence): 5 MANIFEST GENERATED,
  42 PICKED UP, 6 SHIPPED, 18 IN TRANSIT, 38 REACHED AT DESTINATION HUB, 17 OUT FOR DELIVERY,
  7 DELIVERED, 19 OUT FOR PICKUP; NDR list ``status_code`` 36 UNDELIVERED.
- The tracking API's recorded example (api-evangelist/shiprocket
  ``openapi/shiprocket-tracking-api-openapi.yml``): the scan sequence 19 → 42 → 6 → 18 → 38 →
  17 → 7, and an ``sr-status`` of ``"NA"`` on a courier scan Shiprocket did not classify.
- Status tables in public client code (found by the code search, 2026-12; at least four
  independent code bases agree on each number kept below, low-to-medium confidence): 1 AWB
  ASSIGNED, 2 LABEL GENERATED, 3 PICKUP SCHEDULED/GENERATED, 4 PICKUP QUEUED, 8 CANCELLED, 9 RTO
  INITIATED, 10 RTO DELIVERED, 12 LOST, 21 UNDELIVERED, 40 RTO NDR, 41 RTO OFD, 45 CANCELLED
  BEFORE DISPATCHED, 46 RTO IN TRANSIT. Numbers on which those tables disagree (13, 14, 15,
  25–27, 47 and above but 52) are **not** mapped by number.

==========  ==============================  ==================
id          label                           ShipmentStatus
==========  ==============================  ==================
1, 2        AWB ASSIGNED, LABEL GENERATED   created
3, 4, 5     PICKUP SCHEDULED/QUEUED,        manifested
            MANIFEST GENERATED
19          OUT FOR PICKUP                  manifested
42          PICKED UP                       picked_up
6, 18, 38   SHIPPED, IN TRANSIT,            in_transit
            REACHED AT DESTINATION HUB
17          OUT FOR DELIVERY                out_for_delivery
7           DELIVERED                       delivered
21, 36      UNDELIVERED                     ndr
9           RTO INITIATED                   rto_initiated
40, 41, 46  RTO NDR, RTO OFD, RTO IN TRANSIT rto_in_transit
10          RTO DELIVERED                   rto_delivered
12          LOST                            lost
8, 45       CANCELLED (BEFORE DISPATCHED)   cancelled
==========  ==============================  ==================

An unknown id is read by its label (``LABEL_STATUS``, exact labels only); an unknown id with
an unknown label maps to ``None``: the caller keeps the raw id and label on the event and
leaves the shipment where it is (no guess ever delivers, returns or loses a shipment).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime
from zoneinfo import ZoneInfo

from integrations.dto import NdrReason, ShipmentStatus

IST = ZoneInfo("Asia/Kolkata")
S = ShipmentStatus

ID_STATUS: Mapping[int, str] = {
    1: S.CREATED,
    2: S.CREATED,
    3: S.MANIFESTED,
    4: S.MANIFESTED,
    5: S.MANIFESTED,
    19: S.MANIFESTED,
    42: S.PICKED_UP,
    6: S.IN_TRANSIT,
    18: S.IN_TRANSIT,
    38: S.IN_TRANSIT,
    17: S.OUT_FOR_DELIVERY,
    7: S.DELIVERED,
    21: S.NDR,
    36: S.NDR,
    9: S.RTO_INITIATED,
    40: S.RTO_IN_TRANSIT,
    41: S.RTO_IN_TRANSIT,
    46: S.RTO_IN_TRANSIT,
    10: S.RTO_DELIVERED,
    12: S.LOST,
    8: S.CANCELLED,
    45: S.CANCELLED,
}
# Labels as Shiprocket writes them (upper case in ``sr-status-label``, title case in
# ``current_status``), normalised: only labels whose meaning is unambiguous.
LABEL_STATUS: Mapping[str, str] = {
    "AWB ASSIGNED": S.CREATED,
    "LABEL GENERATED": S.CREATED,
    "PICKUP SCHEDULED": S.MANIFESTED,
    "PICKUP GENERATED": S.MANIFESTED,
    "PICKUP QUEUED": S.MANIFESTED,
    "MANIFEST GENERATED": S.MANIFESTED,
    "OUT FOR PICKUP": S.MANIFESTED,
    "PICKED UP": S.PICKED_UP,
    "SHIPPED": S.IN_TRANSIT,
    "IN TRANSIT": S.IN_TRANSIT,
    "REACHED AT DESTINATION HUB": S.IN_TRANSIT,
    "OUT FOR DELIVERY": S.OUT_FOR_DELIVERY,
    "DELIVERED": S.DELIVERED,
    "UNDELIVERED": S.NDR,
    "RTO INITIATED": S.RTO_INITIATED,
    "RTO IN TRANSIT": S.RTO_IN_TRANSIT,
    "RTO NDR": S.RTO_IN_TRANSIT,
    "RTO OFD": S.RTO_IN_TRANSIT,
    "RTO DELIVERED": S.RTO_DELIVERED,
    "LOST": S.LOST,
    "CANCELLED": S.CANCELLED,
    "CANCELED": S.CANCELLED,
    "CANCELLED BEFORE DISPATCHED": S.CANCELLED,
}

R = NdrReason
# Words of Shiprocket's NDR ``reason`` texts (free text chosen by the courier; the examples of
# the NDR API are "Customer not available", "Address incomplete" style: ASSUMED phrasing, low
# confidence) → NdrReason. First match wins; anything else is ``other``.
NDR_REASON_WORDS: tuple[tuple[str, str], ...] = (
    ("refus", R.REFUSED),
    ("reject", R.REFUSED),
    ("cancel", R.REFUSED),
    ("address", R.ADDRESS_ISSUE),
    ("unavailable", R.CUSTOMER_UNAVAILABLE),
    ("not available", R.CUSTOMER_UNAVAILABLE),
    ("not reachable", R.CUSTOMER_UNAVAILABLE),
    ("door locked", R.CUSTOMER_UNAVAILABLE),
    ("future delivery", R.RESCHEDULED),
    ("reschedul", R.RESCHEDULED),
    ("another day", R.RESCHEDULED),
    ("cod", R.COD_NOT_READY),
    ("cash", R.COD_NOT_READY),
    ("oda", R.OUT_OF_DELIVERY_AREA),
    ("out of delivery area", R.OUT_OF_DELIVERY_AREA),
)


def _norm(value: object) -> str:
    return " ".join(str(value or "").replace("_", " ").split()).upper()


def status_id(value: object) -> int | None:
    """Shiprocket's status number (``7``, ``"7"``); None for ``"NA"``, empty or junk."""
    text = str(value if value is not None else "").strip()
    return int(text) if text.isdigit() else None


def map_status(raw_id: object, label: object) -> str | None:
    """The ``ShipmentStatus`` of a Shiprocket id/label pair; None when neither is known (the
    shipment then stays where it is). The id wins over the label when both are known."""
    number = status_id(raw_id)
    if number is not None and number in ID_STATUS:
        return ID_STATUS[number]
    return LABEL_STATUS.get(_norm(label))


def ndr_reason(text: object) -> str:
    """An ``NdrReason`` from a courier's NDR remark ("" for no text)."""
    lowered = str(text or "").lower()
    if not lowered.strip():
        return ""
    for word, reason in NDR_REASON_WORDS:
        if re.search(rf"\b{re.escape(word)}", lowered):
            return reason
    return R.OTHER


# Shiprocket's two timestamp forms: ``23 05 2023 11:43:52`` (the webhook's
# ``current_timestamp``, logistics notes §1) and ``2022-07-19 11:37:00`` (tracking, the
# OpenAPI example); both IST without an offset. Also seen: ``2022-11-25 11:17:52.878599``
# (``assigned_date_time.date``) and ``Jul 05, 2024`` (serviceability ``etd``).
_FORMATS = (
    "%d %m %Y %H:%M:%S",
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M:%S.%f",
    "%Y-%m-%dT%H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%d-%m-%Y %H:%M:%S",
    "%Y-%m-%d",
    "%b %d, %Y",
)


def parse_ist(value: object) -> datetime | None:
    """A Shiprocket timestamp as an aware datetime (IST when it carries no offset); None for
    empty, ``NA`` or unreadable values (never raises)."""
    text = str(value or "").strip()
    if not text or text.upper() in ("NA", "N/A", "NULL", "0000-00-00 00:00:00"):
        return None
    for fmt in _FORMATS:
        try:
            return datetime.strptime(text, fmt).replace(tzinfo=IST)  # noqa: DTZ007 - IST set
        except ValueError:
            continue
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=IST)
