"""Hooks: where a lower layer must trigger a higher one (stock freed → allocate backorders),
it calls the functions named in a setting (a list of dotted paths, resolved on first use), so
its imports still point down only (DESIGN.md "Layers", docs/architecture.md "Hooks").

The hook settings (config/settings.py) and what they are called with:

- ``STOCK_CHANGED_HOOKS``: ``variant_ids`` (set of int), ``urgent`` (bool, a variant sold
  out); after every stock movement that changed a variant's available-to-sell.
- ``STOCK_FREED_HOOKS``: ``merchant_id`` (int), ``variant_ids`` (set of int); after a manual
  adjustment or count freed units.
- ``ORDERS_IMPORTED_HOOKS``: ``account``, ``created`` (list of (order pk, external id)),
  ``updated`` (list of (external id, ``source_updated_at``)); after a batch of orders was
  written, inside its transaction.
- ``SHIPMENT_STATUS_HOOKS``: ``shipment`` (saved, its new status set), ``previous`` (the
  status it left); inside the tracking import's transaction.
- ``ACCOUNT_MANAGES_STOCK_HOOKS``: ``account``, ``enabled`` (bool); staff switched "Sangam
  manages stock" in the admin.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache

from django.conf import settings
from django.utils.module_loading import import_string


@cache
def _resolve(paths: tuple[str, ...]) -> tuple[Callable[..., object], ...]:
    return tuple(import_string(path) for path in paths)


def hooks(setting: str) -> tuple[Callable[..., object], ...]:
    """The functions the setting ``setting`` names, in order (``ImportError`` if a path does
    not resolve)."""
    return _resolve(tuple(getattr(settings, setting, ())))


def run_hooks(setting: str, **kwargs: object) -> None:
    """Call each function ``setting`` names with ``kwargs``; an exception propagates (a hook
    runs inside its caller's transaction and fails it)."""
    for func in hooks(setting):
        func(**kwargs)
