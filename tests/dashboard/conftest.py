"""Fixtures for dashboard tests: merchant A (owner, viewer, a Shopify account) and merchant B
(an outsider with its own account), and logged-in clients."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.test import Client

from accounts.models import Role
from orders.models import Order, OrderStatusEvent
from tests.dashboard.builders import logged_in
from tests.factories import ChannelAccountFactory, MembershipFactory


@pytest.fixture
def owner(db):
    """An owner of merchant A."""
    return MembershipFactory(role=Role.OWNER)


@pytest.fixture
def viewer(owner):
    """A viewer of merchant A."""
    return MembershipFactory(role=Role.VIEWER, merchant=owner.merchant)


@pytest.fixture
def outsider(db):
    """An owner of merchant B."""
    return MembershipFactory(role=Role.OWNER)


@pytest.fixture
def owner_client(owner) -> Client:
    return logged_in(owner.user)


@pytest.fixture
def viewer_client(viewer) -> Client:
    return logged_in(viewer.user)


@pytest.fixture
def account(owner):
    """Merchant A's Shopify account."""
    return ChannelAccountFactory(
        merchant=owner.merchant, external_id="alpha.myshopify.com", display_name="Alpha Store"
    )


@pytest.fixture
def other_account(outsider):
    """Merchant B's Shopify account."""
    return ChannelAccountFactory(
        merchant=outsider.merchant, external_id="bravo.myshopify.com", display_name="Bravo Store"
    )


@pytest.fixture
def status_event():
    def create(order: Order, status: str, previous: str = "") -> OrderStatusEvent:
        return OrderStatusEvent.objects.create(
            order=order,
            status=status,
            previous_status=previous,
            source="webhook",
            occurred_at=datetime(2026, 11, 2, 4, 0, tzinfo=UTC),
        )

    return create
