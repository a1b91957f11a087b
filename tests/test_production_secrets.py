"""With DEBUG=False every secret that has a public development default must be set, or
startup fails naming it; ``check --deploy`` reports one left at its default (security issue §2).

Each case starts a fresh interpreter, since settings are read once per process."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from django.conf import settings

ROOT = Path(__file__).resolve().parent.parent
STARTUP = "import django; django.setup(); from django.conf import settings; print('started')"


def run(code: str, **env: str) -> subprocess.CompletedProcess[str]:
    """Run ``code`` in a new interpreter with only ``env`` (plus PATH) and no .env file."""
    base = {"PATH": os.environ.get("PATH", ""), "DJANGO_SETTINGS_MODULE": "config.settings"}
    return subprocess.run(  # noqa: S603 - our own interpreter and code
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**base, **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.fixture
def production() -> dict[str, str]:
    """A complete production environment."""
    return {
        "DEBUG": "False",
        "SECRET_KEY": "a-long-random-secret-key-of-the-deployment-0123456789",
        "SHOPIFY_API_SECRET": "the-deployments-own-app-secret",
        "CREDENTIALS_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
        # no .env of the developer's machine may leak in
        "DATABASE_URL": "sqlite:///:memory:",
    }


@pytest.fixture(autouse=True)
def _no_dotenv(monkeypatch):
    if (ROOT / ".env").exists():
        pytest.skip("a .env file would be read by the child process")


def test_a_complete_production_environment_starts(production):
    result = run(STARTUP, **production)
    assert result.returncode == 0, result.stderr
    assert "started" in result.stdout


@pytest.mark.parametrize("name", ["SHOPIFY_API_SECRET", "SECRET_KEY"])
def test_startup_fails_naming_a_secret_left_to_its_development_default(production, name):
    del production[name]
    result = run(STARTUP, **production)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert f"{name} must be set when DEBUG=False" in result.stderr


def test_startup_names_every_missing_secret_at_once(production):
    del production["SHOPIFY_API_SECRET"]
    del production["SECRET_KEY"]
    result = run(STARTUP, **production)
    assert "SECRET_KEY, SHOPIFY_API_SECRET must be set when DEBUG=False" in result.stderr


def test_an_explicitly_empty_app_secret_is_accepted(production):
    """Empty means "no platform app" (only merchants' own apps): nothing verifies with it."""
    result = run(STARTUP, **{**production, "SHOPIFY_API_SECRET": ""})
    assert result.returncode == 0, result.stderr


def test_in_debug_the_development_defaults_still_serve_a_first_run():
    result = run(STARTUP + "; print(settings.SHOPIFY_API_SECRET)", DEBUG="True")
    assert result.returncode == 0, result.stderr
    assert settings.DEV_SECRET_DEFAULTS["SHOPIFY_API_SECRET"] in result.stdout


def test_the_deploy_check_reports_a_secret_set_to_its_development_default(production):
    production["SHOPIFY_API_SECRET"] = settings.DEV_SECRET_DEFAULTS["SHOPIFY_API_SECRET"]
    code = (
        "import django; django.setup(); from django.core.management import call_command; "
        "call_command('check', '--deploy', '--fail-level', 'ERROR')"
    )
    result = run(code, **production)
    assert result.returncode != 0
    assert "sangam.E001" in result.stderr
    assert "SHOPIFY_API_SECRET is its development default" in result.stderr
    result = run(code, **{**production, "SHOPIFY_API_SECRET": "its-own"})
    assert "sangam.E001" not in result.stderr + result.stdout


def test_the_tests_do_not_sign_with_the_development_default():
    assert settings.DEV_SECRET_DEFAULTS["SHOPIFY_API_SECRET"] != settings.SHOPIFY_API_SECRET
