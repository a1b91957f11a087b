"""DRF permissions: a request is served only for a user who is a member of a merchant."""

from __future__ import annotations

from rest_framework.permissions import SAFE_METHODS, BasePermission

from accounts.middleware import membership_for_user


def bind_merchant(request) -> None:
    """Set ``request.merchant``/``request.membership`` for token-authenticated API users."""
    if getattr(request, "_merchant_bound", False):
        return
    membership = membership_for_user(request.user)
    request.membership = membership
    request.merchant = membership.merchant if membership else None
    request._merchant_bound = True


class IsMerchantMember(BasePermission):
    """Authenticated and a member of a merchant; writes need an owner or manager role."""

    message = "You must belong to a merchant to use this endpoint."

    def has_permission(self, request, view) -> bool:
        if not (request.user and request.user.is_authenticated):
            return False
        bind_merchant(request)
        if request.membership is None:
            return False
        if request.method in SAFE_METHODS:
            return True
        return request.membership.can_manage
