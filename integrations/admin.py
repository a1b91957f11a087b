"""Staff tools for connections, sync runs, quarantined records and the webhook inbox.

Secrets are write-only here: a password input per secret credential field of the account's
connector (blank keeps the stored value) and a "stored: yes/no" line per secret name. Neither
the encrypted column nor a decrypted value is ever rendered. Every action calls a service and
turns a provider failure (``ConnectorError``) into an error message, never a 500.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.html import format_html, format_html_join

from integrations.connectors.base import Connector, CredentialField
from integrations.crypto import CredentialDecryptError
from integrations.http import ConnectorError
from integrations.models import (
    ChannelAccount,
    ComplianceRequest,
    Provider,
    ProviderAppCredential,
    SyncLog,
    SyncRun,
    WebhookEvent,
    WebhookSubscription,
)
from integrations.registry import CONNECTORS, UnknownProvider, get_connector_class
from integrations.services.accounts import account_disconnect, build_connector
from integrations.services.shopify_app import shopify_register_webhooks
from integrations.services.sync import request_sync, streams_for, sync_log_reprocess
from integrations.services.webhooks import webhook_reprocess

logger = logging.getLogger(__name__)

INPUT_PREFIX = "set_"  # form field "set_<name>" writes credential <name>
KEEP_HELP = "Write-only. Leave blank to keep the stored value."
# Defence in depth: the inbox never stores these, and the admin would not show them if it did.
HIDDEN_HEADER_WORDS = ("hmac", "signature", "authorization", "token", "secret", "cookie")


# --- helpers ----------------------------------------------------------------------------------
def secret_fields_for(provider: str | None) -> list[CredentialField]:
    """Secret credential fields of ``provider``'s connector; with no provider yet (the add
    form) those of every registered connector, each name once."""
    classes: Iterable[type[Connector]]
    try:
        classes = [get_connector_class(provider)] if provider else CONNECTORS.values()
    except UnknownProvider:
        classes = []
    seen: dict[str, CredentialField] = {}
    for cls in classes:
        for cred in cls.credential_fields:
            if cred.secret and cred.name not in seen:
                seen[cred.name] = cred
    return list(seen.values())


def stored_secret_names(obj: Any) -> set[str] | None:
    """Names of the secrets stored on ``obj`` (values are dropped at once); None if they
    cannot be decrypted with the configured keys."""
    if obj is None or not obj.credentials_encrypted:
        return set()
    try:
        return {name for name, value in obj.get_credentials().items() if value}
    except CredentialDecryptError:
        return None


def stored_summary(obj: Any, names: Iterable[str]):
    """``access_token: stored: yes`` lines for the change page — names only, never values."""
    stored = stored_secret_names(obj)
    if stored is None:
        return "Stored secrets cannot be decrypted with the configured keys."
    rows = [(name, "yes" if name in stored else "no") for name in names]
    if not rows:
        return "This provider has no secret fields."
    return format_html_join("", "<div><code>{}</code>: stored: <strong>{}</strong></div>", rows)


def pretty_json(value: Any):
    """JSON pretty-printed in a ``<pre>`` (escaped)."""
    text = json.dumps(value, indent=2, ensure_ascii=False, sort_keys=True, default=str)
    return format_html('<pre style="white-space: pre-wrap; margin: 0">{}</pre>', text)


def run_per_object(
    modeladmin: admin.ModelAdmin,
    request: HttpRequest,
    queryset: Iterable[Any],
    func: Callable[[Any], str],
) -> None:
    """Call ``func`` for each selected object; its return is a success message. A provider
    failure becomes that object's error message; the other objects still run."""
    for obj in queryset:
        try:
            modeladmin.message_user(request, f"{obj}: {func(obj)}", messages.SUCCESS)
        except ConnectorError as exc:
            modeladmin.message_user(request, f"{obj}: {exc}", messages.ERROR)
        except CredentialDecryptError:
            modeladmin.message_user(
                request, f"{obj}: stored credentials cannot be decrypted.", messages.ERROR
            )
        except Exception as exc:
            # A staff action must report a bug on its row, not answer a 500 page.
            logger.exception("admin action on %r failed", obj)
            modeladmin.message_user(
                request, f"{obj}: failed ({type(exc).__name__}: {exc}).", messages.ERROR
            )


