from __future__ import annotations

from django.apps import AppConfig


class SandboxShiprocketConfig(AppConfig):
    """The Shiprocket sandbox: API users, tokens, orders and their scans, NDR actions."""

    name = "sandbox.shiprocket"
    label = "sandbox_shiprocket"
    verbose_name = "Shiprocket sandbox"
    default_auto_field = "django.db.models.BigAutoField"
