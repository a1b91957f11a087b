"""DRF authentication: ``Authorization: Token <key>`` with an expiry (``API_TOKEN_TTL_SECONDS``).

First in ``DEFAULT_AUTHENTICATION_CLASSES``, so a request without valid credentials answers
401 with ``WWW-Authenticate: Token`` (DRF takes the header from the first class).
"""

from __future__ import annotations

from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication

from accounts.tokens import token_is_expired


class ExpiringTokenAuthentication(TokenAuthentication):
    """DRF's token authentication, refusing (and deleting) tokens older than the TTL."""

    def authenticate_credentials(self, key):
        user, token = super().authenticate_credentials(key)
        if token_is_expired(token):
            token.delete()
            raise exceptions.AuthenticationFailed(
                "Token has expired. Obtain a new one with POST /api/auth/token."
            )
        return user, token