class ReadOnlyAdmin(admin.ModelAdmin):
    """View-only: rows are written by services (sync engine, webhook inbox), never by hand."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


# --- channel accounts ---------------------------------------------------------------------------
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
        "last_synced_at",
        "short_error",
    ]
    list_filter = ["provider", "status", "merchant"]
    search_fields = ["display_name", "external_id", "merchant__name", "merchant__slug"]
    list_select_related = ["merchant"]
    autocomplete_fields = ["merchant"]
    readonly_fields = ["stored_credentials", "last_synced_at", "created_at", "updated_at"]
    actions = ["test_connection", "sync_now", "register_webhooks", "disconnect"]
    date_hierarchy = "created_at"

    def get_form(self, request: HttpRequest, obj: ChannelAccount | None = None, **kwargs: Any):
        kwargs["form"] = channel_account_form(secret_fields_for(obj.provider if obj else None))
        return super().get_form(request, obj, **kwargs)

    def get_fieldsets(self, request: HttpRequest, obj: ChannelAccount | None = None):
        secrets = [INPUT_PREFIX + c.name for c in secret_fields_for(obj.provider if obj else None)]
        return [
            (None, {"fields": ["merchant", "provider", "display_name", "external_id", "status"]}),
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
            facts = build_connector(account).check_credentials() or {}
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
            if account.provider != Provider.SHOPIFY:
                raise ConnectorError("webhook registration is only available for Shopify.")
            subscriptions = shopify_register_webhooks(account=account)
            return f"{len(subscriptions)} webhook subscription(s) registered."

        run_per_object(self, request, queryset, register)

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
class SyncLogInline(ReadOnlyInline):
    model = SyncLog
    fields = ["external_id", "status", "error", "created_at"]
    readonly_fields = fields


@admin.register(SyncRun)
class SyncRunAdmin(ReadOnlyAdmin):
    list_display = [
        "pk",
        "account",
        "stream",
        "status",
        "created",
        "updated",
        "skipped",
        "failed",
        "progress",
        "queued_at",
        "started_at",
        "finished_at",
    ]
    list_filter = ["status", "stream", "account__provider", "account__merchant"]
    search_fields = ["account__external_id", "account__display_name", "error"]
    list_select_related = ["account"]
    date_hierarchy = "queued_at"
    inlines = [SyncLogInline]
    readonly_fields = ["checkpoint_json"]
    exclude = ["checkpoint"]

    @admin.display(description="Progress")
    def progress(self, obj: SyncRun) -> str:
        total = f" of {obj.total_estimate}" if obj.total_estimate else ""
        percent = f" ({obj.progress_percent}%)" if obj.progress_percent is not None else ""
        return f"{obj.processed}{total}{percent}"

    @admin.display(description="Checkpoint")
    def checkpoint_json(self, obj: SyncRun):
        return pretty_json(obj.checkpoint)


@admin.register(SyncLog)
class SyncLogAdmin(ReadOnlyAdmin):
    list_display = ["pk", "account", "stream", "external_id", "status", "short_error", "created_at"]
    list_filter = ["status", "stream", "account__provider"]
    search_fields = ["external_id", "error", "account__external_id"]
    list_select_related = ["account"]
    readonly_fields = ["payload_json"]
    exclude = ["payload"]
    actions = ["reprocess"]

    @admin.display(description="Error")
    def short_error(self, obj: SyncLog) -> str:
        return obj.error[:100]

    @admin.display(description="Payload")
    def payload_json(self, obj: SyncLog):
        return pretty_json(obj.payload)

    @admin.action(description="Reprocess")
    def reprocess(self, request: HttpRequest, queryset: QuerySet[SyncLog]) -> None:
        def again(log: SyncLog) -> str:
            if not sync_log_reprocess(log=log):
                raise ConnectorError(f"still failing: {log.error}")
            return "reprocessed."

        run_per_object(self, request, queryset.select_related("account"), again)


# --- webhooks ---------------------------------------------------------------------------------
def safe_headers(headers: dict[str, Any]) -> dict[str, Any]:
    return {
        k: v
        for k, v in (headers or {}).items()
        if not any(word in k.lower() for word in HIDDEN_HEADER_WORDS)
    }


@admin.register(WebhookEvent)
class WebhookEventAdmin(ReadOnlyAdmin):
    list_display = [
        "pk",
        "provider",
        "topic",
        "shop_domain",
        "status",
        "attempts",
        "received_at",
        "processed_at",
        "short_error",
    ]
    list_filter = ["status", "provider", "topic"]
    search_fields = ["shop_domain", "topic", "dedup_key", "delivery_id", "event_id"]
    list_select_related = ["account"]
    date_hierarchy = "received_at"
    readonly_fields = ["headers_json", "body_pretty"]
    exclude = ["headers", "body"]
    actions = ["reprocess"]

    @admin.display(description="Error")
    def short_error(self, obj: WebhookEvent) -> str:
        return obj.error[:100]

    @admin.display(description="Headers")
    def headers_json(self, obj: WebhookEvent):
        return pretty_json(safe_headers(obj.headers))

    @admin.display(description="Body")
    def body_pretty(self, obj: WebhookEvent):
        try:
            return pretty_json(json.loads(obj.body))
        except (TypeError, ValueError):
            return format_html('<pre style="white-space: pre-wrap">{}</pre>', obj.body)

    @admin.action(description="Reprocess")
    def reprocess(self, request: HttpRequest, queryset: QuerySet[WebhookEvent]) -> None:
        def again(event: WebhookEvent) -> str:
            result = webhook_reprocess(event=event)
            if result.error:
                return f"status {result.status}: {result.error}"
            return f"status {result.status}."

        run_per_object(self, request, queryset, again)


@admin.register(WebhookSubscription)
class WebhookSubscriptionAdmin(ReadOnlyAdmin):
    list_display = ["account", "topic", "remote_id", "callback_url", "api_version", "updated_at"]
    list_filter = ["topic", "api_version"]
    search_fields = ["account__external_id", "topic", "remote_id"]
    list_select_related = ["account"]


@admin.register(ComplianceRequest)
class ComplianceRequestAdmin(ReadOnlyAdmin):
    list_display = ["topic", "shop_domain", "customer_id", "created_at"]
    list_filter = ["topic", "provider"]
    search_fields = ["shop_domain", "customer_id"]
    list_select_related = ["account"]
