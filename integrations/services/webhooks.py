"""The webhook inbox, for every provider: verify, persist, deduplicate, process after commit.

``POST /api/webhooks/<provider>``: registry → the connector reads the delivery from its headers
(``webhook_delivery``) → the signature is checked over the raw body, in constant time, against
every candidate secret of the claimed account (``webhook_keys.key_ring``; wrong or missing →
401, nothing stored) → a ``WebhookEvent`` is stored, deduplicated on the provider's event id (a
duplicate answers 200 and creates nothing) → processing is queued after the transaction
commits. Processing (``webhook_process``) asks the connector for the body's DTOs
(``parse_webhook``) and hands each to its importer through the one map of dotted paths
(``WEBHOOK_HANDLERS``); failures stay visible and are retried. Only a provider whose connector
declares ``Capability.WEBHOOKS`` has an inbox (404 otherwise).

Queueing and the drain: docs/architecture.md ("The webhook inbox"). Attribution: a verified
delivery belongs to exactly the accounts whose keys verified it, stored as
``WebhookEvent.account_ids``; every topic acts on those accounts only. A body that names
another account than the verified one (the connector's ``webhook_other_account``) is stored
``rejected`` with the reason and answered 400; nothing acts on it.
"""

from __future__ import annotations

import functools
import json
import logging
import operator
from collections.abc import Mapping
from contextlib import nullcontext
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import IntegrityError, connection, transaction
from django.db.models import Case, Q, Value, When
from django.utils import timezone
from django.utils.module_loading import import_string

from integrations.connectors.base import Capability, Connector
from integrations.dto import (
    InventoryLevelDTO,
    OrderDTO,
    OrderLineRemovalDTO,
    ProductDTO,
    ReturnDispositionDTO,
    ReturnDTO,
    TrackingEventDTO,
)
from integrations.events import PRIVACY_EVENTS, AccountUninstalled, OrderReturnsChanged
from integrations.models import (
    AccountStatus,
    ChannelAccount,
    SyncLog,
    WebhookEvent,
    WebhookStatus,
)
from integrations.registry import (
    CONNECTORS,
    UnknownProvider,
    get_connector_class,
    webhook_provider,
)
from integrations.services.webhook_keys import key_ring

logger = logging.getLogger(__name__)

MALFORMED = "Malformed payload"
REJECTED_SHOP = "Another shop named"
MAX_ATTEMPTS = 8
INBOX_DRAIN_BATCH = 5  # events one drain task processes (≈ 0.2 s of order imports)
INBOX_DRAIN_FLAG_KEY = "webhooks:inbox-drain:scheduled"  # set while a drain is queued
INBOX_DRAIN_FLAG_SECONDS = 10  # a queued drain's wake-up flag lives at most this long
PER_PROCESS_CACHES = frozenset(
    {
        "django.core.cache.backends.locmem.LocMemCache",
        "django.core.cache.backends.dummy.DummyCache",
    }
)


@dataclass(frozen=True, slots=True)
class ReceiveOutcome:
    """HTTP status to answer, the event (None when nothing was stored) and why."""

    status: int
    event: WebhookEvent | None
    reason: str
    duplicate: bool = False


def webhook_connector(provider: str) -> type[Connector] | None:
    """The connector class of a provider that receives webhooks, else None."""
    try:
        cls = get_connector_class(provider)
    except UnknownProvider:
        return None
    return cls if Capability.WEBHOOKS in cls.capabilities else None


