"""With SANDBOX_ENABLED=False (production) no fake provider is installed: no sandbox app, model,
table, migration, URL or ``manage.py demo`` (architecture issue §4).

Runs ``manage.py`` in a fresh interpreter, since settings are read once per process."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

ROOT = Path(__file__).resolve().parent.parent
SANDBOX_LABELS = (
    "sandbox",
    "sandbox_amazon",
    "sandbox_flipkart",
    "sandbox_delhivery",
    "sandbox_shiprocket",
    "sandbox_tool",
)
PROBE = (
    "from django.apps import apps; from django.urls import resolve, Resolver404\n"
    "print('installed', [c.name for c in apps.get_app_configs() if c.name.startswith('sandbox')])\n"
    "print('is_installed', apps.is_installed('sandbox.shopify'))\n"
    "try:\n    resolve('/sandbox/shopify/x/admin/oauth/authorize'); print('url served')\n"
    "except Resolver404:\n    print('url missing')\n"
)


def manage(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    base = {"PATH": os.environ.get("PATH", ""), "DJANGO_SETTINGS_MODULE": "config.settings"}
    return subprocess.run(  # noqa: S603 - our own interpreter and manage.py
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**base, **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.fixture
def production() -> dict[str, str]:
    return {
        "DEBUG": "False",
        "SANDBOX_ENABLED": "False",
        "SECRET_KEY": "a-long-random-secret-key-of-the-deployment-0123456789",
        "SHOPIFY_API_SECRET": "the-deployments-own-app-secret",
        "CREDENTIALS_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
        "DATABASE_URL": "sqlite:///:memory:",
    }


@pytest.fixture(autouse=True)
def _no_dotenv():
    if (ROOT / ".env").exists():
        pytest.skip("a .env file would be read by the child process")


def test_production_installs_no_sandbox_app_and_serves_no_sandbox_url(production):
    result = manage("shell", "-c", PROBE, **production)
    assert result.returncode == 0, result.stderr
    assert "installed []" in result.stdout
    assert "is_installed False" in result.stdout
    assert "url missing" in result.stdout


def test_production_would_create_no_sandbox_table(production):
    result = manage("showmigrations", "--list", **production)
    assert result.returncode == 0, result.stderr
    apps = {line for line in result.stdout.splitlines() if line and not line.startswith(" ")}
    assert "integrations" in apps
    assert not apps & set(SANDBOX_LABELS)
    plan = manage("migrate", "--plan", **production)
    assert plan.returncode == 0, plan.stderr
    assert "sandbox" not in plan.stdout.replace("SANDBOX", "")


def test_production_has_no_demo_command(production):
    result = manage("demo", **production)
    assert result.returncode != 0
    assert "Unknown command: 'demo'" in result.stderr


def test_with_the_sandbox_enabled_its_apps_are_installed(production):
    result = manage("shell", "-c", PROBE, **{**production, "SANDBOX_ENABLED": "True"})
    assert result.returncode == 0, result.stderr
    assert "is_installed True" in result.stdout
    assert "url served" in result.stdout
