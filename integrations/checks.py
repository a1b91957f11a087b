"""System checks for a deployment's settings (``manage.py check``)."""

from __future__ import annotations

from django.conf import settings
from django.core.checks import Error, Warning, register


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


@register(deploy=True)
def development_secrets(app_configs, **kwargs) -> list[Error]:
    """``sangam.E001`` (``manage.py check --deploy``): a secret still equal to its public
    development default (``settings.DEV_SECRET_DEFAULTS``): anyone can read it in the code, so
    with ``SHOPIFY_API_SECRET`` unchanged anyone can sign webhooks Sangam accepts (forged
    orders, uninstalls, erasures). ``sangam.E002``: no ``CREDENTIALS_ENCRYPTION_KEYS`` (the
    stored provider secrets would be encrypted with a key derived from ``SECRET_KEY``).
    ``sangam.E003``: the provider sandbox is served (fake providers with known secrets)."""
    errors = [
        Error(
            f"{name} is its development default, which is public.",
            hint=f"Set {name} to a value of your own in the environment (see .env.example).",
            id="sangam.E001",
        )
        for name, default in settings.DEV_SECRET_DEFAULTS.items()
        if getattr(settings, name) == default
    ]
    if not settings.CREDENTIALS_ENCRYPTION_KEYS:
        errors.append(
            Error(
                "CREDENTIALS_ENCRYPTION_KEYS is not set: provider secrets would be encrypted "
                "with a development key derived from SECRET_KEY.",
                hint="Set CREDENTIALS_ENCRYPTION_KEYS to a Fernet key (see .env.example).",
                id="sangam.E002",
            )
        )
    if settings.SANDBOX_ENABLED:
        errors.append(
            Error(
                "SANDBOX_ENABLED is on: the fake providers (and their known secrets) are served.",
                hint="Set SANDBOX_ENABLED=False in production.",
                id="sangam.E003",
            )
        )
    return errors
