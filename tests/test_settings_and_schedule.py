"""Settings that the product depends on: the beat schedule, time zones, money and safety."""

from __future__ import annotations

import pytest
from celery.schedules import crontab
from django.conf import settings

from config.celery import app


@pytest.fixture(scope="module")
def registered_tasks() -> set[str]:
    app.loader.import_default_modules()  # autodiscovery: every installed app's tasks module
    return set(app.tasks)


@pytest.mark.parametrize("entry", sorted(settings.CELERY_BEAT_SCHEDULE))
def test_every_scheduled_task_is_registered(registered_tasks, entry):
    assert settings.CELERY_BEAT_SCHEDULE[entry]["task"] in registered_tasks


def test_the_registration_check_can_fail(registered_tasks):
    assert "integrations.tasks.no_such_task" not in registered_tasks
    assert "integrations.tasks.sync_all_accounts_task" in registered_tasks


def test_every_schedule_entry_has_a_crontab_schedule():
    for name, entry in settings.CELERY_BEAT_SCHEDULE.items():
        assert isinstance(entry["schedule"], crontab), name


def test_order_sync_runs_every_ten_minutes():
    entry = settings.CELERY_BEAT_SCHEDULE["commerce-order-sync"]
    assert entry["task"] == "integrations.tasks.sync_all_accounts_task"
    assert entry["args"] == (["orders", "returns"],)
    assert entry["schedule"].minute == set(range(0, 60, 10))
    assert entry["schedule"].hour == set(range(24))


def test_times_are_indian_standard_time_and_stored_aware():
    assert settings.TIME_ZONE == "Asia/Kolkata"
    assert settings.CELERY_TIMEZONE == "Asia/Kolkata"
    assert settings.USE_TZ is True


def test_the_celery_app_uses_the_django_settings():
    assert app.conf.timezone == "Asia/Kolkata"
    assert app.conf.beat_scheduler == "django_celery_beat.schedulers:DatabaseScheduler"


def test_without_a_broker_tasks_run_eagerly():
    assert settings.CELERY_TASK_ALWAYS_EAGER is (not settings.CELERY_BROKER_URL)


def test_http_calls_have_default_timeouts():
    assert 0 < settings.HTTP_TIMEOUT_CONNECT <= 30
    assert 0 < settings.HTTP_TIMEOUT_READ <= 300
