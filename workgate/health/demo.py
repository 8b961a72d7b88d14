"""Demo data of daily health: gates and pass codes, 14 days of checks for everyone on duty, the
fevers among them followed through the incident service, and three days of declarations.

Checks of an enterprise start the day it went back to work (`Enterprise.resumed_on`, which the
resumption demo sets before this runs); an enterprise not back has none. The latest confirmed
case stops its enterprise's checks after that day: the resumption demo then suspends it.

Each day everyone on duty is checked at their enterprise's gate in the morning (07:20–08:20,
round 1, a mask handed out) and twice on the rounds (around the round 2 and round 3 times).
Readings follow a normal law around 36.5 °C; about 0.2 % of checks are fevers. Today stops at
the demo's clock: later rounds are empty and a few % of the current round are still missing,
so the missing-check lists show something.

The 3.5 million checks of the full community are written in bulk (COPY on PostgreSQL, one
prepared INSERT run over every row on SQLite): `checks_record` validates each item and takes
batches of at most a thousand. The fevers open their incidents through the service,
`incidents_open`, a wave at a time (each person's first fevers, then their second, …), so every
incident, first step, health status, timeline entry and notification is the one the real pages
would have made. Incidents that end in a suspected or confirmed case move on through
`incident_advance`; the steps of the fevers that clear (nearly all) are checked against the
service's state machine and written in bulk as `incident_advance` would write them (it notifies
nobody for those). The service stamps a step with the time it runs; the demo then moves each
stamp back to when the step happened in the story, escalates what is overdue at the clock with
`incidents_escalate`, and, once the notifications are written at commit, dates them too and
marks read those about incidents since closed.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import random
import secrets
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from itertools import accumulate
from typing import Any

from django.db import connection, models, transaction
from django.utils import timezone

from workgate.core.access import Actor, Perm
from workgate.core.demo import insert_rows, update_rows
from workgate.core.models import AuditEntry, Community, Enterprise, Membership, Notification, Role
from workgate.health import partitions, services
from workgate.health.models import Declaration, Gate, Incident, IncidentStep, PassCode
from workgate.health.queries import on_duty
from workgate.health.rules import (
    current_round,
    is_fever,
    parse_temperature,
    round_of,
    settings_for,
)
from workgate.registry.models import Employee, TimelineEvent
from workgate.registry.services import employees_health_set

DAYS = 14
FEVER_RATE = 0.002  # of checks
MISSED_NOW = 0.03  # of the current round's checks whose time has come
MISSED_BEFORE = 0.002  # of every earlier round: someone always slips through
DECLARATION_DAYS = 3
DECLARED_SHARE = 0.70
SYMPTOMS_RATE = 0.0005
CONTACT_RATE = 0.0001
TWO_GATES_FROM = 300  # people; smaller enterprises have one gate
# The serious cases of the fortnight, at any scale: (days ago, outcome); all closed by today.
SERIOUS = ((9, "confirmed"), (6, "suspected"), (4, "confirmed"))
SERIOUS_OUTCOMES = ("suspected", "confirmed")  # marks the pass red and tells the leader
OPEN_STATES = ("recheck", "isolated", "clinic", "outcome")
CHUNK = 2000  # people generated and written at a time
GATE_OPENS = 7 * 3600 + 20 * 60  # 07:20: the morning gate check runs for an hour
SLOT_SECONDS = 3601  # gate 07:20–08:20; rounds from 20 minutes before their time
DEMO_CLOCK = dt.time(14, 30)  # the time of day the story stops at, for a day other than today
SQLITE_CACHE_KIB = 64 * 1024
NULL = "\\N"  # in COPY text

# An unforced fever's path, with its share of fevers: most readings are a warm walk in the sun
# and clear on the re-check; a few rest in isolation; fewer go to the fever clinic.
PATHS = (
    ("recheck_cleared", 0.85),
    ("rested", 0.08),
    ("clinic_cleared", 0.064),
    ("suspected", 0.006),
)
SLOW_STEP = 0.04  # a step that took longer than its time limit
NOTES = {
    "rested": "休息半小时后复测体温正常",
    "clinic": "由专人陪同送区人民医院发热门诊",
    "clinic_cleared": "血常规、胸部 CT 未见异常，排除",
    "suspected": "留观，等待核酸检测结果",
    "confirmed": "核酸检测阳性，已转定点医院，密切接触者排查中",
    "close": "已回访，情况稳定",
    "close_suspected": "已移交疾控中心，集中隔离医学观察",
    "close_confirmed": "已移交疾控中心，流调完成",
}


def _normal_temperatures(mean: float, sd: float, low: float, high: float) -> tuple[list, list]:
    """Readings to 0.1 °C from a normal law clipped to [low, high], as (values, cum_weights)."""
    steps = round((high - low) * 10) + 1
    values = [round(low + i / 10, 1) for i in range(steps)]

    def cdf(x: float) -> float:
        return 0.5 * (1 + math.erf((x - mean) / (sd * math.sqrt(2))))

    weights = []
    for i, v in enumerate(values):
        lo = -math.inf if i == 0 else v - 0.05
        hi = math.inf if i == steps - 1 else v + 0.05
        weights.append(cdf(hi) - cdf(lo))
    return [f"{v:.1f}" for v in values], list(accumulate(weights))


NORMAL = _normal_temperatures(36.5, 0.25, 35.8, 37.2)
DECLARED = _normal_temperatures(36.4, 0.3, 35.8, 37.2)
# Fevers: mostly just over the threshold, a few high.
FEVERS = (
    [f"{37.3 + i / 10:.1f}" for i in range(18)],
    list(accumulate(math.exp(-i / 4) for i in range(18))),
)


@dataclass
class Step:
    at: dt.datetime
    state: str  # "" = the re-check reading
    outcome: str = ""
    temperature: str = ""
    note: str = ""
    by_staff: bool = False


@dataclass
class Fever:
    at: dt.datetime
    employee_id: int
    enterprise_id: int
    check_uuid: uuid.UUID
    temperature: Decimal
    steps: list[Step] = field(default_factory=list)


def build(
    *,
    community: Community,
    scale: float,
    rng: random.Random,
    today: dt.date,
    log: Callable[[str], None],
) -> None:
    if Gate.objects.filter(enterprise__community=community).exists():
        log("daily health: already loaded, nothing added")
        return
    hs, tz = settings_for(community.pk)
    now = (
        timezone.now()
        if today == timezone.localdate(timezone=tz)
        else dt.datetime.combine(today, DEMO_CLOCK, tzinfo=tz)
    )
    staff = _actor(community, "staff") or Actor.system(community.pk)
    notified = _max_pk(Notification)

    gates = _gates(community, staff)
    everyone = list(Employee.objects.filter(community=community).values_list("pk", flat=True))
    _pass_codes(everyone)
    log(f"daily health: {sum(map(len, gates.values()))} gates, {len(everyone)} pass codes")

    people = list(
        on_duty(Actor.system(community.pk))
        .order_by("enterprise_id", "pk")
        .values_list("pk", "enterprise_id", "dorm_room", "user_id")
    )
    officers = _officers(community)
    # Checks start the day each enterprise went back to work (read once; none before).
    first = today - dt.timedelta(days=DAYS - 1)
    first_day = {
        pk: max(0, (resumed_on - first).days)
        for pk, resumed_on in Enterprise.objects.filter(
            community=community, resumed_on__isnull=False
        ).values_list("pk", "resumed_on")
    }
    writer = _CheckWriter(community, hs, tz, today, now, gates, officers, first_day)
    fevers = writer.generate(people, rng, log)
    log(
        f"daily health: {writer.count} checks over {DAYS} days for {len(people)} people on "
        f"duty, {len(fevers)} fevers"
    )

    closed = _incidents(community, fevers, now, staff, officers)
    open_now = len(fevers) - len(closed)
    escalated = _escalate(now)
    log(
        f"daily health: {len(fevers)} incidents ({len(closed)} closed, {open_now} open, "
        f"{escalated} escalations)"
    )
    # Most people at work or waiting to go back declare, their enterprise resumed or not; so
    # does the demo's employee account, whatever their state (people in quarantine declare
    # from home), so their pass page shows a declaration.
    declaring = list(
        Employee.objects.filter(community=community)
        .filter(
            models.Q(
                job_status=Employee.JobStatus.ACTIVE,
                quarantine_status=Employee.Quarantine.NONE,
            )
            | models.Q(user__username="employee")
        )
        .order_by("enterprise_id", "pk")
        .values_list("pk", "enterprise_id", "dorm_room", "user_id")
    )
    declared = _declarations(community, declaring, writer.gone, rng, today, now, tz)
    log(f"daily health: {declared} declarations over the last {DECLARATION_DAYS} days")
    # The incident service notifies once the transaction commits; this runs after those.
    transaction.on_commit(lambda: _notifications_settle(community.pk, notified))


def _pass_codes(employee_ids: list[int]) -> None:
    """A pass code for everyone who has none, as `services.new_pass_code` makes them (12
    characters of its alphabet, 60 random bits from the system's generator), all drawn at once
    and written in one prepared INSERT (the service draws each character on its own: a third of
    a second per thousand people)."""
    have = set(PassCode.objects.values_list("employee_id", flat=True))
    missing = [pk for pk in employee_ids if pk not in have]
    alphabet = services._CODE_ALPHABET
    if len(alphabet) != 32:
        raise RuntimeError("demo: pass codes are drawn 5 bits a character")
    used = set(PassCode.objects.values_list("code", flat=True)) if have else set()
    rows: list[tuple[int, str]] = []
    raw = secrets.token_bytes(8 * len(missing))
    for i, pk in enumerate(missing):
        while True:
            bits = int.from_bytes(raw[8 * i : 8 * i + 8]) >> 4
            code = "".join(alphabet[(bits >> shift) & 31] for shift in range(55, -1, -5))
            if code not in used:
                break
            raw = raw[: 8 * i] + secrets.token_bytes(8) + raw[8 * i + 8 :]
        used.add(code)
        rows.append((pk, code))
    insert_rows(PassCode, ["employee", "code"], rows)


def _actor(community: Community, username: str) -> Actor | None:
    m = (
        Membership.objects.filter(community=community, user__username=username)
        .select_related("user")
        .first()
    )
    return Actor.from_membership(m) if m else None


def _officers(community: Community) -> dict[int, Actor]:
    """Each enterprise's officer: they record the rounds and follow their people's fevers."""
    out: dict[int, Actor] = {}
    for m in (
        Membership.objects.filter(community=community, role=Role.OFFICER, is_active=True)
        .select_related("user")
        .order_by("user__username")
    ):
        out.setdefault(m.enterprise_id, Actor.from_membership(m))
    return out


def _gates(community: Community, staff: Actor) -> dict[int, list[int]]:
    """One gate per enterprise, two (north and south) where more than a few hundred work."""
    sizes = dict(
        Employee.objects.filter(community=community)
        .values_list("enterprise_id")
        .annotate(n=models.Count("id"))
        .order_by()
    )
    out: dict[int, list[int]] = {}
    for enterprise in community.enterprises.order_by("id"):
        names = ["北门", "南门"] if sizes.get(enterprise.pk, 0) >= TWO_GATES_FROM else ["大门"]
        out[enterprise.pk] = [
            services.gate_add(actor=staff, enterprise=enterprise, name=n).pk for n in names
        ]
    return out


class _CheckWriter:
    """Makes each person's fortnight of checks and writes them in bulk."""

    COLUMNS = (
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

    def __init__(
        self,
        community: Community,
        hs: Any,
        tz: dt.tzinfo,
        today: dt.date,
        now: dt.datetime,
        gates: dict[int, list[int]],
        officers: dict[int, Actor],
        first_day: dict[int, int],
    ) -> None:
        self.community_id = community.pk
        self.first_day = first_day  # enterprise → index of the day its checks start
        self.hs, self.tz, self.now = hs, tz, now
        self.now_epoch = now.timestamp()
        self.days = [today - dt.timedelta(days=DAYS - 1 - i) for i in range(DAYS)]
        self.gates = gates
        self.postgres = connection.vendor == "postgresql"
        gate_user = Membership.objects.filter(
            community=community, role=Role.GATE, user__username="gate"
        ).first()
        self.recorded_by = {e: a.label for e, a in officers.items()}
        self.gate_recorder = dict(self.recorded_by)
        if gate_user is not None:
            self.gate_recorder[gate_user.enterprise_id] = "gate"
        # The demo accounts' enterprises work on to today; one other stops after a case.
        self.keep = set(
            Membership.objects.filter(
                community=community,
                user__username__in=["officer", "officer2", "gate", "employee"],
            ).values_list("enterprise_id", flat=True)
        )
        self.stop_after: dict[int, int] = {}  # enterprise → index of its last day of checks
        # The slots of a day: (kind, start second of the local day); each lasts an hour.
        r2, r3 = (t.hour * 3600 + t.minute * 60 for t in hs.round_times[1:])
        self.slots = (("gate", GATE_OPENS), ("round", r2 - 1200), ("round", r3 - 1200))
        self.rounds = [
            round_of(dt.time((start + 1800) // 3600, (start + 1800) % 3600 // 60), hs)
            for _kind, start in self.slots
        ]
        self.now_round = current_round(now, hs, tz)
        # Each local day's midnight, as a UTC epoch, and its text forms for the database.
        self.midnight = [
            int(dt.datetime.combine(d, dt.time(0), tzinfo=tz).timestamp()) for d in self.days
        ]
        self.day_text = [d.isoformat() for d in self.days]
        self.stamps = _Stamps(self.days[0], DAYS, self.postgres)
        self.count = 0
        self.gone: set[int] = set()  # suspected or confirmed: no more checks
        self.forced: dict[tuple[int, int, int], str] = {}

    def _force(self, people: list[tuple], rng: random.Random, employee_user: set[int]) -> None:
        """Fevers placed on purpose, so the story has every state at any scale: two confirmed
        cases and a suspected one earlier in the fortnight, and four recent fevers still open
        at the demo's clock (waiting for the re-check, isolated, at the clinic, outcome known).
        """
        candidates = [p for p in people if p[3] not in employee_user]
        last = len(self.days) - 1
        taken: set[int] = set()

        def pick(day: int, avoid: set[int]) -> tuple | None:
            """Someone at work on that day (their enterprise back by then), not yet chosen."""
            pool = [
                p
                for p in candidates
                if self.first_day.get(p[1], 0) <= day and p[0] not in taken and p[1] not in avoid
            ] or [p for p in candidates if p[0] not in taken]
            if not pool:
                return None
            person = rng.choice(pool)
            taken.add(person[0])
            return person

        # The latest confirmed case closes its enterprise (not the demo accounts'): its work
        # stops after that day, and the resumption demo suspends it.
        latest = min(d for d, outcome in SERIOUS if outcome == "confirmed")
        for days_ago, outcome in SERIOUS:
            closing = days_ago == latest and outcome == "confirmed"
            person = pick(last - days_ago, self.keep if closing else set())
            if person is None:
                continue
            self.forced[(person[0], last - days_ago, 0)] = outcome
            if closing and person[1] not in self.keep:
                self.stop_after[person[1]] = last - days_ago
        # The latest slot over by half an hour before the clock: today's, or yesterday evening's.
        day, slot = last, -1
        for i, (_kind, start) in enumerate(self.slots):
            if self.midnight[last] + start + SLOT_SECONDS + 1800 <= self.now_epoch:
                slot = i
        if slot < 0:
            day, slot = last - 1, len(self.slots) - 1
        for state in OPEN_STATES:
            person = pick(day, set(self.stop_after))
            if person is not None:
                self.forced[(person[0], day, slot)] = state

    def generate(
        self, people: list[tuple], rng: random.Random, log: Callable[[str], None]
    ) -> list[Fever]:
        partitions.ensure(self.days)
        employee_user = set(
            Employee.objects.filter(
                community_id=self.community_id, user__username="employee"
            ).values_list("user_id", flat=True)
        )
        self._force(people, rng, employee_user)
        forced_people = {pk for pk, _d, _s in self.forced}
        fevers: list[Fever] = []
        cache_size = self._sqlite_cache(SQLITE_CACHE_KIB)
        try:
            for start in range(0, len(people), CHUNK):
                rows = self._rows(people[start : start + CHUNK], rng, fevers, forced_people)
                self._write(rows)
                self.count += len(rows)
                if (start // CHUNK) % 10 == 9:
                    log(f"daily health: {self.count} checks written")
        finally:
            if cache_size is not None:
                self._sqlite_cache(cache_size)
        return fevers

    def _sqlite_cache(self, size_kib: int) -> int | None:
        """On SQLite, set the page cache (KiB) and return what it was."""
        if self.postgres:
            return None
        with connection.cursor() as cur:
            cur.execute("PRAGMA cache_size")
            before = cur.fetchone()[0]
            cur.execute(f"PRAGMA cache_size = -{abs(int(size_kib))}")
        return -int(before) if before < 0 else int(before)

    def _rows(
        self, chunk: list[tuple], rng: random.Random, fevers: list[Fever], forced_people: set[int]
    ) -> list[tuple]:
        """A chunk of people's checks, person by person and in time order (so a fever can take
        someone off work for the rest of the day), as rows for the table."""
        rows: list[tuple] = []
        n = len(chunk) * DAYS * len(self.slots)
        # Drawn a chunk at a time: one call each instead of one per check.
        temps = rng.choices(NORMAL[0], cum_weights=NORMAL[1], k=n)
        offsets = rng.choices(range(SLOT_SECONDS), k=n)
        masks = rng.choices((1, 0, 2), cum_weights=(0.9, 0.97, 1.0), k=n)
        rolls = [rng.random() for _ in range(n)]
        ids = rng.randbytes(9 * n).hex()
        now_epoch = self.now_epoch
        current = (
            (len(self.days) - 1, self.now_round[1]) if self.now_round[0] == self.days[-1] else None
        )
        # Check ids: the community and a running number, then random bits. Ascending, so the
        # primary-key index grows at its end; unique even if the demo is built again.
        cid, gone = self.community_id, self.gone
        seq = (cid << 36) + self.count
        utc_days, clock = self.stamps.days, self.stamps.clock
        day_slots = [
            [
                (d, s, d * len(self.slots) + s, midnight + start, kind, round_no, day_text)
                for s, ((kind, start), round_no) in enumerate(
                    zip(self.slots, self.rounds, strict=True)
                )
            ]
            for d, (midnight, day_text) in enumerate(zip(self.midnight, self.day_text, strict=True))
        ]
        for i, (pk, ent, _dorm, _user) in enumerate(chunk):
            base = i * DAYS * len(self.slots)
            since = self.first_day.get(ent, 0)
            until = self.stop_after.get(ent, DAYS - 1) + 1
            gates = self.gates[ent]
            gate = gates[pk % len(gates)]
            by_round = self.recorded_by.get(ent, "")
            by_gate = self.gate_recorder.get(ent, by_round)
            open_until = -math.inf
            forced = pk in forced_people
            for slots in day_slots[since:until]:
                if pk in gone:
                    break
                for d, s, at_slot, start, kind, round_no, day_text in slots:
                    ti = base + at_slot
                    epoch = start + offsets[ti]
                    if epoch > now_epoch:
                        break
                    roll = rolls[ti]
                    state = self.forced.get((pk, d, s)) if forced else None
                    if state is None and roll < (
                        MISSED_NOW if (d, round_no) == current else MISSED_BEFORE
                    ):
                        continue
                    fever = state is not None or (
                        not forced and roll >= 1 - FEVER_RATE and epoch >= open_until
                    )
                    seq += 1
                    k = 18 * ti
                    hexid = f"{seq:012x}4{ids[k : k + 3]}8{ids[k + 3 : k + 18]}"
                    temp = temps[ti]
                    isolated = False
                    if fever:
                        temp = rng.choices(FEVERS[0], cum_weights=FEVERS[1])[0]
                        at = dt.datetime.fromtimestamp(epoch, dt.UTC)
                        f = Fever(at, pk, ent, uuid.UUID(hexid), Decimal(temp))
                        f.steps = _story(at, self.now, rng, state)
                        fevers.append(f)
                        closes = [x.at for x in f.steps if x.state == Incident.State.CLOSED]
                        open_until = closes[0].timestamp() if closes else math.inf
                        path = {x.state for x in f.steps} | {x.outcome for x in f.steps}
                        if "suspected" in path or "confirmed" in path or state is not None:
                            gone.add(pk)
                        isolated = "isolated" in path or state is not None
                    stamp = utc_days[epoch // 86400] + clock[epoch % 86400]
                    if kind == "gate":
                        rows.append(
                            (day_text, hexid, stamp, stamp, cid, ent, pk, gate, kind, round_no,
                             temp, fever, masks[ti], "station", by_gate)
                        )  # fmt: skip
                    else:
                        rows.append(
                            (day_text, hexid, stamp, stamp, cid, ent, pk, None, kind, round_no,
                             temp, fever, 0, "grid", by_round)
                        )  # fmt: skip
                    if isolated:
                        break  # taken off work for the rest of the day
        return rows

    def _write(self, rows: list[tuple]) -> None:
        _write_rows(partitions.TABLE, self.COLUMNS, rows, line=_check_line)


def _check_line(r: tuple) -> str:
    """A check as a line of COPY text (the fast way: 3.5 million of them)."""
    return (
        f"{r[0]}\t{r[1]}\t{r[2]}\t{r[3]}\t{r[4]}\t{r[5]}\t{r[6]}\t"
        f"{r[7] if r[7] is not None else NULL}\t{r[8]}\t{r[9]}\t"
        f"{r[10]}\t{'t' if r[11] else 'f'}\t{r[12]}\t{r[13]}\t{r[14]}\n"
    )


def _write_rows(
    table: str,
    columns: tuple[str, ...],
    rows: list[tuple],
    line: Callable[[tuple], str] | None = None,
) -> None:
    """Rows already in the database's text forms: COPY on PostgreSQL, one prepared INSERT run
    over every row on SQLite."""
    if not rows:
        return
    names = ", ".join(columns)
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            line = line or (lambda r: "\t".join(NULL if v is None else str(v) for v in r) + "\n")
            with cur.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                for start in range(0, len(rows), 20_000):
                    copy.write("".join(map(line, rows[start : start + 20_000])))
            return
        marks = ", ".join(["%s"] * len(columns))
        cur.executemany(f"INSERT INTO {table} ({names}) VALUES ({marks})", rows)  # noqa: S608


class _Stamps:
    """Times as the database takes them, in UTC, made from an epoch second without strftime:
    the day's text (from a table of the few days) plus the time of day's (from a table of
    86,400)."""

    def __init__(self, first: dt.date, days: int, postgres: bool) -> None:
        start = (first - dt.date(1970, 1, 1)).days - 1
        self.days = {
            start + i: (dt.date(1970, 1, 1) + dt.timedelta(days=start + i)).isoformat() + " "
            for i in range(days + 2)
        }
        suffix = "+00" if postgres else ""
        self.clock = [
            f"{i // 3600:02d}:{i // 60 % 60:02d}:{i % 60:02d}{suffix}" for i in range(86400)
        ]

    def __call__(self, epoch: int) -> str:
        return self.days[epoch // 86400] + self.clock[epoch % 86400]


def _story(at: dt.datetime, now: dt.datetime, rng: random.Random, forced: str | None) -> list[Step]:
    """The steps a fever went through after `at`, each with when it happened (some after `now`:
    those have not happened yet)."""

    def minutes(lo: float, hi: float, slow: tuple[float, float] | None = None) -> dt.timedelta:
        if slow and rng.random() < SLOW_STEP:
            lo, hi = slow
        return dt.timedelta(minutes=rng.uniform(lo, hi))

    fever = lambda: f"{rng.uniform(37.3, 38.6):.1f}"  # noqa: E731
    normal = lambda: rng.choices(NORMAL[0], cum_weights=NORMAL[1])[0]  # noqa: E731
    if forced in OPEN_STATES:
        # Still open at the clock: the steps spread over the time since the fever.
        wanted = OPEN_STATES.index(forced)
        plan = [
            Step(at, "", temperature=fever()),
            Step(at, "clinic", note=NOTES["clinic"]),
            Step(at, "outcome", outcome="suspected", note=NOTES["suspected"], by_staff=True),
        ][:wanted]
        for i, step in enumerate(plan, start=1):
            step.at = at + (now - at) * i / (wanted + 1)
        return plan
    path = forced or _path(rng)
    t = at + minutes(4, 14, (18, 50))
    if path == "recheck_cleared":
        steps = [Step(t, "", temperature=normal())]
        t += minutes(10, 180, (26 * 60, 30 * 60))
        return [*steps, Step(t, "closed", note=NOTES["close"])]
    steps = [Step(t, "", temperature=fever())]
    if path == "rested":
        t += minutes(25, 55, (70, 150))
        steps.append(
            Step(t, "outcome", outcome="cleared", temperature=normal(), note=NOTES["rested"])
        )
        t += minutes(10, 180, (26 * 60, 30 * 60))
        return [*steps, Step(t, "closed", note=NOTES["close"])]
    t += minutes(20, 55, (70, 150))
    steps.append(Step(t, "clinic", note=NOTES["clinic"]))
    outcome = {"clinic_cleared": "cleared"}.get(path, path)
    t += minutes(120, 420, (540, 840))
    steps.append(
        Step(t, "outcome", outcome=outcome, note=NOTES[path], by_staff=outcome != "cleared")
    )
    close = {"suspected": "close_suspected", "confirmed": "close_confirmed"}.get(path, "close")
    t += minutes(60, 600) if outcome == "cleared" else minutes(12 * 60, 22 * 60)
    return [*steps, Step(t, "closed", note=NOTES[close], by_staff=outcome != "cleared")]


def _path(rng: random.Random) -> str:
    roll = rng.random() * sum(p for _n, p in PATHS)
    acc = 0.0
    for name, share in PATHS:
        acc += share
        if roll < acc:
            return name
    return PATHS[0][0]


def _max_pk(model: type[models.Model]) -> int:
    return model.objects.aggregate(m=models.Max("pk"))["m"] or 0


# The services' rules the demo's incidents follow, read from the service module.
_HEALTH_AFTER = services._HEALTH_AFTER


def _incidents(
    community: Community,
    fevers: list[Fever],
    now: dt.datetime,
    staff: Actor,
    officers: dict[int, Actor],
) -> set[int]:
    """Open each fever's incident and move it on as far as the story has gone by `now`, each
    step stamped with its time in the story. Returns the closed ones.

    Fevers are opened with `services.incidents_open`, all of a wave at once (a wave: each
    person's first fever, then each person's second, and so on; a person's earlier incident is
    closed before their next fever, so each fever opens a new incident and is told to the
    enterprise's officer and the community's staff). The steps of an incident that ends in a
    suspected or confirmed case (or is still open at the clock) go through
    `services.incident_advance`, which marks the pass and tells the leader. The other steps,
    the cleared fevers (nearly all), are checked against the service's state machine and
    written by the demo in bulk: the same steps, timeline entries, audit entries and health
    statuses as `incident_advance` writes, which notifies nobody for them."""
    hs, _tz = settings_for(community.pk)
    fevers.sort(key=lambda f: f.at)
    ids = sorted({f.employee_id for f in fevers})
    people: dict[int, tuple[str, str]] = {}
    for i in range(0, len(ids), 5000):
        people.update(
            (pk, (name, id_number))
            for pk, name, id_number in Employee.objects.filter(
                pk__in=ids[i : i + 5000]
            ).values_list("pk", "name", "id_number")
        )
    waves: list[list[Fever]] = []
    seen: dict[int, int] = {}
    for fever in fevers:
        n = seen.get(fever.employee_id, 0)
        seen[fever.employee_id] = n + 1
        if n == len(waves):
            waves.append([])
        waves[n].append(fever)
    closed: set[int] = set()
    for wave in waves:
        closed |= _incident_wave(community, wave, people, now, hs, staff, officers)
    return closed


def _incident_wave(
    community: Community,
    wave: list[Fever],
    people: dict[int, tuple[str, str]],
    now: dt.datetime,
    hs: Any,
    staff: Actor,
    officers: dict[int, Actor],
) -> set[int]:
    """One wave of fevers (one each at most per person): opened together, then moved on."""
    step_mark, event_mark = _max_pk(IncidentStep), _max_pk(TimelineEvent)
    incidents = services.incidents_open(
        actor=staff,
        fevers=[
            services.Fever(
                employee_id=f.employee_id,
                community_id=community.pk,
                enterprise_id=f.enterprise_id,
                name=people[f.employee_id][0],
                temperature=f.temperature,
                source=Incident.Source.CHECK,
                at=f.at,
                check_uuid=f.check_uuid,
            )
            for f in wave
        ],
    )
    if len({i.pk for i in incidents}) != len(wave) or any(i.pk is None for i in incidents):
        raise RuntimeError("demo: a fever did not open an incident of its own")
    # Each incident was opened by its enterprise's officer, when the fever was taken.
    officer_of = {
        i.pk: officers.get(f.enterprise_id, staff) for i, f in zip(incidents, wave, strict=True)
    }
    opened_at = {i.pk: f.at for i, f in zip(incidents, wave, strict=True)}
    update_rows(
        IncidentStep,
        ["actor_label", "actor_user"],
        [
            (officer_of[incident_id].label[:150], _user_id(officer_of[incident_id]), pk)
            for pk, incident_id in IncidentStep.objects.filter(pk__gt=step_mark).values_list(
                "pk", "incident_id"
            )
        ],
    )
    update_rows(
        TimelineEvent,
        ["at", "actor_label"],
        [
            (opened_at[params["incident"]], officer_of[params["incident"]].label, pk)
            for pk, params in TimelineEvent.objects.filter(
                pk__gt=event_mark, kind="health.incident"
            ).values_list("pk", "params")
        ],
    )

    by_service: list[tuple[Incident, Fever]] = []
    moved: list[tuple[Incident, Fever, list[Step]]] = []
    for incident, fever in zip(incidents, wave, strict=True):
        steps = [s for s in fever.steps if s.at <= now]
        if any(s.outcome in SERIOUS_OUTCOMES for s in steps):
            by_service.append((incident, fever))
        else:
            moved.append((incident, fever, steps))
    closed = _advance_cleared(moved, people, hs, staff, officers)
    closed |= _advance_by_service(by_service, now, hs, staff, officers)
    return closed


def _user_id(actor: Actor) -> int | None:
    return actor.user.pk if actor.user is not None else None


def _advance_cleared(
    moved: list[tuple[Incident, Fever, list[Step]]],
    people: dict[int, tuple[str, str]],
    hs: Any,
    staff: Actor,
    officers: dict[int, Actor],
) -> set[int]:
    """The steps of fevers that clear, as `incident_advance` would record them, in bulk."""
    steps: list[tuple] = []
    events: list[tuple] = []
    audits: list[tuple] = []
    incidents: list[tuple] = []
    health: dict[str, list[int]] = {}
    closed: set[int] = set()
    for incident, fever, plan in moved:
        officer = officers.get(fever.enterprise_id, staff)
        name, id_number = people[fever.employee_id]
        audit_label = Employee(name=name, id_number=id_number).audit_label[:200]
        state, outcome, since = incident.state, incident.outcome, fever.at
        for step in plan:
            actor = staff if step.by_staff else officer
            actor.check(Perm.INCIDENT_MANAGE)
            if not (actor.community_wide or actor.enterprise_id == incident.enterprise_id):
                raise RuntimeError("demo: an officer moved another enterprise's incident")
            to, said = step.state, step.outcome
            reading = parse_temperature(step.temperature) if step.temperature else None
            if state == Incident.State.RECHECK and to in ("", Incident.State.RECHECK):
                if reading is None:
                    raise RuntimeError("demo: a re-check without a reading")
                to, said = (
                    (Incident.State.ISOLATED, "")
                    if is_fever(reading, hs)
                    else (Incident.State.OUTCOME, Incident.Outcome.CLEARED)
                )
            if to not in services.TRANSITIONS.get(state, set()):
                raise RuntimeError(f"demo: an incident cannot move from {state} to {to}")
            if to == Incident.State.OUTCOME:
                if said not in Incident.Outcome.values:
                    raise RuntimeError(f"demo: unknown outcome {said!r}")
                outcome = str(said)
                health.setdefault(_HEALTH_AFTER[said], []).append(fever.employee_id)
            to = str(to)
            state, since = to, step.at
            step_outcome = outcome if to == Incident.State.OUTCOME else ""
            steps.append(
                (incident.pk, to, step_outcome, False, step.at, actor.label[:150], _user_id(actor),
                 reading, " ".join(step.note.split())[:300])
            )  # fmt: skip
            events.append(
                (fever.employee_id, step.at, "health.incident",
                 {"state": to, "outcome": step_outcome,
                  "temperature": str(reading) if reading is not None else "",
                  "incident": incident.pk},
                 actor.label)
            )  # fmt: skip
            audits.append(
                (step.at, _user_id(actor), actor.label[:150], str(actor.role), actor.community_id,
                 incident.enterprise_id or actor.enterprise_id, str(AuditEntry.Action.UPDATE),
                 "health.incident", str(incident.pk), audit_label,
                 {"state": to, "outcome": outcome}, None)
            )  # fmt: skip
        done = state == Incident.State.CLOSED
        if done:
            closed.add(incident.pk)
        incidents.append(
            (state, outcome, since, services._due(state, since, hs), 0, since if done else None,
             incident.pk)
        )  # fmt: skip
    update_rows(
        Incident,
        ["state", "outcome", "state_since", "due_at", "escalation_level", "closed_at"],
        incidents,
    )
    insert_rows(
        IncidentStep,
        ["incident", "state", "outcome", "escalation", "at", "actor_label", "actor_user",
         "temperature", "note"],
        steps,
    )  # fmt: skip
    insert_rows(TimelineEvent, ["employee", "at", "kind", "params", "actor_label"], events)
    insert_rows(
        AuditEntry,
        ["at", "user", "actor_label", "role", "community", "enterprise", "action", "object_type",
         "object_id", "object_repr", "detail", "ip"],
        audits,
    )  # fmt: skip
    for status, employee_ids in health.items():
        employees_health_set(employee_ids=employee_ids, health_status=status)
    return closed


def _advance_by_service(
    incidents: list[tuple[Incident, Fever]],
    now: dt.datetime,
    hs: Any,
    staff: Actor,
    officers: dict[int, Actor],
) -> set[int]:
    """Move incidents on through `services.incident_advance`, in the order things happened,
    then put each stamp back to its time in the story."""
    marks = (_max_pk(IncidentStep), _max_pk(TimelineEvent), _max_pk(AuditEntry))
    step_times: list[dt.datetime] = []
    audit_times: list[dt.datetime] = []
    rows: list[tuple] = []
    closed: set[int] = set()
    for incident, fever in incidents:
        officer = officers.get(fever.enterprise_id, staff)
        since = fever.at
        for step in fever.steps:
            if step.at > now:
                break
            incident = services.incident_advance(
                actor=staff if step.by_staff else officer,
                incident=incident,
                state=step.state,
                outcome=step.outcome,
                temperature=step.temperature or None,
                note=step.note,
            )
            step_times.append(step.at)
            audit_times.append(step.at)
            since = step.at
        done = incident.state == Incident.State.CLOSED
        if done:
            closed.add(incident.pk)
        rows.append(
            (since, services._due(incident.state, since, hs), since if done else None, incident.pk)
        )
    steps = list(
        IncidentStep.objects.filter(pk__gt=marks[0]).order_by("pk").values_list("pk", flat=True)
    )
    events = list(
        TimelineEvent.objects.filter(pk__gt=marks[1], kind="health.incident")
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    audits = list(
        AuditEntry.objects.filter(pk__gt=marks[2], object_type="health.incident")
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    if not len(steps) == len(events) == len(step_times) or len(audits) != len(audit_times):
        raise RuntimeError("demo: the incident service wrote a different number of rows")
    update_rows(IncidentStep, ["at"], list(zip(step_times, steps, strict=True)))
    update_rows(TimelineEvent, ["at"], list(zip(step_times, events, strict=True)))
    update_rows(AuditEntry, ["at"], list(zip(audit_times, audits, strict=True)))
    update_rows(Incident, ["state_since", "due_at", "closed_at"], rows)
    return closed


def _escalate(now: dt.datetime) -> int:
    """Escalate what is overdue at the clock: those overdue for long, twice."""
    total = 0
    for at in (now - dt.timedelta(minutes=45), now):
        mark = _max_pk(TimelineEvent)
        total += services.incidents_escalate(now=at)
        TimelineEvent.objects.filter(pk__gt=mark, kind="health.incident").update(at=at)
    return total


def _declarations(
    community: Community,
    people: list[tuple],
    gone: set[int],
    rng: random.Random,
    today: dt.date,
    now: dt.datetime,
    tz: dt.tzinfo,
) -> int:
    """The last few days' self-declarations: most people declare, before work."""
    postgres = connection.vendor == "postgresql"
    stamp = _Stamps(today - dt.timedelta(days=DECLARATION_DAYS), DECLARATION_DAYS + 1, postgres)
    symptoms = ["cough", "throat", "fatigue", "smell", "diarrhoea"]
    now_epoch = now.timestamp()
    days = [
        (d.isoformat(), int(dt.datetime.combine(d, dt.time(6, 0), tzinfo=tz).timestamp()))
        for d in (today - dt.timedelta(days=back) for back in range(DECLARATION_DAYS))
    ]
    ids = rng.randbytes(16 * len(people) * DECLARATION_DAYS).hex()
    temps = rng.choices(DECLARED[0], cum_weights=DECLARED[1], k=len(people) * DECLARATION_DAYS)
    true, false = ("t", "f") if postgres else (1, 0)
    rows: list[tuple] = []
    i = -1
    for pk, enterprise_id, dorm_room, user_id in people:
        where = (Declaration.Whereabouts.DORM if dorm_room else Declaration.Whereabouts.LOCAL).value
        for day, six in days:
            i += 1
            # The demo's employee account always declares: their pass shows why it is green.
            if pk in gone or (user_id is None and rng.random() >= DECLARED_SHARE):
                continue
            epoch = six + rng.randrange(3 * 3600 + 1800)
            if epoch > now_epoch:
                continue
            said = "[]"
            if rng.random() < SYMPTOMS_RATE:
                said = json.dumps(sorted(rng.sample(symptoms, rng.choice((1, 1, 2)))))
            k = 32 * i
            rows.append(
                (f"{ids[k : k + 12]}4{ids[k + 13 : k + 16]}8{ids[k + 17 : k + 32]}",
                 community.pk, enterprise_id, pk, day, stamp(epoch), temps[i], said, where,
                 None, "", true if rng.random() < CONTACT_RATE else false)
            )  # fmt: skip
    columns = (
        "id",
        "community_id",
        "enterprise_id",
        "employee_id",
        "day",
        "submitted_at",
        "temperature",
        "symptoms",
        "whereabouts",
        "region_id",
        "address",
        "contact_with_case",
    )
    _write_rows(Declaration._meta.db_table, columns, rows)
    return len(rows)


def _notifications_settle(community_id: int, after: int) -> None:
    """Date the incident notifications to the moment each reported, and mark read those about
    incidents closed since: the bell shows what is still open, as it would after a fortnight."""
    incidents = {
        pk: (opened, closed)
        for pk, opened, closed in Incident.objects.filter(community_id=community_id).values_list(
            "pk", "opened_at", "closed_at"
        )
    }
    moments: dict[tuple[int, str], list[dt.datetime]] = {}
    for incident_id, escalation, at in (
        IncidentStep.objects.filter(incident__community_id=community_id)
        .filter(models.Q(escalation=True) | models.Q(state=Incident.State.OUTCOME))
        .order_by("at", "pk")
        .values_list("incident_id", "escalation", "at")
    ):
        key = (incident_id, "health.overdue" if escalation else "health.outcome")
        moments.setdefault(key, []).append(at)
    rows = []
    for pk, kind, params in Notification.objects.filter(
        pk__gt=after, community_id=community_id, kind__startswith="health."
    ).values_list("pk", "kind", "params"):
        incident = incidents.get(params.get("incident"))
        if incident is None:
            continue
        opened, closed = incident
        at = opened
        if kind != "health.fever":
            times = moments.get((params["incident"], kind)) or [opened]
            at = times[min(len(times), int(params.get("level") or 1)) - 1]
        rows.append((at, at + dt.timedelta(minutes=7) if closed else None, pk))
    with transaction.atomic():
        update_rows(Notification, ["created_at", "read_at"], rows)
