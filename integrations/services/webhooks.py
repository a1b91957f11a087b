"""The webhook inbox: verify, persist, deduplicate, then process after commit.

Receiving (``webhook_receive``) does only what must happen before answering: check the
signature over the raw body in constant time (wrong or missing → 401, nothing stored), store a
``WebhookEvent`` deduplicated on the provider's event id (a duplicate answers 200 and creates
nothing), and queue processing after the transaction commits. Processing (``webhook_process``)
hands the body to the owning domain service; failures stay visible and are retried.

Queueing is the stored inbox's job, not the request's: with a broker and a shared cache the
request only wakes the inbox drain (one Redis ``SET NX``, about 0.3 ms; a Celery publish costs
about 3 ms, half of a request), and at most one drain task is queued at a time
(``webhook_inbox_drain`` claims a batch of waiting events, order and refund topics first,
stamps ``queued_at`` and processes them in the worker, waking the next drain when more wait).
Without a broker (eager: the demo, the tests) or without a shared cache (a per-process cache
could not tell the worker's drain from the web process's flag) each event is queued from its
request as its own task, order and refund topics at ``TASK_PRIORITY_ORDERS``. Either way an
event whose message was lost is still processed by the inbox sweep.

Shopify specifics (channel-apis.md §1.3): ``X-Shopify-Hmac-Sha256`` = base64 HMAC-SHA256 of
the raw body with the app secret; ``X-Shopify-Event-Id`` is the same on every delivery of one
event (fallback ``X-Shopify-Webhook-Id``); ``X-Shopify-Triggered-At`` is the original trigger
time; ``X-Shopify-Shop-Domain`` is trusted only to choose candidate secrets. The Ruby library
also accepts the prefix-less header names, and so do we.

Attribution: a verified delivery belongs to exactly the accounts whose keys verified it
(``webhook_keys.ShopKeyRing.verify``), stored as ``WebhookEvent.account_ids`` (the first, a live
one where there is one, is ``account``); every topic acts on those accounts only. A body that
names another shop than the verified one (``shop_domain``, ``myshopify_domain``) is stored as
``rejected`` with the reason and answered 400; nothing acts on it.
"""

from __future__ import annotations

import functools
import hashlib
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

from integrations.connectors.shopify import mapping
from integrations.connectors.shopify.returns import refund_records
from integrations.models import (
    AccountStatus,
    ChannelAccount,
    ComplianceRequest,
    SyncLog,
    WebhookEvent,
    WebhookStatus,
)
from integrations.services.accounts import account_disconnect
from integrations.services.webhook_keys import shopify_key_ring

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
STORED_HEADERS = (
    "topic",
    "shop-domain",
    "api-version",
    "webhook-id",
    "event-id",
    "triggered-at",
    "sub-topic",
    "name",
)


@dataclass(frozen=True, slots=True)
class ReceiveOutcome:
    """HTTP status to answer, the event (None when nothing was stored) and why."""

    status: int
    event: WebhookEvent | None
    reason: str
    duplicate: bool = False


def _shopify_header(lowered: Mapping[str, str], name: str) -> str:
    """``X-Shopify-<name>`` or the prefix-less ``shopify-<name>`` from headers whose names
    were lower-cased once (``_lower_names``)."""
    return (lowered.get(f"x-shopify-{name}") or lowered.get(f"shopify-{name}") or "").strip()


def _lower_names(headers: Mapping[str, str]) -> dict[str, str]:
    """The headers by lower-case name (HTTP header names are case-insensitive)."""
    return {k.lower(): v for k, v in headers.items()}


