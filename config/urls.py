"""Root URLs: admin, auth, JSON API, webhook receivers, Shopify OAuth, dashboard, sandbox."""

from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from accounts.api import ObtainTokenView

urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("api/auth/token", ObtainTokenView.as_view(), name="api-token"),
    path("api/schema", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("api/", include("integrations.urls")),
    path("api/multi-channel/", include("orders.urls")),
    path("channels/", include("integrations.urls_channels")),
    path("", include(("config.dashboard_urls", "dashboard"))),
]

if settings.SANDBOX_ENABLED:
    urlpatterns += [
        path("sandbox/shopify/", include("integrations.sandbox.urls")),
        path("sandbox/amazon/", include("integrations.sandbox.amazon.urls")),
        path("sandbox/flipkart/", include("integrations.sandbox.flipkart.urls")),
    ]
