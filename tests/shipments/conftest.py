"""The fast password hasher of the app tests (``tests/inventory/conftest.py``)."""

from tests.inventory.conftest import _fast_password_hasher  # noqa: F401
