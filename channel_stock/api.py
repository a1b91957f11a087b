"""The channel stock's API: ``POST /api/inventory/listings/{id}/map`` (the listing map) and
``GET /api/integrations/<provider>/inventory`` (Sangam's pool next to what the channel reports
per location)."""

from __future__ import annotations

from django.http import Http404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from channel_stock.services.listings import listing_map
from integrations.api import pick_account, provider_or_404
from integrations.serializers import ShopifyInventoryOutput, SyncRunSerializer
from integrations.services.sync import request_sync, run_sync_runs
from inventory.models import ChannelListing
from inventory.selectors import channel_levels
from inventory.serializers import ListingMapInput, ListingOutput


class ListingMapView(APIView):
    """Map a listing to a SKU (``{"sku": "…"}``) or unmap it (``{"sku": null}``); a mapped
    listing of a managed account is pushed at once. 400 for an unknown SKU, 404 for another
    merchant's listing."""

    @extend_schema(
        request=ListingMapInput,
        responses=ListingOutput,
        parameters=[OpenApiParameter("listing_id", int, OpenApiParameter.PATH)],
    )
    def post(self, request: Request, listing_id: int) -> Response:
        listing = (
            ChannelListing.objects.for_merchant(request.merchant)
            .select_related("account")
            .filter(pk=listing_id)
            .first()
        )
        if listing is None:
            raise Http404("No such listing.")
        body = ListingMapInput(data=request.data, merchant=request.merchant)
        body.is_valid(raise_exception=True)
        try:
            listing = listing_map(listing=listing, variant=body.validated_data["sku"])
        except ValueError as exc:
            return Response({"error": str(exc)}, status=400)
        return Response(ListingOutput(listing).data)


class ChannelInventoryView(APIView):
    """``GET /api/integrations/shopify/inventory?refresh=false|true``: per-SKU stock as Sangam
    holds it next to what the channel reports per location (under the provider's id).
    ``refresh=true`` first re-reads levels from the channel (synchronously, one inventory sync
    run)."""

    @extend_schema(
        responses=ShopifyInventoryOutput,
        parameters=[
            OpenApiParameter("refresh", bool, description="Re-read from the channel first.")
        ],
    )
    def get(self, request: Request, provider: str) -> Response:
        provider_or_404(provider)
        account = pick_account(request, provider)
        refreshed_run = None
        if request.query_params.get("refresh", "false").lower() in ("1", "true", "yes"):
            if not request.membership.can_manage:
                return Response({"error": "Only owners and managers can refresh."}, status=403)
            runs = request_sync(account=account, streams=["inventory"])
            done = run_sync_runs([r.pk for r in runs])
            refreshed_run = SyncRunSerializer(done[0] if done else runs[0]).data
        rows = []
        for level in channel_levels(account=account):
            variant = level.listing.variant if level.listing else None
            stock = (
                variant.stock_levels.filter(warehouse__is_default=True).first() if variant else None
            )
            rows.append(
                {
                    "sku": level.listing.channel_sku if level.listing else "",
                    "inventory_item_id": level.external_inventory_item_id,
                    "location_id": level.external_location_id,
                    provider: {
                        "available": level.available,
                        "on_hand": level.on_hand,
                        "committed": level.committed,
                    },
                    "sangam": None
                    if stock is None
                    else {
                        "on_hand": stock.on_hand,
                        "reserved": stock.reserved,
                        "available": stock.available,
                    },
                    "updated_at": level.source_updated_at,
                }
            )
        return Response({"account": account.pk, "refreshed": refreshed_run, "levels": rows})
