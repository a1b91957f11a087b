"""Template tags of the stock pages: the per-account stock controls on the connector hub."""

from __future__ import annotations

from django import template

from integrations.connectors.base import Capability
from integrations.registry import CONNECTORS
from inventory.selectors import unmatched_counts

register = template.Library()


@register.inclusion_tag("inventory/_stock_controls.html", takes_context=True)
def stock_controls(context, account) -> dict:
    """The "Sangam manages stock" switch, "Find listings", "Check drift" and the unmatched
    listings count of one hub account (nothing for connectors without inventory push). The
    counts of the merchant's accounts are read once per page (one query)."""
    connector = CONNECTORS.get(account.provider)
    capabilities = connector.capabilities if connector else frozenset()
    key = "inventory_stock_unmatched_counts"
    if key not in context.render_context:
        context.render_context[key] = unmatched_counts(merchant=account.merchant_id)
    return {
        "account": account,
        "can_push": Capability.INVENTORY_PUSH in capabilities,
        "can_discover": Capability.LISTINGS in capabilities,
        "unmatched": context.render_context[key].get(account.pk, 0),
        "can_manage": context.get("can_manage", False),
        "csrf_token": context.get("csrf_token"),
        "request": context.get("request"),
    }
