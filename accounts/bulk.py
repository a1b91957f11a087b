"""Fast inserts for import hot paths (orders, items, stock movements, history).

On PostgreSQL, new rows are written with binary ``COPY … FROM STDIN`` (values adapted by
psycopg in C, nothing rendered as text; column types from each field's ``db_type``) after
pre-allocating their primary keys from the table's sequence in one query, so callers get ids
exactly as with ``bulk_create``. Django's ``bulk_create`` spends most of its time
preparing each value in Python, and building model instances costs as much again; for a page
of 250 orders with their items, movements and history that decides whether the import runs at
hundreds or thousands of orders a second (``bench/ingest.py``). Other databases use
``bulk_create``.

Only for plain inserts of rows known to be new, given as ``{attname: value}`` dicts; a
unique violation raises ``IntegrityError`` like any insert (the order import retries the
batch).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from django.db import IntegrityError, connection, models
from django.utils import timezone


def _insert_fields(model: type[models.Model]) -> list[models.Field]:
    return [f for f in model._meta.concrete_fields if not f.primary_key]


def _is_auto_time(field: models.Field) -> bool:
    return bool(getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False))


def _pg_type(field: models.Field) -> str:
    """The PostgreSQL type name binary COPY needs (``varchar(255)`` → ``varchar``)."""
    name = field.db_type(connection).split("(")[0].strip()
    return {"timestamp with time zone": "timestamptz", "boolean": "bool"}.get(name, name)


def _copy(model: type[models.Model], count: int, rows: Iterable[list[Any]]) -> list[int]:
    """Allocate ``count`` ids, COPY ``[id, *values]`` rows; returns the ids in order."""
    from psycopg import errors
    from psycopg.types.json import Jsonb

    meta = model._meta
    fields = _insert_fields(model)
    json_positions = [i for i, f in enumerate(fields) if isinstance(f, models.JSONField)]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [meta.db_table, meta.pk.column, count],
        )
        ids = [row[0] for row in cursor.fetchall()]
        columns = ", ".join([meta.pk.column] + [f.column for f in fields])
        types = [_pg_type(meta.pk)] + [_pg_type(f) for f in fields]
        try:
            with cursor.cursor.copy(
                f"COPY {meta.db_table} ({columns}) FROM STDIN (FORMAT BINARY)"
            ) as copy:
                copy.set_types(types)
                for pk, values in zip(ids, rows, strict=True):
                    for i in json_positions:
                        if values[i] is not None:
                            values[i] = Jsonb(values[i])
                    copy.write_row([pk, *values])
        except errors.UniqueViolation as exc:
            raise IntegrityError(str(exc)) from exc
    return ids


def insert_rows(model: type[models.Model], rows: Sequence[Mapping[str, Any]]) -> list[int]:
    """Insert rows given as ``{attname: value}`` (``order_id``, not ``order``) without building
    model instances; missing fields take their defaults. Returns the new ids in order."""
    if not rows:
        return []
    if connection.vendor != "postgresql":
        objs = model.objects.bulk_create([model(**row) for row in rows])
        return [o.pk for o in objs]
    fields = _insert_fields(model)
    now = timezone.now()
    auto = {f.attname for f in fields if _is_auto_time(f)}
    defaults = {f.attname: f.get_default() for f in fields if f.attname not in auto}
    columns = [f.attname for f in fields]
    return _copy(
        model,
        len(rows),
        ([now if c in auto else row.get(c, defaults[c]) for c in columns] for row in rows),
    )
