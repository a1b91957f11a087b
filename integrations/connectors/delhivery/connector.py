"""The Delhivery connector: B2C (Express) shipments, tracking by poll and by scan push.

- Serviceability, create, cancel, tracking, charges: :mod:`.client` (auth, rate limits, the
  WAF throttle) and :mod:`.mapping` (payloads ↔ DTOs); the status table: :mod:`.status`.
- Scan push: :mod:`.webhooks` (a secret token in the push URL; Delhivery signs nothing).

Wire formats: channel-apis.md §5.1 and logistics-finance-notes.md §1 (Delhivery); each
behaviour names its source where it is implemented.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any, ClassVar

from integrations.connectors.base import (
    Capability,
    Connector,
    ConnectType,
    CredentialField,
    ProviderKind,
)
from integrations.connectors.delhivery import mapping, webhooks
from integrations.connectors.delhivery.client import (
    CHARGES_PATH,
    CREATE_PATH,
    EDIT_PATH,
    NDR_UPDATE_PATH,
    SERVICEABILITY_PATH,
    TRACK_PATH,
    UPL_PATH,
    DelhiveryClient,
)
from integrations.connectors.delhivery.status import IST, REATTEMPT_NSL_CODES
from integrations.connectors.pushtoken import PushTokenWebhooks
from integrations.dto import (
    AccountHandle,
    BookedShipmentDTO,
    FreightQuoteDTO,
    NdrAction,
    NdrActionCheckDTO,
    NdrActionRequestDTO,
    NdrActionResultDTO,
    PaymentMethod,
    ServiceabilityDTO,
    ShipmentRequestDTO,
    ShipmentTrackDTO,
    WebhookRegistration,
)
from integrations.http import ConnectorError, HttpClient, RejectedError
from integrations.ratelimit import BucketStore

# A pincode every Delhivery account can look up (New Delhi GPO): the connect-time check.
CHECK_PINCODE = "110001"
SERVICEABILITY_BATCH = 50  # pincodes per ``filter_codes`` call (our choice: short URLs)
CREATE_BATCH = 50  # shipments per create call (our choice; Delhivery publishes no maximum)
LEGS = {"forward": "Delivered", "rto": "RTO"}  # ``ss`` of the charges API
NDR_BATCH = 1000  # waybills per ``/api/p/update`` call (logistics-finance-notes.md §1)
# Delhivery asks for re-attempt requests after 21:00 IST, once the day's attempts are in
# (issue 20, from Delhivery's NDR FAQ); and accepts them after one or two failed attempts.
REATTEMPT_FROM_HOUR_IST = 21
REATTEMPT_MAX_ATTEMPTS = 2
UPL_POLLS = 5  # reads of an NDR upload's result before it is left pending (our choice)
UPL_POLL_SECONDS = 2.0


class DelhiveryConnector(PushTokenWebhooks, Connector):
    """A Delhivery B2C account. Settings: ``client_name`` (the account key: Delhivery's
    client name, the account's ``external_id``) and ``pickup_location`` (the warehouse name
    registered with Delhivery, case-sensitive). Credentials: ``api_token`` and, once webhooks
    are registered, ``push_token``. ``store``, ``clock`` and ``sleep`` are injectable for the
    rate limiter (tests). ``pickup_pincode`` (optional) is the warehouse's pincode, the
    origin of freight quotes."""

    # Delhivery's public tracking page (low confidence: public storefront code, e.g. a
    # courier-URL table in a public repository, 2026-12; not in Delhivery's API docs).
    tracking_url_template = "https://www.delhivery.com/track/package/{awb}"

    id: ClassVar[str] = "delhivery"
    label: ClassVar[str] = "Delhivery"
    kind = ProviderKind.LOGISTICS
    connect_type = ConnectType.API_KEY
    icon = "delhivery"
    color = "#D2232A"
    default_base_url = "https://track.delhivery.com"
    account_key_field = "client_name"
    credential_fields = (
        CredentialField(
            "api_token",
            "API token",
            secret=True,
            help_text="Delhivery One → Settings → API setup (production and staging tokens "
            "differ).",
            field_type="password",
        ),
        CredentialField(
            "client_name",
            "Client name",
            help_text="Your Delhivery client (account) name, as Delhivery registered it.",
        ),
        CredentialField(
            "pickup_location",
            "Pickup location",
            help_text="The warehouse name registered with Delhivery (case-sensitive).",
        ),
        CredentialField(
            "pickup_pincode",
            "Pickup pincode",
            required=False,
            help_text="The warehouse's 6-digit pincode: Sangam quotes each shipment's forward "
            "and RTO freight from it (optional).",
        ),
    )
    capabilities = frozenset({Capability.SHIPMENTS, Capability.WEBHOOKS})
    setup_steps = (
        "In Delhivery One copy your API token and your client name.",
        "Enter the name of the pickup warehouse exactly as registered with Delhivery.",
        "For live scans, send Delhivery the push URL Sangam shows under webhooks "
        "(Delhivery enables it by e-mail in 4–5 business days).",
    )
    webhook_secret_field = webhooks.PUSH_TOKEN_FIELD
    kept_credentials = (webhooks.PUSH_TOKEN_FIELD,)  # a reconnect keeps the push URL working
    webhook_path_token = True
    push_webhooks = webhooks
    track_batch = 50  # waybills per tracking call (channel-apis.md §5.1)

    def __init__(
        self,
        account: AccountHandle,
        http: HttpClient,
        *,
        store: BucketStore | None = None,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] | None = None,
    ) -> None:
        super().__init__(account, http)
        self.client = DelhiveryClient(
            account=account, http=http, store=store, clock=clock, sleep=sleep or http.sleep
        )

    @property
    def pickup_location(self) -> str:
        return str(self.account.settings.get("pickup_location") or "")

    # --- every connector -----------------------------------------------------------------------
    def check_credentials(self) -> dict[str, Any]:
        """Look up one pincode (the cheapest authenticated call). Raises
        ``ConnectorError(permanent=True)`` when Delhivery refuses the token (401, or a 403
        that is not the WAF)."""
        self.check_serviceability([CHECK_PINCODE])
        return {"name": f"Delhivery {self.account.external_id}"}

    # --- shipments -----------------------------------------------------------------------------
    def check_serviceability(self, pincodes: Sequence[str]) -> list[ServiceabilityDTO]:
        """``GET /c/api/pin-codes/json/?filter_codes=<pins>`` (comma-separated, 50 a call)."""
        results: list[ServiceabilityDTO] = []
        for start in range(0, len(pincodes), SERVICEABILITY_BATCH):
            chunk = [str(p).strip() for p in pincodes[start : start + SERVICEABILITY_BATCH]]
            body = self.client.json(
                "serviceability",
                "GET",
                SERVICEABILITY_PATH,
                params={"filter_codes": ",".join(chunk)},
            )
            results.extend(mapping.serviceability(chunk, body if isinstance(body, dict) else {}))
        return results

    def book_shipments(self, requests: Sequence[ShipmentRequestDTO]) -> list[BookedShipmentDTO]:
        """``POST /api/cmu/create.json`` (form ``format=json&data=…``), 50 shipments a call,
        grouped by pickup location (one per call). A request Delhivery would refuse for its
        shape (an ``order`` over 50 characters) is refused here without a call."""
        results: dict[int, BookedShipmentDTO] = {}
        sendable: dict[str, list[int]] = {}
        for index, request in enumerate(requests):
            problem = mapping.request_problem(request)
            if problem:
                results[index] = BookedShipmentDTO(
                    reference=request.reference, ok=False, error=problem
                )
                continue
            where = request.pickup_location or self.pickup_location
            sendable.setdefault(where, []).append(index)
        for where, indexes in sendable.items():
            for start in range(0, len(indexes), CREATE_BATCH):
                batch = indexes[start : start + CREATE_BATCH]
                chunk = [requests[i] for i in batch]
                body = self.client.json(
                    "create",
                    "POST",
                    CREATE_PATH,
                    data=mapping.create_form(chunk, where),
                    idempotent=False,
                )
                booked = mapping.booked_shipments(chunk, body if isinstance(body, dict) else {})
                results.update(zip(batch, booked, strict=True))
        return [results[i] for i in range(len(requests))]

    def cancel_shipment(self, awb: str) -> None:
        """``POST /api/p/edit`` ``{"waybill", "cancellation": "true"}`` (logistics notes §1:
        cancelling in Manifested keeps UD Manifested, in In Transit/Pending starts an RTO).
        The answer's shape is not in our references: a body with ``status`` false or an
        ``error`` is taken as a refusal (``RejectedError``)."""
        body = self.client.json(
            "edit",
            "POST",
            EDIT_PATH,
            json={"waybill": str(awb), "cancellation": "true"},
            idempotent=True,
        )
        if isinstance(body, dict) and (body.get("status") is False or body.get("error")):
            reason = body.get("error") or body.get("remark") or "cancellation refused"
            raise RejectedError(f"delhivery: {awb}: {reason}")

    def track_shipments(self, awbs: Sequence[str]) -> list[ShipmentTrackDTO]:
        """``GET /api/v1/packages/json/?waybill=A,B`` with at most 50 waybills a call (more
        are split); unknown waybills are absent (the "No such waybill" answers map to [])."""
        tracks: list[ShipmentTrackDTO] = []
        for start in range(0, len(awbs), self.track_batch):
            chunk = [str(a).strip() for a in awbs[start : start + self.track_batch]]
            try:
                body = self.client.json(
                    "track", "GET", TRACK_PATH, params={"waybill": ",".join(chunk)}
                )
            except ConnectorError as exc:
                if exc.status in (400, 404) and any(
                    m in (exc.detail or "").lower() for m in mapping.NOT_FOUND_MARKERS
                ):
                    continue
                raise
            tracks.extend(mapping.tracking(body if isinstance(body, dict) else {}))
        return tracks

    def freight_quote(
        self,
        *,
        origin_pincode: str,
        destination_pincode: str,
        weight_grams: int,
        payment_method: str,
        leg: str = "forward",
    ) -> FreightQuoteDTO:
        """``GET /api/kinko/v1/invoice/charges/.json?md=S&ss=Delivered|RTO&o_pin&d_pin&cgm
        &pt=Pre-paid|COD`` (surface mode; ``cgm`` grams). Rupees (see
        :func:`.mapping.freight_quote`). Raises ``ValueError`` for an unknown leg."""
        if leg not in LEGS:
            raise ValueError(f"unknown leg {leg!r}; expected one of {sorted(LEGS)}")
        body = self.client.json(
            "charges",
            "GET",
            CHARGES_PATH,
            params={
                "md": "S",
                "ss": LEGS[leg],
                "o_pin": str(origin_pincode),
                "d_pin": str(destination_pincode),
                "cgm": int(weight_grams),
                "pt": "COD" if payment_method == PaymentMethod.COD else "Pre-paid",
            },
        )
        try:
            return mapping.freight_quote(body)
        except mapping.MappingError as exc:
            raise ConnectorError(f"delhivery: {exc}") from None

    # --- NDR -----------------------------------------------------------------------------------
    def ndr_action_check(
        self, *, action: str, raw_code: str, attempts: int, now: datetime
    ) -> NdrActionCheckDTO:
        """Delhivery's rules (logistics-finance-notes.md §1 and its NDR FAQ): ``rto`` is a
        cancellation of a shipment in transit (always taken while it is undelivered);
        ``reattempt`` only for the NSL codes in ``REATTEMPT_NSL_CODES``, after one or two
        failed attempts, and sent after 21:00 IST (before that, ``send_after`` is tonight's
        21:00 IST)."""
        if action == NdrAction.RTO:
            return NdrActionCheckDTO(action=action, allowed=True)
        if action != NdrAction.REATTEMPT:
            return NdrActionCheckDTO(action=action, allowed=False, reason="unknown action")
        code = str(raw_code or "").strip().upper()
        if code not in REATTEMPT_NSL_CODES:
            return NdrActionCheckDTO(
                action=action,
                allowed=False,
                reason=f"Delhivery takes a re-attempt request only for NSL codes "
                f"{', '.join(sorted(REATTEMPT_NSL_CODES))}; this attempt failed with "
                f"{code or 'no code'}.",
            )
        if not 1 <= attempts <= REATTEMPT_MAX_ATTEMPTS:
            return NdrActionCheckDTO(
                action=action,
                allowed=False,
                reason=f"Delhivery takes a re-attempt request after one or two failed "
                f"attempts; this shipment has {attempts}.",
            )
        local = now.astimezone(IST)
        if local.hour < REATTEMPT_FROM_HOUR_IST:
            tonight = local.replace(hour=REATTEMPT_FROM_HOUR_IST, minute=0, second=0, microsecond=0)
            return NdrActionCheckDTO(action=action, allowed=True, send_after=tonight)
        return NdrActionCheckDTO(action=action, allowed=True)

    def request_ndr_actions(
        self, requests: Sequence[NdrActionRequestDTO]
    ) -> list[NdrActionResultDTO]:
        """Re-attempts: a corrected phone or address first goes through ``POST /api/p/edit``
        (edit is allowed in UD Pending), then ``POST /api/p/update {"data":[{"waybill",
        "act":"RE-ATTEMPT"}]}`` (≤ 1,000 a call) answers an upload id, read back with ``GET
        /api/cmu/get_bulk_upl/<UPL>?verbose=true`` for each waybill's result (answer shapes
        ASSUMED: ``request_id``; ``status``/``result[{waybill,status,remark}]``). RTO: the
        cancellation of a shipment in transit (Delhivery has no separate RTO call). A date
        asked for is not sent: Delhivery's NDR API takes none (the next attempt is the next
        working day)."""
        results: dict[int, NdrActionResultDTO] = {}
        reattempts: list[int] = []
        for index, request in enumerate(requests):
            if request.action == NdrAction.RTO:
                try:
                    self.cancel_shipment(request.awb)
                except RejectedError as exc:
                    results[index] = NdrActionResultDTO(request.awb, ok=False, error=str(exc))
                else:
                    results[index] = NdrActionResultDTO(request.awb, ok=True)
            elif request.action == NdrAction.REATTEMPT:
                problem = self._edit_consignee(request)
                if problem:
                    results[index] = NdrActionResultDTO(request.awb, ok=False, error=problem)
                else:
                    reattempts.append(index)
            else:
                results[index] = NdrActionResultDTO(
                    request.awb, ok=False, error=f"unknown action {request.action!r}"
                )
        for start in range(0, len(reattempts), NDR_BATCH):
            batch = reattempts[start : start + NDR_BATCH]
            results.update(self._reattempt([requests[i] for i in batch], batch))
        return [results[i] for i in range(len(requests))]

    def _edit_consignee(self, request: NdrActionRequestDTO) -> str:
        """Send a corrected phone/address with ``/api/p/edit``; the refusal's reason, or ""."""
        fields = {}
        if request.phone:
            fields["phone"] = request.phone
        if request.address:
            fields["add"] = mapping.clean_text(request.address)
        if not fields:
            return ""
        body = self.client.json(
            "edit", "POST", EDIT_PATH, json={"waybill": request.awb, **fields}, idempotent=True
        )
        if isinstance(body, dict) and (body.get("status") is False or body.get("error")):
            return str(body.get("error") or body.get("remark") or "edit refused")
        return ""

    def _reattempt(
        self, chunk: Sequence[NdrActionRequestDTO], indexes: Sequence[int]
    ) -> dict[int, NdrActionResultDTO]:
        body = self.client.json(
            "ndr",
            "POST",
            NDR_UPDATE_PATH,
            json={"data": [{"waybill": r.awb, "act": "RE-ATTEMPT"} for r in chunk]},
            idempotent=True,
        )
        upl = str((body or {}).get("request_id") or (body or {}).get("upl") or "")
        if not upl:
            raise ConnectorError(f"delhivery: the NDR API answered without an upload id: {body}")
        outcome: dict[str, dict[str, Any]] = {}
        for poll in range(UPL_POLLS):
            answer = self.client.json(
                "ndr", "GET", UPL_PATH.format(upl=upl), params={"verbose": "true"}
            )
            rows = answer.get("result") if isinstance(answer, dict) else None
            if isinstance(rows, list) and rows:
                outcome = {str(r.get("waybill")): r for r in rows if isinstance(r, dict)}
                break
            if poll + 1 < UPL_POLLS:
                self.client.sleep(UPL_POLL_SECONDS)
        results = {}
        for index, request in zip(indexes, chunk, strict=True):
            row = outcome.get(request.awb)
            if row is None:  # not processed yet: taken, its result to be read later
                results[index] = NdrActionResultDTO(request.awb, ok=True, reference=upl)
            elif str(row.get("status", "")).lower() == "success":
                results[index] = NdrActionResultDTO(request.awb, ok=True, reference=upl, raw=row)
            else:
                results[index] = NdrActionResultDTO(
                    request.awb,
                    ok=False,
                    reference=upl,
                    error=str(row.get("remark") or row.get("status") or "refused"),
                    raw=row,
                )
        return results

    # --- scan push (Capability.WEBHOOKS) -------------------------------------------------------
    def register_webhooks(self, *, callback_url: str) -> list[WebhookRegistration]:
        """Delhivery has no registration API (push URLs go on its requirement form by
        e-mail), so this only issues the account's push token and returns the one
        subscription to ask Delhivery for: ``{callback_url}/<push token>``, the token masked
        (the subscription row is shown in the API and admin; the token is a secret)."""
        token = self.push_token()
        masked = f"{callback_url.rstrip('/')}/{token[:6]}…"
        return [WebhookRegistration(topic=mapping.PUSH_TOPIC, remote_id="", callback_url=masked)]

    def list_webhooks(self) -> list[WebhookRegistration]:
        """Delhivery cannot list push URLs by API: always ``[]``."""
        return []
