from django.urls import path

from orders import api

urlpatterns = [
    path("orders", api.OrderListView.as_view(), name="api-orders"),
    path("orders/<int:order_id>", api.OrderDetailView.as_view(), name="api-order-detail"),
]
