"""File channels end to end through the engine: an upload (API, dashboard, admin) becomes a
``FileImport`` and a ``file:<id>`` run that imports good rows, quarantines bad ones with row,
column and reason, reserves stock, and changes nothing when the same file comes again."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from integrations.models import (
    ChannelAccount,
    FileColumnProfile,
    FileImport,
    SyncLog,
    SyncRun,
    SyncStatus,
)
from integrations.services.files import file_profile
from inventory.models import StockLevel
from inventory.services import default_warehouse
from orders.models import Order
from sandbox.files.exports import write_meesho_orders_csv, write_meesho_orders_xlsx
from tests.factories import MembershipFactory, VariantFactory
from tests.fixtures.files import fixture_path

pytestmark = pytest.mark.django_db

SKUS = [(f"MS-{n:03d}", f"Cotton kurta {n}", Decimal("499.00")) for n in range(5)]


@pytest.fixture(autouse=True)
def _media(media_root):
    """Uploads in the test's directory."""


@pytest.fixture
def meesho(merchant):
    return ChannelAccount.objects.create(
        merchant=merchant, provider="meesho", external_id="SUP123", display_name="Meesho SUP123"
    )


@pytest.fixture
def stock(merchant):
    warehouse = default_warehouse(merchant.pk)
    for sku, title, price in SKUS:
        variant = VariantFactory(
            product__merchant=merchant, merchant=merchant, sku=sku, title=title, price=price
        )
        StockLevel.objects.create(warehouse=warehouse, variant=variant, on_hand=1000)


def upload(path: str | Path, name: str | None = None) -> SimpleUploadedFile:
    path = Path(path)
    return SimpleUploadedFile(name or path.name, path.read_bytes())


@pytest.fixture(autouse=True)
def _run_queued_imports(monkeypatch):
    """Run a queued import at once, in this thread and transaction (the API queues it for a
    worker, or a background thread without a broker, after commit)."""
    import integrations.tasks as tasks

    monkeypatch.setattr(tasks, "enqueue", lambda task, *args, **kw: task.apply(args=args))
    monkeypatch.setattr(
        "django.db.transaction.on_commit", lambda func, using=None, robust=False: func()
    )


def post(api_client, provider: str, file, **extra):
    return api_client.post(
        f"/api/integrations/providers/{provider}/import",
        {"file": file, **extra},
        format="multipart",
    )


def test_upload_imports_good_rows_and_quarantines_bad_rows_with_row_column_reason(
    api_client, meesho, stock, tmp_path
):
    path = tmp_path / "Meesho Orders 01-Aug-26.csv"
    write_meesho_orders_csv(path, skus=SKUS, rows=60, start=date(2026, 8, 1), seed=3, bad_rows=4)

    response = post(api_client, "meesho", upload(path))

    assert response.status_code == 202, response.content
    body = response.json()
    run = SyncRun.objects.get(pk=body["sync_run_id"])
    assert run.stream == f"file:{body['import_id']}"
    assert run.status == SyncStatus.SUCCEEDED, run.error
    assert (run.created, run.failed) == (56, 4)
    assert Order.objects.filter(account=meesho).count() == 56
    logs = list(SyncLog.objects.filter(run=run))
    assert len(logs) == 4
    for log in logs:
        assert log.error.startswith("Row "), log.error
        assert "column '" in log.error
        assert log.payload["values"]  # the row as read, for reprocessing
    # Stock: open Meesho orders hold reservations on the shared pool.
    open_orders = Order.objects.filter(account=meesho, stock_reserved=True)
    assert open_orders.exists()
    assert sum(StockLevel.objects.values_list("reserved", flat=True)) > 0
    # The run (and its quarantined rows) through the API.
    detail = api_client.get(f"/api/integrations/sync-runs/{run.pk}").json()
    assert detail["failed"] == 4
    assert len(detail["logs"]) == 4


