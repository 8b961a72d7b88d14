"""Writes of daily health. Every check — from the gate station, a device, the round grid or a
person's file — goes through `checks_record`, which validates each item, stores the batch in
one transaction, and opens fever incidents for the fevers it created."""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import secrets
import time
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from workgate.core.access import Actor, Perm, scope
from workgate.core.audit import audit_record
from workgate.core.models import AuditEntry, Enterprise, Role
from workgate.core.services import ServiceError
from workgate.health import partitions
from workgate.health.models import (
    Check,
    Declaration,
    Gate,
    HealthSettings,
    Incident,
    IncidentStep,
    PassCode,
)
from workgate.health.rules import (
    ReadingError,
    is_fever,
    parse_temperature,
    round_at,
    round_opens,
    settings_for,
    settings_forget,
)
from workgate.registry.models import Employee, Region, TimelineEvent
from workgate.registry.services import (
    employee_health_set,
    employees_health_set,
    timeline_add,
    timeline_add_many,
)

logger = logging.getLogger(__name__)

MAX_BATCH = 1000
_KINDS = frozenset(Check.Kind.values)
MAX_MASKS = 20

# --- Checks ---------------------------------------------------------------------------------


@dataclass
class CheckItem:
    """One check as a device, the station or the grid sends it."""

    uuid: uuid.UUID
    temperature: Any
    taken_at: dt.datetime | None = None
    pass_code: str = ""
    employee_id: int | None = None
    masks_issued: int = 0
    gate_id: int | None = None
    kind: str = ""  # "" → gate when a gate is given, otherwise round


@dataclass
class CheckResult:
    uuid: uuid.UUID
    status: str  # created | duplicate | rejected
    reason: str = ""
    field: str = ""
    employee_id: int | None = None
    fever: bool = False
    incident_id: int | None = None
    temperature: Decimal | None = None


@dataclass
class _Row:
    index: int
    item: CheckItem
    employee: Any = None
    temperature: Decimal | None = None
    taken_at: dt.datetime | None = None
    taken_on: dt.date | None = None
    round_no: int = 0
    kind: str = ""
    fever: bool = False
    masks: int = 0


def _reject(results: list[CheckResult | None], row: _Row, reason: str, fld: str) -> None:
    results[row.index] = CheckResult(
        uuid=row.item.uuid, status="rejected", reason=reason, field=fld
    )


def _aware(value: dt.datetime, tz: dt.tzinfo) -> dt.datetime:
    return value if timezone.is_aware(value) else value.replace(tzinfo=tz)


def checks_record(
    *, actor: Actor, items: Sequence[CheckItem], source: str, now: dt.datetime | None = None
) -> list[CheckResult]:
    """Record a batch of checks: all stored or none, each item answered.

    Per item: `created`; `duplicate` (this id was stored before: nothing changes, so a
    retried upload is harmless); or `rejected` with the reason and the field at fault (unknown
    pass code, another enterprise's person, a reading no person has, a time in the future or
    too late). Rejected items store nothing and do not stop the others.
    """
    actor.check(Perm.CHECK_RECORD)
    if len(items) > MAX_BATCH:
        raise ServiceError(
            _("A batch holds at most %(n)s checks; split it.") % {"n": MAX_BATCH}, field="checks"
        )
    now = now or timezone.now()
    hs, tz = settings_for(actor.community_id)
    earliest = now - dt.timedelta(hours=hs.late_limit_hours)
    latest = now + dt.timedelta(minutes=hs.future_tolerance_minutes)
    results: list[CheckResult | None] = [None] * len(items)
    rows: list[_Row] = []
    seen: set[uuid.UUID] = set()
    opens, threshold = round_opens(hs), hs.fever_threshold

    for index, item in enumerate(items):
        row = _Row(index=index, item=item)
        if item.uuid in seen:
            results[index] = CheckResult(uuid=item.uuid, status="duplicate")
            continue
        seen.add(item.uuid)
        try:
            row.temperature = parse_temperature(item.temperature)
        except ReadingError as exc:
            _reject(results, row, str(exc), "temperature")
            continue
        taken_at = _aware(item.taken_at, tz) if item.taken_at else now
        if taken_at > latest:
            _reject(
                results,
                row,
                _("The check is timed %(at)s, in the future: set the device's clock.")
                % {"at": timezone.localtime(taken_at, tz).strftime("%Y-%m-%d %H:%M")},
                "taken_at",
            )
            continue
        if taken_at < earliest:
            _reject(
                results,
                row,
                _(
                    "The check was taken %(at)s, more than %(hours)s hours ago: too late to "
                    "upload. Record it on the person's file with a note."
                )
                % {
                    "at": timezone.localtime(taken_at, tz).strftime("%Y-%m-%d %H:%M"),
                    "hours": hs.late_limit_hours,
                },
                "taken_at",
            )
            continue
        if not 0 <= int(item.masks_issued) <= MAX_MASKS:
            _reject(
                results,
                row,
                _("Masks issued must be between 0 and %(n)s.") % {"n": MAX_MASKS},
                "masks_issued",
            )
            continue
        if not item.pass_code and not item.employee_id:
            _reject(
                results, row, _("Say whose check it is: a pass code or an employee id."), "person"
            )
            continue
        local = taken_at.astimezone(tz)
        row.taken_at, row.taken_on = taken_at, local.date()
        row.round_no = round_at(local.hour * 60 + local.minute, opens)
        row.masks = int(item.masks_issued)
        row.fever = row.temperature >= threshold
        rows.append(row)

    _resolve_people(actor, rows, results)
    _resolve_gates(actor, rows, results)
    rows = [row for row in rows if results[row.index] is None]

    created: set[uuid.UUID] = set()
    if rows:
        partitions.ensure({row.taken_on for row in rows})
        # A batch without a fever is one INSERT statement on PostgreSQL, atomic by itself: an
        # explicit transaction would only add two round trips to every single check-in.
        one_statement = connection.vendor == "postgresql" and not any(r.fever for r in rows)
        with contextlib.nullcontext() if one_statement else transaction.atomic():
            created = _insert(actor, rows, source, now)
            fevers: list[_Row] = []
            for row in rows:
                status = "created" if row.item.uuid in created else "duplicate"
                results[row.index] = CheckResult(
                    uuid=row.item.uuid,
                    status=status,
                    employee_id=row.employee.pk,
                    fever=row.fever,
                    temperature=row.temperature,
                )
                if status == "created" and row.fever:
                    fevers.append(row)
            incidents = incidents_open(
                actor=actor,
                fevers=[
                    Fever(
                        employee_id=row.employee.pk,
                        community_id=actor.community_id,
                        enterprise_id=row.employee.enterprise_id,
                        name=row.employee.name,
                        temperature=row.temperature,  # type: ignore[arg-type]
                        source=Incident.Source.CHECK,
                        at=row.taken_at,  # type: ignore[arg-type]
                        check_uuid=row.item.uuid,
                    )
                    for row in fevers
                ],
            )
            for row, incident in zip(fevers, incidents, strict=True):
                results[row.index].incident_id = incident.pk  # type: ignore[union-attr]
    return [r for r in results if r is not None]


