"""Every operation's answers — success and the shared 403/429/5xx errors — validate against
the response schemas of Amazon's official models."""

from __future__ import annotations

import pytest

from sandbox.amazon import services
from sandbox.amazon.models import SandboxAmazonListing, SandboxAmazonOrder
from tests.sandbox.amazon.conftest import MARKETPLACE, SELLER, SpApi, assert_matches_model

# (model, model path, method, sandbox path, query or body)
OPERATIONS = [
    (
        "ordersV0.json",
        "/orders/v0/orders",
        "get",
        None,
        {"MarketplaceIds": MARKETPLACE, "CreatedAfter": "2024-01-01"},
    ),
    ("ordersV0.json", "/orders/v0/orders/{orderId}", "get", "order", {}),
    ("ordersV0.json", "/orders/v0/orders/{orderId}/orderItems", "get", "order", {}),
    ("reports_2021-06-30.json", "/reports/2021-06-30/reports", "get", None, {"reportTypes": "X"}),
    ("reports_2021-06-30.json", "/reports/2021-06-30/reports", "post", None, {}),
    ("reports_2021-06-30.json", "/reports/2021-06-30/reports/{reportId}", "get", "1", {}),
    (
        "reports_2021-06-30.json",
        "/reports/2021-06-30/documents/{reportDocumentId}",
        "get",
        "doc",
        {},
    ),
    ("feeds_2021-06-30.json", "/feeds/2021-06-30/documents", "post", None, {}),
    ("feeds_2021-06-30.json", "/feeds/2021-06-30/documents/{feedDocumentId}", "get", "doc", {}),
    ("feeds_2021-06-30.json", "/feeds/2021-06-30/feeds", "post", None, {}),
    ("feeds_2021-06-30.json", "/feeds/2021-06-30/feeds/{feedId}", "get", "1", {}),
    (
        "listingsItems_2021-08-01.json",
        "/listings/2021-08-01/items/{sellerId}/{sku}",
        "get",
        "listing",
        {"marketplaceIds": MARKETPLACE},
    ),
    (
        "listingsItems_2021-08-01.json",
        "/listings/2021-08-01/items/{sellerId}/{sku}",
        "patch",
        "listing",
        {"marketplaceIds": MARKETPLACE},
    ),
    (
        "listingsItems_2021-08-01.json",
        "/listings/2021-08-01/items/{sellerId}",
        "get",
        "seller",
        {"marketplaceIds": MARKETPLACE},
    ),
]


def concrete(path: str, value: str | None) -> str:
    if value == "order":
        value = SandboxAmazonOrder.objects.order_by("pk").first().amazon_order_id
    elif value == "seller":
        return path.replace("{sellerId}", SELLER)
    elif value == "listing":
        sku = SandboxAmazonListing.objects.order_by("pk").first().sku
        return path.replace("{sellerId}", SELLER).replace("{sku}", sku)
    for name in ("{orderId}", "{reportId}", "{reportDocumentId}", "{feedDocumentId}", "{feedId}"):
        path = path.replace(name, value or "")
    return path


def call(sp: SpApi, method: str, path: str, params: dict):
    if method == "get":
        return sp.get(path, **params)
    return getattr(sp, method)(path, {}, **params)


@pytest.mark.parametrize(("model", "path", "method", "value", "params"), OPERATIONS)
def test_missing_token_answer_matches_the_model(client, seller, model, path, method, value, params):
    response = call(SpApi(client, ""), method, concrete(path, value), params)

    assert response.status_code == 403
    assert_matches_model(model, path, method, 403, response.json())
    assert response["x-amzn-RequestId"]


@pytest.mark.parametrize("status", [429, 500, 503])
@pytest.mark.parametrize(("model", "path", "method", "value", "params"), OPERATIONS)
def test_fault_answers_match_the_model(sp, model, path, method, value, params, status):
    services.inject_faults(SELLER, count=1, status=status)

    response = call(sp, method, concrete(path, value), params)

    assert response.status_code == status
    assert_matches_model(model, path, method, status, response.json())
    assert response["x-amzn-RateLimit-Limit"]


def test_get_order_matches_the_model(sp):
    order = SandboxAmazonOrder.objects.order_by("pk").first()
    path = "/orders/v0/orders/{orderId}"

    response = sp.get(concrete(path, "order"))

    assert response.status_code == 200
    assert_matches_model("ordersV0.json", path, "get", 200, response.json())
    assert response.json()["payload"]["AmazonOrderId"] == order.amazon_order_id


@pytest.mark.parametrize(
    ("model", "path"),
    [
        ("reports_2021-06-30.json", "/reports/2021-06-30/documents/{reportDocumentId}"),
        ("feeds_2021-06-30.json", "/feeds/2021-06-30/documents/{feedDocumentId}"),
    ],
)
def test_unknown_documents_are_not_found(sp, model, path):
    response = sp.get(concrete(path, "amzn1.spdoc.1.4.eu.nope"))

    assert response.status_code == 404
    assert_matches_model(model, path, "get", 404, response.json())
