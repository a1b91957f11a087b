"""Login lockout (accounts/lockout.py, django-axes) on ``POST /api/auth/token`` and
``/accounts/login/``: per username + address, per address, the cool-off, and the answers."""

from __future__ import annotations

from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.test import RequestFactory
from django.utils import timezone

from accounts.lockout import client_address
from tests.accounts.helpers import LOGINS, PASSWORD, succeeded
from tests.factories import MembershipFactory

ENDPOINTS = pytest.mark.parametrize("endpoint", sorted(LOGINS))


def fail(endpoint: str, username: str, times: int, *, address: str = "10.0.0.1") -> list:
    """``times`` wrong-password logins as ``username`` from ``address``; their answers."""
    login = LOGINS[endpoint]
    return [login(username, "wrong-password", address=address) for _ in range(times)]


@ENDPOINTS
def test_the_right_password_is_refused_after_the_failure_limit(endpoint, owner):
    username = owner.user.username
    answers = fail(endpoint, username, settings.LOGIN_FAILURE_LIMIT + 1)

    assert not any(succeeded(endpoint, answer) for answer in answers)
    assert answers[-1].status_code == 429
    refused = LOGINS[endpoint](username, PASSWORD)
    assert refused.status_code == 429
    assert not succeeded(endpoint, refused)
    assert refused["Retry-After"] == str(settings.LOGIN_LOCKOUT_MINUTES * 60)


@ENDPOINTS
def test_fewer_failures_than_the_limit_still_let_the_right_password_in(endpoint, owner):
    username = owner.user.username
    fail(endpoint, username, settings.LOGIN_FAILURE_LIMIT - 1)

    assert succeeded(endpoint, LOGINS[endpoint](username, PASSWORD))
    # The success forgot this user's failures from this address: a new typo does not lock.
    fail(endpoint, username, 1)
    assert succeeded(endpoint, LOGINS[endpoint](username, PASSWORD))


def test_the_api_lockout_answer_is_json_with_a_clear_message(owner):
    fail("api", owner.user.username, settings.LOGIN_FAILURE_LIMIT)

    response = LOGINS["api"](owner.user.username, PASSWORD)

    assert response.status_code == 429
    assert response["Content-Type"].startswith("application/json")
    detail = response.json()["detail"]
    assert "Too many failed login attempts" in detail
    assert f"{settings.LOGIN_LOCKOUT_MINUTES} minutes" in detail
    assert "token" not in response.json()


def test_the_dashboard_shows_a_lockout_page(owner):
    fail("dashboard", owner.user.username, settings.LOGIN_FAILURE_LIMIT)

    response = LOGINS["dashboard"](owner.user.username, PASSWORD)

    assert response.status_code == 429
    assert "registration/locked_out.html" in [t.name for t in response.templates]
    body = response.content.decode()
    assert "Login temporarily blocked" in body
    assert "Too many failed login attempts" in body
    assert "_auth_user_id" not in response.client.session


@ENDPOINTS
def test_the_same_user_from_another_address_is_not_locked(endpoint, owner):
    username = owner.user.username
    fail(endpoint, username, settings.LOGIN_FAILURE_LIMIT, address="10.0.0.1")

    assert LOGINS[endpoint](username, PASSWORD, address="10.0.0.1").status_code == 429
    assert succeeded(endpoint, LOGINS[endpoint](username, PASSWORD, address="10.0.0.2"))


@ENDPOINTS
def test_another_user_from_the_locked_address_is_not_locked_below_the_address_limit(
    endpoint, owner
):
    fail(endpoint, owner.user.username, settings.LOGIN_FAILURE_LIMIT)
    other = MembershipFactory(merchant=owner.merchant).user

    assert succeeded(endpoint, LOGINS[endpoint](other.username, PASSWORD))


@ENDPOINTS
def test_an_address_spraying_many_usernames_is_locked(endpoint, owner, settings):
    settings.LOGIN_ADDRESS_FAILURE_LIMIT = 6
    # Two failures each for three usernames: under the per-user limit, at the address limit.
    for name in ("asha", "ravi", "meera"):
        fail(endpoint, name, 2, address="10.0.0.9")

    refused = LOGINS[endpoint](owner.user.username, PASSWORD, address="10.0.0.9")

    assert refused.status_code == 429
    assert succeeded(endpoint, LOGINS[endpoint](owner.user.username, PASSWORD, address="10.0.0.8"))


@ENDPOINTS
def test_a_valid_login_does_not_reset_the_address_count_of_other_usernames(
    endpoint, owner, settings
):
    settings.LOGIN_ADDRESS_FAILURE_LIMIT = 6
    for name in ("asha", "ravi", "meera", "kiran", "dev"):
        fail(endpoint, name, 1, address="10.0.0.9")
    # The sprayer's own valid account logs in between rounds...
    assert succeeded(endpoint, LOGINS[endpoint](owner.user.username, PASSWORD, address="10.0.0.9"))
    fail(endpoint, "nisha", 1, address="10.0.0.9")

    # ...and the address is locked all the same at its sixth failure.
    other = MembershipFactory(merchant=owner.merchant).user
    assert LOGINS[endpoint](other.username, PASSWORD, address="10.0.0.9").status_code == 429


@ENDPOINTS
def test_the_lockout_ends_after_the_cool_off(endpoint, owner):
    username = owner.user.username
    fail(endpoint, username, settings.LOGIN_FAILURE_LIMIT)
    assert LOGINS[endpoint](username, PASSWORD).status_code == 429

    # The last failure (the refused right password counts too) is a cool-off and a minute old.
    AccessAttempt.objects.update(
        attempt_time=timezone.now() - timedelta(minutes=settings.LOGIN_LOCKOUT_MINUTES + 1)
    )

    assert succeeded(endpoint, LOGINS[endpoint](username, PASSWORD))


@ENDPOINTS
def test_the_lockout_holds_just_before_the_cool_off_ends(endpoint, owner):
    username = owner.user.username
    fail(endpoint, username, settings.LOGIN_FAILURE_LIMIT)
    AccessAttempt.objects.update(
        attempt_time=timezone.now() - timedelta(minutes=settings.LOGIN_LOCKOUT_MINUTES - 1)
    )

    assert LOGINS[endpoint](username, PASSWORD).status_code == 429


def test_failures_on_one_endpoint_count_on_the_other(owner):
    username = owner.user.username
    fail("api", username, settings.LOGIN_FAILURE_LIMIT // 2)
    fail("dashboard", username, settings.LOGIN_FAILURE_LIMIT - settings.LOGIN_FAILURE_LIMIT // 2)

    assert LOGINS["api"](username, PASSWORD).status_code == 429
    assert LOGINS["dashboard"](username, PASSWORD).status_code == 429


def test_the_client_address_is_remote_addr_without_trusted_proxies(settings):
    settings.LOGIN_TRUSTED_PROXY_COUNT = 0
    request = RequestFactory().post(
        "/accounts/login/", REMOTE_ADDR="10.1.1.1", HTTP_X_FORWARDED_FOR="6.6.6.6"
    )

    assert client_address(request) == "10.1.1.1"


def test_behind_a_trusted_proxy_the_address_it_saw_is_used(settings):
    settings.LOGIN_TRUSTED_PROXY_COUNT = 1
    # The client forged the first entry; the proxy appended the address it saw.
    request = RequestFactory().post(
        "/accounts/login/", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.7"
    )

    assert client_address(request) == "203.0.113.7"
