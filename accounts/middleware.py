"""Attach the request's merchant and membership (``request.merchant``, ``request.membership``)."""

from __future__ import annotations

from accounts.models import Membership


def membership_for_user(user) -> Membership | None:
    """The user's membership (the oldest if several), or None for anonymous/unassigned users."""
    if not getattr(user, "is_authenticated", False):
        return None
    return Membership.objects.select_related("merchant").filter(user=user).order_by("pk").first()


class MerchantMiddleware:
    """Resolve the merchant lazily from the session user; API token users are resolved by
    ``accounts.permissions`` after DRF authentication."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        membership = membership_for_user(request.user)
        request.membership = membership
        request.merchant = membership.merchant if membership else None
        return self.get_response(request)
