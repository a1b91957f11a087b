"""Delhivery-shaped paths under ``<client_name>/`` (mounted at ``sandbox/delhivery/``): an
account's API root is ``/sandbox/delhivery/<client_name>``, under which a connector sends the
paths it would send to ``https://track.delhivery.com`` (channel-apis.md §5.1)."""

from __future__ import annotations

from django.urls import path

from sandbox.delhivery import views

app_name = "sandbox_delhivery"

urlpatterns = [
    path("<str:client_name>/c/api/pin-codes/json/", views.pin_codes, name="pin-codes"),
    path("<str:client_name>/api/cmu/create.json", views.create, name="create"),
    path("<str:client_name>/api/p/edit", views.edit, name="edit"),
    path("<str:client_name>/api/v1/packages/json/", views.track, name="track"),
    path("<str:client_name>/api/kinko/v1/invoice/charges/.json", views.charges, name="charges"),
    path("<str:client_name>/api/p/packing_slip", views.packing_slip, name="packing-slip"),
    path("<str:client_name>/api/p/update", views.ndr_update, name="ndr-update"),
    path("<str:client_name>/api/cmu/get_bulk_upl/<str:upl>", views.upl_status, name="upl"),
]
