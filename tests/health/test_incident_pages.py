"""Fever incident pages: the list with its tabs, one incident and its course through the forms;
who is told when a fever is found."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from django.test import Client
from django.utils import timezone

from tests.access_helpers import assert_refused
from tests.health.conftest import Health
from workgate.core.models import Role
from workgate.health import services
from workgate.health.models import Incident, IncidentStep
from workgate.health.queries import verdict_for
from workgate.registry.models import Employee

LIST = "/health/incidents/"


def en(health: Health, persona: str) -> Client:
    browser = Client(HTTP_ACCEPT_LANGUAGE="en")
    browser.force_login(health.world.users[persona])
    return browser


def fever(health: Health, employee: Employee, temp: str = "38.3") -> Incident:
    """A fever at the gate of the person's enterprise, as the station records it."""
    gate = health.gate if employee.enterprise_id == health.gate.enterprise_id else health.gate_b
    results = services.checks_record(
        actor=health.staff,
        items=[
            services.CheckItem(
                uuid=uuid.uuid4(),
                temperature=temp,
                pass_code=health.code(employee),
                gate_id=gate.pk,
            )
        ],
        source="station",
    )
    return Incident.objects.get(pk=results[0].incident_id)


def advance(browser: Client, incident: Incident, **data: str):
    return browser.post(f"/health/incidents/{incident.pk}/advance/", data)


def text(response) -> str:
    return response.content.decode()


# --- Who may ----------------------------------------------------------------------------------


def test_incident_pages_and_steps_are_refused_to_others(health: Health):
    world = health.world
    incident = fever(health, health.a[0])
    viewers = {Role.LEADER, Role.STAFF, Role.OFFICER}
    assert_refused(world, LIST, viewers, marker=health.a[0].name)
    url = f"/health/incidents/{incident.pk}/"
    assert_refused(world, url, viewers, allowed_personas={"leader", "staff", "officer_a"})
    assert_refused(
        world,
        f"{url}advance/",
        {Role.STAFF, Role.OFFICER},
        method="post",
        data={"to": "outcome", "outcome": "cleared"},
        allowed_personas={"staff", "officer_a"},
    )
    incident.refresh_from_db()
    assert (incident.state, incident.outcome) == ("outcome", "cleared")
    # Only one step was recorded: the second press of the same button changed nothing.
    assert incident.steps.filter(state="outcome").count() == 1


def test_another_enterprises_officer_neither_sees_nor_moves_an_incident(health: Health):
    incident = fever(health, health.a[0])
    other = en(health, "officer_b")
    assert other.get(f"/health/incidents/{incident.pk}/").status_code == 404
    assert advance(other, incident, to="outcome", outcome="confirmed").status_code == 404
    assert health.a[0].name not in text(other.get(LIST))
    outsider = en(health, "outsider_staff")
    assert outsider.get(f"/health/incidents/{incident.pk}/").status_code == 404
    assert advance(outsider, incident, to="outcome", outcome="confirmed").status_code == 404
    incident.refresh_from_db()
    assert incident.state == Incident.State.RECHECK
    assert incident.steps.count() == 1
    # Leaders see it but cannot move it.
    leader = en(health, "leader")
    page = text(leader.get(f"/health/incidents/{incident.pk}/"))
    assert 'data-testid="incident-actions"' not in page
    assert advance(leader, incident, to="outcome", outcome="cleared").status_code == 403


# --- The course of an incident ----------------------------------------------------------------


