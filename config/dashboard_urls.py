"""Dashboard pages (namespace ``dashboard``)."""

from django.urls import path

from integrations import views as integration_views
from inventory import views as inventory_views
from orders import views as order_views

urlpatterns = [
    path(
        "hub/providers/<str:provider>/connect/",
        integration_views.provider_connect,
        name="provider_connect",
    ),
    path("", integration_views.hub, name="home"),
    path(
        "hub/accounts/<int:account_id>/status/",
        integration_views.account_status,
        name="account_status",
    ),
    path("hub/runs/<int:run_id>/", integration_views.sync_run_detail, name="sync_run"),
    path(
        "hub/accounts/<int:account_id>/import/",
        integration_views.account_import,
        name="account_import",
    ),
    path(
        "hub/accounts/<int:account_id>/sync/",
        integration_views.account_sync,
        name="account_sync",
    ),
    path("orders/", order_views.order_list_page, name="orders"),
    path("orders/<int:order_id>/", order_views.order_detail_page, name="order_detail"),
    path("stock/", inventory_views.stock_page, name="stock"),
]
