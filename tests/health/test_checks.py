"""Recording checks: the one path every check takes (station, device, grid)."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

from django.utils import timezone
from django.utils.translation import override

from tests.health.conftest import Health
from workgate.health import services
from workgate.health.models import Check, Incident
from workgate.health.queries import verdict_for
from workgate.health.services import CheckItem
from workgate.registry.models import Employee


def item(health: Health, employee: Employee, temp: str = "36.6", **kw: object) -> CheckItem:
    defaults: dict[str, object] = {
        "uuid": uuid.uuid4(),
        "temperature": temp,
        "pass_code": health.code(employee),
        "gate_id": health.gate.pk,
        "masks_issued": 1,
    }
    defaults.update(kw)
    return CheckItem(**defaults)  # type: ignore[arg-type]


def record(health: Health, items: list[CheckItem]) -> list[services.CheckResult]:
    return services.checks_record(actor=health.gate_actor, items=items, source="station")


def test_a_batch_is_stored_and_a_replay_changes_nothing(health: Health) -> None:
    items = [item(health, e) for e in health.a]
    first = record(health, items)
    assert [r.status for r in first] == ["created"] * 5
    assert Check.objects.count() == 5
    again = record(health, items)
    assert [r.status for r in again] == ["duplicate"] * 5
    assert Check.objects.count() == 5


def test_the_same_id_twice_in_one_batch_is_stored_once(health: Health) -> None:
    one = item(health, health.a[0])
    results = record(health, [one, one])
    assert [r.status for r in results] == ["created", "duplicate"]
    assert Check.objects.count() == 1


@override("en")
def test_bad_items_are_refused_one_by_one_with_reasons(health: Health) -> None:
    now = timezone.now()
    items = [
        item(health, health.a[0]),
        item(health, health.a[1], pass_code="NOSUCHCODE00"),
        item(health, health.b[0]),  # another enterprise's person at A's gate
        item(health, health.a[2], taken_at=now + dt.timedelta(hours=2)),
        item(health, health.a[3], taken_at=now - dt.timedelta(days=3)),
        item(health, health.a[4], temp="365"),
        item(health, health.a[4], temp="abc"),
        item(health, health.a[4], masks_issued=500),
    ]
    results = record(health, items)
    assert [r.status for r in results] == ["created"] + ["rejected"] * 7
    fields = [r.field for r in results[1:]]
    assert fields == [
        "pass_code",
        "person",
        "taken_at",
        "taken_at",
        "temperature",
        "temperature",
        "masks_issued",
    ]
    assert "NOSUCHCODE00" in results[1].reason
    assert "another enterprise" in results[2].reason
    assert "future" in results[3].reason
    assert "too late" in results[4].reason
    assert "34.0" in results[5].reason and "43.0" in results[5].reason
    assert Check.objects.count() == 1


def test_gate_of_another_enterprise_is_refused(health: Health) -> None:
    results = record(health, [item(health, health.a[0], gate_id=health.gate_b.pk)])
    assert results[0].status == "rejected"
    assert results[0].field == "gate"


def test_round_and_day_follow_the_community_clock(health: Health) -> None:
    tz = dt.timezone(dt.timedelta(hours=8))
    today = timezone.now().astimezone(tz).date()
    morning = dt.datetime.combine(today, dt.time(7, 40), tzinfo=tz)
    if morning > timezone.now():
        morning -= dt.timedelta(days=1)
    record(health, [item(health, health.a[0], taken_at=morning)])
    check = Check.objects.get()
    assert check.taken_on == morning.date()
    assert check.round_no == 1
    assert check.kind == "gate"


def test_fever_opens_an_incident_and_turns_the_pass_red(health: Health) -> None:
    person = health.a[0]
    results = record(health, [item(health, person, temp="38.2")])
    assert results[0].fever and results[0].incident_id
    incident = Incident.objects.get(pk=results[0].incident_id)
    assert incident.state == Incident.State.RECHECK
    assert incident.temperature == Decimal("38.2")
    person.refresh_from_db()
    assert person.health_status == Employee.Health.FEVER
    verdict = verdict_for(person)
    assert verdict.colour == "red"
    assert not verdict.may_enter
    # A replay of the same fever does not open a second incident.
    record(
        health,
        [
            CheckItem(
                uuid=results[0].uuid,
                temperature="38.2",
                pass_code=health.code(person),
                gate_id=health.gate.pk,
            )
        ],
    )
    assert Incident.objects.count() == 1


def test_incident_runs_its_course_and_outcome_sets_the_colour(health: Health) -> None:
    person = health.a[1]
    (result,) = record(health, [item(health, person, temp="37.9")])
    incident = Incident.objects.get(pk=result.incident_id)
    services.incident_advance(actor=health.officer, incident=incident, state="", temperature="38.0")
    incident.refresh_from_db()
    assert incident.state == Incident.State.ISOLATED
    services.incident_advance(actor=health.officer, incident=incident, state="clinic")
    services.incident_advance(
        actor=health.staff, incident=incident, state="outcome", outcome="suspected"
    )
    person.refresh_from_db()
    assert person.health_status == Employee.Health.SUSPECTED
    assert verdict_for(person).colour == "red"
    services.incident_advance(actor=health.staff, incident=incident, state="closed")
    incident.refresh_from_db()
    assert incident.state == Incident.State.CLOSED
    assert [s.state for s in incident.steps.all()] == [
        "recheck",
        "isolated",
        "clinic",
        "outcome",
        "closed",
    ]


def test_a_normal_recheck_clears_the_fever(health: Health) -> None:
    person = health.a[2]
    (result,) = record(health, [item(health, person, temp="37.4")])
    incident = Incident.objects.get(pk=result.incident_id)
    services.incident_advance(actor=health.officer, incident=incident, state="", temperature="36.8")
    incident.refresh_from_db()
    assert (incident.state, incident.outcome) == ("outcome", "cleared")
    person.refresh_from_db()
    assert person.health_status == Employee.Health.NORMAL


def test_overdue_steps_are_escalated_once_per_period(health: Health) -> None:
    (result,) = record(health, [item(health, health.a[3], temp="38.5")])
    incident = Incident.objects.get(pk=result.incident_id)
    later = incident.due_at + dt.timedelta(minutes=1)
    assert services.incidents_escalate(now=later) == 1
    assert services.incidents_escalate(now=later) == 0
    incident.refresh_from_db()
    assert incident.escalation_level == 1
    assert incident.due_at > later


def test_a_round_opens_an_hour_before_its_time(health: Health) -> None:
    from workgate.health.rules import round_of, settings_for

    hs, _tz = settings_for(health.world.community.pk)
    times = {"05:00": 1, "07:40": 1, "11:59": 1, "12:00": 2, "16:59": 2, "17:00": 3, "23:30": 3}
    for text, expected in times.items():
        assert round_of(dt.time.fromisoformat(text), hs) == expected, text


def test_an_escalated_incident_stays_on_the_overdue_list_until_moved_on(health: Health) -> None:
    from workgate.health.queries import incident_counts, incidents

    (result,) = record(health, [item(health, health.a[4], temp="38.0")])
    incident = Incident.objects.get(pk=result.incident_id)
    services.incidents_escalate(now=incident.due_at + dt.timedelta(minutes=1))
    incident.refresh_from_db()
    assert incident.is_overdue
    assert list(incidents(health.officer, overdue=True)) == [incident]
    assert incident_counts(health.officer)["overdue"] == 1
    services.incident_advance(actor=health.officer, incident=incident, state="", temperature="38.1")
    assert not list(incidents(health.officer, overdue=True))


def test_a_round_is_not_called_done_while_anyone_is_missing() -> None:
    from workgate.health.queries import done_percent

    assert done_percent(88_214, 88_417) == 99
    assert done_percent(88_417, 88_417) == 100
    assert done_percent(0, 0) == 100


def test_several_fevers_in_one_batch_open_one_incident_per_person_and_tell_each_enterprise(
    health: Health, django_capture_on_commit_callbacks
) -> None:
    from workgate.core.models import Notification

    a0, a1, b0 = health.a[0], health.a[1], health.b[0]
    world = health.world

    def fever(person: Employee, temp: str) -> CheckItem:
        return CheckItem(uuid=uuid.uuid4(), temperature=temp, employee_id=person.pk)

    # a1 has had a fever before: the incident is still open.
    (earlier,) = services.checks_record(
        actor=health.staff, items=[fever(a1, "38.0")], source="station"
    )
    Notification.objects.all().delete()
    with django_capture_on_commit_callbacks(execute=True):
        results = services.checks_record(
            actor=health.staff,
            items=[
                fever(a0, "38.4"),
                fever(b0, "36.5"),
                fever(a0, "38.9"),  # a second reading of the same person in the same batch
                fever(b0, "37.8"),
                fever(a1, "38.1"),
            ],
            source="station",
        )
    assert [r.status for r in results] == ["created"] * 5
    assert [r.fever for r in results] == [True, False, True, True, True]
    a0_incident, b0_incident = results[0].incident_id, results[3].incident_id
    assert results[2].incident_id == a0_incident
    assert results[4].incident_id == earlier.incident_id
    assert len({a0_incident, b0_incident, earlier.incident_id}) == 3
    assert Incident.objects.count() == 3

    opened = Incident.objects.get(pk=a0_incident)
    assert opened.temperature == Decimal("38.4")
    assert [s.temperature for s in opened.steps.order_by("at", "id")] == [
        Decimal("38.4"),
        Decimal("38.9"),
    ]
    assert Incident.objects.get(pk=earlier.incident_id).steps.count() == 2
    for person in (a0, b0, a1):
        person.refresh_from_db()
        assert person.health_status == Employee.Health.FEVER
    # Each enterprise's officer hears of their own people once; staff hear of both.
    told_a = Notification.objects.get(recipient=world.users["officer_a"])
    assert told_a.kind == "health.fever" and told_a.params["name"] == a0.name
    told_b = Notification.objects.get(recipient=world.users["officer_b"])
    assert told_b.params["name"] == b0.name
    assert sorted(
        n.params["name"] for n in Notification.objects.filter(recipient=world.users["staff"])
    ) == sorted([a0.name, b0.name])
    assert a0.timeline.filter(kind="health.incident").count() == 1
