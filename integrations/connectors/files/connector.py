"""``FileImportConnector``: the base of channels whose orders arrive as uploaded exports.

No network: ``check_credentials`` only names the account, and ``parse_file`` reads a file the
seller downloaded from the channel's panel (channel-apis.md §4). Subclasses declare metadata
and ``default_profile`` (see :mod:`.profile`).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import datetime
from typing import Any, ClassVar

from integrations.connectors.base import Capability, Connector, ConnectType, ProviderKind
from integrations.connectors.files import orders
from integrations.connectors.files.profile import merge_profile
from integrations.connectors.files.reader import open_sheets
from integrations.dto import OrderDTO, RecordFailure, ReturnDTO


class FileImportConnector(Connector):
    """A marketplace read from order exports (CSV or XLSX).

    ``default_profile`` is the channel's column-mapping profile (plain JSON); the profile given
    to ``parse_file`` overrides it key by key (``columns``, ``status_map`` and ``defaults``
    entry by entry). The connect form has no secrets: the account key and an optional store
    name land in ``account.settings``.
    """

    kind = ProviderKind.COMMERCE
    connect_type = ConnectType.FILE
    capabilities = frozenset({Capability.FILE_IMPORT})
    default_profile: ClassVar[dict[str, Any]] = {}

    def check_credentials(self) -> dict[str, Any]:
        """``{"name": <store name or "<label> <account key>">}``; no network call."""
        name = str(self.account.settings.get("store_name") or "").strip()
        return {"name": name or f"{self.label} {self.account.external_id}"}

    @classmethod
    def profile(cls, override: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """The validated profile: ``default_profile`` with ``override`` applied. Raises
        ``ProfileError``."""
        return merge_profile(cls.default_profile, override)

    def parse_file(
        self,
        path: str,
        *,
        filename: str = "",
        profile: Mapping[str, Any] | None = None,
        as_of: datetime | None = None,
    ) -> Iterator[tuple[OrderDTO | ReturnDTO, ...] | RecordFailure]:
        """Stream the export at ``path`` (CSV or XLSX; ``filename`` is the uploaded name):
        per order ``(OrderDTO, ReturnDTO…)`` (a return for each RTO or returned row, by the
        profile's ``return_map``), per bad order a ``RecordFailure`` whose ``error`` reads
        ``Row n, column 'X': reason``. ``as_of`` (aware; the upload time) becomes every
        order's ``updated_at`` — without it, the order date.

        Raises ``ProfileError`` at once for a bad ``profile``, and ``FileFormatError``
        (unreadable file, missing required column) when iteration starts."""
        resolved = self.profile(profile)
        return self._stream(path, filename, resolved, as_of)

    def _stream(
        self, path: str, filename: str, profile: dict[str, Any], as_of: datetime | None
    ) -> Iterator[tuple[OrderDTO | ReturnDTO, ...] | RecordFailure]:
        with open_sheets(path, filename) as sheets:
            yield from orders.parse_stream(sheets, profile, channel=self.id, as_of=as_of)

    @classmethod
    def parse_record(
        cls,
        stream: str,
        payload: dict[str, Any],
        profile: Mapping[str, Any] | None = None,
        as_of: datetime | None = None,
    ) -> list[OrderDTO | ReturnDTO] | RecordFailure:
        """Reprocess a quarantined order (the order and its rows' returns, as ``parse_file``
        gives them): ``payload`` is a ``RecordFailure`` payload
        (``{"row": n, "values": {...}}`` or ``{"rows": [...]}``), read with ``profile`` (the
        account's overrides, as for ``parse_file``; the engine passes the current ones, so a
        row quarantined under a wrong mapping imports once staff fixed it) and ``as_of`` (the
        upload time of its file, as for ``parse_file``). Every stream of a file channel
        carries orders, so ``stream`` is not used. Raises ``ProfileError`` for a bad
        ``profile``."""
        return orders.parse_payload(payload, cls.profile(profile), channel=cls.id, as_of=as_of)
