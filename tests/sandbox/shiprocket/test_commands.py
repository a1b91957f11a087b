"""``sandbox_shiprocket_seed`` and ``sandbox_shiprocket_simulate``."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command

from sandbox.shiprocket import clock
from sandbox.shiprocket.models import SandboxShiprocketOrder, SandboxShiprocketUser

pytestmark = pytest.mark.django_db


def run(*args, **options) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out, **options)
    return out.getvalue()


def test_seed_creates_the_api_user_and_booked_shipments():
    output = run("sandbox_shiprocket_seed", email="Demo@Brand.in", shipments=3)
    user = SandboxShiprocketUser.objects.get(email="demo@brand.in")
    assert "3 new shipments" in output
    assert "/sandbox/shiprocket/demo@brand.in" in output
    orders = SandboxShiprocketOrder.objects.filter(user=user)
    assert orders.count() == 3
    assert all(o.awb and o.pickup_requested_at for o in orders)


def test_seed_refuses_a_webhook_url_shiprocket_would_refuse():
    with pytest.raises(CommandError, match="'kr'"):
        run("sandbox_shiprocket_seed", webhook_url="https://kr.example/api/webhooks/x/y")


def test_simulate_moves_the_clock_and_reports_webhooks():
    run("sandbox_shiprocket_seed", shipments=1)
    before = clock.now()
    output = run("sandbox_shiprocket_simulate", advance_hours=30, step_hours=10)
    assert (clock.now() - before).total_seconds() >= 30 * 3600
    assert "webhooks: 0 delivered, 0 failed" in output  # no webhook URL registered
