"""A Shopify store connected before Sangam asked for a scope (``write_orders`` came with the
return write-back) is told on its hub card and offered a re-authorization."""

from __future__ import annotations

import pytest

from tests.factories import ChannelAccountFactory, MembershipFactory

pytestmark = pytest.mark.django_db

SCOPES = "read_orders,read_products,read_inventory,write_inventory,write_orders"


def test_missing_scopes_honour_write_implies_read(settings):
    settings.SHOPIFY_SCOPES = SCOPES
    account = ChannelAccountFactory(
        provider="shopify", scopes="write_orders,read_products,write_inventory"
    )
    assert account.missing_scopes == []
    account.scopes = "read_orders,read_products,read_inventory,write_inventory"
    assert account.missing_scopes == ["write_orders"]
    account.scopes = ""  # a pasted custom-app token: grant unknown, nothing claimed
    assert account.missing_scopes == []
    assert ChannelAccountFactory(provider="flipkart", scopes="x").missing_scopes == []


def test_the_hub_card_offers_to_re_authorize_a_store_lacking_a_scope(client, settings):
    settings.SHOPIFY_SCOPES = SCOPES
    account = ChannelAccountFactory(
        provider="shopify",
        external_id="old-store.myshopify.com",
        scopes="read_orders,read_products,read_inventory,write_inventory",
    )
    owner = MembershipFactory(merchant=account.merchant, role="owner").user
    client.force_login(owner)

    page = client.get("/").content.decode()

    assert "This store has not granted write_orders" in page
    assert "return status is not written back" in page
    assert "/channels/shopify/oauth/install?shop=old-store.myshopify.com" in page

    account.scopes = SCOPES
    account.save()
    assert "has not granted" not in client.get("/").content.decode()


def test_the_hub_card_says_returns_are_read_as_refunds_without_read_returns(client, settings):
    settings.SHOPIFY_SCOPES = SCOPES + ",read_returns"
    account = ChannelAccountFactory(provider="shopify", scopes=SCOPES)
    client.force_login(MembershipFactory(merchant=account.merchant, role="owner").user)

    page = client.get("/").content.decode()

    assert "This store has not granted read_returns" in page
    assert "Shopify returns are read as refunds only" in page
