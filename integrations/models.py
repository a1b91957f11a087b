"""Connections to providers, sync runs, quarantined records and the webhook inbox."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q

from accounts.models import Merchant, MerchantScopedQuerySet
from integrations import crypto
from integrations.dto import granted_scopes


class Provider(models.TextChoices):
    """Provider ids: URL segment, ``ChannelAccount.provider`` and registry key."""

    SHOPIFY = "shopify", "Shopify"
    AMAZON = "amazon", "Amazon.in"
    FLIPKART = "flipkart", "Flipkart"
    MEESHO = "meesho", "Meesho"
    MYNTRA = "myntra", "Myntra"
    AJIO = "ajio", "AJIO"
    DELHIVERY = "delhivery", "Delhivery"
    SHIPROCKET = "shiprocket", "Shiprocket"


class AccountStatus(models.TextChoices):
    CONNECTED = "connected", "Connected"
    ERROR = "error", "Error"
    DISABLED = "disabled", "Disabled"
    DISCONNECTED = "disconnected", "Disconnected"


class EncryptedCredentialsMixin(models.Model):
    """``credentials_encrypted`` holds a Fernet token of a JSON dict of secrets; never plaintext.

    Use :meth:`get_credentials` / :meth:`set_credentials`; the raw column is never shown."""

    credentials_encrypted = models.TextField(blank=True, default="", editable=False)

    class Meta:
        abstract = True

    def get_credentials(self) -> dict[str, Any]:
        """Decrypted secrets dict. Raises ``crypto.CredentialDecryptError`` if keys are wrong."""
        return crypto.decrypt_json(self.credentials_encrypted)

    def set_credentials(self, values: dict[str, Any]) -> None:
        """Replace the stored secrets (encrypted with the newest key); caller saves."""
        self.credentials_encrypted = crypto.encrypt_json(values) if values else ""

    def update_credentials(self, **values: Any) -> None:
        """Merge ``values`` into the stored secrets; caller saves."""
        merged = self.get_credentials()
        merged.update({k: v for k, v in values.items() if v not in (None, "")})
        self.set_credentials(merged)


class ChannelAccount(EncryptedCredentialsMixin):
    """One merchant's connection to one provider (a Shopify shop, a seller id, an ad account).

    ``external_id`` is the provider's account key (for Shopify the ``*.myshopify.com`` domain).
    ``api_base_url`` blank means the provider's real API; only staff may set another URL, and
    merchants can only choose the built-in sandbox, so nobody can make the server send a token to
    an address of their choosing.
    """

    merchant = models.ForeignKey(
        Merchant, on_delete=models.CASCADE, related_name="channel_accounts"
    )
    provider = models.CharField(max_length=40, choices=Provider.choices)
    display_name = models.CharField(max_length=200, blank=True)
    external_id = models.CharField(max_length=255)
    status = models.CharField(
        max_length=20, choices=AccountStatus.choices, default=AccountStatus.CONNECTED
    )
    scopes = models.CharField(max_length=1000, blank=True)
    token_expires_at = models.DateTimeField(null=True, blank=True)
    last_synced_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    api_base_url = models.URLField(
        blank=True,
        help_text="Blank: the provider's real API. Staff only: e.g. the sandbox URL.",
    )
    settings = models.JSONField(default=dict, blank=True)
    manages_stock = models.BooleanField(
        default=False,
        help_text="Sangam manages stock: push available-to-sell to this channel's listings "
        "and correct drift every night.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = MerchantScopedQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["merchant", "provider", "external_id"], name="uniq_account_per_merchant"
            )
        ]
        indexes = [models.Index(fields=["provider", "external_id"])]

    def __str__(self) -> str:
        return f"{self.get_provider_display()}: {self.display_name or self.external_id}"

    @property
    def is_active(self) -> bool:
        return self.status in (AccountStatus.CONNECTED, AccountStatus.ERROR)

    @property
    def missing_scopes(self) -> list[str]:
        """Access scopes Sangam asks the provider for (the scopes setting the connector names
        in ``app_settings``: ``SHOPIFY_SCOPES``) that this account's token was not granted, in
        the order asked; a ``write_x`` grant covers ``read_x`` (shopify.dev "Access scopes").
        Empty for providers without scopes and for tokens whose grant is unknown (custom-app
        tokens pasted before Sangam read the grant at connect and on "Test connection":
        ``currentAppInstallation.accessScopes``). A store connected before a scope was added
        (``write_orders`` for the return write-back) must re-authorize to get it."""
        from integrations.registry import get_connector_class

        granted = granted_scopes(self.scopes)
        scopes_setting = get_connector_class(self.provider).app_settings[2]
        if not scopes_setting or not granted:
            return []
        asked = str(getattr(settings, scopes_setting, ""))
        wanted = [s.strip() for s in asked.split(",") if s.strip()]
        return [s for s in wanted if s not in granted]

    @property
    def missing_scope_effects(self) -> list[str]:
        """What is off for each of ``missing_scopes``, in the merchant's words (the connector's
        ``scope_effects``; empty when nothing is missing)."""
        from integrations.registry import get_connector_class

        effects = get_connector_class(self.provider).scope_effects
        return [effects.get(scope, f"what needs {scope} is off") for scope in self.missing_scopes]


class ProviderAppCredential(EncryptedCredentialsMixin):
    """A provider *app* (not a store) credential, e.g. a Shopify app's API key + secret used for
    OAuth and webhook signatures. ``merchant`` null = platform-wide (settings take precedence)."""

    merchant = models.ForeignKey(
        Merchant, on_delete=models.CASCADE, null=True, blank=True, related_name="app_credentials"
    )
    provider = models.CharField(max_length=40, choices=Provider.choices)
    api_key = models.CharField(max_length=255, help_text="Public client id / API key.")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = MerchantScopedQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["merchant", "provider"], name="uniq_app_credential")
        ]

    def __str__(self) -> str:
        return f"{self.get_provider_display()} app {self.api_key}"


class SyncStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    SUCCEEDED = "succeeded", "Succeeded"
    FAILED = "failed", "Failed"
    INTERRUPTED = "interrupted", "Interrupted"


ACTIVE_SYNC_STATUSES = (SyncStatus.QUEUED, SyncStatus.RUNNING)


class SyncRunQuerySet(MerchantScopedQuerySet):
    merchant_lookup = "account__merchant"


class SyncRun(models.Model):
    """One sync of one stream ("orders", "catalog", "inventory", "backfill") of one account.

    At most one queued/running run per (account, stream) — a partial unique constraint, so two
    workers cannot both claim it. ``checkpoint`` is written after every page: a crashed run is
    resumed from it by the next run. Cursors are ISO-8601 UTC high-water marks of ``updated_at``.
    """

    account = models.ForeignKey(ChannelAccount, on_delete=models.CASCADE, related_name="sync_runs")
    stream = models.CharField(max_length=40)
    status = models.CharField(max_length=20, choices=SyncStatus.choices, default=SyncStatus.QUEUED)
    created = models.PositiveIntegerField(default=0)
    updated = models.PositiveIntegerField(default=0)
    skipped = models.PositiveIntegerField(default=0)
    failed = models.PositiveIntegerField(default=0)
    total_estimate = models.PositiveIntegerField(null=True, blank=True)
    pages = models.PositiveIntegerField(default=0)
    cursor_before = models.CharField(max_length=255, blank=True)
    cursor_after = models.CharField(max_length=255, blank=True)
    checkpoint = models.JSONField(default=dict, blank=True)
    resumed_from = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    error = models.TextField(blank=True)
    queued_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # Refreshed every ``SYNC_HEARTBEAT_SECONDS`` while the run executes (and after each page).
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    # The process executing it, "<host>:<pid>:<start time>" (integrations.services.run_owner).
    owner = models.CharField(max_length=300, blank=True)

    objects = SyncRunQuerySet.as_manager()

    class Meta:
        ordering = ["-queued_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["account", "stream"],
                condition=Q(status__in=["queued", "running"]),
                name="one_active_sync_per_stream",
            )
        ]

    def __str__(self) -> str:
        return f"{self.account} {self.stream} #{self.pk} ({self.status})"

    @property
    def processed(self) -> int:
        return self.created + self.updated + self.skipped + self.failed

    @property
    def label(self) -> str:
        """What the run read, for people: "Orders", or an upload's file name."""
        if self.stream.startswith("file:"):
            try:
                return f"Import of {self.file_import.original_name}"
            except models.ObjectDoesNotExist:
                return "File import"
        return self.stream.replace("_", " ").capitalize()

    @property
    def progress_percent(self) -> int | None:
        if not self.total_estimate:
            return None
        return min(100, round(100 * self.processed / self.total_estimate))


