"""The API fuzzed from its own OpenAPI schema (defects issue §4).

- schemathesis generates requests for every read operation from ``/api/schema`` (valid and
  deliberately invalid data, half each), sends them through the WSGI app as a merchant user
  with a token, and fails on any 5xx or any answer that does not match the schema; bounded by
  ``FUZZ_EXAMPLES`` per operation (well under a minute in CI);
- random generation seldom reaches the values that broke the API before (an id past
  ``bigint``, ``0001-01-01``), so a boundary pass sends each query parameter of each read
  operation its type's extremes, one at a time: never a 5xx, and a 400 names the parameter.

Writes are left to their own tests: fuzzing them would connect accounts, queue syncs and
revoke the test's token, which says nothing about input handling that the read paths and the
serializers' validation tests do not already cover.
"""

from __future__ import annotations

import os

import pytest
import schemathesis
from django.core.wsgi import get_wsgi_application
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
)

from accounts.tokens import token_obtain
from tests.factories import ChannelAccountFactory

FUZZ_EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "30"))
# No 5xx; a 2xx body matches its documented schema; the content type is the documented one.
# Error answers (400 with the parameter's name, 401, 404) are asserted by their own tests; the
# schema does not list them for every operation.
CHECKS = [not_a_server_error, response_schema_conformance, content_type_conformance]


@pytest.fixture
def _keep_the_test_connection():
    """As Django's test client does: the WSGI handler must not close the test's database
    connection at the end of each request (it holds the test's transaction)."""
    from django.core import signals
    from django.db import close_old_connections

    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def api_schema(db, user, merchant, _keep_the_test_connection):
    """The served schema, read as the merchant's user, with a token for every call."""
    ChannelAccountFactory(merchant=merchant)  # so account filters meet a real id too
    token = token_obtain(user=user).key
    headers = {"Authorization": f"Token {token}"}
    schema = schemathesis.openapi.from_wsgi(
        "/api/schema?format=json", get_wsgi_application(), headers=headers
    )
    return schema.include(method="GET")


def test_every_read_operation_answers_within_its_schema_and_never_5xx(api_schema, user):
    token = token_obtain(user=user).key
    headers = {"Authorization": f"Token {token}"}
    failures: dict[str, str] = {}
    tried = 0
    for result in api_schema.get_all_operations():
        operation = result.ok()
        tried += 1

        @given(
            case=operation.as_strategy(generation_mode=GenerationMode.POSITIVE)
            | operation.as_strategy(generation_mode=GenerationMode.NEGATIVE)
        )
        @settings(
            max_examples=FUZZ_EXAMPLES,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            derandomize=True,
            database=None,
        )
        def fuzz(case):
            case.call_and_validate(headers=headers, checks=CHECKS)

        try:
            fuzz()
        except (Exception, BaseExceptionGroup) as exc:  # noqa: BLE001 - each one is reported
            failures[operation.label] = str(exc)[:2000]
    assert tried >= 10  # the schema really lists the API's read operations
    assert not failures, "\n\n".join(f"{label}:\n{error}" for label, error in failures.items())


def extremes(spec: dict) -> list[str]:
    """Values at and past the edges of a parameter's schema type."""
    kind, fmt = spec.get("type"), spec.get("format")
    if kind == "integer":
        return ["-192708378127591639351296", str(2**63), str(2**31), "0", "-1", "1.5", "x"]
    if kind == "boolean":
        return ["maybe", "", "TRUE"]
    if fmt == "date":
        return ["0001-01-01", "9999-12-31", "2026-02-30", "20261207"]
    if fmt == "date-time":
        return ["0001-01-01T00:00:00Z", "9999-12-31T23:59:59+14:00", "0999-01-01"]
    choices = [str(c) for c in spec.get("enum", ()) if c is not None]
    return ["x" * 10_000, "a\x00b", "%", "' OR 1=1 --", *(c.upper() + "!" for c in choices[:1])]


@pytest.mark.django_db
def test_every_query_parameter_at_its_extremes_answers_4xx_naming_it(api_client):
    from drf_spectacular.generators import SchemaGenerator

    api_client.raise_request_exception = False
    spec = SchemaGenerator().get_schema(request=None, public=True)
    probed, problems = 0, []
    for path, methods in spec["paths"].items():
        get = methods.get("get")
        if not get or "{" in path:
            continue
        for parameter in get.get("parameters", []):
            if parameter.get("in") != "query":
                continue
            name = parameter["name"]
            for value in extremes(parameter.get("schema", {})):
                probed += 1
                response = api_client.get(path, {name: value})
                if response.status_code >= 500:
                    problems.append(f"{path}?{name}={value[:40]}: {response.status_code}")
                elif response.status_code == 400 and name not in response.content.decode():
                    problems.append(f"{path}?{name}={value[:40]}: 400 without the name")
    assert probed > 50
    assert not problems, "\n".join(problems)


def test_the_schema_names_every_choice_set_once_without_hashed_names():
    import re

    from drf_spectacular.generators import SchemaGenerator

    components = SchemaGenerator().get_schema(request=None, public=True)["components"]["schemas"]
    hashed = [name for name in components if re.search(r"[0-9a-f]{3}Enum$", name)]
    assert hashed == []
    enums = [tuple(c["enum"]) for c in components.values() if "enum" in c]
    assert len(enums) == len(set(enums)), "a choice set is published under two names"
    assert {"OrderStatusEnum", "ReturnStatusEnum", "ReturnKindEnum"} <= set(components)