def test_the_same_file_again_changes_nothing(api_client, meesho, stock, tmp_path):
    path = tmp_path / "orders.csv"
    write_meesho_orders_csv(path, skus=SKUS, rows=40, start=date(2026, 8, 1), seed=4)
    first = post(api_client, "meesho", upload(path)).json()
    reserved = sorted(StockLevel.objects.values_list("variant_id", "on_hand", "reserved"))
    orders = sorted(Order.objects.values_list("external_id", "status", "total"))

    again = post(api_client, "meesho", upload(path))

    assert again.status_code == 202
    assert again.json()["seen_before"] is True
    assert first["seen_before"] is False
    run = SyncRun.objects.get(pk=again.json()["sync_run_id"])
    assert (run.status, run.created, run.updated, run.skipped) == (SyncStatus.SUCCEEDED, 0, 0, 40)
    assert sorted(StockLevel.objects.values_list("variant_id", "on_hand", "reserved")) == reserved
    assert sorted(Order.objects.values_list("external_id", "status", "total")) == orders


def test_xlsx_with_the_grouped_header_row_imports(api_client, meesho, stock, tmp_path):
    path = tmp_path / "orders.xlsx"
    write_meesho_orders_xlsx(path, skus=SKUS, rows=25, start=date(2026, 8, 1), seed=6)
    body = post(api_client, "meesho", upload(path)).json()
    run = SyncRun.objects.get(pk=body["sync_run_id"])
    assert (run.status, run.created, run.failed) == (SyncStatus.SUCCEEDED, 25, 0)


def test_a_file_missing_a_required_column_fails_the_run_with_the_reason(
    api_client, meesho, tmp_path
):
    path = tmp_path / "wrong.csv"
    path.write_text("Order,Thing\n1,2\n", encoding="utf-8")
    body = post(api_client, "meesho", upload(path)).json()
    run = SyncRun.objects.get(pk=body["sync_run_id"])
    assert run.status == SyncStatus.FAILED
    assert "Sub Order No" in run.error
    assert Order.objects.count() == 0


def test_a_row_quarantined_under_a_wrong_mapping_imports_once_staff_fix_the_profile(
    api_client, meesho, stock, tmp_path
):
    """Reprocessing reads the quarantined row with the account's column profile as it is now,
    not the channel's default (the seller panel wrote dates as "01 08 2026")."""
    from integrations.services.sync import sync_log_reprocess

    header = (
        "Reason for Credit Entry,Sub Order No,Order Date,Customer State,Product Name,SKU,Size,"
        "Quantity,Supplier Listed Price (Incl. GST + Commission),"
        "Supplier Discounted Price (Incl GST and Commision),Packet Id"
    )
    path = tmp_path / "Meesho Orders 01-Aug-26.csv"
    path.write_text(
        f"{header}\n"
        "PENDING,SO-1001,2026-08-01,Kerala,Cotton kurta 0,MS-000,M,1,599,499,PK1\n"
        "PENDING,SO-1002,01 08 2026,Kerala,Cotton kurta 1,MS-001,M,2,599,499,PK2\n",
        encoding="utf-8",
    )
    run = SyncRun.objects.get(pk=post(api_client, "meesho", upload(path)).json()["sync_run_id"])
    assert (run.created, run.failed) == (1, 1)
    (log,) = SyncLog.objects.filter(run=run)
    assert "column 'Order Date'" in log.error

    assert sync_log_reprocess(log=log) is False  # the default profile still cannot read it
    assert "Order Date" in log.error

    FileColumnProfile.objects.create(
        provider="meesho",
        merchant=meesho.merchant,
        profile={"date_formats": ["%d %m %Y", "%Y-%m-%d"]},
    )
    assert sync_log_reprocess(log=log) is True
    order = Order.objects.get(account=meesho, external_id="SO-1002")
    assert timezone.localtime(order.placed_at).date() == date(2026, 8, 1)  # IST
    assert order.items.get().quantity == 2
    assert order.stock_reserved
    # Its version is the upload time of its file, as for the rows imported with it.
    assert order.source_updated_at == FileImport.objects.get().created_at


