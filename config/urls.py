"""Root URLs: admin, auth, JSON API, webhook receivers, Shopify OAuth, dashboard, sandbox."""

from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from accounts.api import ObtainTokenView
from channel_stock import api as channel_stock_api
from inventory import api as inventory_api
from returns import api as returns_api
from shipments import api as shipments_api

urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("api/auth/token", ObtainTokenView.as_view(), name="api-token"),
    path("api/schema", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("api/", include("integrations.urls")),
    path("api/multi-channel/", include("orders.urls")),
    path("api/inventory/skus", inventory_api.SkuListView.as_view(), name="api-skus"),
    # "/movements" first: a SKU may contain "/".
    path(
        "api/inventory/skus/<path:sku>/movements",
        inventory_api.SkuMovementsView.as_view(),
        name="api-sku-movements",
    ),
    path("api/inventory/skus/<path:sku>", inventory_api.SkuDetailView.as_view(), name="api-sku"),
    path(
        "api/inventory/adjustments",
        inventory_api.AdjustmentView.as_view(),
        name="api-stock-adjustments",
    ),
    path("api/inventory/listings", inventory_api.ListingListView.as_view(), name="api-listings"),
    path(
        "api/inventory/listings/<int:listing_id>/map",
        channel_stock_api.ListingMapView.as_view(),
        name="api-listing-map",
    ),
    path("api/inventory/drift", inventory_api.DriftListView.as_view(), name="api-drift"),
    path(
        "api/integrations/shopify/inventory",
        channel_stock_api.ChannelInventoryView.as_view(),
        {"provider": "shopify"},
        name="api-shopify-inventory",
    ),
    path("api/returns", returns_api.ReturnListView.as_view(), name="api-returns"),
    path(
        "api/returns/<int:return_id>/receive",
        returns_api.ReturnReceiveView.as_view(),
        name="api-return-receive",
    ),
    path("api/shipments", shipments_api.ShipmentListView.as_view(), name="api-shipments"),
    path("api/shipments/book", shipments_api.ShipmentBookView.as_view(), name="api-shipments-book"),
    path("api/shipments/ndr", shipments_api.NdrQueueView.as_view(), name="api-shipments-ndr"),
    path(
        "api/shipments/generate-label",
        shipments_api.GenerateLabelView.as_view(),
        name="api-shipments-generate-label",
    ),
    path(
        "api/shipments/batches/<int:batch_id>",
        shipments_api.ShipmentBatchView.as_view(),
        name="api-shipment-batch",
    ),
    path(
        "api/shipments/rto-rates",
        shipments_api.RtoRatesView.as_view(),
        name="api-shipments-rto-rates",
    ),
    path(
        "api/shipments/<int:shipment_id>",
        shipments_api.ShipmentDetailView.as_view(),
        name="api-shipment",
    ),
    path(
        "api/shipments/<int:shipment_id>/ndr-action",
        shipments_api.ShipmentNdrActionView.as_view(),
        name="api-shipment-ndr-action",
    ),
    path(
        "api/shipments/<int:shipment_id>/cancel",
        shipments_api.ShipmentCancelView.as_view(),
        name="api-shipment-cancel",
    ),
    path("channels/", include("integrations.urls_channels")),
    path("", include(("config.dashboard_urls", "dashboard"))),
]

if settings.SANDBOX_ENABLED:
    urlpatterns += [
        path("sandbox/shopify/", include("sandbox.shopify.urls")),
        path("sandbox/amazon/", include("sandbox.amazon.urls")),
        path("sandbox/flipkart/", include("sandbox.flipkart.urls")),
        path("sandbox/delhivery/", include("sandbox.delhivery.urls")),
        path("sandbox/shiprocket/", include("sandbox.shiprocket.urls")),
    ]
