"""Celery tasks of the shipments: ids in, one service call each, no logic."""

from __future__ import annotations

from celery import shared_task
from celery.utils.time import get_exponential_backoff_interval
from django.core.cache import cache

from integrations.connectors.base import Capability
from integrations.http import ConnectorError
from integrations.models import AccountStatus, ChannelAccount
from integrations.registry import has_capability

# One poll per courier account at a time: two would spend the same request budget twice. A
# run stops a minute before its lock lapses (the next beat run, 30 minutes on, carries on with
# the longest-untracked shipments), so two runs never overlap.
TRACK_LOCK_SECONDS = 25 * 60
TRACK_RUN_SECONDS = TRACK_LOCK_SECONDS - 60


@shared_task
def shipments_track_task(account_id: int) -> dict:
    """Poll one courier account's open shipments (``shipments_track_account``), unless a poll
    of it is already running."""
    from shipments.services.tracking import shipments_track_account

    key = f"shipments:track:{account_id}"
    if not cache.add(key, 1, TRACK_LOCK_SECONDS):
        return {"skipped": "a poll of this account is running"}
    try:
        run = shipments_track_account(account_id=account_id, max_seconds=TRACK_RUN_SECONDS)
    finally:
        cache.delete(key)
    return {
        "calls": run.calls,
        "tracked": run.tracked,
        "moved": run.moved,
        "error": run.error,
        "stopped_early": run.stopped_early,
    }


@shared_task
def shipments_track_all_task() -> list[int]:
    """Queue ``shipments_track_task`` for every connected courier account (every 30 minutes,
    CELERY_BEAT_SCHEDULE)."""
    from integrations.tasks import enqueue  # at call time: tests replace the queue

    ids = [
        account.pk
        for account in ChannelAccount.objects.filter(status=AccountStatus.CONNECTED)
        if has_capability(account.provider, Capability.SHIPMENTS)
    ]
    for account_id in ids:
        enqueue(shipments_track_task, account_id)
    return ids


@shared_task
def shipments_label_task(shipment_ids: list[int]) -> str:
    """Render one PDF of the shipments' labels (``shipments_label``) in the background: a
    label must never hold a request."""
    from shipments.services.labels import shipments_label

    return shipments_label(shipment_ids=shipment_ids)


@shared_task(bind=True, max_retries=8)
def shipment_fulfil_task(self, shipment_id: int) -> bool:
    """Mark the shipment's order fulfilled on its store (``shipment_fulfil_on_channel``).
    Transient errors retry with exponential backoff (30 s doubling, jittered, at most 1 h,
    8 tries); eager (no broker) the HTTP client's own retries are the only ones."""
    from shipments.models import Shipment
    from shipments.services.fulfilment import shipment_fulfil_on_channel

    shipment = Shipment.objects.select_related("order__account", "account").get(pk=shipment_id)
    try:
        return shipment_fulfil_on_channel(shipment=shipment)
    except ConnectorError as exc:
        if self.request.is_eager:
            raise
        countdown = get_exponential_backoff_interval(
            factor=30, retries=self.request.retries, maximum=3600, full_jitter=True
        )
        raise self.retry(exc=exc, countdown=countdown) from exc


@shared_task(bind=True, max_retries=8)
def shipment_fulfilment_event_task(self, shipment_id: int, status: str) -> bool:
    """Write the shipment's delivery progress at ``status`` to its store's fulfilment
    (``shipment_fulfilment_event``). Retries as ``shipment_fulfil_task``: transient errors
    with exponential backoff (30 s doubling, jittered, at most 1 h, 8 tries); eager, the HTTP
    client's own retries only."""
    from shipments.models import Shipment
    from shipments.services.fulfilment import shipment_fulfilment_event

    shipment = Shipment.objects.select_related("order__account").get(pk=shipment_id)
    try:
        return shipment_fulfilment_event(shipment=shipment, status=status)
    except ConnectorError as exc:
        if self.request.is_eager:
            raise
        countdown = get_exponential_backoff_interval(
            factor=30, retries=self.request.retries, maximum=3600, full_jitter=True
        )
        raise self.retry(exc=exc, countdown=countdown) from exc


@shared_task
def ndr_actions_send_task(request_ids: list[int]) -> dict:
    """Send these NDR action requests to their couriers (``ndr_actions_send``)."""
    from shipments.models import NdrActionRequest
    from shipments.services.ndr import ndr_actions_send

    requests = NdrActionRequest.objects.filter(pk__in=request_ids).select_related(
        "shipment", "shipment__account"
    )
    return ndr_actions_send(requests=list(requests.filter(status__in=NdrActionRequest.OPEN)))


@shared_task
def ndr_actions_send_due_task() -> dict:
    """Send the NDR actions whose time has come (held until 21:00 IST for Delhivery, or failed
    and due again): every 15 minutes by beat (CELERY_BEAT_SCHEDULE)."""
    from shipments.services.ndr import ndr_actions_send_due

    return ndr_actions_send_due()


@shared_task
def shipments_charges_task(shipment_ids: list[int]) -> dict:
    """Quote and store the forward and RTO freight of newly booked shipments
    (``shipments_charges_quote``); paced by the courier's charges budget."""
    from shipments.services.charges import shipments_charges_quote

    return shipments_charges_quote(shipment_ids=shipment_ids)


@shared_task
def rto_risk_recompute_task(merchant_id: int | None = None) -> int:
    """Recompute the RTO risk score of every open COD order (``rto_risk_recompute``)."""
    from shipments.services.risk import rto_risk_recompute

    return rto_risk_recompute(merchant_id=merchant_id)


@shared_task
def shipment_batch_task(batch_id: int) -> str:
    """Book one "Ship selected" batch and render its labels (``shipment_batch_run``)."""
    from shipments.services.batches import shipment_batch_run

    return shipment_batch_run(batch_id=batch_id)
