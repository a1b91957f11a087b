"""RTO risk of COD orders from the merchant's own shipment history (issue 20 §3).

For each COD order Sangam estimates the chance, in percent, that its parcel comes back
undelivered (RTO), from the outcomes of the merchant's earlier shipments: delivered, or an RTO
started (``rto_initiated``, ``rto_in_transit``, ``rto_delivered``: it will come back). Lost and
cancelled shipments say nothing about the customer and are left out.

The factors, each an RTO rate over the shipments that share it with the order:

- ``pincode`` and ``state`` of the ship-to address;
- ``payment`` method of the shipment (COD parcels come back far more often than prepaid);
- ``customer``: the same phone (last 10 digits of the customer's or the ship-to phone),
  e-mail (case-insensitive) or channel customer id (same account) on earlier orders;
- ``value``: the order total's band (``VALUE_BANDS``, rupees).

Smoothing (beta priors, so a pincode with one shipment cannot dominate): the merchant's
overall rate is itself pulled toward ``PRIOR_RATE`` with the weight of ``PRIOR_SHIPMENTS``
pseudo-shipments, and each factor's rate toward that baseline with ``FACTOR_SHIPMENTS``:
``(rto + FACTOR_SHIPMENTS × baseline) / (shipments + FACTOR_SHIPMENTS)``. A factor with no
history is the baseline and moves nothing. The factors are combined in log-odds (naive Bayes):
``logit(p) = logit(baseline) + Σ weight × (logit(factor) − logit(baseline))``; the state and
value band weigh half (the state overlaps the pincode; the value band is a weak signal). The
score is ``round(100 × p)``, 0–100. The priors and weights are Sangam's own choices, to be
tuned on real history; they are not a courier's figures.

Stored as ``OrderRtoRisk`` (one per order, with the factors as its explanation), computed for
new COD orders as they are imported (``ORDERS_IMPORTED_HOOKS`` → ``orders_imported``), and
recomputed in bulk (``rto_risk_recompute``: the ``rto_risk_recompute`` command, the admin
action and ``shipments.tasks.rto_risk_recompute_task``).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Case, CharField, Count, F, Q, Value, When
from django.db.models.functions import Replace, Right
from django.utils import timezone

from integrations.dto import OrderStatus, PaymentMethod, ShipmentStatus
from orders.models import Order
from shipments.models import OrderRtoRisk, Shipment

PRIOR_RATE = 0.15  # a merchant with no history: a typical Indian D2C RTO share (our assumption)
PRIOR_SHIPMENTS = 20
FACTOR_SHIPMENTS = 10
WEIGHTS = {"pincode": 1.0, "state": 0.5, "payment": 1.0, "customer": 1.0, "value": 0.5}
VALUE_BANDS = (500, 1000, 2000, 5000)  # rupees: the upper bounds of the bands (exclusive)
RTO = ShipmentStatus.RTO
OUTCOMES = RTO | {ShipmentStatus.DELIVERED}
CHUNK = 500  # orders scored per pass of the bulk recompute
_CLAMP = 1e-4


@dataclass(frozen=True, slots=True)
class Factor:
    """One factor of a score: the ``shipments`` with an outcome sharing ``value`` with the
    order, the ``rto`` among them, the raw ``rate`` (percent, None without history) and the
    ``smoothed`` rate (percent) the score used."""

    factor: str
    label: str
    value: str
    shipments: int
    rto: int
    rate: Decimal | None
    smoothed: Decimal

    def as_json(self) -> dict:
        return {
            "factor": self.factor,
            "label": self.label,
            "value": self.value,
            "shipments": self.shipments,
            "rto": self.rto,
            "rate": None if self.rate is None else str(self.rate),
            "smoothed": str(self.smoothed),
        }


@dataclass(frozen=True, slots=True)
class RiskScore:
    """An order's score (0–100), the ``baseline`` (percent) and its ``factors``."""

    score: int
    baseline: Decimal
    factors: tuple[Factor, ...] = field(default=())

    @property
    def summary(self) -> str:
        """The factors that raise the score most, in words (at most three)."""
        rising = sorted(
            (f for f in self.factors if f.shipments and f.smoothed > self.baseline),
            key=lambda f: f.smoothed - self.baseline,
            reverse=True,
        )[:3]
        if not rising:
            return f"No factor above the merchant's RTO rate of {self.baseline}%."
        return "; ".join(f"{f.label}: {f.rto} of {f.shipments} RTO ({f.rate}%)" for f in rising)