def _cursor() -> Any:
    """A cursor for the hot path. On PostgreSQL a server-side-binding psycopg cursor on Django's
    own connection (same transaction): Django's default client-side binding quotes every value
    of a 1,000-row batch in Python, which cost more than the database's work."""
    if connection.vendor == "postgresql":
        import psycopg

        connection.ensure_connection()
        return psycopg.Cursor(connection.connection)
    return connection.cursor()


def _in(values: set[Any]) -> str:
    if connection.vendor == "postgresql":
        return "= ANY(%s)"
    return "IN (" + ", ".join(["%s"] * len(values)) + ")"


def _in_params(values: set[Any]) -> list[Any]:
    if connection.vendor == "postgresql":
        return [_array_literal(values)]
    return list(values)


def _array_literal(values: Iterable[Any]) -> str:
    """A PostgreSQL array literal of values that need no quoting (codes, ids, numbers, dates,
    ISO times, UUIDs, fixed words): one text parameter instead of an array that psycopg would
    dump element by element in Python (10 µs each; 15,000 of them per batch)."""
    return "{" + ",".join("NULL" if v is None else str(v) for v in values) + "}"


@dataclass(frozen=True, slots=True)
class _Person:
    pk: int
    name: str
    enterprise_id: int


def _resolve_people(actor: Actor, rows: list[_Row], results: list[CheckResult | None]) -> None:
    """Find each row's person in one or two queries, inside the actor's tenant."""
    codes = {row.item.pass_code.strip().upper() for row in rows if row.item.pass_code}
    ids = {
        int(row.item.employee_id) for row in rows if row.item.employee_id and not row.item.pass_code
    }
    # Raw SQL on purpose: this runs on every single check-in, and building these two simple
    # queries through the ORM costs more CPU than the rest of the request's own work.
    employees, passes = Employee._meta.db_table, PassCode._meta.db_table
    by_code: dict[str, _Person] = {}
    by_id: dict[int, _Person] = {}
    with _cursor() as cur:
        if codes and connection.vendor == "postgresql":
            # One index probe per code (LATERAL … OFFSET 0 keeps the planner from hashing the
            # whole pass-code and employee tables, which it chose for a 1,000-code batch and
            # which made the lookup cost grow with the community instead of the batch).
            cur.execute(
                "SELECT x.* FROM unnest(%s::varchar[]) c(code) CROSS JOIN LATERAL ("  # noqa: S608
                f"SELECT p.code, e.id, e.name, e.enterprise_id FROM {passes} p "
                f"JOIN {employees} e ON e.id = p.employee_id "
                "WHERE p.code = c.code AND e.community_id = %s OFFSET 0) x",
                [_array_literal(codes), actor.community_id],
            )
            by_code = {code: _Person(pk, name, ent) for code, pk, name, ent in cur.fetchall()}
        elif codes:
            cur.execute(
                f"SELECT p.code, e.id, e.name, e.enterprise_id FROM {passes} p "  # noqa: S608
                f"JOIN {employees} e ON e.id = p.employee_id "
                f"WHERE p.code {_in(codes)} AND e.community_id = %s",
                [*_in_params(codes), actor.community_id],
            )
            by_code = {code: _Person(pk, name, ent) for code, pk, name, ent in cur.fetchall()}
        if ids:
            cur.execute(
                f"SELECT id, name, enterprise_id FROM {employees} "  # noqa: S608
                f"WHERE id {_in(ids)} AND community_id = %s",
                [*_in_params(ids), actor.community_id],
            )
            by_id = {pk: _Person(pk, name, ent) for pk, name, ent in cur.fetchall()}
    for row in rows:
        if row.item.pass_code:
            employee = by_code.get(row.item.pass_code.strip().upper())
            if employee is None:
                _reject(
                    results,
                    row,
                    _(
                        "Unknown pass code “%(code)s”: ask the person to show their pass again, or "
                        "find them by the last digits of their ID."
                    )
                    % {"code": row.item.pass_code.strip()[:20]},
                    "pass_code",
                )
                continue
        else:
            employee = by_id.get(int(row.item.employee_id))  # type: ignore[arg-type]
            if employee is None:
                _reject(results, row, _("No such employee in this community."), "employee_id")
                continue
        if actor.enterprise_id is not None and employee.enterprise_id != actor.enterprise_id:
            _reject(
                results,
                row,
                _(
                    "%(name)s works for another enterprise: checks here are for this enterprise's "
                    "people only."
                )
                % {"name": employee.name},
                "person",
            )
            continue
        row.employee = employee


