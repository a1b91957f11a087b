"""The Flipkart sandbox's token endpoint, bearer checks, token expiry, faults and counters."""

from __future__ import annotations

import pytest

from tests.sandbox.flipkart.conftest import APP_ID, ROOT, SECRET, basic, fetch_token

TOKEN_URL = f"{ROOT}/oauth-service/oauth/token"
PARAMS = {"grant_type": "client_credentials", "scope": "Seller_Api"}
SEARCH = {"filter": {"type": "preDispatch", "states": ["APPROVED"]}, "pagination": {"pageSize": 1}}


def test_a_token_is_issued_for_basic_credentials_by_get(client, seller):
    response = client.get(TOKEN_URL, PARAMS, HTTP_AUTHORIZATION=basic())

    assert response.status_code == 200
    body = response.json()
    assert body["token_type"] == "bearer"
    assert body["expires_in"] == 5183999
    assert body["scope"] == "Seller_Api"
    assert len(body["access_token"]) == 36


def test_a_token_is_issued_by_post_with_form_parameters(client, seller):
    response = client.post(TOKEN_URL, PARAMS, HTTP_AUTHORIZATION=basic())
    assert response.status_code == 200
    assert response.json()["access_token"]


@pytest.mark.parametrize(
    "authorization",
    [
        basic(APP_ID, "wrong-secret"),
        basic("another-app", SECRET),
        "",
        "Basic not-base64!",
        "Bearer x",
    ],
)
def test_bad_credentials_get_401(client, seller, authorization):
    response = client.get(TOKEN_URL, PARAMS, HTTP_AUTHORIZATION=authorization)

    assert response.status_code == 401
    assert response.json() == {"error": "unauthorized", "error_description": "Bad credentials"}
    assert response["WWW-Authenticate"].startswith("Basic")


def test_an_unknown_application_gets_401(client, seller):
    response = client.get(
        "/sandbox/flipkart/nobody/oauth-service/oauth/token",
        PARAMS,
        HTTP_AUTHORIZATION=basic("nobody"),
    )
    assert response.status_code == 401


@pytest.mark.parametrize(
    ("params", "error"),
    [
        ({"grant_type": "authorization_code", "scope": "Seller_Api"}, "unsupported_grant_type"),
        ({"scope": "Seller_Api"}, "unsupported_grant_type"),
        ({"grant_type": "client_credentials", "scope": "Admin"}, "invalid_scope"),
    ],
)
def test_unsupported_grants_and_scopes_get_400(client, seller, params, error):
    response = client.get(TOKEN_URL, params, HTTP_AUTHORIZATION=basic())
    assert response.status_code == 400
    assert response.json()["error"] == error


@pytest.mark.parametrize(
    ("bearer", "error"),
    [(None, "unauthorized"), ("0000-not-a-token", "invalid_token")],
)
def test_api_calls_without_a_valid_token_get_401(api, bearer, error):
    headers = {} if bearer is None else {"HTTP_AUTHORIZATION": f"Bearer {bearer}"}
    response = api.client.post(
        f"{ROOT}/sellers/v3/shipments/filter", SEARCH, content_type="application/json", **headers
    )
    assert response.status_code == 401
    assert response.json()["error"] == error


def test_a_token_of_another_application_is_refused(client, api):
    from sandbox.flipkart.services import seed_seller

    seed_seller(application_id="other-app", orders=0, application_secret="other-secret")
    other = fetch_token(client, "other-app", "other-secret")

    assert api.post("/v3/shipments/filter", SEARCH, token=other).status_code == 401
    assert api.post("/v3/shipments/filter", SEARCH).status_code == 200


def test_tokens_expire_after_the_application_lifetime(client, seller, frozen_clock):
    from sandbox.flipkart.services import set_token_lifetime

    set_token_lifetime(APP_ID, 60)
    response = client.get(TOKEN_URL, PARAMS, HTTP_AUTHORIZATION=basic())
    assert response.json()["expires_in"] == 60
    bearer = {"HTTP_AUTHORIZATION": f"Bearer {response.json()['access_token']}"}
    url = f"{ROOT}/sellers/v3/shipments/filter"

    frozen_clock.advance(59)
    assert client.post(url, SEARCH, content_type="application/json", **bearer).status_code == 200
    frozen_clock.advance(1)
    expired = client.post(url, SEARCH, content_type="application/json", **bearer)
    assert expired.status_code == 401
    assert expired.json() == {"error": "invalid_token", "error_description": "Access token expired"}


@pytest.mark.parametrize("status", [429, 500, 503])
def test_injected_faults_answer_the_next_calls_then_stop(api, status):
    from sandbox.flipkart.services import inject_faults

    inject_faults(APP_ID, count=2, status=status)

    first, second, third = (api.post("/v3/shipments/filter", SEARCH) for _ in range(3))
    assert [first.status_code, second.status_code, third.status_code] == [status, status, 200]
    if status == 429:
        assert first["Retry-After"] == "1"


def test_faults_do_not_touch_the_token_endpoint(client, seller):
    from sandbox.flipkart.services import inject_faults

    inject_faults(APP_ID, count=1, status=503)
    assert client.get(TOKEN_URL, PARAMS, HTTP_AUTHORIZATION=basic()).status_code == 200


def test_unknown_fault_statuses_are_refused(seller):
    from sandbox.flipkart.services import inject_faults

    with pytest.raises(ValueError, match="status"):
        inject_faults(APP_ID, count=1, status=404)


def test_calls_are_counted_per_endpoint(client, api):
    from sandbox.flipkart.services import call_counts, reset_call_counts

    api.post("/v3/shipments/filter", SEARCH)
    api.post("/v3/shipments/filter", SEARCH)
    api.get(
        "/v2/returns", {"source": "customer_return", "modifiedAfter": "2024-01-01T00:00:00+00:00"}
    )

    assert call_counts(APP_ID) == {"token": 1, "shipments.filter": 2, "returns": 1}
    reset_call_counts(APP_ID)
    assert call_counts(APP_ID) == {}
