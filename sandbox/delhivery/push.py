"""Scan push: every scan that has become due on Delhivery's clock is POSTed to the client's
registered push URL with the default body (:func:`sandbox.delhivery.wire.push`;
channel-apis.md §5.1, logistics-finance-notes.md §1).

Delhivery's rule (channel-apis.md §5.1): a push that fails is retried **once, at once**, and
never again; there is no manual re-push. Any 2xx is success; anything else, or no answer within
the timeout, is a failure. The setting ``SANDBOX_DELHIVERY_PUSH_DROP_SHARE`` (0…1, default 0)
drops that share of pushes before sending, chosen deterministically per (waybill, scan), to
simulate pushes lost in transit (the benchmark uses 0.3): a dropped scan is only ever seen by
tracking. Registration is by a support form at Delhivery, so here it is the client's
``push_url`` (admin or ``sandbox_delhivery_seed --push-url``).
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass

import requests
from django.conf import settings

from sandbox.delhivery import clock, wire
from sandbox.delhivery.models import PushState, SandboxDelhiveryScan

logger = logging.getLogger(__name__)

CONNECT_TIMEOUT = 2.0
READ_TIMEOUT = 5.0


@dataclass
class PushReport:
    delivered: int = 0
    failed: int = 0
    dropped: int = 0
    retried: int = 0


def drop_share() -> float:
    return float(getattr(settings, "SANDBOX_DELHIVERY_PUSH_DROP_SHARE", 0.0))


def dropped(scan: SandboxDelhiveryScan, share: float) -> bool:
    if share <= 0:
        return False
    digest = hashlib.sha256(f"{scan.shipment.waybill}:{scan.seq}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64 < share


def _post(url: str, body: bytes) -> int | None:
    try:
        response = requests.post(
            url,
            data=body,
            headers={"Content-Type": "application/json"},
            timeout=(CONNECT_TIMEOUT, READ_TIMEOUT),
            allow_redirects=False,
        )
    except requests.RequestException as exc:
        logger.info("sandbox delhivery push to %s failed: %s", url, exc)
        return None
    return response.status_code


def deliver_due() -> PushReport:
    """Push every pending scan whose time has come, oldest first."""
    report = PushReport()
    share = drop_share()
    due = (
        SandboxDelhiveryScan.objects.filter(push_state=PushState.PENDING, at__lte=clock.now())
        .select_related("shipment__client")
        .order_by("at", "pk")
    )
    for scan in due:
        shipment = scan.shipment
        url = shipment.client.push_url
        claimed = SandboxDelhiveryScan.objects.filter(
            pk=scan.pk, push_state=PushState.PENDING
        ).update(push_state=PushState.FAILED)
        if not claimed:
            continue
        if not url:
            scan.push_state = PushState.NONE
        elif dropped(scan, share):
            scan.push_state = PushState.DROPPED
            report.dropped += 1
        else:
            picked = shipment.scans.filter(status_code="X-PPOM", at__lte=scan.at).first()
            body = json.dumps(
                wire.push(shipment, scan, picked.at if picked else shipment.created_at),
                separators=(",", ":"),
            ).encode()
            status = _post(url, body)
            scan.push_attempts = 1
            if status is None or not 200 <= status < 300:
                report.retried += 1
                status = _post(url, body)  # the one immediate retry
                scan.push_attempts = 2
            scan.push_status_code = status
            if status is not None and 200 <= status < 300:
                scan.push_state = PushState.DELIVERED
                report.delivered += 1
            else:
                scan.push_state = PushState.FAILED
                report.failed += 1
        scan.save(update_fields=["push_state", "push_attempts", "push_status_code"])
    return report
