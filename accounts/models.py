"""Tenancy: a ``Merchant`` is the tenant; a ``Membership`` gives a user a role in one merchant."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class MerchantScopedQuerySet(models.QuerySet):
    """QuerySet with ``for_merchant``: every merchant-facing query starts here."""

    merchant_lookup = "merchant"

    def for_merchant(self, merchant: Merchant | int | None) -> MerchantScopedQuerySet:
        """Rows owned by ``merchant`` (a Merchant or its pk); no merchant → no rows."""
        if merchant is None:
            return self.none()
        return self.filter(**{self.merchant_lookup: merchant})


class Merchant(models.Model):
    """A brand (the tenant). Every channel account, order and stock row belongs to one."""

    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=100, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Role(models.TextChoices):
    OWNER = "owner", "Owner"
    MANAGER = "manager", "Manager"
    VIEWER = "viewer", "Viewer"


class Membership(models.Model):
    """A user's role in a merchant. A user normally belongs to exactly one merchant."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    merchant = models.ForeignKey(Merchant, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=20, choices=Role.choices, default=Role.VIEWER)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = MerchantScopedQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "merchant"], name="uniq_membership_user_merchant"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} @ {self.merchant} ({self.role})"

    @property
    def can_manage(self) -> bool:
        """Owners and managers may connect, disconnect and sync; viewers only read."""
        return self.role in (Role.OWNER, Role.MANAGER)
