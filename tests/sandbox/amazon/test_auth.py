"""LWA token exchange and the access-token check of SP-API calls."""

from __future__ import annotations

import json

from sandbox.amazon import services
from tests.sandbox.amazon.conftest import (
    CLIENT_ID,
    CLIENT_SECRET,
    OTHER_SELLER,
    REFRESH_TOKEN,
    SELLER,
    SpApi,
    assert_error_list,
    lwa,
    root,
)

PARTICIPATIONS = "/sellers/v1/marketplaceParticipations"


def test_refresh_token_grant_issues_a_one_hour_access_token(client, seller):
    response = lwa(client)

    assert response.status_code == 200
    body = response.json()
    assert body["access_token"].startswith("Atza|")
    assert body["refresh_token"] == REFRESH_TOKEN
    assert body["token_type"] == "bearer"
    assert body["expires_in"] == 3600
    assert response["x-amzn-RequestId"]


def test_json_body_is_accepted_like_a_form(client, seller):
    response = client.post(
        f"{root()}/auth/o2/token",
        data=json.dumps(
            {
                "grant_type": "refresh_token",
                "refresh_token": REFRESH_TOKEN,
                "client_id": CLIENT_ID,
                "client_secret": CLIENT_SECRET,
            }
        ),
        content_type="application/json",
    )

    assert response.status_code == 200
    assert response.json()["access_token"].startswith("Atza|")


def test_each_refresh_gives_a_new_working_token(client, seller):
    first = lwa(client).json()["access_token"]
    second = lwa(client).json()["access_token"]

    assert first != second
    for token in (first, second):
        assert SpApi(client, token).get(PARTICIPATIONS).status_code == 200


def test_unknown_refresh_token_is_an_invalid_grant(client, seller):
    response = lwa(client, refresh_token="Atzr|nope")

    assert response.status_code == 400
    assert response.json() == {
        "error": "invalid_grant",
        "error_description": "The request has an invalid grant parameter : refresh_token",
    }


def test_revoked_refresh_token_is_an_invalid_grant(client, seller):
    services.revoke_refresh_token(SELLER)

    response = lwa(client)

    assert response.status_code == 400
    assert response.json()["error"] == "invalid_grant"


def test_wrong_client_secret_is_an_invalid_client(client, seller):
    response = lwa(client, client_secret="wrong")

    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"


def test_missing_field_and_other_grant_types_are_refused(client, seller):
    missing = client.post(
        f"{root()}/auth/o2/token",
        {"grant_type": "refresh_token", "client_id": CLIENT_ID, "client_secret": CLIENT_SECRET},
    )
    other = lwa(client, grant_type="authorization_code")

    assert missing.status_code == 400
    assert missing.json()["error"] == "invalid_request"
    assert other.status_code == 400
    assert other.json()["error"] == "unsupported_grant_type"


def test_refresh_token_of_another_seller_is_refused(client, seller):
    services.seed_seller(
        seller_id=OTHER_SELLER,
        orders=0,
        products=2,
        variants=4,
        client_id=CLIENT_ID,
        client_secret=CLIENT_SECRET,
        refresh_token="Atzr|other",
    )

    response = lwa(client, seller_id=OTHER_SELLER)

    assert response.status_code == 400
    assert response.json()["error"] == "invalid_grant"


def test_call_without_token_is_unauthorized(client, seller):
    response = SpApi(client, "").get(PARTICIPATIONS)

    assert response.status_code == 403
    assert response.json() == {
        "errors": [
            {
                "code": "Unauthorized",
                "message": "Access to requested resource is denied.",
                "details": "Access token is missing in the request header.",
            }
        ]
    }
    assert_error_list(response.json())


def test_unknown_token_is_unauthorized(client, seller):
    response = SpApi(client, "Atza|forged").get(PARTICIPATIONS)

    assert response.status_code == 403
    assert response.json()["errors"][0]["details"] == (
        "The access token you provided is revoked, malformed or invalid."
    )


def test_expired_token_is_unauthorized_with_amazons_details(sp, frozen_clock):
    frozen_clock.advance(3601)

    response = sp.get(PARTICIPATIONS)

    assert response.status_code == 403
    error = response.json()["errors"][0]
    assert error["code"] == "Unauthorized"
    assert error["details"] == "The access token you provided has expired."


def test_token_of_one_seller_does_not_open_another(client, sp):
    services.seed_seller(seller_id=OTHER_SELLER, orders=0, products=2, variants=4)

    response = SpApi(client, sp.token, seller_id=OTHER_SELLER).get(PARTICIPATIONS)

    assert response.status_code == 403
    assert response.json()["errors"][0]["code"] == "Unauthorized"


def test_marketplace_participations_name_india_and_the_store(sp):
    response = sp.get(PARTICIPATIONS)

    assert response.status_code == 200
    body = response.json()
    (entry,) = body["payload"]
    assert set(entry) == {"marketplace", "participation", "storeName"}
    assert entry["participation"] == {"isParticipating": True, "hasSuspendedListings": False}
    assert entry["marketplace"]["countryCode"] == "IN"
    assert entry["marketplace"]["id"] == "A21TJRUUN4KGV"
    assert entry["marketplace"]["defaultCurrencyCode"] == "INR"
    assert entry["storeName"] == "Kesari Kurtas"
    assert response["x-amzn-RateLimit-Limit"] == "0.016"


def test_expired_tokens_are_refreshed_with_the_same_refresh_token(client, sp):
    services.expire_access_tokens(SELLER)

    refused = sp.get(PARTICIPATIONS)
    sp.token = lwa(client).json()["access_token"]

    assert refused.status_code == 403
    assert sp.get(PARTICIPATIONS).status_code == 200
