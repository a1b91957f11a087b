"""Fulfilment back to the channel (issue 20 §2): once a shipment is booked, its order on the
store is marked fulfilled with the AWB, the courier's name and its tracking page, so the store
notifies the customer (Shopify ``fulfillmentCreate``; ``Capability.FULFILLMENT_WRITEBACK``);
then, as the courier's scans move it, its progress on that fulfilment, up to "delivered when
it is delivered" (Shopify ``fulfillmentEventCreate``: ``shipment_fulfilment_event``).

Sent once: the channel's fulfillment id is kept on the shipment and a shipment that has one is
never sent again; the last delivery status written is kept too (``channel_event_status``) and
the same one is never written twice in a row. Refusals that retrying cannot fix
(``RejectedError``: the store's user errors, nothing left to fulfil, an unknown fulfilment; a
permanent auth or scope error) are recorded in ``channel_sync_error`` and not raised; transient
ones are recorded and raised so the task retries with backoff.
"""

from __future__ import annotations

import logging

from django.db import transaction
from django.utils import timezone

from integrations.connectors.base import Capability
from integrations.dto import FulfillmentEventStatus, ShipmentStatus
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
    """Write the shipment's fulfilment to its order's channel, once, then queue the delivery
    event of the status it has reached meanwhile, if any. Returns True when it was written
    now; False when there was nothing to do (already written, a channel without
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
    # Written late (retried while the parcel moved on): the store hears where it is now.
    shipment_status_to_channel(shipment)
    return True


def shipments_fulfil_queue(*, shipment_ids: list[int]) -> None:
    """Queue ``shipment_fulfil_task`` for each shipment once the transaction commits."""
    from integrations.tasks import enqueue  # at call time: tests replace the queue
    from shipments.tasks import shipment_fulfil_task

    def queue() -> None:
        for shipment_id in shipment_ids:
            enqueue(shipment_fulfil_task, shipment_id)

    transaction.on_commit(queue, robust=True)


# A shipment's status → the delivery progress written to its store's fulfilment
# (``FulfillmentEventStatus``). Every RTO status is a FAILURE: scans settled together can take
# a shipment from an NDR straight to RTO in transit (or delivered) without stopping at RTO
# initiated, and the store must still hear that delivery failed; once told, the later RTO
# statuses are the same event and not sent again. Created, manifested and picked up are not
# sent (Shopify's fulfilment is already "fulfilled" with its tracking), nor cancelled.
CHANNEL_EVENTS: dict[str, str] = {
    ShipmentStatus.IN_TRANSIT: FulfillmentEventStatus.IN_TRANSIT,
    ShipmentStatus.OUT_FOR_DELIVERY: FulfillmentEventStatus.OUT_FOR_DELIVERY,
    ShipmentStatus.NDR: FulfillmentEventStatus.ATTEMPTED_DELIVERY,
    ShipmentStatus.DELIVERED: FulfillmentEventStatus.DELIVERED,
    ShipmentStatus.RTO_INITIATED: FulfillmentEventStatus.FAILURE,
    ShipmentStatus.RTO_IN_TRANSIT: FulfillmentEventStatus.FAILURE,
    ShipmentStatus.RTO_DELIVERED: FulfillmentEventStatus.FAILURE,
    ShipmentStatus.LOST: FulfillmentEventStatus.FAILURE,
}
# Events after which the courier's delivery estimate no longer means anything.
ENDED = frozenset({FulfillmentEventStatus.DELIVERED, FulfillmentEventStatus.FAILURE})


def channel_event_for(shipment: Shipment, status: str) -> str | None:
    """The ``FulfillmentEventStatus`` to write when ``shipment`` is at ``status`` (a
    ``ShipmentStatus``), or None: a status the store is not told, the same event as the last
    one written (``channel_event_status``), or ``IN_TRANSIT`` once any event was written (in
    transit again after a failed attempt is no news to the customer; out for delivery again
    is, and is sent)."""
    event = CHANNEL_EVENTS.get(status)
    if event is None or event == shipment.channel_event_status:
        return None
    if event == FulfillmentEventStatus.IN_TRANSIT and shipment.channel_event_status:
        return None
    return event


def shipment_status_to_channel(shipment: Shipment) -> bool:
    """Queue the store's delivery event for the shipment's new status
    (``shipment_fulfilment_event_task``, after commit), when its fulfilment was written and
    the status is one to send (``channel_event_for``). Called by tracking when a status moved;
    reads nothing from the database. Returns whether an event was queued."""
    if not shipment.channel_fulfillment_id or channel_event_for(shipment, shipment.status) is None:
        return False
    from integrations.tasks import enqueue  # at call time: tests replace the queue
    from shipments.tasks import shipment_fulfilment_event_task

    shipment_id, status = shipment.pk, shipment.status
    transaction.on_commit(
        lambda: enqueue(shipment_fulfilment_event_task, shipment_id, status), robust=True
    )
    return True


def shipment_fulfilment_event(*, shipment: Shipment, status: str) -> bool:
    """Write the delivery progress of ``shipment`` at ``status`` (a ``ShipmentStatus``) to its
    store's fulfilment (``write_fulfillment_event``: ``CHANNEL_EVENTS``' status, at the scan's
    time ``status_at``, the courier's expected delivery while it still applies, a message for
    a failed attempt or a return). Returns True when written now; False when there was nothing
    to do: the shipment has moved on from ``status`` (its new status was queued by itself), no
    fulfilment was written, the event is not to be sent (``channel_event_for``), a channel
    without ``FULFILLMENT_WRITEBACK``, a disconnected store (recorded), another worker claimed
    it, or the channel refused for good (recorded in ``channel_sync_error``). Raises
    ``ConnectorError`` when transient (recorded; ``channel_event_status`` is left as it was so
    the retry sends it)."""
    store = shipment.order.account
    event = channel_event_for(shipment, status)
    if (
        shipment.status != status
        or not shipment.channel_fulfillment_id
        or event is None
        or not has_capability(store.provider, Capability.FULFILLMENT_WRITEBACK)
    ):
        return False
    if store.status == AccountStatus.DISCONNECTED:
        _record(shipment, error="The store account is disconnected.")
        return False
    sent_before = shipment.channel_event_status
    # Claimed by a conditional update: two workers never write the same event.
    if not Shipment.objects.filter(pk=shipment.pk, channel_event_status=sent_before).update(
        channel_event_status=event
    ):
        return False
    try:
        build_connector(store).write_fulfillment_event(
            fulfillment_id=shipment.channel_fulfillment_id,
            status=event,
            happened_at=shipment.status_at or timezone.now(),
            message=_event_message(shipment),
            estimated_delivery_at=None if event in ENDED else shipment.expected_delivery_at,
        )
    except ConnectorError as exc:
        Shipment.objects.filter(pk=shipment.pk, channel_event_status=event).update(
            channel_event_status=sent_before
        )
        _record(shipment, error=str(exc) or type(exc).__name__)
        if exc.permanent or isinstance(exc, RejectedError):
            logger.warning("shipment %s: %s event refused: %s", shipment.pk, event, exc)
            return False
        raise
    shipment.channel_event_status = event
    _record(shipment)
    return True


def _event_message(shipment: Shipment) -> str:
    """What the store shows with the event: why an attempt failed, or why it is coming back."""
    if shipment.status == ShipmentStatus.NDR:
        reason = shipment.get_ndr_reason_display() if shipment.ndr_reason else ""
        return f"Delivery attempt failed: {reason}" if reason else "Delivery attempt failed"
    if shipment.status in ShipmentStatus.RTO:
        return "Returning to the seller (RTO)"
    if shipment.status == ShipmentStatus.LOST:
        return "Lost by the courier"
    return ""


def _record(shipment: Shipment, *, fulfillment_id: str = "", error: str = "") -> None:
    shipment.channel_sync_error = error[:1000]
    fields = ["channel_sync_error", "updated_at"]
    if fulfillment_id:
        shipment.channel_fulfillment_id = fulfillment_id
        fields.append("channel_fulfillment_id")
    shipment.save(update_fields=fields)
