"""Bootstrap Django for a benchmark script run as ``python bench/<name>.py``."""

from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def django_setup() -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    # A bench that runs its servers with DEBUG=False needs the secrets that have public
    # development defaults set explicitly (config/settings.py refuses to start otherwise).
    os.environ.setdefault("SHOPIFY_API_SECRET", "bench-app-secret")
    import django

    django.setup()
