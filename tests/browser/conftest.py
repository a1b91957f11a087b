"""Browser tests: headless Debian Chromium (``make browser`` installs it) driven by Playwright's
Python package against a live server. A browser download is not possible here, so Playwright
launches the system executable (``CHROMIUM``, default ``/usr/bin/chromium``) with the flags
that keep it off the closed network. Without the executable the tests are skipped, except in
CI, where they fail. A failing test saves a full-page screenshot to
``var/test-screenshots/<test name>.png``."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
SCREENSHOTS = Path(__file__).resolve().parents[2] / "var" / "test-screenshots"
PASSWORD = "browser-test-pass-1"  # noqa: S105 - a test user's password
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


@pytest.fixture(scope="session")
def chromium():
    if not os.path.exists(CHROMIUM):
        if os.environ.get("CI"):
            pytest.fail(f"{CHROMIUM} is missing: `make browser` installs Debian's chromium")
        pytest.skip(f"{CHROMIUM} is missing: run `make browser`")
    from playwright.sync_api import sync_playwright

    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright runs a loop
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=FLAGS)
        yield browser
        browser.close()


@pytest.fixture
def shopper(transactional_db):
    """An owner with a password, and its merchant."""
    from tests.factories import MembershipFactory

    membership = MembershipFactory()
    membership.user.set_password(PASSWORD)
    membership.user.save()
    return membership


def _open(request, chromium, live_server, viewport):
    context = chromium.new_context(base_url=live_server.url, viewport=viewport)
    page = context.new_page()
    page.set_default_timeout(15_000)

    def finish() -> None:
        report = getattr(request.node, "report_call", None)
        if report is not None and report.failed:
            SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            name = re.sub(r"[^\w.-]+", "_", request.node.name).strip("_")
            page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)
        context.close()

    request.addfinalizer(finish)
    return page


@pytest.fixture
def page(request, chromium, live_server, settings):
    """A fresh desktop-sized page on the live hub."""
    settings.PUBLIC_BASE_URL = live_server.url
    return _open(request, chromium, live_server, {"width": 1366, "height": 900})


@pytest.fixture
def phone(request, chromium, live_server, settings):
    """A fresh phone-sized page (390 × 844, an iPhone 12-class screen)."""
    settings.PUBLIC_BASE_URL = live_server.url
    return _open(request, chromium, live_server, {"width": 390, "height": 844})


def log_in(page, user) -> None:
    """Log in through the login form, as a person does."""
    page.goto("/accounts/login/")
    page.fill("input[name=username]", user.username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(lambda url: "/accounts/login/" not in url)
