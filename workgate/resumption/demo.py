"""Demo data of work resumption: the fortnight in which Dagang's enterprises went back to work.

Resumption began on the first of daily health's fourteen days (day 1 = today − 13): the first
enterprises were at their gates that morning. Each day enterprises apply in the morning; the
community assigns a reviewer, surveys on site, verifies and reports upward the same day; the
approval comes the next morning and work starts on the planned date, the day after. The first
five days follow the seed's curve — by day 5 about 40 % of the enterprises (260 of 651) and
about 30 % of the employees (30,000 of 100,000, counted from their gate checks) are back — then
the rise slows, to about 78 % of the enterprises by today.

`build` (before daily health) writes the conditions and what each enterprise entered and
uploaded for them, every application with its full step history, the planned batches (a little
ahead of what happened: some enterprises started a day after their batch), every status change
and each enterprise's status and resumption day. Daily health then checks people only from the
day their enterprise resumed. `build_after_health` judges the conditions (gates and
declarations exist by then) into what each application kept when submitted, and suspends an
enterprise after a confirmed case, through the service, dated to the day it was confirmed.

Today's applications stand in every state: drafts, submitted (due today), reviewer assigned,
surveyed, verified, reported, approved this morning (work starts tomorrow), returned with
reasons, withdrawn, and one or two overdue (submitted two days ago, still with the reviewer).
Everything is bulk-written: a few tenths of a second at full scale.
"""

from __future__ import annotations

import datetime as dt
import io
import math
import random
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from workgate.core.access import Actor
from workgate.core.models import AuditEntry, Community, Enterprise, Membership, Role, User
from workgate.health import demo as health_demo
from workgate.health.models import Check, Incident, IncidentStep
from workgate.health.rules import settings_for as health_settings
from workgate.registry.models import Employee
from workgate.resumption import conditions as rules
from workgate.resumption import services
from workgate.resumption.models import (
    Application,
    ApplicationStep,
    Batch,
    ConditionEntry,
    Evidence,
    Indicator,
    StatusChange,
    StepPhoto,
)

State = Application.State
Action = ApplicationStep.Action
Status = Enterprise.Status

DAYS = health_demo.DAYS
BY_DAY_5 = 260 / 651  # of the enterprises, back at work after five days (the seed)
PEOPLE_BY_DAY_5 = 0.30  # of all employees, at the gate on day 5 (30,000 of 100,000)
# Of the enterprises, back at work by the end of each day of the fortnight.
CURVE = (0.04, 0.11, 0.20, 0.30, BY_DAY_5, 0.455, 0.505, 0.55, 0.595, 0.635, 0.675, 0.71, 0.745,
         0.78)  # fmt: skip
SLIPPED = 0.10  # started the day after their planned date: the plan runs a little ahead
RETURNED_ONCE = 0.08  # returned with reasons once, then resubmitted the next day
WITHDRAWN_ONCE = 0.02  # withdrew a first application (wrong date) and applied again
# Today's applications per 651 enterprises in each state, in the order they are kept when the
# community is too small for all (the applicant's draft comes first, always).
TODAY_STATES = (
    ("submitted", 3),
    ("overdue", 2),
    ("surveyed", 4),
    ("verified", 3),
    ("reported", 4),
    ("approved", 20),
    ("returned", 3),
    ("assigned", 4),
    ("withdrawn", 1),
    ("draft", 5),
)
PHOTOS_RECENT_DAYS = 3  # field-survey photos for the reviews of the last few days
CUTOFF_HOURS = 18.0  # the review day's last step, at the latest

ISOLATION_ROOMS = (
    "厂区东北角独立平房，单独卫生间",
    "门卫室东侧临时隔离观察室",
    "宿舍楼一层最东头 101 室",
    "行政楼后侧独立板房两间",
    "仓库西侧隔离观察点，配有消毒用品",
)
SURVEY_NOTES = (
    "现场踏勘：门岗测温、登记到位，隔离观察室位置合理，防疫物资台账齐全。",
    "现场查看食堂分餐、车间通风和消毒记录，符合要求。",
    "宿舍每间不超过 6 人，已落实错峰就餐和上下班。",
    "门岗两支红外体温枪，口罩储备与台账一致。",
)
RETURN_REASONS = {
    "thermometers": "门岗测温点仅配备 1 支体温枪，请按每个出入口不少于 2 支配齐后重新提交。",
    "isolation": "隔离观察室未设独立卫生间，请整改并补充照片后重新提交。",
    "plan": "应急预案未明确疫情报告联系人及处置流程，请修改后重新上传。",
}
VERIFY_NOTE = "材料与现场一致，核验通过。"
REPORT_NOTE = "已报街道复工复产工作组。"
APPROVE_NOTE = "同意按计划日期复工，落实每日两次体温监测和外来人员登记。"
WITHDRAW_NOTE = "计划复工日期填写有误，撤回后重新申报。"
JUSTIFICATION = "已逐一电话联系，未联系上的员工暂不返岗，返岗前由企业专员再次确认。"