def webhook_receive(
    *, provider: str, headers: Mapping[str, str], body: bytes, path_token: str | None = None
) -> ReceiveOutcome:
    """Verify and store one delivery. See the module docstring for the rules. ``path_token``
    is the token of ``/api/webhooks/<provider>/<token>`` (None for the URL without one): only
    a connector with ``webhook_path_token`` has such URLs (404 otherwise), and for it the
    token is the delivery's credential (none → 401). ``provider`` may be a connector's
    ``webhook_url_slug`` (``courier-push`` for Shiprocket)."""
    provider = webhook_provider(provider)
    cls = webhook_connector(provider)
    if cls is None or (path_token is not None and not cls.webhook_path_token):
        return ReceiveOutcome(404, None, f"No webhook receiver for {provider}.")
    if cls.webhook_path_token:
        delivery = cls.webhook_delivery(headers, body, path_token=path_token or "")
    else:
        delivery = cls.webhook_delivery(headers, body)
    owners = key_ring(provider, delivery.account_key).verify(delivery, body)
    if not owners:
        return ReceiveOutcome(401, None, "Invalid or missing webhook signature.")
    topic, shop = delivery.topic, delivery.account_key
    text = body.decode("utf-8", errors="replace")
    error = ""
    status = WebhookStatus.RECEIVED
    parsed: Any = {}
    try:
        parsed = json.loads(text)
        if not isinstance(parsed, dict):
            raise ValueError("the body is not a JSON object")
    except RecursionError:
        parsed = {}
        status, error = WebhookStatus.FAILED, f"{MALFORMED}: the JSON is nested too deeply"
    except ValueError as exc:
        parsed = {}
        status, error = WebhookStatus.FAILED, f"{MALFORMED}: {exc}"
    if delivery.missing and not error:
        status, error = WebhookStatus.FAILED, f"{MALFORMED}: missing {delivery.missing} header"
    if not error and (named := cls.webhook_other_account(parsed, shop)):
        status = WebhookStatus.REJECTED
        error = f"{REJECTED_SHOP}: the body names {named[:255]}, the delivery was signed for {shop}"
    try:
        # In a request (autocommit) the event is stored by one durable INSERT; inside an outer
        # transaction a savepoint keeps a duplicate's IntegrityError from aborting it.
        with transaction.atomic() if connection.in_atomic_block else nullcontext():
            event = WebhookEvent.objects.create(
                provider=provider,
                account_id=owners[0].pk,
                account_ids=[a.pk for a in owners],
                topic=topic[:100],
                shop_domain=shop[:255],
                delivery_id=delivery.delivery_id[:255],
                event_id=delivery.event_id[:255],
                dedup_key=delivery.dedup_key[:255],
                triggered_at=delivery.triggered_at,
                api_version=delivery.api_version[:20],
                headers=delivery.stored_headers,
                body=text,
                status=status,
                error=error,
            )
    except IntegrityError:
        return ReceiveOutcome(200, None, "Duplicate delivery ignored.", duplicate=True)
    if status == WebhookStatus.REJECTED:
        logger.warning("webhook %s from %s rejected: %s", event.pk, shop, error)
        return ReceiveOutcome(400, event, error)
    if status == WebhookStatus.RECEIVED:
        if inbox_drain_enabled():
            transaction.on_commit(_wake_inbox_drain)
        else:
            order_topic = _is_order_topic(topic, cls)
            transaction.on_commit(lambda: _queue_processing(event.pk, order_topic=order_topic))
    return ReceiveOutcome(200, event, error or "Accepted.")


def _priority_topics() -> Q:
    """Events whose topic reserves or releases stock (each provider's
    ``priority_topic_prefixes``): the drain takes them first."""
    clauses = [
        Q(provider=cls.id, topic__startswith=prefix)
        for cls in CONNECTORS.values()
        for prefix in cls.priority_topic_prefixes
    ]
    return functools.reduce(operator.or_, clauses) if clauses else Q(pk__in=[])


def _is_order_topic(topic: str, cls: type[Connector]) -> bool:
    """Order and refund webhooks reserve or release stock: they go ahead of the rest."""
    return bool(cls.priority_topic_prefixes) and topic.startswith(cls.priority_topic_prefixes)


def inbox_drain_enabled() -> bool:
    """True when stored events are queued by the inbox drain: tasks go to a broker and the
    cache is shared by every process (the drain clears the flag the web process set)."""
    from integrations.tasks import drain_webhook_inbox_task

    backend = settings.CACHES["default"]["BACKEND"]
    eager = drain_webhook_inbox_task.app.conf.task_always_eager
    return not eager and backend not in PER_PROCESS_CACHES


def _wake_inbox_drain() -> None:
    """Queue one inbox drain unless one is already queued. The flag lives at most
    ``INBOX_DRAIN_FLAG_SECONDS``: if that drain is lost (worker killed), the first delivery
    after it expires queues the next one, and with no further delivery the sweep processes the
    waiting events. A cache or broker failure is logged, never raised: the event is stored and
    the sweep processes it."""
    from integrations.tasks import drain_webhook_inbox_task

    try:
        if cache.add(INBOX_DRAIN_FLAG_KEY, 1, timeout=INBOX_DRAIN_FLAG_SECONDS):
            drain_webhook_inbox_task.apply_async(priority=settings.TASK_PRIORITY_ORDERS)
    except Exception:  # noqa: BLE001 - redis/kombu raise many types; the sweep is the fallback
        logger.warning("could not wake the webhook inbox drain", exc_info=True)


