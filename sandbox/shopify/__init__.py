"""A faithful local stand-in for the Shopify Admin API (OAuth, GraphQL, bulk operations, webhooks).

Mounted at ``/sandbox/shopify/<shop>/...`` when ``SANDBOX_ENABLED``; the public Python API for the
demo and tests is :mod:`sandbox.shopify.services`.
"""
