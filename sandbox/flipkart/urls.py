"""Flipkart-shaped paths under ``<application_id>/`` (mounted by the project at
``sandbox/flipkart/``): the account's sandbox root is ``/sandbox/flipkart/<application_id>``,
under which the connector sends ``/oauth-service/oauth/token`` and ``/sellers/…`` exactly as it
would to ``https://api.flipkart.net``."""

from __future__ import annotations

from django.urls import path, re_path

from sandbox.flipkart import views

app_name = "sandbox_flipkart"

urlpatterns = [
    path("<str:application_id>/oauth-service/oauth/token", views.token, name="token"),
    re_path(
        r"^(?P<application_id>[^/]+)/sellers/v3/shipments/filter/?$",
        views.shipments_filter,
        name="shipments-filter",
    ),
    path(
        "<str:application_id>/sellers/v3/shipments",
        views.shipments_lookup,
        name="shipments",
    ),
    path("<str:application_id>/sellers/v2/returns", views.returns_search, name="returns"),
    path(
        "<str:application_id>/sellers/listings/v3/update/inventory",
        views.update_inventory,
        name="update-inventory",
    ),
    path(
        "<str:application_id>/sellers/listings/v3/update/price",
        views.update_price,
        name="update-price",
    ),
    path(
        "<str:application_id>/sellers/listings/v3/<str:sku_ids>",
        views.get_listings,
        name="listings",
    ),
]
