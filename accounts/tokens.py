"""API tokens with a lifetime: DRF's ``authtoken`` rows (one per user), older than
``API_TOKEN_TTL_SECONDS`` refused by ``accounts.authentication.ExpiringTokenAuthentication``.

Obtaining a token gives the user's current one while it is valid, and a new one once it expired
(the old row is deleted). Revoking deletes it; staff can do the same in the admin (Auth Token →
Tokens). One token per user: revoking it logs out every client of that user.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from rest_framework.authtoken.models import Token


def token_ttl() -> timedelta:
    """How long a token is accepted after it was issued."""
    return timedelta(seconds=settings.API_TOKEN_TTL_SECONDS)


def token_expires_at(token: Token) -> datetime:
    """The moment ``token`` stops being accepted."""
    return token.created + token_ttl()


def token_is_expired(token: Token, *, now: datetime | None = None) -> bool:
    """Whether ``token`` has outlived ``API_TOKEN_TTL_SECONDS``."""
    return (now or timezone.now()) >= token_expires_at(token)


@transaction.atomic
def token_obtain(*, user) -> Token:
    """The user's valid token, or a new one when there is none or it expired."""
    token = Token.objects.select_for_update().filter(user=user).first()
    if token is not None and not token_is_expired(token):
        return token
    if token is not None:
        token.delete()
    return Token.objects.create(user=user)


def token_revoke(*, user) -> bool:
    """Delete the user's token; whether there was one."""
    deleted, _ = Token.objects.filter(user=user).delete()
    return deleted > 0
