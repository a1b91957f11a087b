"""Fixtures for admin tests: a staff superuser client (pytest-django's ``admin_client``) and
a Shopify account whose stored secrets are known, so tests can prove they never show."""

from __future__ import annotations

import pytest

from tests.factories import ChannelAccountFactory, MerchantFactory

STORED_TOKEN = "shpat_PLAINTEXT_TOKEN_9f8e7d"
STORED_SECRET = "whsec_PLAINTEXT_SECRET_1a2b3c"


@pytest.fixture
def merchant_a(db):
    return MerchantFactory(name="Alpha Brand")


@pytest.fixture
def account(merchant_a):
    return ChannelAccountFactory(
        merchant=merchant_a,
        external_id="alpha.myshopify.com",
        display_name="Alpha Store",
        credentials={"access_token": STORED_TOKEN, "api_secret_key": STORED_SECRET},
    )
