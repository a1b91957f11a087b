"""``returns_import``: customer returns and RTOs reported by a channel, recorded against their
orders (Flipkart ``/v2/returns``; later Shopify refunds, file imports and courier RTO).

Idempotent like orders: keyed on (account, external_id); a version not newer than the stored
one (``updated_at``) is skipped. Stock is not moved here: restocking on receipt and QC belongs to
the inventory's return flow, which reads these records.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.db import transaction

from integrations.dto import ImportResult, RecordFailure, ReturnDTO
from orders.models import Order, Return, ReturnItem


def returns_import(*, account, returns: Sequence[ReturnDTO], source: str = "sync") -> ImportResult:
    """Create or update a batch of returns of one account; returns counts.

    DTOs sharing an ``external_id`` are one return with several lines. A return whose order is
    not imported yet is kept with ``order`` null and linked by ``attach_returns_to_orders`` when
    the order arrives. A record that fails is quarantined (``ImportResult.failures``)."""
    groups: dict[str, list[ReturnDTO]] = {}
    for dto in returns:
        groups.setdefault(dto.external_id, []).append(dto)
    result = ImportResult()
    for external_id, dtos in groups.items():
        try:
            with transaction.atomic():
                outcome = _upsert(account, external_id, dtos)
        except Exception as exc:  # noqa: BLE001 - one bad return never fails the batch
            result.failures.append(
                RecordFailure(external_id, f"{type(exc).__name__}: {exc}", dtos[0].raw)
            )
            continue
        setattr(result, outcome, getattr(result, outcome) + 1)
    return result


def _upsert(account, external_id: str, dtos: list[ReturnDTO]) -> str:
    head = max(dtos, key=lambda d: d.updated_at)
    existing = (
        Return.objects.select_for_update().filter(account=account, external_id=external_id).first()
    )
    if existing is not None and head.updated_at <= existing.source_updated_at:
        return "skipped"
    order = (
        Order.objects.filter(account=account, external_id=head.order_external_id).only("pk").first()
    )
    values = {
        "merchant_id": account.merchant_id,
        "channel": account.provider,
        "order": order,
        "order_external_id": head.order_external_id,
        "kind": head.kind,
        "status": head.status,
        "reason": head.reason[:255],
        "sub_reason": head.sub_reason[:255],
        "tracking_id": head.tracking_id[:100],
        "requested_at": min(d.created_at for d in dtos),
        "source_updated_at": head.updated_at,
        "raw": head.raw if len(dtos) == 1 else {"lines": [d.raw for d in dtos]},
    }
    if existing is None:
        ret = Return.objects.create(account=account, external_id=external_id, **values)
    else:
        ret = existing
        for key, value in values.items():
            setattr(ret, key, value)
        ret.save()
        ret.items.all().delete()
    lines: dict[str, ReturnItem] = {}
    for dto in dtos:
        key = dto.order_item_external_id or dto.sku
        line = lines.get(key)
        if line is None:
            lines[key] = ReturnItem(
                return_request=ret,
                order_item_external_id=key,
                sku=dto.sku[:255],
                quantity=dto.quantity,
            )
        else:
            line.quantity += dto.quantity
    ReturnItem.objects.bulk_create(lines.values())
    return "created" if existing is None else "updated"


def attach_returns_to_orders(*, account, orders: Sequence[tuple[int, str]]) -> int:
    """Link returns that arrived before their order: ``orders`` are (order pk, external id)
    pairs just imported. One query when nothing is waiting (the usual case)."""
    by_external = {ext: pk for pk, ext in orders}
    waiting = list(
        Return.objects.filter(
            account=account, order__isnull=True, order_external_id__in=list(by_external)
        ).only("pk", "order_external_id")
    )
    for ret in waiting:
        ret.order_id = by_external[ret.order_external_id]
        ret.save(update_fields=["order", "updated_at"])
    return len(waiting)


def unknown_order_ids(*, account, order_external_ids: Sequence[str]) -> list[str]:
    """Of ``order_external_ids``, those the account has no order for (one query)."""
    wanted = set(order_external_ids)
    known = set(
        Order.objects.filter(account=account, external_id__in=wanted).values_list(
            "external_id", flat=True
        )
    )
    return sorted(wanted - known)