# Gates change perhaps once a season; a single check-in should not pay a query for its gate.
# What scope() decided is remembered per tenant for GATE_CACHE_SECONDS.
GATE_CACHE_SECONDS = 30.0
_gate_cache: dict[tuple[int, int | None, int], tuple[float, Gate | None]] = {}


def _gates_for(actor: Actor, gate_ids: set[int]) -> dict[int, Gate]:
    tenant = (actor.community_id, None if actor.community_wide else actor.enterprise_id)
    now = time.monotonic()
    found: dict[int, Gate] = {}
    missing = set()
    for pk in gate_ids:
        hit = _gate_cache.get((*tenant, pk))
        if hit is not None and now - hit[0] < GATE_CACHE_SECONDS:
            if hit[1] is not None:
                found[pk] = hit[1]
        else:
            missing.add(pk)
    if missing:
        fetched = {g.pk: g for g in scope(actor, Gate.objects.filter(pk__in=missing))}
        if len(_gate_cache) > 10_000:
            _gate_cache.clear()
        for pk in missing:
            _gate_cache[(*tenant, pk)] = (now, fetched.get(pk))
        found.update(fetched)
    return found


def gate_cache_clear() -> None:
    _gate_cache.clear()


def _resolve_gates(actor: Actor, rows: list[_Row], results: list[CheckResult | None]) -> None:
    gate_ids = {
        int(row.item.gate_id) for row in rows if row.item.gate_id and results[row.index] is None
    }
    gates = _gates_for(actor, gate_ids) if gate_ids else {}
    for row in rows:
        if results[row.index] is not None:
            continue
        kind = row.item.kind or ("gate" if row.item.gate_id else "round")
        if kind not in _KINDS:
            _reject(results, row, _("Unknown kind of check."), "kind")
            continue
        row.kind = kind
        if row.item.gate_id:
            gate = gates.get(int(row.item.gate_id))
            if gate is None or not gate.is_active:
                _reject(results, row, _("Unknown gate, or a gate no longer in use."), "gate")
                continue
            if gate.enterprise_id != row.employee.enterprise_id:
                _reject(
                    results,
                    row,
                    _("%(name)s works for another enterprise and cannot be checked in at %(gate)s.")
                    % {"name": row.employee.name, "gate": gate.name},
                    "person",
                )
                continue
        elif kind == Check.Kind.GATE:
            _reject(results, row, _("A gate check needs the gate."), "gate")


_COLUMNS = (
    "taken_on",
    "uuid",
    "taken_at",
    "received_at",
    "community_id",
    "enterprise_id",
    "employee_id",
    "gate_id",
    "kind",
    "round_no",
    "temperature",
    "fever",
    "masks_issued",
    "source",
    "recorded_by",
)
_PG_TYPES = (
    "date",
    "uuid",
    "timestamptz",
    "timestamptz",
    "bigint",
    "bigint",
    "bigint",
    "bigint",
    "varchar",
    "smallint",
    "numeric",
    "boolean",
    "smallint",
    "varchar",
    "varchar",
)