class SyncLogStatus(models.TextChoices):
    QUARANTINED = "quarantined", "Quarantined"
    REPROCESSED = "reprocessed", "Reprocessed"


class SyncLog(models.Model):
    """A record that failed to import: kept with its payload so it can be reprocessed."""

    run = models.ForeignKey(
        SyncRun, on_delete=models.CASCADE, related_name="logs", null=True, blank=True
    )
    account = models.ForeignKey(ChannelAccount, on_delete=models.CASCADE, related_name="sync_logs")
    stream = models.CharField(max_length=40)
    external_id = models.CharField(max_length=255, blank=True)
    error = models.TextField()
    payload = models.JSONField(default=dict, blank=True)
    status = models.CharField(
        max_length=20, choices=SyncLogStatus.choices, default=SyncLogStatus.QUARANTINED
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = SyncRunQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.stream} {self.external_id}: {self.error[:60]}"


class WebhookStatus(models.TextChoices):
    RECEIVED = "received", "Received"
    PROCESSED = "processed", "Processed"
    FAILED = "failed", "Failed"
    IGNORED = "ignored", "Ignored"
    REJECTED = "rejected", "Rejected"  # verified, but it named another shop: never processed


class WebhookEventQuerySet(MerchantScopedQuerySet):
    merchant_lookup = "account__merchant"


