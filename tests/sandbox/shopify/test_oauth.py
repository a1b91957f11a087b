"""OAuth install against the sandbox: signed redirect, single-use code, token that works."""

from __future__ import annotations

import base64
import hashlib
import hmac
from urllib.parse import parse_qsl, urlencode, urlsplit

import pytest
from django.conf import settings

from sandbox.shopify.oauth import sign_query
from tests.sandbox.conftest import SHOP, GraphQL

AUTHORIZE = f"/sandbox/shopify/{SHOP}/admin/oauth/authorize"
ACCESS_TOKEN = f"/sandbox/shopify/{SHOP}/admin/oauth/access_token"
PARAMS = {
    "client_id": settings.SHOPIFY_API_KEY,
    "scope": "read_orders,read_products",
    "redirect_uri": "http://127.0.0.1:8000/channels/shopify/oauth/callback",
    "state": "nonce-123",
}


def approve(client) -> dict[str, str]:
    response = client.post(AUTHORIZE, PARAMS)
    assert response.status_code == 302
    location = urlsplit(response["Location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == PARAMS["redirect_uri"]
    return dict(parse_qsl(location.query))


def test_hmac_matches_shopify_documented_vector():
    params = {
        "code": "0907a61c0c8d55e99db179b68161bc00",
        "shop": "some-shop.myshopify.com",
        "timestamp": "1337178173",
    }
    assert sign_query(params, "hush") == (
        "4712bf92ffc2917d15a2f5a273e39f0116667419aa4b6ac0b3baaf26fa3c4d20"
    )


def test_authorize_page_shows_app_scopes_and_carries_params(client, app):
    response = client.get(AUTHORIZE, PARAMS)

    assert response.status_code == 200
    body = response.content.decode()
    assert "Install" in body
    assert app.title in body
    assert "read_orders" in body
    assert "read_products" in body
    assert 'name="state" value="nonce-123"' in body


def test_unknown_client_id_is_refused(client, store):
    response = client.get(AUTHORIZE, {**PARAMS, "client_id": "not-an-app"})
    assert response.status_code == 400
    assert b"client_id" in response.content


def test_approval_redirects_with_shopify_signed_params(client, app):
    params = approve(client)

    assert set(params) == {"code", "hmac", "host", "shop", "state", "timestamp"}
    assert params["shop"] == SHOP
    assert params["state"] == "nonce-123"
    assert base64.b64decode(params["host"] + "==").decode() == f"{SHOP}/admin"
    message = urlencode(sorted((k, v) for k, v in params.items() if k != "hmac"))
    expected = hmac.new(app.api_secret.encode(), message.encode(), hashlib.sha256).hexdigest()
    assert hmac.compare_digest(params["hmac"], expected)


def test_code_exchanges_once_for_a_working_token(client, app):
    code = approve(client)["code"]
    fields = {"client_id": app.api_key, "client_secret": app.api_secret, "code": code}

    first = client.post(ACCESS_TOKEN, fields)
    again = client.post(ACCESS_TOKEN, fields)

    assert first.status_code == 200
    body = first.json()
    assert body["access_token"].startswith("shpat_")
    assert body["scope"] == PARAMS["scope"]
    assert again.status_code == 400
    assert again.json()["error"] == "invalid_request"
    shop = GraphQL(client, body["access_token"])("{ shop { myshopifyDomain } }")
    assert shop["data"]["shop"]["myshopifyDomain"] == SHOP


def test_json_body_is_accepted_like_the_ruby_library_sends_it(client, app):
    code = approve(client)["code"]
    response = client.post(
        ACCESS_TOKEN,
        {"client_id": app.api_key, "client_secret": app.api_secret, "code": code},
        content_type="application/json",
    )
    assert response.status_code == 200
    assert response.json()["access_token"]


@pytest.mark.parametrize("mutation", ["wrong_secret", "unknown_code", "expired"])
def test_bad_exchanges_are_400_invalid_request(client, app, frozen_clock, mutation):
    code = approve(client)["code"]
    fields = {"client_id": app.api_key, "client_secret": app.api_secret, "code": code}
    if mutation == "wrong_secret":
        fields["client_secret"] = "nope"
    elif mutation == "unknown_code":
        fields["code"] = "0" * 32
    else:
        frozen_clock.advance(11 * 60)

    response = client.post(ACCESS_TOKEN, fields)

    assert response.status_code == 400
    assert response.json()["error"] == "invalid_request"
    assert response.json()["error_description"]


def test_unknown_token_gets_shopify_401_body(client, store):
    response = GraphQL(client, "shpat_bogus").post("{ shop { name } }")
    assert response.status_code == 401
    assert response.json() == {
        "errors": "[API] Invalid API key or access token (unrecognized login or wrong password)"
    }


def test_per_user_grant_returns_an_expiring_online_token(client, app):
    page = client.get(AUTHORIZE, {**PARAMS, "grant_options[]": "per-user"})
    assert 'name="grant_options" value="per-user"' in page.content.decode()
    response = client.post(AUTHORIZE, {**PARAMS, "grant_options": "per-user"})
    code = dict(parse_qsl(urlsplit(response["Location"]).query))["code"]

    body = client.post(
        ACCESS_TOKEN, {"client_id": app.api_key, "client_secret": app.api_secret, "code": code}
    ).json()

    assert body["expires_in"] == 86400
    assert body["associated_user_scope"] == PARAMS["scope"]
    assert body["associated_user"]["account_owner"] is True


def test_unknown_shop_is_404(client, store):
    response = client.get("/sandbox/shopify/nobody.myshopify.com/admin/oauth/authorize", PARAMS)
    assert response.status_code == 404
