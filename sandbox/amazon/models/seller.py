"""Sellers, their LWA credentials and tokens, and per-operation usage-plan buckets."""

from __future__ import annotations

from django.db import models

MARKETPLACE_IN = "A21TJRUUN4KGV"


class SandboxAmazonSeller(models.Model):
    """One selling partner on Amazon.in with the LWA app allowed to act for it.

    ``client_id``/``client_secret`` authenticate the LWA token request (channel-apis.md §2.1).
    ``rate_scale`` multiplies every usage plan's refill rate (1.0 = Amazon's defaults; the
    benchmark sets e.g. 1000). ``fault_count``/``fault_status`` make the next N SP-API calls
    fail with that status (429, 500 or 503). ``queue_polls``/``progress_polls`` are how many
    ``getReport``/``getFeed`` polls a job spends IN_QUEUE and then IN_PROGRESS before it ends;
    ``fail_next_report`` makes the next report requested end FATAL."""

    seller_id = models.CharField(max_length=20, unique=True)
    store_name = models.CharField(max_length=200)
    marketplace_id = models.CharField(max_length=20, default=MARKETPLACE_IN)
    client_id = models.CharField(max_length=200)
    client_secret = models.CharField(max_length=200)
    rate_scale = models.FloatField(default=1.0)
    fault_count = models.PositiveIntegerField(default=0)
    fault_status = models.PositiveIntegerField(default=500)
    queue_polls = models.PositiveIntegerField(default=1)
    progress_polls = models.PositiveIntegerField(default=1)
    fail_next_report = models.BooleanField(default=False)
    seed = models.IntegerField(default=7)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.store_name} ({self.seller_id})"


class SandboxAmazonRefreshToken(models.Model):
    """An LWA refresh token (``Atzr|…``): the seller's authorization of the app. Revoked
    tokens make LWA answer ``invalid_grant``."""

    seller = models.ForeignKey(
        SandboxAmazonSeller, on_delete=models.CASCADE, related_name="refresh_tokens"
    )
    token = models.CharField(max_length=500, unique=True)
    created_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"refresh token {self.token[:12]}…"


class SandboxAmazonAccessToken(models.Model):
    """An LWA access token (``Atza|…``) sent as ``x-amz-access-token``; lives one hour."""

    seller = models.ForeignKey(
        SandboxAmazonSeller, on_delete=models.CASCADE, related_name="access_tokens"
    )
    token = models.CharField(max_length=500, unique=True)
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"access token {self.token[:12]}…"


class SandboxAmazonUsage(models.Model):
    """Token bucket of one (seller, operation) usage plan, plus call counters.

    ``tokens`` were available at epoch second ``refilled_at``; ``calls`` counts every
    authenticated request to the operation, ``throttled`` those refused with 429."""

    seller = models.ForeignKey(SandboxAmazonSeller, on_delete=models.CASCADE, related_name="usage")
    operation = models.CharField(max_length=60)
    tokens = models.FloatField()
    refilled_at = models.FloatField()
    calls = models.PositiveIntegerField(default=0)
    throttled = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["seller", "operation"], name="sandbox_amazon_usage_uniq"
            )
        ]

    def __str__(self) -> str:
        return f"{self.operation}: {self.tokens:.2f} tokens"