class WebhookEvent(models.Model):
    """One verified webhook delivery, stored before it is processed (the inbox).

    ``dedup_key`` is the provider's event id (Shopify ``X-Shopify-Event-Id``, falling back to
    ``X-Shopify-Webhook-Id``); a unique constraint makes duplicate deliveries a no-op. ``headers``
    never contain the signature or any secret. ``body`` is the raw request body as received.
    """

    provider = models.CharField(max_length=40, choices=Provider.choices)
    account = models.ForeignKey(
        ChannelAccount, null=True, blank=True, on_delete=models.SET_NULL, related_name="webhooks"
    )
    # The pks of every account whose key verified the delivery (``account`` is the first):
    # the only accounts any topic, compliance included, acts on.
    account_ids = models.JSONField(default=list, blank=True)
    topic = models.CharField(max_length=100)
    shop_domain = models.CharField(max_length=255, blank=True)
    delivery_id = models.CharField(max_length=255, blank=True)
    event_id = models.CharField(max_length=255, blank=True)
    dedup_key = models.CharField(max_length=255)
    triggered_at = models.DateTimeField(null=True, blank=True)
    api_version = models.CharField(max_length=20, blank=True)
    headers = models.JSONField(default=dict, blank=True)
    body = models.TextField(blank=True)
    status = models.CharField(
        max_length=20, choices=WebhookStatus.choices, default=WebhookStatus.RECEIVED
    )
    attempts = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)
    received_at = models.DateTimeField(auto_now_add=True)
    # When an inbox drain claimed the event for processing (``webhook_inbox_drain``); null while
    # it waits for one, and for events queued straight from their request (eager mode).
    queued_at = models.DateTimeField(null=True, blank=True)
    processed_at = models.DateTimeField(null=True, blank=True)

    objects = WebhookEventQuerySet.as_manager()

    class Meta:
        ordering = ["-received_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["provider", "dedup_key"], name="uniq_webhook_event")
        ]
        indexes = [models.Index(fields=["status", "received_at"])]

    def __str__(self) -> str:
        return f"{self.provider} {self.topic} {self.dedup_key} ({self.status})"


