"""Opaque next-page tokens and the sandbox's 400 error body.

A token is the validated query plus the sort key of the last row served (keyset pagination, so
rows changing between pages are never skipped), signed with Django's ``signing`` so clients
cannot edit it, bound to one seller, and valid for ``TOKEN_TTL`` of sandbox-clock time.

Error body (Flipkart documents only the status code of a bad request, docs "Response Codes";
this shape follows the SDK's ``Error`` model used by Listings v3)::

    {"code": "BAD_REQUEST", "message": "<first problem>",
     "errors": [{"severity": "ERROR", "code": "INVALID_STATES", "description": "…",
                 "path": "filter.states"}]}
"""

from __future__ import annotations

from typing import Any

from django.core import signing

from sandbox.kernel import clock

TOKEN_TTL = 3600.0  # seconds


class BadRequest(Exception):
    """A request the sandbox answers with 400; ``errors`` are ``(code, description, path)``."""

    def __init__(self, *errors: tuple[str, str, str]) -> None:
        super().__init__(errors[0][1] if errors else "Bad request")
        self.errors = errors

    def as_json(self) -> dict[str, Any]:
        return {
            "code": "BAD_REQUEST",
            "message": str(self),
            "errors": [
                {"severity": "ERROR", "code": code, "description": text, "path": path}
                for code, text, path in self.errors
            ],
        }


def make_token(kind: str, seller_pk: int, state: dict[str, Any]) -> str:
    """A signed token for ``kind`` (``shipments``/``returns``) carrying ``state``."""
    return signing.dumps(
        {"s": seller_pk, "t": clock.time(), "q": state},
        salt=f"sandbox.flipkart.{kind}",
        compress=True,
    )


def read_token(kind: str, seller_pk: int, token: str) -> dict[str, Any]:
    """The ``state`` of a token ``make_token`` wrote for this seller; raises ``BadRequest``
    when it was tampered with, belongs to another seller or is older than ``TOKEN_TTL``."""
    try:
        data = signing.loads(token, salt=f"sandbox.flipkart.{kind}")
    except signing.BadSignature:
        raise BadRequest(("INVALID_NEXT_TOKEN", "next_token is not valid", "next_token")) from None
    if data.get("s") != seller_pk:
        raise BadRequest(("INVALID_NEXT_TOKEN", "next_token is not valid", "next_token"))
    if clock.time() - float(data.get("t") or 0) > TOKEN_TTL:
        raise BadRequest(("EXPIRED_NEXT_TOKEN", "next_token has expired", "next_token"))
    return data["q"]
