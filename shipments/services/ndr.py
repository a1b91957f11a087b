"""NDR: what happens after a failed delivery attempt (issue 20 §2).

- **Options.** For a shipment in NDR, each action (re-attempt, RTO) is offered only when its
  courier would accept it now or later: the connector decides from its documented rules
  (``Connector.ndr_action_check``; Delhivery: re-attempt only on certain NSL codes after one or
  two attempts, taken after 21:00 IST). An action the courier would refuse is never offered:
  the queue shows the reason instead.
- **Requests.** ``ndr_action_request`` records the action asked (by a person, the API or a
  rule) as an ``NdrActionRequest``: sent at once, or held until the courier takes it
  (``send_after``) and sent by ``ndr_actions_send_due`` (beat, every 15 minutes). One attempt
  gets at most one open action.
- **Rules.** ``ndr_rules_apply`` runs when a shipment enters NDR: the merchant's first
  matching ``NdrRule`` asks for its action (``wait`` leaves it to a person).
- **False NDR.** ``false_ndr_check`` flags an attempt whose reason does not fit the scans: no
  out-for-delivery scan that IST day before the failure (the parcel never left the hub), or a
  reason that needs the customer at the door ("customer unavailable", "refused", "asked for
  another day") scanned outside delivery hours (``NDR_DELIVERY_HOURS_IST``, default 09:00 to
  21:00: Sangam's setting, not a courier's published figure). Flagged shipments are kept for a
  dispute with the courier.
"""

from __future__ import annotations

import logging
import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from integrations.connectors.base import Connector
from integrations.dto import (
    NdrAction,
    NdrActionCheckDTO,
    NdrActionRequestDTO,
    NdrReason,
    ShipmentStatus,
)
from integrations.http import ConnectorError
from integrations.services.accounts import build_connector
from shipments.models import NdrActionRequest, NdrRule, Shipment, TrackingEvent

logger = logging.getLogger(__name__)

IST = ZoneInfo("Asia/Kolkata")
PHONE = re.compile(r"^[6-9]\d{9}$")  # an Indian mobile number, 10 digits
# Reasons that say the courier met (or looked for) the customer at the door.
AT_THE_DOOR = frozenset({NdrReason.CUSTOMER_UNAVAILABLE, NdrReason.REFUSED, NdrReason.RESCHEDULED})
RETRY_FAILED_AFTER_SECONDS = 600  # a failed send is tried again by the next due run after this


class NdrActionRefused(ValueError):
    """The action cannot be asked for this shipment now; the message says why."""


def delivery_hours() -> tuple[time, time]:
    """``NDR_DELIVERY_HOURS_IST`` as two times (IST), default 09:00 and 21:00."""
    start, end = getattr(settings, "NDR_DELIVERY_HOURS_IST", ("09:00", "21:00"))
    return time.fromisoformat(start), time.fromisoformat(end)


def last_ndr_event(shipment: Shipment) -> TrackingEvent | None:
    """The shipment's latest NDR scan (its raw code decides what the courier accepts)."""
    return shipment.events.filter(status=ShipmentStatus.NDR).order_by("-at", "-pk").first()


class _Connectors:
    """One connector per courier account for a batch of checks (no call is made)."""

    def __init__(self) -> None:
        self._built: dict[int, Connector] = {}

    def __call__(self, shipment: Shipment) -> Connector:
        if shipment.account_id not in self._built:
            self._built[shipment.account_id] = build_connector(shipment.account)
        return self._built[shipment.account_id]


def ndr_options(
    shipment: Shipment,
    *,
    now: datetime | None = None,
    connectors: _Connectors | None = None,
    last_event: TrackingEvent | None = None,
) -> list[NdrActionCheckDTO]:
    """What the merchant may ask for ``shipment`` now: one ``NdrActionCheckDTO`` per action
    (re-attempt, RTO), each allowed or refused with the courier's reason; ``[]`` when the
    shipment is not in NDR."""
    if shipment.status != ShipmentStatus.NDR:
        return []
    now = now or timezone.now()
    connector = (connectors or _Connectors())(shipment)
    event = last_event if last_event is not None else last_ndr_event(shipment)
    code = event.raw_code if event else ""
    return [
        connector.ndr_action_check(
            action=action, raw_code=code, attempts=shipment.attempts, now=now
        )
        for action in (NdrAction.REATTEMPT, NdrAction.RTO)
    ]


