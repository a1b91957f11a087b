"""LWA access tokens (exchange, shared cache, expiry, refresh on 401) and the SP-API request
headers, against the scripted server with a fake clock."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from django.core.cache import cache

from integrations.connectors.amazon.client import INVALID_GRANT_MESSAGE, amz_date
from integrations.http import ConnectorError
from tests.integrations.amazon.conftest import (
    ACCESS_TOKEN,
    CLIENT_ID,
    CLIENT_SECRET,
    REFRESH_TOKEN,
    form,
    token_reply,
)
from tests.integrations.conftest import Reply

PARTICIPATIONS = "/sellers/v1/marketplaceParticipations"
OK = Reply(200, {"payload": []})


def test_two_calls_exchange_the_refresh_token_once(connector, amazon_server, fake_clock):
    amazon_server.on("GET", PARTICIPATIONS, OK)
    connector.check_credentials()
    connector.check_credentials()

    exchanges = amazon_server.calls("POST", "/auth/o2/token")
    assert len(exchanges) == 1
    assert exchanges[0].headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert form(exchanges[0]) == {
        "grant_type": "refresh_token",
        "refresh_token": REFRESH_TOKEN,
        "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET,
    }
    calls = amazon_server.calls("GET", PARTICIPATIONS)
    assert len(calls) == 2
    for call in calls:
        assert call.headers["x-amz-access-token"] == ACCESS_TOKEN
        assert call.headers["x-amz-date"] == amz_date(datetime.fromtimestamp(fake_clock(), UTC))
        assert re.fullmatch(r"\d{8}T\d{6}Z", call.headers["x-amz-date"])
        assert call.headers["User-Agent"].startswith("Sangam/")


def test_the_cached_token_is_shared_by_connectors_of_the_same_account(
    make_connector, amazon_server
):
    amazon_server.on("GET", PARTICIPATIONS, OK)
    make_connector().check_credentials()
    make_connector().check_credentials()
    assert len(amazon_server.calls("POST", "/auth/o2/token")) == 1


def test_the_token_is_exchanged_again_60_seconds_before_it_expires(
    connector, amazon_server, fake_clock
):
    amazon_server.on("POST", "/auth/o2/token", token_reply("Atza|one"), token_reply("Atza|two"))
    amazon_server.on("GET", PARTICIPATIONS, OK)
    connector.check_credentials()
    fake_clock.now += 3600 - 60 - 1
    connector.check_credentials()
    fake_clock.now += 2
    connector.check_credentials()

    assert len(amazon_server.calls("POST", "/auth/o2/token")) == 2
    tokens = [c.headers["x-amz-access-token"] for c in amazon_server.calls("GET", PARTICIPATIONS)]
    assert tokens == ["Atza|one", "Atza|one", "Atza|two"]


def test_the_cache_key_and_value_hold_no_secret(connector, amazon_server):
    amazon_server.on("GET", PARTICIPATIONS, OK)
    connector.check_credentials()
    key = connector.api.cache_key
    for secret in (CLIENT_SECRET, REFRESH_TOKEN, "Atzr", "secret"):
        assert secret not in key
    stored = cache.get(key)
    assert stored["token"] == ACCESS_TOKEN
    assert REFRESH_TOKEN not in repr(stored)


def test_a_401_drops_the_token_refreshes_it_once_and_retries(connector, amazon_server):
    amazon_server.on("POST", "/auth/o2/token", token_reply("Atza|stale"), token_reply("Atza|new"))
    amazon_server.on(
        "GET",
        PARTICIPATIONS,
        Reply(401, {"errors": [{"code": "Unauthorized", "message": "Access denied"}]}),
        Reply(200, {"payload": []}),
    )
    assert connector.check_credentials()["name"] == connector.seller_id
    tokens = [c.headers["x-amz-access-token"] for c in amazon_server.calls("GET", PARTICIPATIONS)]
    assert tokens == ["Atza|stale", "Atza|new"]
    assert cache.get(connector.api.cache_key)["token"] == "Atza|new"


def test_a_second_401_is_a_permanent_error(connector, amazon_server):
    amazon_server.on(
        "GET",
        PARTICIPATIONS,
        Reply(403, {"errors": [{"code": "Unauthorized", "message": "Access denied"}]}),
    )
    with pytest.raises(ConnectorError) as caught:
        connector.check_credentials()
    assert caught.value.permanent is True
    assert caught.value.status == 403
    assert "re-authorise Sangam in Seller Central" in str(caught.value)
    assert len(amazon_server.calls("GET", PARTICIPATIONS)) == 2
    assert len(amazon_server.calls("POST", "/auth/o2/token")) == 2
    assert cache.get(connector.api.cache_key) is None


def test_invalid_grant_is_permanent_and_tells_the_user_to_reauthorise(connector, amazon_server):
    amazon_server.on(
        "POST",
        "/auth/o2/token",
        Reply(
            400,
            {
                "error": "invalid_grant",
                "error_description": "The request has an invalid grant parameter : refresh_token",
            },
        ),
    )
    with pytest.raises(ConnectorError) as caught:
        connector.check_credentials()
    assert caught.value.permanent is True
    assert str(caught.value) == INVALID_GRANT_MESSAGE
    assert str(caught.value).startswith(
        "Amazon refused the refresh token (invalid_grant): re-authorise Sangam in Seller Central"
    )
    assert amazon_server.sp_calls() == []


@pytest.mark.parametrize(
    ("status", "error"), [(400, "invalid_client"), (401, "invalid_client"), (400, "access_denied")]
)
def test_refused_app_credentials_are_permanent(connector, amazon_server, status, error):
    amazon_server.on(
        "POST",
        "/auth/o2/token",
        Reply(status, {"error": error, "error_description": "Client authentication failed"}),
    )
    with pytest.raises(ConnectorError) as caught:
        connector.check_credentials()
    assert caught.value.permanent is True
    assert "check the LWA client id and secret" in str(caught.value)
    if status == 400:  # HttpClient keeps the body of a 400 only
        assert error in str(caught.value)
    assert CLIENT_SECRET not in str(caught.value)
    assert len(amazon_server.calls("POST", "/auth/o2/token")) == 1
    assert amazon_server.sp_calls() == []


def test_missing_secrets_fail_permanently_without_a_request(make_connector, amazon_server):
    connector = make_connector(credentials={"lwa_client_secret": CLIENT_SECRET})
    with pytest.raises(ConnectorError) as caught:
        connector.check_credentials()
    assert caught.value.permanent is True
    assert amazon_server.requests == []


def test_a_failing_token_endpoint_is_retried(connector, amazon_server, fake_clock):
    amazon_server.on(
        "POST", "/auth/o2/token", Reply(503, {"error": "temporarily_unavailable"}), token_reply()
    )
    amazon_server.on("GET", PARTICIPATIONS, OK)
    connector.check_credentials()
    assert len(amazon_server.calls("POST", "/auth/o2/token")) == 2
    assert len(fake_clock.sleeps) == 1
