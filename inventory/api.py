"""Inventory API (DRF, token or session auth, merchant-scoped; writes need an owner or manager):

- ``GET /api/inventory/skus`` — SKUs with on hand, reserved, available and per-listing push state
- ``GET /api/inventory/skus/{sku}`` — one SKU with levels, listings and recent pushes
- ``GET /api/inventory/skus/{sku}/movements`` — its ledger, newest first
- ``POST /api/inventory/adjustments`` — set a counted on hand or add/remove units
- ``GET /api/inventory/listings`` and ``POST /api/inventory/listings/{id}/map``
- ``GET /api/inventory/drift`` — drift events

Lists are paginated (``?page=N``, 50 a page: ``{count, next, previous, results}``). Bad input is
a 400 with DRF's field errors (``{"field": ["reason"]}``); a service refusal is ``{"error":
"reason"}``; another merchant's SKU or listing is a 404.
"""

from __future__ import annotations

import hashlib
import json
import uuid

from django.core.cache import cache
from django.http import Http404
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.generics import ListAPIView
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from inventory.models import MovementSource, StockLevel, StockMovement, Variant
from inventory.selectors import (
    drift_list,
    listing_list,
    movement_list,
    push_history,
    sku_detail,
    sku_list,
)
from inventory.serializers import (
    AdjustmentInput,
    AdjustmentOutput,
    DriftFilters,
    DriftOutput,
    ListingFilters,
    ListingOutput,
    MovementOutput,
    SkuDetailOutput,
    SkuFilters,
    SkuOutput,
)
from inventory.services.stock import stock_adjust

IDEMPOTENCY_TTL = 24 * 3600  # seconds a replayable response is kept
IDEMPOTENCY_PENDING_TTL = 120  # seconds a request in progress holds its key
SKU_PATH = OpenApiParameter("sku", str, OpenApiParameter.PATH, description="The exact SKU.")


def _variant_or_404(request: Request, sku: str) -> Variant:
    try:
        return sku_detail(merchant=request.merchant, sku=sku)
    except Variant.DoesNotExist:
        raise Http404(f"No SKU '{sku}'.") from None


@extend_schema(parameters=[SkuFilters])
class SkuListView(ListAPIView):
    """SKUs by SKU with on hand, reserved and available (units, default warehouse) and every
    channel listing's available-to-sell and push state; filters ``q`` and ``low_stock``."""

    serializer_class = SkuOutput
    filter_backends = ()

    def get_queryset(self):
        filters = SkuFilters(data=self.request.query_params)
        filters.is_valid(raise_exception=True)
        return sku_list(
            merchant=self.request.merchant,
            q=filters.validated_data.get("q", "").strip(),
            low_stock_only=filters.validated_data["low_stock"],
        )


@extend_schema(parameters=[SKU_PATH])
class SkuDetailView(APIView):
    """One SKU: the list's fields plus barcode, levels per warehouse, listings in detail and
    the newest 50 pushes. 404 for a SKU the merchant does not have."""

    @extend_schema(responses=SkuDetailOutput)
    def get(self, request: Request, sku: str) -> Response:
        variant = _variant_or_404(request, sku)
        context = {"request": request, "pushes": push_history(variant=variant)}
        return Response(SkuDetailOutput(variant, context=context).data)


@extend_schema(parameters=[SKU_PATH])
class SkuMovementsView(ListAPIView):
    """The SKU's stock ledger, newest first (paginated). 404 for an unknown SKU."""

    serializer_class = MovementOutput
    filter_backends = ()

    def get_queryset(self):
        variant = (
            Variant.objects.for_merchant(self.request.merchant)
            .filter(sku=self.kwargs["sku"])
            .first()
        )
        if variant is None:
            raise Http404(f"No SKU '{self.kwargs['sku']}'.")
        return movement_list(variant=variant).select_related("variant")


