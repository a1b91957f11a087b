"""The shipments API: list, detail (with tracking events), booking, cancelling, the NDR queue
and RTO rates. Reads are merchant-scoped (another merchant's shipment is a 404); writes need
an owner or manager (``accounts.permissions.IsMerchantMember``: viewers get 403)."""

from __future__ import annotations

from django.conf import settings
from django.core.files.storage import default_storage
from django.http import Http404
from django.urls import reverse
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.generics import ListAPIView, RetrieveAPIView
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.params import DayParam, IdParam, TextParam
from integrations.dto import NdrAction, ShipmentStatus
from integrations.http import ConnectorError
from orders.models import Order
from shipments.models import BatchStatus, NdrActionRequest, Shipment, ShipmentBatch, TrackingEvent
from shipments.selectors import (
    RTO_GROUPS,
    batch_errors,
    courier_accounts,
    ndr_queue,
    rto_rates,
    shipment_batch,
    shipment_detail,
    shipment_list,
)
from shipments.services.batches import shipment_batch_create
from shipments.services.booking import shipments_book
from shipments.services.cancel import shipment_cancel
from shipments.services.labels import shipments_label
from shipments.services.ndr import NdrActionRefused, ndr_action_request, ndr_queue_rows


class TrackingEventOutput(serializers.ModelSerializer):
    class Meta:
        model = TrackingEvent
        fields = [
            "at",
            "status",
            "raw_status",
            "raw_type",
            "raw_code",
            "location",
            "remark",
            "ndr_reason",
            "source",
        ]


class ShipmentOutput(serializers.ModelSerializer):
    """A shipment; ``order`` is the Sangam order id, ``account`` the courier account id. Money
    in rupees (strings), weight in grams."""

    order_number = serializers.CharField(source="order.order_number", read_only=True)
    is_final = serializers.BooleanField(read_only=True)

    class Meta:
        model = Shipment
        fields = [
            "id",
            "order",
            "order_number",
            "account",
            "awb",
            "courier_name",
            "status",
            "status_at",
            "is_final",
            "ndr_reason",
            "attempts",
            "payment_method",
            "cod_amount",
            "weight_grams",
            "expected_delivery_at",
            "delivered_at",
            "rto_started_at",
            "freight",
            "cod_fee",
            "rto_freight",
            "charges_gst",
            "last_tracked_at",
            "created_at",
        ]


class ShipmentDetailOutput(ShipmentOutput):
    events = TrackingEventOutput(many=True, read_only=True)

    class Meta(ShipmentOutput.Meta):
        fields = [*ShipmentOutput.Meta.fields, "pickup_location", "events"]


class ShipmentFilters(serializers.Serializer):
    status = serializers.ChoiceField(choices=ShipmentStatus.CHOICES, required=False)
    account = IdParam(required=False, help_text="Courier account id.")
    ndr = serializers.BooleanField(
        required=False,
        allow_null=True,
        default=None,
        help_text="true: only shipments in NDR; false: only the others.",
    )
    date_from = DayParam(required=False, help_text="IST day of booking, inclusive.")
    date_to = DayParam(required=False, help_text="IST day of booking, inclusive.")
    q = TextParam(required=False, help_text="Part of the AWB or of the order number.")


class BookInput(serializers.Serializer):
    order_ids = serializers.ListField(child=IdParam(), allow_empty=False, max_length=500)
    account = IdParam(help_text="The courier account to book with.")


class RefusalOutput(serializers.Serializer):
    order_id = serializers.IntegerField()
    reason = serializers.CharField()


class BookOutput(serializers.Serializer):
    shipments = ShipmentOutput(many=True)
    refused = RefusalOutput(many=True)


class RtoRateOutput(serializers.Serializer):
    group = serializers.CharField(help_text="The state, pincode or payment method.")
    shipments = serializers.IntegerField(help_text="Delivered, RTO delivered or lost.")
    delivered = serializers.IntegerField()
    rto_delivered = serializers.IntegerField()
    rto_rate = serializers.DecimalField(
        max_digits=5, decimal_places=1, help_text="RTO delivered / shipments, percent."
    )
    from_channels = serializers.IntegerField(
        help_text="Of the outcomes, marketplace orders the channel shipped (its deliveries and "
        "the RTO returns it reported)."
    )


