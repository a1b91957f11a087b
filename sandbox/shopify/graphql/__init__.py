"""GraphQL Admin API execution: the real 2025-01 schema with sandbox resolvers, query cost,
search syntax and cursor pagination."""
