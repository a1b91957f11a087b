"""Request parsing shared by the SP-API endpoints, and the two refusals they raise.

SP-API array parameters arrive comma-separated (``collectionFormat: csv`` in the models), some
clients repeat them instead; dates are ISO 8601.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from typing import Any

from django.http import HttpRequest
from django.utils.dateparse import parse_date, parse_datetime

CANNOT_PARSE = "Request has missing or invalid parameters and cannot be parsed."


class InvalidInput(Exception):  # noqa: N818 - named after Amazon's error code
    """A request refused with 400; ``code`` defaults to ``InvalidInput``."""

    def __init__(self, message: str, details: str = "", code: str = "InvalidInput") -> None:
        super().__init__(message)
        self.code, self.message, self.details = code, message, details


class NotFound(Exception):  # noqa: N818 - named after Amazon's error code
    """A resource answered with 404 (``code`` ``NotFound`` unless given)."""

    def __init__(self, message: str, code: str = "NotFound") -> None:
        super().__init__(message)
        self.code, self.message = code, message


def query_list(request: HttpRequest, name: str) -> list[str]:
    """An array query parameter, comma-separated and/or repeated."""
    values: list[str] = []
    for raw in request.GET.getlist(name):
        values.extend(part.strip() for part in raw.split(",") if part.strip())
    return values


def json_body(request: HttpRequest) -> dict[str, Any]:
    """The request's JSON object body; raises :class:`InvalidInput` when it is not one."""
    try:
        body = json.loads(request.body or b"null")
    except ValueError as exc:
        raise InvalidInput(CANNOT_PARSE) from exc
    if not isinstance(body, dict):
        raise InvalidInput(CANNOT_PARSE)
    return body


def parse_time(name: str, value: str) -> datetime:
    """An ISO 8601 date or date-time parameter as aware UTC (naive values are taken as UTC);
    raises :class:`InvalidInput` naming ``name``."""
    try:
        moment = parse_datetime(value)
    except ValueError:
        moment = None
    if moment is None:
        day = parse_date(value) if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value) else None
        if day is None:
            raise InvalidInput(f"Invalid {name}: {value!r} is not an ISO 8601 date.")
        moment = datetime(day.year, day.month, day.day, tzinfo=UTC)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)