def value_band(total: Decimal) -> str:
    """The band of an order total in rupees: ``"<500"``, ``"500-1000"``, … ``"5000+"``."""
    lower = 0
    for upper in VALUE_BANDS:
        if total < upper:
            return f"<{upper}" if lower == 0 else f"{lower}-{upper}"
        lower = upper
    return f"{lower}+"


def _band_label(band: str) -> str:
    """``"<500"`` → "under ₹500", ``"500-1000"`` → "₹500–1000", ``"5000+"`` → "₹5000 or more"."""
    if band.startswith("<"):
        return f"under ₹{band[1:]}"
    if band.endswith("+"):
        return f"₹{band[:-1]} or more"
    return "₹" + band.replace("-", "–")


def _band_case() -> Case:
    whens, lower = [], 0
    for upper in VALUE_BANDS:
        label = f"<{upper}" if lower == 0 else f"{lower}-{upper}"
        whens.append(When(order__total__lt=upper, then=Value(label)))
        lower = upper
    return Case(*whens, default=Value(f"{lower}+"), output_field=CharField())


def phone_key(phone: str) -> str:
    """The last 10 digits of a phone ("+91 98765-43210" → "9876543210"); "" if fewer."""
    digits = re.sub(r"\D", "", phone or "")
    return digits[-10:] if len(digits) >= 10 else ""


def _last10(column: str) -> Right:
    """The column's last 10 characters once spaces, hyphens, dots and brackets are dropped:
    ``phone_key`` in SQL for the usual ways Indian numbers are written."""
    expression = F(column)
    for char in (" ", "-", ".", "(", ")"):
        expression = Replace(expression, Value(char), Value(""))
    return Right(expression, 10)


def _logit(p: float) -> float:
    p = min(max(p, _CLAMP), 1 - _CLAMP)
    return math.log(p / (1 - p))


def _pct(p: float) -> Decimal:
    return Decimal(str(round(100 * p, 1)))