def test_full_course_through_the_forms_and_the_pass_turns_red_at_the_outcome(health: Health):
    person = health.a[1]
    incident = fever(health, person, "38.5")
    officer = en(health, "officer_a")
    url = f"/health/incidents/{incident.pk}/"

    page = text(officer.get(url))
    assert "38.5 °C" in page and person.name in page
    assert 'data-testid="form-recheck"' in page
    assert 'data-testid="form-close"' not in page
    assert 'inputmode="decimal"' in page

    # Re-check: still a fever → isolated on site.
    response = advance(officer, incident, to="recheck", temperature="38.1", note="额温枪复测")
    assert response.status_code == 302 and response["Location"] == url
    page = text(officer.get(url))
    assert "Recorded: Isolated on site." in page
    assert 'data-testid="form-clinic"' in page and 'data-testid="form-cleared"' in page

    assert (
        advance(officer, incident, to="clinic", note="120 送区人民医院发热门诊").status_code == 302
    )
    page = text(officer.get(url))
    assert 'data-testid="form-outcome"' in page
    before = verdict_for(Employee.objects.get(pk=person.pk))
    assert "Suspected case: waiting for the test result." not in before.reasons

    assert advance(officer, incident, to="outcome", outcome="suspected").status_code == 302
    person.refresh_from_db()
    assert person.health_status == Employee.Health.SUSPECTED
    after = verdict_for(person)
    assert after.colour == "red"
    assert "Suspected case: waiting for the test result." in after.reasons
    page = text(officer.get(url))
    assert "Recorded: outcome “Suspected case”." in page
    assert 'data-testid="form-close"' in page
    assert "Suspected case: waiting for the test result." in page  # why the pass is red

    assert advance(officer, incident, to="closed", note="已转定点医院").status_code == 302
    incident.refresh_from_db()
    assert incident.state == Incident.State.CLOSED and incident.closed_at is not None
    page = text(officer.get(url))
    assert 'data-testid="incident-actions"' not in page
    # Each step with who and when, the readings and notes.
    steps = list(incident.steps.values_list("state", "actor_label", "temperature", "note"))
    assert [s[0] for s in steps] == ["recheck", "isolated", "clinic", "outcome", "closed"]
    assert {s[1] for s in steps[1:]} == {"officer_a"}
    assert str(steps[1][2]) == "38.1" and steps[1][3] == "额温枪复测"
    for fragment in (
        "额温枪复测",
        "120 送区人民医院发热门诊",
        "已转定点医院",
        "officer_a",
        "38.1 °C",
    ):
        assert fragment in page
    # The pass stays red: the person is a suspected case.
    assert verdict_for(Employee.objects.get(pk=person.pk)).colour == "red"


def test_a_normal_recheck_clears_the_fever_and_closing_frees_the_pass(health: Health):
    person = health.a[2]
    incident = fever(health, person)
    staff = en(health, "staff")
    assert advance(staff, incident, to="recheck", temperature="36.7").status_code == 302
    incident.refresh_from_db()
    assert (incident.state, incident.outcome) == ("outcome", "cleared")
    person.refresh_from_db()
    assert person.health_status == Employee.Health.NORMAL
    assert verdict_for(person).colour == "red"  # still followed until closed
    assert advance(staff, incident, to="closed").status_code == 302
    assert verdict_for(person).colour != "red"


def test_an_isolated_person_may_be_cleared_without_the_clinic(health: Health):
    incident = fever(health, health.a[3])
    staff = en(health, "staff")
    advance(staff, incident, to="recheck", temperature="37.9")
    response = advance(staff, incident, to="outcome", outcome="cleared", note="复测三次正常")
    assert response.status_code == 302
    incident.refresh_from_db()
    assert (incident.state, incident.outcome) == ("outcome", "cleared")


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"to": "closed"}, "An incident that is “Waiting for re-check” cannot move to “Closed”."),
        ({"to": "clinic"}, "cannot move to “At the fever clinic”"),
        ({"to": "recheck"}, "Enter the re-check reading."),
        ({"to": "recheck", "temperature": "365"}, "between 34.0 and 43.0 °C"),
        ({"to": "recheck", "temperature": "hot"}, "is not a temperature"),
        ({"to": "teleported"}, "cannot move to “teleported”"),
    ],
)
def test_illegal_steps_are_refused_with_a_message(health: Health, data: dict, message: str):
    incident = fever(health, health.a[0])
    response = advance(en(health, "officer_a"), incident, **data)
    assert response.status_code == 400
    page = text(response)
    assert 'data-testid="incident-error"' in page
    assert message in page
    incident.refresh_from_db()
    assert incident.state == Incident.State.RECHECK
    assert incident.steps.count() == 1


def test_the_outcome_must_be_chosen(health: Health):
    incident = fever(health, health.a[0])
    staff = en(health, "staff")
    advance(staff, incident, to="recheck", temperature="38.0")
    advance(staff, incident, to="clinic")
    response = advance(staff, incident, to="outcome")
    assert response.status_code == 400
    assert "Choose the outcome: cleared, suspected or confirmed." in text(response)
    # From the clinic only an outcome may follow.
    response = advance(staff, incident, to="closed")
    assert response.status_code == 400
    assert "cannot move to “Closed”" in text(response)


# --- The list ---------------------------------------------------------------------------------