def _insert(actor: Actor, rows: list[_Row], source: str, now: dt.datetime) -> set[uuid.UUID]:
    """Insert the rows, skipping ids already stored; returns the ids this call stored.

    One statement per batch: on PostgreSQL the columns go as arrays through unnest(), which
    costs one parse and one round trip whatever the batch size; `ON CONFLICT DO NOTHING
    RETURNING` tells created from duplicate atomically, so two uploads of the same batch racing
    each other still store every check once. The ORM's bulk_create cannot say which rows it
    skipped, which is the one thing an idempotent upload must know.
    """
    label = actor.label[:150]
    values = [
        (
            row.taken_on,
            row.item.uuid,
            row.taken_at,
            now,
            actor.community_id,
            row.employee.enterprise_id,
            row.employee.pk,
            int(row.item.gate_id) if row.item.gate_id else None,
            row.kind,
            row.round_no,
            row.temperature,
            row.fever,
            row.masks,
            source,
            label,
        )
        for row in rows
    ]
    cols = ", ".join(_COLUMNS)
    with _cursor() as cur:
        if connection.vendor == "postgresql" and len(values) <= 10:
            # A device's single check: plain VALUES, cheaper to send than fifteen arrays.
            row_marks = "(" + ", ".join(f"%s::{t}" for t in _PG_TYPES) + ")"
            cur.execute(
                f"INSERT INTO {partitions.TABLE} ({cols}) VALUES "  # noqa: S608 - fixed names
                + ", ".join([row_marks] * len(values))
                + " ON CONFLICT DO NOTHING RETURNING uuid",
                [v for value in values for v in value],
            )
            return {r[0] for r in cur.fetchall()}
        if connection.vendor == "postgresql":
            return _insert_copy(cur, values, cols) or _insert_unnest(
                cur, values, cols, now, actor.community_id, source, label
            )
        fields = [Check._meta.get_field(c.removesuffix("_id")) for c in _COLUMNS]
        prepped = [
            tuple(f.get_db_prep_value(v, connection) for f, v in zip(fields, value, strict=True))
            for value in values
        ]
        placeholders = "(" + ", ".join(["%s"] * len(_COLUMNS)) + ")"
        created: set[uuid.UUID] = set()
        # SQLite allows 32,766 variables per statement: 15 columns × 500 rows stays under it.
        for start in range(0, len(prepped), 500):
            chunk = prepped[start : start + 500]
            cur.execute(
                f"INSERT INTO {partitions.TABLE} ({cols}) VALUES "  # noqa: S608 - fixed names
                + ", ".join([placeholders] * len(chunk))
                + " ON CONFLICT DO NOTHING RETURNING uuid",
                [v for row in chunk for v in row],
            )
            created.update(
                uuid.UUID(r[0]) if isinstance(r[0], str) else r[0] for r in cur.fetchall()
            )
        return created


def _insert_copy(cur: Any, values: list[tuple[Any, ...]], cols: str) -> set[uuid.UUID] | None:
    """The fast path for a batch on PostgreSQL: COPY, PostgreSQL's bulk path, several times
    cheaper per row than INSERT … ON CONFLICT. Under a savepoint: if any id was stored before
    (a retried upload, or a racing one), the COPY fails whole and None sends the batch down the
    ON CONFLICT path, which tells created from duplicate row by row. Retries are the exception,
    so the common batch pays no lookup for them."""
    import psycopg

    try:
        with (
            transaction.atomic(),
            cur.copy(f"COPY {partitions.TABLE} ({cols}) FROM STDIN") as copy,
        ):
            # Sent in pieces as they are written, so the server stores one piece while the
            # next is formatted (on two cores the formatting costs nothing then).
            for start in range(0, len(values), _COPY_PIECE):
                copy.write(_copy_text(values[start : start + _COPY_PIECE]))
    except psycopg.errors.UniqueViolation:
        return None
    return {v[1] for v in values}


_COPY_PIECE = 100


def _copy_text(values: list[tuple[Any, ...]]) -> str:
    """The rows in COPY's text format, written in one piece: a third of the cost of psycopg's
    write_row per row. Every value is a date, UUID, ISO time, number, boolean or a fixed word;
    only the recorder's label is free text, and it is escaped."""

    def esc(text: str) -> str:
        return text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n")

    first = values[0]
    received, community, source, label = first[3].isoformat(), first[4], first[13], esc(first[14])
    return "".join(
        f"{v[0]}\t{v[1]}\t{v[2].isoformat()}\t{received}\t{community}\t{v[5]}\t{v[6]}\t"
        f"{'\\N' if v[7] is None else v[7]}\t{v[8]}\t{v[9]}\t{v[10]}\t{'t' if v[11] else 'f'}\t"
        f"{v[12]}\t{source}\t{label}\n"
        for v in values
    )


