"""Apps, shops, their GraphQL cost buckets, OAuth codes and access tokens, id sequences."""

from __future__ import annotations

from django.db import models


class SandboxIdSequence(models.Model):
    """Next free Shopify id per resource kind (see :mod:`sandbox.shopify.ids`)."""

    name = models.CharField(max_length=40, primary_key=True)
    next_value = models.BigIntegerField()

    def __str__(self) -> str:
        return f"{self.name} → {self.next_value}"


class SandboxApp(models.Model):
    """A Shopify app (partner app / custom app): ``api_key`` is the OAuth ``client_id`` and
    ``api_secret`` signs OAuth redirects and webhooks (channel-apis.md §1.1, §1.3)."""

    id = models.BigIntegerField(primary_key=True)
    api_key = models.CharField(max_length=100, unique=True)
    api_secret = models.CharField(max_length=200)
    title = models.CharField(max_length=200, default="Sangam")
    created_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.title} ({self.api_key})"


class SandboxShop(models.Model):
    """One ``*.myshopify.com`` store with its GraphQL cost-bucket settings and injected faults.

    ``bucket_size``/``restore_rate`` are points and points per second (legacy defaults
    1000/50, channel-apis.md §1.2). ``faults_5xx``/``faults_429`` count the next GraphQL
    requests that fail on purpose (see ``services.inject_faults``)."""

    id = models.BigIntegerField(primary_key=True)
    domain = models.CharField(max_length=255, unique=True)
    name = models.CharField(max_length=200)
    email = models.EmailField()
    shop_owner = models.CharField(max_length=200)
    phone = models.CharField(max_length=40)
    address1 = models.CharField(max_length=255)
    city = models.CharField(max_length=100)
    province = models.CharField(max_length=100)
    province_code = models.CharField(max_length=10)
    zip = models.CharField(max_length=20)
    currency = models.CharField(max_length=3, default="INR")
    iana_timezone = models.CharField(max_length=64, default="Asia/Kolkata")
    bucket_size = models.PositiveIntegerField(default=1000)
    restore_rate = models.PositiveIntegerField(default=50)
    faults_5xx = models.PositiveIntegerField(default=0)
    faults_429 = models.PositiveIntegerField(default=0)
    next_order_number = models.PositiveIntegerField(default=1001)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    def __str__(self) -> str:
        return self.domain


class SandboxBucket(models.Model):
    """Leaky-bucket state of one (shop, app): ``available`` points at epoch ``refilled_at``."""

    shop = models.ForeignKey(SandboxShop, on_delete=models.CASCADE, related_name="buckets")
    app = models.ForeignKey(SandboxApp, on_delete=models.CASCADE, related_name="buckets")
    available = models.FloatField()
    refilled_at = models.FloatField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["shop", "app"], name="sandbox_bucket_uniq")]

    def __str__(self) -> str:
        return f"bucket {self.shop_id}/{self.app_id}: {self.available:.0f}"


class SandboxAuthCode(models.Model):
    """An OAuth authorization code: single use, expires (channel-apis.md §1.1 step 4)."""

    shop = models.ForeignKey(SandboxShop, on_delete=models.CASCADE)
    app = models.ForeignKey(SandboxApp, on_delete=models.CASCADE)
    code = models.CharField(max_length=64, unique=True)
    scope = models.CharField(max_length=1000)
    online = models.BooleanField(default=False)
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"code for {self.app_id} on {self.shop_id}"


class SandboxAccessToken(models.Model):
    """An Admin API access token (``shpat_…``) of one app on one shop, with its granted scopes.

    Online (per-user) tokens expire; offline ones live until the app is uninstalled."""

    shop = models.ForeignKey(SandboxShop, on_delete=models.CASCADE, related_name="tokens")
    app = models.ForeignKey(SandboxApp, on_delete=models.CASCADE, related_name="tokens")
    token = models.CharField(max_length=64, unique=True)
    scope = models.CharField(max_length=1000)
    online = models.BooleanField(default=False)
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"token {self.token[:10]}… ({self.scope})"


class SandboxIdempotentRequest(models.Model):
    """A mutation sent with ``@idempotent(key:)`` (API 2026-01 on; shopify.dev "Idempotent
    requests"): the first request's input ``fingerprint`` (SHA-256 of its canonical JSON) and,
    once it has run, its ``outcome`` — the adjustment group id and time, the changes
    ``[level id, quantity name, delta, quantity after]`` and the ``userErrors`` — which a repeat
    with the same key and input gets back instead of running again. ``outcome`` null: still
    running; ``{"failed": true}``: the first attempt raised."""

    shop = models.ForeignKey(SandboxShop, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=255)
    mutation = models.CharField(max_length=100)
    fingerprint = models.CharField(max_length=64)
    outcome = models.JSONField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["shop", "key"], name="sandbox_idempotent_key_uniq")
        ]

    def __str__(self) -> str:
        return f"{self.mutation} {self.key}"
