"""The Shiprocket connector: an aggregator's shipments (it books the courier it or the seller
picks), tracking by poll and by webhook.

- Login token, its renewal and pacing: :mod:`.client`; payloads ↔ DTOs: :mod:`.mapping`; the
  status table: :mod:`.status`; the webhook (a secret token in a URL free of the words
  Shiprocket refuses, or the ``x-api-key``): :mod:`.webhooks`.
- A booking is three calls per shipment: create the adhoc order, assign the AWB (the courier
  asked for in ``courier_hint``, else Shiprocket's recommendation), request the pickup.
  Shiprocket's order and shipment ids go in ``BookedShipmentDTO.raw``; cancel and label work
  from the AWB alone (the ids are read back with ``GET /courier/track/awb/<awb>``, whose
  ``shipment_track[0]`` carries them), so nothing outside this package needs to keep them.

Wire formats: logistics-finance-notes.md §1 and channel-apis.md §5.2 (Shiprocket) and the
sources named in :mod:`.mapping`; every ASSUMED shape is marked where it is used.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, ClassVar

from integrations.connectors.base import (
    Capability,
    Connector,
    ConnectType,
    CredentialField,
    ProviderKind,
)
from integrations.connectors.pushtoken import PushTokenWebhooks
from integrations.connectors.shiprocket import mapping, webhooks
from integrations.connectors.shiprocket.client import (
    ASSIGN_AWB_PATH,
    CANCEL_PATH,
    CREATE_ORDER_PATH,
    LABEL_PATH,
    MANIFEST_PATH,
    NDR_ACTION_PATH,
    NDR_LIST_PATH,
    PICKUP_PATH,
    SERVICEABILITY_PATH,
    TRACK_AWB_PATH,
    TRACK_AWBS_PATH,
    ShiprocketClient,
)
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

LEGS = ("forward", "rto")
CHECK_WEIGHT_GRAMS = 500  # the parcel a serviceability check asks about (our choice)
# Shiprocket's NDR actions (logistics-finance-notes.md §1 names ``action`` and ``comments``;
# the values "re-attempt" and "return" are medium/low confidence: public client code and the
# NDR OpenAPI digest, not a primary Shiprocket page).
NDR_ACTIONS = {NdrAction.REATTEMPT: "re-attempt", NdrAction.RTO: "return"}
# Couriers behind Shiprocket make at most three delivery attempts (ASSUMED from Shiprocket's
# seller help pages on NDR, "up to 3 attempts"; not in the API documentation): a re-attempt can
# be asked for after the first or second failed attempt, not after the third.
MAX_DELIVERY_ATTEMPTS = 3


class ShiprocketConnector(PushTokenWebhooks, Connector):
    """A Shiprocket API user. Settings: ``email`` (the account key: the API user's email, the
    account's ``external_id``), ``pickup_location`` (the pickup address's nickname in
    Shiprocket, case-sensitive) and ``pickup_postcode`` (its pincode, for serviceability and
    rates). Credentials: ``password`` and, once issued, ``token``/``token_expires_at`` and
    ``push_token``. ``store``, ``clock``, ``sleep`` and ``now`` are injectable (tests)."""

    tracking_url_template = "https://shiprocket.co/tracking/{awb}"  # track_url, OpenAPI example
    pickup_pincode_setting = "pickup_postcode"

    id: ClassVar[str] = "shiprocket"
    label: ClassVar[str] = "Shiprocket"
    kind = ProviderKind.LOGISTICS
    connect_type = ConnectType.API_KEY
    icon = "shiprocket"
    color = "#7B3FE4"
    default_base_url = "https://apiv2.shiprocket.in/v1/external"
    account_key_field = "email"
    credential_fields = (
        CredentialField(
            "email",
            "API user email",
            help_text="Shiprocket → Settings → API → Add API User: the API user's email (not "
            "your own login).",
            field_type="email",
        ),
        CredentialField(
            "password",
            "API user password",
            secret=True,
            help_text="The password Shiprocket e-mailed for that API user.",
            field_type="password",
        ),
        CredentialField(
            "pickup_location",
            "Pickup location",
            help_text="The nickname of your pickup address in Shiprocket (Settings → Pickup "
            "Addresses), exactly as written there.",
        ),
        CredentialField(
            "pickup_postcode",
            "Pickup pincode",
            help_text="The pincode of that pickup address (for serviceability and rates).",
        ),
    )
    capabilities = frozenset({Capability.SHIPMENTS, Capability.WEBHOOKS})
    setup_steps = (
        "In Shiprocket add an API user (Settings → API → Add API User) and note its password.",
        "Enter the API user's email and password, and your pickup address's nickname and pincode.",
        "For live tracking, paste the webhook URL Sangam shows into Shiprocket (Settings → "
        "API → Webhooks), and the same token as its x-api-key if you like.",
    )
    webhook_secret_field = webhooks.PUSH_TOKEN_FIELD
    kept_credentials = (webhooks.PUSH_TOKEN_FIELD,)
    webhook_path_token = True
    push_webhooks = webhooks
    webhook_url_slug = webhooks.URL_SLUG
    track_batch = 50  # AWBs per /courier/track/awbs call (logistics-finance-notes.md §1)

    def __init__(
        self,
        account: AccountHandle,
        http: HttpClient,
        *,
        store: BucketStore | None = None,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] | None = None,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        super().__init__(account, http)
        self.now = now
        self.client = ShiprocketClient(
            account=account,
            http=http,
            save=self.save_credentials,
            store=store,
            clock=clock,
            sleep=sleep or http.sleep,
            now=now,
        )
        self._ids: dict[str, tuple[str, str]] = {}  # AWB → (order id, shipment id), this run

    @classmethod
    def account_key(cls, data: Mapping[str, Any]) -> str:
        """The API user's email, lower-cased. Raises ``ValueError`` when it is missing or is
        not an email address."""
        value = str(data.get("email") or "").strip().lower()
        if not value or "@" not in value:
            raise ValueError("'email' is required: the Shiprocket API user's email.")
        return value

    @property
    def pickup_location(self) -> str:
        return str(self.account.settings.get("pickup_location") or "")

    @property
    def pickup_postcode(self) -> str:
        return str(self.account.settings.get("pickup_postcode") or "").strip()

    # --- every connector -----------------------------------------------------------------------
    def check_credentials(self) -> dict[str, Any]:
        """Log in (the token is kept for the next calls, and its expiry shown on the
        account). Raises ``ConnectorError(permanent=True)`` when Shiprocket refuses the
        email/password."""
        self.client.login()
        return {
            "name": f"Shiprocket {self.account.external_id}",
            "token_expires_at": self.client.token_expiry(),
        }

    # --- shipments -----------------------------------------------------------------------------
    def _serviceability(self, pincode: str, *, weight_grams: int, cod: bool) -> Any:
        if not self.pickup_postcode:
            raise ConnectorError(
                "shiprocket: the account has no pickup pincode; reconnect and enter it.",
                permanent=True,
            )
        try:
            return self.client.json(
                "serviceability",
                "GET",
                SERVICEABILITY_PATH,
                params={
                    "pickup_postcode": self.pickup_postcode,
                    "delivery_postcode": str(pincode).strip(),
                    "weight": mapping.kilograms(weight_grams),
                    "cod": 1 if cod else 0,
                },
            )
        except ConnectorError as exc:
            if exc.status in (404, 422):  # no courier serves the lane (or a bad pincode)
                return {}
            raise

    def check_serviceability(self, pincodes: Sequence[str]) -> list[ServiceabilityDTO]:
        """``GET /courier/serviceability/`` once per pincode from the account's pickup
        pincode (a 0.5 kg parcel, ``cod=0`` so every courier of the lane is listed; COD is
        served when one of them has ``cod: 1``, ASSUMED meaning of the flag)."""
        return [
            mapping.serviceability(
                str(p), self._serviceability(str(p), weight_grams=CHECK_WEIGHT_GRAMS, cod=False)
            )
            for p in pincodes
        ]

    def book_shipments(self, requests: Sequence[ShipmentRequestDTO]) -> list[BookedShipmentDTO]:
        """Per request: ``POST /orders/create/adhoc``, then ``POST /courier/assign/awb
        {"shipment_id", "courier_id"?}`` (``courier_hint``, else Shiprocket's recommended
        courier), then ``POST /courier/generate/pickup {"shipment_id": [id]}``. A refused
        AWB cancels the order just created (so a retry does not meet a half-booked order);
        a refused pickup request leaves the shipment booked (it is asked for again from
        Shiprocket's panel, and the refusal is kept in ``raw["pickup_error"]``)."""
        return [self._book(request) for request in requests]

    def _book(self, request: ShipmentRequestDTO) -> BookedShipmentDTO:
        problem = mapping.request_problem(request)
        if problem:
            return BookedShipmentDTO(reference=request.reference, ok=False, error=problem)
        try:
            created = self.client.json(
                "orders",
                "POST",
                CREATE_ORDER_PATH,
                json=mapping.adhoc_order(request, now=self.now()),
                idempotent=False,
            )
        except RejectedError as exc:
            return BookedShipmentDTO(reference=request.reference, ok=False, error=str(exc))
        except ConnectorError as exc:
            if exc.permanent or exc.status is None or exc.status >= 500:
                raise
            return BookedShipmentDTO(
                reference=request.reference, ok=False, error=exc.detail or str(exc)
            )
        order_id, shipment_id = mapping.created_ids(created)
        if not shipment_id:
            return BookedShipmentDTO(
                reference=request.reference,
                ok=False,
                error=mapping.error_text(created) or "Shiprocket created no shipment",
                raw=dict(created) if isinstance(created, dict) else {},
            )
        body: dict[str, Any] = {"shipment_id": int(shipment_id)}
        if request.courier_hint.strip():
            hint = request.courier_hint.strip()
            body["courier_id"] = int(hint) if hint.isdigit() else hint
        try:
            assigned = self.client.json("awb", "POST", ASSIGN_AWB_PATH, json=body, idempotent=False)
        except ConnectorError as exc:
            if exc.permanent or exc.status is None or exc.status >= 500:
                raise
            assigned = {"awb_assign_status": 0, "message": exc.detail or str(exc)}
        result = mapping.booked(request, created, assigned)
        if not result.ok:
            self._cancel_orders([order_id])
            return result
        self._ids[result.awb] = (order_id, shipment_id)
        raw = dict(result.raw)
        try:
            self.client.json(
                "pickup",
                "POST",
                PICKUP_PATH,
                json={"shipment_id": [int(shipment_id)]},
                idempotent=True,
            )
        except ConnectorError as exc:
            if exc.permanent:
                raise
            raw["pickup_error"] = exc.detail or str(exc)
        return BookedShipmentDTO(
            reference=result.reference,
            ok=True,
            awb=result.awb,
            courier_name=result.courier_name,
            sort_code=result.sort_code,
            raw=raw,
        )

    def _cancel_orders(self, order_ids: Sequence[str]) -> None:
        try:
            self.client.json(
                "cancel",
                "POST",
                CANCEL_PATH,
                json={"ids": [int(i) for i in order_ids if i]},
                idempotent=True,
            )
        except ConnectorError as exc:
            if exc.permanent:
                raise

    def shiprocket_ids(self, awb: str) -> tuple[str, str]:
        """``(order id, shipment id)`` of an AWB: from this connector's bookings, else from
        ``GET /courier/track/awb/<awb>`` (``shipment_track[0].order_id/shipment_id``, OpenAPI
        example). Raises ``RejectedError`` when Shiprocket does not know the AWB."""
        awb = str(awb).strip()
        if awb in self._ids:
            return self._ids[awb]
        try:
            body = self.client.json("track", "GET", TRACK_AWB_PATH.format(awb=awb))
        except ConnectorError as exc:
            if exc.status == 404:
                raise RejectedError(f"shiprocket: no shipment with AWB {awb}") from None
            raise
        ids = mapping.track_ids(body)
        if not ids[0]:
            raise RejectedError(f"shiprocket: no shipment with AWB {awb}")
        self._ids[awb] = ids
        return ids

    def cancel_shipment(self, awb: str) -> None:
        """``POST /orders/cancel {"ids": [Shiprocket order id]}`` (the id read back from the
        AWB). Shiprocket refuses to cancel a shipment already picked up (a 400 with
        ``message``; ASSUMED status and wording) → ``RejectedError`` with its reason."""
        order_id, _ = self.shiprocket_ids(awb)
        try:
            self.client.json(
                "cancel", "POST", CANCEL_PATH, json={"ids": [int(order_id)]}, idempotent=True
            )
        except ConnectorError as exc:
            if exc.permanent or exc.status is None or exc.status >= 500 or exc.status == 429:
                raise
            raise RejectedError(f"shiprocket: {awb}: {exc.detail or exc}") from None

    def label_url(self, awb: str) -> str:
        """``POST /courier/generate/label {"shipment_id": [id]}`` → its ``label_url`` (a PDF
        Shiprocket hosts). Answer ``{"label_created": 1, "label_url", "response",
        "not_created": []}`` (public client code, M). Raises ``RejectedError`` when no label
        is made."""
        _, shipment_id = self.shiprocket_ids(awb)
        body = self.client.json(
            "label", "POST", LABEL_PATH, json={"shipment_id": [int(shipment_id)]}, idempotent=True
        )
        url = str((body or {}).get("label_url") or "") if isinstance(body, dict) else ""
        if not url:
            raise RejectedError(f"shiprocket: no label for {awb}: {mapping.error_text(body)}")
        return url

    def manifest_url(self, awbs: Sequence[str]) -> str:
        """``POST /manifests/generate {"shipment_id": [ids]}`` → ``manifest_url`` (answer
        ``{"status": 1, "manifest_url"}``: public client code, M). Raises ``RejectedError``."""
        ids = [int(self.shiprocket_ids(a)[1]) for a in awbs]
        body = self.client.json(
            "label", "POST", MANIFEST_PATH, json={"shipment_id": ids}, idempotent=True
        )
        url = str((body or {}).get("manifest_url") or "") if isinstance(body, dict) else ""
        if not url:
            raise RejectedError(f"shiprocket: no manifest: {mapping.error_text(body)}")
        return url

    def track_shipments(self, awbs: Sequence[str]) -> list[ShipmentTrackDTO]:
        """``POST /courier/track/awbs {"awbs": [...]}`` with at most 50 AWBs a call (more are
        split); unknown AWBs are absent."""
        tracks: list[ShipmentTrackDTO] = []
        for start in range(0, len(awbs), self.track_batch):
            chunk = [str(a).strip() for a in awbs[start : start + self.track_batch]]
            body = self.client.json(
                "track", "POST", TRACK_AWBS_PATH, json={"awbs": chunk}, idempotent=True
            )
            if isinstance(body, list) and not body:  # Shiprocket's "nothing found" ([] / {})
                continue
            try:
                tracks.extend(mapping.tracking(body))
            except mapping.MappingError as exc:
                raise ConnectorError(f"shiprocket: {exc}") from None
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
        """The serviceability answer's rates for the lane (``origin_pincode`` overrides the
        account's pickup pincode): the courier of the setting ``courier_id`` when offered,
        else Shiprocket's recommendation, else the cheapest. ``leg="rto"`` gives that
        courier's ``rto_charges``. Raises ``ValueError`` for an unknown leg, ``RejectedError``
        when no courier serves the lane."""
        if leg not in LEGS:
            raise ValueError(f"unknown leg {leg!r}; expected one of {list(LEGS)}")
        if not self.pickup_postcode and not origin_pincode:
            raise ConnectorError("shiprocket: no origin pincode", permanent=True)
        try:
            body = self.client.json(
                "serviceability",
                "GET",
                SERVICEABILITY_PATH,
                params={
                    "pickup_postcode": str(origin_pincode or self.pickup_postcode),
                    "delivery_postcode": str(destination_pincode),
                    "weight": mapping.kilograms(weight_grams),
                    "cod": 1 if payment_method == PaymentMethod.COD else 0,
                },
            )
        except ConnectorError as exc:
            if exc.status in (404, 422):
                body = {}
            else:
                raise
        courier = mapping.chosen_courier(body, str(self.account.settings.get("courier_id") or ""))
        if courier is None:
            raise RejectedError(
                f"shiprocket: no courier serves {origin_pincode} → {destination_pincode}"
            )
        return mapping.freight_quote(courier, leg=leg)

    # --- NDR -----------------------------------------------------------------------------------
    def ndr_action_check(
        self, *, action: str, raw_code: str, attempts: int, now: datetime
    ) -> NdrActionCheckDTO:
        """Shiprocket takes ``return`` (RTO) for any shipment in NDR, and ``re-attempt``
        while fewer than ``MAX_DELIVERY_ATTEMPTS`` (3) attempts have failed (ASSUMED, see
        the constant). No time-of-day rule is documented: actions are sent at once."""
        if action == NdrAction.RTO:
            return NdrActionCheckDTO(action=action, allowed=True)
        if action != NdrAction.REATTEMPT:
            return NdrActionCheckDTO(action=action, allowed=False, reason="unknown action")
        if attempts >= MAX_DELIVERY_ATTEMPTS:
            return NdrActionCheckDTO(
                action=action,
                allowed=False,
                reason=f"Shiprocket's couriers make at most {MAX_DELIVERY_ATTEMPTS} delivery "
                f"attempts; this shipment has had {attempts}.",
            )
        return NdrActionCheckDTO(action=action, allowed=True)

    def request_ndr_actions(
        self, requests: Sequence[NdrActionRequestDTO]
    ) -> list[NdrActionResultDTO]:
        """``POST /ndr/<awb>/action {"action": "re-attempt"|"return", "comments"}`` → 202,
        one call per AWB. The action body has only ``action`` and ``comments``
        (logistics-finance-notes.md §1), so a corrected phone/address or a date asked for
        goes into ``comments`` as text for the courier (ASSUMED useful: Shiprocket passes the
        comment to the courier's NDR desk)."""
        results = []
        for request in requests:
            wire = NDR_ACTIONS.get(request.action)
            if wire is None:
                results.append(
                    NdrActionResultDTO(
                        request.awb, ok=False, error=f"unknown action {request.action!r}"
                    )
                )
                continue
            notes = [request.remark.strip()] if request.remark.strip() else []
            if request.reattempt_on:
                notes.append(f"Re-attempt on {request.reattempt_on.isoformat()}")
            if request.phone:
                notes.append(f"Phone: {request.phone}")
            if request.address:
                notes.append(f"Address: {request.address}")
            comments = ". ".join(notes) or (
                "Re-attempt delivery" if wire == "re-attempt" else "Return to origin"
            )
            try:
                response = self.client.request(
                    "ndr",
                    "POST",
                    NDR_ACTION_PATH.format(awb=request.awb),
                    json={"action": wire, "comments": comments},
                    idempotent=True,
                )
            except ConnectorError as exc:
                if exc.permanent or exc.status is None or exc.status >= 500 or exc.status == 429:
                    raise
                results.append(
                    NdrActionResultDTO(request.awb, ok=False, error=exc.detail or str(exc))
                )
                continue
            try:
                raw = response.json() if response.content else {}
            except ValueError:
                raw = {}
            results.append(
                NdrActionResultDTO(request.awb, ok=True, raw=raw if isinstance(raw, dict) else {})
            )
        return results

    def ndr_list(self, *, page: int = 1, per_page: int = 50) -> list[dict[str, Any]]:
        """``GET /ndr/all?page&per_page`` → the items (``data``) of one page: shipments in NDR
        with ``reason``, ``attempts``, ``history`` (logistics-finance-notes.md §1; the
        ``data`` envelope is ASSUMED)."""
        body = self.client.json(
            "ndr", "GET", NDR_LIST_PATH, params={"page": page, "per_page": per_page}
        )
        items = body.get("data") if isinstance(body, dict) else body
        return [i for i in items or [] if isinstance(i, dict)]

    # --- webhook (Capability.WEBHOOKS) ---------------------------------------------------------
    def register_webhooks(self, *, callback_url: str) -> list[WebhookRegistration]:
        """Shiprocket's webhook URL is set in its panel, not by API: this issues the token
        and returns the one subscription to paste there, ``{callback_url}/<token>`` (token
        masked). Raises ``ConnectorError`` when the URL contains a word Shiprocket refuses
        (``PUBLIC_BASE_URL``'s domain, say): Shiprocket would not save it."""
        word = webhooks.forbidden_word(callback_url)
        if word:
            raise ConnectorError(
                f"shiprocket: Shiprocket refuses webhook URLs containing {word!r}, and "
                f"{callback_url} does; serve Sangam under another domain for Shiprocket.",
                permanent=True,
            )
        token = self.push_token()
        masked = f"{callback_url.rstrip('/')}/{token[:6]}…"
        return [WebhookRegistration(topic=mapping.WEBHOOK_TOPIC, remote_id="", callback_url=masked)]

    def list_webhooks(self) -> list[WebhookRegistration]:
        """Shiprocket cannot list webhook URLs by API: always ``[]``."""
        return []