class WebhookSubscriptionQuerySet(MerchantScopedQuerySet):
    merchant_lookup = "account__merchant"


class WebhookSubscription(models.Model):
    """A webhook subscription registered at the provider for one account."""

    account = models.ForeignKey(
        ChannelAccount, on_delete=models.CASCADE, related_name="webhook_subscriptions"
    )
    topic = models.CharField(max_length=100)
    remote_id = models.CharField(max_length=255)
    callback_url = models.URLField(max_length=500)
    api_version = models.CharField(max_length=20, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = WebhookSubscriptionQuerySet.as_manager()

    class Meta:
        ordering = ["topic"]
        constraints = [
            models.UniqueConstraint(fields=["account", "topic"], name="uniq_subscription_topic")
        ]

    def __str__(self) -> str:
        return f"{self.account} {self.topic}"


class ComplianceRequest(models.Model):
    """A Shopify mandatory compliance request (``customers/data_request``, ``customers/redact``,
    ``shop/redact``) and what Sangam did about it."""

    account = models.ForeignKey(
        ChannelAccount, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    provider = models.CharField(max_length=40, choices=Provider.choices)
    shop_domain = models.CharField(max_length=255)
    topic = models.CharField(max_length=100)
    customer_id = models.CharField(max_length=64, blank=True)
    order_ids = models.JSONField(default=list, blank=True)
    outcome = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.topic} {self.shop_domain}"


class FileColumnProfile(models.Model):
    """Staff-editable column mapping of a file channel's export (Myntra, Ajio, Meesho).

    ``profile`` overrides keys of the connector's ``default_profile``: ``{"columns": {<order
    field>: <header or [headers]>}, "date_formats": [...], "status_map": {<channel status>:
    <order status>}, "header_row_search": <rows>}``. ``merchant`` null = the platform-wide
    profile; a merchant's own profile wins over it.
    """

    merchant = models.ForeignKey(
        Merchant, null=True, blank=True, on_delete=models.CASCADE, related_name="file_profiles"
    )
    provider = models.CharField(max_length=40, choices=Provider.choices)
    profile = models.JSONField(default=dict, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = MerchantScopedQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["merchant", "provider"],
                condition=Q(merchant__isnull=False),
                name="uniq_file_profile_merchant",
            ),
            models.UniqueConstraint(
                fields=["provider"],
                condition=Q(merchant__isnull=True),
                name="uniq_file_profile_platform",
            ),
        ]

    def __str__(self) -> str:
        owner = self.merchant or "platform default"
        return f"{self.get_provider_display()} columns ({owner})"


class FileImportQuerySet(MerchantScopedQuerySet):
    merchant_lookup = "account__merchant"


class FileImport(models.Model):
    """One uploaded seller-panel export and the ``SyncRun`` (stream ``file``) that imported it.

    ``sha256`` identifies the content: uploading the same file again imports nothing new (the
    order import is idempotent), and the dashboard says it was seen before."""

    account = models.ForeignKey(ChannelAccount, on_delete=models.CASCADE, related_name="imports")
    run = models.OneToOneField(
        SyncRun, null=True, blank=True, on_delete=models.SET_NULL, related_name="file_import"
    )
    file = models.FileField(upload_to="imports/%Y/%m/")
    original_name = models.CharField(max_length=255)
    size = models.PositiveBigIntegerField(default=0)
    sha256 = models.CharField(max_length=64, db_index=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = FileImportQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.account} {self.original_name}"
