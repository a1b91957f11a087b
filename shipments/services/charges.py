"""Charges kept at booking (issue 20 §2): the courier's forward and RTO freight of each new
shipment, quoted once it is booked and stored on the ``Shipment`` (rupees, Decimal):
``freight`` (forward, before GST), ``cod_fee``, ``charges_gst`` (the GST on the forward
freight and COD fee) and ``rto_freight`` (the return leg, before GST: an estimate until the
courier's invoice says otherwise).

``Connector.freight_quote(leg="rto")`` prices a parcel that went out and came back: Delhivery's
``ss=RTO`` answer holds the forward charge and the return charge together
(logistics-finance-notes.md §1; ``sandbox/delhivery/services.py::charges``), so the return leg
is the RTO quote's freight less the forward freight (the whole RTO quote when that would not be
positive, for a courier that prices the return leg alone).

Budget: Delhivery allows 50 charge calls per 5 minutes (the connector paces itself at 80% of
that, ``integrations/connectors/delhivery/client.py``), and a booking of many orders must not
spend it parcel by parcel. The price depends only on (origin pincode, destination pincode,
weight slab, payment mode), so each distinct key is quoted once per run and kept in the cache
for ``QUOTE_CACHE_SECONDS`` (a day: rate cards change by contract, not by the hour); the
weight is rounded up to the ``WEIGHT_SLAB_GRAMS`` slab Delhivery charges by. The quoting runs
in the background after the booking commits (``shipments.tasks.shipments_charges_task``), where
the connector's pacing may wait without holding a request. The origin pincode is the courier
account's pickup pincode setting (``Connector.pickup_pincode_setting``); without one nothing
is quoted. A failed quote leaves the fields null and never fails anything.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from decimal import Decimal

from django.core.cache import cache
from django.db import transaction

from integrations.dto import FreightQuoteDTO
from integrations.http import ConnectorError
from integrations.registry import get_connector_class
from integrations.services.accounts import build_connector
from shipments.models import Shipment

logger = logging.getLogger(__name__)

WEIGHT_SLAB_GRAMS = 500
QUOTE_CACHE_SECONDS = 24 * 3600
LEGS = ("forward", "rto")


def weight_slab(grams: int) -> int:
    """``grams`` rounded up to the courier's slab (500 g): 1 → 500, 500 → 500, 501 → 1000."""
    grams = max(int(grams), 1)
    return -(-grams // WEIGHT_SLAB_GRAMS) * WEIGHT_SLAB_GRAMS


def _key(account_id: int, origin: str, destination: str, grams: int, payment: str, leg: str):
    return f"shipments:quote:{account_id}:{origin}:{destination}:{grams}:{payment}:{leg}"


def _pack(quote: FreightQuoteDTO) -> dict[str, str]:
    return {
        "freight": str(quote.freight),
        "cod_fee": str(quote.cod_fee),
        "gst": str(quote.gst),
        "total": str(quote.total),
    }


def shipments_charges_queue(*, shipment_ids: Sequence[int]) -> None:
    """Quote the shipments' charges in the background once the booking commits."""
    from integrations.tasks import enqueue  # at call time: tests replace the queue
    from shipments.tasks import shipments_charges_task

    ids = list(shipment_ids)
    transaction.on_commit(
        lambda: enqueue(shipments_charges_task, ids, background=True), robust=True
    )


def shipments_charges_quote(*, shipment_ids: Sequence[int], connector=None) -> dict[str, int]:
    """Quote and store the charges of ``shipment_ids`` whose ``freight`` is still null (all of
    one courier account each call of the connector; ``connector`` overrides it for tests).
    Returns ``{"quoted": shipments given charges, "calls": courier calls made, "failed":
    shipments left null}``."""
    shipments = list(
        Shipment.objects.filter(pk__in=list(shipment_ids), freight__isnull=True)
        .select_related("account", "order")
        .order_by("pk")
    )
    counts = {"quoted": 0, "calls": 0, "failed": 0}
    connectors: dict[int, object] = {}
    for shipment in shipments:
        account = shipment.account
        setting = get_connector_class(account.provider).pickup_pincode_setting
        origin = str((account.settings or {}).get(setting) or "")
        destination = shipment.order.ship_pincode
        if not origin or not destination:
            counts["failed"] += 1
            continue
        grams = weight_slab(shipment.weight_grams)
        quotes: dict[str, dict[str, str]] = {}
        try:
            for leg in LEGS:
                key = _key(account.pk, origin, destination, grams, shipment.payment_method, leg)
                cached = cache.get(key)
                if cached is None:
                    if account.pk not in connectors:
                        connectors[account.pk] = connector or build_connector(account)
                    quote = connectors[account.pk].freight_quote(
                        origin_pincode=origin,
                        destination_pincode=destination,
                        weight_grams=grams,
                        payment_method=shipment.payment_method,
                        leg=leg,
                    )
                    counts["calls"] += 1
                    cached = _pack(quote)
                    cache.set(key, cached, QUOTE_CACHE_SECONDS)
                quotes[leg] = cached
        except (ConnectorError, ValueError, NotImplementedError) as exc:
            logger.warning("freight quote of shipment %s failed: %s", shipment.pk, exc)
            counts["failed"] += 1
            continue
        forward, rto = quotes["forward"], quotes["rto"]
        freight = Decimal(forward["freight"])
        rto_leg = Decimal(rto["freight"]) - freight
        Shipment.objects.filter(pk=shipment.pk).update(
            freight=freight,
            cod_fee=Decimal(forward["cod_fee"]),
            charges_gst=Decimal(forward["gst"]),
            rto_freight=rto_leg if rto_leg > 0 else Decimal(rto["freight"]),
        )
        counts["quoted"] += 1
    return counts
