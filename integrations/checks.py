"""System checks for a deployment's settings (``manage.py check``)."""

from __future__ import annotations

from django.conf import settings
from django.core.checks import Warning, register


@register(deploy=False)
def shared_cache_with_broker(app_configs, **kwargs) -> list[Warning]:
    """``sangam.W001``: with a Celery broker the web and worker processes coordinate through
    the cache (the stock push's debounce and per-account lock, the webhook inbox drain's
    wake-up flag, the ledger's rise stamps); a per-process cache (LocMem, Dummy) cannot carry
    them across processes. Set ``CACHE_URL`` (for example Redis)."""
    from integrations.services.webhooks import PER_PROCESS_CACHES

    backend = settings.CACHES["default"]["BACKEND"]
    if settings.CELERY_TASK_ALWAYS_EAGER or backend not in PER_PROCESS_CACHES:
        return []
    return [
        Warning(
            "Tasks run on a Celery broker but the cache is per-process "
            f"({backend.rsplit('.', 1)[-1]}): the stock push locks and debounce and the webhook "
            "inbox drain need one cache shared by every process.",
            hint="Set CACHE_URL, for example redis://127.0.0.1:6379/1 (see .env.example).",
            id="sangam.W001",
        )
    ]
