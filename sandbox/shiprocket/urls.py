"""Shiprocket-shaped paths under ``<email>/`` (mounted at ``sandbox/shiprocket/``): an
account's API root is ``/sandbox/shiprocket/<email>``, under which a connector sends the paths
it would send under ``https://apiv2.shiprocket.in/v1/external`` (the ``v1/external`` prefix is
accepted too)."""

from __future__ import annotations

from django.urls import path

from sandbox.shiprocket import views

app_name = "sandbox_shiprocket"

ROUTES = [
    ("auth/login", views.login, "login"),
    ("orders/create/adhoc", views.create_adhoc, "create-adhoc"),
    ("orders/cancel", views.cancel, "cancel"),
    ("courier/assign/awb", views.assign_awb, "assign-awb"),
    ("courier/serviceability/", views.serviceability, "serviceability"),
    ("courier/generate/label", views.label, "label"),
    ("courier/generate/pickup", views.pickup, "pickup"),
    ("manifests/generate", views.manifest, "manifest"),
    ("courier/track/awbs", views.track_awbs, "track-awbs"),
    ("courier/track/awb/<str:awb>", views.track_awb, "track-awb"),
    ("ndr/all", views.ndr_all, "ndr-all"),
    ("ndr/<str:awb>/action", views.ndr_action, "ndr-action"),
]

urlpatterns = [
    *(path(f"<str:user>/{route}", view, name=name) for route, view, name in ROUTES),
    *(path(f"<str:user>/v1/external/{route}", view) for route, view, _ in ROUTES),
    path(
        "<str:user>/files/<int:company_id>/<str:kind>/<str:ids>.pdf",
        views.document,
        name="document",
    ),
]
