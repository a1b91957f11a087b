""" "Ship selected": a background batch that books many orders and makes one label PDF
(issue 20 §2; the orders page and ``POST /api/shipments/generate-label``).

``shipment_batch_create`` records a ``ShipmentBatch`` (the order ids asked for, the courier
account or none for the courier rules) and queues ``shipments.tasks.shipment_batch_task``
after commit; eager (the demo, no broker) it runs in a thread so the page can show its
progress. ``shipment_batch_run`` claims the batch (queued → running, a conditional update, so
a duplicate message does nothing), books ``CHUNK`` orders at a time through
``shipments_book`` and writes the counts after each chunk (the progress bar reads them), then
renders one PDF of every label (``shipments.services.labels``) and ends ``done``; an error
nothing could catch ends it ``failed`` with the reason. Each order that was not booked keeps
its reason in ``errors``.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from django.db import transaction
from django.utils import timezone

from integrations.http import ConnectorError
from orders.models import Order
from shipments.models import BatchStatus, ShipmentBatch
from shipments.services.booking import shipments_book
from shipments.services.labels import shipments_label

logger = logging.getLogger(__name__)

CHUNK = 25  # orders booked between two progress updates


def shipment_batch_create(
    *, merchant, order_ids: Sequence[int], account=None, user=None
) -> ShipmentBatch:
    """Record a batch of ``order_ids`` (duplicates dropped, order kept) to book with
    ``account`` (a courier account of ``merchant``; None: by the rules) and queue it."""
    from integrations.tasks import enqueue  # at call time: tests replace the queue
    from shipments.tasks import shipment_batch_task

    ids = list(dict.fromkeys(int(pk) for pk in order_ids))
    batch = ShipmentBatch.objects.create(
        merchant=merchant, created_by=user, account=account, order_ids=ids, total=len(ids)
    )
    transaction.on_commit(
        lambda: enqueue(shipment_batch_task, batch.pk, background=True), robust=True
    )
    return batch


def shipment_batch_run(*, batch_id: int) -> str:
    """Book the batch and render its labels; returns its final status ("skipped" when it was
    not queued: already claimed or finished)."""
    now = timezone.now()
    claimed = ShipmentBatch.objects.filter(pk=batch_id, status=BatchStatus.QUEUED).update(
        status=BatchStatus.RUNNING, started_at=now
    )
    if not claimed:
        return "skipped"
    batch = ShipmentBatch.objects.select_related("account").get(pk=batch_id)
    try:
        _run(batch)
    except Exception as exc:
        logger.exception("shipment batch %s failed", batch_id)
        ShipmentBatch.objects.filter(pk=batch_id).update(
            status=BatchStatus.FAILED, error=str(exc)[:1000], finished_at=timezone.now()
        )
        return BatchStatus.FAILED
    return BatchStatus.DONE


def _run(batch: ShipmentBatch) -> None:
    orders = {
        o.pk: o for o in Order.objects.filter(merchant_id=batch.merchant_id, pk__in=batch.order_ids)
    }
    errors = {str(pk): "No such order." for pk in batch.order_ids if pk not in orders}
    shipment_ids: list[int] = []
    wanted = [orders[pk] for pk in batch.order_ids if pk in orders]

    def save(**extra) -> None:
        ShipmentBatch.objects.filter(pk=batch.pk).update(
            done=len(shipment_ids),
            failed=len(errors),
            errors=errors,
            shipment_ids=shipment_ids,
            **extra,
        )

    save()
    for start in range(0, len(wanted), CHUNK):
        chunk = wanted[start : start + CHUNK]
        try:
            booking = shipments_book(account=batch.account, orders=chunk)
        except ConnectorError as exc:
            errors.update({str(o.pk): f"The courier could not be reached: {exc}" for o in chunk})
        else:
            shipment_ids.extend(s.pk for s in booking.shipments)
            errors.update({str(pk): reason for pk, reason in booking.refused.items()})
        save()
    label = shipments_label(shipment_ids=shipment_ids) if shipment_ids else ""
    save(label=label, status=BatchStatus.DONE, finished_at=timezone.now())
