"""``Authorization: Token <token>`` (channel-apis.md §5.1: static, never expires; staging and
production tokens differ). The token must be the one issued to the client named in the path.

The 401 bodies are ``{"detail": "Authentication credentials were not provided."}`` (no or
malformed header) and ``{"detail": "Invalid token."}``: the ``Token`` scheme is Django REST
framework's TokenAuthentication, and these are its messages. ASSUMED: no source quotes
Delhivery's 401 body.
"""

from __future__ import annotations

import hmac

from sandbox.delhivery.models import SandboxDelhiveryClient

MISSING = {"detail": "Authentication credentials were not provided."}
INVALID = {"detail": "Invalid token."}


class Unauthorized(Exception):
    def __init__(self, body: dict[str, str]) -> None:
        super().__init__(body["detail"])
        self.body = body


def authenticate(client_name: str, header: str) -> SandboxDelhiveryClient:
    scheme, _, value = header.partition(" ")
    if scheme != "Token" or not value.strip():
        raise Unauthorized(MISSING)
    client = SandboxDelhiveryClient.objects.filter(name=client_name).first()
    if client is None or not hmac.compare_digest(value.strip().encode(), client.token.encode()):
        raise Unauthorized(INVALID)
    return client
