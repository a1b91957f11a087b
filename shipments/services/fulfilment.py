"""Fulfilment back to the channel (issue 20 §2): once a shipment is booked, its order on the
store is marked fulfilled with the AWB, the courier's name and its tracking page, so the store
notifies the customer (Shopify ``fulfillmentCreate``; ``Capability.FULFILLMENT_WRITEBACK``).

Sent once: the channel's fulfillment id is kept on the shipment and a shipment that has one is
never sent again. Refusals that retrying cannot fix (``RejectedError``: the store's user
errors, nothing left to fulfil; a permanent auth or scope error) are recorded and not raised;
transient ones are recorded and raised so the task retries with backoff.
"""

from __future__ import annotations

import logging

from django.db import transaction

from integrations.connectors.base import Capability
from integrations.http import ConnectorError, RejectedError
from integrations.models import AccountStatus
from integrations.registry import get_connector_class, has_capability
from integrations.services.accounts import build_connector
from shipments.models import Shipment

logger = logging.getLogger(__name__)


def tracking_url(shipment: Shipment) -> str:
    """The courier's public tracking page of the shipment ("" when the courier has none)."""
    template = get_connector_class(shipment.account.provider).tracking_url_template
    return template.format(awb=shipment.awb) if template else ""


def shipment_fulfil_on_channel(*, shipment: Shipment) -> bool:
    """Write the shipment's fulfilment to its order's channel, once. Returns True when it was
    written now; False when there was nothing to do (already written, a channel without
    ``FULFILLMENT_WRITEBACK``, a disconnected store) or the channel refused for good (the
    reason is kept in ``channel_sync_error``). Raises ``ConnectorError`` when transient."""
    store = shipment.order.account
    if shipment.channel_fulfillment_id or not has_capability(
        store.provider, Capability.FULFILLMENT_WRITEBACK
    ):
        return False
    if store.status == AccountStatus.DISCONNECTED:
        _record(shipment, error="The store account is disconnected.")
        return False
    courier = get_connector_class(shipment.account.provider)
    try:
        fulfillment_id = build_connector(store).write_fulfillment(
            order_external_id=shipment.order.external_id,
            tracking_number=shipment.awb,
            company=shipment.courier_name or courier.label,
            tracking_url=tracking_url(shipment),
        )
    except ConnectorError as exc:
        _record(shipment, error=str(exc) or type(exc).__name__)
        if exc.permanent or isinstance(exc, RejectedError):
            logger.warning("shipment %s: fulfilment refused: %s", shipment.pk, exc)
            return False
        raise
    _record(shipment, fulfillment_id=fulfillment_id)
    return True


def shipments_fulfil_queue(*, shipment_ids: list[int]) -> None:
    """Queue ``shipment_fulfil_task`` for each shipment once the transaction commits."""
    from integrations.tasks import enqueue  # at call time: tests replace the queue
    from shipments.tasks import shipment_fulfil_task

    def queue() -> None:
        for shipment_id in shipment_ids:
            enqueue(shipment_fulfil_task, shipment_id)

    transaction.on_commit(queue, robust=True)


def _record(shipment: Shipment, *, fulfillment_id: str = "", error: str = "") -> None:
    shipment.channel_sync_error = error[:1000]
    fields = ["channel_sync_error", "updated_at"]
    if fulfillment_id:
        shipment.channel_fulfillment_id = fulfillment_id
        fields.append("channel_fulfillment_id")
    shipment.save(update_fields=fields)