def ndr_queue_rows(shipments: Sequence[Shipment], *, now: datetime | None = None) -> list[Shipment]:
    """The queue's rows: each shipment with ``raw_code`` (its last failed attempt's courier
    code), ``options`` (``ndr_options``) and ``pending`` (``open_request``) set on it; one
    connector per courier account, no courier call."""
    now = now or timezone.now()
    connectors = _Connectors()
    rows = list(shipments)
    last: dict[int, TrackingEvent] = {}
    for event in TrackingEvent.objects.filter(
        shipment__in=rows, status=ShipmentStatus.NDR
    ).order_by("at", "pk"):
        last[event.shipment_id] = event
    pending: dict[int, NdrActionRequest] = {}
    for request in NdrActionRequest.objects.filter(
        shipment__in=rows, status__in=NdrActionRequest.TAKEN
    ).order_by("pk"):
        pending[request.shipment_id] = request
    for shipment in rows:
        event = last.get(shipment.pk)
        shipment.raw_code = event.raw_code if event else ""
        shipment.options = ndr_options(shipment, now=now, connectors=connectors, last_event=event)
        request = pending.get(shipment.pk)
        shipment.pending = request if request and request.attempt == shipment.attempts else None
    return rows


def open_request(shipment: Shipment) -> NdrActionRequest | None:
    """The action asked for the shipment's current attempt, pending or accepted, if any (one
    attempt gets one action; after a refusal another may be asked)."""
    return (
        shipment.ndr_actions.filter(status__in=NdrActionRequest.TAKEN, attempt=shipment.attempts)
        .order_by("-pk")
        .first()
    )


def ndr_action_request(
    *,
    shipment: Shipment,
    action: str,
    reattempt_on: date | None = None,
    phone: str = "",
    address: str = "",
    remark: str = "",
    user=None,
    rule: NdrRule | None = None,
    now: datetime | None = None,
    send: bool = True,
) -> NdrActionRequest:
    """Ask the courier to ``action`` (``NdrAction.REATTEMPT`` or ``RTO``) a shipment in NDR.

    Checks, in order, each refusal raising ``NdrActionRefused`` with the reason (nothing is
    stored): the shipment is in NDR; the action is one a courier takes; ``reattempt_on`` is
    not in the past (IST) and ``phone`` is a 10-digit Indian mobile; no action is open for
    this attempt; the courier accepts it (``ndr_options``). Then the request is stored,
    ``held`` until the courier's ``send_after`` when it has one, else sent now when ``send``
    (a ``ConnectorError`` leaves it ``failed`` for the next due run, never raised)."""
    now = now or timezone.now()
    if shipment.status != ShipmentStatus.NDR:
        raise NdrActionRefused(
            f"Shipment {shipment.awb} is {shipment.get_status_display().lower()}, not in NDR."
        )
    if action not in NdrAction.SENT:
        raise NdrActionRefused(f"Unknown NDR action {action!r}: use reattempt or rto.")
    phone = re.sub(r"\D", "", phone or "")[-10:] if phone else ""
    if phone and not PHONE.match(phone):
        raise NdrActionRefused("The phone must be a 10-digit Indian mobile number.")
    if reattempt_on and reattempt_on < now.astimezone(IST).date():
        raise NdrActionRefused("The re-attempt date is in the past.")
    if action == NdrAction.RTO and (reattempt_on or phone or address):
        raise NdrActionRefused("A date, phone or address only goes with a re-attempt.")
    if open_request(shipment) is not None:
        raise NdrActionRefused(
            f"An action for attempt {shipment.attempts} of {shipment.awb} is already pending."
        )
    check = next(o for o in ndr_options(shipment, now=now) if o.action == action)
    if not check.allowed:
        raise NdrActionRefused(check.reason or "The courier does not take this action now.")
    request = NdrActionRequest.objects.create(
        shipment=shipment,
        action=action,
        attempt=shipment.attempts,
        reattempt_on=reattempt_on,
        phone=phone,
        address=address.strip()[:500],
        remark=remark.strip()[:255],
        send_after=check.send_after,
        rule=rule,
        requested_by=user if getattr(user, "is_authenticated", False) else None,
    )
    if send and (check.send_after is None or check.send_after <= now):
        ndr_actions_send(requests=[request], now=now)
        request.refresh_from_db()
    return request


