"""``/channels/...``: browser-facing provider flows (OAuth)."""

from django.urls import path

from integrations import oauth_views

urlpatterns = [
    path("shopify/oauth/install", oauth_views.shopify_install, name="shopify-oauth-install"),
    path("shopify/oauth/callback", oauth_views.shopify_callback, name="shopify-oauth-callback"),
]
