"""Dashboard pages (namespace ``dashboard``)."""

from django.urls import path

from channel_stock import views as channel_stock_views
from integrations import views as integration_views
from inventory import views as inventory_views
from orders import views as order_views
from returns import views as return_views
from shipments import views as shipment_views

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
    path("stock/", channel_stock_views.stock_page, name="stock"),
    path("stock/push-status/", channel_stock_views.stock_push_status, name="stock_push_status"),
    path("stock/counts/", inventory_views.stock_counts_upload, name="stock_counts_upload"),
    path("stock/variants/<int:variant_id>/adjust/", inventory_views.sku_adjust, name="sku_adjust"),
    path(
        "stock/listings/unmatched/",
        channel_stock_views.listings_unmatched_page,
        name="listings_unmatched",
    ),
    path(
        "stock/listings/<int:listing_id>/buffer/",
        channel_stock_views.listing_buffer,
        name="listing_buffer",
    ),
    path(
        "stock/listings/<int:listing_id>/map/",
        channel_stock_views.listing_map_view,
        name="listing_map",
    ),
    path("stock/drift/", channel_stock_views.drift_report, name="drift"),
    path(
        "hub/accounts/<int:account_id>/manages-stock/",
        channel_stock_views.account_manages_stock,
        name="account_manages_stock",
    ),
    path(
        "hub/accounts/<int:account_id>/find-listings/",
        channel_stock_views.account_find_listings,
        name="account_find_listings",
    ),
    path(
        "hub/accounts/<int:account_id>/drift-check/",
        channel_stock_views.account_drift_check,
        name="account_drift_check",
    ),
    # A SKU may contain "/"; under sku/ no SKU (one literally named "drift", say) is shadowed
    # by a fixed /stock/ page.
    path("stock/sku/<path:sku>/", channel_stock_views.sku_page, name="sku_detail"),
    path("returns/", return_views.return_list_page, name="returns"),
    path(
        "returns/<int:return_id>/receive/", return_views.return_receive_view, name="return_receive"
    ),
    path("shipments/", shipment_views.shipment_list_page, name="shipments"),
    path("shipments/rows/", shipment_views.shipment_rows, name="shipment_rows"),
    path("shipments/ndr/", shipment_views.ndr_queue_page, name="ndr_queue"),
    path(
        "shipments/<int:shipment_id>/ndr-action/",
        shipment_views.ndr_action_view,
        name="ndr_action",
    ),
    path("shipments/rto/", shipment_views.rto_rates_page, name="rto_rates"),
    path("shipments/confirm-cod/", shipment_views.cod_confirm_page, name="cod_confirm"),
    path(
        "shipments/confirm-cod/<int:order_id>/",
        shipment_views.cod_confirm_view,
        name="cod_confirm_order",
    ),
    path("shipments/batches/", shipment_views.shipment_batch_create_view, name="shipment_batches"),
    path(
        "shipments/batches/<int:batch_id>/",
        shipment_views.shipment_batch_page,
        name="shipment_batch",
    ),
    path(
        "shipments/batches/<int:batch_id>/status/",
        shipment_views.shipment_batch_status,
        name="shipment_batch_status",
    ),
    path(
        "shipments/<int:shipment_id>/",
        shipment_views.shipment_detail_page,
        name="shipment_detail",
    ),
    path(
        "shipments/<int:shipment_id>/cancel/",
        shipment_views.shipment_cancel_view,
        name="shipment_cancel",
    ),
]
