"""API tokens (accounts/api.py, accounts/authentication.py, accounts/tokens.py): expiry,
revocation, and 401 + ``WWW-Authenticate: Token`` for missing, wrong, expired or revoked tokens."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from tests.accounts.helpers import PASSWORD, api_login
from tests.factories import UserFactory

API_URL = "/api/inventory/skus"


def token_client(key: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def assert_token_challenge(response) -> None:
    """401 with the challenge a client needs to learn it should send a token."""
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"


def age(token: Token, seconds: float) -> None:
    """Make ``token`` ``seconds`` old."""
    Token.objects.filter(pk=token.pk).update(created=timezone.now() - timedelta(seconds=seconds))


def test_obtaining_a_token_answers_its_expiry(owner, settings):
    before = timezone.now()
    response = api_login(owner.user.username, PASSWORD)

    assert response.status_code == 200
    body = response.json()
    token = Token.objects.get(user=owner.user)
    assert body["token"] == token.key
    expires_at = parse_datetime(body["expires_at"])
    assert expires_at == token.created + timedelta(seconds=settings.API_TOKEN_TTL_SECONDS)
    assert expires_at >= before + timedelta(seconds=settings.API_TOKEN_TTL_SECONDS)
    assert token_client(body["token"]).get(API_URL).status_code == 200
    assert "sessionid" not in response.cookies  # a token exchange opens no session


def test_obtaining_again_while_valid_gives_the_same_token(owner):
    first = api_login(owner.user.username, PASSWORD).json()
    second = api_login(owner.user.username, PASSWORD).json()

    assert first == second


def test_the_default_lifetime_is_thirty_days(settings):
    assert settings.API_TOKEN_TTL_SECONDS == 30 * 24 * 3600


def test_a_missing_token_answers_401_with_the_token_challenge(db):
    response = APIClient().get(API_URL)

    assert_token_challenge(response)


def test_a_wrong_token_answers_401_with_the_token_challenge(owner):
    Token.objects.create(user=owner.user)

    response = token_client("0123456789abcdef0123456789abcdef01234567").get(API_URL)

    assert_token_challenge(response)
    assert response.json()["detail"] == "Invalid token."


def test_an_expired_token_answers_401_and_is_deleted(owner, settings):
    token = Token.objects.create(user=owner.user)
    age(token, settings.API_TOKEN_TTL_SECONDS + 1)

    response = token_client(token.key).get(API_URL)

    assert_token_challenge(response)
    assert "expired" in response.json()["detail"]
    assert not Token.objects.filter(pk=token.pk).exists()


def test_a_token_is_accepted_until_just_before_its_expiry(owner, settings):
    token = Token.objects.create(user=owner.user)
    age(token, settings.API_TOKEN_TTL_SECONDS - 60)

    assert token_client(token.key).get(API_URL).status_code == 200


def test_the_lifetime_follows_the_setting(owner, settings):
    settings.API_TOKEN_TTL_SECONDS = 60
    token = Token.objects.create(user=owner.user)
    age(token, 61)

    assert_token_challenge(token_client(token.key).get(API_URL))


def test_obtaining_after_expiry_issues_a_new_token(owner, settings):
    old = Token.objects.create(user=owner.user)
    age(old, settings.API_TOKEN_TTL_SECONDS + 1)

    # The client still sends its stale token: the exchange must not be refused for it.
    response = token_client(old.key).post(
        "/api/auth/token",
        {"username": owner.user.username, "password": PASSWORD},
        format="json",
    )

    assert response.status_code == 200
    new_key = response.json()["token"]
    assert new_key != old.key
    assert token_client(new_key).get(API_URL).status_code == 200
    assert_token_challenge(token_client(old.key).get(API_URL))


def test_delete_revokes_the_callers_token(owner):
    key = api_login(owner.user.username, PASSWORD).json()["token"]
    client = token_client(key)

    assert client.delete("/api/auth/token").status_code == 204

    assert not Token.objects.filter(user=owner.user).exists()
    assert_token_challenge(client.get(API_URL))
    # A new exchange gives a new token.
    assert api_login(owner.user.username, PASSWORD).json()["token"] != key


def test_delete_without_credentials_answers_401(db):
    assert_token_challenge(APIClient().delete("/api/auth/token"))


def test_a_token_revoked_by_staff_is_refused(owner):
    token = Token.objects.create(user=owner.user)
    token.delete()  # what the admin's delete does

    assert_token_challenge(token_client(token.key).get(API_URL))


def test_a_valid_token_without_a_merchant_is_still_forbidden(db):
    user = UserFactory()

    response = token_client(Token.objects.create(user=user).key).get(API_URL)

    assert response.status_code == 403


def test_session_authenticated_api_calls_still_work_and_still_need_csrf(owner):
    client = Client(enforce_csrf_checks=True)
    client.force_login(owner.user)

    assert client.get(API_URL).status_code == 200
    refused = client.post("/api/inventory/adjustments", {"sku": "X", "on_hand": 1})
    assert refused.status_code == 403
    assert "CSRF" in refused.json()["detail"]


@pytest.mark.parametrize("url", ["/api/multi-channel/orders", "/api/integrations/catalog"])
def test_other_apis_challenge_for_a_token_too(db, url):
    assert_token_challenge(APIClient().get(url))


def test_staff_see_expiry_and_revoke_tokens_in_the_admin(admin_client, owner, settings):
    token = Token.objects.create(user=owner.user)
    changelist = reverse("admin:authtoken_tokenproxy_changelist")

    page = admin_client.get(changelist)
    assert page.status_code == 200
    assert owner.user.username in page.content.decode()
    assert "expires at" in page.content.decode().lower()

    # DRF's token admin addresses a token by its user's id.
    delete = reverse("admin:authtoken_tokenproxy_delete", args=[owner.user.pk])
    response = admin_client.post(delete, {"post": "yes"})

    assert response.status_code == 302
    assert not Token.objects.filter(pk=token.pk).exists()
    assert_token_challenge(token_client(token.key).get(API_URL))
