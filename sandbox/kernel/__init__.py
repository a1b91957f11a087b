"""What more than one fake provider shares: the sandbox clock, wire formats and the seeded
store's static material (buyers, places, catalog templates)."""
