"""The checks table on PostgreSQL: partitioned by day, created ahead, dropped after retention.

Why partitions: 18 million rows in 60 days. Every list reads one day, so a day's partition is
all a query touches (partition pruning), and retention is `DROP TABLE` of whole days instead
of a DELETE that bloats the table and its indexes. SQLite (laptop, tests) keeps one plain
table; these functions do nothing there.
"""

from __future__ import annotations

import datetime as dt
import logging
import re

from django.db import connection, transaction
from django.db.migrations.operations import CreateModel

logger = logging.getLogger(__name__)

TABLE = "health_check"
_PART = re.compile(rf"^{TABLE}_p(\d{{8}})$")
_known: set[dt.date] = set()


class PartitionedCreateModel(CreateModel):
    """CreateModel that, on PostgreSQL, creates the table `PARTITION BY RANGE (<column>)`.

    The model's indexes are created on the parent as usual: PostgreSQL creates them on every
    partition. Elsewhere it is a plain CreateModel.
    """

    def __init__(self, *args, partition_column: str, **kwargs):  # type: ignore[no-untyped-def]
        self.partition_column = partition_column
        super().__init__(*args, **kwargs)

    def deconstruct(self):  # type: ignore[no-untyped-def]
        name, args, kwargs = super().deconstruct()
        kwargs["partition_column"] = self.partition_column
        return name, args, kwargs

    def database_forwards(self, app_label, schema_editor, from_state, to_state):  # type: ignore[no-untyped-def]
        if schema_editor.connection.vendor != "postgresql":
            return super().database_forwards(app_label, schema_editor, from_state, to_state)
        original = schema_editor.sql_create_table
        schema_editor.sql_create_table = (
            f"{original} PARTITION BY RANGE ({schema_editor.quote_name(self.partition_column)})"
        )
        try:
            return super().database_forwards(app_label, schema_editor, from_state, to_state)
        finally:
            schema_editor.sql_create_table = original


def is_partitioned() -> bool:
    return connection.vendor == "postgresql"


def partition_name(day: dt.date) -> str:
    return f"{TABLE}_p{day:%Y%m%d}"


def existing() -> list[dt.date]:
    """The days that have a partition, oldest first."""
    if not is_partitioned():
        return []
    with connection.cursor() as cur:
        cur.execute(
            "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
            "JOIN pg_class p ON p.oid = i.inhparent WHERE p.relname = %s",
            [TABLE],
        )
        names = [row[0] for row in cur.fetchall()]
    days = []
    for name in names:
        match = _PART.match(name)
        if match:
            days.append(dt.datetime.strptime(match.group(1), "%Y%m%d").date())
    return sorted(days)


def ensure(days: set[dt.date] | list[dt.date]) -> list[dt.date]:
    """Create the partitions these days need; returns the days created.

    Remembered per process, so the ingest path pays one set lookup per batch. Creation is
    serialised by an advisory lock, so two workers creating the same day never collide.
    """
    if not is_partitioned():
        return []
    wanted = sorted(set(days) - _known)
    if not wanted:
        return []
    created = []
    with transaction.atomic(), connection.cursor() as cur:
        cur.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [TABLE])
        have = set(existing())
        for day in wanted:
            if day not in have:
                cur.execute(
                    f'CREATE TABLE "{partition_name(day)}" PARTITION OF "{TABLE}" '
                    "FOR VALUES FROM (%s) TO (%s)",
                    [day, day + dt.timedelta(days=1)],
                )
                created.append(day)
    _known.update(wanted)
    if created:
        logger.info("created check partitions for %s", ", ".join(map(str, created)))
    return created


def drop_before(day: dt.date) -> list[dt.date]:
    """Drop whole days older than `day` (the retention setting); returns the days dropped."""
    if not is_partitioned():
        return []
    dropped = []
    with transaction.atomic(), connection.cursor() as cur:
        cur.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [TABLE])
        for old in existing():
            if old < day:
                cur.execute(f'DROP TABLE "{partition_name(old)}"')
                dropped.append(old)
    _known.difference_update(dropped)
    return dropped


def forget() -> None:
    """Forget what this process knows (tests drop and recreate tables)."""
    _known.clear()