class _History:
    """The merchant's outcome counts for the keys a set of orders needs: a few grouped
    queries for any number of orders."""

    def __init__(self, merchant_id: int, orders: Sequence[Order]) -> None:
        base = Shipment.objects.filter(merchant_id=merchant_id, status__in=OUTCOMES)
        rto = Count("pk", filter=Q(status__in=RTO))
        total = base.aggregate(n=Count("pk"), rto=rto)
        self.baseline = (total["rto"] + PRIOR_RATE * PRIOR_SHIPMENTS) / (
            total["n"] + PRIOR_SHIPMENTS
        )
        self.groups: dict[str, dict[str, tuple[int, int]]] = {
            name: {} for name in ("pincode", "state", "payment", "value")
        }
        self.customer_rows: list[tuple] = []
        if not total["n"]:
            return  # no history: every factor is the prior, no more queries
        for name, column, values in (
            ("pincode", "order__ship_pincode", {o.ship_pincode for o in orders}),
            ("state", "order__ship_state", {o.ship_state for o in orders}),
            ("payment", "payment_method", None),
        ):
            qs = base if values is None else base.filter(**{f"{column}__in": values - {""}})
            rows = qs.values(column).annotate(n=Count("pk"), rto=rto).order_by()
            self.groups[name] = {
                (r[column] or "").casefold(): (r["n"], r["rto"]) for r in rows if r[column]
            }
        rows = base.annotate(band=_band_case()).values("band").annotate(n=Count("pk"), rto=rto)
        self.groups["value"] = {r["band"]: (r["n"], r["rto"]) for r in rows.order_by()}
        phones = (
            {phone_key(o.customer_phone) for o in orders}
            | {phone_key(o.ship_phone) for o in orders}
        ) - {""}
        emails = {o.customer_email.strip() for o in orders if o.customer_email.strip()}
        who = Q(pk__in=[])
        if phones:
            who |= Q(c_phone__in=phones) | Q(s_phone__in=phones)
        for email in emails:
            who |= Q(order__customer_email__iexact=email)
        for account_id, customer_id in {
            (o.account_id, o.customer_external_id) for o in orders if o.customer_external_id
        }:
            who |= Q(order__account_id=account_id, order__customer_external_id=customer_id)
        self.customer_rows = list(
            base.annotate(
                c_phone=_last10("order__customer_phone"), s_phone=_last10("order__ship_phone")
            )
            .filter(who)
            .values_list(
                "pk",
                "order_id",
                "order__customer_phone",
                "order__ship_phone",
                "order__customer_email",
                "order__account_id",
                "order__customer_external_id",
                "status",
            )  # fmt: skip
        )

    def customer(self, order: Order) -> tuple[int, int, str]:
        """(shipments, rto, how the customer was known) of the order's customer, other
        orders only."""
        phones = {phone_key(order.customer_phone), phone_key(order.ship_phone)} - {""}
        email = order.customer_email.strip().casefold()
        customer = (order.account_id, order.customer_external_id)
        seen: dict[int, str] = {}
        for pk, order_id, c_phone, s_phone, c_email, account_id, c_id, status in self.customer_rows:
            if order_id == order.pk:
                continue
            same_phone = bool(phones & {phone_key(c_phone), phone_key(s_phone)})
            same_email = bool(email) and (c_email or "").strip().casefold() == email
            same_id = bool(order.customer_external_id) and (account_id, c_id) == customer
            if same_phone or same_email or same_id:
                seen[pk] = status
        ways = [w for w, known in (("phone", phones), ("e-mail", email),
                ("customer id", order.customer_external_id)) if known]  # fmt: skip
        known = " or ".join(ways)
        return len(seen), sum(1 for s in seen.values() if s in RTO), known


def _score(order: Order, history: _History) -> RiskScore:
    baseline = history.baseline
    factors: list[Factor] = []
    logit = _logit(baseline)
    payment = order.payment_method or PaymentMethod.PREPAID
    band = value_band(order.total)
    entries = [
        ("pincode", f"Pincode {order.ship_pincode}", order.ship_pincode),
        ("state", f"State {order.ship_state}", order.ship_state),
        ("payment", dict(PaymentMethod.CHOICES).get(payment, payment), payment),
        ("value", f"Order value {_band_label(band)}", band),
    ]
    for name, label, value in entries:
        n, k = history.groups[name].get((value or "").casefold(), (0, 0)) if value else (0, 0)
        factors.append(_factor(name, label, value, n, k, baseline))
    n, k, known = history.customer(order)
    label = f"This customer (by {known})" if known else "This customer"
    factors.append(_factor("customer", label, known, n, k, baseline))
    for f in factors:
        if f.shipments:
            smoothed = (f.rto + FACTOR_SHIPMENTS * baseline) / (f.shipments + FACTOR_SHIPMENTS)
            logit += WEIGHTS[f.factor] * (_logit(smoothed) - _logit(baseline))
    p = 1 / (1 + math.exp(-logit))
    return RiskScore(
        score=max(0, min(100, round(100 * p))), baseline=_pct(baseline), factors=tuple(factors)
    )


def _factor(name: str, label: str, value: str, n: int, k: int, baseline: float) -> Factor:
    smoothed = (k + FACTOR_SHIPMENTS * baseline) / (n + FACTOR_SHIPMENTS)
    rate = _pct(k / n) if n else None
    return Factor(name, label, value, n, k, rate, _pct(smoothed))


