"""Static material of the seeded Indian D2C store, shared by the Shopify, Amazon and file-channel
fakes."""
