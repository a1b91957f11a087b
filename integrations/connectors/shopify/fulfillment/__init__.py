"""Fulfilment written back to Shopify: a shipment's tracking on the order's fulfillment orders."""
