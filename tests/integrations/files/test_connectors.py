"""What the three file channels share: capabilities implemented, no secrets, no network."""

from __future__ import annotations

import pytest

from integrations.connectors.base import CAPABILITY_METHODS, Capability, Connector
from integrations.connectors.files.ajio import AjioConnector
from integrations.connectors.files.meesho import MeeshoConnector
from integrations.connectors.files.myntra import MyntraConnector
from integrations.dto import RecordFailure

CONNECTORS = [MeeshoConnector, MyntraConnector, AjioConnector]


@pytest.mark.parametrize("cls", CONNECTORS, ids=lambda c: c.id)
def test_declared_capability_methods_are_implemented(cls):
    assert cls.capabilities == frozenset({Capability.FILE_IMPORT})
    for name in CAPABILITY_METHODS[Capability.FILE_IMPORT]:
        assert getattr(cls, name) is not getattr(Connector, name)
    assert cls.check_credentials is not Connector.check_credentials
    assert cls.parse_record.__func__ is not Connector.parse_record.__func__


@pytest.mark.parametrize("cls", CONNECTORS, ids=lambda c: c.id)
def test_the_connect_form_is_the_account_key_and_an_optional_store_name(cls):
    names = [f.name for f in cls.credential_fields]
    assert names == [cls.account_key_field, "store_name"]
    assert cls.secret_field_names() == frozenset()
    assert [f.name for f in cls.required_fields()] == [cls.account_key_field]
    assert cls.setup_steps


@pytest.mark.parametrize("cls", CONNECTORS, ids=lambda c: c.id)
def test_a_payload_without_rows_is_a_failure_not_a_crash(cls):
    assert isinstance(cls.parse_record("orders", {"rows": []}), RecordFailure)
    result = cls.parse_record("orders", {"row": 2, "values": {"Something": "else"}})
    assert isinstance(result, RecordFailure)
    assert result.error.startswith("Missing required column(s):")