class RtoRatesOutput(serializers.Serializer):
    group_by = serializers.ChoiceField(choices=sorted(RTO_GROUPS))
    groups = RtoRateOutput(many=True)


class RtoRateFilters(serializers.Serializer):
    group_by = serializers.ChoiceField(choices=sorted(RTO_GROUPS), default="state")


def _shipment(request: Request, shipment_id: int) -> Shipment:
    try:
        return shipment_detail(merchant=request.merchant, shipment_id=shipment_id)
    except Shipment.DoesNotExist:
        raise Http404("No such shipment.") from None


@extend_schema(parameters=[ShipmentFilters])
class ShipmentListView(ListAPIView):
    """Shipments, newest first; filters: status, account (courier), ndr, date_from/date_to
    (IST days of booking), q (AWB or order number); ``?page=N`` (50 per page)."""

    serializer_class = ShipmentOutput
    filter_backends = ()

    def get_queryset(self):
        filters = ShipmentFilters(data=self.request.query_params)
        filters.is_valid(raise_exception=True)
        return shipment_list(merchant=self.request.merchant, filters=filters.validated_data)


@extend_schema(parameters=[OpenApiParameter("shipment_id", int, OpenApiParameter.PATH)])
class ShipmentDetailView(RetrieveAPIView):
    """One shipment with its tracking events, oldest scan first."""

    serializer_class = ShipmentDetailOutput

    def get_object(self):
        return _shipment(self.request, self.kwargs["shipment_id"])


class ShipmentBookView(APIView):
    """Book orders with a courier account: ``{"order_ids": [...], "account": <id>}`` → 201
    ``{"shipments": [...], "refused": [{"order_id", "reason"}]}`` (an order that cannot be
    shipped, or that the courier refuses, is reported with its reason; an id that is not one
    of the merchant's orders is refused as unknown). 400 for an empty list or an account that
    is not one of the merchant's courier accounts; 502 when the courier cannot be reached."""

    @extend_schema(
        request=BookInput,
        responses={
            201: BookOutput,
            400: OpenApiResponse(description="The reason."),
            502: OpenApiResponse(description="The courier could not be reached."),
        },
    )
    def post(self, request: Request) -> Response:
        body = BookInput(data=request.data)
        body.is_valid(raise_exception=True)
        account = (
            courier_accounts(merchant=request.merchant)
            .filter(pk=body.validated_data["account"])
            .first()
        )
        if account is None:
            return Response({"account": ["No such courier account."]}, status=400)
        wanted = list(dict.fromkeys(body.validated_data["order_ids"]))
        orders = list(Order.objects.for_merchant(request.merchant).filter(pk__in=wanted))
        try:
            booking = shipments_book(account=account, orders=orders)
        except ConnectorError as exc:
            return Response({"error": str(exc)}, status=502)
        found = {o.pk for o in orders}
        refused = {pk: "No such order." for pk in wanted if pk not in found} | booking.refused
        shipments = Shipment.objects.filter(pk__in=[s.pk for s in booking.shipments])
        data = {
            "shipments": ShipmentOutput(
                shipments.select_related("order").order_by("pk"), many=True
            ).data,
            "refused": [
                {"order_id": pk, "reason": reason} for pk, reason in sorted(refused.items())
            ],
        }
        return Response(data, status=201)


