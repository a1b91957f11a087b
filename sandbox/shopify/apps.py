from __future__ import annotations

from django.apps import AppConfig


class SandboxConfig(AppConfig):
    """The Shopify sandbox: models, views and services of the local Shopify stand-in."""

    name = "sandbox.shopify"
    label = "sandbox"
    verbose_name = "Shopify sandbox"
    default_auto_field = "django.db.models.BigAutoField"
