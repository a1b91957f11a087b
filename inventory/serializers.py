"""Input and output shapes of the inventory API (``inventory.api``). Quantities are units;
times ISO-8601 (UTC offset as stored, shown in IST by the dashboard)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts.params import DayParam, IdParam, TextParam
from inventory.models import (
    ChannelListing,
    DriftEvent,
    MovementKind,
    StockLevel,
    StockMovement,
    StockPush,
    Variant,
)
from inventory.selectors import variant_listing_states


class ChannelStateOutput(serializers.Serializer):
    """One listing of a SKU on one channel account and its push state."""

    listing_id = serializers.IntegerField(source="listing.pk")
    account_id = serializers.IntegerField(source="listing.account_id")
    provider = serializers.CharField(source="listing.account.provider")
    manages_stock = serializers.BooleanField(source="listing.account.manages_stock")
    channel_sku = serializers.CharField(source="listing.channel_sku")
    available_to_sell = serializers.IntegerField(
        help_text="On hand − reserved − buffer in the default warehouse, never below 0."
    )
    buffer = serializers.IntegerField(source="listing.buffer_stock")
    last_pushed_quantity = serializers.IntegerField(
        source="listing.last_pushed_quantity", allow_null=True
    )
    last_pushed_at = serializers.DateTimeField(source="listing.last_pushed_at", allow_null=True)
    last_push_status = serializers.CharField(
        source="listing.last_push_status", help_text="ok, warning, failed, skipped or blank."
    )
    push_pending = serializers.BooleanField(source="listing.push_pending")


class ListingStateOutput(ChannelStateOutput):
    """A listing in detail: channel handles, match, and the last push's message."""

    matched_by = serializers.CharField(source="listing.matched_by")
    title = serializers.CharField(source="listing.title")
    barcode = serializers.CharField(source="listing.barcode")
    external_product_id = serializers.CharField(source="listing.external_product_id")
    external_variant_id = serializers.CharField(source="listing.external_variant_id")
    external_inventory_item_id = serializers.CharField(source="listing.external_inventory_item_id")
    external_location_id = serializers.CharField(source="listing.external_location_id")
    channel_quantity = serializers.IntegerField(source="listing.channel_quantity", allow_null=True)
    last_push_message = serializers.CharField(source="listing.last_push_message")
    push_attempts = serializers.IntegerField(source="listing.push_attempts")
    next_push_at = serializers.DateTimeField(source="listing.next_push_at", allow_null=True)


class SkuOutput(serializers.ModelSerializer):
    """A SKU's pool in the default warehouse and its channel listings."""

    title = serializers.CharField(source="product.title")
    variant_title = serializers.CharField(source="title")
    on_hand = serializers.IntegerField()
    reserved = serializers.IntegerField()
    available = serializers.SerializerMethodField()
    channels = serializers.SerializerMethodField()

    class Meta:
        model = Variant
        fields = ["sku", "title", "variant_title", "on_hand", "reserved", "available", "channels"]

    def get_available(self, obj: Variant) -> int:
        return max(0, obj.on_hand - obj.reserved)

    @extend_schema_field(ChannelStateOutput(many=True))
    def get_channels(self, obj: Variant) -> list[dict]:
        return ChannelStateOutput(variant_listing_states(obj), many=True).data


class LevelOutput(serializers.ModelSerializer):
    warehouse = serializers.CharField(source="warehouse.code")
    warehouse_name = serializers.CharField(source="warehouse.name")
    is_default = serializers.BooleanField(source="warehouse.is_default")
    available = serializers.IntegerField()

    class Meta:
        model = StockLevel
        fields = [
            "warehouse",
            "warehouse_name",
            "is_default",
            "on_hand",
            "reserved",
            "available",
            "updated_at",
        ]


class PushOutput(serializers.ModelSerializer):
    listing_id = serializers.IntegerField(source="listing.pk")
    account_id = serializers.IntegerField(source="listing.account_id")
    channel_sku = serializers.CharField(source="listing.channel_sku")

    class Meta:
        model = StockPush
        fields = [
            "id",
            "listing_id",
            "account_id",
            "channel_sku",
            "quantity",
            "status",
            "message",
            "reason",
            "submission_id",
            "created_at",
        ]


class SkuDetailOutput(SkuOutput):
    """``SkuOutput`` plus barcode, levels per warehouse, listings in detail and the newest
    pushes (``recent_pushes``, up to 50)."""

    levels = LevelOutput(source="stock_levels", many=True)
    listings = serializers.SerializerMethodField()
    recent_pushes = serializers.SerializerMethodField()

    class Meta(SkuOutput.Meta):
        fields = [*SkuOutput.Meta.fields, "barcode", "levels", "listings", "recent_pushes"]

    @extend_schema_field(ListingStateOutput(many=True))
    def get_listings(self, obj: Variant) -> list[dict]:
        return ListingStateOutput(variant_listing_states(obj), many=True).data

    @extend_schema_field(PushOutput(many=True))
    def get_recent_pushes(self, obj: Variant) -> list[dict]:
        return PushOutput(self.context.get("pushes", []), many=True).data


