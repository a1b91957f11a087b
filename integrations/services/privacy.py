"""Privacy-law requests a provider relays by webhook (Shopify's mandatory compliance topics,
shopify.dev "Privacy law compliance"), for any provider whose ``parse_webhook`` returns
``CustomerDataRequest``, ``CustomerRedaction`` or ``AccountRedaction``.

They act on the accounts the delivery was attributed to only (those whose keys verified it),
whatever their status. The account key is the verified one (``event.shop_domain``); a body
naming another was rejected on receipt. Another merchant's account of the same key, and its
stored webhooks, are never touched. Each request is recorded as a ``ComplianceRequest``.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from django.db.models import Q
from django.utils.module_loading import import_string

from integrations.events import AccountRedaction, CustomerDataRequest, CustomerRedaction
from integrations.models import ChannelAccount, ComplianceRequest, WebhookEvent
from integrations.registry import get_connector_class


def privacy_request(
    *, event: WebhookEvent, requests: Sequence[Any], accounts: list[ChannelAccount]
) -> None:
    """Carry out each privacy request of ``requests`` for ``accounts`` and record it."""
    for request in requests:
        record = ComplianceRequest(
            account=accounts[0] if accounts else None,
            provider=event.provider,
            shop_domain=event.shop_domain,
            topic=event.topic,
            customer_id=getattr(request, "customer_id", ""),
        )
        if isinstance(request, CustomerDataRequest):
            record.order_ids = list(request.order_ids)
            record.outcome = (
                f"Recorded data request {request.request_id}; {len(record.order_ids)} orders named."
            )
        elif isinstance(request, CustomerRedaction):
            _redact_customer(event, request, accounts, record)
        elif isinstance(request, AccountRedaction):
            _redact_accounts(event, accounts, record)
        else:
            continue
        record.save()


def _redact_customer(
    event: WebhookEvent,
    request: CustomerRedaction,
    accounts: list[ChannelAccount],
    record: ComplianceRequest,
) -> None:
    order_ids = list(request.order_ids)
    record.order_ids = order_ids
    redact = import_string("orders.services.order_redact_customer")
    redacted = sum(
        redact(account=a, customer_external_id=request.customer_id, order_external_ids=order_ids)
        for a in accounts
    )
    scrubbed = _scrub_webhook_bodies(event, accounts, request.customer_id, order_ids)
    record.outcome = f"Redacted {redacted} orders and {scrubbed} stored webhook bodies."
    event.body = json.dumps({"shop_domain": event.shop_domain, "redacted": True})
    event.save(update_fields=["body"])


def _redact_accounts(
    event: WebhookEvent, accounts: list[ChannelAccount], record: ComplianceRequest
) -> None:
    """Shopify sends shop/redact 48 h after the app was uninstalled: erase the accounts
    installed through the app that signed it. Any other account of the key (another
    merchant's, or a custom app's) is not this delivery's to erase, whatever its status."""
    scrubbed = (
        WebhookEvent.objects.filter(account__in=accounts)
        .exclude(pk=event.pk)
        .update(body=json.dumps({"redacted": True}), headers={})
    )
    doomed = [a.pk for a in accounts]
    # One queryset delete (cascades to orders, listings, levels, sync runs, subscriptions);
    # the event's own ``account`` instance keeps its pk, so the event row still saves.
    ChannelAccount.objects.filter(pk__in=doomed).delete()
    kept = ChannelAccount.objects.filter(
        provider=event.provider, external_id=event.shop_domain
    ).count()
    record.account = None
    record.outcome = (
        f"Deleted {len(accounts)} accounts and their data; scrubbed {scrubbed} events; "
        f"kept {kept} account(s) of the shop this delivery was not signed for."
    )


def _scrub_webhook_bodies(
    event: WebhookEvent, accounts: list[ChannelAccount], customer_id: str, order_ids: list[str]
) -> int:
    """Replace the stored webhook bodies carrying personal data (the provider's
    ``personal_data_topic_prefixes``: Shopify's order topics) of ``accounts`` that name one of
    ``order_ids`` or the customer; returns how many were scrubbed."""
    patterns = Q()
    for order_id in order_ids:
        patterns |= Q(body__contains=f'"id": {order_id},') | Q(body__contains=f'"id":{order_id},')
    if customer_id:
        patterns |= Q(body__contains=f'"id": {customer_id},') | Q(
            body__contains=f'"id":{customer_id},'
        )
    order_topics = Q(pk__in=[])
    for prefix in get_connector_class(event.provider).personal_data_topic_prefixes:
        order_topics |= Q(topic__startswith=prefix)
    if not patterns:
        return 0
    return (
        WebhookEvent.objects.filter(account__in=accounts)
        .filter(order_topics)
        .filter(patterns)
        .exclude(pk=event.pk)
        .update(body=json.dumps({"redacted": True}))
    )
