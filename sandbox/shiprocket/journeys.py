"""Journeys: what happens to a shipment after its pickup is requested, on Shiprocket's clock.

Statuses are Shiprocket's (``sr-status`` id and label as in the tracking API's recorded
example: 19 OUT FOR PICKUP → 42 PICKED UP → 6 SHIPPED → 18 IN TRANSIT → 38 REACHED AT
DESTINATION HUB → 17 OUT FOR DELIVERY → 7 DELIVERED; 21 UNDELIVERED, 9 RTO INITIATED, 46 RTO
IN TRANSIT, 10 RTO DELIVERED, 12 LOST, 8 CANCELLED from public status tables), with courier
codes in Xpressbees' style of that example (OFP, PUD, PKD, IT, RAD, OFD, DLVD, UD, RTO…).

Outcomes, chosen from a random generator seeded by the shipment id (reproducible):

- delivered: picked up within hours, delivered 2–7 days after the pickup request;
- COD: about a fifth fail (logistics-finance-notes.md §1: "about 1 in 5 … fails the first
  delivery attempt"): 1–3 attempts end UNDELIVERED, then the courier starts an RTO the next
  day, unless the seller asks for a re-attempt (then the next attempt delivers) or for the
  return (the RTO starts at once); another 5 % of COD and prepaid fail once and are delivered
  at the next attempt on their own;
- about 2 % are lost in transit.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sandbox.shiprocket.clock import IST
from sandbox.shiprocket.models import PushState, SandboxShiprocketOrder, SandboxShiprocketScan

LOST_SHARE = 0.02
COD_RTO_SHARE = 0.20
NDR_DELIVERED_SHARE = 0.05
NDR_REASONS = (
    ("UD", "Consignee unavailable"),
    ("UD", "Address incomplete"),
    ("UD", "Customer refused to accept"),
    ("UD", "COD amount not ready"),
    ("UD", "Customer asked for future delivery"),
)


@dataclass(frozen=True)
class Step:
    at: datetime
    sr_status: int
    label: str
    code: str
    activity: str
    location: str


def rng_for(order: SandboxShiprocketOrder) -> random.Random:
    return random.Random(order.shipment_id)  # noqa: S311 - a simulation, not security


def morning(after: datetime, *, hour: int = 9, minute: int = 30) -> datetime:
    """The first IST ``hour:minute`` after ``after`` (a courier's delivery run)."""
    local = after.astimezone(IST)
    run = local.replace(hour=hour, minute=minute, second=0, microsecond=0)
    if run <= local:
        run += timedelta(days=1)
    return run


def _places(order: SandboxShiprocketOrder) -> tuple[str, str, str]:
    origin = f"Origin_Hub_{order.pickup_postcode[:3]} ({order.pickup_postcode})"
    city = (order.city or "Destination").upper()
    return origin, f"{city}_Hub ({order.state or 'India'})", f"{city}_DC ({order.state or 'India'})"


def choose_outcome(order: SandboxShiprocketOrder, rng: random.Random) -> tuple[str, int]:
    """``(outcome, failed attempts)``."""
    draw = rng.random()
    if draw < LOST_SHARE:
        return "lost", 0
    if order.payment_method == "COD" and draw < LOST_SHARE + COD_RTO_SHARE:
        return "rto", rng.randint(1, 3)
    if rng.random() < NDR_DELIVERED_SHARE:
        return "ndr_delivered", 1
    return "delivered", 0


def delivery_attempts(
    order: SandboxShiprocketOrder, start: datetime, failures: int, *, deliver: bool, rng
) -> list[Step]:
    """``failures`` failed runs from the morning after ``start``, then a delivery if
    ``deliver``."""
    _, _, dc = _places(order)
    steps: list[Step] = []
    run_at = morning(start)
    for _ in range(failures):
        steps.append(Step(run_at, 17, "OUT FOR DELIVERY", "OFD", "Out for Delivery", dc))
        code, reason = rng.choice(NDR_REASONS)
        fail_at = run_at + timedelta(hours=rng.randint(5, 9))
        steps.append(Step(fail_at, 21, "UNDELIVERED", code, reason, dc))
        run_at = morning(fail_at)
    if deliver:
        steps.append(Step(run_at, 17, "OUT FOR DELIVERY", "OFD", "Out for Delivery", dc))
        done = run_at + timedelta(hours=rng.randint(1, 6), minutes=rng.randint(0, 59))
        steps.append(Step(done, 7, "DELIVERED", "DLVD", "Delivered", dc))
    return steps


def rto_steps(order: SandboxShiprocketOrder, start: datetime, rng) -> list[Step]:
    origin, hub, dc = _places(order)
    initiated = start + timedelta(hours=rng.randint(2, 12))
    return [
        Step(initiated, 9, "RTO INITIATED", "RTO", "RTO Initiated", dc),
        Step(
            initiated + timedelta(hours=20), 46, "RTO IN TRANSIT", "RTO-IT", "RTO In Transit", hub
        ),
        Step(
            initiated + timedelta(days=rng.randint(2, 4)),
            10,
            "RTO DELIVERED",
            "RTD",
            "RTO Delivered to shipper",
            origin,
        ),
    ]


def plan(order: SandboxShiprocketOrder, start: datetime) -> list[Step]:
    """The whole journey from a pickup requested at ``start``; sets ``order.outcome``."""
    rng = rng_for(order)
    outcome, failures = choose_outcome(order, rng)
    order.outcome, order.planned_attempts = outcome, failures
    origin, hub, dc = _places(order)
    pickup_run = start + timedelta(hours=rng.randint(1, 3))
    picked = pickup_run + timedelta(hours=rng.randint(1, 3))
    shipped = picked + timedelta(hours=rng.randint(2, 5))
    steps = [
        Step(pickup_run, 19, "OUT FOR PICKUP", "OFP", "Out for Pickup", origin),
        Step(picked, 42, "PICKED UP", "PUD", "PickDone", origin),
        Step(shipped, 6, "SHIPPED", "PKD", "Picked Shipment InScan from Manifest", origin),
    ]
    transit_days = rng.randint(0, 4)  # arrival the same night up to 4 days later
    at = shipped + timedelta(hours=3)
    for day in range(transit_days + 1):
        steps.append(Step(at + timedelta(days=day), 18, "IN TRANSIT", "IT", "InTransit", hub))
    arrived = at + timedelta(days=transit_days, hours=rng.randint(6, 10))
    if outcome == "lost":
        steps.append(Step(arrived + timedelta(days=3), 12, "LOST", "LOST", "Shipment Lost", hub))
        return steps
    steps.append(
        Step(arrived, 38, "REACHED AT DESTINATION HUB", "RAD", "Reached at Destination", dc)
    )
    if outcome == "rto":
        steps += delivery_attempts(order, arrived, failures, deliver=False, rng=rng)
        steps += rto_steps(order, morning(steps[-1].at), rng)
    else:
        steps += delivery_attempts(order, arrived, failures, deliver=True, rng=rng)
    return steps


def store(order: SandboxShiprocketOrder, steps: Sequence[Step]) -> None:
    """Append ``steps`` to the order's scans (after its last ``seq``)."""
    last = order.scans.order_by("-seq").values_list("seq", flat=True).first() or 0
    SandboxShiprocketScan.objects.bulk_create(
        [
            SandboxShiprocketScan(
                order=order,
                seq=last + n,
                at=s.at,
                sr_status=s.sr_status,
                label=s.label,
                code=s.code,
                activity=s.activity,
                location=s.location,
                push_state=PushState.PENDING if order.user.webhook_url else PushState.NONE,
            )
            for n, s in enumerate(steps, start=1)
        ]
    )


def replan(
    order: SandboxShiprocketOrder, now: datetime, steps: Sequence[Step], outcome: str
) -> None:
    """Drop the scans still in the future and play ``steps`` instead."""
    order.scans.filter(at__gt=now).delete()
    order.outcome = outcome
    order.save(update_fields=["outcome"])
    store(order, steps)


def reattempt(order: SandboxShiprocketOrder, now: datetime) -> None:
    """The seller asked for a re-attempt: the next morning's run delivers."""
    replan(
        order, now, delivery_attempts(order, now, 0, deliver=True, rng=rng_for(order)), "delivered"
    )


def return_to_origin(order: SandboxShiprocketOrder, now: datetime) -> None:
    """The seller asked for the return: the RTO starts within hours."""
    replan(order, now, rto_steps(order, now, rng_for(order)), "rto")


def cancel(order: SandboxShiprocketOrder, now: datetime) -> None:
    """Cancelled before pickup: one CANCELLED scan now, nothing after."""
    replan(
        order,
        now,
        [Step(now, 8, "CANCELLED", "CAN", "Shipment cancelled by seller", _places(order)[0])],
        "cancelled",
    )
