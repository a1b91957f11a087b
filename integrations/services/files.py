"""Seller-panel exports (Meesho, Myntra, Ajio): store the upload, queue its import run, and
resolve the column mapping profile the connector reads it with.

An upload becomes a ``FileImport`` and a ``SyncRun`` on stream ``file:<id>`` (one run per file,
so two uploads never wait on each other's unique active run). The run streams the file through
the channel connector's ``parse_file`` into ``orders_import`` (see ``sync._run_file``); bad rows
are quarantined as ``SyncLog`` rows with their row number, column and reason.
"""

from __future__ import annotations

import hashlib
import logging
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Q

from integrations.connectors.base import ConnectType
from integrations.models import ChannelAccount, FileColumnProfile, FileImport, SyncRun
from integrations.registry import get_connector_class

logger = logging.getLogger(__name__)

ACCEPTED_SUFFIXES = (".csv", ".xlsx", ".txt", ".tsv")


class FileImportError(ValueError):
    """The upload cannot be imported (wrong channel type, empty, too large, wrong format)."""


def file_profile(*, account: ChannelAccount) -> dict[str, Any]:
    """The staff overrides of ``account``'s column mapping: the platform-wide profile with the
    merchant's own on top (entry by entry for the mapping keys, so a ``null`` entry that removes
    a default column survives). The connector merges it over its ``default_profile``."""
    from integrations.connectors.files.profile import MERGED_KEYS

    rows = FileColumnProfile.objects.filter(
        Q(merchant__isnull=True) | Q(merchant_id=account.merchant_id), provider=account.provider
    )
    override: dict[str, Any] = {}
    # The platform-wide profile first, then the merchant's own on top.
    for row in sorted(rows, key=lambda r: r.merchant_id is not None):
        for key, value in (row.profile or {}).items():
            if key in MERGED_KEYS and isinstance(value, dict):
                override[key] = {**override.get(key, {}), **value}
            else:
                override[key] = value
    return override


def file_import_start(
    *, account: ChannelAccount, upload: UploadedFile, user=None, background: bool = False
) -> tuple[FileImport, SyncRun]:
    """Store ``upload`` for ``account`` and queue its import run; returns both.

    Raises ``FileImportError`` when the account is not a file channel, or the file is empty,
    larger than ``FILE_UPLOAD_MAX_BYTES``, neither CSV nor XLSX, a CSV in an encoding that
    cannot be read, or an XLSX beyond the ``FILE_IMPORT_MAX_*`` limits (see
    ``file_upload_check``). Nothing is stored then; the rows are parsed by the run, not here.
    """
    from integrations.services.sync import request_sync

    name, is_xlsx = file_upload_check(account=account, upload=upload)
    # One pass over the upload: its content hash and (for text) its line count.
    digest = hashlib.sha256()
    lines = 0
    for chunk in upload.chunks():
        digest.update(chunk)
        lines += chunk.count(b"\n")
    upload.seek(0)
    with transaction.atomic():
        record = FileImport(
            account=account,
            original_name=name[:255],
            size=upload.size,
            sha256=digest.hexdigest(),
            uploaded_by=user if getattr(user, "is_authenticated", False) else None,
        )
        record.file.save(name, upload, save=False)
        record.save()
        estimate = xlsx_rows(record.file.path) if is_xlsx else max(0, lines - 1)
        (run,) = request_sync(account=account, streams=[f"file:{record.pk}"], background=background)
        run.checkpoint = {**run.checkpoint, "rows_estimate": estimate}
        run.save(update_fields=["checkpoint"])
        record.run = run
        record.save(update_fields=["run"])
    logger.info("file import %s queued for account %s (%s B)", record.pk, account.pk, upload.size)
    return record, run


def file_upload_check(*, account: ChannelAccount, upload: UploadedFile) -> tuple[str, bool]:
    """Refuse what cannot be imported before anything is stored: ``(file name, is XLSX)``.

    Only cheap checks run here, in the request (the rows are parsed by the import run): the
    size (``FILE_UPLOAD_MAX_BYTES``), the type sniffed from the first bytes, for a CSV its
    encoding (UTF-32 and BOM-less UTF-16 are refused), and for an XLSX its zip directory
    against the ``FILE_IMPORT_MAX_*`` limits (entries, uncompressed bytes, compression ratio,
    shared-strings bytes; see ``connectors.files.limits``) — nothing is decompressed. Raises
    ``FileImportError`` with the reason."""
    from integrations.connectors.files.errors import FileFormatError
    from integrations.connectors.files.limits import ImportLimits
    from integrations.connectors.files.reader import check_text_head
    from integrations.connectors.files.xlsx import inspect_zip

    if get_connector_class(account.provider).connect_type != ConnectType.FILE:
        raise FileImportError(f"{account.get_provider_display()} imports orders by API, not files.")
    name = (upload.name or "export.csv").rsplit("/", 1)[-1]
    if upload.size == 0:
        raise FileImportError("The file is empty.")
    if upload.size > settings.FILE_UPLOAD_MAX_BYTES:
        raise FileImportError(
            f"The file is larger than {settings.FILE_UPLOAD_MAX_BYTES // (1024 * 1024)} MB."
        )
    upload.seek(0)
    head = upload.read(4096)
    upload.seek(0)
    is_xlsx = head.startswith(b"PK")
    if not is_xlsx and not name.lower().endswith(ACCEPTED_SUFFIXES):
        raise FileImportError("Upload the export as CSV or XLSX.")
    try:
        if is_xlsx:
            inspect_zip(upload, ImportLimits.from_settings())
        else:
            check_text_head(head)
    except FileFormatError as exc:
        raise FileImportError(str(exc)) from None
    finally:
        upload.seek(0)
    return name, is_xlsx


def xlsx_rows(path: str) -> int | None:
    """About how many data rows the first sheet of an XLSX holds (its ``<dimension>``, read
    from the sheet's first 64 KiB, at most ``FILE_IMPORT_MAX_ROWS``; for progress bars); None
    if the workbook does not say. Never parses the workbook."""
    from integrations.connectors.files.limits import ImportLimits
    from integrations.connectors.files.xlsx import first_sheet_rows_estimate

    estimate = first_sheet_rows_estimate(path)
    return None if estimate is None else min(estimate, ImportLimits.from_settings().max_rows)
