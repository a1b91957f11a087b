"""Shopify search syntax for the ``query:`` argument (shopify.dev "Shopify API search syntax").

Supported: ``field:value`` terms with ``:>``, ``:>=``, ``:<``, ``:<=`` comparators, single- or
double-quoted values, ``AND`` (also implicit, by a space), ``OR``, ``NOT``/``-``, parentheses,
trailing ``*`` prefix match, and bare words (free text). Dates are ISO 8601; values without an
offset (and bare dates) are read in the shop's time zone. An unknown field is ignored and
reported in ``extensions.search`` with Shopify's warning "Invalid search field for this query.";
an unparseable value matches nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.db.models import Q

FieldFilter = Callable[[str, str, ZoneInfo], Q]
NOTHING = Q(pk__in=[])


@dataclass(frozen=True)
class Term:
    field: str | None
    op: str
    value: str


Node = Term | tuple[str, list[Any]]


def _tokens(query: str) -> list[str]:
    tokens: list[str] = []
    i, n = 0, len(query)
    while i < n:
        char = query[i]
        if char.isspace():
            i += 1
        elif char in "()":
            tokens.append(char)
            i += 1
        else:
            parts: list[str] = []
            while i < n and not query[i].isspace() and query[i] not in "()":
                if query[i] in "'\"":
                    close = query.find(query[i], i + 1)
                    close = n if close == -1 else close
                    parts.append(query[i + 1 : close])
                    i = close + 1
                else:
                    parts.append(query[i])
                    i += 1
            tokens.append("".join(parts))
    return tokens


def _term(token: str) -> Term:
    field, sep, rest = token.partition(":")
    if not sep or not field.replace("_", "").isalpha():
        return Term(None, ":", token)
    for op in (">=", "<=", ">", "<"):
        if rest.startswith(op):
            return Term(field.lower(), op, rest[len(op) :])
    return Term(field.lower(), ":", rest)


class _Parser:
    def __init__(self, tokens: list[str]) -> None:
        self.tokens = tokens
        self.pos = 0

    def peek(self) -> str | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def take(self) -> str:
        token = self.tokens[self.pos]
        self.pos += 1
        return token

    def expr(self) -> Node:
        parts = [self.and_expr()]
        while self.peek() == "OR":
            self.take()
            parts.append(self.and_expr())
        return parts[0] if len(parts) == 1 else ("or", parts)

    def and_expr(self) -> Node:
        parts = [self.unary()]
        while self.peek() not in (None, "OR", ")"):
            if self.peek() == "AND":
                self.take()
                continue
            parts.append(self.unary())
        return parts[0] if len(parts) == 1 else ("and", parts)

    def unary(self) -> Node:
        word = self.take()
        if word == "NOT":
            return ("not", [self.unary()])
        if word == "(":
            inner = self.expr()
            if self.peek() == ")":
                self.take()
            return inner
        if word.startswith("-") and len(word) > 1:
            return ("not", [_term(word[1:])])
        return _term(word)


def parse(query: str) -> Node | None:
    """The expression tree of a search string (``None`` for a blank one)."""
    tokens = [t for t in _tokens(query) if t]
    while tokens and tokens[-1] in ("AND", "OR", "NOT", "("):
        tokens.pop()
    return _Parser(tokens).expr() if tokens else None


def to_q(
    query: str | None,
    fields: dict[str, FieldFilter],
    *,
    tz: ZoneInfo,
    warnings: list[dict[str, str]],
) -> Q:
    """A Django ``Q`` for ``query`` over ``fields`` (``None`` key: free-text filter)."""
    tree = parse(query or "")
    return Q() if tree is None else _build(tree, fields, tz, warnings)


def _build(node: Node, fields: dict[str, FieldFilter], tz: ZoneInfo, warnings: list) -> Q:
    if isinstance(node, Term):
        key = node.field
        handler = fields.get(key) if key is not None else fields.get("")
        if handler is None:
            warnings.append({"field": key or "", "message": "Invalid search field for this query."})
            return Q()
        try:
            return handler(node.op, node.value, tz)
        except ValueError:
            return NOTHING
    kind, children = node
    built = [_build(child, fields, tz, warnings) for child in children]
    if kind == "not":
        return ~built[0]
    combined = built[0]
    for q in built[1:]:
        combined = combined | q if kind == "or" else combined & q
    return combined


def parse_datetime(value: str, tz: ZoneInfo) -> tuple[datetime, bool]:
    """``(instant, date_only)``; naive values are read in ``tz``. Raises ``ValueError``."""
    raw = value.strip()
    date_only = len(raw) == 10
    parsed = (
        datetime.combine(datetime.fromisoformat(raw).date(), time())
        if date_only
        else (datetime.fromisoformat(raw.replace(" ", "T")))
    )
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=tz)
    return parsed, date_only


def datetime_filter(field: str) -> FieldFilter:
    """Comparisons on a timestamp field; ``field:2024-05-01`` means that whole (shop-local) day."""

    def build(op: str, value: str, tz: ZoneInfo) -> Q:
        instant, date_only = parse_datetime(value, tz)
        if op == ":":
            if date_only:
                return Q(**{f"{field}__gte": instant, f"{field}__lt": instant + timedelta(days=1)})
            return Q(**{field: instant})
        lookup = {">": "gt", ">=": "gte", "<": "lt", "<=": "lte"}[op]
        return Q(**{f"{field}__{lookup}": instant})

    return build


def text_filter(*model_fields: str) -> FieldFilter:
    """Case-insensitive match on any of ``model_fields``; ``abc*`` is a prefix match."""

    def build(op: str, value: str, tz: ZoneInfo) -> Q:
        lookup = "istartswith" if value.endswith("*") else "iexact"
        needle = value.rstrip("*")
        q = Q()
        for name in model_fields:
            q |= Q(**{f"{name}__{lookup}": needle})
        return q

    return build


def number_filter(field: str) -> FieldFilter:
    """Exact or compared integer (``id:>123``, ``name:1001``)."""

    def build(op: str, value: str, tz: ZoneInfo) -> Q:
        number = int(value.lstrip("#").rsplit("/", 1)[-1])
        if op == ":":
            return Q(**{field: number})
        lookup = {">": "gt", ">=": "gte", "<": "lt", "<=": "lte"}[op]
        return Q(**{f"{field}__{lookup}": number})

    return build


def choice_filter(field: str, choices: dict[str, Q | str]) -> FieldFilter:
    """Enumerated values (``financial_status:paid``); ``any`` matches everything."""

    def build(op: str, value: str, tz: ZoneInfo) -> Q:
        key = value.lower()
        if key == "any":
            return Q()
        if key not in choices:
            raise ValueError(value)
        choice = choices[key]
        return choice if isinstance(choice, Q) else Q(**{field: choice})

    return build


def tag_filter(field: str) -> FieldFilter:
    """Membership in a JSON list of tags (compared case-insensitively, like Shopify)."""

    def build(op: str, value: str, tz: ZoneInfo) -> Q:
        return Q(**{f"{field}__icontains": f'"{value}"'})

    return build
