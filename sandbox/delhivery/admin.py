"""The push URL is registered with Delhivery by a support form; in the sandbox it is edited
here (or with ``sandbox_delhivery_seed --push-url``)."""

from __future__ import annotations

from django.contrib import admin

from sandbox.delhivery.models import SandboxDelhiveryClient


@admin.register(SandboxDelhiveryClient)
class SandboxDelhiveryClientAdmin(admin.ModelAdmin):
    list_display = ("name", "warehouse", "warehouse_pin", "push_url")
    fields = ("name", "token", "warehouse", "warehouse_pin", "push_url", "created_at")
