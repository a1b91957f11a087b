"""Per-request context handed to every resolver, and the errors resolvers raise."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from graphql import GraphQLError, GraphQLResolveInfo

from sandbox.shopify.models import SandboxApp, SandboxShop
from sandbox.shopify.oauth import has_scope


@dataclass
class BulkWindow:
    """Bulk execution of the root connection in chunks: the resolver returns up to ``size``
    records after ``after`` (``(sort value, id)``) and records where it stopped."""

    size: int
    after: tuple[Any, int] | None = None
    last: tuple[Any, int] | None = None
    exhausted: bool = False
    root_count: int = 0


@dataclass
class SandboxContext:
    """Who is asking (shop, app, granted scopes), which API version, and execution mode.

    ``bulk`` is set while a bulk operation runs: connections then ignore ``first``/``after``
    and return every record (shopify.dev "Perform bulk operations")."""

    shop: SandboxShop
    app: SandboxApp
    scope: str
    api_version: str
    request: HttpRequest | None = None
    bulk: BulkWindow | None = None
    search_warnings: list[dict[str, Any]] = field(default_factory=list)

    def absolute_url(self, path: str) -> str:
        """``path`` as an absolute URL on the host the client used (or ``PUBLIC_BASE_URL``)."""
        if self.request is not None:
            return self.request.build_absolute_uri(path)
        return f"{settings.PUBLIC_BASE_URL}{path}"


def ctx(info: GraphQLResolveInfo) -> SandboxContext:
    """The :class:`SandboxContext` of a resolver call."""
    return info.context  # type: ignore[no-any-return]


# The scope every ``Return`` needs (shopify.dev objects/Return, 2025-01 and later).
RETURNS_SCOPE = "read_returns"


def require_scope(info: GraphQLResolveInfo, scope: str) -> None:
    """Raise Shopify's ``ACCESS_DENIED`` error unless the token was granted ``scope``.

    Message and extensions as the Admin API returns them (shopify.dev "Access scopes")."""
    if has_scope(ctx(info).scope, scope):
        return
    raise GraphQLError(
        f"Access denied for {info.field_name} field. Required access: `{scope}` access scope.",
        extensions={
            "code": "ACCESS_DENIED",
            "documentation": "https://shopify.dev/api/usage/access-scopes",
            "requiredAccess": f"`{scope}` access scope.",
        },
    )


def not_implemented(type_name: str, field_name: str) -> GraphQLError:
    """A field that exists in Shopify's schema but that the sandbox does not simulate."""
    return GraphQLError(
        f"{type_name}.{field_name} exists in the Admin API but is not simulated by the "
        "Sangam sandbox.",
        extensions={"code": "SANDBOX_NOT_IMPLEMENTED"},
    )
