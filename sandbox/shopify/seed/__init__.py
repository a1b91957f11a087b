"""Deterministic seeding of a realistic Indian D2C Shopify store (see :func:`generate.seed`)."""
