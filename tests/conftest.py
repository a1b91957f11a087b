"""Shared fixtures. The network guard (pytest-socket, ``--allow-hosts`` loopback only) is set in
pyproject's pytest options, so no test can reach a non-loopback address."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from config.celery import app as celery_app
from integrations import crypto
from integrations.connectors.amazon.ratelimit import LocalBucketStore
from integrations.services.webhook_keys import forget_key_rings
from tests.factories import MembershipFactory

TEST_APP_SECRET = "sangam-test-app-secret"  # noqa: S105 - the tests' own Shopify app secret


@pytest.fixture(autouse=True)
def _own_app_secret(settings):
    """The tests sign with their own Shopify app secret, never the public development default
    (``settings.DEV_SECRET_DEFAULTS``)."""
    settings.SHOPIFY_API_SECRET = TEST_APP_SECRET


@pytest.fixture(autouse=True)
def _eager_tasks_and_clean_cache(request, settings):
    """Tasks run eagerly unless a test is marked ``celery_worker`` (then the real broker is
    used); the cache (shared Shopify bucket state) starts empty."""
    eager = request.node.get_closest_marker("celery_worker") is None
    previous = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = eager
    cache.clear()  # with Redis (CI) this also empties the SP-API usage-plan buckets
    LocalBucketStore.reset()
    crypto.reset_key_cache()
    forget_key_rings()
    yield
    celery_app.conf.task_always_eager = previous
    crypto.reset_key_cache()


@pytest.fixture
def hub(live_server, settings, transactional_db):
    """Base URL of the running hub (a live server); the sandboxes send webhooks back to it."""
    settings.PUBLIC_BASE_URL = live_server.url
    return live_server.url


@pytest.fixture
def membership(db):
    return MembershipFactory()


@pytest.fixture
def merchant(membership):
    return membership.merchant


@pytest.fixture
def user(membership):
    return membership.user


@pytest.fixture
def api_client(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def other_membership(db):
    """A member of a different merchant (tenant isolation tests)."""
    return MembershipFactory()


def pytest_configure(config):
    config.addinivalue_line("markers", "celery_worker: uses a real Celery worker over the broker")
    config.addinivalue_line("markers", "postgres: needs PostgreSQL (row locks, concurrency)")


@pytest.fixture
def media_root(settings, tmp_path):
    """Uploaded files go to the test's own directory."""
    settings.MEDIA_ROOT = str(tmp_path / "media")


@pytest.fixture
def imports_run_now(monkeypatch):
    """Queued runs (file imports) run at once, in the request's thread, and on_commit
    callbacks fire at once (the test's transaction never commits)."""
    import integrations.tasks as tasks

    monkeypatch.setattr(tasks, "enqueue", lambda task, *args, **kw: task.apply(args=args))
    monkeypatch.setattr(
        "django.db.transaction.on_commit", lambda func, using=None, robust=False: func()
    )
