"""``GET /api/multi-channel/orders`` and ``GET /api/multi-channel/orders/{id}``."""

from __future__ import annotations

from django.http import Http404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.generics import ListAPIView, RetrieveAPIView

from accounts.params import DayParam, IdParam, TextParam
from integrations.dto import OrderStatus, PaymentMethod, ReturnKind
from orders.models import Order, OrderItem, OrderStatusEvent
from orders.selectors import order_detail, order_list


class OrderItemOutput(serializers.ModelSerializer):
    class Meta:
        model = OrderItem
        fields = [
            "id",
            "external_id",
            "sku",
            "variant",
            "title",
            "quantity",
            "unit_price",
            "discount",
            "tax",
        ]


class StatusEventOutput(serializers.ModelSerializer):
    class Meta:
        model = OrderStatusEvent
        fields = ["status", "previous_status", "source", "occurred_at"]


class OrderListOutput(serializers.ModelSerializer):
    item_count = serializers.IntegerField(read_only=True)
    return_kind = serializers.ChoiceField(
        choices=ReturnKind.CHOICES,
        read_only=True,
        allow_null=True,
        help_text="Its first return's kind: rto (the courier brought it back undelivered) or "
        "customer_return; null without a return.",
    )
    backorder = serializers.BooleanField(
        source="unfulfillable",
        read_only=True,
        help_text="Open, but its lines could not be reserved: it waits for stock.",
    )

    class Meta:
        model = Order
        fields = [
            "id",
            "channel",
            "account",
            "external_id",
            "order_number",
            "placed_at",
            "source_updated_at",
            "status",
            "payment_method",
            "currency",
            "subtotal",
            "discount_total",
            "shipping_total",
            "tax_total",
            "total",
            "customer_name",
            "ship_city",
            "ship_state",
            "ship_pincode",
            "return_kind",
            "backorder",
            "backordered_at",
            "backorder_filled_at",
            "item_count",
        ]


class OrderDetailOutput(OrderListOutput):
    items = OrderItemOutput(many=True, read_only=True)
    status_events = StatusEventOutput(many=True, read_only=True)

    class Meta(OrderListOutput.Meta):
        fields = [f for f in OrderListOutput.Meta.fields if f != "item_count"] + [
            "financial_status",
            "fulfillment_status",
            "cancelled_at",
            "payment_gateway",
            "customer_email",
            "customer_phone",
            "ship_name",
            "ship_state_code",
            "ship_country",
            "tags",
            "is_test",
            "items",
            "status_events",
            "raw",
        ]


class OrderFilters(serializers.Serializer):
    channel = TextParam(required=False)
    account = IdParam(required=False)
    status = serializers.ChoiceField(choices=OrderStatus.CHOICES, required=False)
    payment_method = serializers.ChoiceField(choices=PaymentMethod.CHOICES, required=False)
    date_from = DayParam(required=False, help_text="IST day, inclusive.")
    date_to = DayParam(required=False, help_text="IST day, inclusive.")
    sku = TextParam(required=False)
    q = TextParam(required=False)
    backorder = serializers.BooleanField(
        required=False,
        allow_null=True,
        default=None,
        help_text="true: only orders waiting for stock; false: only the others.",
    )
    return_kind = serializers.ChoiceField(
        choices=ReturnKind.CHOICES, required=False, help_text="Only orders with such a return."
    )


@extend_schema(parameters=[OrderFilters])
class OrderListView(ListAPIView):
    """Orders across channels, newest first; filters: channel, account, status, payment_method,
    date_from/date_to (IST dates), sku, q, backorder; ``?page=N`` pagination (50 per page)."""

    serializer_class = OrderListOutput
    filter_backends = ()

    def get_queryset(self):
        filters = OrderFilters(data=self.request.query_params)
        filters.is_valid(raise_exception=True)
        return order_list(merchant=self.request.merchant, filters=filters.validated_data)


@extend_schema(parameters=[OpenApiParameter("order_id", int, OpenApiParameter.PATH)])
class OrderDetailView(RetrieveAPIView):
    """One order with items, status history and the raw channel payload."""

    serializer_class = OrderDetailOutput

    def get_object(self):
        try:
            return order_detail(merchant=self.request.merchant, order_id=self.kwargs["order_id"])
        except Order.DoesNotExist:
            raise Http404("No such order.") from None
