"""Flipkart Marketplace Seller API v3 connector (channel-apis.md §3)."""