def _insert_unnest(
    cur: Any,
    values: list[tuple[Any, ...]],
    cols: str,
    now: dt.datetime,
    community_id: int,
    source: str,
    label: str,
) -> set[uuid.UUID]:
    """Every row through INSERT … ON CONFLICT DO NOTHING RETURNING: tells created from
    duplicate atomically, whatever else is uploading the same ids at the same moment."""
    columns = list(zip(*values, strict=True))
    # Columns that vary per row go as array literals; the ones fixed for the whole batch
    # (received_at, community, source, recorded_by) as single values.
    varying = (0, 1, 2, 5, 6, 7, 8, 9, 10, 11, 12)
    arrays = [
        _array_literal(v.isoformat() if isinstance(v, dt.datetime) else v for v in columns[i])
        if i != 11
        else _array_literal("t" if v else "f" for v in columns[i])
        for i in varying
    ]
    unnest = ", ".join(f"%s::{_PG_TYPES[i]}[]" for i in varying)
    names = ", ".join(f"c{i}" for i in varying)
    cur.execute(
        f"INSERT INTO {partitions.TABLE} ({cols}) "  # noqa: S608 - fixed names
        "SELECT c0, c1, c2, %s::timestamptz, %s::bigint, c5, c6, c7, c8, c9, c10, c11, "
        f"c12, %s, %s FROM unnest({unnest}) AS x({names}) "
        "ON CONFLICT DO NOTHING RETURNING uuid",
        [now, community_id, source, label, *arrays],
    )
    return {r[0] for r in cur.fetchall()}


# --- Gates, settings, pass codes --------------------------------------------------------------


@transaction.atomic
def gate_add(*, actor: Actor, enterprise: Enterprise, name: str) -> Gate:
    actor.check(Perm.GATE_MANAGE)
    if not actor.community_wide and enterprise.pk != actor.enterprise_id:
        raise PermissionDenied
    if enterprise.community_id != actor.community_id:
        raise PermissionDenied
    name = " ".join(name.split())
    if not name:
        raise ServiceError(_("Give the gate a name, e.g. North gate."), field="name")
    if Gate.objects.filter(enterprise=enterprise, name=name).exists():
        raise ServiceError(
            _("This enterprise already has a gate called “%(name)s”.") % {"name": name},
            field="name",
        )
    gate = Gate.objects.create(enterprise=enterprise, name=name)
    audit_record(actor=actor, action=AuditEntry.Action.CREATE, obj=gate)
    return gate


@transaction.atomic
def gate_set_active(*, actor: Actor, gate: Gate, active: bool) -> Gate:
    actor.check(Perm.GATE_MANAGE)
    gate.is_active = active
    gate.save(update_fields=["is_active"])
    transaction.on_commit(gate_cache_clear)
    audit_record(actor=actor, action=AuditEntry.Action.UPDATE, obj=gate, detail={"active": active})
    return gate


@transaction.atomic
def settings_update(*, actor: Actor, changes: dict[str, Any]) -> HealthSettings:
    actor.check(Perm.HEALTH_SETTINGS_MANAGE)
    hs, _tz = settings_for(actor.community_id)
    hs = HealthSettings.objects.select_for_update().get(pk=hs.pk)
    for name, value in changes.items():
        setattr(hs, name, value)
    if not hs.round_1 < hs.round_2 < hs.round_3:
        raise ServiceError(_("The three rounds must be in order through the day."), field="round_2")
    hs.full_clean()
    hs.save()
    audit_record(
        actor=actor, action=AuditEntry.Action.UPDATE, obj=hs, detail={"fields": sorted(changes)}
    )
    transaction.on_commit(lambda: settings_forget(actor.community_id))
    return hs


_CODE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford base32: no I, L, O, U


def new_pass_code() -> str:
    """12 characters of Crockford base32: 60 random bits, readable aloud, no 0/O or 1/I mix-up."""
    return "".join(secrets.choice(_CODE_ALPHABET) for _ in range(12))


def pass_codes_ensure(*, employee_ids: Iterable[int]) -> int:
    """Give a pass code to everyone listed who has none; returns how many were issued."""
    ids = set(employee_ids)
    have = set(PassCode.objects.filter(employee_id__in=ids).values_list("employee_id", flat=True))
    missing = sorted(ids - have)
    PassCode.objects.bulk_create(
        [PassCode(employee_id=pk, code=new_pass_code()) for pk in missing],
        batch_size=2000,
        ignore_conflicts=True,
    )
    return len(missing)


def pass_code_for(employee: Employee) -> PassCode:
    pc = PassCode.objects.filter(employee=employee).first()
    if pc is None:
        pass_codes_ensure(employee_ids=[employee.pk])
        pc = PassCode.objects.get(employee=employee)
    return pc


@transaction.atomic
def pass_code_reissue(*, actor: Actor, employee: Employee) -> PassCode:
    """A new code for a lost phone or a shared screenshot; the old one stops working."""
    if not (actor.can(Perm.EMPLOYEE_MANAGE) or (actor.user and employee.user_id == actor.user.pk)):
        raise PermissionDenied
    pc = pass_code_for(employee)
    pc.code, pc.issued_at = new_pass_code(), timezone.now()
    pc.save(update_fields=["code", "issued_at"])
    audit_record(
        actor=actor,
        action=AuditEntry.Action.UPDATE,
        obj=employee,
        object_repr=employee.audit_label,
        detail={"pass_code": "reissued"},
    )
    return pc


# --- Declarations ---------------------------------------------------------------------------


@dataclass
class DeclarationInput:
    temperature: Any
    symptoms: list[str]
    whereabouts: str
    contact_with_case: bool
    region_code: str = ""
    address: str = ""


