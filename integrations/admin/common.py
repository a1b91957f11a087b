"""Staff tools for connections, sync runs, quarantined records and the webhook inbox.

Secrets are write-only here: a password input per secret credential field of the account's
connector (blank keeps the stored value) and a "stored: yes/no" line per secret name. Neither
the encrypted column nor a decrypted value is ever rendered. Every action calls a service and
turns a provider failure (``ConnectorError``) into an error message, never a 500.

Shared helpers of the integrations admin.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable
from typing import Any

from django.contrib import admin, messages
from django.http import HttpRequest
from django.utils.html import format_html, format_html_join

from integrations.connectors.base import Connector, CredentialField
from integrations.crypto import CredentialDecryptError
from integrations.http import ConnectorError
from integrations.registry import CONNECTORS, UnknownProvider, get_connector_class

logger = logging.getLogger(__name__)


INPUT_PREFIX = "set_"  # form field "set_<name>" writes credential <name>
KEEP_HELP = "Write-only. Leave blank to keep the stored value."
# Defence in depth: the inbox never stores these, and the admin would not show them if it did.
HIDDEN_HEADER_WORDS = ("hmac", "signature", "authorization", "token", "secret", "cookie")


# --- helpers ----------------------------------------------------------------------------------
def secret_fields_for(provider: str | None) -> list[CredentialField]:
    """Secret credential fields of ``provider``'s connector; with no provider yet (the add
    form) those of every registered connector, each name once."""
    classes: Iterable[type[Connector]]
    try:
        classes = [get_connector_class(provider)] if provider else CONNECTORS.values()
    except UnknownProvider:
        classes = []
    seen: dict[str, CredentialField] = {}
    for cls in classes:
        for cred in cls.credential_fields:
            if cred.secret and cred.name not in seen:
                seen[cred.name] = cred
    return list(seen.values())


def stored_secret_names(obj: Any) -> set[str] | None:
    """Names of the secrets stored on ``obj`` (values are dropped at once); None if they
    cannot be decrypted with the configured keys."""
    if obj is None or not obj.credentials_encrypted:
        return set()
    try:
        return {name for name, value in obj.get_credentials().items() if value}
    except CredentialDecryptError:
        return None


def stored_summary(obj: Any, names: Iterable[str]):
    """``access_token: stored: yes`` lines for the change page — names only, never values."""
    stored = stored_secret_names(obj)
    if stored is None:
        return "Stored secrets cannot be decrypted with the configured keys."
    rows = [(name, "yes" if name in stored else "no") for name in names]
    if not rows:
        return "This provider has no secret fields."
    return format_html_join("", "<div><code>{}</code>: stored: <strong>{}</strong></div>", rows)


def pretty_json(value: Any):
    """JSON pretty-printed in a ``<pre>`` (escaped)."""
    text = json.dumps(value, indent=2, ensure_ascii=False, sort_keys=True, default=str)
    return format_html('<pre style="white-space: pre-wrap; margin: 0">{}</pre>', text)


def run_per_object(
    modeladmin: admin.ModelAdmin,
    request: HttpRequest,
    queryset: Iterable[Any],
    func: Callable[[Any], str],
) -> None:
    """Call ``func`` for each selected object; its return is a success message. A provider
    failure becomes that object's error message; the other objects still run."""
    for obj in queryset:
        try:
            modeladmin.message_user(request, f"{obj}: {func(obj)}", messages.SUCCESS)
        except ConnectorError as exc:
            modeladmin.message_user(request, f"{obj}: {exc}", messages.ERROR)
        except CredentialDecryptError:
            modeladmin.message_user(
                request, f"{obj}: stored credentials cannot be decrypted.", messages.ERROR
            )
        except Exception as exc:
            # A staff action must report a bug on its row, not answer a 500 page.
            logger.exception("admin action on %r failed", obj)
            modeladmin.message_user(
                request, f"{obj}: failed ({type(exc).__name__}: {exc}).", messages.ERROR
            )


# --- channel accounts ---------------------------------------------------------------------------
