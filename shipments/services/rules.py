"""Courier rules: which of the merchant's courier accounts books an order (issue 20 §2).

The merchant's active ``CourierRule`` rows are tried by priority (lowest first, then pk); the
first whose every set condition holds wins. The conditions read the order (payment method,
ship-to pincode and state, total in rupees), its parcel (grams, ``package.order_weight_grams``)
and its RTO risk score (``risk.order_risk_score``). When no rule matches, a merchant with
exactly one courier account ships with it (the default); with several and no matching rule the
order is refused, so the merchant adds a rule without conditions as the default.

Serviceability (``shipments.services.booking``): the winning courier is asked whether it
delivers to the pincode by the order's payment mode. If it does not, the order falls to the
next matching rule's courier (then the default), so a narrow cheap courier can sit above a
national one; only when no matching courier serves it is it refused, with every courier's
reason.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from integrations.models import ChannelAccount
from orders.models import Order
from shipments.models import CourierRule
from shipments.selectors import courier_accounts
from shipments.services.package import order_weight_grams
from shipments.services.risk import order_risk_score


@dataclass(frozen=True, slots=True)
class Route:
    """One courier an order may go to: ``account``, the ``rule`` that chose it (None for the
    merchant's only courier account), the ``courier_hint`` to ask for, and why."""

    account: ChannelAccount
    rule: CourierRule | None
    explanation: str
    courier_hint: str = ""


def rule_mismatch(
    rule: CourierRule, order: Order, *, weight_grams: int, risk_score: int | None
) -> str:
    """Why ``rule`` does not match ``order`` ("" when it does): the first condition that
    fails. ``weight_grams`` is the parcel's weight; ``risk_score`` the order's RTO risk score
    (None: not known, which fails a ``max_risk_score`` condition)."""
    if rule.payment_method and order.payment_method != rule.payment_method:
        return f"payment is {order.payment_method}, not {rule.payment_method}"
    pins = rule.pincode_list
    if pins and not any(order.ship_pincode.startswith(p) for p in pins):
        return f"pincode {order.ship_pincode} is not in {', '.join(pins)}"
    states = rule.state_list
    if states and order.ship_state.strip().casefold() not in states:
        return f"state {order.ship_state or '(none)'} is not listed"
    if rule.min_weight_grams is not None and weight_grams < rule.min_weight_grams:
        return f"{weight_grams} g is under {rule.min_weight_grams} g"
    if rule.max_weight_grams is not None and weight_grams > rule.max_weight_grams:
        return f"{weight_grams} g is over {rule.max_weight_grams} g"
    if rule.min_order_value is not None and order.total < rule.min_order_value:
        return f"₹{order.total} is under ₹{rule.min_order_value}"
    if rule.max_order_value is not None and order.total > rule.max_order_value:
        return f"₹{order.total} is over ₹{rule.max_order_value}"
    if rule.max_risk_score is not None and (risk_score is None or risk_score > rule.max_risk_score):
        return f"RTO risk {risk_score} is over {rule.max_risk_score}"
    return ""


def merchant_rules(merchant_id: int) -> list[CourierRule]:
    """The merchant's active rules in the order they are tried, with their accounts."""
    return list(
        CourierRule.objects.filter(merchant_id=merchant_id, active=True)
        .select_related("account")
        .order_by("priority", "pk")
    )


def courier_routes(
    order: Order,
    *,
    rules: Sequence[CourierRule] | None = None,
    accounts: Sequence[ChannelAccount] | None = None,
    weight_grams: int | None = None,
    risk_score: int | None = None,
) -> list[Route]:
    """Every courier ``order`` may go to, best first: each matching rule (in rule order, one
    route per account), then the merchant's only courier account if it is not already there.
    ``rules`` and ``accounts`` default to the merchant's (pass them to score many orders with
    no repeated query); ``weight_grams`` and ``risk_score`` default to the order's."""
    rules = merchant_rules(order.merchant_id) if rules is None else rules
    if accounts is None:
        accounts = list(courier_accounts(merchant=order.merchant))
    usable = {a.pk for a in accounts}
    weight = order_weight_grams(order) if weight_grams is None else weight_grams
    needs_risk = any(r.max_risk_score is not None for r in rules)
    if risk_score is None and needs_risk:
        risk_score = order_risk_score(order)
    routes: list[Route] = []
    for rule in rules:
        if rule.account_id not in usable or any(r.account.pk == rule.account_id for r in routes):
            continue
        if not rule_mismatch(rule, order, weight_grams=weight, risk_score=risk_score):
            routes.append(
                Route(
                    account=rule.account,
                    rule=rule,
                    explanation=f"Rule “{rule.name}” (priority {rule.priority}) matched.",
                    courier_hint=rule.courier_hint,
                )
            )
    if len(accounts) == 1 and not any(r.account.pk == accounts[0].pk for r in routes):
        only = accounts[0]
        routes.append(
            Route(
                account=only,
                rule=None,
                explanation=f"No rule matched: {only.display_name or only.provider} is the "
                "merchant's only courier account.",
            )
        )
    return routes


def courier_for_order(
    order: Order, **kwargs
) -> tuple[ChannelAccount | None, CourierRule | None, str]:
    """The courier that books ``order`` by the rules, before serviceability: ``(account,
    rule, explanation)``; ``rule`` is None for the default (the only courier account);
    ``account`` is None when nothing matches (``explanation`` says why). Keyword arguments as
    ``courier_routes``."""
    routes = courier_routes(order, **kwargs)
    if routes:
        return routes[0].account, routes[0].rule, routes[0].explanation
    return None, None, no_route_reason(order)


def no_route_reason(order: Order) -> str:
    """Why ``order`` has no courier: no courier account, or several and no matching rule."""
    count = courier_accounts(merchant=order.merchant).count()
    if not count:
        return "The merchant has no courier account."
    return (
        f"No courier rule matches this order and the merchant has {count} courier accounts: "
        "add a rule without conditions as the default."
    )
