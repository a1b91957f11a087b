"""Celery application. Tasks run eagerly in-process when ``CELERY_BROKER_URL`` is unset."""

from __future__ import annotations

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("sangam")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