@dataclass
class _Step:
    action: str
    to: str
    at: dt.datetime
    actor: tuple[str, User | None]
    note: str = ""
    checklist: list[dict[str, Any]] = field(default_factory=list)
    photos: int = 0


@dataclass
class _App:
    enterprise_id: int
    state: str
    planned: dt.date
    created: dt.datetime
    steps: list[_Step] = field(default_factory=list)
    reviewer: User | None = None
    submissions: int = 0
    submitted_at: dt.datetime | None = None
    reported_at: dt.datetime | None = None
    decided_at: dt.datetime | None = None


class _Story:
    """The fortnight's applications, status changes and batches, kept in memory, then written."""

    def __init__(
        self,
        community: Community,
        rng: random.Random,
        today: dt.date,
        now: dt.datetime,
        tz: dt.tzinfo,
    ) -> None:
        self.community = community
        self.rng, self.today, self.now, self.tz = rng, today, now, tz
        self.days = [today - dt.timedelta(days=DAYS - 1 - i) for i in range(DAYS)]
        self.apps: list[_App] = []
        self.changes: list[StatusChange] = []
        self.cutoff = services.settings_for(community.pk).cutoff
        self.officers: dict[int, tuple[str, User]] = {}
        for m in (
            Membership.objects.filter(community=community, role=Role.OFFICER)
            .select_related("user")
            .order_by("user__username")
        ):
            self.officers.setdefault(m.enterprise_id, (m.user.username, m.user))
        staff = {
            u.username: u for u in User.objects.filter(username__in=["staff", "staff2", "leader"])
        }
        self.staff = ("staff", staff.get("staff"))
        self.reviewers = [(n, staff.get(n)) for n in ("staff", "staff2") if staff.get(n)]
        self.system = ("system", None)
        self.conditions = services.conditions_ensure(community.pk)
        self.checklist = [
            {"condition": c.pk, "title": c.display_title, "ok": True, "note": ""}
            for c in self.conditions
            if c.active
        ]

    # --- Time --------------------------------------------------------------------------

    def at(self, day: dt.date, hours: float) -> dt.datetime:
        """A moment of a day: `hours` after its local midnight; today's squeezed before now."""
        moment = dt.datetime.combine(day, dt.time(0), tzinfo=self.tz) + dt.timedelta(hours=hours)
        if day == self.today:
            start = min(
                dt.datetime.combine(day, dt.time(8), tzinfo=self.tz),
                self.now - dt.timedelta(hours=2),
            )
            share = max(0.0, min(1.0, (hours - 8) / (CUTOFF_HOURS + 0.5 - 8)))
            moment = start + (self.now - start) * share
        return moment

    def officer(self, ent: int) -> tuple[str, User | None]:
        return self.officers.get(ent, ("system", None))

    # --- Steps ------------------------------------------------------------------------

    def review_day(
        self,
        app: _App,
        day: dt.date,
        *,
        until: str,
        returned: str = "",
        photos: bool = False,
    ) -> None:
        """Submit on the morning of `day` and review the same day, up to the `until` step (or
        return the application with the reason `returned`)."""
        rng = self.rng
        hour = 8 + rng.uniform(0, 3)
        app.submissions += 1
        self.step(app, Action.SUBMIT, State.SUBMITTED, day, hour, self.officer(app.enterprise_id))
        app.submitted_at = app.steps[-1].at
        reviewer = rng.choice(self.reviewers) if self.reviewers else self.staff
        app.reviewer = reviewer[1]
        plan = [
            (Action.ASSIGN, State.ASSIGNED, (0.2, 0.8), self.staff, reviewer[0]),
            (Action.SURVEY, State.SURVEYED, (1.0, 3.0), reviewer, rng.choice(SURVEY_NOTES)),
            (Action.VERIFY, State.VERIFIED, (0.5, 1.5), reviewer, VERIFY_NOTE),
            (Action.REPORT, State.REPORTED, (0.3, 1.0), reviewer, REPORT_NOTE),
        ]
        for action, to, (lo, hi), actor, note in plan:
            if until == Action.SUBMIT:
                break
            hour += rng.uniform(lo, hi)
            if returned and action == Action.VERIFY:
                self.step(app, Action.RETURN, State.RETURNED, day, hour, reviewer, returned)
                app.decided_at = app.steps[-1].at
                break
            checklist = []
            if action == Action.SURVEY:
                checklist = [dict(item) for item in self.checklist]
                if returned:
                    checklist[-1] = {**checklist[-1], "ok": False, "note": returned[:60]}
            self.step(app, action, to, day, hour, actor, note, checklist, 2 if photos else 0)
            if action == Action.REPORT:
                app.reported_at = app.steps[-1].at
            if action == until:
                break

    def step(
        self,
        app: _App,
        action: str,
        to: str,
        day: dt.date,
        hour: float,
        actor: tuple[str, User | None],
        note: str = "",
        checklist: list[dict[str, Any]] | None = None,
        photos: int = 0,
    ) -> None:
        at = self.at(day, hour)
        if app.steps and at <= app.steps[-1].at:
            at = app.steps[-1].at + dt.timedelta(seconds=30)
        app.steps.append(
            _Step(action, to, at, actor, note, checklist or [], photos if action == "survey" else 0)
        )
        app.state = to

    def change(
        self, ent: int, before: str, to: str, at: dt.datetime, actor: str, reason: str = ""
    ) -> None:
        self.changes.append(
            StatusChange(
                community=self.community,
                enterprise_id=ent,
                from_status=before,
                to_status=to,
                at=at,
                on=timezone.localtime(at, self.tz).date(),
                actor_label=actor,
                reason=reason[:500],
            )
        )

    def new_app(self, ent: int, planned: dt.date, created_day: dt.date) -> _App:
        created = self.at(created_day, 17 + self.rng.uniform(0, 4))
        if created_day == self.today:
            created = self.at(created_day, 8 + self.rng.uniform(0, 1))
        app = _App(ent, State.DRAFT, planned, created)
        self.apps.append(app)
        return app

    # --- Stories ----------------------------------------------------------------------

    def resumed(self, ent: int, index: int, photos: bool, withdrew: bool = False) -> dt.date:
        """An enterprise back at work on day `index`: its whole path there. Returns the
        planned date (its batch)."""
        rng = self.rng
        started = self.days[index]
        slipped = index > 0 and rng.random() < SLIPPED
        planned = started - dt.timedelta(days=1 if slipped else 0)
        approve_day = planned - dt.timedelta(days=1)
        review = approve_day - dt.timedelta(days=1)
        returned = rng.random() < RETURNED_ONCE
        first = review - dt.timedelta(days=1 if returned else 0)
        officer = self.officer(ent)[0]
        if withdrew or rng.random() < WITHDRAWN_ONCE:
            self.withdrawn(ent, first - dt.timedelta(days=1), planned)
        app = self.new_app(ent, planned, first - dt.timedelta(days=1))
        if returned:
            self.review_day(app, first, until=Action.REPORT, returned=RETURN_REASONS["isolation"])
        self.review_day(app, review, until=Action.REPORT, photos=photos)
        self.change(ent, Status.NOT_RESUMED, Status.APPLYING, app.steps[0].at, officer, _sub())
        self.step(
            app,
            Action.APPROVE,
            State.APPROVED,
            approve_day,
            8.5 + rng.uniform(0, 2),
            self.staff,
            APPROVE_NOTE,
        )
        app.decided_at = app.steps[-1].at
        self.change(ent, Status.APPLYING, Status.APPROVED, app.decided_at, "staff", APPROVE_NOTE)
        first_check = dt.datetime.combine(started, dt.time(7, 20), tzinfo=self.tz)
        self.change(ent, Status.APPROVED, Status.RESUMED, first_check, "system")
        return planned

    def withdrawn(self, ent: int, day: dt.date, planned: dt.date) -> None:
        """A first application submitted and withdrawn the same day."""
        app = self.new_app(ent, planned, day - dt.timedelta(days=1))
        officer = self.officer(ent)
        self.review_day(app, day, until=Action.SUBMIT)
        self.step(
            app, Action.WITHDRAW, State.WITHDRAWN, day, 12 + self.rng.uniform(0, 3), officer,
            WITHDRAW_NOTE,
        )  # fmt: skip
        self.change(ent, Status.NOT_RESUMED, Status.APPLYING, app.steps[0].at, officer[0], _sub())
        self.change(
            ent, Status.APPLYING, Status.NOT_RESUMED, app.steps[-1].at, officer[0], _withdrawn()
        )

    def in_progress(self, ent: int, state: str) -> tuple[str, dt.date]:
        """Today's application of an enterprise in `state`. Returns its status and planned
        date."""
        today, rng = self.today, self.rng
        yesterday = today - dt.timedelta(days=1)
        officer = self.officer(ent)
        planned = today + dt.timedelta(days=2)
        if state == "draft":
            self.new_app(ent, planned, today if rng.random() < 0.5 else yesterday)
            return Status.NOT_RESUMED, planned
        if state == "approved":
            planned = today + dt.timedelta(days=1)
            app = self.new_app(ent, planned, yesterday - dt.timedelta(days=1))
            self.review_day(app, yesterday, until=Action.REPORT, photos=True)
            self.change(ent, Status.NOT_RESUMED, Status.APPLYING, app.steps[0].at, officer[0],
                        _sub())  # fmt: skip
            self.step(app, Action.APPROVE, State.APPROVED, today, 8.5 + rng.uniform(0, 1.5),
                      self.staff, APPROVE_NOTE)  # fmt: skip
            app.decided_at = app.steps[-1].at
            self.change(ent, Status.APPLYING, Status.APPROVED, app.decided_at, "staff",
                        APPROVE_NOTE)  # fmt: skip
            return Status.APPROVED, planned
        if state == "overdue":
            day = today - dt.timedelta(days=2)
            app = self.new_app(ent, day + dt.timedelta(days=2), day - dt.timedelta(days=1))
            self.review_day(app, day, until=Action.ASSIGN)
            # Planned for today when it was submitted; still waiting for the field survey.
            self.change(ent, Status.NOT_RESUMED, Status.APPLYING, app.steps[0].at, officer[0],
                        _sub())  # fmt: skip
            return Status.APPLYING, app.planned
        app = self.new_app(ent, planned, yesterday)
        if state == "withdrawn":
            self.review_day(app, today, until=Action.SUBMIT)
            self.step(app, Action.WITHDRAW, State.WITHDRAWN, today, 11 + rng.uniform(0, 2),
                      officer, WITHDRAW_NOTE)  # fmt: skip
            self.change(ent, Status.NOT_RESUMED, Status.APPLYING, app.steps[0].at, officer[0],
                        _sub())  # fmt: skip
            self.change(ent, Status.APPLYING, Status.NOT_RESUMED, app.steps[-1].at, officer[0],
                        _withdrawn())  # fmt: skip
            return Status.NOT_RESUMED, planned
        until = {
            "submitted": Action.SUBMIT,
            "assigned": Action.ASSIGN,
            "surveyed": Action.SURVEY,
            "verified": Action.VERIFY,
            "reported": Action.REPORT,
            "returned": Action.REPORT,
        }[state]
        reason = RETURN_REASONS["thermometers"] if state == "returned" else ""
        self.review_day(app, today, until=until, returned=reason, photos=True)
        self.change(ent, Status.NOT_RESUMED, Status.APPLYING, app.steps[0].at, officer[0], _sub())
        return Status.APPLYING, planned


