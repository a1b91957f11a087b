"""Staff tools for file channels: upload an export for any merchant's account in the admin
(imported by the same run as a dashboard upload) and edit column mapping profiles, which are
validated against the connector's profile rules."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from integrations.models import ChannelAccount, FileColumnProfile, FileImport, SyncRun, SyncStatus
from orders.models import Order
from sandbox.files.exports import write_meesho_orders_csv
from tests.factories import MerchantFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media_and_inline_runs(settings, tmp_path, monkeypatch):
    import integrations.tasks as tasks

    settings.MEDIA_ROOT = str(tmp_path / "media")
    monkeypatch.setattr(tasks, "enqueue", lambda task, *args, **kw: task.apply(args=args))
    monkeypatch.setattr(
        "django.db.transaction.on_commit", lambda func, using=None, robust=False: func()
    )


@pytest.fixture
def meesho():
    return ChannelAccount.objects.create(
        merchant=MerchantFactory(), provider="meesho", external_id="SUP9"
    )


def test_staff_upload_an_export_for_a_merchants_account(admin_client, meesho, tmp_path):
    path = tmp_path / "orders.csv"
    skus = [("MS-1", "Kurta", Decimal("499"))]
    write_meesho_orders_csv(path, skus=skus, rows=12, start=date(2026, 8, 1), bad_rows=1)

    response = admin_client.post(
        reverse("admin:integrations_fileimport_add"),
        {"account": meesho.pk, "file": SimpleUploadedFile("orders.csv", path.read_bytes())},
        follow=True,
    )

    assert response.status_code == 200
    record = FileImport.objects.get()
    assert record.account == meesho
    run = SyncRun.objects.get(pk=record.run_id)
    assert (run.status, run.created, run.failed) == (SyncStatus.SUCCEEDED, 11, 1)
    assert Order.objects.filter(account=meesho).count() == 11


def test_the_admin_refuses_an_upload_for_an_api_channel(admin_client, meesho):
    amazon = ChannelAccount.objects.create(
        merchant=meesho.merchant, provider="amazon", external_id="A1"
    )
    response = admin_client.post(
        reverse("admin:integrations_fileimport_add"),
        {"account": amazon.pk, "file": SimpleUploadedFile("a.csv", b"x\n")},
    )
    assert response.status_code == 200  # the form again, with the reason
    assert FileImport.objects.count() == 0


def test_a_column_profile_is_validated_before_it_is_saved(admin_client):
    url = reverse("admin:integrations_filecolumnprofile_add")
    bad = admin_client.post(
        url, {"provider": "myntra", "profile": json.dumps({"columns": {"no_such_field": "X"}})}
    )
    assert bad.status_code == 200
    assert FileColumnProfile.objects.count() == 0
    not_json = admin_client.post(url, {"provider": "myntra", "profile": "{columns"})
    assert "Not valid JSON" in not_json.content.decode()

    good = admin_client.post(
        url,
        {"provider": "myntra", "profile": json.dumps({"columns": {"sku": ["Seller SKU Code"]}})},
    )
    assert good.status_code == 302
    assert FileColumnProfile.objects.get().profile == {"columns": {"sku": ["Seller SKU Code"]}}
