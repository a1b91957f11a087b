"""Staff tools for integrations; importing the modules registers their ModelAdmins."""

from integrations.admin import accounts, sync, webhooks

__all__ = ["accounts", "sync", "webhooks"]
