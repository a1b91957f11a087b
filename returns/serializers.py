"""Shapes of the returns API (``orders.api``): returns with their items, the list's filters
and the receive (QC) request. Quantities are units."""

from __future__ import annotations

from rest_framework import serializers

from accounts.params import IdParam, TextParam
from integrations.dto import ReturnKind, ReturnStatus
from orders.models import Return, ReturnDisposition, ReturnItem


class ReturnItemOutput(serializers.ModelSerializer):
    received_quantity = serializers.SerializerMethodField()

    class Meta:
        model = ReturnItem
        fields = [
            "id",
            "sku",
            "order_item_external_id",
            "quantity",
            "received_quantity",
            "restocked_quantity",
            "written_off_quantity",
        ]

    def get_received_quantity(self, obj: ReturnItem) -> int:
        return obj.restocked_quantity + obj.written_off_quantity


class ReturnDispositionOutput(serializers.ModelSerializer):
    """What the channel did with returned units (Shopify: restocked at ``location_id``, not
    restocked, missing, processing required); ``seen_at`` when Sangam first read it (Shopify
    gives no time), ``received_quantity`` the units Sangam booked from it as a receipt."""

    class Meta:
        model = ReturnDisposition
        fields = [
            "external_id",
            "order_item_external_id",
            "sku",
            "quantity",
            "disposition",
            "location_id",
            "seen_at",
            "received_quantity",
        ]


class ReturnOutput(serializers.ModelSerializer):
    """A customer return or RTO; ``order`` is the Sangam order id (null until the order is
    imported), ``order_external_id`` the channel's."""

    order_number = serializers.CharField(source="order.order_number", allow_null=True, default=None)
    items = ReturnItemOutput(many=True, read_only=True)
    dispositions = ReturnDispositionOutput(many=True, read_only=True)

    class Meta:
        model = Return
        fields = [
            "id",
            "account",
            "channel",
            "external_id",
            "order",
            "order_external_id",
            "order_number",
            "kind",
            "status",
            "reason",
            "sub_reason",
            "tracking_id",
            "requested_at",
            "received_at",
            "channel_synced_status",
            "channel_sync_error",
            "items",
            "dispositions",
        ]


class ReturnFilters(serializers.Serializer):
    status = serializers.ChoiceField(choices=ReturnStatus.CHOICES, required=False)
    channel = TextParam(required=False)
    kind = serializers.ChoiceField(choices=ReturnKind.CHOICES, required=False)
    account = IdParam(required=False)


class ReceiveLineInput(serializers.Serializer):
    id = serializers.IntegerField(help_text="ReturnItem id.")
    restocked = serializers.IntegerField(
        min_value=0, default=0, help_text="Units that passed QC: back into stock."
    )
    written_off = serializers.IntegerField(
        min_value=0, default=0, help_text="Units that failed QC: written off."
    )


class ReceiveInput(serializers.Serializer):
    items = ReceiveLineInput(many=True, allow_empty=False)
    note = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")

    def validate_items(self, value: list[dict]) -> list[dict]:
        ids = [line["id"] for line in value]
        if len(ids) != len(set(ids)):
            raise serializers.ValidationError("Each item may appear once.")
        return value

    def lines(self) -> dict[int, tuple[int, int]]:
        """``return_receive`` lines: item id → (restocked, written off)."""
        return {
            line["id"]: (line["restocked"], line["written_off"])
            for line in self.validated_data["items"]
        }