def _sub() -> str:
    return _("Application submitted")


def _withdrawn() -> str:
    return _("Application withdrawn")


def build(
    *,
    community: Community,
    scale: float,
    rng: random.Random,
    today: dt.date,
    log: Callable[[str], None],
) -> None:
    if Application.objects.filter(community=community).exists():
        log("work resumption: already loaded, nothing added")
        return
    with translation.override(settings.LANGUAGE_CODE):
        _build(community, random.Random(rng.random()), today, log)


def _now(community: Community, today: dt.date) -> tuple[dt.datetime, dt.tzinfo]:
    _hs, tz = health_settings(community.pk)
    if today == timezone.localdate(timezone=tz):
        return timezone.now(), tz
    return dt.datetime.combine(today, health_demo.DEMO_CLOCK, tzinfo=tz), tz


def _build(
    community: Community, rng: random.Random, today: dt.date, log: Callable[[str], None]
) -> None:
    now, tz = _now(community, today)
    story = _Story(community, rng, today, now, tz)
    ids = list(
        Enterprise.objects.filter(community=community).order_by("pk").values_list("pk", flat=True)
    )
    n = len(ids)
    sizes = dict(
        Employee.objects.filter(community=community)
        .values_list("enterprise_id")
        .annotate(k=models.Count("pk"))
        .order_by()
    )
    on_duty = dict(
        Employee.objects.filter(
            community=community,
            job_status=Employee.JobStatus.ACTIVE,
            quarantine_status=Employee.Quarantine.NONE,
        )
        .values_list("enterprise_id")
        .annotate(k=models.Count("pk"))
        .order_by()
    )
    people = sum(sizes.values())
    applicant = (
        Membership.objects.filter(community=community, user__username="applicant")
        .values_list("enterprise_id", flat=True)
        .first()
    )
    # The officer, gate and employee accounts' enterprise (the largest) is back from day 1,
    # officer2's soon after: the daily pages of those accounts are full.
    first, second = ids[0], ids[1] if n > 1 else None

    # How many are back by day 5 and by today; the rest are on their way, in today's states.
    today_states = [("draft", 1)] if applicant else []
    today_states += [(s, max(1, round(k * n / 651))) for s, k in TODAY_STATES]
    by_5 = max(1, round(n * BY_DAY_5))
    wanted_pipeline = len(TODAY_STATES) + (1 if applicant else 0)
    final = max(by_5, min(round(n * CURVE[-1]), n - wanted_pipeline))
    counts = [min(final, max(1, round(n * f))) for f in CURVE]
    counts[4] = min(by_5, final)
    counts[-1] = final
    for i in range(1, DAYS):
        counts[i] = max(counts[i], counts[i - 1])

    # Day 5's set: as many enterprises as the seed, holding about 30 % of the people.
    others = [e for e in ids if e not in (first, applicant)]
    rng.shuffle(others)
    early = [first, *others[: by_5 - 1]]
    rest = others[by_5 - 1 :]
    target = PEOPLE_BY_DAY_5 * people
    early, rest = _fit(early, rest, on_duty, target, keep={first}, rng=rng)
    later_count = counts[-1] - len(early)
    rng.shuffle(rest)
    if second is not None and second in rest:
        rest.remove(second)
        rest.insert(0, second)
    later, waiting = rest[:later_count], rest[later_count:]

    # Resumption day of each enterprise: the earliest on day 1, then by the curve.
    order = [first, *[e for e in early if e != first], *later]
    resumed_on: dict[int, int] = {}
    day = 0
    for position, ent in enumerate(order):
        while position >= counts[day]:
            day += 1
        resumed_on[ent] = day

    # Today's applications in every state, the applicant's draft first.
    pipeline: list[tuple[int, str]] = []
    if applicant:
        pipeline.append((applicant, "draft"))
    pool = list(waiting)
    for rounds in range(max(k for _s, k in today_states)):
        for state, k in today_states[1 if applicant else 0 :]:
            if rounds < k and pool:
                pipeline.append((pool.pop(0), state))
    not_applied = pool

    batches: dict[dt.date, list[int]] = {}
    recent = today - dt.timedelta(days=PHOTOS_RECENT_DAYS)
    status: dict[int, tuple[str, dt.date | None]] = {}
    # One, at least, withdrew a first application and applied again (a state at any scale).
    withdrew = order[-1] if len(order) > 1 else None
    for ent, index in resumed_on.items():
        photos = story.days[index] >= recent
        planned = story.resumed(ent, index, photos=photos, withdrew=ent == withdrew)
        batches.setdefault(planned, []).append(ent)
        status[ent] = (Status.RESUMED, story.days[index])
    for ent, state in pipeline:
        st, planned = story.in_progress(ent, state)
        status[ent] = (st, None)
        if state not in ("draft", "withdrawn"):
            batches.setdefault(planned, []).append(ent)

    _write_statuses(community, status, now)
    returning = rules.returning_counts(community.pk, None)
    _write_applications(community, story, returning)
    _write_batches(community, batches, tz, now)
    entered = _write_entries(
        community, story, resumed_on, pipeline, not_applied, applicant, sizes, returning
    )
    log(
        f"work resumption: {len(resumed_on)} of {n} enterprises back at work by today "
        f"({counts[4]} by day 5), {len(story.apps)} applications "
        f"({len(pipeline)} in progress today), {len(batches)} batches, "
        f"{len(story.changes)} status changes, {entered} condition entries and evidence"
    )


