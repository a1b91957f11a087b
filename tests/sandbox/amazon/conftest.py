"""Fixtures for the Amazon SP-API sandbox: a small seeded seller, an LWA access token, an SP-API
caller over Django's test client (no network) and validators built from Amazon's official
OpenAPI models."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from jsonschema import Draft4Validator

from sandbox.amazon import services

SELLER = "A2SANDBOXTEST1"
OTHER_SELLER = "A3OTHERSELLER9"
MARKETPLACE = "A21TJRUUN4KGV"
CLIENT_ID = "amzn1.application-oa2-client.test"
CLIENT_SECRET = "test-secret"
REFRESH_TOKEN = "Atzr|test-refresh-token"
MODELS = Path(settings.BASE_DIR).parent / "shared/reference/amazon/models"
FEED_SCHEMAS = Path(settings.BASE_DIR).parent / "shared/reference/amazon/feeds"


def root(seller_id: str = SELLER) -> str:
    return f"/sandbox/amazon/{seller_id}"


@cache
def load_model(name: str) -> dict[str, Any]:
    """An official SP-API model from ``shared/reference/amazon/models`` (``ordersV0.json``…)."""
    return json.loads((MODELS / name).read_text(encoding="utf-8"))


def assert_matches_model(model: str, path: str, method: str, status: int, body: Any) -> None:
    """``body`` validates against the response schema the model declares for
    ``method path`` answering ``status``; ``#/definitions/…`` refs resolve in the model."""
    document = load_model(model)
    schema = document["paths"][path][method]["responses"][str(status)]["schema"]
    validator = Draft4Validator({**schema, "definitions": document["definitions"]})
    problems = [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(body)]
    assert not problems, problems


def assert_error_list(body: Any) -> None:
    """``body`` is an SP-API ``ErrorList`` (``{"errors": [{code, message, details?}]}``), the
    error envelope of the 2021 models; validated against ``reports_2021-06-30.json``'s.
    (The Sellers API model is not among the reference models, so its errors are checked
    against this shared envelope.)"""
    document = load_model("reports_2021-06-30.json")
    validator = Draft4Validator(
        {"$ref": "#/definitions/ErrorList", "definitions": document["definitions"]}
    )
    problems = [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(body)]
    assert not problems, problems


def feed_schema(name: str) -> dict[str, Any]:
    return json.loads((FEED_SCHEMAS / name).read_text(encoding="utf-8"))


@pytest.fixture
def seller(db):
    """40 orders over 10 days from a 10-product / 30-variant catalog, default usage plans."""
    return services.seed_seller(
        seller_id=SELLER,
        orders=40,
        days=10,
        seed=7,
        products=10,
        variants=30,
        client_id=CLIENT_ID,
        client_secret=CLIENT_SECRET,
        refresh_token=REFRESH_TOKEN,
        store_name="Kesari Kurtas",
    )


@dataclass
class SpApi:
    """Calls the sandbox like an SP-API client: ``x-amz-access-token`` and JSON bodies."""

    client: Any
    token: str
    seller_id: str = SELLER

    def call(self, method: str, path: str, body: Any = None, token: str | None = None, **query):
        headers = {"HTTP_X_AMZ_ACCESS_TOKEN": self.token if token is None else token}
        url = root(self.seller_id) + path
        if method == "get":
            return self.client.get(url, query, **headers)
        if query:
            url += "?" + "&".join(f"{k}={v}" for k, v in query.items())
        return getattr(self.client, method)(
            url, data=json.dumps(body), content_type="application/json", **headers
        )

    def get(self, path: str, **query: Any):
        return self.call("get", path, **query)

    def post(self, path: str, body: Any, **query: Any):
        return self.call("post", path, body, **query)

    def patch(self, path: str, body: Any, **query: Any):
        return self.call("patch", path, body, **query)


def lwa(client: Any, seller_id: str = SELLER, **fields: str):
    data = {
        "grant_type": "refresh_token",
        "refresh_token": REFRESH_TOKEN,
        "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET,
        **fields,
    }
    return client.post(f"{root(seller_id)}/auth/o2/token", data)


@pytest.fixture
def access_token(client, seller) -> str:
    response = lwa(client)
    assert response.status_code == 200, response.content
    return response.json()["access_token"]


@pytest.fixture
def sp(client, access_token) -> SpApi:
    return SpApi(client, access_token)


@pytest.fixture
def fast(seller):
    """Usage plans refill 10,000× faster (tests that make many calls)."""
    services.set_rate_scale(SELLER, 10_000)