def webhook_receive(*, provider: str, headers: Mapping[str, str], body: bytes) -> ReceiveOutcome:
    """Verify and store one delivery. See the module docstring for the rules."""
    if provider != "shopify":
        return ReceiveOutcome(404, None, f"No webhook receiver for {provider}.")
    headers = _lower_names(headers)
    shop = _shopify_header(headers, "shop-domain").lower()
    signature = _shopify_header(headers, "hmac-sha256")
    owners = shopify_key_ring(shop).verify(body, signature)
    if not owners:
        return ReceiveOutcome(401, None, "Invalid or missing webhook signature.")
    topic = _shopify_header(headers, "topic")
    event_id = _shopify_header(headers, "event-id")
    delivery_id = _shopify_header(headers, "webhook-id")
    dedup_key = event_id or delivery_id or hashlib.sha256(topic.encode() + b"\0" + body).hexdigest()
    triggered = _shopify_header(headers, "triggered-at")
    try:
        triggered_at = mapping.parse_time(triggered) if triggered else None
    except mapping.MappingError:
        triggered_at = None
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
    if not topic and not error:
        status, error = WebhookStatus.FAILED, f"{MALFORMED}: missing X-Shopify-Topic header"
    if not error and (named := _other_shop_named(parsed, shop)):
        status = WebhookStatus.REJECTED
        error = f"{REJECTED_SHOP}: the body names {named[:255]}, the delivery was signed for {shop}"
    stored_headers = {
        f"X-Shopify-{name.title()}": value
        for name in STORED_HEADERS
        if (value := _shopify_header(headers, name))
    }
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
                delivery_id=delivery_id[:255],
                event_id=event_id[:255],
                dedup_key=dedup_key[:255],
                triggered_at=triggered_at,
                api_version=_shopify_header(headers, "api-version")[:20],
                headers=stored_headers,
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
            order_topic = _is_order_topic(topic)
            transaction.on_commit(lambda: _queue_processing(event.pk, order_topic=order_topic))
    return ReceiveOutcome(200, event, error or "Accepted.")


SHOP_FIELDS = ("shop_domain", "myshopify_domain")  # body fields naming the shop (compliance, shop)


def _other_shop_named(body: dict[str, Any], shop: str) -> str:
    """The shop a body names in ``SHOP_FIELDS`` when it is not ``shop`` (the verified one),
    else "". Order and product bodies name no shop."""
    for field in SHOP_FIELDS:
        named = body.get(field)
        if named not in (None, "") and str(named).strip().lower() != shop:
            return str(named)
    return ""


ORDER_TOPIC_PREFIXES = ("orders/", "refunds/")
ORDER_TOPICS = functools.reduce(
    operator.or_, (Q(topic__startswith=prefix) for prefix in ORDER_TOPIC_PREFIXES)
)


def _is_order_topic(topic: str) -> bool:
    """Order and refund webhooks reserve or release stock: they go ahead of the rest."""
    return topic.startswith(ORDER_TOPIC_PREFIXES)


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
    orders_first = Case(When(ORDER_TOPICS, then=Value(0)), default=Value(1))
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


COMPLIANCE_TOPICS = ("customers/data_request", "customers/redact", "shop/redact")


def event_accounts(event: WebhookEvent) -> list[ChannelAccount]:
    """The accounts a stored delivery was attributed to when it was verified, in that order
    (those deleted since are gone). Events stored before ``account_ids`` existed have only
    ``account``."""
    ids = list(event.account_ids or ([event.account_id] if event.account_id else []))
    if ids == [event.account_id]:
        return [event.account] if event.account else []
    by_pk = ChannelAccount.objects.in_bulk(ids)
    return [by_pk[pk] for pk in ids if pk in by_pk]


def _dispatch(event: WebhookEvent, body: dict[str, Any]) -> str:
    """Route a Shopify topic to its domain service for each account the delivery was
    attributed to (``event_accounts``); returns the final status."""
    accounts = event_accounts(event)
    if event.topic in COMPLIANCE_TOPICS:
        _compliance(event, body, accounts)
        return WebhookStatus.PROCESSED
    outcomes = [
        _dispatch_to(account, event.topic, body)
        for account in accounts
        if account.status != AccountStatus.DISCONNECTED
    ]
    return WebhookStatus.PROCESSED if WebhookStatus.PROCESSED in outcomes else WebhookStatus.IGNORED


def _dispatch_to(account: ChannelAccount, topic: str, body: dict[str, Any]) -> str:
    """Hand one topic's body to its domain service for one account; returns the status."""
    if topic == "app/uninstalled":
        account_disconnect(account=account, reason="The app was uninstalled from the store.")
        return WebhookStatus.PROCESSED
    if topic.startswith("orders/"):
        dto = mapping.order_from_webhook(body)
        result = import_string("orders.services.order_import")(
            account=account, order=dto, source="webhook"
        )
    elif topic in ("products/update", "products/create"):
        dto = mapping.product_from_webhook(body)
        result = import_string("inventory.services.products_import")(
            account=account, products=[dto], source="webhook"
        )
        if result.failures:
            # Variants without a SKU are refused for good, while the rest of the product has
            # been imported: quarantine them (as a sync would) instead of failing and
            # rolling back the whole product on every retry.
            SyncLog.objects.bulk_create(
                SyncLog(
                    account=account,
                    stream="catalog",
                    external_id=f.external_id,
                    error=f.error[:4000],
                    payload=body,
                )
                for f in result.failures
            )
            return WebhookStatus.PROCESSED
    elif topic == "refunds/create":
        records = refund_records(body)
        if body.get("return"):
            # A refund made for a Shopify return: the body has neither the return's other
            # lines nor its status, so the order's returns are read from Shopify once this
            # commits (an HTTP call has no place inside the event's transaction).
            import_string("orders.services.returns.returns_refresh_queue")(
                account_id=account.pk, order_external_ids=[mapping.gid_to_id(body.get("order_id"))]
            )
            if not records:
                return WebhookStatus.PROCESSED
        if not records:
            return WebhookStatus.IGNORED  # a refund of money only (shipping, an adjustment)
        result = import_string("orders.services.returns_import")(
            account=account, returns=records, source="webhook"
        )
    elif topic == "inventory_levels/update":
        dto = mapping.inventory_level_from_webhook(body)
        result = import_string("inventory.services.inventory_levels_import")(
            account=account, levels=[dto], source="webhook"
        )
    else:
        return WebhookStatus.IGNORED
    if result.failures:
        raise ValueError(result.failures[0].error)
    return WebhookStatus.PROCESSED


