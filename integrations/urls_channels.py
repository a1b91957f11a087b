"""``/channels/...``: browser-facing provider flows (OAuth install and callback)."""

from django.urls import path

from integrations import oauth_views

urlpatterns = [
    path("<str:provider>/oauth/install", oauth_views.oauth_install, name="oauth-install"),
    path("<str:provider>/oauth/callback", oauth_views.oauth_callback, name="oauth-callback"),
]
