"""``POST /api/shipments/generate-label`` and ``GET /api/shipments/batches/{id}``: few orders
are booked in the request (by the rules, over HTTP to the Delhivery sandbox) with one label
PDF; many become a background batch (202, its status URL) that books them and renders the
labels; another merchant's order ids are a 404 with nothing booked; a bad body or account is
a 400 with reasons; viewers get 403; another merchant's batch is a 404; both are in the
OpenAPI schema."""

from __future__ import annotations

import pypdfium2
import pytest
from django.core.files.storage import default_storage
from rest_framework.test import APIClient

from accounts.models import Role
from integrations.services.accounts import connect_with_credentials
from shipments.models import BatchStatus, CourierRule, Shipment, ShipmentBatch
from tests.factories import ChannelAccountFactory, MembershipFactory
from tests.shipments.conftest import shippable_order


def sandbox_courier(merchant, name: str):
    from sandbox.delhivery.seed import default_token, seed_client

    seed_client(name, warehouse=f"{name}-WH", warehouse_pin="110044")
    account = connect_with_credentials(
        merchant=merchant,
        provider="delhivery",
        data={
            "api_token": default_token(name),
            "client_name": name,
            "pickup_location": f"{name}-WH",
        },
        use_sandbox=True,
    )
    account.refresh_from_db()
    return account


def api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def pages(path: str) -> int:
    with default_storage.open(path) as handle:
        return len(pypdfium2.PdfDocument(handle.read()))


@pytest.fixture
def run_now(monkeypatch):
    """Queued tasks run at once, in the test's thread."""
    import integrations.tasks as tasks

    monkeypatch.setattr(tasks, "enqueue", lambda task, *args, **kw: task.apply(args=args))


@pytest.mark.django_db(transaction=True)
def test_few_orders_are_booked_at_once_by_the_rules_with_one_label_pdf(hub, media_root, run_now):
    owner = MembershipFactory(role=Role.OWNER)
    store = ChannelAccountFactory(merchant=owner.merchant, provider="flipkart")
    pune = sandbox_courier(owner.merchant, "GL-PUNE")
    national = sandbox_courier(owner.merchant, "GL-NATIONAL")
    CourierRule.objects.create(
        merchant=owner.merchant, account=pune, name="Pune", priority=1, pincodes="411"
    )
    CourierRule.objects.create(
        merchant=owner.merchant, account=national, name="Default", priority=99
    )
    local = shippable_order(store, ship_pincode="411005")
    far = shippable_order(store, ship_pincode="560034")
    nowhere = shippable_order(store, ship_pincode="999999")

    response = api(owner.user).post(
        "/api/shipments/generate-label",
        {"order_ids": [local.pk, far.pk, nowhere.pk]},
        format="json",
    )

    assert response.status_code == 201, response.content
    body = response.json()
    assert {(s["order"], s["account"]) for s in body["shipments"]} == {
        (local.pk, pune.pk),
        (far.pk, national.pk),
    }
    assert [r["order_id"] for r in body["refused"]] == [nowhere.pk]
    assert "999999" in body["refused"][0]["reason"]
    assert "Pune" in body["routes"][str(local.pk)]
    assert body["label_url"].startswith("http://")
    label = Shipment.objects.get(order=local).label.name
    assert pages(label) == 2


@pytest.mark.django_db(transaction=True)
def test_many_orders_become_a_batch_that_books_them_and_renders_the_labels(
    hub, media_root, run_now, settings
):
    settings.SHIPMENT_SYNC_BOOK_MAX = 2
    owner = MembershipFactory(role=Role.OWNER)
    store = ChannelAccountFactory(merchant=owner.merchant, provider="flipkart")
    courier = sandbox_courier(owner.merchant, "GL-BATCH")
    orders = [shippable_order(store, ship_pincode="411005") for _ in range(3)]
    gone = shippable_order(store, ship_pincode="411005", status="cancelled")
    client = api(owner.user)

    queued = client.post(
        "/api/shipments/generate-label",
        {"order_ids": [o.pk for o in [*orders, gone]], "account_id": courier.pk},
        format="json",
    )

    assert queued.status_code == 202, queued.content
    status_url = queued.json()["status_url"]
    assert status_url.endswith(f"/api/shipments/batches/{queued.json()['batch_id']}")
    batch = client.get(status_url).json()
    assert batch["status"] == BatchStatus.DONE
    assert (batch["total"], batch["done"], batch["failed"], batch["percent"]) == (4, 3, 1, 100)
    assert batch["errors"][0]["order_id"] == gone.pk
    assert "cancelled" in batch["errors"][0]["reason"]
    assert len(batch["shipment_ids"]) == 3
    assert batch["label_url"]
    assert pages(ShipmentBatch.objects.get().label.name) == 3
    assert set(Shipment.objects.values_list("account_id", flat=True)) == {courier.pk}