def _compliance(event: WebhookEvent, body: dict[str, Any], accounts: list[ChannelAccount]) -> None:
    """Shopify's mandatory compliance topics (shopify.dev "Privacy law compliance"), acting on
    ``accounts`` only: those whose keys verified the delivery, whatever their status. The shop
    is the verified one (``event.shop_domain``); a body naming another was rejected on receipt.
    Another merchant's account of the same shop, and its stored webhooks, are never touched."""
    shop = event.shop_domain
    customer = body.get("customer") or {}
    customer_id = mapping.gid_to_id(customer.get("id"))
    record = ComplianceRequest(
        account=accounts[0] if accounts else None,
        provider="shopify",
        shop_domain=shop,
        topic=event.topic,
        customer_id=customer_id,
    )
    if event.topic == "customers/data_request":
        record.order_ids = [str(i) for i in body.get("orders_requested") or []]
        record.outcome = (
            f"Recorded data request {((body.get('data_request') or {}).get('id'))}; "
            f"{len(record.order_ids)} orders named."
        )
    elif event.topic == "customers/redact":
        order_ids = [str(i) for i in body.get("orders_to_redact") or []]
        record.order_ids = order_ids
        redact = import_string("orders.services.order_redact_customer")
        redacted = sum(
            redact(account=a, customer_external_id=customer_id, order_external_ids=order_ids)
            for a in accounts
        )
        scrubbed = _scrub_webhook_bodies(accounts, customer_id, order_ids, exclude=event.pk)
        record.outcome = f"Redacted {redacted} orders and {scrubbed} stored webhook bodies."
        event.body = json.dumps({"shop_domain": shop, "redacted": True})
        event.save(update_fields=["body"])
    else:  # shop/redact
        # Shopify sends this 48 h after the app was uninstalled: erase the accounts installed
        # through the app that signed it. Any other account of the shop (another merchant's,
        # or a custom app's) is not this delivery's to erase, whatever its status.
        scrubbed = (
            WebhookEvent.objects.filter(account__in=accounts)
            .exclude(pk=event.pk)
            .update(body=json.dumps({"redacted": True}), headers={})
        )
        doomed = [a.pk for a in accounts]
        # One queryset delete (cascades to orders, listings, levels, sync runs, subscriptions);
        # the event's own ``account`` instance keeps its pk, so the event row still saves.
        ChannelAccount.objects.filter(pk__in=doomed).delete()
        kept = ChannelAccount.objects.filter(provider="shopify", external_id=shop).count()
        record.account = None
        record.outcome = (
            f"Deleted {len(accounts)} accounts and their data; scrubbed {scrubbed} events; "
            f"kept {kept} account(s) of the shop this delivery was not signed for."
        )
    record.save()


def _scrub_webhook_bodies(
    accounts: list[ChannelAccount], customer_id: str, order_ids: list[str], exclude: int
) -> int:
    """Replace the stored order webhook bodies of ``accounts`` that name one of ``order_ids``
    or the customer; returns how many were scrubbed."""
    patterns = Q()
    for order_id in order_ids:
        patterns |= Q(body__contains=f'"id": {order_id},') | Q(body__contains=f'"id":{order_id},')
    if customer_id:
        patterns |= Q(body__contains=f'"id": {customer_id},') | Q(
            body__contains=f'"id":{customer_id},'
        )
    if not patterns:
        return 0
    return (
        WebhookEvent.objects.filter(account__in=accounts, topic__startswith="orders/")
        .filter(patterns)
        .exclude(pk=exclude)
        .update(body=json.dumps({"redacted": True}))
    )
