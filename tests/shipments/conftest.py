"""Shipments test fixtures: merchant A (owner, viewer, a store and a Delhivery courier
account), merchant B (an outsider with its own courier), and shipment builders. The fast
password hasher of the app tests (``tests/inventory/conftest.py``)."""

from __future__ import annotations

from datetime import UTC, datetime
from itertools import count

import pytest
from rest_framework.test import APIClient

from accounts.models import Role
from integrations.dto import PaymentMethod, ShipmentStatus
from shipments.models import Shipment
from tests.dashboard.builders import logged_in, make_order
from tests.factories import ChannelAccountFactory, MembershipFactory
from tests.integrations.conftest import scripted_server  # noqa: F401
from tests.inventory.conftest import _fast_password_hasher  # noqa: F401

_awbs = count(2680571000001)
T0 = datetime(2026, 11, 2, 4, 30, tzinfo=UTC)  # 10:00 IST


@pytest.fixture
def owner(db):
    return MembershipFactory(role=Role.OWNER)


@pytest.fixture
def viewer(owner):
    return MembershipFactory(role=Role.VIEWER, merchant=owner.merchant)


@pytest.fixture
def outsider(db):
    return MembershipFactory(role=Role.OWNER)


@pytest.fixture
def owner_api(owner) -> APIClient:
    client = APIClient()
    client.force_authenticate(owner.user)
    return client


@pytest.fixture
def viewer_api(viewer) -> APIClient:
    client = APIClient()
    client.force_authenticate(viewer.user)
    return client


@pytest.fixture
def owner_client(owner):
    return logged_in(owner.user)


@pytest.fixture
def viewer_client(viewer):
    return logged_in(viewer.user)


@pytest.fixture
def shop(owner):
    return ChannelAccountFactory(merchant=owner.merchant, display_name="Alpha Store")


def make_courier(merchant, name: str = "SANGAMDEMO"):
    return ChannelAccountFactory(
        merchant=merchant,
        provider="delhivery",
        external_id=name,
        display_name=f"Delhivery {name}",
        credentials={"api_token": "t", "client_name": name},
    )


@pytest.fixture
def courier(owner):
    return make_courier(owner.merchant)


@pytest.fixture
def foreign_courier(outsider):
    return make_courier(outsider.merchant, "BRAVO")


def shippable_order(account, **overrides):
    """A confirmed order of ``account`` with a full address a courier can deliver to."""
    values = {
        "ship_address1": "14 FC Road",
        "ship_phone": "9876543210",
        "ship_name": "Asha Verma",
        "payment_method": PaymentMethod.COD,
    }
    values.update(overrides)
    return make_order(account, **values)


def make_shipment(
    courier, order=None, *, status=ShipmentStatus.IN_TRANSIT, order_fields=None, **fields
) -> Shipment:
    """A shipment of ``order`` (else a new order, with ``order_fields``, of a new store of the
    courier's merchant) at ``courier``, in ``status``."""
    if order is None:
        store = ChannelAccountFactory(merchant=courier.merchant)
        order = make_order(store, **(order_fields or {}))
    values = {
        "merchant": courier.merchant,
        "order": order,
        "account": courier,
        "awb": str(next(_awbs)),
        "payment_method": order.payment_method,
        "status": status,
        "status_at": T0,
    }
    values.update(fields)
    return Shipment.objects.create(**values)
