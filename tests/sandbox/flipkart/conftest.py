"""Fixtures for the Flipkart sandbox: a seeded seller, a token and a small client for its
Seller API (Django test client, no network). The sandbox clock fixture ``frozen_clock`` comes
from ``tests/sandbox/conftest.py``."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from typing import Any

import pytest

APP_ID = "fk-test-app"
SECRET = "fk-test-secret"
ROOT = f"/sandbox/flipkart/{APP_ID}"


def basic(user: str = APP_ID, password: str = SECRET) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


@pytest.fixture
def seller(db):
    """60 orders over 30 days on a generated catalog."""
    from sandbox.flipkart.services import seed_seller

    return seed_seller(application_id=APP_ID, orders=60, days=30, seed=3, application_secret=SECRET)


def fetch_token(client, app_id: str = APP_ID, secret: str = SECRET) -> str:
    response = client.get(
        f"/sandbox/flipkart/{app_id}/oauth-service/oauth/token",
        {"grant_type": "client_credentials", "scope": "Seller_Api"},
        HTTP_AUTHORIZATION=basic(app_id, secret),
    )
    assert response.status_code == 200, response.content
    return response.json()["access_token"]


@pytest.fixture
def token(client, seller) -> str:
    return fetch_token(client)


@dataclass
class SellerApi:
    """Calls ``/sandbox/flipkart/<app>/sellers/<path>`` with the bearer token."""

    client: Any
    token: str

    def _auth(self, token: str | None) -> dict[str, str]:
        return {"HTTP_AUTHORIZATION": f"Bearer {self.token if token is None else token}"}

    def get(self, path: str, params: dict | None = None, *, token: str | None = None):
        return self.client.get(f"{ROOT}/sellers{path}", params or {}, **self._auth(token))

    def post(self, path: str, body: Any, *, token: str | None = None):
        return self.client.post(
            f"{ROOT}/sellers{path}",
            data=json.dumps(body),
            content_type="application/json",
            **self._auth(token),
        )


@pytest.fixture
def api(client, token) -> SellerApi:
    return SellerApi(client, token)
