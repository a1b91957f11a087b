"""SP-API usage plans: one token bucket per (seller, operation), kept in the database so every
worker serving the sandbox shares it, plus injected faults and per-operation call counters.

Amazon's usage plans are token buckets (docs "Usage Plans and Rate Limits"): a bucket holds at
most ``burst`` request tokens and refills at ``rate`` tokens per second; a request takes one
token or is refused with 429 ``QuotaExceeded``. The effective rate is reported in
``x-amzn-RateLimit-Limit``. A seller's ``rate_scale`` multiplies the refill rate (the bucket
size stays ``burst``) and the header shows the scaled rate, so a client that adapts to the
header speeds up with it.
"""

from __future__ import annotations

from decimal import Decimal

from django.db import transaction
from django.db.models import F

from sandbox.amazon.constants import LWA_OPERATION, USAGE_PLANS
from sandbox.amazon.models import SandboxAmazonSeller, SandboxAmazonUsage
from sandbox.kernel import clock


def effective_rate(seller: SandboxAmazonSeller | None, operation: str) -> Decimal:
    """The operation's refill rate (requests/s) for ``seller``: the default × ``rate_scale``."""
    rate = USAGE_PLANS[operation].rate
    if seller is None:
        return rate
    return rate * Decimal(repr(seller.rate_scale))


def limit_header(seller: SandboxAmazonSeller | None, operation: str) -> str:
    """``x-amzn-RateLimit-Limit`` text, e.g. ``"0.0167"``, ``"16.7"`` or ``"2"``."""
    return format(effective_rate(seller, operation).normalize(), "f")


def take(seller: SandboxAmazonSeller, operation: str) -> bool:
    """Count the call, refill the (seller, operation) bucket by the time elapsed and take one
    token if there is one; ``False`` when the bucket is empty (answer 429). The row is locked
    (``select_for_update``) for the update, so concurrent requests from several workers never
    overdraw it."""
    plan = USAGE_PLANS[operation]
    rate = float(effective_rate(seller, operation))
    at = clock.time()
    with transaction.atomic():
        bucket, _ = SandboxAmazonUsage.objects.select_for_update().get_or_create(
            seller=seller,
            operation=operation,
            defaults={"tokens": float(plan.burst), "refilled_at": at},
        )
        tokens = min(float(plan.burst), bucket.tokens + max(0.0, at - bucket.refilled_at) * rate)
        granted = tokens >= 1.0
        if granted:
            tokens -= 1.0
        else:
            bucket.throttled += 1
        bucket.calls += 1
        bucket.tokens, bucket.refilled_at = tokens, at
        bucket.save(update_fields=["tokens", "refilled_at", "calls", "throttled"])
    return granted


def count_lwa_call(seller: SandboxAmazonSeller) -> None:
    """Count an LWA token request (not rate limited by the sandbox)."""
    updated = SandboxAmazonUsage.objects.filter(seller=seller, operation=LWA_OPERATION).update(
        calls=F("calls") + 1
    )
    if not updated:
        SandboxAmazonUsage.objects.get_or_create(
            seller=seller,
            operation=LWA_OPERATION,
            defaults={"tokens": 0.0, "refilled_at": clock.time(), "calls": 1},
        )


def consume_fault(seller: SandboxAmazonSeller) -> int | None:
    """The status of an injected fault if one is pending for ``seller`` (and use it up)."""
    if not seller.fault_count:
        return None
    used = SandboxAmazonSeller.objects.filter(pk=seller.pk, fault_count__gt=0).update(
        fault_count=F("fault_count") - 1
    )
    return seller.fault_status if used else None


def call_counts(seller: SandboxAmazonSeller) -> dict[str, int]:
    """Calls received per operation since the last reset (``lwaToken`` for LWA requests)."""
    return dict(
        SandboxAmazonUsage.objects.filter(seller=seller, calls__gt=0)
        .order_by("operation")
        .values_list("operation", "calls")
    )


def reset_call_counts(seller: SandboxAmazonSeller) -> None:
    """Zero the call and throttle counters (buckets keep their tokens)."""
    SandboxAmazonUsage.objects.filter(seller=seller).update(calls=0, throttled=0)
