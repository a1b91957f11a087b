from __future__ import annotations

from django.apps import AppConfig


class SandboxToolConfig(AppConfig):
    """The sandbox package itself: no models, only ``manage.py demo`` (installed with the
    sandbox, so the command exists only where it does)."""

    name = "sandbox"
    label = "sandbox_tool"
    verbose_name = "Sandbox"