@transaction.atomic
def declaration_submit(*, actor: Actor, employee: Employee, data: DeclarationInput) -> Declaration:
    """Today's declaration by the person themself; a second one today replaces the first.
    A declared fever opens an incident like a fever at the gate."""
    actor.check(Perm.DECLARE)
    if actor.user is None or employee.user_id != actor.user.pk:
        raise PermissionDenied
    hs, tz = settings_for(employee.community_id)
    try:
        temperature = parse_temperature(data.temperature)
    except ReadingError as exc:
        raise ServiceError(str(exc), field="temperature") from exc
    unknown = set(data.symptoms) - set(Declaration.Symptom.values)
    if unknown:
        raise ServiceError(_("Choose symptoms from the list."), field="symptoms")
    if data.whereabouts not in Declaration.Whereabouts.values:
        raise ServiceError(_("Say where you are."), field="whereabouts")
    region = None
    if data.region_code:
        region = Region.objects.filter(code=data.region_code).first()
        if region is None:
            raise ServiceError(_("Unknown region."), field="region")
    if data.whereabouts == Declaration.Whereabouts.TRAVELLING and region is None:
        raise ServiceError(_("Say which city or county you are in."), field="region")
    now = timezone.now()
    day = now.astimezone(tz).date()
    declaration, _created = Declaration.objects.update_or_create(
        employee=employee,
        day=day,
        defaults={
            "community_id": employee.community_id,
            "enterprise_id": employee.enterprise_id,
            "submitted_at": now,
            "temperature": temperature,
            "symptoms": sorted(set(data.symptoms)),
            "whereabouts": data.whereabouts,
            "region": region,
            "address": " ".join(data.address.split())[:200],
            "contact_with_case": bool(data.contact_with_case),
        },
    )
    if is_fever(temperature, hs):
        incident_open(
            actor=actor,
            employee=employee,
            temperature=temperature,
            source=Incident.Source.DECLARATION,
            at=now,
        )
    return declaration


# --- Fever incidents --------------------------------------------------------------------------


def _due(state: str, since: dt.datetime, hs: HealthSettings) -> dt.datetime | None:
    limits = {
        Incident.State.RECHECK: dt.timedelta(minutes=hs.recheck_minutes),
        Incident.State.ISOLATED: dt.timedelta(minutes=hs.isolate_minutes),
        Incident.State.CLINIC: dt.timedelta(hours=hs.clinic_hours),
        Incident.State.OUTCOME: dt.timedelta(hours=hs.close_hours),
    }
    limit = limits.get(state)
    return since + limit if limit else None


def _notify_incident(
    incident: Incident, kind: str, params: dict[str, Any], roles: Iterable[Role]
) -> None:
    """Tell the people who act on a fever. Runs after the commit: a failure here is logged and
    never undoes or fails the check that raised it."""
    _notify_incidents([(incident, params)], kind, roles)


def _notify_incidents(
    told: Sequence[tuple[Incident, dict[str, Any]]], kind: str, roles: Iterable[Role]
) -> None:
    """`_notify_incident` for several incidents of one community, their people found at once."""
    from django.urls import reverse

    from workgate.core.notify import Message, notify_many, recipients_by_enterprise

    community_id = told[0][0].community_id
    try:
        people = recipients_by_enterprise(
            community_id=community_id,
            roles=roles,
            enterprise_ids={incident.enterprise_id for incident, _p in told},
        )
        notify_many(
            community_id=community_id,
            messages=[
                Message(
                    users=people[incident.enterprise_id],
                    kind=kind,
                    params=params,
                    url=reverse("health:incident", args=[incident.pk]),
                    enterprise_id=incident.enterprise_id,
                )
                for incident, params in told
            ],
        )
    except Exception:
        logger.exception(
            "could not notify about incidents %s", ", ".join(str(i.pk) for i, _p in told)
        )


@dataclass(frozen=True, slots=True)
class Fever:
    """A fever reading to open (or add to) an incident for."""

    employee_id: int
    community_id: int
    enterprise_id: int
    name: str
    temperature: Decimal
    source: str
    at: dt.datetime
    check_uuid: uuid.UUID | None = None


def incident_open(
    *,
    actor: Actor,
    employee: Employee,
    temperature: Decimal,
    source: str,
    check_uuid: uuid.UUID | None = None,
    at: dt.datetime | None = None,
) -> Incident:
    """A fever: open an incident (or add to the open one), mark the person, tell the officer
    and community staff."""
    fever = Fever(
        employee_id=employee.pk,
        community_id=employee.community_id,
        enterprise_id=employee.enterprise_id,
        name=employee.name,
        temperature=temperature,
        source=source,
        at=at or timezone.now(),
        check_uuid=check_uuid,
    )
    incident = incidents_open(actor=actor, fevers=[fever])[0]
    employee.health_status = Employee.objects.values_list("health_status", flat=True).get(
        pk=employee.pk
    )
    return incident