class ShipmentCancelView(APIView):
    """Cancel a shipment at the courier. Before pickup it is ``cancelled`` at once; after
    pickup the courier turns it into an RTO, which tracking shows. 200 with the shipment; 400
    with the reason (already final, or the courier refused); 404 for another merchant's
    shipment; 502 when the courier cannot be reached."""

    @extend_schema(
        request=None,
        responses={
            200: ShipmentDetailOutput,
            400: OpenApiResponse(description="The reason."),
            502: OpenApiResponse(description="The courier could not be reached."),
        },
        parameters=[OpenApiParameter("shipment_id", int, OpenApiParameter.PATH)],
    )
    def post(self, request: Request, shipment_id: int) -> Response:
        shipment = _shipment(request, shipment_id)
        try:
            shipment_cancel(shipment=shipment)
        except ValueError as exc:
            return Response({"error": str(exc)}, status=400)
        except ConnectorError as exc:
            return Response({"error": str(exc)}, status=502)
        return Response(ShipmentDetailOutput(_shipment(request, shipment_id)).data)


class NdrOptionOutput(serializers.Serializer):
    action = serializers.ChoiceField(choices=NdrAction.CHOICES)
    allowed = serializers.BooleanField()
    reason = serializers.CharField(help_text="Why the courier would refuse it ('' if allowed).")
    send_after = serializers.DateTimeField(
        allow_null=True, help_text="Held until then (Delhivery: re-attempts after 21:00 IST)."
    )


class NdrActionOutput(serializers.ModelSerializer):
    """An NDR action asked of the courier and where it stands."""

    class Meta:
        model = NdrActionRequest
        fields = [
            "id",
            "action",
            "attempt",
            "status",
            "reattempt_on",
            "phone",
            "address",
            "remark",
            "send_after",
            "sent_at",
            "courier_reference",
            "error",
            "rule",
            "created_at",
        ]


class NdrShipmentOutput(ShipmentOutput):
    """A shipment in NDR with the actions its courier would take now and the open one."""

    raw_code = serializers.CharField(help_text="The courier's code of the last failed attempt.")
    options = NdrOptionOutput(many=True)
    pending = NdrActionOutput(allow_null=True)

    class Meta(ShipmentOutput.Meta):
        fields = [
            *ShipmentOutput.Meta.fields,
            "false_ndr",
            "false_ndr_reason",
            "raw_code",
            "options",
            "pending",
        ]


class NdrQueueView(ListAPIView):
    """Shipments in NDR (a delivery attempt failed), the longest waiting first, with reason,
    attempts, the courier's code, possible-false-NDR flag, the actions the courier would take
    now (``options``: an action it would refuse comes with the reason) and the action already
    asked (``pending``); ``?page=N`` (50 per page)."""

    serializer_class = NdrShipmentOutput
    filter_backends = ()

    def get_queryset(self):
        return ndr_queue(merchant=self.request.merchant)

    def paginate_queryset(self, queryset):
        page = super().paginate_queryset(queryset)
        return ndr_queue_rows(page) if page is not None else None


class NdrActionInput(serializers.Serializer):
    action = serializers.ChoiceField(choices=NdrAction.SENT_CHOICES)
    reattempt_on = serializers.DateField(
        required=False, allow_null=True, help_text="Re-attempt only: the day asked for (IST)."
    )
    phone = serializers.CharField(
        required=False, allow_blank=True, max_length=20, help_text="Re-attempt only."
    )
    address = serializers.CharField(
        required=False, allow_blank=True, max_length=500, help_text="Re-attempt only."
    )
    remark = serializers.CharField(required=False, allow_blank=True, max_length=255)