def _fit(
    early: list[int],
    rest: list[int],
    weight: dict[int, int],
    target: float,
    *,
    keep: set[int],
    rng: random.Random,
) -> tuple[list[int], list[int]]:
    """Swap enterprises in and out of `early` (keeping its size) until the people it holds are
    as close to `target` as swapping one pair at a time can bring them."""
    early, rest = list(early), list(rest)
    total = sum(weight.get(e, 0) for e in early)
    for _round in range(4 * len(early) + 50):
        gap = target - total
        if abs(gap) <= max(1.0, 0.005 * target):
            break
        best = None
        candidates_out = [e for e in early if e not in keep]
        if not candidates_out or not rest:
            break
        sample_out = rng.sample(candidates_out, min(len(candidates_out), 40))
        sample_in = rng.sample(rest, min(len(rest), 80))
        for out in sample_out:
            for inn in sample_in:
                change = weight.get(inn, 0) - weight.get(out, 0)
                after = abs(gap - change)
                if after < abs(gap) and (best is None or after < best[0]):
                    best = (after, out, inn, change)
        if best is None:
            break
        _after, out, inn, change = best
        early[early.index(out)] = inn
        rest[rest.index(inn)] = out
        total += change
    return early, rest


def _write_statuses(
    community: Community, status: dict[int, tuple[str, dt.date | None]], now: dt.datetime
) -> None:
    rows = list(Enterprise.objects.filter(community=community, pk__in=list(status)))
    for e in rows:
        e.status, e.resumed_on = status[e.pk]
        e.updated_at = now
    Enterprise.objects.bulk_update(rows, ["status", "resumed_on", "updated_at"], batch_size=500)


