"""Deterministic journeys: every scan a waybill will get, generated at creation from a random
generator seeded by the waybill, on the sandbox clock.

The status model is Delhivery's (StatusType, Status) pair (channel-apis.md §5.1,
logistics-finance-notes.md §1): forward ``UD`` Manifested → In Transit → Pending (at the
destination centre) → Dispatched (out for delivery) → ``DL`` Delivered; a failed attempt is
``UD`` Pending with an NDR NSL code; RTO is ``RT`` In Transit / Pending / Dispatched and a final
``DL`` RTO. The forward NSL codes and their instructions are the ones of the real scans quoted in
channel-apis.md §5.1's source (X-UCI, FMPUR-101, X-PPOM, X-PIOM, X-DBL1F, X-DLL2F, X-ILL2F,
X-ILL1F, X-IBD3F, X-DDD3FD, EOD-38; EOD-11 "Consignee Unavailable"); the NDR codes are the
re-attempt list of logistics-finance-notes.md §1. **Not confirmed by a source** (sandbox
choices, marked ``ASSUMED``): the instructions of EOD-15, EOD-104, EOD-43, EOD-86 and EOD-69
(EOD-11 is from a real scan, EOD-74 "bad/incomplete address" from the notes, EOD-6 "refused"
from issue 20); the codes of the RTO start (``RT-101``), the final RTO delivery (``RT-110``),
a lost shipment (StatusType ``LT``, Status ``LOST``, code ``LT-100``; the notes only list
"LOST" as a state), the reverse-pickup scans and ``DTO-101``, and ``CN-101`` of a cancelled
reverse pickup.

Outcome shares: COD 20 % RTO after 1–3 failed attempts (issue 20: "about a fifth of COD
shipments fail delivery"; logistics-finance-notes.md §1: about 1 in 5 Indian shipments fails
the first attempt), 2 % lost, the rest delivered (one in eight of them after one failed
attempt); prepaid 3 % RTO, 2 % lost (sandbox choices). Delivered shipments arrive 2–7 days
after manifestation, out for delivery between 09:00 and 12:00 IST.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone

from sandbox.delhivery import places

IST = timezone(timedelta(hours=5, minutes=30))
DELIVERED, RTO, LOST, DTO = "delivered", "rto", "lost", "dto"
NDR_CODES = {
    "EOD-11": "Consignee Unavailable",
    "EOD-74": "Bad/Incomplete Address",
    "EOD-6": "Consignee refused to accept",
    "EOD-15": "Consignee not reachable on phone",
    "EOD-104": "Entry restricted area",
    "EOD-43": "Consignee requested future delivery",
    "EOD-86": "Consignee not available, office/residence closed",
    "EOD-69": "Consignee asked to reschedule",
}
# Weights of the NDR reasons (customer unavailable and address problems are the usual ones).
NDR_WEIGHTS = {
    "EOD-11": 30,
    "EOD-74": 18,
    "EOD-6": 16,
    "EOD-15": 12,
    "EOD-43": 8,
    "EOD-86": 6,
    "EOD-69": 6,
    "EOD-104": 4,
}
REATTEMPT_CODES = frozenset(NDR_CODES)  # logistics-finance-notes.md §1, RE-ATTEMPT list


@dataclass(frozen=True)
class Scan:
    at: datetime
    scan_type: str
    scan: str
    code: str
    location: str
    instructions: str


def rng_for(waybill: str, salt: str = "") -> random.Random:
    return random.Random(f"delhivery:{waybill}:{salt}")  # noqa: S311 - simulation, not security


def _ms(rng: random.Random) -> timedelta:
    """A few seconds and milliseconds, so timestamps carry variable fractional digits."""
    return timedelta(
        seconds=rng.randint(0, 59), milliseconds=rng.choice((0, 0, rng.randint(1, 999)))
    )


def outcome_for(waybill: str, payment_mode: str) -> tuple[str, int]:
    """``(outcome, failed attempts)`` of a waybill: deterministic in the waybill."""
    rng = rng_for(waybill, "outcome")
    roll = rng.random()
    cod = payment_mode.upper() == "COD"
    rto_share = 0.20 if cod else 0.03
    if roll < 0.02:
        return LOST, 0
    if roll < 0.02 + rto_share:
        return RTO, rng.choices((1, 2, 3), weights=(40, 35, 25))[0]
    return DELIVERED, (1 if rng.random() < 0.125 else 0)


def _morning(start: datetime, day: int, rng: random.Random) -> datetime:
    """Out for delivery between 09:00 and 12:00 IST on the ``day``-th IST day after ``start``."""
    local = start.astimezone(IST) + timedelta(days=day)
    when = local.replace(hour=rng.randint(9, 11), minute=rng.randint(0, 59), second=0)
    return (when + _ms(rng)).astimezone(UTC)


def ndr_code(rng: random.Random) -> str:
    return rng.choices(list(NDR_WEIGHTS), weights=list(NDR_WEIGHTS.values()))[0]


def plan(
    *,
    waybill: str,
    payment_mode: str,
    start: datetime,
    origin_pin: str,
    pin: str,
    city: str = "",
    state: str = "",
) -> tuple[str, list[Scan]]:
    """The outcome and every scan of a new shipment manifested at ``start``."""
    if payment_mode.lower() == "pickup":
        return DTO, reverse_pickup(
            waybill, start, origin_pin=origin_pin, pin=pin, city=city, state=state
        )
    outcome, fails = outcome_for(waybill, payment_mode)
    rng = rng_for(waybill, "scans")
    origin = places.region(origin_pin)
    dest = places.region(pin, city, state)
    scans: list[Scan] = [
        Scan(start, "UD", "Manifested", "X-UCI", origin.centre, "Manifest uploaded"),
        Scan(
            start + timedelta(minutes=rng.randint(3, 40)) + _ms(rng),
            "UD",
            "Manifested",
            "FMPUR-101",
            origin.centre,
            "Pickup scheduled",
        ),
    ]
    picked = start + timedelta(hours=rng.uniform(2, 8))
    attempts = fails if outcome == RTO else fails + 1
    if outcome == DELIVERED:
        last_day = rng.randint(2 + fails, 6)
        if last_day == 2 and start.astimezone(IST).hour >= 10:
            last_day = 3  # an evening manifest cannot be delivered two days later by 10:00
        days = list(range(last_day - attempts + 1, last_day + 1))
    else:
        first_day = rng.randint(2, 4)
        days = list(range(first_day, first_day + max(attempts, 1)))
    dispatches = [_morning(start, day, rng) for day in days]
    first_attempt = dispatches[0]
    arrival = first_attempt - timedelta(hours=rng.uniform(3, 10))
    scans += _forward_transit(rng, picked, arrival, origin, dest)
    if outcome == LOST:
        lost_at = scans[-1].at + timedelta(days=rng.uniform(2, 4))
        scans = [s for s in scans if s.at < arrival - timedelta(hours=1)] or scans[:3]
        # ASSUMED: LOST's StatusType and code (the notes name the state only).
        scans.append(Scan(lost_at, "LT", "LOST", "LT-100", scans[-1].location, "Shipment lost"))
        return outcome, scans
    scans.append(
        Scan(
            arrival + _ms(rng),
            "UD",
            "Pending",
            "X-IBD3F",
            dest.centre,
            "Shipment Received at Facility",
        )
    )
    attempts = fails if outcome == RTO else fails + 1
    for number, dispatched in enumerate(dispatches[:attempts]):
        scans.append(
            Scan(dispatched, "UD", "Dispatched", "X-DDD3FD", dest.centre, "Out for delivery")
        )
        result_at = dispatched + timedelta(hours=rng.uniform(1, 7)) + _ms(rng)
        if outcome == DELIVERED and number == attempts - 1:
            scans.append(
                Scan(result_at, "DL", "Delivered", "EOD-38", dest.centre, "Delivered to consignee")
            )
        else:
            code = ndr_code(rng)
            scans.append(Scan(result_at, "UD", "Pending", code, dest.centre, NDR_CODES[code]))
    if outcome == RTO:
        scans += rto_tail(
            waybill,
            scans[-1].at + timedelta(hours=rng.uniform(6, 20)),
            here=dest.centre,
            origin_pin=origin_pin,
            pin=pin,
        )
    return outcome, scans


def _forward_transit(
    rng: random.Random,
    picked: datetime,
    arrival: datetime,
    origin: places.Region,
    dest: places.Region,
) -> list[Scan]:
    """Pickup, the origin centre, the hubs (origin hub, sometimes the national hub, destination
    hub) and the arrival scans at the destination centre, in time order."""
    via = [origin.hub]
    if origin.hub != dest.hub and rng.random() < 0.5:
        via.append(places.NATIONAL_HUB)
    steps = list(dict.fromkeys([origin.centre, *via, dest.hub]))
    if dest.centre in steps:
        steps.remove(dest.centre)
    scans = [
        Scan(
            picked.replace(microsecond=0),
            "UD",
            "In Transit",
            "X-PPOM",
            origin.centre,
            "Shipment picked up",
        ),
        Scan(
            picked + timedelta(minutes=rng.randint(5, 30)) + _ms(rng),
            "UD",
            "In Transit",
            "X-PIOM",
            origin.centre,
            "Shipment Recieved at Origin Center",
        ),
    ]
    at = scans[-1].at + timedelta(minutes=1)
    span = (arrival - at) / (len(steps) + 1)
    for index, location in enumerate(steps):
        if index:
            scans.append(Scan(at, "UD", "In Transit", "X-ILL2F", location, "Trip Arrived"))
            scans.append(
                Scan(
                    at + span * 0.1 + _ms(rng),
                    "UD",
                    "In Transit",
                    "X-ILL1F",
                    location,
                    "Bag Received at Facility",
                )
            )
        scans.append(
            Scan(
                at + span * 0.25 + _ms(rng), "UD", "In Transit", "X-DBL1F", location, "Added to Bag"
            )
        )
        scans.append(
            Scan(
                at + span * 0.6 + _ms(rng),
                "UD",
                "In Transit",
                "X-DLL2F",
                location,
                "Bag Added To Trip",
            )
        )
        at = at + span
    scans.append(
        Scan(arrival - span * 0.3, "UD", "In Transit", "X-ILL2F", dest.centre, "Trip Arrived")
    )
    scans.append(
        Scan(
            arrival - span * 0.15,
            "UD",
            "In Transit",
            "X-ILL1F",
            dest.centre,
            "Bag Received at Facility",
        )
    )
    return scans


def rto_tail(waybill: str, start: datetime, *, here: str, origin_pin: str, pin: str) -> list[Scan]:
    """The return leg from ``here`` back to the origin warehouse, starting at ``start``:
    ``RT`` In Transit scans through the hubs, ``RT`` Pending and Dispatched at the origin
    centre, final ``DL`` RTO (ASSUMED codes RT-101 / RT-110 for its first and last scan)."""
    rng = rng_for(waybill, f"rto:{start.isoformat()}")
    origin = places.region(origin_pin)
    dest = places.region(pin)
    scans = [Scan(start + _ms(rng), "RT", "In Transit", "RT-101", here, "Return Accepted")]
    at = start + timedelta(hours=rng.uniform(2, 8))
    for location in dict.fromkeys([dest.hub, origin.hub, origin.centre]):
        scans.append(
            Scan(at + _ms(rng), "RT", "In Transit", "X-ILL1F", location, "Bag Received at Facility")
        )
        scans.append(
            Scan(
                at + timedelta(hours=rng.uniform(2, 6)) + _ms(rng),
                "RT",
                "In Transit",
                "X-DLL2F",
                location,
                "Bag Added To Trip",
            )
        )
        at = at + timedelta(hours=rng.uniform(14, 30))
    scans.append(
        Scan(
            at + _ms(rng),
            "RT",
            "Pending",
            "X-IBD3F",
            origin.centre,
            "Shipment Received at Facility",
        )
    )
    dispatched = at + timedelta(hours=rng.uniform(10, 20))
    scans.append(
        Scan(
            dispatched + _ms(rng),
            "RT",
            "Dispatched",
            "X-DDD3FD",
            origin.centre,
            "Out for delivery to shipper",
        )
    )
    scans.append(
        Scan(
            dispatched + timedelta(hours=rng.uniform(1, 5)) + _ms(rng),
            "DL",
            "RTO",
            "RT-110",
            origin.centre,
            "RTO delivered to shipper",
        )
    )
    return scans


def reattempt_tail(
    waybill: str, start: datetime, *, here: str, origin_pin: str, pin: str, code: str
) -> list[Scan]:
    """What follows an accepted RE-ATTEMPT: out for delivery the next day, delivered three
    times in five, else another failed attempt with the same reason and the RTO."""
    rng = rng_for(waybill, f"reattempt:{start.isoformat()}")
    dispatched = start + timedelta(hours=rng.uniform(16, 26))
    scans = [Scan(dispatched + _ms(rng), "UD", "Dispatched", "X-DDD3FD", here, "Out for delivery")]
    result_at = dispatched + timedelta(hours=rng.uniform(1, 6))
    if rng.random() < 0.6:
        scans.append(Scan(result_at, "DL", "Delivered", "EOD-38", here, "Delivered to consignee"))
        return scans
    scans.append(Scan(result_at, "UD", "Pending", code, here, NDR_CODES.get(code, "Undelivered")))
    return scans + rto_tail(
        waybill,
        result_at + timedelta(hours=rng.uniform(6, 20)),
        here=here,
        origin_pin=origin_pin,
        pin=pin,
    )


def reverse_pickup(
    waybill: str, start: datetime, *, origin_pin: str, pin: str, city: str = "", state: str = ""
) -> list[Scan]:
    """A reverse pickup (``payment_mode`` Pickup): the status model's ``PP`` Open / Scheduled /
    Dispatched at the customer's centre, ``PU`` In Transit / Pending / Dispatched back to the
    warehouse, final ``DL`` DTO (channel-apis.md §5.1). ASSUMED: the NSL codes of the PP/PU
    scans and of the DTO delivery (the forward ones where a forward scan does the same, and
    ``DTO-101`` for the final one), and that every pickup succeeds."""
    rng = rng_for(waybill, "reverse")
    customer = places.region(pin, city, state)
    warehouse = places.region(origin_pin)
    scheduled = start + timedelta(minutes=rng.randint(3, 40)) + _ms(rng)
    out = _morning(start, 1, rng)
    picked = out + timedelta(hours=rng.uniform(1, 6)) + _ms(rng)
    arrival = picked + timedelta(days=rng.uniform(1.5, 3.5))
    delivered_out = _morning(arrival, 1, rng)
    return [
        Scan(start, "PP", "Open", "X-UCI", customer.centre, "Manifest uploaded"),
        Scan(scheduled, "PP", "Scheduled", "FMPUR-101", customer.centre, "Pickup scheduled"),
        Scan(out, "PP", "Dispatched", "X-DDD3FD", customer.centre, "Out for pickup"),
        Scan(picked, "PU", "In Transit", "X-PPOM", customer.centre, "Shipment picked up"),
        Scan(
            picked + timedelta(hours=rng.uniform(6, 14)) + _ms(rng),
            "PU",
            "In Transit",
            "X-ILL1F",
            customer.hub,
            "Bag Received at Facility",
        ),
        Scan(
            arrival + _ms(rng),
            "PU",
            "Pending",
            "X-IBD3F",
            warehouse.centre,
            "Shipment Received at Facility",
        ),
        Scan(
            delivered_out,
            "PU",
            "Dispatched",
            "X-DDD3FD",
            warehouse.centre,
            "Out for delivery to shipper",
        ),
        Scan(
            delivered_out + timedelta(hours=rng.uniform(1, 5)) + _ms(rng),
            "DL",
            "DTO",
            "DTO-101",
            warehouse.centre,
            "DTO delivered to shipper",
        ),
    ]
