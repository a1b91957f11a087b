"""``POST /api/auth/token`` with username/password → ``{"token": "…"}`` (DRF token auth)."""

from __future__ import annotations

from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.permissions import AllowAny


class ObtainTokenView(ObtainAuthToken):
    """Exchange username + password for an API token; send it as ``Authorization: Token …``."""

    permission_classes = (AllowAny,)
