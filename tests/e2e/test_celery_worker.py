"""A real Celery worker (started by the test, over the configured broker) processes a webhook
event that the receiver queued. Skipped with a reason when no broker is configured; CI always
configures Redis, so it never skips there."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client

from config.celery import app as celery_app
from integrations.connectors.shopify.signatures import webhook_hmac
from integrations.models import WebhookEvent, WebhookStatus
from integrations.services.webhooks import inbox_drain_enabled
from orders.models import Order
from tests.factories import ChannelAccountFactory

ROOT = Path(__file__).resolve().parents[2]
pytestmark = [pytest.mark.celery_worker, pytest.mark.django_db(transaction=True)]


def _database_url() -> str:
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    user = db.get("USER") or "postgres"
    host = db.get("HOST") or "127.0.0.1"
    return f"postgres://{user}@{host}:{db.get('PORT') or 5432}/{db['NAME']}"


@pytest.fixture
def worker():
    if not settings.CELERY_BROKER_URL:
        if os.environ.get("CI"):
            pytest.fail("CI must configure CELERY_BROKER_URL: the worker test may not skip there")
        pytest.skip("No CELERY_BROKER_URL configured: no broker to run a real worker against.")
    celery_app.control.purge()
    env = {
        **os.environ,
        "DATABASE_URL": _database_url(),
        "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
    }
    proc = subprocess.Popen(  # noqa: S603 - fixed argv
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "--pool=solo",
            "--concurrency=1",
            "--without-heartbeat",
            "--without-gossip",
            "--without-mingle",
            "--loglevel=WARNING",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                pytest.fail(f"worker exited: {proc.stdout.read().decode()[-2000:]}")
            replies = celery_app.control.ping(timeout=1.0)
            if replies:
                break
        else:
            pytest.fail("the Celery worker did not answer a ping within 60 s")
        yield proc
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()


def test_real_worker_processes_a_queued_webhook_event(worker):
    # With a shared cache (CI: Redis) the receiver only wakes the inbox drain, which runs on
    # the worker and queues the event; without one the request queues the event itself.
    drained = inbox_drain_enabled()
    account = ChannelAccountFactory(external_id="worker-store.myshopify.com")
    body = json.dumps(
        {
            "id": 5000000000000000777,
            "name": "#7001",
            "created_at": "2026-11-20T10:00:00+05:30",
            "updated_at": "2026-11-20T10:05:00+05:30",
            "currency": "INR",
            "financial_status": "pending",
            "fulfillment_status": None,
            "payment_gateway_names": ["Cash on Delivery (COD)"],
            "total_price": "1299.00",
            "subtotal_price": "1299.00",
            "total_tax": "61.86",
            "total_discounts": "0.00",
            "line_items": [
                {
                    "id": 5000000000000000778,
                    "sku": "KURTA-M",
                    "quantity": 1,
                    "price": "1299.00",
                    "total_discount": "0.00",
                    "tax_lines": [],
                }
            ],
            "shipping_address": {"city": "Indore", "province": "Madhya Pradesh", "zip": "452001"},
        }
    ).encode()
    response = Client().post(
        "/api/webhooks/shopify",
        data=body,
        content_type="application/json",
        HTTP_X_SHOPIFY_TOPIC="orders/create",
        HTTP_X_SHOPIFY_HMAC_SHA256=webhook_hmac(body, "s3cret"),
        HTTP_X_SHOPIFY_SHOP_DOMAIN=account.external_id,
        HTTP_X_SHOPIFY_WEBHOOK_ID="wh-worker-1",
        HTTP_X_SHOPIFY_EVENT_ID="ev-worker-1",
    )
    assert response.status_code == 200
    event = WebhookEvent.objects.get(event_id="ev-worker-1")
    deadline = time.monotonic() + 60
    while event.status == WebhookStatus.RECEIVED and time.monotonic() < deadline:
        time.sleep(0.2)
        event.refresh_from_db()
    assert event.status == WebhookStatus.PROCESSED, event.error
    assert (event.queued_at is not None) is drained
    order = Order.objects.get(account=account, external_id="5000000000000000777")
    assert order.payment_method == "cod"
    assert order.ship_pincode == "452001"
