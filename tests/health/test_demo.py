"""The demo's daily health: a fortnight of gate checks and rounds for everyone on duty, fevers at
a realistic rate followed through every incident state, declarations, and nothing added twice."""

from __future__ import annotations

import datetime as dt
import io
import itertools
import random
import zoneinfo
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db.models import Count, Min, Sum

from workgate.core.access import Actor
from workgate.core.demo import build_demo
from workgate.core.models import Enterprise, Membership, Notification, User
from workgate.health import demo as health_demo
from workgate.health import queries
from workgate.health.models import Check, Declaration, Gate, Incident, IncidentStep, PassCode
from workgate.registry.models import Employee, TimelineEvent
from workgate.resumption.models import StatusChange

pytestmark = pytest.mark.django_db

TODAY = dt.date(2020, 2, 10)  # a past day: the story stops at 14:30, in round 2
TZ = zoneinfo.ZoneInfo("Asia/Shanghai")
CLOCK = dt.datetime.combine(TODAY, health_demo.DEMO_CLOCK, tzinfo=TZ)


@pytest.fixture
def community(django_capture_on_commit_callbacks):
    # The notifications are written when the demo's transaction commits: run those hooks.
    with django_capture_on_commit_callbacks(execute=True):
        return build_demo(scale=0.02, seed=11, log=lambda _m: None, today=TODAY)


def _staff(community) -> Actor:
    return Actor.from_membership(
        Membership.objects.get(community=community, user__username="staff")
    )


def test_the_demo_has_a_fortnight_of_daily_health(community):
    """One build (a few seconds), looked at part by part."""
    _checks(community)
    _missing_lists(community)
    _incidents(community)
    _notifications(community)
    _declarations(community)
    _running_again_adds_nothing(community)


def _at_work(community) -> dict[int, int]:
    """People expected at work (working, not in quarantine) per enterprise, resumed or not."""
    return dict(
        Employee.objects.filter(
            community=community,
            job_status=Employee.JobStatus.ACTIVE,
            quarantine_status=Employee.Quarantine.NONE,
        )
        .values_list("enterprise_id")
        .annotate(n=Count("id"))
        .order_by()
    )


def _checks(community):
    """A fortnight of checks for everyone on duty, from the day their enterprise resumed."""
    staff = _staff(community)
    on_duty = queries.on_duty(staff).count()
    at_work = _at_work(community)
    resumed = {
        e.pk: e.resumed_on for e in community.enterprises.filter(status=Enterprise.Status.RESUMED)
    }
    # On duty today: the people of the enterprises back at work, and only those.
    assert on_duty == sum(at_work.get(pk, 0) for pk in resumed) > 0.25 * sum(at_work.values())
    employees = Employee.objects.filter(community=community)
    assert PassCode.objects.filter(employee__in=employees).count() == employees.count()
    gates = Gate.objects.filter(enterprise__community=community)
    assert set(gates.values_list("name", flat=True)) <= {"北门", "南门", "大门"}
    assert set(gates.values_list("enterprise", flat=True)) == set(
        community.enterprises.values_list("pk", flat=True)
    )
    # The gate volunteer's enterprise has gates (the biggest enterprise has two) and checks.
    gate_account = Membership.objects.get(community=community, user__username="gate")
    assert gates.filter(enterprise=gate_account.enterprise).count() == 2
    assert Check.objects.filter(
        enterprise=gate_account.enterprise, kind="gate", recorded_by="gate"
    ).exists()

    checks = Check.objects.filter(community=community)
    per_day = dict(checks.values_list("taken_on").annotate(n=Count("uuid")).order_by())
    assert sorted(per_day) == [TODAY - dt.timedelta(days=n) for n in range(13, -1, -1)]
    # The enterprise suspended after a case was checked until the day of the case.
    stopped = {
        c.enterprise_id: c.on
        for c in StatusChange.objects.filter(community=community, to_status="suspended")
    }
    started = {e.pk: e.resumed_on for e in community.enterprises.filter(resumed_on__isnull=False)}
    for day, n in per_day.items():
        expected = sum(
            at_work.get(pk, 0)
            for pk, since in started.items()
            if since <= day and (pk not in stopped or day <= stopped[pk])
        )
        if day < TODAY:  # a gate check and two rounds each, bar a few missed and the sick
            assert 2.95 * expected < n <= 3 * expected, day
    assert per_day[TODAY - dt.timedelta(days=13)] < per_day[TODAY - dt.timedelta(days=1)]
    # Today stops at 14:30: the gate and most of round 2 are done, round 3 has not come.
    today = dict(
        checks.filter(taken_on=TODAY).values_list("round_no").annotate(n=Count("uuid")).order_by()
    )
    assert 3 not in today
    assert today[1] > 0.99 * on_duty and 0.9 * on_duty < today[2] < 0.99 * on_duty
    assert checks.filter(taken_at__gt=CLOCK).count() == 0

    gate_checks = checks.filter(kind="gate")
    assert set(gate_checks.values_list("round_no", flat=True).distinct()) == {1}
    assert not gate_checks.filter(gate__isnull=True).exists()
    assert set(checks.filter(kind="round").values_list("round_no", flat=True).distinct()) == {2, 3}
    local_hours = {
        c.astimezone(TZ).strftime("%H:%M")
        for c in gate_checks.values_list("taken_at", flat=True)[:2000]
    }
    assert min(local_hours) >= "07:20" and max(local_hours) <= "08:20"
    masks = gate_checks.filter(taken_on=TODAY - dt.timedelta(days=1)).aggregate(
        n=Count("uuid"), masks=Sum("masks_issued")
    )
    assert 0.95 < masks["masks"] / masks["n"] < 1.05  # mostly one each, sometimes none or two

    normal = checks.filter(fever=False)
    assert normal.aggregate(m=Min("temperature"))["m"] >= Decimal("35.8")
    assert not normal.filter(temperature__gt=Decimal("37.2")).exists()
    fevers = checks.filter(fever=True)
    assert not fevers.filter(temperature__lt=Decimal("37.3")).exists()
    assert not fevers.filter(temperature__gt=Decimal("39.0")).exists()
    share = fevers.count() / checks.count()
    assert 0.001 < share < 0.004, share


