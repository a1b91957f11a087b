"""The webhook inbox, subscriptions and compliance requests (read-only)."""

from __future__ import annotations

import json
import logging
from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.html import format_html

from accounts.admin_base import ReadOnlyAdmin
from integrations.admin.common import HIDDEN_HEADER_WORDS, pretty_json, run_per_object
from integrations.models import (
    ComplianceRequest,
    WebhookEvent,
    WebhookSubscription,
)
from integrations.services.webhooks import webhook_reprocess

logger = logging.getLogger(__name__)


def safe_headers(headers: dict[str, Any]) -> dict[str, Any]:
    return {
        k: v
        for k, v in (headers or {}).items()
        if not any(word in k.lower() for word in HIDDEN_HEADER_WORDS)
    }


@admin.register(WebhookEvent)
class WebhookEventAdmin(ReadOnlyAdmin):
    list_display = [
        "pk",
        "provider",
        "topic",
        "shop_domain",
        "status",
        "attempts",
        "received_at",
        "processed_at",
        "short_error",
    ]
    list_filter = ["status", "provider", "topic"]
    search_fields = ["shop_domain", "topic", "dedup_key", "delivery_id", "event_id"]
    list_select_related = ["account"]
    date_hierarchy = "received_at"
    readonly_fields = ["headers_json", "body_pretty"]
    exclude = ["headers", "body"]
    actions = ["reprocess"]

    @admin.display(description="Error")
    def short_error(self, obj: WebhookEvent) -> str:
        return obj.error[:100]

    @admin.display(description="Headers")
    def headers_json(self, obj: WebhookEvent):
        return pretty_json(safe_headers(obj.headers))

    @admin.display(description="Body")
    def body_pretty(self, obj: WebhookEvent):
        try:
            return pretty_json(json.loads(obj.body))
        except (TypeError, ValueError):
            return format_html('<pre style="white-space: pre-wrap">{}</pre>', obj.body)

    @admin.action(description="Reprocess")
    def reprocess(self, request: HttpRequest, queryset: QuerySet[WebhookEvent]) -> None:
        def again(event: WebhookEvent) -> str:
            result = webhook_reprocess(event=event)
            if result.error:
                return f"status {result.status}: {result.error}"
            return f"status {result.status}."

        run_per_object(self, request, queryset, again)


@admin.register(WebhookSubscription)
class WebhookSubscriptionAdmin(ReadOnlyAdmin):
    list_display = ["account", "topic", "remote_id", "callback_url", "api_version", "updated_at"]
    list_filter = ["topic", "api_version"]
    search_fields = ["account__external_id", "topic", "remote_id"]
    list_select_related = ["account"]


@admin.register(ComplianceRequest)
class ComplianceRequestAdmin(ReadOnlyAdmin):
    list_display = ["topic", "shop_domain", "customer_id", "created_at"]
    list_filter = ["topic", "provider"]
    search_fields = ["shop_domain", "customer_id"]
    list_select_related = ["account"]