def ndr_actions_send(
    *, requests: Iterable[NdrActionRequest], now: datetime | None = None
) -> dict[str, int]:
    """Send these requests to their couriers, grouped by courier account in one call each
    (the connector batches: Delhivery 1,000 a call). A request whose shipment has left NDR or
    moved to a later attempt is ``superseded``. Counts by final status."""
    now = now or timezone.now()
    counts: dict[str, int] = defaultdict(int)
    by_account: dict[int, list[NdrActionRequest]] = defaultdict(list)
    for request in requests:
        shipment = request.shipment
        if shipment.status != ShipmentStatus.NDR or shipment.attempts != request.attempt:
            _settle(request, NdrActionRequest.SUPERSEDED, error="The shipment moved on.")
            counts[NdrActionRequest.SUPERSEDED] += 1
            continue
        by_account[shipment.account_id].append(request)
    for group in by_account.values():
        connector = build_connector(group[0].shipment.account)
        dtos = [
            NdrActionRequestDTO(
                awb=r.shipment.awb,
                action=r.action,
                reattempt_on=r.reattempt_on,
                phone=r.phone,
                address=r.address,
                remark=r.remark,
            )
            for r in group
        ]
        try:
            results = connector.request_ndr_actions(dtos)
        except ConnectorError as exc:
            logger.warning(
                "NDR actions for account %s failed: %s", group[0].shipment.account_id, exc
            )
            for request in group:
                _settle(request, NdrActionRequest.FAILED, error=str(exc) or type(exc).__name__)
                counts[NdrActionRequest.FAILED] += 1
            continue
        for request, result in zip(group, results, strict=True):
            status = NdrActionRequest.ACCEPTED if result.ok else NdrActionRequest.REFUSED
            _settle(request, status, error=result.error, reference=result.reference, sent_at=now)
            counts[status] += 1
    return dict(counts)


def _settle(
    request: NdrActionRequest,
    status: str,
    *,
    error: str = "",
    reference: str = "",
    sent_at: datetime | None = None,
) -> None:
    request.status = status
    request.error = (error or "")[:500]
    if reference:
        request.courier_reference = reference[:64]
    if sent_at:
        request.sent_at = sent_at
    request.save(update_fields=["status", "error", "courier_reference", "sent_at", "updated_at"])


def ndr_actions_due(*, now: datetime | None = None):
    """Requests to send now: held ones whose ``send_after`` has come, and failed ones last
    tried more than ``RETRY_FAILED_AFTER_SECONDS`` ago and asked within the last day."""
    now = now or timezone.now()
    held = Q(status=NdrActionRequest.HELD) & (Q(send_after__isnull=True) | Q(send_after__lte=now))
    failed = Q(
        status=NdrActionRequest.FAILED,
        updated_at__lte=now - timezone.timedelta(seconds=RETRY_FAILED_AFTER_SECONDS),
        created_at__gte=now - timezone.timedelta(days=1),
    )
    return (
        NdrActionRequest.objects.filter(held | failed)
        .select_related("shipment", "shipment__account")
        .order_by("pk")
    )


def ndr_actions_send_due(*, now: datetime | None = None) -> dict[str, int]:
    """Send every due request (``ndr_actions_due``); counts by final status."""
    return ndr_actions_send(requests=list(ndr_actions_due(now=now)), now=now)


# --- rules ------------------------------------------------------------------------------------


def customer_history(shipment: Shipment) -> tuple[int, int]:
    """(deliveries, RTOs) of the merchant's earlier shipments to the same customer (same
    phone or e-mail on the order), this order's left out."""
    order = shipment.order
    who = Q()
    for field in ("customer_phone", "ship_phone", "customer_email"):
        value = (getattr(order, field) or "").strip()
        if value:
            who |= Q(**{f"order__{field}": value})
    if not who:
        return 0, 0
    earlier = (
        Shipment.objects.filter(merchant_id=shipment.merchant_id)
        .filter(who)
        .exclude(order_id=order.pk)
    )
    delivered = earlier.filter(status=ShipmentStatus.DELIVERED).count()
    rtos = earlier.filter(status=ShipmentStatus.RTO_DELIVERED).count()
    return delivered, rtos


