"""The Amazon sandbox: a local stand-in for the Amazon seller API (see channel-apis.md)."""
