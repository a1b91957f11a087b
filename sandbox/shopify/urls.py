"""Shopify-shaped paths under ``<shop>/`` (mounted by the project at ``sandbox/shopify/``)."""

from __future__ import annotations

from django.urls import path

from sandbox.shopify import views

app_name = "sandbox"

urlpatterns = [
    path("<str:shop>/admin/oauth/authorize", views.authorize, name="oauth-authorize"),
    path("<str:shop>/admin/oauth/access_token", views.access_token, name="oauth-access-token"),
    path("<str:shop>/admin/api/<str:version>/graphql.json", views.graphql, name="graphql"),
    path("<str:shop>/bulk/<int:operation_id>.jsonl", views.bulk_result, name="bulk-result"),
]
