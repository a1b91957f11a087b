"""The connector's declared interface (catalog metadata, connect form), where its settings
come from, which hosts it talks to, and ``check_credentials``."""

from __future__ import annotations

import pytest

from integrations.connectors.amazon.connector import AmazonConnector
from integrations.connectors.base import (
    CAPABILITY_METHODS,
    Capability,
    Connector,
    ConnectType,
    ProviderKind,
)
from integrations.dto import AccountHandle
from integrations.http import ConnectorError, HttpClient
from tests.integrations.amazon.conftest import CLIENT_ID, SELLER, token_reply
from tests.integrations.conftest import Reply

PARTICIPATIONS = "/sellers/v1/marketplaceParticipations"


def test_catalog_metadata():
    cls = AmazonConnector
    assert (cls.id, cls.label, cls.icon, cls.color) == ("amazon", "Amazon.in", "amazon", "#FF9900")
    assert cls.kind == ProviderKind.COMMERCE
    assert cls.connect_type == ConnectType.API_KEY
    assert cls.account_key_field == "seller_id"
    assert cls.capabilities == frozenset(
        {
            Capability.ORDERS,
            Capability.INVENTORY_PUSH,
            Capability.PRICE_PUSH,
            Capability.LISTINGS,
            Capability.PAYMENT_LOOKUP,
            Capability.BULK,
        }
    )
    assert cls.bulk_streams == frozenset({"orders", "backfill"})
    assert len(cls.setup_steps) == 3
    for capability in cls.capabilities:
        for name in CAPABILITY_METHODS[capability]:
            assert getattr(cls, name) is not getattr(Connector, name)
    for name in ("start_bulk", "wait_for_bulk", "iter_bulk", "check_credentials"):
        assert callable(getattr(cls, name))


def test_connect_form_fields():
    fields = {f.name: f for f in AmazonConnector.credential_fields}
    assert list(fields) == [
        "seller_id",
        "lwa_client_id",
        "lwa_client_secret",
        "refresh_token",
        "marketplace_ids",
        "region",
    ]
    assert fields["seller_id"].label == "Seller ID (merchant token)"
    assert AmazonConnector.secret_field_names() == {"lwa_client_secret", "refresh_token"}
    assert {f.name for f in AmazonConnector.required_fields()} == {
        "seller_id",
        "lwa_client_id",
        "lwa_client_secret",
        "refresh_token",
    }
    assert (
        fields["lwa_client_secret"].field_type == fields["refresh_token"].field_type == "password"
    )
    assert "Atzr|" in fields["refresh_token"].help_text
    assert fields["marketplace_ids"].default == "A21TJRUUN4KGV"
    assert fields["region"].default == "eu"
    assert AmazonConnector.account_key({"seller_id": f" {SELLER} "}) == SELLER


def handle(**settings) -> AccountHandle:
    return AccountHandle(
        id=1,
        merchant_id=1,
        provider="amazon",
        external_id=SELLER,
        base_url=settings.pop("base_url", ""),
        credentials={"lwa_client_secret": "s", "refresh_token": "Atzr|r"},
        settings={"lwa_client_id": CLIENT_ID, **settings},
    )


@pytest.mark.parametrize(
    ("region", "host"),
    [
        ("", "https://sellingpartnerapi-eu.amazon.com"),
        ("na", "https://sellingpartnerapi-na.amazon.com"),
        ("FE", "https://sellingpartnerapi-fe.amazon.com"),
    ],
)
def test_the_real_api_is_the_region_host_with_the_global_lwa_endpoint(region, host):
    connector = AmazonConnector(handle(region=region), HttpClient(provider="amazon"))
    assert connector.api.api_root == host
    assert connector.api.lwa_url == "https://api.amazon.com/auth/o2/token"
    assert connector.marketplace_ids == ("A21TJRUUN4KGV",)
    assert connector.seller_id == SELLER


def test_the_sandbox_root_serves_the_api_and_the_token_endpoint():
    root = "http://127.0.0.1:8000/sandbox/amazon/A2SELLER0TEST"
    connector = AmazonConnector(handle(base_url=root + "/"), HttpClient(provider="amazon"))
    assert connector.api.api_root == root
    assert connector.api.lwa_url == f"{root}/auth/o2/token"


def test_an_unknown_region_is_a_permanent_error():
    with pytest.raises(ConnectorError, match="region") as caught:
        AmazonConnector(handle(region="mars"), HttpClient(provider="amazon"))
    assert caught.value.permanent is True


def test_blank_settings_take_the_field_defaults():
    connector = AmazonConnector(
        handle(marketplace_ids="  ", region=None), HttpClient(provider="amazon")
    )
    assert connector.marketplace_ids == ("A21TJRUUN4KGV",)
    assert connector.setting("region") == "eu"


def test_the_default_sleep_is_the_http_clients():
    def sleeper(_seconds: float) -> None:
        return None

    http = HttpClient(provider="amazon", sleep=sleeper)
    assert AmazonConnector(handle(), http).sleep is sleeper


def test_check_credentials_names_the_store_and_its_marketplaces(connector, amazon_server):
    amazon_server.on(
        "GET",
        PARTICIPATIONS,
        Reply(
            200,
            {
                "payload": [
                    {
                        "marketplace": {"id": "ATVPDKIKX0DER", "name": "Amazon.com"},
                        "participation": {"isParticipating": True, "hasSuspendedListings": False},
                        "storeName": "Kurta Co US",
                    },
                    {
                        "marketplace": {
                            "id": "A21TJRUUN4KGV",
                            "name": "Amazon.in",
                            "countryCode": "IN",
                            "defaultCurrencyCode": "INR",
                        },
                        "participation": {"isParticipating": True, "hasSuspendedListings": False},
                        "storeName": "Kurta Co",
                    },
                    {
                        "marketplace": {"id": "A1F83G8C2ARO7P", "name": "Amazon.co.uk"},
                        "participation": {"isParticipating": False, "hasSuspendedListings": False},
                        "storeName": "Old store",
                    },
                ]
            },
        ),
    )
    assert connector.check_credentials() == {
        "name": "Kurta Co",
        "marketplaces": ["ATVPDKIKX0DER", "A21TJRUUN4KGV"],
        "seller_id": SELLER,
    }
    assert [r.path for r in amazon_server.requests] == ["/auth/o2/token", PARTICIPATIONS]


def test_check_credentials_falls_back_to_the_seller_id(connector, amazon_server):
    amazon_server.on("GET", PARTICIPATIONS, Reply(200, {"payload": []}))
    assert connector.check_credentials()["name"] == SELLER


def test_check_credentials_reports_a_revoked_grant(connector, amazon_server):
    amazon_server.on(
        "POST", "/auth/o2/token", Reply(400, {"error": "invalid_grant"}), token_reply()
    )
    with pytest.raises(ConnectorError, match="re-authorise Sangam in Seller Central") as caught:
        connector.check_credentials()
    assert caught.value.permanent is True
