"""Flipkart token handling and authenticated calls against a scripted loopback server."""

from __future__ import annotations

import base64
from datetime import timedelta
from urllib.parse import parse_qs

import pytest

from integrations.connectors.flipkart.client import FLIPKART_TOKEN_REFRESH_MARGIN
from integrations.http import ConnectorError
from tests.integrations.conftest import Reply
from tests.integrations.flipkart.conftest import APP_ID, LIVE_TOKEN, NOW, SECRET, stored_token

TOKEN_BODY = {
    "access_token": "9f6d1d9e-0000-4000-8000-00000000abcd",
    "token_type": "bearer",
    "expires_in": 5183999,
    "scope": "Seller_Api",
}
EMPTY_PAGE = {"hasMore": False, "nextPageUrl": None, "shipments": []}


def basic_header() -> str:
    return "Basic " + base64.b64encode(f"{APP_ID}:{SECRET}".encode()).decode()


def test_the_token_is_requested_with_basic_auth_and_saved_with_its_expiry(
    make_connector, scripted_server
):
    connector, saved = make_connector()
    scripted_server.script(Reply(200, TOKEN_BODY), Reply(200, EMPTY_PAGE))

    facts = connector.check_credentials()

    token_request, search = scripted_server.requests
    assert token_request.method == "GET"
    assert token_request.path == "/oauth-service/oauth/token"
    assert parse_qs(token_request.query) == {
        "grant_type": ["client_credentials"],
        "scope": ["Seller_Api"],
    }
    assert token_request.headers["Authorization"] == basic_header()
    expires = NOW + timedelta(seconds=5183999)
    assert saved == [
        (
            {
                "access_token": TOKEN_BODY["access_token"],
                "access_token_expires_at": expires.isoformat(),
            },
            expires,
        )
    ]
    assert connector.account.credentials["access_token"] == TOKEN_BODY["access_token"]
    assert search.method == "POST"
    assert search.path == "/sellers/v3/shipments/filter"
    assert search.headers["Authorization"] == f"Bearer {TOKEN_BODY['access_token']}"
    assert search.json()["pagination"] == {"pageSize": 1}
    assert search.json()["filter"]["type"] == "preDispatch"
    assert facts == {"name": f"Flipkart seller {APP_ID}", "token_expires_at": expires}


def test_a_stored_token_far_from_expiry_is_reused(make_connector, scripted_server):
    connector, saved = make_connector(credentials=stored_token(NOW + timedelta(days=20)))
    scripted_server.script(Reply(200, EMPTY_PAGE))

    connector.fetch_orders(since=NOW - timedelta(hours=1), cursor=None)

    assert [r.path for r in scripted_server.requests] == [
        "/sellers/v3/shipments/filter",
        "/sellers/v3/shipments/filter",
        "/sellers/v3/shipments/filter",
    ]
    assert all(
        r.headers["Authorization"] == f"Bearer {LIVE_TOKEN}" for r in scripted_server.requests
    )
    assert saved == []


@pytest.mark.parametrize(
    "left", [FLIPKART_TOKEN_REFRESH_MARGIN - timedelta(minutes=1), timedelta(0), -timedelta(days=1)]
)
def test_a_token_within_three_days_of_expiry_is_replaced_first(
    make_connector, scripted_server, left
):
    connector, saved = make_connector(credentials=stored_token(NOW + left))
    scripted_server.script(Reply(200, TOKEN_BODY), Reply(200, EMPTY_PAGE))

    connector.fetch_returns(since=NOW - timedelta(hours=1), cursor=None)

    assert scripted_server.requests[0].path == "/oauth-service/oauth/token"
    assert scripted_server.requests[1].headers["Authorization"] == (
        f"Bearer {TOKEN_BODY['access_token']}"
    )
    assert [updates["access_token"] for updates, _ in saved] == [TOKEN_BODY["access_token"]]


