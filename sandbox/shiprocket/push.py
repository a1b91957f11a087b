"""The tracking webhook: every scan that has become due on Shiprocket's clock is POSTed to the
user's webhook URL as Shiprocket's tracking body (logistics-finance-notes.md §1: ``awb,
courier_name, current_status, current_status_id, shipment_status, shipment_status_id,
current_timestamp ("23 05 2023 11:43:52"), order_id, sr_order_id, etd, scans[…], is_return``),
with the header ``x-api-key`` when the user set a token. No signature (Shiprocket signs
nothing). Any 2xx is success; Shiprocket's retries are not documented, so the sandbox makes
one attempt (ASSUMED) and the poll is the safety net, as for Delhivery.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass

import requests

from sandbox.shiprocket import clock
from sandbox.shiprocket.models import PushState, SandboxShiprocketScan

logger = logging.getLogger(__name__)

CONNECT_TIMEOUT = 2.0
READ_TIMEOUT = 5.0
RTO_STATUSES = frozenset({9, 40, 41, 46, 10})


@dataclass
class PushReport:
    delivered: int = 0
    failed: int = 0


def body(scan: SandboxShiprocketScan) -> dict:
    """The webhook body for ``scan``: the shipment as of that scan, its scans so far."""
    order = scan.order
    so_far = list(order.scans.filter(at__lte=scan.at).order_by("at", "seq"))
    return {
        "awb": order.awb,
        "courier_name": order.courier_name,
        "current_status": scan.label,
        "current_status_id": scan.sr_status,
        "shipment_status": scan.label,
        "shipment_status_id": scan.sr_status,
        "current_timestamp": clock.webhook(scan.at),
        "order_id": order.channel_order_id,
        "sr_order_id": order.order_id,
        "awb_assigned_date": clock.wire(order.awb_assigned_at),
        "pickup_scheduled_date": clock.wire(order.pickup_requested_at),
        "etd": clock.wire(order.pickup_requested_at),
        "scans": [
            {
                "date": clock.wire(s.at),
                "status": s.code,
                "activity": s.activity,
                "location": s.location,
                "sr-status": str(s.sr_status),
                "sr-status-label": s.label,
            }
            for s in so_far
        ],
        "is_return": 1 if scan.sr_status in RTO_STATUSES else 0,
        "channel_id": order.user.company_id,
        "pod_status": "",
        "pod": "Available" if scan.sr_status == 7 else "Not Available",
    }


def _post(url: str, data: bytes, api_key: str) -> int | None:
    headers = {"Content-Type": "application/json"}
    if api_key:
        headers["x-api-key"] = api_key
    try:
        response = requests.post(
            url, data=data, headers=headers, timeout=(CONNECT_TIMEOUT, READ_TIMEOUT)
        )
    except requests.RequestException as exc:
        logger.info("sandbox shiprocket webhook to %s failed: %s", url, exc)
        return None
    return response.status_code


def deliver_due() -> PushReport:
    """Send every pending scan whose time has come, oldest first (one attempt each)."""
    report = PushReport()
    due = (
        SandboxShiprocketScan.objects.filter(push_state=PushState.PENDING, at__lte=clock.now())
        .select_related("order__user")
        .order_by("at", "pk")
    )
    for scan in due:
        claimed = SandboxShiprocketScan.objects.filter(
            pk=scan.pk, push_state=PushState.PENDING
        ).update(push_state=PushState.FAILED)
        if not claimed:
            continue
        user = scan.order.user
        if not user.webhook_url:
            scan.push_state = PushState.NONE
        else:
            data = json.dumps(body(scan), separators=(",", ":")).encode()
            status = _post(user.webhook_url, data, user.webhook_token)
            scan.push_status_code = status
            if status is not None and 200 <= status < 300:
                scan.push_state = PushState.DELIVERED
                report.delivered += 1
            else:
                scan.push_state = PushState.FAILED
                report.failed += 1
        scan.save(update_fields=["push_state", "push_status_code"])
    return report
