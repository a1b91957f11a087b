"""The returns API: ``GET /api/returns`` and ``POST /api/returns/{id}/receive``."""

from __future__ import annotations

from django.http import Http404
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.generics import ListAPIView
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from returns.selectors import return_list
from returns.serializers import ReceiveInput, ReturnFilters, ReturnOutput
from returns.services.receipts import return_receive


@extend_schema(parameters=[ReturnFilters])
class ReturnListView(ListAPIView):
    """Returns and RTOs, newest request first, with items (received, restocked, written off);
    filters: status, channel, kind, account; ``?page=N`` pagination (50 per page)."""

    serializer_class = ReturnOutput
    filter_backends = ()

    def get_queryset(self):
        filters = ReturnFilters(data=self.request.query_params)
        filters.is_valid(raise_exception=True)
        return return_list(merchant=self.request.merchant, filters=filters.validated_data)


class ReturnReceiveView(APIView):
    """Receive returned goods: ``{"items": [{"id", "restocked", "written_off"}], "note"}``
    (units that passed QC go back into stock, units that failed are written off, through the
    ledger). 200 with the return; 400 with the reason (e.g. more units than were returned);
    404 for another merchant's return."""

    @extend_schema(
        request=ReceiveInput,
        responses={200: ReturnOutput, 400: OpenApiResponse(description="The reason.")},
        parameters=[OpenApiParameter("return_id", int, OpenApiParameter.PATH)],
    )
    def post(self, request: Request, return_id: int) -> Response:
        ret = return_list(merchant=request.merchant).filter(pk=return_id).first()
        if ret is None:
            raise Http404("No such return.")
        body = ReceiveInput(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            return_receive(
                ret=ret,
                lines=body.lines(),
                user=request.user,
                note=body.validated_data["note"],
            )
        except ValueError as exc:
            return Response({"error": str(exc)}, status=400)
        fresh = return_list(merchant=request.merchant).get(pk=ret.pk)
        return Response(ReturnOutput(fresh).data)
