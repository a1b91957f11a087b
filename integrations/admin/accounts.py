"""Channel accounts and provider app credentials (secrets write-only)."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

from django import forms
from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from integrations.admin.common import (
    INPUT_PREFIX,
    KEEP_HELP,
    run_per_object,
    secret_fields_for,
    stored_secret_names,
    stored_summary,
)
from integrations.connectors.base import CredentialField
from integrations.crypto import CredentialDecryptError
from integrations.hooks import run_hooks
from integrations.models import (
    ChannelAccount,
    ProviderAppCredential,
)
from integrations.services.accounts import account_check_connection, account_disconnect
from integrations.services.sync import request_sync, streams_for
from integrations.services.webhook_subscriptions import (
    account_register_webhooks,
    webhook_push_url,
)

logger = logging.getLogger(__name__)


class ChannelAccountForm(forms.ModelForm):
    """The account form; :func:`channel_account_form` adds one write-only password input per
    secret credential field of the connector. Blank keeps the stored secret; a value replaces
    it (encrypted on save)."""

    secret_fields: tuple[CredentialField, ...] = ()
    api_base_url = forms.URLField(
        required=False,
        assume_scheme="https",
        label="API base URL",
        help_text=ChannelAccount._meta.get_field("api_base_url").help_text,
    )

    class Meta:
        model = ChannelAccount
        fields = [
            "merchant",
            "provider",
            "display_name",
            "external_id",
            "status",
            "scopes",
            "token_expires_at",
            "api_base_url",
            "settings",
            "manages_stock",
            "last_error",
        ]

    def new_secrets(self) -> dict[str, str]:
        """Secrets typed into the form (non-blank) that the chosen provider declares."""
        allowed = {c.name for c in secret_fields_for(self.cleaned_data.get("provider"))}
        values = {c.name: self.cleaned_data.get(INPUT_PREFIX + c.name) for c in self.secret_fields}
        return {name: value for name, value in values.items() if value and name in allowed}

    def save(self, commit: bool = True) -> ChannelAccount:
        values = self.new_secrets()
        if values:
            try:
                self.instance.update_credentials(**values)
            except CredentialDecryptError:
                # The old secrets are unreadable (key lost): the new ones replace them.
                self.instance.set_credentials(values)
        return super().save(commit=commit)


def channel_account_form(secret_fields: Iterable[CredentialField]) -> type[ChannelAccountForm]:
    """A ``ChannelAccountForm`` subclass declaring a ``PasswordInput(render_value=False)`` field
    ``set_<name>`` per secret credential field."""
    fields = tuple(secret_fields)
    attrs: dict[str, Any] = {
        INPUT_PREFIX + cred.name: forms.CharField(
            label=cred.label,
            required=False,
            strip=True,
            widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
            help_text=f"{KEEP_HELP} {cred.help_text}".strip(),
        )
        for cred in fields
    }
    attrs["secret_fields"] = fields
    return type("ChannelAccountSecretsForm", (ChannelAccountForm,), attrs)


@admin.register(ChannelAccount)
class ChannelAccountAdmin(admin.ModelAdmin):
    form = ChannelAccountForm
    list_display = [
        "__str__",
        "merchant",
        "provider",
        "display_name",
        "external_id",
        "status",
        "manages_stock",
        "last_synced_at",
        "short_error",
    ]
    list_filter = ["provider", "status", "manages_stock", "merchant"]
    search_fields = ["display_name", "external_id", "merchant__name", "merchant__slug"]
    list_select_related = ["merchant"]
    autocomplete_fields = ["merchant"]
    readonly_fields = ["stored_credentials", "last_synced_at", "created_at", "updated_at"]
    actions = ["test_connection", "sync_now", "register_webhooks", "show_push_url", "disconnect"]
    date_hierarchy = "created_at"

    def get_form(self, request: HttpRequest, obj: ChannelAccount | None = None, **kwargs: Any):
        kwargs["form"] = channel_account_form(secret_fields_for(obj.provider if obj else None))
        return super().get_form(request, obj, **kwargs)

    def save_model(self, request: HttpRequest, obj: ChannelAccount, form, change: bool) -> None:
        """Switching "Sangam manages stock" on pushes every matched listing, as the
        dashboard switch does (``ACCOUNT_MANAGES_STOCK_HOOKS``: the channel stock's
        ``account_set_manages_stock``)."""
        super().save_model(request, obj, form, change)
        if "manages_stock" in form.changed_data and obj.manages_stock:
            run_hooks("ACCOUNT_MANAGES_STOCK_HOOKS", account=obj, enabled=True)

    def get_fieldsets(self, request: HttpRequest, obj: ChannelAccount | None = None):
        secrets = [INPUT_PREFIX + c.name for c in secret_fields_for(obj.provider if obj else None)]
        return [
            (
                None,
                {
                    "fields": [
                        "merchant",
                        "provider",
                        "display_name",
                        "external_id",
                        "status",
                        "manages_stock",
                    ]
                },
            ),
            (
                "Credentials (write-only)",
                {
                    "fields": ["stored_credentials", *secrets],
                    "description": "Secrets are encrypted at rest and never displayed.",
                },
            ),
            (
                "Connection",
                {"fields": ["api_base_url", "scopes", "token_expires_at", "settings"]},
            ),
            ("Sync", {"fields": ["last_synced_at", "last_error", "created_at", "updated_at"]}),
        ]

    @admin.display(description="Stored secrets")
    def stored_credentials(self, obj: ChannelAccount | None):
        names = [c.name for c in secret_fields_for(obj.provider if obj else None)]
        return stored_summary(obj, names)

    @admin.display(description="Last error")
    def short_error(self, obj: ChannelAccount) -> str:
        return (obj.last_error[:80] + "…") if len(obj.last_error) > 80 else obj.last_error

    @admin.action(description="Test connection")
    def test_connection(self, request: HttpRequest, queryset: QuerySet[ChannelAccount]) -> None:
        def check(account: ChannelAccount) -> str:
            facts = account_check_connection(account=account)
            return f"connection OK — {facts.get('name') or account.external_id}."

        run_per_object(self, request, queryset, check)

    @admin.action(description="Sync now")
    def sync_now(self, request: HttpRequest, queryset: QuerySet[ChannelAccount]) -> None:
        def sync(account: ChannelAccount) -> str:
            runs = request_sync(account=account, streams=streams_for(account))
            return "sync requested: " + ", ".join(f"{r.stream} #{r.pk}" for r in runs) + "."

        run_per_object(self, request, queryset, sync)

    @admin.action(description="Register webhooks")
    def register_webhooks(self, request: HttpRequest, queryset: QuerySet[ChannelAccount]) -> None:
        def register(account: ChannelAccount) -> str:
            subscriptions = account_register_webhooks(account=account)
            return f"{len(subscriptions)} webhook subscription(s) registered."

        run_per_object(self, request, queryset, register)

    @admin.action(description="Show the push URL (secret: give it to the courier)")
    def show_push_url(self, request: HttpRequest, queryset: QuerySet[ChannelAccount]) -> None:
        """The full scan-push / tracking-webhook URL of couriers that authenticate pushes by
        a token in the URL (``webhook_push_url``), for staff to hand to the courier."""

        def show(account: ChannelAccount) -> str:
            url = webhook_push_url(account=account)
            logger.info("staff %s viewed the push URL of account %s", request.user, account.pk)
            return (
                f"push URL {url} (keep it secret; for Shiprocket the last segment is also the "
                "x-api-key)."
            )

        run_per_object(self, request, queryset, show)

    @admin.action(description="Disconnect (forget credentials)")
    def disconnect(self, request: HttpRequest, queryset: QuerySet[ChannelAccount]) -> None:
        def forget(account: ChannelAccount) -> str:
            account_disconnect(account=account, reason="Disconnected by staff.")
            return "disconnected; credentials deleted."

        run_per_object(self, request, queryset, forget)


# --- provider app credentials -------------------------------------------------------------------
class ProviderAppCredentialForm(forms.ModelForm):
    api_secret = forms.CharField(
        label="API secret",
        required=False,
        strip=True,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}),
        help_text=KEEP_HELP,
    )

    class Meta:
        model = ProviderAppCredential
        fields = ["merchant", "provider", "api_key"]

    def save(self, commit: bool = True) -> ProviderAppCredential:
        secret = self.cleaned_data.get("api_secret")
        if secret:
            self.instance.update_credentials(api_secret=secret)
        return super().save(commit=commit)


@admin.register(ProviderAppCredential)
class ProviderAppCredentialAdmin(admin.ModelAdmin):
    form = ProviderAppCredentialForm
    list_display = ["__str__", "merchant", "provider", "api_key", "secret_stored", "created_at"]
    list_filter = ["provider"]
    search_fields = ["api_key", "merchant__name"]
    list_select_related = ["merchant"]
    autocomplete_fields = ["merchant"]
    fields = ["merchant", "provider", "api_key", "api_secret", "stored_credentials", "created_at"]
    readonly_fields = ["stored_credentials", "created_at"]

    @admin.display(description="Stored secrets")
    def stored_credentials(self, obj: ProviderAppCredential | None):
        return stored_summary(obj, ["api_secret"])

    @admin.display(description="Secret stored", boolean=True)
    def secret_stored(self, obj: ProviderAppCredential) -> bool | None:
        stored = stored_secret_names(obj)
        return None if stored is None else "api_secret" in stored


# --- sync runs and quarantine ---------------------------------------------------------------------
