"""Reads of shipments for the API and the dashboard (always merchant-scoped).

Another merchant's shipment is never found: every queryset starts from
``Shipment.objects.for_merchant``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import Count, Exists, F, OuterRef, Prefetch, Q, QuerySet
from django.utils import timezone

from integrations.connectors.base import Capability, ProviderKind
from integrations.dto import OrderStatus, PaymentMethod, ReturnKind, ShipmentStatus
from integrations.models import ChannelAccount
from integrations.registry import CONNECTORS
from orders.models import Order, Return
from shipments.models import OrderRtoRisk, Shipment, ShipmentBatch, TrackingEvent

RTO_GROUPS = {
    "state": "order__ship_state",
    "pincode": "order__ship_pincode",
    "payment_method": "order__payment_method",
}
# A shipment cancelled before pickup never left the warehouse: it is neither a delivery nor an
# RTO, so it stays out of the RTO rate (one cancelled in transit ends as an RTO at Delhivery).
RTO_OUTCOMES = ShipmentStatus.FINAL - {ShipmentStatus.CANCELLED}


def _day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min), timezone.get_default_timezone())


def shipment_list(*, merchant, filters: dict[str, Any] | None = None) -> QuerySet[Shipment]:
    """Shipments of ``merchant``, newest first, with order and courier account; filters:
    ``status``, ``account`` (courier account id), ``ndr`` (True: only shipments in NDR; False:
    only the others), ``date_from``/``date_to`` (dates: IST days of ``created_at``,
    inclusive), ``q`` (part of the AWB or of the order number)."""
    filters = filters or {}
    qs = Shipment.objects.for_merchant(merchant).select_related("order", "account")
    if filters.get("status"):
        qs = qs.filter(status=filters["status"])
    if filters.get("account"):
        qs = qs.filter(account_id=filters["account"])
    if filters.get("ndr") is not None:
        ndr = Q(status=ShipmentStatus.NDR)
        qs = qs.filter(ndr) if filters["ndr"] else qs.exclude(ndr)
    if filters.get("date_from"):
        qs = qs.filter(created_at__gte=_day_start(filters["date_from"]))
    if filters.get("date_to"):
        qs = qs.filter(created_at__lt=_day_start(filters["date_to"]) + timedelta(days=1))
    if filters.get("q"):
        term = filters["q"].strip()
        qs = qs.filter(Q(awb__icontains=term) | Q(order__order_number__icontains=term))
    return qs.order_by("-created_at", "-pk")


def shipment_detail(*, merchant, shipment_id: int) -> Shipment:
    """One shipment with its order, courier account and tracking events (oldest scan first);
    raises ``Shipment.DoesNotExist`` if it is not the merchant's."""
    return (
        Shipment.objects.for_merchant(merchant)
        .select_related("order", "account")
        .prefetch_related(Prefetch("events", queryset=TrackingEvent.objects.order_by("at", "pk")))
        .get(pk=shipment_id)
    )


def ndr_queue(*, merchant) -> QuerySet[Shipment]:
    """Shipments of ``merchant`` in NDR (a delivery attempt failed), the longest waiting first
    (oldest ``status_at``; a shipment without one last)."""
    return (
        Shipment.objects.for_merchant(merchant)
        .filter(status=ShipmentStatus.NDR)
        .select_related("order", "account")
        .order_by(F("status_at").asc(nulls_last=True), "pk")
    )


def shipments_for_order(*, merchant, order_id: int) -> QuerySet[Shipment]:
    """The shipments of one order of ``merchant``, oldest first."""
    return (
        Shipment.objects.for_merchant(merchant)
        .filter(order_id=order_id)
        .select_related("account")
        .order_by("created_at", "pk")
    )


def courier_accounts(*, merchant) -> QuerySet[ChannelAccount]:
    """The merchant's courier accounts: those whose connector is a logistics provider that
    books shipments (the registry decides, never a provider name)."""
    providers = [
        cls.id
        for cls in CONNECTORS.values()
        if cls.kind == ProviderKind.LOGISTICS and Capability.SHIPMENTS in cls.capabilities
    ]
    return (
        ChannelAccount.objects.for_merchant(merchant).filter(provider__in=providers).order_by("pk")
    )


@dataclass(frozen=True, slots=True)
class RtoRate:
    """One group's RTO rate: ``shipments`` that reached an outcome (delivered, RTO delivered or
    lost; cancelled ones are left out), how many were ``delivered`` and ``rto_delivered``, and
    ``rto_rate``, RTO delivered over outcomes in percent (Decimal, one place, half up).
    ``from_channels`` says how many of the outcomes are marketplace orders the channel shipped
    (delivered, or with an RTO return the channel reported: Flipkart courier returns, Meesho
    RTO rows), counted with Sangam's own shipments."""

    group: str
    shipments: int
    delivered: int
    rto_delivered: int
    rto_rate: Decimal
    from_channels: int = 0