def test_the_list_counts_and_filters_by_state_overdue_and_open(health: Health):
    staff = health.staff
    a0, a1, a2, b0 = health.a[0], health.a[1], health.a[2], health.b[0]
    waiting = fever(health, a0)
    isolated = fever(health, a1)
    services.incident_advance(actor=staff, incident=isolated, state="recheck", temperature="38.0")
    closed = fever(health, a2)
    services.incident_advance(actor=staff, incident=closed, state="recheck", temperature="36.5")
    services.incident_advance(actor=staff, incident=closed, state="closed")
    other = fever(health, b0)
    Incident.objects.filter(pk=waiting.pk).update(
        due_at=timezone.now() - dt.timedelta(minutes=5), escalation_level=2
    )

    browser = en(health, "staff")
    page = text(browser.get(LIST))
    # Open by default: closed ones are not listed.
    assert a0.name in page and a1.name in page and b0.name in page and a2.name not in page
    assert 'data-testid="tab-open" aria-current="page"' in page
    for key, n in (("open", 3), ("overdue", 1), ("recheck", 2), ("isolated", 1), ("closed", 1)):
        assert f'data-testid="tab-{key}"' in page
        assert f">{n}</span></a>" in page.split(f'data-testid="tab-{key}"')[1].split("</li>")[0]
    assert page.count('data-testid="overdue-badge"') == 1
    assert f'href="/registry/employees/{a0.pk}/"' in page  # the person's file
    assert f'href="/health/incidents/{waiting.pk}/"' in page

    overdue = text(browser.get(LIST, {"show": "overdue"}))
    assert a0.name in overdue and a1.name not in overdue and b0.name not in overdue
    assert text(browser.get(LIST, {"show": "closed"})).count('data-testid="incident-row"') == 1
    assert text(browser.get(LIST, {"show": "all"})).count('data-testid="incident-row"') == 4
    isolated_only = text(browser.get(LIST, {"show": "isolated"}))
    assert a1.name in isolated_only and a0.name not in isolated_only
    assert browser.get(LIST, {"show": "nonsense"}).status_code == 200

    # An enterprise's officer sees their own people only, and the counts are theirs.
    officer = text(en(health, "officer_a").get(LIST, {"show": "all"}))
    assert officer.count('data-testid="incident-row"') == 3
    assert b0.name not in officer
    assert other.pk  # enterprise B's incident exists, just not for officer A


def test_escalations_are_marked_on_the_steps(health: Health):
    incident = fever(health, health.a[0])
    services.incidents_escalate(now=timezone.now() + dt.timedelta(hours=1))
    page = text(en(health, "staff").get(f"/health/incidents/{incident.pk}/"))
    assert 'class="escalation"' in page
    assert "Overdue, escalated" in page
    assert "Escalated 1 time" in page
    assert IncidentStep.objects.filter(incident=incident, escalation=True).count() == 1


# --- Notifications ----------------------------------------------------------------------------


def test_a_fever_tells_the_persons_officer_and_community_staff(
    health: Health, django_capture_on_commit_callbacks
):
    from workgate.core.models import Notification
    from workgate.core.notify import render

    with django_capture_on_commit_callbacks(execute=True):
        incident = fever(health, health.a[0], "38.6")
    told = {n.recipient.username: n for n in Notification.objects.select_related("recipient")}
    assert set(told) == {"staff", "officer_a"}
    note = told["officer_a"]
    assert note.kind == "health.fever"
    assert note.url == f"/health/incidents/{incident.pk}/"
    assert note.enterprise_id == health.world.enterprise_a.pk
    from django.utils import translation

    with translation.override("en"):
        title, body = render(note)
    assert title == f"Fever: {health.a[0].name}, 38.6 °C"
    assert "Re-check" in body
    # The link takes the officer to the incident.
    assert en(health, "officer_a").get(note.url).status_code == 200

    # The clinic's suspicion goes to the leader as well.
    Notification.objects.all().delete()
    staff = health.staff
    with django_capture_on_commit_callbacks(execute=True):
        services.incident_advance(
            actor=staff, incident=incident, state="recheck", temperature="38.2"
        )
        services.incident_advance(actor=staff, incident=incident, state="clinic")
        services.incident_advance(
            actor=staff, incident=incident, state="outcome", outcome="suspected"
        )
    outcome = Notification.objects.filter(kind="health.outcome")
    assert {n.recipient.username for n in outcome} == {"leader", "staff", "officer_a"}
    with translation.override("en"):
        assert render(outcome.first())[0] == f"Suspected case: {health.a[0].name}"


def test_an_overdue_step_tells_them_again(health: Health, django_capture_on_commit_callbacks):
    from django.utils import translation

    from workgate.core.models import Notification
    from workgate.core.notify import render

    incident = fever(health, health.b[0])
    with django_capture_on_commit_callbacks(execute=True):
        services.incidents_escalate(now=timezone.now() + dt.timedelta(hours=1))
    overdue = Notification.objects.filter(kind="health.overdue").select_related("recipient")
    assert {n.recipient.username for n in overdue} == {"staff", "officer_b"}
    with translation.override("en"):
        title, body = render(overdue.first())
    assert title == f"Overdue: fever incident of {health.b[0].name}"
    assert "“Waiting for re-check”" in body and "escalation 1" in body
    assert overdue.first().url == f"/health/incidents/{incident.pk}/"
