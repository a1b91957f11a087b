from __future__ import annotations

from django.apps import AppConfig


class SandboxAmazonConfig(AppConfig):
    """The Amazon sandbox: models, views and services of the local Amazon stand-in."""

    name = "sandbox.amazon"
    label = "sandbox_amazon"
    verbose_name = "Amazon sandbox"
    default_auto_field = "django.db.models.BigAutoField"
