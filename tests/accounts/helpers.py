"""Login helpers shared by the lockout and token tests."""

from __future__ import annotations

from django.test import Client
from rest_framework.test import APIClient

PASSWORD = "pw"  # tests.factories.UserFactory's password


def api_login(username: str, password: str, *, address: str = "10.0.0.1"):
    """``POST /api/auth/token`` from ``address``."""
    return APIClient().post(
        "/api/auth/token",
        {"username": username, "password": password},
        format="json",
        REMOTE_ADDR=address,
    )


def dashboard_login(username: str, password: str, *, address: str = "10.0.0.1"):
    """``POST /accounts/login/`` from ``address`` (the test client skips CSRF)."""
    return Client().post(
        "/accounts/login/",
        {"username": username, "password": password},
        REMOTE_ADDR=address,
    )


def succeeded(endpoint: str, response) -> bool:
    """Whether a login answer is a success (a token, or the redirect after the login form)."""
    if endpoint == "api":
        return response.status_code == 200 and "token" in response.json()
    return response.status_code == 302


LOGINS = {"api": api_login, "dashboard": dashboard_login}