def webhook_inbox_drain(*, batch: int = INBOX_DRAIN_BATCH) -> int:
    """Process up to ``batch`` stored events still waiting (status ``received``, never claimed)
    in this task: order and refund topics first (they reserve and release stock), each group
    oldest first. Returns how many were processed.

    The wake-up flag is cleared first, so an event stored after that queues the next drain. The
    batch is claimed under row locks (``SKIP LOCKED``: two drains never take one event) and
    stamped ``queued_at`` in a short transaction; a full batch wakes the next drain before
    processing starts, so the worker's other processes drain alongside, and a drain holds its
    worker for one batch only (a stock push queued meanwhile goes next). Processing inline
    saves a broker message and a task per event on both sides. An event claimed by a drain
    whose worker died is processed by the sweep after ``WEBHOOK_STRANDED_SECONDS``."""
    cache.delete(INBOX_DRAIN_FLAG_KEY)
    orders_first = Case(When(_priority_topics(), then=Value(0)), default=Value(1))
    with transaction.atomic():
        claimed = list(
            WebhookEvent.objects.select_for_update(skip_locked=True)
            .filter(status=WebhookStatus.RECEIVED, queued_at__isnull=True)
            .order_by(orders_first, "pk")
            .values_list("pk", flat=True)[:batch]
        )
        if claimed:
            WebhookEvent.objects.filter(pk__in=claimed).update(queued_at=timezone.now())
    if len(claimed) == batch:
        _wake_inbox_drain()
    for pk in claimed:
        webhook_process(event_id=pk)
    return len(claimed)


def _queue_processing(event_id: int, *, order_topic: bool = False) -> None:
    """Queue processing; if the broker cannot take the message, the event is already stored
    and the inbox sweep (``retry_failed_webhooks``) processes it, so the delivery still gets
    its 200 and is not lost."""
    from integrations.tasks import process_webhook_event_task

    try:
        if order_topic:
            process_webhook_event_task.apply_async(
                (event_id,), priority=settings.TASK_PRIORITY_ORDERS
            )
        else:
            process_webhook_event_task.delay(event_id)
    except Exception:  # noqa: BLE001 - kombu raises many types; the sweep is the fallback
        logger.warning(
            "could not queue webhook event %s; the inbox sweep will process it",
            event_id,
            exc_info=True,
        )


# --- processing ---------------------------------------------------------------------------------
def webhook_process(*, event_id: int) -> WebhookEvent:
    """Process one stored event exactly once (row-locked); failures are recorded, not raised."""
    with transaction.atomic():
        # ``of=("self",)``: the account join is nullable (LEFT JOIN), which PostgreSQL refuses
        # to lock; only the event row needs the lock.
        event = (
            WebhookEvent.objects.select_for_update(of=("self",))
            .select_related("account")
            .get(pk=event_id)
        )
        if event.status in (
            WebhookStatus.PROCESSED,
            WebhookStatus.IGNORED,
            WebhookStatus.REJECTED,
        ):
            return event
        if event.error.startswith(MALFORMED):
            return event
        event.attempts += 1
        try:
            with transaction.atomic():
                outcome = _dispatch(event, json.loads(event.body))
        except Exception as exc:  # noqa: BLE001 - the failure is stored and retried
            logger.exception("webhook %s (%s) failed", event.pk, event.topic)
            event.status = WebhookStatus.FAILED
            event.error = f"{type(exc).__name__}: {exc}"[:4000]
        else:
            event.status = outcome
            event.error = ""
            event.processed_at = timezone.now()
        event.save(update_fields=["status", "error", "attempts", "processed_at"])
    return event


def webhook_reprocess(*, event: WebhookEvent) -> WebhookEvent:
    """Reset a failed/ignored event and process it again (admin action); a rejected event
    (it named another shop) stays rejected."""
    WebhookEvent.objects.filter(pk=event.pk).exclude(
        status__in=[WebhookStatus.PROCESSED, WebhookStatus.REJECTED]
    ).update(status=WebhookStatus.RECEIVED)
    return webhook_process(event_id=event.pk)


def retry_failed_webhooks(limit: int = 200) -> int:
    """The inbox sweep (every 5 minutes): reprocess failed events (not malformed ones) that have
    attempts left, and process events still ``received`` after ``WEBHOOK_STRANDED_SECONDS`` —
    their queue message was lost (broker down at receive time, worker killed), but the stored
    event is the source of truth, so no delivery is lost."""
    stranded_before = timezone.now() - timedelta(seconds=settings.WEBHOOK_STRANDED_SECONDS)
    ids = list(
        WebhookEvent.objects.filter(
            Q(status=WebhookStatus.FAILED, attempts__lt=MAX_ATTEMPTS)
            | Q(status=WebhookStatus.RECEIVED, received_at__lt=stranded_before)
        )
        .exclude(error__startswith=MALFORMED)
        .order_by("received_at")
        .values_list("pk", flat=True)[:limit]
    )
    for pk in ids:
        webhook_process(event_id=pk)
    return len(ids)


