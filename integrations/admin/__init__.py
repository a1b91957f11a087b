"""Staff tools for integrations; importing the modules registers their ModelAdmins."""

from integrations.admin import accounts, files, sync, webhooks

__all__ = ["accounts", "files", "sync", "webhooks"]
