"""Bulk writes of an import: new employee files, changed fields, timeline events, workshops.

Rows go in with one statement per batch, not through model instances: building and saving
100,000 `Employee` objects costs more than reading the whole file. On PostgreSQL new rows are
streamed with COPY; on SQLite they go in one multi-row INSERT per batch (bound parameters, as
many rows as SQLite's parameter limit allows). Changed fields are one UPDATE … FROM per batch and
set of fields, and the timeline events one INSERT … SELECT per batch and set of fields, taking
the employees' ids inside the database. Column names come from the models' metadata.

One statement per batch also matters for the thread that reads the file meanwhile (pipeline):
a driver releases Python's lock while the database works, and every statement has to take it
back from that busy thread, which can cost milliseconds each time; executemany would pay that
per row. The caller holds the transaction.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from collections.abc import Iterable, Sequence
from operator import itemgetter
from typing import Any

from django.db import connection

from workgate.registry.importing.columns import ID_ATTRS
from workgate.registry.models import Employee, TimelineEvent, Workshop

KIND_CREATED = "registry.imported"
KIND_UPDATED = "registry.updated"

# SQLite's page cache while an import writes (the default is 2 MiB). A 100,000-row import
# touches a dozen index B-trees at random places; with the small cache SQLite keeps writing
# pages out and reading them back, which doubles the time of the inserts. Memory only: it
# changes nothing about what is written or when it is durable.
SQLITE_CACHE_KIB = 64 * 1024


def _quote(name: str) -> str:
    return connection.ops.quote_name(name)


def _execute(sql: str, params: list[Any]) -> None:
    """Run one statement with many parameters (`%s` marks).

    On SQLite it goes to the driver itself: Django's cursor rewrites `%s` to `?` with a regular
    expression, which over a statement with 30,000 marks costs more than SQLite's work on
    small batches. Same connection, same transaction.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
        return
    connection.ensure_connection()
    connection.connection.execute(sql.replace("%s", "?"), params)


