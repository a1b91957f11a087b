"""Payment methods of orders whose first import could not know them.

Amazon's flat-file order reports, which backfill an Amazon account's history at connect
(``integrations.connectors.amazon.reports``), have no payment column, so those orders are
imported as prepaid with ``payment_known`` false (``OrderDTO.payment_known``). COD matters for
the seller (COD fees, remittance, RTO risk), so each such order is read once by id through the
Orders API
(``Connector.payment_methods``, ``Capability.PAYMENT_LOOKUP``); the v0 order is kept in
``raw["order"]`` (``None`` when Amazon no longer returns it) and ``payment_known`` set, which
marks the order as checked. Orders that change later
are re-imported by the incremental sync anyway, with their payment method.

getOrders allows a burst of 20 calls and then one a minute, shared with the incremental order
sync, so a run makes at most ``calls`` calls (50 orders each) and the 10-minute schedule
(``order_payments_refresh_task``) works through a large backfill without starving the sync.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta

from django.db import transaction

from integrations.connectors.base import Capability
from integrations.dto import PaymentMethod
from integrations.http import ConnectorError
from integrations.models import AccountStatus, ChannelAccount
from integrations.registry import has_capability
from integrations.services.accounts import build_connector
from orders.models import Order

logger = logging.getLogger(__name__)

ORDERS_PER_CALL = 50
CALLS_PER_RUN = 4


@dataclass(slots=True)
class PaymentRefresh:
    """One run for one account: orders checked, of which COD, and those Amazon did not
    return; ``error`` when the channel refused (nothing was marked checked then)."""

    checked: int = 0
    cod: int = 0
    missing: int = 0
    error: str = ""


def unchecked_report_orders(account):
    """The account's orders imported without a payment method and not yet read by id."""
    return Order.objects.filter(account=account, payment_known=False)


def order_payments_refresh(*, account, calls: int = CALLS_PER_RUN) -> PaymentRefresh:
    """Read the payment method of up to ``calls`` × 50 report-imported orders of ``account``
    (newest first) and store it. Returns a ``PaymentRefresh``; a ``ConnectorError`` is
    recorded in it (the orders stay unchecked and the next run tries again)."""
    outcome = PaymentRefresh()
    pending = list(
        unchecked_report_orders(account)
        .order_by("-placed_at", "-pk")
        .values_list("pk", "external_id", "placed_at")[: ORDERS_PER_CALL * calls]
    )
    if not pending:
        return outcome
    connector = build_connector(account)
    try:
        found = connector.payment_methods(
            [external_id for _, external_id, _ in pending],
            created_after=min(placed for *_, placed in pending) - timedelta(days=1),
        )
    except ConnectorError as exc:
        logger.warning("payment methods of account %s: %s", account.pk, exc)
        outcome.error = str(exc)[:500]
        return outcome
    with transaction.atomic():
        orders = {
            o.external_id: o
            for o in Order.objects.select_for_update().filter(pk__in=[pk for pk, *_ in pending])
        }
        for external_id, order in orders.items():
            method, v0 = found.get(external_id, (None, None))
            order.raw = {**order.raw, "order": v0}
            order.payment_known = True
            if method is None:
                outcome.missing += 1
            else:
                order.payment_method = method
                outcome.cod += method == PaymentMethod.COD
            outcome.checked += 1
        Order.objects.bulk_update(list(orders.values()), ["raw", "payment_method", "payment_known"])
    return outcome


def order_payments_refresh_all(*, calls: int = CALLS_PER_RUN) -> dict[int, PaymentRefresh]:
    """``order_payments_refresh`` for every connected account whose connector reads payment
    methods by id (``Capability.PAYMENT_LOOKUP``: Amazon) and that has report-imported orders
    left to check."""
    outcomes: dict[int, PaymentRefresh] = {}
    for account in ChannelAccount.objects.filter(status=AccountStatus.CONNECTED):
        if not has_capability(account.provider, Capability.PAYMENT_LOOKUP):
            continue
        if unchecked_report_orders(account).exists():
            outcomes[account.pk] = order_payments_refresh(account=account, calls=calls)
    return outcomes
