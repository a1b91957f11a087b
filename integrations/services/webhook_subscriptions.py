"""Webhook registration for any provider whose connector declares ``Capability.WEBHOOKS``:
subscribe the account to the provider's topics at Sangam's inbox and mirror the
subscriptions locally (``WebhookSubscription``)."""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from integrations.connectors.base import Capability
from integrations.http import ConnectorError
from integrations.models import ChannelAccount, WebhookSubscription
from integrations.registry import get_connector_class, webhook_segment
from integrations.services.accounts import build_connector


def receives_webhooks(provider: str) -> bool:
    """True when the provider's connector has webhooks (an inbox and registration)."""
    return Capability.WEBHOOKS in get_connector_class(provider).capabilities


def webhook_callback_url(provider: str) -> str:
    """``{PUBLIC_BASE_URL}/api/webhooks/<provider>``: the inbox the provider delivers to
    (``<provider>`` is the connector's ``webhook_url_slug`` when it has one)."""
    path = reverse("webhook-receive", kwargs={"provider": webhook_segment(provider)})
    return f"{settings.PUBLIC_BASE_URL}{path}"


def webhook_push_url(*, account: ChannelAccount) -> str:
    """The full inbox URL of an account whose provider authenticates pushes by a secret token
    in the path (Delhivery, Shiprocket: neither signs its pushes): ``webhook_callback_url`` +
    ``/<push token>``, the token issued on first use. It is a secret: shown to staff to hand
    to the courier (Delhivery's webhook form; Shiprocket's panel, with the same token as its
    ``x-api-key``), never listed. Raises ``ConnectorError`` for another provider."""
    cls = get_connector_class(account.provider)
    if not cls.webhook_path_token:
        raise ConnectorError(
            f"{account.get_provider_display()} pushes are signed, not sent to a token URL."
        )
    token = build_connector(account).push_token()
    return f"{webhook_callback_url(account.provider)}/{token}"


def account_register_webhooks(*, account: ChannelAccount) -> list[WebhookSubscription]:
    """Subscribe the account to its connector's topics at ``webhook_callback_url`` and mirror
    the subscriptions locally; returns the account's subscriptions. Raises ``ConnectorError``
    (also when the provider has no webhooks)."""
    if not receives_webhooks(account.provider):
        raise ConnectorError(f"{account.get_provider_display()} has no webhook registration.")
    connector = build_connector(account)
    registrations = connector.register_webhooks(callback_url=webhook_callback_url(account.provider))
    now = timezone.now()
    rows = [
        WebhookSubscription(
            account=account,
            topic=r.topic,
            remote_id=r.remote_id,
            callback_url=r.callback_url,
            api_version=r.api_version,
            updated_at=now,
        )
        for r in registrations
    ]
    WebhookSubscription.objects.bulk_create(
        rows,
        update_conflicts=True,
        unique_fields=["account", "topic"],
        update_fields=["remote_id", "callback_url", "api_version", "updated_at"],
    )
    return list(WebhookSubscription.objects.filter(account=account))
