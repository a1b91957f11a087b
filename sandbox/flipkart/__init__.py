"""The Flipkart sandbox: a local stand-in for the Flipkart seller API (see channel-apis.md)."""
