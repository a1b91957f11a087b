"""Webhooks of the Shopify sandbox: REST-shaped payloads and signed, retried delivery."""
