"""The webhook URL and token are set in Shiprocket's panel (Settings → API → Webhooks); in the
sandbox they are edited here (or with ``sandbox_shiprocket_seed --webhook-url``)."""

from __future__ import annotations

from django.contrib import admin

from sandbox.shiprocket.models import SandboxShiprocketUser


@admin.register(SandboxShiprocketUser)
class SandboxShiprocketUserAdmin(admin.ModelAdmin):
    list_display = ("email", "company_id", "pickup_location", "pickup_postcode", "webhook_url")
    fields = (
        "email",
        "password",
        "company_id",
        "pickup_location",
        "pickup_postcode",
        "webhook_url",
        "webhook_token",
        "created_at",
    )
