"""``return_writeback``: a return's status written back to its channel order, for channels
with ``Capability.RETURN_WRITEBACK`` (Shopify: the ``sangam-return-<status>`` tag and a line
of the order note, ``orderUpdate``), queued after the commit and retried by
``returns.tasks.return_writeback_task``."""

from __future__ import annotations

import logging
from zoneinfo import ZoneInfo

from django.db import transaction
from django.utils import timezone

from integrations.connectors.base import Capability
from integrations.dto import ReturnStatus
from integrations.http import ConnectorError, RejectedError
from integrations.models import AccountStatus
from integrations.registry import get_connector_class, has_capability
from integrations.services.accounts import build_connector
from orders.models import Return
from returns.tasks import return_writeback_task

logger = logging.getLogger(__name__)

IST = ZoneInfo("Asia/Kolkata")


def return_tag(status: str) -> str:
    """The order tag of a return status: ``qc_passed`` → ``sangam-return-qc-passed`` (an order
    carries one such tag; the connector replaces any earlier ``sangam-return-*`` tag)."""
    return "sangam-return-" + status.replace("_", "-")


def return_note(ret: Return) -> str:
    """The return's line in the order note, e.g. ``Sangam return refund:98: QC passed — 2
    restocked, 1 written off (received 05 Jan 2026 14:30 IST)``. The text before the first
    ``": "`` identifies the return, so a later write replaces this line."""
    label = dict(ReturnStatus.CHOICES).get(ret.status, ret.status)
    text = f"Sangam return {ret.external_id}: {label}"
    items = list(ret.items.all())
    restocked = sum(i.restocked_quantity for i in items)
    written_off = sum(i.written_off_quantity for i in items)
    if restocked or written_off:
        text += f" — {restocked} restocked, {written_off} written off"
    if ret.received_at:
        text += f" (received {ret.received_at.astimezone(IST):%d %b %Y %H:%M} IST)"
    return text


def return_writeback(*, ret: Return) -> None:
    """Write ``ret``'s status to its channel order (``Connector.write_return_status``, for
    channels with ``Capability.RETURN_WRITEBACK``; Shopify: ``orderUpdate``): the
    ``sangam-return-<status>`` tag (other tags kept) and the return's note line (which replaces
    the lines of the returns it ``supersedes``). Other channels: nothing to do.

    Records the outcome on the return: ``channel_synced_status`` (the status written) and
    ``channel_sync_error`` (cleared on success). Errors that retrying cannot fix
    (``RejectedError``: Shopify ``userErrors``, a missing order; a permanent auth/scope error
    such as a token without ``write_orders``; a disconnected account) are recorded and not
    raised; transient ones (network, 429/5xx, throttling) are recorded and re-raised as
    ``ConnectorError`` so the task retries."""
    account = ret.account
    if not has_capability(account.provider, Capability.RETURN_WRITEBACK):
        return
    if account.status == AccountStatus.DISCONNECTED:
        _record_writeback(ret, error=f"The {_channel_label(account)} account is disconnected.")
        return
    status = ret.status
    try:
        build_connector(account).write_return_status(
            order_external_id=ret.order_external_id,
            tags=[return_tag(status)],
            note=return_note(ret),
            replaces=list(ret.supersedes),
        )
    except ConnectorError as exc:
        _record_writeback(ret, error=str(exc) or type(exc).__name__)
        if exc.permanent or isinstance(exc, RejectedError):
            logger.warning("return %s: write-back refused: %s", ret.pk, exc)
            return
        raise
    _record_writeback(ret, status=status)


def _channel_label(account) -> str:
    """The channel's name (``Connector.label``: "Shopify") for messages."""
    return get_connector_class(account.provider).label


def return_writeback_queue(*, return_id: int) -> None:
    """Queue ``return_writeback_task`` for the return once the transaction commits (a failure
    to queue never undoes the change that asked for it)."""
    from integrations.tasks import enqueue  # at call time: tests replace the queue

    transaction.on_commit(lambda: enqueue(return_writeback_task, return_id), robust=True)


def _record_writeback(ret: Return, *, status: str | None = None, error: str = "") -> None:
    values: dict = {"channel_sync_error": error[:1000], "updated_at": timezone.now()}
    if status is not None:
        values["channel_synced_status"] = status
        ret.channel_synced_status = status
    ret.channel_sync_error = values["channel_sync_error"]
    Return.objects.filter(pk=ret.pk).update(**values)
