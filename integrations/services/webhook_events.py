"""The hub's own handlers of webhook events (``integrations.events``), named in the inbox's
``WEBHOOK_HANDLERS``. Each takes ``account``, the event and ``source`` and returns an
``ImportResult``."""

from __future__ import annotations

from django.utils.module_loading import import_string

from integrations.dto import ImportResult
from integrations.events import AccountUninstalled, OrderReturnsChanged
from integrations.models import ChannelAccount
from integrations.services.accounts import account_disconnect


def account_uninstalled(
    *, account: ChannelAccount, event: AccountUninstalled, source: str = "webhook"
) -> ImportResult:
    """The app was removed from the provider: disconnect the account, forget its secrets."""
    account_disconnect(account=account, reason=event.reason)
    return ImportResult(updated=1)


def order_returns_changed(
    *, account: ChannelAccount, change: OrderReturnsChanged, source: str = "webhook"
) -> ImportResult:
    """Read these orders' returns from the channel again once the event commits (an HTTP call
    has no place inside the event's transaction): ``returns.services.imports``."""
    import_string("returns.services.imports.returns_refresh_queue")(
        account_id=account.pk, order_external_ids=list(change.order_external_ids)
    )
    return ImportResult(updated=len(change.order_external_ids))
