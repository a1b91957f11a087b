"""Fixtures for the file-import connectors: connectors without HTTP, demo SKUs, an upload time."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from integrations.connectors.files.ajio import AjioConnector
from integrations.connectors.files.meesho import MeeshoConnector
from integrations.connectors.files.myntra import MyntraConnector
from integrations.dto import AccountHandle, OrderDTO, RecordFailure, ReturnDTO
from sandbox.files.exports import demo_skus

UPLOADED_AT = datetime(2024, 6, 1, 9, 30, tzinfo=UTC)


def make_connector(cls, key: str, **settings):
    """A file connector for an account keyed ``key``; file channels make no HTTP calls."""
    account = AccountHandle(
        id=7,
        merchant_id=3,
        provider=cls.id,
        external_id=key,
        base_url="",
        credentials={},
        settings={cls.account_key_field: key, **settings},
    )
    return cls(account, None)


def split(results, returns: list | None = None) -> tuple[list[OrderDTO], list[RecordFailure]]:
    """``parse_file`` results → (orders, failures), each in file order; each order's returns
    (the ``ReturnDTO``s after it) go to ``returns`` when given."""
    orders, failures = [], []
    for result in results:
        if isinstance(result, RecordFailure):
            failures.append(result)
        else:
            assert isinstance(result, tuple)
            order, *rest = result
            assert isinstance(order, OrderDTO)
            assert all(isinstance(r, ReturnDTO) for r in rest)
            assert all(r.order_external_id == order.external_id for r in rest)
            orders.append(order)
            if returns is not None:
                returns.extend(rest)
    return orders, failures


@pytest.fixture
def meesho():
    return make_connector(MeeshoConnector, "482913")


@pytest.fixture
def myntra():
    return make_connector(MyntraConnector, "M-20931")


@pytest.fixture
def ajio():
    return make_connector(AjioConnector, "DV12345")


@pytest.fixture(scope="session")
def skus():
    return demo_skus(40)
