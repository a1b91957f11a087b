"""Builders for Flipkart connector tests: a connector pointed at the scripted loopback server
(``tests/integrations/conftest.py``) with a fixed clock, and payload builders shaped like the
SDK's ``Shipment``/``OrderItem``/``ReturnItem`` models."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from integrations.connectors.flipkart.connector import FlipkartConnector
from integrations.dto import AccountHandle
from integrations.http import HttpClient

APP_ID = "fk-app-1"
SECRET = "fk-secret-1"
NOW = datetime(2024, 6, 10, 12, 0, tzinfo=UTC)
LIVE_TOKEN = "11111111-2222-3333-4444-555555555555"


def stored_token(expires_at: datetime = NOW + timedelta(days=30)) -> dict[str, str]:
    return {"access_token": LIVE_TOKEN, "access_token_expires_at": expires_at.isoformat()}


@pytest.fixture
def make_connector(scripted_server, fake_clock):
    """``make_connector(credentials=…, settings=…)`` → (connector, saved) where ``saved``
    records every ``save_credentials`` call as ``(updates, expires_at)``."""

    def build(
        *, credentials: dict[str, Any] | None = None, settings: dict[str, Any] | None = None
    ) -> tuple[FlipkartConnector, list[tuple[dict[str, Any], datetime | None]]]:
        handle = AccountHandle(
            id=7,
            merchant_id=1,
            provider="flipkart",
            external_id=APP_ID,
            base_url=scripted_server.url,
            credentials={"application_secret": SECRET, **(credentials or {})},
            settings={"application_id": APP_ID, **(settings or {})},
        )
        http = HttpClient(
            provider="flipkart", account_key="7", max_retries=2, sleep=fake_clock.sleep
        )
        connector = FlipkartConnector(handle, http, now=lambda: NOW)
        saved: list[tuple[dict[str, Any], datetime | None]] = []
        connector.credentials_saver = lambda updates, expires_at: saved.append(
            (dict(updates), expires_at)
        )
        return connector, saved

    return build


def order_item(
    order_id: str,
    item_id: str,
    *,
    status: str = "APPROVED",
    sku: str = "KURTA-IND-BLU-M",
    quantity: int = 1,
    selling: float = 799.0,
    shipping: float = 0.0,
    discount: float = 0.0,
    payment: str = "PREPAID",
    ordered: str = "2024-06-09T20:15:00.000+05:30",
    **extra: Any,
) -> dict[str, Any]:
    return {
        "orderItemId": item_id,
        "orderId": order_id,
        "cancellationGroupId": f"grp{item_id}",
        "orderDate": ordered,
        "cancellationDate": None,
        "paymentType": payment,
        "status": status,
        "cancellationReason": None,
        "cancellationSubReason": None,
        "courierReturn": False,
        "quantity": quantity,
        "fsn": "KURT2BZ0HIKKSOHZ",
        "sku": sku,
        "listingId": f"LST{item_id}",
        "hsn": "6211",
        "title": f"Title of {sku}",
        "packageIds": [],
        "priceComponents": {
            "sellingPrice": selling,
            "totalPrice": selling + shipping,
            "shippingCharge": shipping,
            "customerPrice": selling + shipping - discount,
            "flipkartDiscount": discount,
        },
        "serviceProfile": "NON_FBF",
        "is_replacement": False,
        **extra,
    }


def shipment(
    shipment_id: str, items: list[dict[str, Any]], updated: str = "2024-06-10T10:00:00.000+05:30"
) -> dict[str, Any]:
    return {
        "shipmentId": shipment_id,
        "dispatchByDate": "2024-06-11T18:00:00.000+05:30",
        "dispatchAfterDate": "2024-06-09T21:00:00.000+05:30",
        "updatedAt": updated,
        "locationId": "LOCa1b2c3d4e5",
        "hold": False,
        "mps": False,
        "packagingPolicy": "DEFAULT",
        "subShipments": [{"subShipmentId": "SS-1", "packages": []}],
        "orderItems": items,
        "forms": [],
        "shipmentType": "NORMAL",
    }


def return_item(return_id: str, **extra: Any) -> dict[str, Any]:
    return {
        "orderItemId": "2000000000000001",
        "locationId": "LOCa1b2c3d4e5",
        "orderId": "OD430000000000000001",
        "quantity": 1,
        "orderDate": "2024-05-20T10:00:00.000+05:30",
        "createdDate": "2024-06-01T09:30:00.000+05:30",
        "courierName": "Ekart Logistics",
        "sellerId": "a1b2c3d4e5f6a7b8",
        "returnId": return_id,
        "status": "CREATED",
        "type": "REFUND",
        "reason": "SIZE_ISSUE",
        "subReason": "too_small",
        "trackingId": "FMPR1234567890",
        "shipmentStatus": "PICKUP_SCHEDULED",
        "shipmentId": "3f1c0c8e-5b1a-4b7e-9a51-0c2f5e8d9a10",
        "comments": "",
        "updatedDate": "2024-06-02T11:00:00.000+05:30",
        "approvedOn": "2024-06-01T09:30:00.000+05:30",
        "expectedDate": "2024-06-06T09:30:00.000+05:30",
        "serviceProfile": "NON_FBF",
        "services": [],
        **extra,
    }