@pytest.mark.parametrize(
    ("provider", "account_key", "fixture", "orders"),
    [("myntra", "SELLER9", "myntra_orders.csv", None), ("ajio", "DV1234", "ajio_orders.csv", None)],
)
def test_myntra_and_ajio_exports_import_with_their_default_profiles(
    api_client, merchant, provider, account_key, fixture, orders
):
    account = ChannelAccount.objects.create(
        merchant=merchant, provider=provider, external_id=account_key
    )
    body = post(api_client, provider, upload(fixture_path(fixture))).json()
    run = SyncRun.objects.get(pk=body["sync_run_id"])
    assert run.status == SyncStatus.SUCCEEDED, run.error
    assert run.created > 0
    assert run.failed >= 1  # each fixture ends with a deliberately bad row
    assert Order.objects.filter(account=account, channel=provider).count() == run.created


def test_bad_uploads_are_refused_with_a_reason_and_nothing_is_stored(api_client, meesho):
    assert post(api_client, "meesho", SimpleUploadedFile("a.csv", b"")).status_code == 400
    refused = post(api_client, "meesho", SimpleUploadedFile("a.pdf", b"%PDF-1.4"))
    assert refused.status_code == 400
    assert "CSV or XLSX" in refused.json()["error"]
    missing = api_client.post("/api/integrations/providers/meesho/import", {}, format="multipart")
    assert missing.status_code == 400
    assert missing.json()["field"] == "file"
    by_api = post(api_client, "amazon", SimpleUploadedFile("a.csv", b"x,y\n"))
    assert by_api.status_code == 400
    assert post(api_client, "nope", SimpleUploadedFile("a.csv", b"x\n")).status_code == 404
    assert FileImport.objects.count() == 0
    assert SyncRun.objects.count() == 0


def test_viewers_cannot_import(meesho, tmp_path):
    from rest_framework.test import APIClient

    viewer = MembershipFactory(merchant=meesho.merchant, role="viewer").user
    client = APIClient()
    client.force_authenticate(viewer)
    assert post(client, "meesho", SimpleUploadedFile("a.csv", b"x\n")).status_code == 403


def test_the_merchant_profile_overrides_the_platform_profile_entry_by_entry(meesho):
    FileColumnProfile.objects.create(
        provider="meesho", profile={"columns": {"sku": ["Supplier SKU"], "size": None}}
    )
    FileColumnProfile.objects.create(
        provider="meesho",
        merchant=meesho.merchant,
        profile={"columns": {"sku": ["My SKU"]}, "date_formats": ["%d.%m.%Y"]},
    )
    assert file_profile(account=meesho) == {
        "columns": {"sku": ["My SKU"], "size": None},
        "date_formats": ["%d.%m.%Y"],
    }


def test_the_hub_shows_a_drop_zone_and_imports_an_upload(client, meesho, stock, tmp_path):
    owner = MembershipFactory(merchant=meesho.merchant, role="owner").user
    client.force_login(owner)
    page = client.get("/").content.decode()
    assert f'action="/hub/accounts/{meesho.pk}/import/"' in page
    assert "Drop the orders export here" in page

    path = tmp_path / "orders.csv"
    write_meesho_orders_csv(path, skus=SKUS, rows=10, start=date(2026, 8, 1), seed=8)
    with open(path, "rb") as handle:
        response = client.post(f"/hub/accounts/{meesho.pk}/import/", {"file": handle})
    assert response.status_code == 302
    run = SyncRun.objects.get(account=meesho)
    assert (run.status, run.created) == (SyncStatus.SUCCEEDED, 10)
    hub = client.get("/").content.decode()
    assert "Import of orders" in hub  # the run is labelled with the file name