def _write_applications(
    community: Community, story: _Story, returning: dict[int, rules.Returning]
) -> None:
    names = dict(Enterprise.objects.filter(community=community).values_list("pk", "name"))
    rows = []
    for a in story.apps:
        ret = returning.get(a.enterprise_id, rules.Returning())
        updated = a.steps[-1].at if a.steps else a.created
        due = services.due_on(a.submitted_at, story.cutoff, story.tz) if a.submitted_at else None
        rows.append(
            Application(
                community=community,
                enterprise_id=a.enterprise_id,
                state=a.state,
                planned_date=a.planned,
                plan=_plan(names[a.enterprise_id], a.planned, ret),
                returning_local=ret.local if a.submitted_at else 0,
                returning_non_local=ret.non_local if a.submitted_at else 0,
                returning_high_risk=ret.high_risk if a.submitted_at else 0,
                reviewer=a.reviewer if any(s.action == Action.ASSIGN for s in a.steps) else None,
                submissions=a.submissions,
                submitted_at=a.submitted_at,
                due_on=due,
                reported_at=a.reported_at if a.state in (State.REPORTED, State.APPROVED) else None,
                decided_at=a.decided_at if a.state in (State.APPROVED, State.RETURNED) else None,
                created_at=a.created,
                updated_at=updated,
            )
        )
    made = Application.objects.bulk_create(rows, batch_size=1000)
    steps: list[ApplicationStep] = []
    photos_wanted: list[tuple[int, int, int]] = []  # (index in steps, photos, enterprise)
    for app, row in zip(story.apps, made, strict=True):
        before = State.DRAFT
        submission = 0
        for s in app.steps:
            if s.action == Action.SUBMIT:
                submission += 1
            steps.append(
                ApplicationStep(
                    application_id=row.pk,
                    action=s.action,
                    from_state=before,
                    to_state=s.to,
                    submission=max(submission, 1),
                    at=s.at,
                    actor_label=s.actor[0],
                    actor_user=s.actor[1],
                    note=s.note,
                    checklist=s.checklist,
                )
            )
            if s.photos:
                photos_wanted.append((len(steps) - 1, s.photos, app.enterprise_id))
            before = s.to
    steps = ApplicationStep.objects.bulk_create(steps, batch_size=1000)
    StatusChange.objects.bulk_create(story.changes, batch_size=1000)
    images = _images()
    photos = []
    for index, k, ent in photos_wanted:
        step = steps[index]
        for j in range(k):
            data = images[(index + j) % len(images)]
            photos.append(
                StepPhoto(
                    step=step,
                    path=_save(f"survey/{ent}", "jpg", data),
                    original_name=f"IMG_{step.at:%Y%m%d_%H%M}{j:02d}.jpg",
                    size=len(data),
                )
            )
    StepPhoto.objects.bulk_create(photos, batch_size=1000)


