from __future__ import annotations

from django.apps import AppConfig


class SandboxDelhiveryConfig(AppConfig):
    """The Delhivery sandbox: clients, shipments, their scans and pushes, NDR uploads."""

    name = "sandbox.delhivery"
    label = "sandbox_delhivery"
    verbose_name = "Delhivery sandbox"
    default_auto_field = "django.db.models.BigAutoField"
