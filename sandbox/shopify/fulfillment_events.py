"""Fulfillment events of the Shopify sandbox: ``fulfillmentEventCreate`` and what a fulfillment
reads from its events (shopify.dev/docs/api/admin-graphql/2025-01/mutations/
fulfillmentEventCreate, objects/FulfillmentEvent and objects/Fulfillment).

A carrier's (or the merchant's app's) report of where a shipment stands: ``status`` a
``FulfillmentEventStatus`` since ``happenedAt``. The schema describes the fulfillment's
``displayStatus`` ("Human readable display status"), ``inTransitAt`` ("when the fulfillment
went into transit"), ``deliveredAt`` ("The date that this fulfillment was delivered") and
``estimatedDeliveryAt``; the sandbox derives them from the events by these rules (Shopify does
not document its own):

- ``displayStatus``: the status of the latest event (``happenedAt``, then creation order), the
  two enums sharing those values; ``FULFILLED`` for a fulfillment without events;
- ``inTransitAt``: the first ``IN_TRANSIT`` event's ``happenedAt``;
- ``deliveredAt``: the latest ``DELIVERED`` event's ``happenedAt``;
- ``estimatedDeliveryAt``: the latest event that carried one.

No webhook is emitted: the reference (``shared/reference/shopify/webhooks``) has no
``fulfillment_events/create`` payload schema to build it against.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from django.db import transaction

from sandbox.kernel import clock
from sandbox.shopify.ids import allocate_id
from sandbox.shopify.models import SandboxFulfillment, SandboxFulfillmentEvent

# ``FulfillmentEventStatus`` (the 2025-01 schema's enum; GraphQL validates input against it).
IN_TRANSIT = "IN_TRANSIT"
DELIVERED = "DELIVERED"


def parse_datetime(value: str) -> datetime:
    """A ``DateTime`` input (ISO 8601, ``Z`` or an offset; no offset is read as UTC) as an aware
    UTC datetime with whole seconds, as the sandbox stores times. Raises ``ValueError``."""
    parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC).replace(microsecond=0)


def create_event(
    fulfillment: SandboxFulfillment,
    *,
    status: str,
    happened_at: datetime | None,
    estimated_delivery_at: datetime | None,
    message: str,
) -> SandboxFulfillmentEvent:
    """Record an event on ``fulfillment`` (``happened_at`` defaults to now) and bump the
    fulfillment's ``updated_at``; the order is left as it is."""
    with transaction.atomic():
        locked = SandboxFulfillment.objects.select_for_update().get(pk=fulfillment.pk)
        now = clock.now()
        event = SandboxFulfillmentEvent.objects.create(
            id=allocate_id("FulfillmentEvent"),
            fulfillment=locked,
            status=status,
            happened_at=happened_at or now,
            created_at=now,
            estimated_delivery_at=estimated_delivery_at,
            message=message,
        )
        locked.updated_at = clock.after(locked.updated_at)
        locked.save(update_fields=["updated_at"])
    return event


def events_of(fulfillment: SandboxFulfillment) -> list[SandboxFulfillmentEvent]:
    """Its events, oldest first (``happenedAt``, then creation order)."""
    return list(fulfillment.events.order_by("happened_at", "id"))


def display_status(fulfillment: SandboxFulfillment) -> str:
    """``Fulfillment.displayStatus``: the latest event's status once there are events."""
    if fulfillment.status != "SUCCESS":
        return fulfillment.status
    events = events_of(fulfillment)
    return events[-1].status if events else "FULFILLED"


def in_transit_at(fulfillment: SandboxFulfillment) -> datetime | None:
    """``Fulfillment.inTransitAt``: when it first went into transit."""
    return next((e.happened_at for e in events_of(fulfillment) if e.status == IN_TRANSIT), None)


def delivered_at(fulfillment: SandboxFulfillment) -> datetime | None:
    """``Fulfillment.deliveredAt``: when it was (last reported) delivered."""
    found = [e.happened_at for e in events_of(fulfillment) if e.status == DELIVERED]
    return found[-1] if found else None


def estimated_delivery_at(fulfillment: SandboxFulfillment) -> datetime | None:
    """``Fulfillment.estimatedDeliveryAt``: the latest estimate an event carried."""
    found = [e.estimated_delivery_at for e in events_of(fulfillment) if e.estimated_delivery_at]
    return found[-1] if found else None


def sorted_events(fulfillment: SandboxFulfillment, sort_key: str | None) -> list[Any]:
    """``Fulfillment.events(sortKey:)``: by ``HAPPENED_AT``, else by ``ID`` (the default;
    ``RELEVANCE`` without search text is id order too)."""
    if sort_key == "HAPPENED_AT":
        return events_of(fulfillment)
    return list(fulfillment.events.order_by("id"))