def _plan(name: str, planned: dt.date, ret: rules.Returning) -> str:
    return (
        f"{name}计划于{planned:%Y年%m月%d日}复工，返岗员工{ret.total}人（本地{ret.local}人、"
        f"外地{ret.non_local}人）。错峰上下班，食堂分餐，车间每日两次消毒通风；门岗专人测温登记，"
        "外来人员一律登记并查验健康码；发现发热人员立即送隔离观察室并报告社区。"
    )


def _write_batches(
    community: Community, batches: dict[dt.date, list[int]], tz: dt.tzinfo, now: dt.datetime
) -> None:
    rows = []
    dates = sorted(batches)
    for k, day in enumerate(dates, start=1):
        made = dt.datetime.combine(day - dt.timedelta(days=1), dt.time(18), tzinfo=tz)
        rows.append(
            Batch(community=community, date=day, name=f"第{k}批复工企业", created_at=min(made, now))
        )
    Batch.objects.bulk_create(rows)
    through = Batch.enterprises.through
    links = [
        through(batch_id=b.pk, enterprise_id=e)
        for b, day in zip(rows, dates, strict=True)
        for e in sorted(set(batches[day]))
    ]
    through.objects.bulk_create(links, batch_size=2000)


def _write_entries(
    community: Community,
    story: _Story,
    resumed_on: dict[int, int],
    pipeline: list[tuple[int, str]],
    not_applied: list[int],
    applicant: int | None,
    sizes: dict[int, int],
    returning: dict[int, rules.Returning],
) -> int:
    """What the enterprises entered for the four in place, and their evidence: everything met
    for those that applied (but the thermometers of those returned for them); a part for some
    not yet applying; the applicant's enterprise has entered its masks, thermometers and
    training but has not said where its isolation room is nor uploaded its emergency plan."""
    rng = story.rng
    by_kind = {c.indicator: c for c in story.conditions}
    masks_per_day = services.settings_for(community.pk).masks_per_person_day
    first_step = {a.enterprise_id: (a.steps[0].at if a.steps else a.created) for a in story.apps}
    entries: list[ConditionEntry] = []
    evidence: list[Evidence] = []
    images = _images()
    pdf = _pdf()

    def gates(ent: int) -> int:
        return 2 if sizes.get(ent, 0) >= health_demo.TWO_GATES_FROM else 1

    def enter(ent: int, kind: str, when: dt.datetime, value: int | None = None, text: str = ""):
        condition = by_kind.get(kind)
        if condition is None:
            return
        entries.append(
            ConditionEntry(
                enterprise_id=ent,
                condition=condition,
                value=value,
                text=text,
                updated_at=when,
                updated_by_label=story.officer(ent)[0],
            )
        )

    def upload(ent: int, kind: str, when: dt.datetime, document: bool) -> None:
        condition = by_kind.get(kind)
        if condition is None:
            return
        data = pdf if document else images[ent % len(images)]
        ext = "pdf" if document else "jpg"
        name = "疫情防控应急预案.pdf" if document else "隔离观察室.jpg"
        evidence.append(
            Evidence(
                enterprise_id=ent,
                condition=condition,
                kind=Evidence.Kind.DOCUMENT if document else Evidence.Kind.PHOTO,
                path=_save(f"evidence/{ent}", ext, data),
                original_name=name,
                size=len(data),
                uploaded_at=when,
                uploaded_by_label=story.officer(ent)[0],
            )
        )

    states = dict(pipeline)
    prepared = [*resumed_on, *(e for e, _s in pipeline if e != applicant)]
    for ent in prepared:
        total = returning.get(ent, rules.Returning()).total or sizes.get(ent, 0)
        when = first_step.get(ent, story.now) - dt.timedelta(hours=rng.uniform(2, 20))
        enter(ent, Indicator.MASK_DAYS, when, value=math.ceil(total * masks_per_day *
              rng.uniform(8, 20)))  # fmt: skip
        short = states.get(ent) == "returned"
        per_gate = 1 if short else rng.choice((2, 2, 3, 4))
        enter(ent, Indicator.THERMOMETERS_PER_GATE, when, value=gates(ent) * per_gate)
        enter(ent, Indicator.ISOLATION_ROOM, when, text=rng.choice(ISOLATION_ROOMS))
        enter(ent, Indicator.TRAINED_SHARE, when, value=total)
        upload(ent, Indicator.EMERGENCY_PLAN, when, document=True)
        upload(ent, Indicator.ISOLATION_ROOM, when, document=False)
    # Some not yet applying have started.
    for ent in not_applied:
        if rng.random() < 0.5:
            total = returning.get(ent, rules.Returning()).total or sizes.get(ent, 0)
            when = story.now - dt.timedelta(hours=rng.uniform(2, 72))
            enter(ent, Indicator.MASK_DAYS, when, value=math.ceil(total * masks_per_day * 5))
            enter(ent, Indicator.THERMOMETERS_PER_GATE, when, value=gates(ent) * 2)
    if applicant:
        total = returning.get(applicant, rules.Returning()).total or sizes.get(applicant, 0)
        when = story.now - dt.timedelta(hours=20)
        enter(applicant, Indicator.MASK_DAYS, when, value=total * masks_per_day * 10)
        enter(applicant, Indicator.THERMOMETERS_PER_GATE, when, value=gates(applicant) * 2)
        enter(applicant, Indicator.TRAINED_SHARE, when, value=total)
    ConditionEntry.objects.bulk_create(entries, batch_size=1000)
    Evidence.objects.bulk_create(evidence, batch_size=1000)
    return len(entries) + len(evidence)


