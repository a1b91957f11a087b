"""Output serializers for integrations. Credentials are never serialized."""

from __future__ import annotations

from rest_framework import serializers

from integrations.models import ChannelAccount, SyncRun, WebhookSubscription


class SyncRunSerializer(serializers.ModelSerializer):
    processed = serializers.IntegerField(read_only=True)
    progress_percent = serializers.IntegerField(read_only=True, allow_null=True)

    class Meta:
        model = SyncRun
        fields = [
            "id",
            "account",
            "stream",
            "status",
            "created",
            "updated",
            "skipped",
            "failed",
            "processed",
            "total_estimate",
            "progress_percent",
            "pages",
            "cursor_before",
            "cursor_after",
            "error",
            "queued_at",
            "started_at",
            "finished_at",
        ]


class ChannelAccountSerializer(serializers.ModelSerializer):
    uses_sandbox = serializers.SerializerMethodField()

    class Meta:
        model = ChannelAccount
        fields = [
            "id",
            "provider",
            "display_name",
            "external_id",
            "status",
            "scopes",
            "token_expires_at",
            "last_synced_at",
            "last_error",
            "uses_sandbox",
            "created_at",
        ]

    def get_uses_sandbox(self, obj: ChannelAccount) -> bool:
        return "/sandbox/" in (obj.api_base_url or "")


class WebhookSubscriptionSerializer(serializers.ModelSerializer):
    account_external_id = serializers.CharField(source="account.external_id", read_only=True)
    provider = serializers.CharField(source="account.provider", read_only=True)

    class Meta:
        model = WebhookSubscription
        fields = [
            "id",
            "account",
            "provider",
            "account_external_id",
            "topic",
            "remote_id",
            "callback_url",
            "api_version",
            "created_at",
            "updated_at",
        ]