class AdjustmentView(APIView):
    """Change one SKU's on hand in the default warehouse through the ledger.

    Body: ``sku``, exactly one of ``on_hand`` (counted units, ≥ 0) or ``delta`` (± units),
    ``kind`` ``adjust`` (default) or ``receipt``, optional ``note``. Answers 201 with the
    movement written and the level afterwards, or 200 (``id`` null) when the count already
    matched. 400 with the reason for an unknown SKU, both/neither quantity, a negative count or
    a bad kind.

    Optional ``Idempotency-Key`` header (≤ 255 characters): the first response to a key is kept
    for 24 hours per merchant and replayed (header ``Idempotent-Replayed: true``) for a retry
    with the same body; the same key with another body is a 422, and while the first request
    is still running a 409.
    """

    @extend_schema(
        request=AdjustmentInput,
        responses={
            201: AdjustmentOutput,
            200: AdjustmentOutput,
            400: OpenApiResponse(description="Invalid adjustment (field errors)."),
            409: OpenApiResponse(description="Same Idempotency-Key still in progress."),
            422: OpenApiResponse(description="Idempotency-Key reused with another body."),
        },
        parameters=[
            OpenApiParameter(
                "Idempotency-Key",
                str,
                OpenApiParameter.HEADER,
                required=False,
                description="Makes retries safe: the first response is replayed for 24 h.",
            )
        ],
    )
    def post(self, request: Request) -> Response:
        key = request.headers.get("Idempotency-Key", "").strip()
        if not key:
            return self._adjust(request)
        if len(key) > 255:
            return Response({"error": "Idempotency-Key is longer than 255 characters."}, 400)
        digest = hashlib.sha256(key.encode()).hexdigest()
        cache_key = f"inventory:adjustment:{request.merchant.pk}:{digest}"
        body = json.dumps(request.data, sort_keys=True, default=str)
        fingerprint = hashlib.sha256(body.encode()).hexdigest()
        if not cache.add(cache_key, {"pending": fingerprint}, IDEMPOTENCY_PENDING_TTL):
            return self._replay(cache.get(cache_key), fingerprint)
        try:
            response = self._adjust(request)
        except BaseException:
            cache.delete(cache_key)
            raise
        if response.status_code < 300:
            stored = {"fingerprint": fingerprint, "status": response.status_code}
            cache.set(cache_key, {**stored, "data": response.data}, IDEMPOTENCY_TTL)
        else:
            cache.delete(cache_key)
        return response

    @staticmethod
    def _replay(stored: dict | None, fingerprint: str) -> Response:
        if stored is None:  # expired between add and get: ask for a retry
            return Response({"error": "Retry the request."}, status=409)
        if stored.get("fingerprint", stored.get("pending")) != fingerprint:
            return Response(
                {"error": "This Idempotency-Key was used with a different request body."},
                status=422,
            )
        if "pending" in stored:
            return Response(
                {"error": "A request with this Idempotency-Key is still in progress."},
                status=409,
            )
        return Response(
            stored["data"], status=stored["status"], headers={"Idempotent-Replayed": "true"}
        )

    def _adjust(self, request: Request) -> Response:
        body = AdjustmentInput(data=request.data, merchant=request.merchant)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        variant: Variant = data["sku"]
        reference = f"api-adjustment:{uuid.uuid4().hex}"
        try:
            stock_adjust(
                merchant=request.merchant,
                variant_id=variant.pk,
                on_hand=data.get("on_hand"),
                delta=data.get("delta"),
                kind=data["kind"],
                source=MovementSource.USER,
                note=data["note"],
                reference=reference,
                user=request.user,
            )
        except ValueError as exc:
            return Response({"error": str(exc)}, status=400)
        movement = (
            StockMovement.objects.filter(variant=variant, reference=reference)
            .select_related("warehouse", "variant", "created_by")
            .first()
        )
        level = (
            StockLevel.objects.for_merchant(request.merchant)
            .filter(variant=variant, warehouse__is_default=True)
            .first()
        )
        on_hand, reserved = (level.on_hand, level.reserved) if level else (0, 0)
        if movement is not None:
            payload = MovementOutput(movement).data
        else:
            payload = {
                "id": None,
                "sku": variant.sku,
                "warehouse": level.warehouse.code if level else "",
                "kind": data["kind"],
                "on_hand_delta": 0,
                "reserved_delta": 0,
                "source": MovementSource.USER,
                "reference": "",
                "note": data["note"],
                "created_by": request.user.get_username(),
                "created_at": None,
            }
        payload["level"] = {
            "on_hand": on_hand,
            "reserved": reserved,
            "available": max(0, on_hand - reserved),
        }
        return Response(
            AdjustmentOutput(payload).data,
            status=status.HTTP_201_CREATED if movement is not None else status.HTTP_200_OK,
        )


@extend_schema(parameters=[ListingFilters])
class ListingListView(ListAPIView):
    """Channel listings with their SKU (null while unmatched) and push state; filters
    ``unmatched`` (true/false) and ``account`` (id)."""

    serializer_class = ListingOutput
    filter_backends = ()

    def get_queryset(self):
        filters = ListingFilters(data=self.request.query_params)
        filters.is_valid(raise_exception=True)
        return listing_list(
            merchant=self.request.merchant,
            unmatched=filters.validated_data.get("unmatched"),
            account_id=filters.validated_data.get("account"),
        )


@extend_schema(parameters=[DriftFilters])
class DriftListView(ListAPIView):
    """Drift events, newest first; filters ``account`` (id), ``date_from``/``date_to`` (IST
    days, inclusive)."""

    serializer_class = DriftOutput
    filter_backends = ()

    def get_queryset(self):
        filters = DriftFilters(data=self.request.query_params)
        filters.is_valid(raise_exception=True)
        data = filters.validated_data
        return drift_list(
            merchant=self.request.merchant,
            account_id=data.get("account"),
            date_from=data.get("date_from"),
            date_to=data.get("date_to"),
        )
