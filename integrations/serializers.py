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


# --- response shapes of the API views built from dicts (the OpenAPI schema, checked by the
# fuzzing tests; the views assemble them from the serializers above) ----------------------------
class SyncLogOutput(serializers.Serializer):
    """A quarantined record of a run."""

    id = serializers.IntegerField()
    external_id = serializers.CharField()
    error = serializers.CharField()
    status = serializers.CharField()


class SyncRunDetailOutput(SyncRunSerializer):
    """One run with its first 200 quarantined records."""

    logs = SyncLogOutput(many=True)

    class Meta(SyncRunSerializer.Meta):
        fields = [*SyncRunSerializer.Meta.fields, "logs"]


class AccountWithRunsOutput(ChannelAccountSerializer):
    recentSyncRuns = SyncRunSerializer(many=True, help_text="The account's latest five runs.")  # noqa: N815 - the API's name

    class Meta(ChannelAccountSerializer.Meta):
        fields = [*ChannelAccountSerializer.Meta.fields, "recentSyncRuns"]


class ProviderStatusOutput(serializers.Serializer):
    provider = serializers.CharField()
    connected = serializers.BooleanField(help_text="Any of the merchant's accounts is connected.")
    accounts = AccountWithRunsOutput(many=True)


class ProviderSummaryOutput(serializers.Serializer):
    id = serializers.CharField()
    name = serializers.CharField()
    kind = serializers.CharField()
    connected = serializers.IntegerField(help_text="Accounts connected.")
    errors = serializers.IntegerField(help_text="Accounts in error.")
    accounts = ChannelAccountSerializer(many=True)


class ConnectedSummaryOutput(serializers.Serializer):
    merchant = serializers.CharField()
    connectedCount = serializers.IntegerField()  # noqa: N815 - the API's name
    providers = ProviderSummaryOutput(many=True)


class AccountSyncRunsOutput(serializers.Serializer):
    account = ChannelAccountSerializer()
    results = SyncRunSerializer(many=True)


class ChannelStockOutput(serializers.Serializer):
    available = serializers.IntegerField(allow_null=True)
    on_hand = serializers.IntegerField(allow_null=True)
    committed = serializers.IntegerField(allow_null=True)


class PoolStockOutput(serializers.Serializer):
    on_hand = serializers.IntegerField()
    reserved = serializers.IntegerField()
    available = serializers.IntegerField()


class InventoryLevelOutput(serializers.Serializer):
    sku = serializers.CharField()
    inventory_item_id = serializers.CharField()
    location_id = serializers.CharField()
    shopify = ChannelStockOutput()
    sangam = PoolStockOutput(allow_null=True)
    updated_at = serializers.DateTimeField(allow_null=True)


class ShopifyInventoryOutput(serializers.Serializer):
    account = serializers.IntegerField()
    refreshed = SyncRunSerializer(allow_null=True)
    levels = InventoryLevelOutput(many=True)


class WebhookSubscriptionsOutput(serializers.Serializer):
    subscriptions = WebhookSubscriptionSerializer(many=True)
