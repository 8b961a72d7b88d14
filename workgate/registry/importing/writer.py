"""Bulk writes of an import: new employee files, changed fields, timeline events, workshops.

Rows go in with one statement per batch, not through model instances: building and saving
100,000 `Employee` objects costs more than reading the whole file. On PostgreSQL rows are
streamed with COPY; on SQLite with executemany. Values are adapted once per column kind (dates
and timestamps), column names come from the models' metadata. The caller holds the transaction.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from django.db import connection

from workgate.registry.models import Employee, TimelineEvent, Workshop

KIND_CREATED = "registry.imported"
KIND_UPDATED = "registry.updated"


def _quote(name: str) -> str:
    return connection.ops.quote_name(name)


class EmployeeWriter:
    """Writes one import's rows for one enterprise."""

    def __init__(
        self, *, community_id: int, enterprise_id: int, import_id: str, actor_label: str
    ) -> None:
        self.community_id = community_id
        self.enterprise_id = enterprise_id
        self.import_id = import_id
        self.actor_label = actor_label[:150]
        self.now = dt.datetime.now(dt.UTC)
        self.postgres = connection.vendor == "postgresql"
        self.fields = [f for f in Employee._meta.concrete_fields if not f.primary_key]
        self.attnames = [f.attname for f in self.fields]
        self.defaults: dict[str, Any] = {f.attname: f.get_default() for f in self.fields}
        self.now_db = self._adapt_datetime(self.now)
        self.defaults.update(
            community_id=community_id,
            enterprise_id=enterprise_id,
            created_at=self.now_db,
            updated_at=self.now_db,
        )
        self.date_attrs = {f.attname for f in self.fields if f.get_internal_type() == "DateField"}
        self.table = Employee._meta.db_table
        self.event_table = TimelineEvent._meta.db_table

    # --- adaptation -----------------------------------------------------------------------

    def _adapt_datetime(self, value: dt.datetime) -> Any:
        return value if self.postgres else connection.ops.adapt_datetimefield_value(value)

    def _adapt_date(self, value: dt.date | None) -> Any:
        if value is None or self.postgres:
            return value
        return value.isoformat()

    # --- statements -----------------------------------------------------------------------

    def _insert(self, table: str, columns: list[str], rows: list[Any]) -> None:
        if not rows:
            return
        names = ", ".join(_quote(c) for c in columns)
        with connection.cursor() as cursor:
            if self.postgres:
                raw = cursor.cursor  # psycopg's own cursor: COPY is not in the DB-API
                with raw.copy(f"COPY {_quote(table)} ({names}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
            else:
                marks = ", ".join(["%s"] * len(columns))
                cursor.executemany(
                    f"INSERT INTO {_quote(table)} ({names}) VALUES ({marks})",  # noqa: S608
                    rows,
                )

    def _ids_of(self, numbers: list[str]) -> dict[str, int]:
        return {row[0]: row[1] for row in by_id_number(self.community_id, numbers, ["id"])}

    def _events(self, items: Iterable[tuple[int, str, list[str]]]) -> None:
        columns = ["employee_id", "at", "kind", "params", "actor_label"]
        params: dict[tuple[str, ...], str] = {}  # most rows change the same fields
        rows = []
        for pk, kind, fields in items:
            key = tuple(fields)
            if key not in params:
                params[key] = json.dumps({"import": self.import_id, "fields": fields})
            rows.append((pk, self.now_db, kind, params[key], self.actor_label))
        self._insert(self.event_table, columns, rows)

    # --- what the pipeline calls -------------------------------------------------------------

    def create(self, rows: list[dict[str, Any]]) -> None:
        """Open a file for each row (model attribute → value), each with a timeline event."""
        if not rows:
            return
        pairs = [(a, self.defaults[a]) for a in self.attnames]
        date_positions = [i for i, a in enumerate(self.attnames) if a in self.date_attrs]
        tuples = []
        for row in rows:
            values = [row.get(a, d) for a, d in pairs]
            if not self.postgres:
                for i in date_positions:
                    if values[i] is not None:
                        values[i] = values[i].isoformat()
            tuples.append(values)
        columns = [f.column for f in self.fields]
        self._insert(self.table, columns, tuples)
        ids = self._ids_of([row["id_number"] for row in rows])
        shown: dict[tuple[str, ...], list[str]] = {}  # rows of one file set the same fields
        events = []
        for row in rows:
            keys = tuple(row)
            if keys not in shown:
                shown[keys] = sorted(_shown(row))
            events.append((ids[row["id_number"]], KIND_CREATED, shown[keys]))
        self._events(events)

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
            groups[attrs].append((*values, self.now_db, pk))
        columns = {f.attname: f.column for f in self.fields}
        with connection.cursor() as cursor:
            for attrs, params in groups.items():
                sets = ", ".join(f"{_quote(columns[a])} = %s" for a in (*attrs, "updated_at"))
                cursor.executemany(
                    f"UPDATE {_quote(self.table)} SET {sets} WHERE {_quote('id')} = %s",  # noqa: S608
                    params,
                )
        self._events((pk, KIND_UPDATED, sorted(_shown(changed))) for pk, changed in rows)


def _shown(values: dict[str, Any]) -> set[str]:
    """Field names as the timeline shows them (`workshop`, not `workshop_id`)."""
    return {a.removesuffix("_id") for a in values if a not in _NOT_SHOWN}


_NOT_SHOWN = frozenset({"community_id", "enterprise_id", "created_at", "updated_at"})


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
