"""The GraphQL Admin API leaky bucket, one per (shop, app).

Source: channel-apis.md §1.2 "Limits" and shopify.dev "API rate limits": a bucket of
``maximumAvailable`` points refills at ``restoreRate`` points per second; a query whose
*requested* cost exceeds what is currently available is refused with ``THROTTLED``; otherwise
the requested cost is taken up front and the difference to the *actual* cost is refunded after
execution, so concurrent requests can never overdraw the bucket.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction

from sandbox.kernel import clock
from sandbox.shopify.models import SandboxApp, SandboxBucket, SandboxShop


@dataclass(frozen=True)
class ThrottleStatus:
    """``extensions.cost.throttleStatus`` of a response (points as floats, like Shopify)."""

    maximum_available: float
    currently_available: float
    restore_rate: float

    def as_json(self) -> dict[str, float]:
        return {
            "maximumAvailable": float(self.maximum_available),
            # Shopify reports whole points (e.g. ``985.0``), never a refill fraction.
            "currentlyAvailable": float(int(self.currently_available)),
            "restoreRate": float(self.restore_rate),
        }


def _refilled(bucket: SandboxBucket, shop: SandboxShop, at: float) -> float:
    elapsed = max(0.0, at - bucket.refilled_at)
    return min(float(shop.bucket_size), bucket.available + elapsed * shop.restore_rate)


def _locked_bucket(shop: SandboxShop, app: SandboxApp, at: float) -> SandboxBucket:
    bucket, _ = SandboxBucket.objects.select_for_update().get_or_create(
        shop=shop, app=app, defaults={"available": float(shop.bucket_size), "refilled_at": at}
    )
    return bucket


def take(shop: SandboxShop, app: SandboxApp, requested: int) -> tuple[bool, ThrottleStatus]:
    """Refill by elapsed time, then take ``requested`` points if available.

    Returns ``(granted, status)``; when not granted nothing is taken."""
    at = clock.time()
    with transaction.atomic():
        shop = SandboxShop.objects.get(pk=shop.pk)
        bucket = _locked_bucket(shop, app, at)
        available = _refilled(bucket, shop, at)
        granted = requested <= available
        if granted:
            available -= requested
        bucket.available = available
        bucket.refilled_at = at
        bucket.save(update_fields=["available", "refilled_at"])
    return granted, ThrottleStatus(shop.bucket_size, available, shop.restore_rate)


def refund(shop: SandboxShop, app: SandboxApp, points: int) -> ThrottleStatus:
    """Give back ``points`` (requested − actual cost) after execution; capped at the bucket size."""
    at = clock.time()
    with transaction.atomic():
        shop = SandboxShop.objects.get(pk=shop.pk)
        bucket = _locked_bucket(shop, app, at)
        available = min(float(shop.bucket_size), _refilled(bucket, shop, at) + max(points, 0))
        bucket.available = available
        bucket.refilled_at = at
        bucket.save(update_fields=["available", "refilled_at"])
    return ThrottleStatus(shop.bucket_size, available, shop.restore_rate)


def reset_buckets(shop: SandboxShop, available: int | None = None) -> None:
    """Apply new bucket settings of ``shop`` to its existing buckets (clamped, or set to
    ``available``), as of now."""
    at = clock.time()
    with transaction.atomic():
        for bucket in SandboxBucket.objects.select_for_update().filter(shop=shop):
            level = _refilled(bucket, shop, at) if available is None else float(available)
            bucket.available = min(float(shop.bucket_size), max(level, 0.0))
            bucket.refilled_at = at
            bucket.save(update_fields=["available", "refilled_at"])