# --- Files ---------------------------------------------------------------------------------


def _save(folder: str, ext: str, data: bytes) -> str:
    """Where uploads keep their files (see uploads._save), written directly."""
    relative = f"resumption/{folder}/{uuid.uuid4().hex}.{ext}"
    path = Path(settings.MEDIA_ROOT) / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return relative


_IMAGES: list[bytes] = []


def _images() -> list[bytes]:
    """A few small photo-like JPEGs: a room with a bed and a door, a gate, shelves of boxes."""
    if _IMAGES:
        return _IMAGES
    from PIL import Image, ImageDraw

    palettes = (
        ((232, 228, 218), (120, 144, 156), (255, 255, 255)),
        ((225, 235, 240), (96, 125, 139), (245, 245, 235)),
        ((240, 232, 220), (141, 110, 99), (250, 250, 250)),
        ((220, 230, 220), (85, 139, 47), (255, 250, 240)),
    )
    for wall, accent, light in palettes:
        img = Image.new("RGB", (480, 360), wall)
        d = ImageDraw.Draw(img)
        d.rectangle((0, 260, 480, 360), fill=(180, 170, 160))  # floor
        d.rectangle((40, 90, 130, 260), fill=accent)  # door
        d.ellipse((115, 170, 125, 180), fill=light)
        d.rectangle((200, 200, 420, 250), fill=light, outline=accent, width=4)  # bed
        d.rectangle((200, 180, 250, 205), fill=(200, 220, 235))  # pillow
        d.rectangle((300, 40, 430, 130), fill=(190, 220, 245), outline=accent, width=6)  # window
        for x in range(0, 480, 12):  # a little texture, as a camera would see it
            d.line((x, 0, x + 30, 90), fill=tuple(max(0, c - 6) for c in wall))
        out = io.BytesIO()
        img.save(out, "JPEG", quality=72)
        _IMAGES.append(out.getvalue())
    return _IMAGES


def _pdf() -> bytes:
    """A one-page PDF: the emergency plan's cover."""
    text = b"BT /F1 20 Tf 72 760 Td (Epidemic emergency plan) Tj ET\n"
    text += b"BT /F1 12 Tf 72 730 Td (Reporting line, isolation room, disinfection, drills) Tj ET"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(text) + text + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for i, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % i + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for off in offsets:
        out += b"%010d 00000 n \n" % off
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


