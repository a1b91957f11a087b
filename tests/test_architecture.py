"""The shape of the code (architecture issue): no provider named in a branch outside its
provider package. The generic layer asks the connector (capabilities, class attributes) instead.
The import contracts themselves run as ``lint-imports`` in ``make test``."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from integrations.registry import CONNECTORS

ROOT = Path(__file__).resolve().parent.parent
PRODUCT = (
    "accounts",
    "config",
    "integrations",
    "orders",
    "inventory",
    "finance",
    "marketing",
    "shipments",
    "returns",
    "channel_stock",
)
PROVIDER_PACKAGES = ROOT / "integrations" / "connectors"
IDS = "|".join(sorted(CONNECTORS))
# provider == "shopify", account.provider != "amazon", provider in ("shopify", …),
# provider=Provider.SHOPIFY, WRITEBACK = frozenset({"shopify"}), provider__in=("amazon", …)
BRANCH = re.compile(
    rf"""provider(__in)?\s*(==|!=|=|\s(not\s+)?in\s)\s*[\(\[{{]?\s*(["']({IDS})["']|Provider\.)"""
    rf"""|frozenset\(\{{\s*["']({IDS})["']"""
)


def product_modules() -> list[Path]:
    """Every product module outside the provider packages and migrations."""
    found = []
    for package in PRODUCT:
        for path in sorted((ROOT / package).rglob("*.py")):
            if PROVIDER_PACKAGES in path.parents or "migrations" in path.parts:
                continue
            found.append(path)
    return found


def test_the_scan_sees_the_generic_layer():
    names = {p.relative_to(ROOT).as_posix() for p in product_modules()}
    assert "integrations/services/webhooks.py" in names
    assert "returns/services/imports.py" in names
    assert "channel_stock/services/levels.py" in names
    assert not any(n.startswith("integrations/connectors/") for n in names)


@pytest.mark.parametrize(
    "line",
    [
        'if account.provider != "shopify":',
        'if provider == "amazon":',
        "if account.provider != Provider.SHOPIFY:",
        'ChannelAccount.objects.filter(provider="shopify", external_id=shop)',
        'WRITEBACK_CHANNELS = frozenset({"shopify"})',
        'accounts.filter(provider__in=("shopify", "amazon"))',
    ],
)
def test_the_pattern_catches_a_provider_branch(line):
    assert BRANCH.search(line)


def test_no_provider_is_named_in_a_branch_outside_its_provider_package():
    hits = [
        f"{path.relative_to(ROOT)}:{number}: {text.strip()}"
        for path in product_modules()
        for number, text in enumerate(path.read_text().splitlines(), 1)
        if BRANCH.search(text)
    ]
    assert hits == []
