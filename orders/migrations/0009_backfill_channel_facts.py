"""Backfill the channel facts of ``0008`` from the stored ``raw`` and ``tags``, exactly as the
code before them read those (so existing rows behave the same):

- ``Order.payment_known`` false for an order whose ``raw`` holds ``report_rows`` and no
  ``order`` (imported from an Amazon report, payment method not read yet);
- ``Order.fulfilled_by_channel`` for an order tagged ``AFN``;
- ``Return.channel_open`` for a return whose ``raw["return"]["status"]`` is ``REQUESTED`` or
  ``OPEN`` (Shopify);
- ``Return.refreshable`` for a return ``return:<id>`` of a Shopify account;
- ``Return.supersedes``: ``refund:<id>`` of each of the ``raw["refunds"]`` of such a return;
- ``Return.restocks``: the refund lines of ``raw`` (a Shopify return's ``refunds``, a refund
  return's ``refund_line_item`` or ``lines``) with ``restock_type`` ``return`` or
  ``legacy_restock`` and an integer quantity, timed by their refund's ``created_at``.

Self-contained (a migration imports no provider code). ``raw`` is left as it is.
"""

from datetime import UTC, datetime

from django.db import migrations

BATCH = 500
RESTOCKED_TYPES = frozenset({"return", "legacy_restock"})


def _time(value):
    if value in (None, ""):
        return None
    try:
        parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None
    if parsed.tzinfo is None:
        return None
    return parsed.astimezone(UTC).isoformat()


def _refund_events(raw):
    if "refunds" in raw:
        for body in raw.get("refunds") or []:
            for line in body.get("refund_line_items") or []:
                yield body.get("created_at"), line
        return
    for line in raw.get("lines") or [raw]:
        if line.get("refund_line_item"):
            yield line.get("created_at"), line["refund_line_item"]


def _restocks(raw):
    rows = []
    for created_at, line in _refund_events(raw):
        quantity = line.get("quantity")
        if str(line.get("restock_type") or "").lower() not in RESTOCKED_TYPES or not isinstance(
            quantity, int
        ):
            continue
        sku = ((line.get("line_item") or {}).get("sku") or "").strip()
        rows.append({"sku": sku, "quantity": int(quantity), "at": _time(created_at)})
    return rows


def _supersedes(external_id, raw):
    if not external_id.startswith("return:"):
        return []
    return [f"refund:{r['id']}" for r in raw.get("refunds") or [] if r.get("id")]


def backfill(apps, schema_editor):
    Order = apps.get_model("orders", "Order")
    Return = apps.get_model("orders", "Return")
    Order.objects.filter(raw__has_key="report_rows").exclude(raw__has_key="order").update(
        payment_known=False
    )
    afn = [
        pk
        for pk, tags in Order.objects.values_list("pk", "tags").iterator(chunk_size=BATCH)
        if isinstance(tags, list) and "AFN" in tags
    ]
    for start in range(0, len(afn), BATCH):
        Order.objects.filter(pk__in=afn[start : start + BATCH]).update(fulfilled_by_channel=True)
    Return.objects.filter(raw__return__status__in=("REQUESTED", "OPEN")).update(channel_open=True)
    Return.objects.filter(account__provider="shopify", external_id__startswith="return:").update(
        refreshable=True
    )
    changed = []
    for ret in Return.objects.only("pk", "external_id", "raw").iterator(chunk_size=BATCH):
        raw = ret.raw if isinstance(ret.raw, dict) else {}
        ret.restocks = _restocks(raw)
        ret.supersedes = _supersedes(ret.external_id, raw)
        if ret.restocks or ret.supersedes:
            changed.append(ret)
        if len(changed) >= BATCH:
            Return.objects.bulk_update(changed, ["restocks", "supersedes"])
            changed = []
    if changed:
        Return.objects.bulk_update(changed, ["restocks", "supersedes"])


class Migration(migrations.Migration):
    dependencies = [("orders", "0008_channel_facts")]

    operations = [migrations.RunPython(backfill, migrations.RunPython.noop)]
