"""Sync runs and quarantined records (read-only; reprocess action)."""

from __future__ import annotations

import logging

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from accounts.admin_base import ReadOnlyAdmin, ReadOnlyInline
from integrations.admin.common import pretty_json, run_per_object
from integrations.http import ConnectorError
from integrations.models import (
    SyncLog,
    SyncRun,
)
from integrations.services.sync import sync_log_reprocess

logger = logging.getLogger(__name__)


class SyncLogInline(ReadOnlyInline):
    model = SyncLog
    fields = ["external_id", "status", "error", "created_at"]
    readonly_fields = fields


@admin.register(SyncRun)
class SyncRunAdmin(ReadOnlyAdmin):
    list_display = [
        "pk",
        "account",
        "stream",
        "status",
        "created",
        "updated",
        "skipped",
        "failed",
        "progress",
        "queued_at",
        "started_at",
        "finished_at",
    ]
    list_filter = ["status", "stream", "account__provider", "account__merchant"]
    search_fields = ["account__external_id", "account__display_name", "error"]
    list_select_related = ["account"]
    date_hierarchy = "queued_at"
    inlines = [SyncLogInline]
    readonly_fields = ["checkpoint_json"]
    exclude = ["checkpoint"]

    @admin.display(description="Progress")
    def progress(self, obj: SyncRun) -> str:
        total = f" of {obj.total_estimate}" if obj.total_estimate else ""
        percent = f" ({obj.progress_percent}%)" if obj.progress_percent is not None else ""
        return f"{obj.processed}{total}{percent}"

    @admin.display(description="Checkpoint")
    def checkpoint_json(self, obj: SyncRun):
        return pretty_json(obj.checkpoint)


@admin.register(SyncLog)
class SyncLogAdmin(ReadOnlyAdmin):
    list_display = ["pk", "account", "stream", "external_id", "status", "short_error", "created_at"]
    list_filter = ["status", "stream", "account__provider"]
    search_fields = ["external_id", "error", "account__external_id"]
    list_select_related = ["account"]
    readonly_fields = ["payload_json"]
    exclude = ["payload"]
    actions = ["reprocess"]

    @admin.display(description="Error")
    def short_error(self, obj: SyncLog) -> str:
        return obj.error[:100]

    @admin.display(description="Payload")
    def payload_json(self, obj: SyncLog):
        return pretty_json(obj.payload)

    @admin.action(description="Reprocess")
    def reprocess(self, request: HttpRequest, queryset: QuerySet[SyncLog]) -> None:
        def again(log: SyncLog) -> str:
            if not sync_log_reprocess(log=log):
                raise ConnectorError(f"still failing: {log.error}")
            return "reprocessed."

        run_per_object(self, request, queryset.select_related("account"), again)


# --- webhooks ---------------------------------------------------------------------------------
