"""Plain multi-row inserts for the call list and its calls.

Django's bulk_create compiles every value of every row through the model layer, which for a
30,000-person call list costs more than the database itself (profiled: about 90 % of the time
in SQL assembly). Here only the values whose type differs between backends (dates, UUIDs, JSON)
are prepared by their field's own `get_db_prep_save`; numbers, text and booleans go as they are.
Columns left out take the field's default (computed once); rows go by COPY on PostgreSQL and in
multi-row INSERTs on SQLite.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections, models

PREPARED = (
    models.DateTimeField,
    models.DateField,
    models.UUIDField,
    models.JSONField,
    models.DecimalField,
)


def _preparer(field: models.Field, conn: Any) -> Callable[[Any], Any] | None:
    if not isinstance(field, PREPARED):
        return None
    return lambda v: None if v is None else field.get_db_prep_save(v, conn)


def insert_rows(model: type[models.Model], rows: Iterable[Mapping[str, Any]]) -> int:
    """Insert rows given as {attname: value} (e.g. "employee_id"); an auto primary key is left
    to the database."""
    conn = connections[DEFAULT_DB_ALIAS]
    meta = model._meta
    fields = [f for f in meta.concrete_fields if not isinstance(f, models.AutoField)]
    defaults = [f.get_default() for f in fields]
    names = [f.attname for f in fields]
    preps = [_preparer(f, conn) for f in fields]
    columns = ", ".join(conn.ops.quote_name(f.column) for f in fields)
    row_marks = "(" + ", ".join(["%s"] * len(fields)) + ")"
    table = conn.ops.quote_name(meta.db_table)
    # As many rows per statement as the backend takes parameters (SQLite 32,766; PG 65,535).
    per_batch = max(1, min(2000, (conn.features.max_query_params or 65535) // len(fields)))
    prepared = []
    for row in rows:
        values = []
        for name, default, prep in zip(names, defaults, preps, strict=True):
            value = row.get(name, default)
            values.append(value if prep is None else prep(value))
        prepared.append(tuple(values))
    with conn.cursor() as cursor:
        if conn.vendor == "postgresql":
            # COPY: Django's PostgreSQL cursors bind parameters on the client, which costs
            # seconds for 30,000 rows × 17 values; COPY sends the rows as they are.
            with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for row in prepared:
                    copy.write_row(row)
            return len(prepared)
        for start in range(0, len(prepared), per_batch):
            batch = prepared[start : start + per_batch]
            marks = ", ".join([row_marks] * len(batch))
            sql = f"INSERT INTO {table} ({columns}) VALUES {marks}"  # noqa: S608 - model names
            cursor.execute(sql, [v for row in batch for v in row])
    return len(prepared)