@pytest.mark.django_db
def test_another_merchants_order_ids_are_a_404_and_nothing_is_booked(
    owner_api, shop, courier, outsider
):
    mine = shippable_order(shop)
    theirs = shippable_order(ChannelAccountFactory(merchant=outsider.merchant))

    response = owner_api.post(
        "/api/shipments/generate-label",
        {"order_ids": [mine.pk, theirs.pk], "account_id": courier.pk},
        format="json",
    )

    assert response.status_code == 404
    assert response.json()["order_ids"] == [theirs.pk]
    assert not Shipment.objects.exists()
    assert not ShipmentBatch.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "order_ids"),
        ({"order_ids": []}, "order_ids"),
        ({"order_ids": ["x"]}, "order_ids"),
        ({"order_ids": [0]}, "order_ids"),
        ({"order_ids": list(range(1, 502))}, "order_ids"),
        ({"order_ids": [1], "account_id": "abc"}, "account_id"),
    ],
)
def test_a_bad_body_is_a_400_with_the_reason(owner_api, body, field):
    response = owner_api.post("/api/shipments/generate-label", body, format="json")

    assert response.status_code == 400
    assert field in response.json()


@pytest.mark.django_db
def test_a_foreign_or_non_courier_account_is_a_400(owner_api, shop, foreign_courier):
    order = shippable_order(shop)

    for account in (foreign_courier, shop):
        response = owner_api.post(
            "/api/shipments/generate-label",
            {"order_ids": [order.pk], "account_id": account.pk},
            format="json",
        )
        assert response.status_code == 400
        assert response.json() == {"account_id": ["No such courier account."]}
    assert not Shipment.objects.exists()


@pytest.mark.django_db
def test_viewers_get_403_and_another_merchants_batch_is_404(viewer_api, owner_api, shop, outsider):
    order = shippable_order(shop)
    theirs = ShipmentBatch.objects.create(merchant=outsider.merchant, order_ids=[1], total=1)
    mine = ShipmentBatch.objects.create(merchant=shop.merchant, order_ids=[order.pk], total=1)

    refused = viewer_api.post(
        "/api/shipments/generate-label", {"order_ids": [order.pk]}, format="json"
    )

    assert refused.status_code == 403
    assert owner_api.get(f"/api/shipments/batches/{theirs.pk}").status_code == 404
    assert owner_api.get(f"/api/shipments/batches/{mine.pk}").json()["status"] == "queued"
    assert viewer_api.get(f"/api/shipments/batches/{mine.pk}").status_code == 200


@pytest.mark.django_db
def test_the_endpoints_are_in_the_openapi_schema(owner_api):
    schema = owner_api.get("/api/schema", {"format": "json"}).json()

    assert "post" in schema["paths"]["/api/shipments/generate-label"]
    assert "get" in schema["paths"]["/api/shipments/batches/{batch_id}"]
    responses = schema["paths"]["/api/shipments/generate-label"]["post"]["responses"]
    assert {"201", "202", "400", "404"} <= set(responses)


@pytest.mark.django_db
def test_a_batch_whose_courier_refuses_the_call_records_each_order_and_ends(owner, scripted_server):
    from shipments.services.batches import shipment_batch_create, shipment_batch_run
    from tests.integrations.conftest import Reply

    store = ChannelAccountFactory(merchant=owner.merchant, provider="flipkart")
    courier = ChannelAccountFactory(
        merchant=owner.merchant,
        provider="delhivery",
        external_id="DOWN",
        api_base_url=scripted_server.url,
        credentials={"api_token": "t", "client_name": "DOWN"},
    )
    scripted_server.script(Reply(status=400, body={"error": "bad request"}))
    orders = [shippable_order(store) for _ in range(2)]
    batch = shipment_batch_create(
        merchant=owner.merchant, order_ids=[o.pk for o in orders], account=courier
    )

    assert shipment_batch_run(batch_id=batch.pk) == BatchStatus.DONE
    assert shipment_batch_run(batch_id=batch.pk) == "skipped"  # claimed once
    batch.refresh_from_db()
    assert (batch.done, batch.failed, batch.label.name) == (0, 2, "")
    assert all("could not be reached" in r for r in batch.errors.values())
    assert batch.finished_at is not None
    assert not Shipment.objects.exists()