def rto_risk_scores(*, orders: Sequence[Order]) -> dict[int, RiskScore]:
    """``{order pk: RiskScore}`` for ``orders`` (any payment method), computed from their
    merchants' history; writes nothing. About seven queries per merchant."""
    scores: dict[int, RiskScore] = {}
    by_merchant: dict[int, list[Order]] = {}
    for order in orders:
        by_merchant.setdefault(order.merchant_id, []).append(order)
    for merchant_id, group in by_merchant.items():
        history = _History(merchant_id, group)
        for order in group:
            scores[order.pk] = _score(order, history)
    return scores


def rto_risk_compute(*, orders: Sequence[Order]) -> dict[int, OrderRtoRisk]:
    """Score the COD ``orders`` and store each as its ``OrderRtoRisk`` (replacing an earlier
    one, keeping its ``confirmed_at``); prepaid orders are skipped. Returns the rows by
    order pk."""
    cod = [o for o in orders if o.payment_method == PaymentMethod.COD]
    now = timezone.now()
    by_pk = {o.pk: o for o in cod}
    rows = [
        OrderRtoRisk(
            merchant_id=by_pk[order_pk].merchant_id,
            order_id=order_pk,
            score=risk.score,
            baseline=risk.baseline,
            factors=[f.as_json() for f in risk.factors],
            summary=risk.summary[:500],
            computed_at=now,
        )
        for order_pk, risk in rto_risk_scores(orders=cod).items()
    ]
    # One statement for the batch (the import hook runs on every imported page).
    OrderRtoRisk.objects.bulk_create(
        rows,
        update_conflicts=True,
        unique_fields=["order"],
        update_fields=["merchant", "score", "baseline", "factors", "summary", "computed_at"],
    )
    return {row.order_id: row for row in rows}


def rto_risk_recompute(
    *,
    merchant_id: int | None = None,
    open_only: bool = True,
    progress: Callable[[int, int], None] | None = None,
) -> int:
    """Recompute the score of every COD order (of ``merchant_id``, else of every merchant;
    only open ones unless ``open_only`` is False), ``CHUNK`` orders a pass; ``progress(done,
    total)`` is called after each pass. Returns how many were scored."""
    qs = Order.objects.filter(payment_method=PaymentMethod.COD)
    if merchant_id is not None:
        qs = qs.filter(merchant_id=merchant_id)
    if open_only:
        qs = qs.filter(status__in=OrderStatus.OPEN)
    ids = list(qs.order_by("pk").values_list("pk", flat=True))
    for start in range(0, len(ids), CHUNK):
        rto_risk_compute(orders=list(Order.objects.filter(pk__in=ids[start : start + CHUNK])))
        if progress:
            progress(min(start + CHUNK, len(ids)), len(ids))
    return len(ids)


def order_risk_score(order: Order) -> int:
    """The score the courier rules use: the stored one; a COD order without one is scored
    (and stored) now; a prepaid order is 0 (no cash to refuse at the door)."""
    if order.payment_method != PaymentMethod.COD:
        return 0
    try:
        return order.rto_risk.score
    except OrderRtoRisk.DoesNotExist:
        return rto_risk_compute(orders=[order])[order.pk].score


def orders_imported(*, account, created: Sequence[tuple[int, str]], updated=(), **_) -> None:
    """``ORDERS_IMPORTED_HOOKS``: score the new COD orders of an imported batch (inside the
    import's transaction; a handful of grouped queries for the batch)."""
    if not created:
        return
    orders = list(
        Order.objects.filter(
            pk__in=[pk for pk, _ in created],
            payment_method=PaymentMethod.COD,
            status__in=OrderStatus.OPEN,
        )
    )
    if orders:
        rto_risk_compute(orders=orders)


def rto_risk_confirm(*, merchant, order_id: int) -> OrderRtoRisk:
    """Mark the COD order ``order_id`` of ``merchant`` confirmed with the customer (it leaves
    the "Confirm COD" list); raises ``OrderRtoRisk.DoesNotExist`` for another merchant's or an
    unscored order."""
    risk = OrderRtoRisk.objects.for_merchant(merchant).get(order_id=order_id)
    if risk.confirmed_at is None:
        risk.confirmed_at = timezone.now()
        risk.save(update_fields=["confirmed_at"])
    return risk