def test_a_401_gets_one_new_token_and_one_retry(make_connector, scripted_server):
    connector, saved = make_connector(credentials=stored_token())
    scripted_server.script(
        Reply(401, {"error": "invalid_token", "error_description": "Invalid access token"}),
        Reply(200, TOKEN_BODY),
        Reply(200, {"available": {}, "unavailable": ["SKU-1"], "invalid": []}),
    )

    assert connector.listings.lookup(["SKU-1"]) == {}

    first, token_request, retry = scripted_server.requests
    assert first.headers["Authorization"] == f"Bearer {LIVE_TOKEN}"
    assert token_request.path == "/oauth-service/oauth/token"
    assert retry.path == first.path == "/sellers/listings/v3/SKU-1"
    assert retry.headers["Authorization"] == f"Bearer {TOKEN_BODY['access_token']}"
    assert len(saved) == 1


def test_a_second_401_is_permanent(make_connector, scripted_server):
    connector, _ = make_connector(credentials=stored_token())
    refused = Reply(401, {"error": "invalid_token", "error_description": "Invalid access token"})
    scripted_server.script(refused, Reply(200, TOKEN_BODY), refused)

    with pytest.raises(ConnectorError) as caught:
        connector.listings.lookup(["SKU-1"])

    assert caught.value.permanent is True
    assert caught.value.status == 401
    assert "freshly issued access token" in str(caught.value)
    assert len(scripted_server.requests) == 3


def test_bad_application_credentials_are_permanent(make_connector, scripted_server):
    connector, saved = make_connector()
    scripted_server.script(
        Reply(401, {"error": "unauthorized", "error_description": "Bad credentials"})
    )

    with pytest.raises(ConnectorError) as caught:
        connector.check_credentials()

    assert caught.value.permanent is True
    assert APP_ID in str(caught.value)
    assert "secret" in str(caught.value)
    assert SECRET not in str(caught.value)
    assert len(scripted_server.requests) == 1
    assert saved == []


def test_a_missing_secret_fails_without_calling_flipkart(make_connector, scripted_server):
    connector, _ = make_connector()
    connector.account.credentials.pop("application_secret")
    scripted_server.script(Reply(200, TOKEN_BODY))

    with pytest.raises(ConnectorError) as caught:
        connector.check_credentials()

    assert caught.value.permanent is True
    assert scripted_server.requests == []


def test_server_errors_of_a_search_are_retried_as_it_is_a_read(
    make_connector, scripted_server, fake_clock
):
    connector, _ = make_connector(credentials=stored_token())
    scripted_server.script(
        Reply(503, {"error": "service_unavailable"}),
        Reply(429, {"error": "too_many_requests"}, headers={"Retry-After": "2"}),
        Reply(200, EMPTY_PAGE),
    )

    page = connector.fetch_orders(since=NOW - timedelta(hours=1), cursor=None)

    assert page.items == []
    assert len(scripted_server.requests) == 5  # 2 failures, then 3 searches
    assert 2.0 in fake_clock.sleeps  # Retry-After honoured


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("/v3/shipments/filter?next_token=a%3Db", "/sellers/v3/shipments/filter?next_token=a%3Db"),
        ("v2/returns?next_token=x", "/sellers/v2/returns?next_token=x"),
        ("/sellers/v3/shipments?orderIds=OD1", "/sellers/v3/shipments?orderIds=OD1"),
    ],
)
def test_paths_are_relative_to_the_sellers_root(make_connector, scripted_server, given, expected):
    connector, _ = make_connector()
    assert connector.client.url(given) == scripted_server.url + expected


def test_absolute_urls_are_used_as_given(make_connector):
    connector, _ = make_connector()
    url = "https://api.flipkart.net/sellers/v3/shipments/filter?next_token=abc"
    assert connector.client.url(url) == url


def test_the_production_root_is_used_without_a_base_url(make_connector):
    connector, _ = make_connector()
    from integrations.connectors.flipkart.client import FlipkartClient
    from integrations.dto import AccountHandle

    handle = AccountHandle(None, None, "flipkart", APP_ID, "", {}, {"application_id": APP_ID})
    client = FlipkartClient(account=handle, http=connector.http, save=lambda *_: None)
    assert client.url("/v3/shipments/filter") == (
        "https://api.flipkart.net/sellers/v3/shipments/filter"
    )
