"""Loaded with ``-p`` (pyproject's pytest options) before pytest-django reads the settings: the
test run always has the sandbox installed (its fakes are what the tests drive), whatever DEBUG
or the environment says. Tests that need it off start their own process."""

from __future__ import annotations

import os

os.environ["SANDBOX_ENABLED"] = "True"
