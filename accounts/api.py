"""``/api/auth/token``: exchange username + password for an API token (``POST``) and revoke it
(``DELETE``). Send the token as ``Authorization: Token <key>``; it expires
``API_TOKEN_TTL_SECONDS`` after it was issued (``expires_at`` in the answer).

The password is checked through ``django.contrib.auth.authenticate(request=…)``, so failed
attempts count towards the login lockout (``accounts.lockout``) shared with the dashboard login;
a locked-out client is answered 429 with ``Retry-After``, even when the password is right. A
successful exchange updates ``last_login`` and clears the failures as a dashboard login does, but
opens no session (and writes no axes access log row).
"""

from __future__ import annotations

from django.contrib.auth.models import update_last_login
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.authtoken.serializers import AuthTokenSerializer
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.lockout import forget_failures, lockout_response
from accounts.tokens import token_expires_at, token_obtain, token_revoke

TokenOutput = inline_serializer(
    "TokenOutput",
    {"token": serializers.CharField(), "expires_at": serializers.DateTimeField()},
)


class ObtainTokenView(APIView):
    """``POST``: username + password → ``{"token", "expires_at"}`` (the current token while it
    is valid, a new one once it expired). ``DELETE`` (token- or session-authenticated): revoke
    the caller's token, 204."""

    serializer_class = AuthTokenSerializer

    def get_permissions(self):
        if self.request.method == "POST":
            return [AllowAny()]
        return [IsAuthenticated()]

    def perform_authentication(self, request) -> None:
        """``POST`` carries its own credentials: a stale ``Authorization`` header (an expired
        token being replaced) must not turn it into a 401."""
        if request.method != "POST":
            super().perform_authentication(request)

    @extend_schema(
        request=AuthTokenSerializer,
        responses={
            200: TokenOutput,
            400: OpenApiResponse(description="Wrong username or password."),
            429: OpenApiResponse(description="Too many failed logins; see Retry-After."),
        },
    )
    def post(self, request, *args, **kwargs):
        serializer = AuthTokenSerializer(data=request.data, context={"request": request})
        if not serializer.is_valid():
            # axes flags the request it was handed (this DRF request) when the attempt is
            # refused by, or has just triggered, the lockout.
            if getattr(request, "axes_locked_out", False):
                return lockout_response(request)
            return Response(serializer.errors, status=status.HTTP_400_BAD_REQUEST)
        user = serializer.validated_data["user"]
        # Not login(): no session. What a dashboard login does besides: last_login, and this
        # username's failures from this address forgotten.
        update_last_login(None, user)
        forget_failures(request, username=serializer.validated_data["username"])
        token = token_obtain(user=user)
        return Response({"token": token.key, "expires_at": token_expires_at(token)})

    @extend_schema(request=None, responses={204: None})
    def delete(self, request, *args, **kwargs):
        token_revoke(user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)
