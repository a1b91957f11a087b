"""Fixtures for the login lockout and API token tests."""

from __future__ import annotations

import pytest

from accounts.models import Role
from tests.factories import MembershipFactory


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """Dozens of password checks per test: a fast hasher (autouse, so it is set before users)."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def owner(db):
    return MembershipFactory(role=Role.OWNER)
