"""End-to-end fixtures: the hub and the sandbox served over real HTTP on loopback
(pytest-django's live server), a seeded sandbox store, and a connected account."""

from __future__ import annotations

import pytest

from integrations.models import ChannelAccount
from sandbox import demo
from tests.factories import MembershipFactory

SHOP = "e2e-kurta-co.myshopify.com"


@pytest.fixture
def store(transactional_db):
    """A small deterministic sandbox store (12 products, 36 variants, 150 orders)."""
    from sandbox.shopify.services import seed_shop

    return seed_shop(shop=SHOP, products=12, variants=36, orders=150, days=30, seed=11)


@pytest.fixture
def owner(transactional_db):
    return MembershipFactory(user__username="owner-e2e")


def oauth_connect(hub_url: str, owner, shop: str = SHOP) -> ChannelAccount:
    """Install the app on the sandbox store through the real OAuth flow, as a browser would;
    the callback registers webhooks and runs the first sync (eager tasks)."""
    browser = demo.browser_login(hub_url, owner.user.username, "pw")
    callback = demo.oauth_install(browser, hub_url, shop)
    result: dict = {}
    demo.follow_callback(browser, callback, result)
    assert result["status"] == 302, result
    account = ChannelAccount.objects.get(
        merchant=owner.merchant, provider="shopify", external_id=shop
    )
    # The first sync runs in the background (as it would on a worker): wait for it to finish.
    demo.watch_runs(lambda: account.pk, lambda: True, lambda _runs: None, timeout=300)
    return account


def token_connect(
    hub_url: str, owner, shop: str = SHOP, *, scope: str | None = None, **account_settings
) -> ChannelAccount:
    """Connect with an access token issued by the sandbox (custom-app path) for ``scope``
    (default ``SHOPIFY_SCOPES``), no initial sync; the account's grant is left unknown."""
    from django.conf import settings

    from sandbox.shopify.models import SandboxApp, SandboxShop
    from sandbox.shopify.oauth import issue_token

    sandbox_shop = SandboxShop.objects.get(domain=shop)
    app = SandboxApp.objects.get(api_key=settings.SHOPIFY_API_KEY)
    token = issue_token(shop=sandbox_shop, app=app, scope=scope or settings.SHOPIFY_SCOPES)
    account = ChannelAccount.objects.create(
        merchant=owner.merchant,
        provider="shopify",
        external_id=shop,
        api_base_url=f"{hub_url}/sandbox/shopify/{shop}",
        settings=account_settings,
    )
    account.set_credentials({"access_token": token, "api_secret_key": app.api_secret})
    account.save()
    return account
