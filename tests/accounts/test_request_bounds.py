"""Values the database or ``datetime`` cannot hold answer 400 naming the parameter, never 500
(security issue §5, defects issue §4): ids past ``bigint``, days like 0001-01-01 and
9999-12-31, ``since`` of year 999, long text filters, JSON nested too deeply. The dashboard's
filters report them as form errors and show the page."""

from __future__ import annotations

import json

import pytest

from integrations.models import ChannelAccount

HUGE = "-192708378127591639351296"
PAST_BIGINT = str(2**63)
LISTS = (
    "/api/multi-channel/orders",
    "/api/inventory/drift",
    "/api/inventory/listings",
    "/api/returns",
)


@pytest.fixture
def client_api(api_client):
    api_client.raise_request_exception = False  # a 500 is an answer to assert, not a crash
    return api_client


@pytest.mark.django_db
@pytest.mark.parametrize("path", LISTS)
@pytest.mark.parametrize("value", [HUGE, PAST_BIGINT, "0", "-1"])
def test_an_account_id_out_of_range_answers_400_naming_it(client_api, path, value):
    response = client_api.get(path, {"account": value})
    assert response.status_code == 400, response.content
    assert list(response.json()) == ["account"]


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/api/multi-channel/orders", "/api/inventory/drift"])
@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31", "1999-12-31", "2100-01-01"])
@pytest.mark.parametrize("name", ["date_from", "date_to"])
def test_extreme_days_answer_400_naming_the_filter(client_api, path, day, name):
    response = client_api.get(path, {name: day})
    assert response.status_code == 400, response.content
    assert response.json() == {name: ["Must be between 2000-01-01 and 2099-12-31."]}


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/api/multi-channel/orders", "/api/inventory/drift"])
def test_days_at_the_edges_of_the_range_are_accepted(client_api, path):
    response = client_api.get(path, {"date_from": "2000-01-01", "date_to": "2099-12-31"})
    assert response.status_code == 200, response.content


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("path", "name"),
    [
        ("/api/multi-channel/orders", "q"),
        ("/api/multi-channel/orders", "sku"),
        ("/api/multi-channel/orders", "channel"),
        ("/api/returns", "channel"),
        ("/api/inventory/skus", "q"),
    ],
)
def test_a_text_filter_longer_than_the_limit_answers_400(client_api, path, name):
    assert client_api.get(path, {name: "x" * 200}).status_code == 200
    response = client_api.get(path, {name: "x" * 201})
    assert response.status_code == 400, response.content
    assert list(response.json()) == [name]


@pytest.mark.django_db
@pytest.mark.parametrize("since", ["0999-12-31T00:00:00Z", "0001-01-01T00:00:00Z", "2100-01-01"])
def test_sync_since_before_2000_or_after_2099_answers_400_and_queues_nothing(
    client_api, merchant, since
):
    from integrations.models import SyncRun

    ChannelAccount.objects.create(
        merchant=merchant, provider="shopify", external_id="s.myshopify.com", display_name="S"
    )
    response = client_api.post(
        "/api/integrations/providers/shopify/sync",
        {"streams": ["backfill"], "since": since},
        format="json",
    )
    assert response.status_code == 400, response.content
    assert list(response.json()) == ["since"]
    assert not SyncRun.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("value", [PAST_BIGINT, HUGE])
def test_an_account_id_in_a_sync_request_out_of_range_answers_400(client_api, merchant, value):
    response = client_api.post(
        "/api/integrations/providers/shopify/sync",
        f'{{"account_id": {value}}}',
        content_type="application/json",
    )
    assert response.status_code == 400, response.content
    assert list(response.json()) == ["account_id"]
    query = client_api.get("/api/integrations/providers/shopify/status", {"account_id": value})
    assert query.status_code < 500, query.content  # the status view reads no account id


def nested(depth: int) -> str:
    return "[" * depth + "]" * depth


@pytest.mark.django_db
@pytest.mark.parametrize("depth", [33, 5_000, 100_000])
def test_json_nested_too_deeply_answers_400(client_api, depth):
    response = client_api.post(
        "/api/integrations/providers/shopify/sync",
        '{"streams": ' + nested(depth) + "}",
        content_type="application/json",
    )
    assert response.status_code == 400, response.content
    assert "nested more than 32 levels deep" in response.json()["detail"]


@pytest.mark.django_db
def test_json_within_the_depth_limit_is_parsed(client_api):
    body = {"streams": json.loads(nested(31))}
    response = client_api.post("/api/integrations/providers/shopify/sync", body, format="json")
    assert response.status_code == 400  # parsed, then judged by the serializer
    assert "streams" in response.json()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("path", "params"),
    [
        ("/orders/", {"date_from": "0001-01-01"}),
        ("/orders/", {"date_to": "9999-12-31"}),
        ("/stock/drift/", {"date_to": "9999-12-31", "account": PAST_BIGINT}),
    ],
)
def test_dashboard_filters_report_extreme_values_and_show_the_page(client, user, path, params):
    client.raise_request_exception = False
    client.force_login(user)
    response = client.get(path, params)
    assert response.status_code == 200, response.content[:500]
    assert "Must be between 2000-01-01 and 2099-12-31." in response.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "path",
    [
        "/api/multi-channel/orders/{}",
        "/api/integrations/sync-runs/{}",
        "/orders/{}/",
    ],
)
def test_an_object_id_past_bigint_in_the_path_answers_404(client, user, path):
    client.raise_request_exception = False
    client.force_login(user)
    assert client.get(path.format(PAST_BIGINT + "0")).status_code == 404
