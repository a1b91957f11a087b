"""Amazon-shaped paths under ``<seller_id>/`` (mounted by the project at ``sandbox/amazon/``).

``/sandbox/amazon/<seller_id>`` is the root a connector uses as both its LWA host and its SP-API
host; below it the paths are Amazon's own. ``files/<document id>`` are the presigned document
URLs handed out by the document operations.
"""

from __future__ import annotations

from django.urls import path

from sandbox.amazon.views import jobs, listings, orders
from sandbox.amazon.views.common import by_method

app_name = "sandbox_amazon"

urlpatterns = [
    path("<str:seller_id>/auth/o2/token", orders.lwa_token, name="lwa-token"),
    path(
        "<str:seller_id>/sellers/v1/marketplaceParticipations",
        by_method(GET=orders.marketplace_participations),
        name="marketplace-participations",
    ),
    path("<str:seller_id>/orders/v0/orders", by_method(GET=orders.get_orders), name="orders"),
    path(
        "<str:seller_id>/orders/v0/orders/<str:order_id>",
        by_method(GET=orders.get_order),
        name="order",
    ),
    path(
        "<str:seller_id>/orders/v0/orders/<str:order_id>/orderItems",
        by_method(GET=orders.get_order_items),
        name="order-items",
    ),
    path(
        "<str:seller_id>/reports/2021-06-30/reports",
        by_method(GET=jobs.get_reports, POST=jobs.create_report),
        name="reports",
    ),
    path(
        "<str:seller_id>/reports/2021-06-30/reports/<str:report_id>",
        by_method(GET=jobs.get_report),
        name="report",
    ),
    path(
        "<str:seller_id>/reports/2021-06-30/documents/<str:document_id>",
        by_method(GET=jobs.get_report_document),
        name="report-document",
    ),
    path(
        "<str:seller_id>/feeds/2021-06-30/documents",
        by_method(POST=jobs.create_feed_document),
        name="feed-documents",
    ),
    path(
        "<str:seller_id>/feeds/2021-06-30/documents/<str:document_id>",
        by_method(GET=jobs.get_feed_document),
        name="feed-document",
    ),
    path("<str:seller_id>/feeds/2021-06-30/feeds", by_method(POST=jobs.create_feed), name="feeds"),
    path(
        "<str:seller_id>/feeds/2021-06-30/feeds/<str:feed_id>",
        by_method(GET=jobs.get_feed),
        name="feed",
    ),
    path(
        "<str:seller_id>/listings/2021-08-01/items/<str:owner>",
        by_method(GET=listings.search_listings_items),
        name="listings-items",
    ),
    path(
        "<str:seller_id>/listings/2021-08-01/items/<str:owner>/<path:sku>",
        by_method(GET=listings.get_listings_item, PATCH=listings.patch_listings_item),
        name="listings-item",
    ),
    path("<str:seller_id>/files/<str:document_id>", jobs.document_file, name="file"),
]
