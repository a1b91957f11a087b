"""What a request may say: bounds shared by every API filter, form filter and JSON body.

Without them a value the database or ``datetime`` cannot hold answers 500: an id past
PostgreSQL's ``bigint`` (or SQLite's 64-bit integer), a day like ``0001-01-01`` whose IST
midnight is before ``datetime.min`` in UTC, ``9999-12-31`` whose next day overflows, a ``since``
of year 999 that a channel's API refuses later in the run, JSON nested deeper than Python's
recursion limit. Each bound here turns those into a 400 naming the parameter (DRF's validation
answer, ``{"<name>": ["<reason>"]}``), or a form error on the dashboard.

- ids: 1 to ``MAX_ID`` (2⁶³ − 1, the largest ``bigint``);
- days and times: ``EARLIEST_DAY`` (1 January 2000: before any Indian marketplace order) to
  ``LATEST_DAY`` (31 December 2099);
- text filters: at most ``MAX_TEXT`` characters;
- JSON bodies: at most ``MAX_JSON_DEPTH`` levels of arrays and objects (``JSONParser``).
"""

from __future__ import annotations

from datetime import date, datetime

from django.core.exceptions import ValidationError
from rest_framework import parsers, serializers
from rest_framework.exceptions import ParseError

MAX_ID = 2**63 - 1
EARLIEST_DAY = date(2000, 1, 1)
LATEST_DAY = date(2099, 12, 31)
MAX_TEXT = 200
MAX_JSON_DEPTH = 32


def day_in_range(value: date | datetime) -> None:
    """Validator: ``value`` (a date, or a datetime by its own date) lies between
    ``EARLIEST_DAY`` and ``LATEST_DAY``. Raises ``ValidationError`` saying the range."""
    day = value.date() if isinstance(value, datetime) else value
    if not EARLIEST_DAY <= day <= LATEST_DAY:
        raise ValidationError(
            f"Must be between {EARLIEST_DAY.isoformat()} and {LATEST_DAY.isoformat()}.",
            code="out_of_range",
        )


class IdParam(serializers.IntegerField):
    """An object id in a filter or body: a whole number from 1 to ``MAX_ID``."""

    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(**kwargs)


class DayParam(serializers.DateField):
    """A day (``YYYY-MM-DD``) from ``EARLIEST_DAY`` to ``LATEST_DAY``."""

    def __init__(self, **kwargs) -> None:
        kwargs["validators"] = [*kwargs.get("validators", ()), day_in_range]
        super().__init__(**kwargs)


class MomentParam(serializers.DateTimeField):
    """A time (ISO 8601) whose day is from ``EARLIEST_DAY`` to ``LATEST_DAY``."""

    def __init__(self, **kwargs) -> None:
        kwargs["validators"] = [*kwargs.get("validators", ()), day_in_range]
        super().__init__(**kwargs)


class TextParam(serializers.CharField):
    """A text filter of at most ``MAX_TEXT`` characters."""

    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("max_length", MAX_TEXT)
        super().__init__(**kwargs)


def json_depth(value: object) -> int:
    """Levels of nested arrays and objects in a parsed JSON ``value`` (a scalar is 0),
    counted without recursion."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            children = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        deepest = max(deepest, depth)
        stack.extend((child, depth + 1) for child in children if isinstance(child, dict | list))
    return deepest


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser, answering 400 (``ParseError``) for a body nested deeper than
    ``MAX_JSON_DEPTH`` levels, or so deep that ``json`` itself gives up (``RecursionError``),
    instead of failing later with a 500."""

    def parse(self, stream, media_type=None, parser_context=None):
        """The parsed body; raises ``ParseError`` for malformed or too deeply nested JSON."""
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError(
                f"JSON parse error - nested more than {MAX_JSON_DEPTH} levels deep."
            ) from None
        if json_depth(data) > MAX_JSON_DEPTH:
            raise ParseError(f"JSON parse error - nested more than {MAX_JSON_DEPTH} levels deep.")
        return data