# --- After daily health --------------------------------------------------------------------


def build_after_health(
    *,
    community: Community,
    scale: float,
    rng: random.Random,
    today: dt.date,
    log: Callable[[str], None],
) -> None:
    if StatusChange.objects.filter(community=community, to_status=Status.SUSPENDED).exists():
        return
    if not Application.objects.filter(community=community).exists():
        return
    with translation.override(settings.LANGUAGE_CODE):
        judged = _judge(community)
        suspended = _suspend(community, today)
    day5 = today - dt.timedelta(days=DAYS - 5)
    n = Enterprise.objects.filter(community=community).count()
    back5 = Enterprise.objects.filter(community=community, resumed_on__lte=day5).count()
    back = Enterprise.objects.filter(community=community, resumed_on__isnull=False).count()
    people = Employee.objects.filter(community=community).count()
    at_gate5 = (
        Check.objects.filter(community=community, taken_on=day5, kind="gate")
        .values("employee_id")
        .distinct()
        .count()
    )
    log(
        f"work resumption: day 5 ({day5}): {back5} enterprises back ({_pct(back5, n)}), "
        f"{at_gate5} employees at the gate ({_pct(at_gate5, people)}); today: {back} "
        f"({_pct(back, n)}); {judged} applications judged; suspended: {suspended or 'none'}"
    )


def _pct(part: int, whole: int) -> str:
    return f"{100 * part / whole:.1f} %" if whole else "—"


def _judge(community: Community) -> int:
    """Each submitted application keeps its conditions as judged (with the data the gates and
    declarations now give), a justification for any mandatory one not met."""
    judgements = rules.judge_many(community.pk)
    apps = list(Application.objects.filter(community=community, submissions__gt=0))
    submits: dict[int, ApplicationStep] = {}
    for step in ApplicationStep.objects.filter(
        application__community=community, action=Action.SUBMIT
    ).order_by("at", "id"):
        submits[step.application_id] = step  # the latest submission
    steps = []
    for app in apps:
        j = judgements.get(app.enterprise_id)
        if j is None:
            continue
        failing = {str(r.condition.pk) for r in j.failing_mandatory}
        snapshot = j.snapshot()
        for item in snapshot:
            item["justification"] = JUSTIFICATION if str(item["condition"]) in failing else ""
        app.conditions = snapshot
        app.conditions_met, app.conditions_total = j.met, j.total
        step = submits.get(app.pk)
        if step is not None and failing:
            step.justifications = dict.fromkeys(sorted(failing), JUSTIFICATION)
            steps.append(step)
    Application.objects.bulk_update(
        apps, ["conditions", "conditions_met", "conditions_total"], batch_size=500
    )
    ApplicationStep.objects.bulk_update(steps, ["justifications"], batch_size=500)
    return len(apps)


def _suspend(community: Community, today: dt.date) -> str:
    """Suspend the enterprise of the latest confirmed case (not the demo accounts' own), from
    the day the case was confirmed: daily health made no checks there after that day."""
    keep = set(
        Membership.objects.filter(
            community=community, user__username__in=["officer", "officer2", "gate", "employee"]
        ).values_list("enterprise_id", flat=True)
    )
    confirmed = (
        IncidentStep.objects.filter(
            incident__community=community,
            state=Incident.State.OUTCOME,
            outcome=Incident.Outcome.CONFIRMED,
        )
        .select_related("incident__employee", "incident__enterprise")
        .order_by("-at")
    )
    staff_m = (
        Membership.objects.filter(community=community, user__username="staff")
        .select_related("user")
        .first()
    )
    if staff_m is None:
        return ""
    staff = Actor.from_membership(staff_m)
    _hs, tz = health_settings(community.pk)
    for step in confirmed:
        incident = step.incident
        enterprise = incident.enterprise
        if enterprise.pk in keep or enterprise.status != Status.RESUMED:
            continue
        at = step.at + dt.timedelta(minutes=40)
        day = timezone.localtime(at, tz).date()
        reason = (
            f"员工{incident.employee.name}于{timezone.localtime(step.at, tz):%m月%d日}确诊新冠肺炎"
            f"（发热事件 #{incident.pk}），全厂停工消杀，密切接触者集中隔离医学观察。"
        )
        mark = AuditEntry.objects.aggregate(m=models.Max("pk"))["m"] or 0
        services.enterprise_suspend(actor=staff, enterprise=enterprise, reason=reason)
        # Daily health stopped its checks after that day: the suspension is dated to it.
        if not Check.objects.filter(enterprise=enterprise, taken_on__gt=day).exists():
            StatusChange.objects.filter(enterprise=enterprise, to_status=Status.SUSPENDED).update(
                at=at, on=day
            )
            AuditEntry.objects.filter(pk__gt=mark, object_type="core.enterprise").update(at=at)
        else:
            day = timezone.localdate(timezone=tz)
        return f"{enterprise.name} ({day})"
    return ""
