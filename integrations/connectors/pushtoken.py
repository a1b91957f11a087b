"""Couriers that sign nothing (Delhivery's scan push, Shiprocket's tracking webhook): each
account gets a secret token Sangam issues, in its inbox URL (``/api/webhooks/<provider>/
<token>``, ``webhook_path_token``). The mixin wires a connector's own webhooks module (its
``delivery``, ``verify``, ``parse``, ``new_push_token`` and ``PUSH_TOKEN_FIELD``) into the
connector protocol's webhook methods, so the courier packages keep only what differs."""

from __future__ import annotations

from collections.abc import Mapping
from types import ModuleType
from typing import Any, ClassVar

from integrations.events import WebhookDelivery


class PushTokenWebhooks:
    """Mixed into a ``Connector`` before it: ``push_webhooks`` is the provider's webhooks
    module."""

    push_webhooks: ClassVar[ModuleType]
    webhook_path_token: ClassVar[bool] = True

    @classmethod
    def webhook_delivery(
        cls, headers: Mapping[str, str], body: bytes, *, path_token: str = ""
    ) -> WebhookDelivery:
        return cls.push_webhooks.delivery(headers, body, path_token=path_token)

    @classmethod
    def verify_webhook(cls, delivery: WebhookDelivery, body: bytes, secret: str) -> bool:
        return cls.push_webhooks.verify(delivery, secret)

    @classmethod
    def parse_webhook(cls, topic: str, body: dict[str, Any]) -> tuple[Any, ...]:
        return cls.push_webhooks.parse(topic, body)

    def push_token(self) -> str:
        """The account's push token, issued (and saved, encrypted) on first use."""
        field = self.push_webhooks.PUSH_TOKEN_FIELD
        token = str(self.account.credentials.get(field) or "")  # type: ignore[attr-defined]
        if not token:
            token = self.push_webhooks.new_push_token(self.account.external_id)  # type: ignore[attr-defined]
            self.save_credentials({field: token})  # type: ignore[attr-defined]
        return token