def incidents_open(*, actor: Actor, fevers: Sequence[Fever]) -> list[Incident]:
    """Fevers of one community, in order: each opens an incident for its person or, when the
    person has one open (or an earlier fever of `fevers` opened one), adds the reading to it.
    A new incident marks the person, goes on their file and, after the commit, is told to the
    enterprise's officer and community staff. Returns each fever's incident.

    One statement per table however many fevers there are, so a device's batch that carries
    fevers costs barely more than one without (it used to be six statements and a notification
    per fever, a third of a 1,000-check batch's time)."""
    if not fevers:
        return []
    hs, _tz = settings_for(fevers[0].community_id)
    label = actor.label[:150]
    current = {
        i.employee_id: i
        for i in Incident.objects.select_for_update()
        .filter(employee_id__in={f.employee_id for f in fevers})
        .exclude(state=Incident.State.CLOSED)
        .order_by("opened_at", "id")  # the newest open one wins, as before
    }
    opened: list[tuple[Incident, Fever]] = []
    incidents: list[Incident] = []
    for f in fevers:
        incident = current.get(f.employee_id)
        if incident is None:
            incident = Incident(
                community_id=f.community_id,
                enterprise_id=f.enterprise_id,
                employee_id=f.employee_id,
                source=f.source,
                check_uuid=f.check_uuid,
                temperature=f.temperature,
                opened_at=f.at,
                state=Incident.State.RECHECK,
                state_since=f.at,
                due_at=_due(Incident.State.RECHECK, f.at, hs),
            )
            current[f.employee_id] = incident
            opened.append((incident, f))
        incidents.append(incident)
    Incident.objects.bulk_create([incident for incident, _f in opened])
    first = {id(incident) for incident, _f in opened}
    steps = []
    for incident, f in zip(incidents, fevers, strict=True):
        opening = id(incident) in first
        first.discard(id(incident))
        steps.append(
            IncidentStep(
                incident=incident,
                state=Incident.State.RECHECK if opening else incident.state,
                outcome="" if opening else incident.outcome,
                at=f.at,
                actor_label=label,
                actor_user=actor.user,
                temperature=f.temperature,
                note="" if opening else _("Another fever reading while the incident is open."),
            )
        )
    IncidentStep.objects.bulk_create(steps)
    if opened:
        employees_health_set(
            employee_ids=[f.employee_id for _i, f in opened], health_status=Employee.Health.FEVER
        )
        timeline_add_many(
            TimelineEvent(
                employee_id=f.employee_id,
                kind="health.incident",
                params={"state": "opened", "temperature": str(f.temperature), "incident": i.pk},
                actor_label=actor.label,
            )
            for i, f in opened
        )
        told = [
            (i, {"incident": i.pk, "name": f.name, "temperature": str(f.temperature)})
            for i, f in opened
        ]
        transaction.on_commit(
            lambda: _notify_incidents(told, "health.fever", (Role.STAFF, Role.OFFICER))
        )
    return incidents


# Which state may follow which. A normal re-check clears the fever at once.
TRANSITIONS: dict[str, set[str]] = {
    Incident.State.RECHECK: {Incident.State.ISOLATED, Incident.State.OUTCOME},
    Incident.State.ISOLATED: {Incident.State.CLINIC, Incident.State.OUTCOME},
    Incident.State.CLINIC: {Incident.State.OUTCOME},
    Incident.State.OUTCOME: {Incident.State.CLOSED},
    Incident.State.CLOSED: set(),
}
_HEALTH_AFTER = {
    Incident.Outcome.CLEARED: Employee.Health.NORMAL,
    Incident.Outcome.SUSPECTED: Employee.Health.SUSPECTED,
    Incident.Outcome.CONFIRMED: Employee.Health.CONFIRMED,
}


