"""LWA token endpoint, Sellers API and Orders API v0 endpoints."""

from __future__ import annotations

import json

from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from sandbox.amazon import auth, orders_api, throttle
from sandbox.amazon.constants import MARKETPLACE
from sandbox.amazon.models import SandboxAmazonOrder, SandboxAmazonSeller
from sandbox.amazon.params import InvalidInput, NotFound
from sandbox.amazon.views.common import json_response, sp_api
from sandbox.amazon.wire import order_json


@csrf_exempt
@require_POST
def lwa_token(request: HttpRequest, seller_id: str) -> HttpResponse:
    """``POST <root>/auth/o2/token`` (form-encoded or JSON body), see :mod:`..auth`."""
    if request.content_type == "application/json":
        try:
            fields = json.loads(request.body or b"{}")
        except ValueError:
            fields = {}
        fields = fields if isinstance(fields, dict) else {}
    else:
        fields = request.POST.dict()
    seller = SandboxAmazonSeller.objects.filter(seller_id=seller_id).first()
    if seller is not None:
        throttle.count_lwa_call(seller)
    try:
        return json_response(auth.exchange(seller_id, fields))
    except auth.LwaError as exc:
        return json_response(exc.as_json(), exc.status)


@sp_api("getMarketplaceParticipations")
def marketplace_participations(request: HttpRequest, seller: SandboxAmazonSeller) -> HttpResponse:
    """``GET /sellers/v1/marketplaceParticipations``: Amazon.in with the seller's store name."""
    participation = {
        "marketplace": MARKETPLACE,
        "participation": {"isParticipating": True, "hasSuspendedListings": False},
        "storeName": seller.store_name,
    }
    return json_response({"payload": [participation]})


@sp_api("getOrders")
def get_orders(request: HttpRequest, seller: SandboxAmazonSeller) -> HttpResponse:
    """``GET /orders/v0/orders`` (see :mod:`..orders_api`)."""
    token = request.GET.get("NextToken", "")
    state = (
        orders_api.resume_query(token, seller) if token else orders_api.new_query(request, seller)
    )
    return json_response({"payload": orders_api.orders_page(seller, state)})


def _order(seller: SandboxAmazonSeller, order_id: str) -> SandboxAmazonOrder:
    if not orders_api.ORDER_ID.match(order_id):
        raise InvalidInput("Invalid Input", f"Invalid AmazonOrderId: {order_id}.")
    order = (
        SandboxAmazonOrder.objects.filter(seller=seller, amazon_order_id=order_id)
        .select_related("seller")
        .first()
    )
    if order is None:
        raise NotFound(f"Order {order_id} not found.")
    return order


@sp_api("getOrder")
def get_order(request: HttpRequest, seller: SandboxAmazonSeller, order_id: str) -> HttpResponse:
    """``GET /orders/v0/orders/{orderId}``."""
    return json_response({"payload": order_json(_order(seller, order_id))})


@sp_api("getOrderItems")
def get_order_items(
    request: HttpRequest, seller: SandboxAmazonSeller, order_id: str
) -> HttpResponse:
    """``GET /orders/v0/orders/{orderId}/orderItems[?NextToken=…]``."""
    order = _order(seller, order_id)
    return json_response(
        {"payload": orders_api.items_page(order, request.GET.get("NextToken", ""))}
    )
