"""The JSON API: auth, catalog, provider endpoints, roles, tenant isolation, and the
multi-channel orders list."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from accounts.models import Role
from integrations.connectors.shopify.connector import ShopifyConnector
from integrations.http import ConnectorError
from integrations.models import (
    AccountStatus,
    ChannelAccount,
    SyncRun,
    SyncStatus,
    WebhookSubscription,
)
from integrations.registry import CONNECTORS
from inventory.models import ChannelInventoryLevel
from orders.models import Order, OrderItem
from tests.factories import ChannelAccountFactory, MembershipFactory

TOKEN = "shpat_api_secret_token_value"
SECRET = "shpss_api_secret_key_value"


def client_for(membership) -> APIClient:
    client = APIClient()
    client.force_authenticate(membership.user)
    return client


# --- authentication -------------------------------------------------------------------------------
def test_token_auth_exchanges_password_for_a_token_that_authenticates(membership):
    anonymous = APIClient()
    response = anonymous.post(
        "/api/auth/token",
        {"username": membership.user.username, "password": "pw"},
        format="json",
    )
    assert response.status_code == 200
    token = response.json()["token"]
    assert token
    anonymous.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    status = anonymous.get("/api/integrations/shopify/status")
    assert status.status_code == 200
    assert status.json()["provider"] == "shopify"


def test_token_auth_refuses_a_wrong_password(membership):
    response = APIClient().post(
        "/api/auth/token", {"username": membership.user.username, "password": "nope"}, format="json"
    )
    assert response.status_code == 400
    assert "token" not in response.json()


def test_a_bad_token_is_refused(db):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token 0123456789abcdef0123456789abcdef01234567")
    response = client.get("/api/integrations/shopify/status")
    assert response.status_code in (401, 403)
    assert "token" in response.json()["detail"].lower()


@pytest.mark.parametrize(
    ("method", "url"),
    [
        ("get", "/api/integrations/catalog"),
        ("get", "/api/integrations/connected-summary"),
        ("get", "/api/integrations/providers/shopify/status"),
        ("post", "/api/integrations/providers/shopify/connect"),
        ("post", "/api/integrations/providers/shopify/disconnect"),
        ("post", "/api/integrations/providers/shopify/sync"),
        ("get", "/api/integrations/sync-runs/1"),
        ("get", "/api/integrations/shopify/status"),
        ("post", "/api/integrations/shopify/sync"),
        ("get", "/api/integrations/shopify/inventory"),
        ("post", "/api/webhooks/register/1"),
        ("get", "/api/webhooks/subscriptions"),
        ("get", "/api/multi-channel/orders"),
        ("get", "/api/multi-channel/orders/1"),
    ],
)
def test_unauthenticated_requests_are_refused(db, method, url):
    response = getattr(APIClient(), method)(url)
    assert response.status_code in (401, 403)


def test_a_user_without_a_merchant_is_refused(db):
    from tests.factories import UserFactory

    client = APIClient()
    client.force_authenticate(UserFactory())
    assert client.get("/api/integrations/shopify/status").status_code == 403
    assert client.get("/api/multi-channel/orders").status_code == 403


# --- catalog --------------------------------------------------------------------------------------
def test_catalog_api_lists_sections_of_providers_in_the_frontend_shape(api_client):
    response = api_client.get("/api/integrations/catalog")
    assert response.status_code == 200
    sections = response.json()["sections"]
    assert [s["id"] for s in sections] == ["commerce", "logistics"]
    providers = {p["id"]: p for s in sections for p in s["providers"]}
    assert set(providers) == set(CONNECTORS)
    assert {p["id"] for p in sections[1]["providers"]} == {"delhivery", "shiprocket"}
    assert [p["id"] for p in sections[1]["planned"]] == ["selloship"]  # not yet connectable
    shopify = providers["shopify"]
    for key in (
        "id",
        "name",
        "icon",
        "color",
        "connectType",
        "statusEndpoint",
        "oauthInstallEndpoint",
        "oauthInstallQueryKey",
        "setupFormFields",
        "setupSteps",
        "actions",
    ):
        assert key in shopify, key
    assert shopify["id"] == "shopify"
    assert shopify["connectType"] == "oauth"
    assert shopify["oauthInstallEndpoint"] == "/channels/shopify/oauth/install"
    assert shopify["oauthInstallQueryKey"] == "shop"
    assert shopify["statusEndpoint"] == "/api/integrations/providers/shopify/status"
    fields = {f["name"]: f for f in shopify["setupFormFields"]}
    assert set(fields) == {"shop_domain", "access_token", "api_secret_key"}
    assert fields["access_token"]["type"] == "password"
    assert fields["access_token"]["secret"] is True
    assert fields["shop_domain"]["secret"] is False
    assert all(isinstance(step, str) and step for step in shopify["setupSteps"])
    assert {a["id"] for a in shopify["actions"]} == {"sync", "disconnect"}


# --- provider endpoints ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("method", "suffix"),
    [("get", "status"), ("post", "connect"), ("post", "disconnect"), ("post", "sync")],
)
def test_an_unknown_provider_is_404(api_client, method, suffix):
    response = getattr(api_client, method)(f"/api/integrations/providers/nope/{suffix}")
    assert response.status_code == 404


VALID_CONNECT = {
    "shop_domain": "new-store.myshopify.com",
    "access_token": TOKEN,
    "api_secret_key": SECRET,
}


@pytest.mark.parametrize("missing", ["shop_domain", "access_token", "api_secret_key"])
@pytest.mark.parametrize("blank", [False, True], ids=["absent", "blank"])
def test_connect_without_a_required_field_is_400_naming_it(api_client, missing, blank):
    data = {k: v for k, v in VALID_CONNECT.items() if k != missing}
    if blank:
        data[missing] = "   "
    response = api_client.post("/api/integrations/providers/shopify/connect", data, format="json")
    assert response.status_code == 400
    assert response.json()["field"] == missing
    assert missing in response.json()["error"]
    assert ChannelAccount.objects.count() == 0


@pytest.mark.parametrize(
    "domain", ["evil.com", "shop.myshopify.com.evil.com", "-x.myshopify.com", "https://a.b"]
)
def test_connect_with_a_non_myshopify_domain_is_400(api_client, domain):
    response = api_client.post(
        "/api/integrations/providers/shopify/connect",
        {**VALID_CONNECT, "shop_domain": domain},
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["field"] == "shop_domain"
    assert ChannelAccount.objects.count() == 0


def test_connect_verifies_then_stores_credentials_encrypted(api_client, merchant, monkeypatch):
    seen = {}

    def check(self):
        seen["credentials"] = dict(self.account.credentials)
        seen["base_url"] = self.base_url
        return {"name": "New Store"}

    monkeypatch.setattr(ShopifyConnector, "check_credentials", check)
    response = api_client.post(
        "/api/integrations/providers/shopify/connect",
        {**VALID_CONNECT, "shop_domain": " New-Store.myshopify.com "},
        format="json",
    )
    assert response.status_code == 201
    assert seen == {
        "credentials": {"access_token": TOKEN, "api_secret_key": SECRET},
        "base_url": "https://new-store.myshopify.com",
    }
    account = ChannelAccount.objects.get(merchant=merchant)
    assert (account.external_id, account.display_name, account.status) == (
        "new-store.myshopify.com",
        "New Store",
        AccountStatus.CONNECTED,
    )
    assert account.get_credentials() == {"access_token": TOKEN, "api_secret_key": SECRET}
    assert TOKEN not in account.credentials_encrypted
    assert TOKEN not in response.content.decode()
    assert SECRET not in response.content.decode()
    assert response.json()["id"] == account.pk


def test_connect_refused_by_the_provider_is_400_and_stores_nothing(api_client, monkeypatch):
    def refuse(self):
        raise ConnectorError("shopify: access denied (HTTP 401)", permanent=True, status=401)

    monkeypatch.setattr(ShopifyConnector, "check_credentials", refuse)
    response = api_client.post(
        "/api/integrations/providers/shopify/connect", VALID_CONNECT, format="json"
    )
    assert response.status_code == 400
    assert "refused" in response.json()["error"]
    assert TOKEN not in response.content.decode()
    assert ChannelAccount.objects.count() == 0


def test_connect_to_the_sandbox_is_refused_when_it_is_disabled(api_client, settings):
    settings.SANDBOX_ENABLED = False
    response = api_client.post(
        "/api/integrations/providers/shopify/connect",
        {**VALID_CONNECT, "use_sandbox": True},
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["field"] == "sandbox"


def test_connect_cannot_point_an_account_at_an_arbitrary_url(api_client, merchant, monkeypatch):
    monkeypatch.setattr(ShopifyConnector, "check_credentials", lambda self: {"name": "x"})
    api_client.post(
        "/api/integrations/providers/shopify/connect",
        {**VALID_CONNECT, "api_base_url": "http://attacker.example"},
        format="json",
    )
    assert ChannelAccount.objects.get(merchant=merchant).api_base_url == ""


@pytest.fixture
def account(merchant):
    return ChannelAccountFactory(
        merchant=merchant,
        external_id="shop-a.myshopify.com",
        credentials={"access_token": TOKEN, "api_secret_key": SECRET},
    )


@pytest.mark.parametrize(
    ("url", "streams"),
    [
        (
            "/api/integrations/providers/shopify/sync",
            ["catalog", "inventory", "orders", "returns"],
        ),
        ("/api/integrations/shopify/sync", ["catalog", "inventory", "orders", "returns"]),
        ("/api/integrations/shopify/sync/orders", ["orders"]),
    ],
)
def test_sync_is_queued_once_and_a_second_request_returns_the_active_run(
    api_client, account, django_capture_on_commit_callbacks, url, streams
):
    with django_capture_on_commit_callbacks(execute=False) as first_callbacks:
        first = api_client.post(url, {}, format="json")
    assert first.status_code == 202
    body = first.json()
    assert [r["stream"] for r in body["runs"]] == streams
    assert body["sync_run_id"] == body["runs"][0]["id"]
    assert all(r["status"] == SyncStatus.QUEUED for r in body["runs"])
    assert len(first_callbacks) == 1  # one task, after commit

    with django_capture_on_commit_callbacks(execute=False) as second_callbacks:
        second = api_client.post(url, {}, format="json")
    assert second.status_code == 202
    assert second.json()["sync_run_id"] == body["sync_run_id"]
    assert [r["id"] for r in second.json()["runs"]] == [r["id"] for r in body["runs"]]
    assert second_callbacks == []
    assert SyncRun.objects.filter(account=account).count() == len(streams)


def test_sync_with_an_unknown_stream_is_400(api_client, account):
    response = api_client.post(
        "/api/integrations/providers/shopify/sync", {"streams": ["ad_spend"]}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["field"] == "streams"


def test_sync_without_an_account_is_404(api_client):
    assert api_client.post("/api/integrations/providers/shopify/sync").status_code == 404


def test_sync_run_progress_is_readable(api_client, account):
    run = SyncRun.objects.create(account=account, stream="orders", created=3, total_estimate=6)
    response = api_client.get(f"/api/integrations/sync-runs/{run.pk}")
    assert response.status_code == 200
    assert (response.json()["processed"], response.json()["progress_percent"]) == (3, 50)


def test_disconnect_forgets_the_credentials(api_client, account):
    response = api_client.post("/api/integrations/providers/shopify/disconnect")
    assert response.status_code == 200
    assert response.json()["status"] == AccountStatus.DISCONNECTED
    account.refresh_from_db()
    assert account.status == AccountStatus.DISCONNECTED
    assert account.get_credentials() == {}


def test_status_and_summary_describe_the_merchants_accounts(api_client, account):
    status = api_client.get("/api/integrations/providers/shopify/status").json()
    assert status["connected"] is True
    assert [a["external_id"] for a in status["accounts"]] == ["shop-a.myshopify.com"]
    summary = api_client.get("/api/integrations/connected-summary").json()
    assert summary["connectedCount"] == 1
    assert summary["providers"][0]["accounts"][0]["id"] == account.pk


# --- roles ----------------------------------------------------------------------------------------
@pytest.fixture
def viewer(account):
    return client_for(MembershipFactory(merchant=account.merchant, role=Role.VIEWER))


@pytest.mark.parametrize(
    "url",
    [
        "/api/integrations/providers/shopify/connect",
        "/api/integrations/providers/shopify/disconnect",
        "/api/integrations/providers/shopify/sync",
        "/api/integrations/providers/shopify/test",
        "/api/integrations/shopify/sync",
        "/api/integrations/shopify/sync/orders",
        "/api/integrations/shopify/register-webhooks",
        "/api/webhooks/register/{account}",
    ],
)
def test_a_viewer_cannot_post(viewer, account, url):
    response = viewer.post(url.format(account=account.pk), VALID_CONNECT, format="json")
    assert response.status_code == 403
    account.refresh_from_db()
    assert account.status == AccountStatus.CONNECTED
    assert SyncRun.objects.count() == 0


def test_a_viewer_can_read_but_not_refresh_inventory(viewer, account):
    assert viewer.get("/api/integrations/shopify/status").status_code == 200
    assert viewer.get("/api/integrations/shopify/inventory").status_code == 200
    assert viewer.get("/api/integrations/shopify/inventory?refresh=true").status_code == 403
    assert SyncRun.objects.count() == 0


# --- tenant isolation -----------------------------------------------------------------------------
@pytest.fixture
def tenants(db):
    """Merchant A (the caller) and merchant B, each with an account, a sync run, a webhook
    subscription, an inventory level and an order."""
    data = {}
    for key in ("a", "b"):
        membership = MembershipFactory()
        account = ChannelAccountFactory(
            merchant=membership.merchant,
            external_id=f"shop-{key}.myshopify.com",
            credentials={"access_token": f"shpat_{key}", "api_secret_key": f"secret_{key}"},
        )
        run = SyncRun.objects.create(
            account=account, stream="orders", status=SyncStatus.SUCCEEDED, error=f"run-{key}"
        )
        sub = WebhookSubscription.objects.create(
            account=account,
            topic="ORDERS_CREATE",
            remote_id=f"gid://shopify/WebhookSubscription/{key}-1",
            callback_url="https://sangam.example/api/webhooks/shopify",
        )
        ChannelInventoryLevel.objects.create(
            account=account, external_inventory_item_id=f"item-{key}", external_location_id="1"
        )
        order = make_order(account, f"{key.upper()}-1")
        data[key] = {
            "membership": membership,
            "account": account,
            "run": run,
            "sub": sub,
            "order": order,
            "markers": [account.external_id, f"#{key.upper()}-1", sub.remote_id, f"item-{key}"],
        }
    data["client"] = client_for(data["a"]["membership"])
    return data


ISOLATION = [
    ("get", "/api/integrations/connected-summary", None, "absent"),
    ("get", "/api/integrations/providers/shopify/status", None, "absent"),
    ("get", "/api/integrations/shopify/status", None, "absent"),
    ("get", "/api/webhooks/subscriptions", None, "absent"),
    ("get", "/api/multi-channel/orders", None, "absent"),
    ("get", "/api/multi-channel/orders?account={b_account}", None, "empty"),
    ("get", "/api/integrations/shopify/inventory", None, "absent"),
    ("get", "/api/integrations/shopify/inventory?account_id={b_account}", None, 404),
    ("get", "/api/integrations/sync-runs/{b_run}", None, 404),
    ("get", "/api/multi-channel/orders/{b_order}", None, 404),
    ("post", "/api/integrations/providers/shopify/disconnect", {"account_id": "b"}, 404),
    ("post", "/api/integrations/providers/shopify/sync", {"account_id": "b"}, 404),
    ("post", "/api/integrations/providers/shopify/test", {"account_id": "b"}, 404),
    ("post", "/api/integrations/shopify/sync", {"account_id": "b"}, 404),
    ("post", "/api/integrations/shopify/sync/orders", {"account_id": "b"}, 404),
    ("post", "/api/integrations/shopify/register-webhooks", {"account_id": "b"}, 404),
    ("post", "/api/webhooks/register/{b_account}", None, 404),
]


@pytest.mark.parametrize(
    ("method", "url", "body", "expect"), ISOLATION, ids=[f"{m} {u}" for m, u, _b, _e in ISOLATION]
)
def test_merchant_a_never_sees_or_acts_on_merchant_bs_data(tenants, method, url, body, expect):
    b = tenants["b"]
    ids = {"b_account": b["account"].pk, "b_run": b["run"].pk, "b_order": b["order"].pk}
    url = url.format(**ids)
    if body is not None:
        body = {k: (b["account"].pk if v == "b" else v) for k, v in body.items()}
    runs_before = SyncRun.objects.filter(account=b["account"]).count()

    response = getattr(tenants["client"], method)(url, body, format="json")

    text = response.content.decode()
    for marker in b["markers"] + ["shpat_b", "secret_b"]:
        assert marker not in text
    if expect == 404:
        assert response.status_code == 404
    else:
        assert response.status_code == 200
        if expect == "absent":  # control: A's own data is there, so B's absence means something
            assert any(marker in text for marker in tenants["a"]["markers"])
        if expect == "empty":
            assert response.json()["count"] == 0
    b["account"].refresh_from_db()
    assert b["account"].status == AccountStatus.CONNECTED
    assert b["account"].get_credentials() == {
        "access_token": "shpat_b",
        "api_secret_key": "secret_b",
    }
    assert SyncRun.objects.filter(account=b["account"]).count() == runs_before


def test_a_merchant_without_accounts_never_falls_back_to_another_merchants(tenants):
    lonely = client_for(MembershipFactory())
    for url in (
        "/api/integrations/providers/shopify/disconnect",
        "/api/integrations/providers/shopify/sync",
        "/api/integrations/shopify/sync/orders",
        "/api/integrations/shopify/register-webhooks",
    ):
        assert lonely.post(url).status_code == 404, url
    assert lonely.get("/api/integrations/shopify/inventory").status_code == 404
    assert lonely.get("/api/multi-channel/orders").json()["count"] == 0
    assert lonely.get("/api/integrations/shopify/status").json()["accounts"] == []


# --- multi-channel orders -------------------------------------------------------------------------
def make_order(account, number: str, **fields) -> Order:
    skus = fields.pop("skus", ("SKU-1",))
    values = {
        "merchant": account.merchant,
        "account": account,
        "channel": account.provider,
        "external_id": number,
        "order_number": f"#{number}",
        "placed_at": datetime(2026, 11, 1, 6, 0, tzinfo=UTC),
        "source_updated_at": datetime(2026, 11, 1, 6, 0, tzinfo=UTC),
        "status": "confirmed",
        "payment_method": "cod",
        "total": Decimal("999.00"),
        "customer_name": "Asha Verma",
    }
    values.update(fields)
    order = Order.objects.create(**values)
    for index, sku in enumerate(skus):
        OrderItem.objects.create(
            order=order, external_id=f"{number}-{index}", sku=sku, quantity=1, unit_price=999
        )
    return order


def numbers(response) -> list[str]:
    assert response.status_code == 200, response.content
    return sorted(o["order_number"] for o in response.json()["results"])


@pytest.fixture
def order_book(account):
    ist_midnight = datetime(2026, 11, 1, 18, 30, tzinfo=UTC)  # 2 Nov 00:00 IST
    make_order(account, "1", status="confirmed", payment_method="cod", skus=("KURTA-M",))
    make_order(
        account, "2", status="shipped", payment_method="prepaid", skus=("KURTA-M", "DUPATTA")
    )
    make_order(account, "3", status="cancelled", payment_method="prepaid", skus=("DUPATTA",))
    make_order(account, "4", channel="amazon", placed_at=ist_midnight + timedelta(minutes=1))
    make_order(account, "5", placed_at=ist_midnight - timedelta(minutes=1))
    return account


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", ["#1", "#2", "#3", "#4", "#5"]),
        ("channel=shopify", ["#1", "#2", "#3", "#5"]),
        ("channel=amazon", ["#4"]),
        ("status=shipped", ["#2"]),
        ("status=cancelled", ["#3"]),
        ("payment_method=prepaid", ["#2", "#3"]),
        ("payment_method=cod", ["#1", "#4", "#5"]),
        ("sku=KURTA-M", ["#1", "#2"]),
        ("sku=DUPATTA&status=cancelled", ["#3"]),
        ("date_from=2026-11-02", ["#4"]),  # IST days: 00:01 IST on 2 Nov
        ("date_to=2026-11-01", ["#1", "#2", "#3", "#5"]),  # 23:59 IST on 1 Nov is included
        ("date_from=2026-11-01&date_to=2026-11-01", ["#1", "#2", "#3", "#5"]),
        ("q=%233", ["#3"]),
    ],
)
def test_orders_api_filters(api_client, order_book, query, expected):
    assert numbers(api_client.get(f"/api/multi-channel/orders?{query}")) == expected


@pytest.mark.parametrize(
    "query", ["status=lost", "payment_method=upi", "date_from=yesterday", "account=x"]
)
def test_orders_api_rejects_invalid_filters(api_client, order_book, query):
    assert api_client.get(f"/api/multi-channel/orders?{query}").status_code == 400


def test_orders_api_counts_every_line_of_an_order(api_client, order_book):
    rows = api_client.get("/api/multi-channel/orders").json()["results"]
    assert {r["order_number"]: r["item_count"] for r in rows}["#2"] == 2


def test_orders_api_item_count_is_not_narrowed_by_the_sku_filter(api_client, order_book):
    rows = api_client.get("/api/multi-channel/orders?sku=KURTA-M").json()["results"]
    assert {r["order_number"]: r["item_count"] for r in rows}["#2"] == 2


def test_orders_api_lists_newest_first_and_paginates(api_client, account):
    start = datetime(2026, 10, 1, tzinfo=UTC)
    for n in range(55):
        make_order(account, f"P{n:02d}", placed_at=start + timedelta(hours=n))
    first = api_client.get("/api/multi-channel/orders").json()
    assert first["count"] == 55
    assert len(first["results"]) == 50
    assert first["results"][0]["order_number"] == "#P54"
    assert "page=2" in first["next"]
    second = api_client.get("/api/multi-channel/orders?page=2").json()
    assert [o["order_number"] for o in second["results"]] == [
        f"#P{n:02d}" for n in range(4, -1, -1)
    ]
    assert second["next"] is None
    assert api_client.get("/api/multi-channel/orders?page=3").status_code == 404


def test_order_detail_has_items_history_and_money_as_strings(api_client, account):
    order = make_order(account, "D1", skus=("KURTA-M", "DUPATTA"), total=Decimal("1234.50"))
    body = api_client.get(f"/api/multi-channel/orders/{order.pk}").json()
    assert body["order_number"] == "#D1"
    assert body["total"] == "1234.50"
    assert [i["sku"] for i in body["items"]] == ["KURTA-M", "DUPATTA"]
    assert "status_events" in body
    assert "raw" in body
    assert json.dumps(body).count(TOKEN) == 0


@pytest.mark.parametrize(
    ("method", "url", "body"),
    [
        ("post", "/api/integrations/providers/shopify/disconnect", {"account_id": "abc"}),
        ("post", "/api/integrations/providers/shopify/sync", {"account_id": "abc"}),
        ("post", "/api/integrations/providers/shopify/test", {"account_id": "1e3"}),
        ("post", "/api/integrations/shopify/register-webhooks", {"account_id": "1; drop"}),
        ("get", "/api/integrations/shopify/inventory?account_id=abc", None),
    ],
)
def test_a_non_numeric_account_id_is_400_naming_the_field(api_client, account, method, url, body):
    response = getattr(api_client, method)(url, body, format="json")
    assert response.status_code == 400
    assert "account_id" in response.json()
    account.refresh_from_db()
    assert account.status == AccountStatus.CONNECTED
