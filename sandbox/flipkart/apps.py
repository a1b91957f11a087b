from __future__ import annotations

from django.apps import AppConfig


class SandboxFlipkartConfig(AppConfig):
    """The Flipkart sandbox: models, views and services of the local Flipkart stand-in."""

    name = "sandbox.flipkart"
    label = "sandbox_flipkart"
    verbose_name = "Flipkart sandbox"
    default_auto_field = "django.db.models.BigAutoField"