def rule_matches(rule: NdrRule, shipment: Shipment, history: tuple[int, int] | None = None) -> bool:
    """Whether every condition ``rule`` sets holds for ``shipment`` (an unset one always
    holds); ``history`` is ``customer_history`` (computed when a rule needs it)."""
    order = shipment.order
    if rule.ndr_reasons and shipment.ndr_reason not in rule.ndr_reasons:
        return False
    if rule.payment_method and shipment.payment_method != rule.payment_method:
        return False
    if rule.min_attempts is not None and shipment.attempts < rule.min_attempts:
        return False
    if rule.max_attempts is not None and shipment.attempts > rule.max_attempts:
        return False
    if rule.courier_account_id and shipment.account_id != rule.courier_account_id:
        return False
    value = order.total
    if rule.min_order_value is not None and value < rule.min_order_value:
        return False
    if rule.max_order_value is not None and value > rule.max_order_value:
        return False
    if rule.max_customer_rtos is not None or rule.min_customer_deliveries is not None:
        delivered, rtos = history if history is not None else customer_history(shipment)
        if rule.max_customer_rtos is not None and rtos > rule.max_customer_rtos:
            return False
        if rule.min_customer_deliveries is not None and delivered < rule.min_customer_deliveries:
            return False
    return True


def matching_rule(shipment: Shipment) -> NdrRule | None:
    """The merchant's first active rule (by priority) that matches ``shipment``."""
    history = None
    for rule in NdrRule.objects.filter(merchant_id=shipment.merchant_id, active=True).order_by(
        "priority", "pk"
    ):
        needs_history = (
            rule.max_customer_rtos is not None or rule.min_customer_deliveries is not None
        )
        if needs_history and history is None:
            history = customer_history(shipment)
        if rule_matches(rule, shipment, history):
            return rule
    return None


def ndr_rules_apply(shipment: Shipment, *, now: datetime | None = None) -> NdrActionRequest | None:
    """When ``shipment`` has entered NDR: ask for the first matching rule's action (stored now,
    sent after the surrounding transaction commits, or held until the courier takes it). A
    ``wait`` rule, no match, an action already open, or one the courier would refuse asks
    nothing (the refusal is logged; the shipment waits in the queue)."""
    rule = matching_rule(shipment)
    if rule is None or rule.action not in NdrAction.SENT:
        return None
    try:
        request = ndr_action_request(
            shipment=shipment, action=rule.action, rule=rule, now=now, send=False
        )
    except NdrActionRefused as exc:
        logger.info("NDR rule %s for %s not applied: %s", rule.pk, shipment.awb, exc)
        return None
    if request.send_after is None or request.send_after <= (now or timezone.now()):
        from integrations.tasks import enqueue  # noqa: PLC0415 - at call time: tests replace it
        from shipments.tasks import ndr_actions_send_task  # noqa: PLC0415 - the task calls us

        transaction.on_commit(lambda: enqueue(ndr_actions_send_task, [request.pk]))
    return request


# --- false NDR --------------------------------------------------------------------------------


def false_ndr_check(
    shipment: Shipment, scan_at: datetime, reason: str, *, earlier: Sequence[TrackingEvent] = ()
) -> str:
    """Why an NDR scan at ``scan_at`` with ``reason`` looks false, or "" when it fits: no
    out-for-delivery scan the same IST day before it (the parcel was not out for delivery), or
    a reason that needs the customer at the door scanned outside ``delivery_hours`` (IST).
    ``earlier`` are the shipment's other scans (read when not given)."""
    local = scan_at.astimezone(IST)
    scans = list(earlier) if earlier else list(shipment.events.all())
    out_that_day = any(
        e.status == ShipmentStatus.OUT_FOR_DELIVERY
        and e.at <= scan_at
        and e.at.astimezone(IST).date() == local.date()
        for e in scans
    )
    if not out_that_day:
        return f"No out-for-delivery scan on {local:%d %b %Y} before this failed attempt."
    start, end = delivery_hours()
    if reason in AT_THE_DOOR and not start <= local.time() < end:
        label = dict(NdrReason.CHOICES).get(reason, reason)
        return (
            f"“{label}” scanned at {local:%H:%M} IST, outside delivery hours "
            f"({start:%H:%M}–{end:%H:%M})."
        )
    return ""


def false_ndr_flag(shipment: Shipment) -> None:
    """Set (in memory) the shipment's possible-false-NDR flag from its latest NDR scan."""
    event = last_ndr_event(shipment)
    if event is None:
        return
    why = false_ndr_check(shipment, event.at, event.ndr_reason)
    if why:
        shipment.false_ndr, shipment.false_ndr_reason = True, why[:255]
