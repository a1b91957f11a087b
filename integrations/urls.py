"""``/api/...`` routes of the integrations app."""

from django.urls import path

from integrations import api, webhook_views

SHOPIFY = {"provider": "shopify"}

urlpatterns = [
    path("integrations/catalog", api.CatalogView.as_view(), name="api-catalog"),
    path(
        "integrations/connected-summary",
        api.ConnectedSummaryView.as_view(),
        name="api-connected-summary",
    ),
    path(
        "integrations/providers/<str:provider>/status",
        api.ProviderStatusView.as_view(),
        name="api-provider-status",
    ),
    path(
        "integrations/providers/<str:provider>/connect",
        api.ProviderConnectView.as_view(),
        name="api-provider-connect",
    ),
    path(
        "integrations/providers/<str:provider>/disconnect",
        api.ProviderDisconnectView.as_view(),
        name="api-provider-disconnect",
    ),
    path(
        "integrations/providers/<str:provider>/sync",
        api.ProviderSyncView.as_view(),
        name="api-provider-sync",
    ),
    path(
        "integrations/providers/<str:provider>/test",
        api.TestConnectionView.as_view(),
        name="api-provider-test",
    ),
    path(
        "integrations/providers/<str:provider>/import",
        api.ProviderImportView.as_view(),
        name="api-provider-import",
    ),
    path(
        "integrations/accounts/<int:account_id>/sync-runs",
        api.AccountSyncRunsView.as_view(),
        name="api-account-sync-runs",
    ),
    path("integrations/sync-runs/<int:run_id>", api.SyncRunView.as_view(), name="api-sync-run"),
    # SPEC's Shopify routes: the provider views above and below, for Shopify.
    path(
        "integrations/shopify/status",
        api.ProviderStatusView.as_view(),
        SHOPIFY,
        name="api-shopify-status",
    ),
    path(
        "integrations/shopify/sync",
        api.ProviderSyncView.as_view(),
        SHOPIFY,
        name="api-shopify-sync",
    ),
    path(
        "integrations/shopify/sync/orders",
        api.ProviderSyncView.as_view(default_streams=("orders",)),
        SHOPIFY,
        name="api-shopify-sync-orders",
    ),
    path(
        "integrations/shopify/register-webhooks",
        api.ProviderRegisterWebhooksView.as_view(),
        SHOPIFY,
        name="api-shopify-register-webhooks",
    ),
    path(
        "webhooks/register/<int:account_id>",
        api.RegisterWebhooksForAccountView.as_view(),
        name="api-webhooks-register",
    ),
    path(
        "webhooks/subscriptions",
        api.WebhookSubscriptionsView.as_view(),
        name="api-webhook-subscriptions",
    ),
    path("webhooks/<str:provider>", webhook_views.receive_webhook, name="webhook-receive"),
    path(
        "webhooks/<str:provider>/<str:token>",
        webhook_views.receive_webhook,
        name="webhook-receive-token",
    ),
]