@transaction.atomic
def incident_advance(
    *,
    actor: Actor,
    incident: Incident,
    state: str,
    outcome: str = "",
    temperature: Any = None,
    note: str = "",
) -> Incident:
    """Move an incident on, recording who and when.

    re-check: give the reading; a fever moves it to isolated, a normal one to outcome
    "cleared". Outcome: cleared, suspected or confirmed; suspected and confirmed mark the
    person's health at once, which turns the pass red.
    """
    actor.check(Perm.INCIDENT_MANAGE)
    incident = scope(actor, Incident.objects.select_for_update()).get(pk=incident.pk)
    hs, _tz = settings_for(incident.community_id)
    reading = None
    if incident.state == Incident.State.RECHECK and state in ("", "recheck"):
        if temperature in (None, ""):
            raise ServiceError(_("Enter the re-check reading."), field="temperature")
        try:
            reading = parse_temperature(temperature)
        except ReadingError as exc:
            raise ServiceError(str(exc), field="temperature") from exc
        if is_fever(reading, hs):
            state = Incident.State.ISOLATED
        else:
            state, outcome = Incident.State.OUTCOME, Incident.Outcome.CLEARED
    elif temperature not in (None, ""):
        try:
            reading = parse_temperature(temperature)
        except ReadingError as exc:
            raise ServiceError(str(exc), field="temperature") from exc
    if state not in TRANSITIONS.get(incident.state, set()):
        raise ServiceError(
            _("An incident that is “%(now)s” cannot move to “%(to)s”.")
            % {
                "now": incident.get_state_display(),
                "to": dict(Incident.State.choices).get(state, state),
            },
            field="state",
        )
    if state == Incident.State.OUTCOME:
        if outcome not in Incident.Outcome.values:
            raise ServiceError(
                _("Choose the outcome: cleared, suspected or confirmed."), field="outcome"
            )
        incident.outcome = outcome
    now = timezone.now()
    incident.state, incident.state_since = state, now
    incident.due_at = _due(state, now, hs)
    incident.escalation_level = 0
    if state == Incident.State.CLOSED:
        incident.closed_at = now
    incident.save()
    IncidentStep.objects.create(
        incident=incident,
        state=state,
        outcome=incident.outcome if state == Incident.State.OUTCOME else "",
        at=now,
        actor_label=actor.label[:150],
        actor_user=actor.user,
        temperature=reading,
        note=" ".join(note.split())[:300],
    )
    employee = Employee.objects.get(pk=incident.employee_id)
    if state == Incident.State.OUTCOME:
        employee_health_set(employee=employee, health_status=_HEALTH_AFTER[outcome])
    timeline_add(
        employee=employee,
        kind="health.incident",
        params={
            "state": state,
            "outcome": incident.outcome if state == Incident.State.OUTCOME else "",
            "temperature": str(reading) if reading is not None else "",
            "incident": incident.pk,
        },
        actor_label=actor.label,
    )
    audit_record(
        actor=actor,
        action=AuditEntry.Action.UPDATE,
        obj=incident,
        object_repr=employee.audit_label,
        detail={"state": state, "outcome": incident.outcome},
    )
    if state == Incident.State.OUTCOME and outcome in (
        Incident.Outcome.SUSPECTED,
        Incident.Outcome.CONFIRMED,
    ):
        params = {"incident": incident.pk, "name": employee.name, "outcome": outcome}
        transaction.on_commit(
            lambda: _notify_incident(
                incident, "health.outcome", params, (Role.LEADER, Role.STAFF, Role.OFFICER)
            )
        )
    return incident


def incidents_escalate(*, now: dt.datetime | None = None) -> int:
    """Escalate every open incident past its step's time limit: once per overdue period, the
    first time to the officer and community staff, then to the community leader as well."""
    now = now or timezone.now()
    count = 0
    overdue = Incident.objects.filter(due_at__lte=now).exclude(state=Incident.State.CLOSED)
    for pk in overdue.values_list("pk", flat=True)[:1000]:
        with transaction.atomic():
            incident = Incident.objects.select_for_update().filter(pk=pk, due_at__lte=now).first()
            if incident is None:
                continue
            hs, _tz = settings_for(incident.community_id)
            incident.escalation_level += 1
            incident.escalated_at = now
            # Next escalation after another full period of the same step.
            incident.due_at = _due(incident.state, now, hs)
            incident.save(update_fields=["escalation_level", "escalated_at", "due_at"])
            IncidentStep.objects.create(
                incident=incident,
                state=incident.state,
                outcome=incident.outcome,
                at=now,
                escalation=True,
                actor_label="system",
            )
            employee = Employee.objects.get(pk=incident.employee_id)
            timeline_add(
                employee=employee,
                kind="health.incident",
                params={
                    "state": "escalated",
                    "level": incident.escalation_level,
                    "incident": incident.pk,
                },
                actor_label="system",
            )
            roles = (
                (Role.STAFF, Role.OFFICER)
                if incident.escalation_level == 1
                else (Role.LEADER, Role.STAFF, Role.OFFICER)
            )
            params = {
                "incident": incident.pk,
                "name": employee.name,
                "state": incident.state,
                "level": incident.escalation_level,
            }
            transaction.on_commit(
                lambda incident=incident, params=params, roles=roles: _notify_incident(
                    incident, "health.overdue", params, roles
                )
            )
            count += 1
    return count


# --- Storage maintenance --------------------------------------------------------------------

PARTITIONS_AHEAD = 7


def checks_storage_maintain(*, today: dt.date | None = None) -> dict[str, Any]:
    """Create the next week's partitions and drop (or, on SQLite, delete) checks older than
    the longest retention any community has set."""
    today = today or timezone.localdate()
    created = partitions.ensure(
        [today + dt.timedelta(days=n) for n in range(-1, PARTITIONS_AHEAD + 1)]
    )
    # Partitions hold every community's checks: the longest retention decides (a community
    # that never changed its settings keeps the default).
    from workgate.core.models import Community

    retentions = list(HealthSettings.objects.values_list("retention_days", flat=True))
    if Community.objects.filter(health_settings__isnull=True).exists():
        retentions.append(HealthSettings._meta.get_field("retention_days").default)
    longest = max(retentions, default=60)
    cutoff = today - dt.timedelta(days=longest)
    if partitions.is_partitioned():
        dropped = partitions.drop_before(cutoff)
        deleted = 0
    else:
        dropped = []
        deleted, _by_model = Check.objects.filter(taken_on__lt=cutoff).delete()
    return {
        "created": [str(d) for d in created],
        "dropped": [str(d) for d in dropped],
        "deleted": deleted,
    }