class EmployeeWriter:
    """Writes one import's rows for one enterprise.

    A row is a list in `layout` order: the ID number's attributes (`ID_ATTRS`, always set),
    then the attributes the file's columns set, None where the cell was empty. A column's value
    wins over the ID number's (户籍地 over the ID's region); an attribute nobody sets takes
    the model's default.
    """

    def __init__(
        self,
        *,
        community_id: int,
        enterprise_id: int,
        import_id: str,
        actor_label: str,
        layout: Sequence[str],
    ) -> None:
        self.community_id = community_id
        self.enterprise_id = enterprise_id
        self.import_id = import_id
        self.actor_label = actor_label[:150]
        self.layout = tuple(layout)
        self.now = dt.datetime.now(dt.UTC)
        self.postgres = connection.vendor == "postgresql"
        self.now_db = self._adapt_datetime(self.now)
        self.table = Employee._meta.db_table
        self.event_table = TimelineEvent._meta.db_table
        self.fields = {f.attname: f for f in Employee._meta.concrete_fields}
        self._plan()
        self._cache_size: int | None = None
        if not self.postgres:
            with connection.cursor() as cursor:
                cursor.execute("PRAGMA cache_size")
                self._cache_size = cursor.fetchone()[0]
                cursor.execute(f"PRAGMA cache_size = -{SQLITE_CACHE_KIB}")

    def close(self) -> None:
        """Give the connection back as it was."""
        if self._cache_size is not None:
            with connection.cursor() as cursor:
                cursor.execute(f"PRAGMA cache_size = {int(self._cache_size)}")
            self._cache_size = None

    def _plan(self) -> None:
        """Which row position feeds each column of the INSERT, and what fills it otherwise."""
        constants: dict[str, Any] = {
            "community_id": self.community_id,
            "enterprise_id": self.enterprise_id,
            "created_at": self.now_db,
            "updated_at": self.now_db,
        }
        positions: dict[str, list[int]] = defaultdict(list)
        for position in reversed(range(len(self.layout))):  # the file's columns first
            positions[self.layout[position]].append(position)
        variable, fixed = [], []
        for f in Employee._meta.concrete_fields:
            if f.primary_key:
                continue
            if f.attname in positions and f.attname not in constants:
                variable.append(f)
            else:
                fixed.append(f)
        self.insert_columns = [f.column for f in (*variable, *fixed)]
        self.constants = tuple(constants.get(f.attname, f.get_default()) for f in fixed)
        sources = [positions[f.attname] for f in variable]
        self.width = len(variable)
        self.pick = itemgetter(*(s[0] for s in sources))  # the layout has 6 attributes or more
        # (index in the insert row, other positions to try, the value if none is set)
        self.fallbacks = [
            (i, s[1:], f.get_default())
            for i, (f, s) in enumerate(zip(variable, sources, strict=True))
            if len(s) > 1 or f.get_default() is not None
        ]
        self.date_indexes = [
            i for i, f in enumerate(variable) if f.get_internal_type() == "DateField"
        ]
        self.date_attrs = {
            a for a, f in self.fields.items() if f.get_internal_type() == "DateField"
        }

    # --- adaptation -----------------------------------------------------------------------

    def _adapt_datetime(self, value: dt.datetime) -> Any:
        return value if self.postgres else connection.ops.adapt_datetimefield_value(value)

    def _adapt_date(self, value: dt.date | None) -> Any:
        if value is None or self.postgres:
            return value
        return value.isoformat()

    def _insert_row(self, values: list[Any]) -> Any:
        """The INSERT's variable columns for one row (a tuple when nothing needed filling)."""
        row = self.pick(values)
        if None in row or not self.postgres:
            row = list(row)
            if None in row:
                for i, others, default in self.fallbacks:
                    if row[i] is None:
                        for p in others:
                            if values[p] is not None:
                                row[i] = values[p]
                                break
                        else:
                            row[i] = default
            if not self.postgres:
                for i in self.date_indexes:
                    if row[i] is not None:
                        row[i] = row[i].isoformat()
        return row

    def _chunks(self, items: list[Any], per_item: int) -> Iterable[list[Any]]:
        """`items` in runs small enough for the backend's limit on bound parameters."""
        limit = connection.features.max_query_params
        size = len(items) if not limit else max(1, (limit - 8) // per_item)
        for start in range(0, len(items), size):
            yield items[start : start + size]

    # --- what the pipeline calls -------------------------------------------------------------

    def create(self, rows: list[list[Any]]) -> None:
        """Open a file for each row, each with a timeline event."""
        if not rows:
            return
        names = ", ".join(_quote(c) for c in self.insert_columns)
        table = _quote(self.table)
        if self.postgres:
            with connection.cursor() as cursor:
                raw = cursor.cursor  # psycopg's own cursor: COPY is not in the DB-API
                constants = self.constants
                with raw.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                    for values in rows:
                        copy.write_row((*self._insert_row(values), *constants))
        if not self.postgres:
            fixed = ", ".join(["%s"] * len(self.constants))
            one = "(" + ", ".join(["%s"] * self.width) + ")"
            for chunk in self._chunks(rows, self.width):
                params: list[Any] = list(self.constants)
                for values in chunk:
                    params.extend(self._insert_row(values))
                _execute(
                    f"INSERT INTO {table} ({names}) "  # noqa: S608 - names from the model
                    f"SELECT *, {fixed} FROM (VALUES {', '.join([one] * len(chunk))})",
                    params,
                )
        # Rows of one file mostly set the same fields: one statement per set.
        by_empty: dict[tuple[int, ...], list[str]] = defaultdict(list)
        for values in rows:
            empty = tuple(i for i, v in enumerate(values) if v is None) if None in values else ()
            by_empty[empty].append(values[0])
        by_fields: dict[tuple[str, ...], list[str]] = defaultdict(list)
        for empty, numbers in by_empty.items():
            attrs = (a for i, a in enumerate(self.layout) if i not in empty)
            by_fields[self._shown_fields(attrs)].extend(numbers)
        self._events(KIND_CREATED, "id_number", by_fields)

    def update(self, rows: list[tuple[int, dict[str, Any]]]) -> None:
        """Change the given fields of each employee (pk, {attribute: new value})."""
        if not rows:
            return
        groups: dict[tuple[str, ...], list[tuple[Any, ...]]] = defaultdict(list)
        for pk, changed in rows:
            attrs = tuple(sorted(changed))
            values = [
                self._adapt_date(changed[a]) if a in self.date_attrs else changed[a] for a in attrs
            ]
            groups[attrs].append((pk, *values))
        table = _quote(self.table)
        with connection.cursor() as cursor:
            for attrs, params in groups.items():
                columns = [self.fields[a].column for a in attrs]
                if self.postgres:
                    types = ["bigint", *(self.fields[a].db_type(connection) for a in attrs)]
                    arrays = ", ".join(f"%s::{t}[]" for t in types)
                    names = ", ".join(f"c{i}" for i in range(len(types)))
                    sets = ", ".join(f"{_quote(c)} = v.c{i + 1}" for i, c in enumerate(columns))
                    cursor.execute(
                        f"UPDATE {table} SET {sets}, {_quote('updated_at')} = %s "  # noqa: S608
                        f"FROM unnest({arrays}) AS v({names}) WHERE {table}.id = v.c0",
                        [self.now_db, *(list(column) for column in zip(*params, strict=True))],
                    )
                    continue
                sets = ", ".join(f"{_quote(c)} = v.column{i + 2}" for i, c in enumerate(columns))
                one = "(" + ", ".join(["%s"] * (len(attrs) + 1)) + ")"
                for chunk in self._chunks(params, len(attrs) + 1):
                    _execute(
                        f"UPDATE {table} SET {sets}, {_quote('updated_at')} = %s "  # noqa: S608
                        f"FROM (VALUES {', '.join([one] * len(chunk))}) AS v "
                        f"WHERE {table}.id = v.column1",
                        [self.now_db, *(value for row in chunk for value in row)],
                    )
        by_fields: dict[tuple[str, ...], list[int]] = defaultdict(list)
        for pk, changed in rows:
            by_fields[self._shown_fields(changed)].append(pk)
        self._events(KIND_UPDATED, "id", by_fields)

    def _shown_fields(self, attrs: Iterable[str]) -> tuple[str, ...]:
        return tuple(sorted(_shown(attrs)))

    def _events(self, kind: str, key: str, groups: dict[tuple[str, ...], list[Any]]) -> None:
        """One timeline event per employee, written from the employee rows themselves:
        `groups` maps the fields an event names to the employees' `key` values."""
        table, events = _quote(self.table), _quote(self.event_table)
        columns = ", ".join(
            _quote(c) for c in ("employee_id", "at", "kind", "params", "actor_label")
        )
        params_sql = "CAST(%s AS jsonb)" if self.postgres else "%s"
        for fields, keys in groups.items():
            params = json.dumps({"import": self.import_id, "fields": list(fields)})
            head = [self.now_db, kind, params, self.actor_label, self.community_id]
            chunks = [keys] if self.postgres else self._chunks(keys, 1)
            for chunk in chunks:
                if self.postgres:
                    where, tail = f"{_quote(key)} = ANY(%s)", [chunk]
                else:
                    where, tail = f"{_quote(key)} IN ({', '.join(['%s'] * len(chunk))})", chunk
                _execute(
                    f"INSERT INTO {events} ({columns}) "  # noqa: S608 - names from the models
                    f"SELECT {_quote('id')}, %s, %s, {params_sql}, %s FROM {table} "
                    f"WHERE {_quote('community_id')} = %s AND {where}",
                    [*head, *tail],
                )


def _shown(attrs: Iterable[str]) -> set[str]:
    """Field names as the timeline shows them (`workshop`, not `workshop_id`)."""
    return {a.removesuffix("_id") for a in attrs if a not in _NOT_SHOWN}


_NOT_SHOWN = frozenset({"community_id", "enterprise_id", "created_at", "updated_at"})

__all__ = ["ID_ATTRS", "EmployeeWriter", "by_id_number", "workshops_create"]


def workshops_create(enterprise_id: int, names: Iterable[str]) -> dict[str, int]:
    """Create the named workshops (once per import); name → pk."""
    objs = [Workshop(enterprise_id=enterprise_id, name=name) for name in sorted(set(names))]
    Workshop.objects.bulk_create(objs, ignore_conflicts=True)
    return dict(
        Workshop.objects.filter(
            enterprise_id=enterprise_id, name__in=[o.name for o in objs]
        ).values_list("name", "pk")
    )


def by_id_number(
    community_id: int, numbers: list[str], attnames: list[str]
) -> list[tuple[Any, ...]]:
    """(id_number, *attnames) of the community's employees holding these ID numbers.

    PostgreSQL gets the numbers as one array parameter: a 2,000-item IN list costs it more to
    plan than to run.
    """
    if not numbers:
        return []
    columns = {f.attname: f.column for f in Employee._meta.concrete_fields}
    selected = ", ".join(_quote(columns[a]) for a in ["id_number", *attnames])
    table = _quote(Employee._meta.db_table)
    if connection.vendor == "postgresql":
        where, params = f"{_quote('id_number')} = ANY(%s)", [community_id, numbers]
    else:
        where = f"{_quote('id_number')} IN ({', '.join(['%s'] * len(numbers))})"
        params = [community_id, *numbers]
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {selected} FROM {table} "  # noqa: S608 - names from the model's metadata
            f"WHERE {_quote('community_id')} = %s AND {where}",
            params,
        )
        rows = cursor.fetchall()
    date_attrs = [
        i + 1
        for i, a in enumerate(attnames)
        if Employee._meta.get_field(a.removesuffix("_id")).get_internal_type() == "DateField"
    ]
    if date_attrs and connection.vendor != "postgresql":
        # SQLite hands dates back as text
        converted = []
        for row in rows:
            values = list(row)
            for i in date_attrs:
                if isinstance(values[i], str):
                    values[i] = dt.date.fromisoformat(values[i])
            converted.append(tuple(values))
        rows = converted
    return rows
