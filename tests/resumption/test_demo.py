"""The demo's work resumption: the seed's curve over the first five days, applications in every
state with their whole history, checks only from the day an enterprise resumed, an applicant
with conditions to fix, and an enterprise suspended after a confirmed case."""

from __future__ import annotations

import datetime as dt
import itertools
from pathlib import Path

import pytest
from django.conf import settings
from django.db.models import Min

from workgate.core.demo import build_demo
from workgate.core.models import Enterprise, Membership
from workgate.health.models import Check
from workgate.registry.models import Employee
from workgate.resumption import conditions as rules
from workgate.resumption.models import (
    Application,
    ApplicationStep,
    Batch,
    ConditionEntry,
    Evidence,
    StatusChange,
    StepPhoto,
)

pytestmark = pytest.mark.django_db

TODAY = dt.date(2020, 2, 24)  # a past day: the story stops at 14:30
DAY_1 = TODAY - dt.timedelta(days=13)
DAY_5 = DAY_1 + dt.timedelta(days=4)
State = Application.State
Status = Enterprise.Status


@pytest.fixture
def community(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        # 20 enterprises, 3,000 people: the smallest community with room for every state.
        return build_demo(scale=0.03, seed=5, log=lambda _m: None, today=TODAY)


def test_the_demo_tells_the_fortnight_of_resumption(community):
    """One build (a few seconds), looked at part by part."""
    _curve(community)
    _checks_start_when_work_resumed(community)
    _applications_in_every_state(community)
    _status_changes_and_batches(community)
    _the_applicant_has_things_to_fix(community)
    _one_enterprise_suspended_after_a_case(community)


def _curve(community):
    enterprises = Enterprise.objects.filter(community=community)
    n = enterprises.count()
    back_by_5 = enterprises.filter(resumed_on__lte=DAY_5).count()
    assert abs(back_by_5 / n - 260 / 651) <= 0.05, back_by_5
    assert enterprises.filter(resumed_on=DAY_1).exists()
    people = Employee.objects.filter(community=community).count()
    at_gate = (
        Check.objects.filter(community=community, taken_on=DAY_5, kind="gate")
        .values("employee_id")
        .distinct()
        .count()
    )
    assert 0.25 <= at_gate / people <= 0.35, at_gate / people
    # Then more every day, more slowly.
    back = [enterprises.filter(resumed_on__lte=DAY_1 + dt.timedelta(days=d)).count()
            for d in range(14)]  # fmt: skip
    assert all(a <= b for a, b in itertools.pairwise(back))
    assert back[-1] > back[4]
    assert (back[-1] - back[4]) / 9 < back[4] / 5
    # The demo accounts' enterprise is back from day 1: their daily pages are full.
    officer = Membership.objects.get(community=community, user__username="officer")
    assert officer.enterprise.resumed_on == DAY_1
    assert officer.enterprise.status == Status.RESUMED


def _checks_start_when_work_resumed(community):
    first = dict(
        Check.objects.filter(community=community)
        .values_list("enterprise_id")
        .annotate(m=Min("taken_on"))
        .order_by()
    )
    resumed = dict(Enterprise.objects.filter(community=community).values_list("pk", "resumed_on"))
    assert first
    for ent, day in first.items():
        assert resumed[ent] is not None and day >= resumed[ent], ent
    # Everyone not back at work has no checks at all.
    not_back = [pk for pk, day in resumed.items() if day is None]
    assert not_back and not Check.objects.filter(enterprise_id__in=not_back).exists()


def _applications_in_every_state(community):
    apps = Application.objects.filter(community=community)
    states = set(apps.values_list("state", flat=True))
    assert states == set(State.values)
    today = apps.exclude(state=State.APPROVED) | apps.filter(decided_at__date__gte=TODAY)
    assert apps.filter(state=State.SUBMITTED, due_on=TODAY).exists()
    # Overdue: submitted two days ago, still waiting for the field survey.
    overdue = [a for a in apps if a.is_overdue(TODAY)]
    assert overdue and any(
        a.state == State.ASSIGNED and a.submitted_at.date() <= TODAY - dt.timedelta(days=2)
        for a in overdue
    )
    # Approved this morning, work starts tomorrow.
    approved_today = apps.filter(state=State.APPROVED, enterprise__status=Status.APPROVED)
    assert approved_today.exists()
    assert set(approved_today.values_list("planned_date", flat=True)) == {
        TODAY + dt.timedelta(days=1)
    }
    returned = apps.filter(state=State.RETURNED).first()
    assert returned.steps.filter(action="return").exclude(note="").exists()
    assert today.exists()

    # Every step has who and when, in order; approvals come the morning after the review.
    approved = apps.filter(state=State.APPROVED).prefetch_related("steps")
    for app in approved:
        steps = list(app.steps.all())
        actions = [s.action for s in steps]
        assert actions[-6:] == ["submit", "assign", "survey", "verify", "report", "approve"]
        assert all(s.actor_label for s in steps)
        assert all(a.at < b.at for a, b in itertools.pairwise(steps))
        assert steps[-1].at.date() > steps[-2].at.date() or steps[-1].at.hour < 12
        assert app.conditions_total and app.conditions
        assert app.returning_local + app.returning_non_local > 0
    reviewers = set(
        ApplicationStep.objects.filter(action="survey").values_list("actor_label", flat=True)
    )
    assert reviewers <= {"staff", "staff2"}
    # Some were returned once and resubmitted (history kept); some withdrew and applied again.
    assert (
        apps.filter(state=State.APPROVED, submissions=2).exists()
        or apps.filter(state=State.RETURNED).exists()
    )
    assert apps.filter(state=State.WITHDRAWN).exists()
    # The field surveys of the last days have photos, kept as files.
    photo = StepPhoto.objects.first()
    assert photo is not None
    assert (Path(settings.MEDIA_ROOT) / photo.path).read_bytes()[:3] == b"\xff\xd8\xff"
    document = Evidence.objects.filter(kind="document").first()
    assert (Path(settings.MEDIA_ROOT) / document.path).read_bytes()[:5] == b"%PDF-"
    assert ConditionEntry.objects.filter(enterprise__community=community).count() > 40


def _status_changes_and_batches(community):
    for e in Enterprise.objects.filter(community=community, resumed_on__isnull=False):
        changes = list(StatusChange.objects.filter(enterprise=e).order_by("at", "id"))
        to_resumed = [c for c in changes if c.to_status == Status.RESUMED]
        assert len(to_resumed) == 1 and to_resumed[0].on == e.resumed_on, e.pk
        assert changes[0].from_status == Status.NOT_RESUMED
        assert all(a.to_status == b.from_status for a, b in itertools.pairwise(changes))
        assert changes[-1].to_status == e.status
    batches = Batch.objects.filter(community=community)
    assert batches.filter(date=DAY_1).exists()
    assert batches.filter(date=TODAY + dt.timedelta(days=1)).exists()
    # Every enterprise back at work was in a batch on or before the day it started.
    for e in Enterprise.objects.filter(community=community, resumed_on__isnull=False):
        days = list(e.resumption_batches.values_list("date", flat=True))
        assert len(days) == 1 and e.resumed_on - dt.timedelta(days=1) <= days[0] <= e.resumed_on
    # The plan runs a little ahead: by each day, at least as many planned as started.
    for day in (DAY_5, TODAY - dt.timedelta(days=3)):
        planned_by = Enterprise.objects.filter(
            resumption_batches__date__lte=day, community=community
        ).distinct()
        assert (
            planned_by.count()
            >= Enterprise.objects.filter(community=community, resumed_on__lte=day).count()
        )


def _the_applicant_has_things_to_fix(community):
    m = Membership.objects.get(community=community, user__username="applicant")
    assert m.role == "officer"
    enterprise = m.enterprise
    assert enterprise.status == Status.NOT_RESUMED
    judgement = rules.judge(enterprise)
    failing = {r.condition.indicator for r in judgement.failing_mandatory}
    # Two or three to fix: the isolation room and the emergency plan, perhaps people to reach.
    assert {"isolation_room", "emergency_plan"} <= failing
    assert len(failing) <= 3
    draft = Application.objects.get(enterprise=enterprise)
    assert draft.state == State.DRAFT and draft.planned_date > TODAY


def _one_enterprise_suspended_after_a_case(community):
    suspended = Enterprise.objects.get(community=community, status=Status.SUSPENDED)
    change = StatusChange.objects.get(enterprise=suspended, to_status=Status.SUSPENDED)
    assert "确诊" in change.reason and "#" in change.reason
    assert change.actor_label == "staff" and change.on < TODAY
    assert not Check.objects.filter(enterprise=suspended, taken_on__gt=change.on).exists()
    assert Check.objects.filter(enterprise=suspended, taken_on=change.on).exists()