class MovementOutput(serializers.ModelSerializer):
    sku = serializers.CharField(source="variant.sku")
    warehouse = serializers.CharField(source="warehouse.code")
    created_by = serializers.CharField(
        source="created_by.get_username", allow_null=True, default=None
    )

    class Meta:
        model = StockMovement
        fields = [
            "id",
            "sku",
            "warehouse",
            "kind",
            "on_hand_delta",
            "reserved_delta",
            "source",
            "reference",
            "note",
            "created_by",
            "created_at",
        ]


class AdjustmentInput(serializers.Serializer):
    """Exactly one of ``on_hand`` (the counted units, ≥ 0) and ``delta`` (± units)."""

    sku = serializers.CharField(max_length=255)
    on_hand = serializers.IntegerField(required=False, allow_null=True)
    delta = serializers.IntegerField(required=False, allow_null=True)
    kind = serializers.ChoiceField(
        choices=[MovementKind.ADJUST, MovementKind.RECEIPT], default=MovementKind.ADJUST
    )
    note = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")

    def __init__(self, *args, merchant=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.merchant = merchant

    def validate_sku(self, value: str) -> Variant:
        variant = Variant.objects.for_merchant(self.merchant).filter(sku=value).first()
        if variant is None:
            raise serializers.ValidationError(f"Unknown SKU '{value}'.")
        return variant

    def validate_on_hand(self, value: int | None) -> int | None:
        if value is not None and value < 0:
            raise serializers.ValidationError("A counted quantity cannot be negative.")
        return value

    def validate(self, attrs: dict) -> dict:
        if (attrs.get("on_hand") is None) == (attrs.get("delta") is None):
            raise serializers.ValidationError(
                "Give exactly one of 'on_hand' (the counted units) and 'delta' (± units)."
            )
        return attrs


class LevelSummary(serializers.Serializer):
    on_hand = serializers.IntegerField()
    reserved = serializers.IntegerField()
    available = serializers.IntegerField()


class AdjustmentOutput(serializers.Serializer):
    """The movement written (``id`` null and deltas 0 when the count matched and nothing
    changed) and the SKU's default-warehouse level afterwards."""

    id = serializers.IntegerField(allow_null=True)
    sku = serializers.CharField()
    warehouse = serializers.CharField()
    kind = serializers.CharField()
    on_hand_delta = serializers.IntegerField()
    reserved_delta = serializers.IntegerField()
    source = serializers.CharField()
    reference = serializers.CharField()
    note = serializers.CharField()
    created_by = serializers.CharField(allow_null=True)
    created_at = serializers.DateTimeField(allow_null=True)
    level = LevelSummary()


class ListingOutput(serializers.ModelSerializer):
    account_id = serializers.IntegerField(source="account.pk")
    provider = serializers.CharField(source="account.provider")
    sku = serializers.CharField(source="variant.sku", allow_null=True, default=None)

    class Meta:
        model = ChannelListing
        fields = [
            "id",
            "account_id",
            "provider",
            "sku",
            "matched_by",
            "channel_sku",
            "title",
            "barcode",
            "external_product_id",
            "external_variant_id",
            "external_inventory_item_id",
            "external_location_id",
            "held_elsewhere",
            "buffer_stock",
            "push_pending",
            "last_pushed_quantity",
            "last_pushed_at",
            "last_push_status",
            "last_push_message",
            "channel_quantity",
        ]


class ListingMapInput(serializers.Serializer):
    """``sku`` of the merchant's catalog, or null to unmap."""

    sku = serializers.CharField(max_length=255, allow_null=True)

    def __init__(self, *args, merchant=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.merchant = merchant

    def validate_sku(self, value: str | None) -> Variant | None:
        if value is None:
            return None
        variant = Variant.objects.for_merchant(self.merchant).filter(sku=value).first()
        if variant is None:
            raise serializers.ValidationError(f"Unknown SKU '{value}'.")
        return variant


class DriftOutput(serializers.ModelSerializer):
    account_id = serializers.IntegerField(source="account.pk")
    provider = serializers.CharField(source="account.provider")
    listing_id = serializers.IntegerField(source="listing.pk")
    variant_sku = serializers.CharField(source="listing.variant.sku", allow_null=True, default=None)

    class Meta:
        model = DriftEvent
        fields = [
            "id",
            "account_id",
            "provider",
            "listing_id",
            "sku",
            "variant_sku",
            "expected",
            "found",
            "available_to_sell",
            "corrected",
            "message",
            "detected_at",
        ]


class SkuFilters(serializers.Serializer):
    q = TextParam(required=False, help_text="SKU, variant or product title contains")
    low_stock = serializers.BooleanField(
        required=False, default=False, help_text="Only SKUs with available ≤ 5."
    )


class ListingFilters(serializers.Serializer):
    unmatched = serializers.BooleanField(
        required=False, allow_null=True, default=None, help_text="true: no SKU mapped yet."
    )
    account = IdParam(required=False)


class DriftFilters(serializers.Serializer):
    account = IdParam(required=False)
    date_from = DayParam(required=False, help_text="IST day, inclusive.")
    date_to = DayParam(required=False, help_text="IST day, inclusive.")
