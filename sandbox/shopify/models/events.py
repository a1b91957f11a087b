"""Webhook subscriptions and deliveries, and bulk operations."""

from __future__ import annotations

from django.db import models

from sandbox.shopify.models.store import SandboxApp, SandboxShop


class SandboxWebhookSubscription(models.Model):
    """A webhook subscription made by one app through ``webhookSubscriptionCreate``.

    ``topic`` is the GraphQL enum (``ORDERS_CREATE``); ``api_version`` the version of the
    request that created it (it decides ``X-Shopify-API-Version`` of deliveries)."""

    id = models.BigIntegerField(primary_key=True)
    shop = models.ForeignKey(SandboxShop, on_delete=models.CASCADE, related_name="subscriptions")
    app = models.ForeignKey(SandboxApp, on_delete=models.CASCADE, related_name="subscriptions")
    topic = models.CharField(max_length=80)
    callback_url = models.URLField(max_length=2000)
    format = models.CharField(max_length=10, default="JSON")
    api_version = models.CharField(max_length=20)
    include_fields = models.JSONField(default=list)
    filter = models.CharField(max_length=1000, blank=True)
    metafield_namespaces = models.JSONField(default=list)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["shop", "app", "topic", "callback_url"], name="sandbox_subscription_uniq"
            )
        ]

    def __str__(self) -> str:
        return f"{self.topic} → {self.callback_url}"


class DeliveryStatus(models.TextChoices):
    """State of a webhook delivery series."""

    PENDING = "pending", "Pending"
    DELIVERED = "delivered", "Delivered"
    FAILED = "failed", "Failed (retries exhausted)"


class SandboxWebhookDelivery(models.Model):
    """One event sent to one endpoint, with its attempts (Shopify retries 8 times over ~4 h).

    ``body`` is the exact JSON text that was signed and sent (exact big integers);
    ``event_id`` is shared by every delivery of one event (``X-Shopify-Event-Id``),
    ``webhook_id`` is unique per delivery series (``X-Shopify-Webhook-Id``)."""

    shop = models.ForeignKey(SandboxShop, on_delete=models.CASCADE, related_name="deliveries")
    app = models.ForeignKey(SandboxApp, on_delete=models.CASCADE, related_name="deliveries")
    subscription = models.ForeignKey(
        SandboxWebhookSubscription, on_delete=models.SET_NULL, null=True, blank=True
    )
    topic = models.CharField(max_length=80)
    url = models.URLField(max_length=2000)
    api_version = models.CharField(max_length=20)
    body = models.TextField()
    event_id = models.CharField(max_length=64, db_index=True)
    webhook_id = models.CharField(max_length=64, unique=True)
    triggered_at = models.DateTimeField()
    status = models.CharField(
        max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    attempts = models.PositiveIntegerField(default=0)
    last_status_code = models.PositiveIntegerField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["status", "next_attempt_at"])]

    def __str__(self) -> str:
        return f"{self.topic} → {self.url} ({self.status})"


class SandboxBulkOperation(models.Model):
    """A ``bulkOperationRunQuery`` job; its JSONL result lives in ``VAR_DIR/sandbox/bulk``.

    ``status`` uses the ``BulkOperationStatus`` enum; ``started_at`` doubles as the claim that
    one poll is executing it."""

    id = models.BigIntegerField(primary_key=True)
    shop = models.ForeignKey(SandboxShop, on_delete=models.CASCADE, related_name="bulk_operations")
    app = models.ForeignKey(SandboxApp, on_delete=models.CASCADE, related_name="bulk_operations")
    query = models.TextField()
    status = models.CharField(max_length=12, default="CREATED")
    error_code = models.CharField(max_length=30, blank=True)
    object_count = models.BigIntegerField(default=0)
    root_object_count = models.BigIntegerField(default=0)
    file_size = models.BigIntegerField(null=True, blank=True)
    file_name = models.CharField(max_length=255, blank=True)
    created_at = models.DateTimeField()
    started_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"bulk operation {self.id} ({self.status})"
