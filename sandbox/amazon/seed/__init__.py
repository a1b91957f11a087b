"""Deterministic Amazon.in seller data: listings from the Shopify sandbox catalog, orders."""