def _missing_lists(community):
    """The missing-check lists show a few of the current round."""
    staff = _staff(community)
    on_duty = queries.on_duty(staff).count()
    missing_now = queries.missing_people(staff, TODAY, 2).count()
    assert 0 < missing_now < 0.08 * on_duty
    assert queries.missing_people(staff, TODAY, 3).count() == on_duty  # not come yet
    yesterday = TODAY - dt.timedelta(days=1)
    assert queries.missing_people(staff, yesterday, 1).count() < 0.01 * on_duty
    summary = queries.round_summary(staff, TODAY, 2)
    assert sum(s.missing for s in summary) == missing_now


def _incidents(community):
    """Fevers are followed through every state."""
    incidents = Incident.objects.filter(community=community)
    fever_checks = Check.objects.filter(community=community, fever=True)
    # Every fever opened an incident, found by the check it came from.
    assert incidents.count() == fever_checks.count()
    assert set(incidents.values_list("check_uuid", flat=True)) == set(
        fever_checks.values_list("uuid", flat=True)
    )
    states = dict(incidents.values_list("state").annotate(n=Count("id")).order_by())
    assert set(states) == {"recheck", "isolated", "clinic", "outcome", "closed"}
    assert states["closed"] > 0.85 * incidents.count()
    closed = incidents.filter(state="closed")
    assert closed.filter(outcome="cleared").count() > 0.9 * closed.count()
    assert closed.filter(outcome="suspected").exists()
    assert closed.filter(outcome="confirmed").count() >= 2
    # A confirmed case's pass is red.
    case = Employee.objects.get(pk=closed.filter(outcome="confirmed").first().employee_id)
    assert case.health_status == "confirmed"
    assert queries.verdict_for(case).colour == "red"
    # Open ones keep the person marked; some are overdue and were escalated.
    open_ = incidents.exclude(state="closed")
    assert open_.filter(escalation_level__gte=1).exists()
    assert open_.filter(state="recheck", escalation_level=2).exists()
    assert IncidentStep.objects.filter(incident__in=open_, escalation=True).exists()
    # The person stays marked until the outcome; a cleared outcome clears them at once.
    assert not open_.exclude(state="outcome").filter(employee__health_status="normal").exists()

    # Each step is stamped when it happened in the story, not when the demo ran.
    for incident in incidents.prefetch_related("steps")[:300]:
        steps = list(incident.steps.all())
        assert steps[0].at == incident.opened_at
        assert all(a.at <= b.at for a, b in itertools.pairwise(steps))
        assert steps[-1].at <= CLOCK
        if incident.state == "closed":
            assert incident.closed_at == steps[-1].at
        else:
            assert incident.state_since <= CLOCK
    events = TimelineEvent.objects.filter(employee__community=community, kind="health.incident")
    assert events.count() >= incidents.count()
    assert not events.filter(at__gt=CLOCK).exists()
    assert not events.filter(at__lt=CLOCK - dt.timedelta(days=14)).exists()


def _notifications(community):
    """Notifications are dated from the story; those about closed incidents are read."""
    staff = User.objects.get(username="staff")
    mine = Notification.objects.filter(recipient=staff, kind__startswith="health.")
    assert (
        mine.filter(kind="health.fever").count()
        == Incident.objects.filter(community=community).count()
    )
    assert not mine.filter(created_at__gt=CLOCK).exists()
    open_ids = set(
        Incident.objects.filter(community=community)
        .exclude(state="closed")
        .values_list("pk", flat=True)
    )
    unread = list(mine.filter(read_at__isnull=True).values_list("params", flat=True))
    assert unread and {p["incident"] for p in unread} == open_ids


def _declarations(community):
    """Declarations for the last three days, by people at work or waiting to go back."""
    declaring = sum(_at_work(community).values())
    declarations = Declaration.objects.filter(community=community)
    per_day = dict(declarations.values_list("day").annotate(n=Count("id")).order_by())
    assert sorted(per_day) == [TODAY - dt.timedelta(days=n) for n in (2, 1, 0)]
    for n in per_day.values():
        assert 0.6 * declaring < n < 0.8 * declaring
    assert not declarations.filter(submitted_at__gt=CLOCK).exists()
    assert declarations.filter(whereabouts="dorm").exists()
    assert declarations.filter(whereabouts="local").exists()
    with_symptoms = declarations.exclude(symptoms=[]).count()
    assert with_symptoms < 0.005 * declarations.count()
    # The employee account declared every day, so their pass can say why it is green or not.
    employee = Employee.objects.get(user__username="employee")
    assert declarations.filter(employee=employee).count() == 3


def _running_again_adds_nothing(community):
    def counts():
        return [
            m.objects.count()
            for m in (Check, Incident, IncidentStep, Declaration, Gate, PassCode, TimelineEvent)
        ]

    before = counts()
    health_demo.build(
        community=community, scale=0.02, rng=random.Random(1), today=TODAY, log=lambda _m: None
    )
    assert counts() == before
    out = io.StringIO()
    call_command("demo", "--no-serve", stdout=out)
    assert "nothing added" in out.getvalue()
    assert counts() == before