class ShipmentNdrActionView(APIView):
    """Act on a failed delivery: ``{"action": "reattempt" | "rto", "reattempt_on"?, "phone"?,
    "address"?, "remark"?}`` → 201 with the request: ``accepted`` or ``refused`` by the courier
    (its reason in ``error``), ``held`` until the courier takes it (``send_after``; Delhivery
    takes re-attempts after 21:00 IST), or ``failed`` when the courier could not be reached
    (sent again by the next run). 400 with the reason when it cannot be asked (not in NDR, an
    action already pending, or one the courier would refuse: Delhivery re-attempts only on its
    listed NSL codes after one or two attempts); 404 for another merchant's shipment; viewers
    get 403."""

    @extend_schema(
        request=NdrActionInput,
        responses={
            201: NdrActionOutput,
            400: OpenApiResponse(description="The reason."),
        },
        parameters=[OpenApiParameter("shipment_id", int, OpenApiParameter.PATH)],
    )
    def post(self, request: Request, shipment_id: int) -> Response:
        shipment = _shipment(request, shipment_id)
        body = NdrActionInput(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        try:
            asked = ndr_action_request(
                shipment=shipment,
                action=data["action"],
                reattempt_on=data.get("reattempt_on"),
                phone=data.get("phone", ""),
                address=data.get("address", ""),
                remark=data.get("remark", ""),
                user=request.user,
            )
        except NdrActionRefused as exc:
            return Response({"error": str(exc)}, status=400)
        return Response(NdrActionOutput(asked).data, status=201)


class RtoRatesView(APIView):
    """RTO rate per ship-to state, pincode or payment method (``?group_by=``; 400 for another
    value): per group the shipments that reached an outcome (delivered, RTO delivered, lost;
    cancelled ones are left out), the RTO delivered among them and the rate in percent."""

    @extend_schema(parameters=[RtoRateFilters], responses={200: RtoRatesOutput})
    def get(self, request: Request) -> Response:
        params = RtoRateFilters(data=request.query_params)
        params.is_valid(raise_exception=True)
        group_by = params.validated_data["group_by"]
        groups = rto_rates(merchant=request.merchant, group_by=group_by)
        return Response(RtoRatesOutput({"group_by": group_by, "groups": groups}).data)


# --- generate-label and batches (issue 20 §2) ------------------------------------------------
BATCH_MAX_ORDERS = 500  # order ids in one generate-label call


class GenerateLabelInput(serializers.Serializer):
    order_ids = serializers.ListField(
        child=IdParam(), allow_empty=False, max_length=BATCH_MAX_ORDERS, help_text="Order ids."
    )
    account_id = IdParam(
        required=False,
        allow_null=True,
        default=None,
        help_text="The courier account to book with; omitted: each order by the courier rules.",
    )


class GenerateLabelOutput(serializers.Serializer):
    shipments = ShipmentOutput(many=True)
    refused = RefusalOutput(many=True)
    routes = serializers.DictField(
        child=serializers.CharField(),
        help_text="By the rules: per booked order id, which courier took it and why.",
    )
    label_url = serializers.URLField(
        allow_null=True, help_text="One PDF with a 4×6 inch label per shipment; null if none."
    )


class BatchQueuedOutput(serializers.Serializer):
    batch_id = serializers.IntegerField()
    status = serializers.CharField()
    status_url = serializers.URLField(
        help_text="GET it for the progress (``/api/shipments/batches/{id}``)."
    )


class BatchOutput(serializers.Serializer):
    id = serializers.IntegerField()
    status = serializers.ChoiceField(choices=BatchStatus.CHOICES)
    total = serializers.IntegerField()
    done = serializers.IntegerField(help_text="Orders booked so far.")
    failed = serializers.IntegerField(help_text="Orders refused so far.")
    percent = serializers.IntegerField()
    errors = RefusalOutput(many=True)
    shipment_ids = serializers.ListField(child=serializers.IntegerField())
    label_url = serializers.URLField(allow_null=True, help_text="Set once the batch is done.")
    error = serializers.CharField(help_text="Why the batch failed as a whole, else empty.")
    created_at = serializers.DateTimeField()
    finished_at = serializers.DateTimeField(allow_null=True)


def _absolute(request: Request, url: str | None) -> str | None:
    return request.build_absolute_uri(url) if url else None


class GenerateLabelView(APIView):
    """Book orders and make their labels: ``{"order_ids": [...], "account_id"?: id}``.

    Without ``account_id`` each order goes to the courier its merchant's rules choose
    (``shipments.services.rules``: first matching rule, falling to the next matching courier
    when one does not serve the pincode). Up to ``SHIPMENT_SYNC_BOOK_MAX`` orders (10 by
    default) are booked in the request: 201 ``{"shipments", "refused", "routes",
    "label_url"}``. More are booked as a background batch: 202 ``{"batch_id", "status",
    "status_url"}``; poll ``GET /api/shipments/batches/{id}``. 400 with the reasons for a bad
    body or an account that is not one of the merchant's courier accounts; 404 listing the ids
    when any order id is not one of the merchant's (then nothing is booked); 502 when the
    courier cannot be reached (with ``account_id``)."""

    @extend_schema(
        request=GenerateLabelInput,
        responses={
            201: GenerateLabelOutput,
            202: BatchQueuedOutput,
            400: OpenApiResponse(description="The reasons, per field."),
            404: OpenApiResponse(description="Order ids that are not the merchant's."),
            502: OpenApiResponse(description="The courier could not be reached."),
        },
    )
    def post(self, request: Request) -> Response:
        body = GenerateLabelInput(data=request.data)
        body.is_valid(raise_exception=True)
        account = None
        if body.validated_data["account_id"] is not None:
            account = (
                courier_accounts(merchant=request.merchant)
                .filter(pk=body.validated_data["account_id"])
                .first()
            )
            if account is None:
                return Response({"account_id": ["No such courier account."]}, status=400)
        wanted = list(dict.fromkeys(body.validated_data["order_ids"]))
        orders = list(Order.objects.for_merchant(request.merchant).filter(pk__in=wanted))
        unknown = sorted(set(wanted) - {o.pk for o in orders})
        if unknown:
            return Response(
                {"detail": "No such order; nothing was booked.", "order_ids": unknown}, status=404
            )
        if len(wanted) > settings.SHIPMENT_SYNC_BOOK_MAX:
            batch = shipment_batch_create(
                merchant=request.merchant, order_ids=wanted, account=account, user=request.user
            )
            url = request.build_absolute_uri(reverse("api-shipment-batch", args=[batch.pk]))
            data = {"batch_id": batch.pk, "status": batch.status, "status_url": url}
            return Response(data, status=202, headers={"Location": url})
        try:
            booking = shipments_book(account=account, orders=orders)
        except ConnectorError as exc:
            return Response({"error": str(exc)}, status=502)
        ids = [s.pk for s in booking.shipments]
        label = shipments_label(shipment_ids=ids) if ids else ""
        shipments = Shipment.objects.filter(pk__in=ids).select_related("order").order_by("pk")
        data = {
            "shipments": ShipmentOutput(shipments, many=True).data,
            "refused": [
                {"order_id": pk, "reason": reason} for pk, reason in sorted(booking.refused.items())
            ],
            "routes": {str(pk): why for pk, why in sorted(booking.routes.items())},
            "label_url": _absolute(request, default_storage.url(label) if label else None),
        }
        return Response(data, status=201)


class ShipmentBatchView(APIView):
    """One booking batch of the merchant (another merchant's is a 404): status (queued,
    running, done, failed), counts, the refusals with their reasons, the shipments made and
    the label PDF's URL once done."""

    @extend_schema(
        responses={200: BatchOutput},
        parameters=[OpenApiParameter("batch_id", int, OpenApiParameter.PATH)],
    )
    def get(self, request: Request, batch_id: int) -> Response:
        try:
            batch = shipment_batch(merchant=request.merchant, batch_id=batch_id)
        except ShipmentBatch.DoesNotExist:
            raise Http404("No such batch.") from None
        data = {
            "id": batch.pk,
            "status": batch.status,
            "total": batch.total,
            "done": batch.done,
            "failed": batch.failed,
            "percent": batch.percent,
            "errors": [
                {"order_id": e["order_id"], "reason": e["reason"]} for e in batch_errors(batch)
            ],
            "shipment_ids": batch.shipment_ids,
            "label_url": _absolute(request, batch.label.url if batch.label else None),
            "error": batch.error,
            "created_at": batch.created_at,
            "finished_at": batch.finished_at,
        }
        return Response(BatchOutput(data).data)