def event_accounts(event: WebhookEvent) -> list[ChannelAccount]:
    """The accounts a stored delivery was attributed to when it was verified, in that order
    (those deleted since are gone). Events stored before ``account_ids`` existed have only
    ``account``."""
    ids = list(event.account_ids or ([event.account_id] if event.account_id else []))
    if ids == [event.account_id]:
        return [event.account] if event.account else []
    by_pk = ChannelAccount.objects.in_bulk(ids)
    return [by_pk[pk] for pk in ids if pk in by_pk]


# What each DTO a connector's ``parse_webhook`` returns is handed to: dotted paths, resolved on
# first use so the inbox imports no domain app (DESIGN.md). Each is called as
# ``handler(account=…, <argument>=<the DTO, or a list of the DTOs of that kind>, source="webhook")``
# and returns an ``ImportResult``; the hub's own events name their handler in integrations.
HUB_EVENTS = "integrations.services.webhook_events"
WEBHOOK_HANDLERS: dict[type, tuple[str, str, bool]] = {
    # DTO type: (dotted path, keyword argument, batch: a list of every DTO of the kind)
    OrderDTO: ("orders.services.order_import", "order", False),
    ProductDTO: ("inventory.services.products_import", "products", True),
    InventoryLevelDTO: (
        "channel_stock.services.inventory_levels_import",
        "levels",
        True,
    ),
    ReturnDTO: ("returns.services.returns_import", "returns", True),
    OrderLineRemovalDTO: ("returns.services.returns_import", "returns", True),
    ReturnDispositionDTO: ("returns.services.returns_import", "returns", True),
    TrackingEventDTO: ("shipments.services.tracking_events_import", "events", True),
    OrderReturnsChanged: (f"{HUB_EVENTS}.order_returns_changed", "change", False),
    AccountUninstalled: (f"{HUB_EVENTS}.account_uninstalled", "event", False),
}
# Records a handler refused for good are quarantined under this stream instead of failing the
# event (a product's variants without a SKU: the rest of the product is imported).
QUARANTINED_STREAMS = {"inventory.services.products_import": "catalog"}


def _dispatch(event: WebhookEvent, body: dict[str, Any]) -> str:
    """Hand the body's DTOs to their handlers for each account the delivery was attributed to
    (``event_accounts``); returns the final status. Privacy requests go to
    ``integrations.services.privacy`` for those accounts whatever their status; the rest to the
    accounts not disconnected."""
    cls = get_connector_class(event.provider)
    dtos = cls.parse_webhook(event.topic, body)
    accounts = event_accounts(event)
    if any(isinstance(dto, PRIVACY_EVENTS) for dto in dtos):
        import_string("integrations.services.privacy.privacy_request")(
            event=event, requests=dtos, accounts=accounts
        )
        return WebhookStatus.PROCESSED
    if not dtos:
        return WebhookStatus.IGNORED
    outcomes = [
        _dispatch_to(account, dtos, body)
        for account in accounts
        if account.status != AccountStatus.DISCONNECTED
    ]
    return WebhookStatus.PROCESSED if WebhookStatus.PROCESSED in outcomes else WebhookStatus.IGNORED


def _dispatch_to(account: ChannelAccount, dtos: tuple[Any, ...], body: dict[str, Any]) -> str:
    """Hand the DTOs to their handlers for one account, in order (a kind handled in batches
    once, where its first DTO stands); raises on a record a handler refused (the event fails
    and is retried), except where refused records are quarantined."""
    groups: list[tuple[str, str, bool, list[Any]]] = []  # (path, argument, batch, DTOs)
    for dto in dtos:
        try:
            path, argument, batch = WEBHOOK_HANDLERS[type(dto)]
        except KeyError:
            raise TypeError(f"no webhook handler for {type(dto).__name__}") from None
        same = next((g for g in groups if batch and g[2] and g[0] == path), None)
        if same is None:
            groups.append((path, argument, batch, [dto]))
        else:
            same[3].append(dto)
    for path, argument, batch, items in groups:
        value = items if batch else items[0]
        result = import_string(path)(account=account, source="webhook", **{argument: value})
        if result.failures and path in QUARANTINED_STREAMS:
            SyncLog.objects.bulk_create(
                SyncLog(
                    account=account,
                    stream=QUARANTINED_STREAMS[path],
                    external_id=f.external_id,
                    error=f.error[:4000],
                    payload=body,
                )
                for f in result.failures
            )
        elif result.failures:
            raise ValueError(result.failures[0].error)
    return WebhookStatus.PROCESSED