def rto_percent(rto: int, total: int) -> Decimal:
    """``rto`` of ``total`` in percent, one decimal place, half up (0.0 when total is 0)."""
    if not total:
        return Decimal("0.0")
    return (Decimal(rto) * 100 / Decimal(total)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def rto_rates(*, merchant, group_by: str) -> list[RtoRate]:
    """RTO rate of ``merchant``'s deliveries per ``group_by`` (``state``, ``pincode`` or
    ``payment_method``: the order's ship-to state, pincode or payment method). Outcomes are
    Sangam's shipments that reached one (``RTO_OUTCOMES``) and the orders without a Sangam
    shipment whose channel reported one: delivered (order status), or an RTO return (a return
    of kind RTO, whatever its status). Highest RTO rate first, then most outcomes, then the
    group; an order without the value groups under "". Raises ``ValueError`` for another
    ``group_by``. Two queries."""
    try:
        column = RTO_GROUPS[group_by]
    except KeyError:
        raise ValueError(f"group_by must be one of {', '.join(RTO_GROUPS)}.") from None
    rows = (
        Shipment.objects.for_merchant(merchant)
        .filter(status__in=RTO_OUTCOMES)
        .values(column)
        .annotate(
            n=Count("pk"),
            delivered=Count("pk", filter=Q(status=ShipmentStatus.DELIVERED)),
            rto=Count("pk", filter=Q(status=ShipmentStatus.RTO_DELIVERED)),
        )
        .order_by()
    )
    totals: dict[str, list[int]] = {}
    for row in rows:
        totals[row[column] or ""] = [row["n"], row["delivered"], row["rto"], 0]
    order_column = column.removeprefix("order__")
    rto_return = Exists(Return.objects.filter(order=OuterRef("pk"), kind=ReturnKind.RTO))
    channel_rows = (
        Order.objects.for_merchant(merchant)
        .filter(shipments__isnull=True)
        .annotate(rto=rto_return)
        .filter(Q(rto=True) | Q(status=OrderStatus.DELIVERED))
        .values(order_column)
        .annotate(n=Count("pk"), rtos=Count("pk", filter=Q(rto=True)))
        .order_by()
    )
    for row in channel_rows:
        entry = totals.setdefault(row[order_column] or "", [0, 0, 0, 0])
        entry[0] += row["n"]
        entry[1] += row["n"] - row["rtos"]
        entry[2] += row["rtos"]
        entry[3] += row["n"]
    rates = [
        RtoRate(
            group=group,
            shipments=n,
            delivered=delivered,
            rto_delivered=rto,
            rto_rate=rto_percent(rto, n),
            from_channels=channel,
        )
        for group, (n, delivered, rto, channel) in totals.items()
    ]
    return sorted(rates, key=lambda r: (-r.rto_rate, -r.shipments, r.group))


def cod_to_confirm(*, merchant, threshold: int) -> QuerySet[OrderRtoRisk]:
    """Open COD orders of ``merchant`` with an RTO risk score of at least ``threshold``
    (0–100) that are not confirmed yet and have no live shipment: the "Confirm COD" list,
    highest score first, then the oldest order."""
    live = Shipment.objects.exclude(status=ShipmentStatus.CANCELLED).values("order_id")
    return (
        OrderRtoRisk.objects.for_merchant(merchant)
        .filter(
            score__gte=threshold,
            confirmed_at__isnull=True,
            order__payment_method=PaymentMethod.COD,
            order__status__in=OrderStatus.OPEN,
        )
        .exclude(order_id__in=live)
        .select_related("order", "order__account")
        .order_by("-score", "order__placed_at", "pk")
    )


def shipment_batch(*, merchant, batch_id: int) -> ShipmentBatch:
    """One "Ship selected" batch of ``merchant``; raises ``ShipmentBatch.DoesNotExist``
    otherwise."""
    return ShipmentBatch.objects.for_merchant(merchant).get(pk=batch_id)


def batch_errors(batch: ShipmentBatch) -> list[dict[str, Any]]:
    """The batch's refusals as ``[{"order_id", "order_number", "reason"}]`` in the order the
    ids were asked for (the order number "" for an id that is not the merchant's order)."""
    ids = [int(pk) for pk in batch.errors]
    numbers = dict(
        Order.objects.filter(merchant_id=batch.merchant_id, pk__in=ids).values_list(
            "pk", "order_number"
        )
    )
    position = {pk: i for i, pk in enumerate(batch.order_ids)}
    return [
        {"order_id": pk, "order_number": numbers.get(pk, ""), "reason": batch.errors[str(pk)]}
        for pk in sorted(ids, key=lambda pk: position.get(pk, len(position)))
    ]
