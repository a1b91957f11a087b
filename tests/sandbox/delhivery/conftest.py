"""Fixtures for the Delhivery sandbox: a seeded client and a small HTTP helper for its API
(Django test client, no network). ``frozen_clock`` and ``receiver`` come from
``tests/sandbox/conftest.py``."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import pytest

CLIENT = "dlv-test-client"
TOKEN = "0123456789abcdef0123456789abcdef01234567"
WAREHOUSE = "TEST-WH"
ROOT = f"/sandbox/delhivery/{CLIENT}"


def parse(value: str) -> datetime:
    """A Delhivery timestamp (IST, no zone, 0–3 fractional digits) as a naive datetime."""
    return datetime.fromisoformat(value)


def item(order: str, **overrides: Any) -> dict[str, Any]:
    base = {
        "name": "Priya Nair",
        "add": "12 MG Road",
        "pin": "560034",
        "city": "Bengaluru",
        "state": "Karnataka",
        "country": "India",
        "phone": "9876543210",
        "order": order,
        "payment_mode": "COD",
        "cod_amount": 799,
        "total_amount": 799,
        "products_desc": "Kurta cotton",
        "quantity": "1",
        "weight": 500,
        "shipping_mode": "Surface",
    }
    return {**base, **overrides}


@dataclass
class Delhivery:
    client: Any
    token: str = TOKEN

    def headers(self, token: str | None = None) -> dict[str, str]:
        return {"HTTP_AUTHORIZATION": f"Token {self.token if token is None else token}"}

    def get(self, path: str, params: dict | None = None, **kwargs: Any):
        return self.client.get(f"{ROOT}{path}", params or {}, **self.headers(**kwargs))

    def post_json(self, path: str, body: Any, **kwargs: Any):
        return self.client.post(
            f"{ROOT}{path}",
            data=json.dumps(body),
            content_type="application/json",
            **self.headers(**kwargs),
        )

    def create_raw(self, form: dict[str, str], **kwargs: Any):
        return self.client.post(f"{ROOT}/api/cmu/create.json", form, **self.headers(**kwargs))

    def create(self, *items: dict[str, Any]) -> dict[str, Any]:
        data = {"shipments": list(items), "pickup_location": {"name": WAREHOUSE}}
        response = self.create_raw({"format": "json", "data": json.dumps(data)})
        assert response.status_code == 200, response.content
        return response.json()

    def track(self, *waybills: str) -> dict[str, Any]:
        response = self.get("/api/v1/packages/json/", {"waybill": ",".join(waybills)})
        assert response.status_code == 200, response.content
        return response.json()


@pytest.fixture
def dlv_client(db):
    from sandbox.delhivery.seed import seed_client

    return seed_client(CLIENT, token=TOKEN, warehouse=WAREHOUSE, warehouse_pin="110044")


@pytest.fixture
def dlv(client, dlv_client) -> Delhivery:
    return Delhivery(client)
