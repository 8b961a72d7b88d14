"""The employee's own pages: today's declaration, the pass (QR, colour and why), reissuing the code;
and health at a glance on the person's file."""

from __future__ import annotations

import re
import uuid

import pytest
import segno
from django.test import Client
from django.utils import timezone

from tests.access_helpers import assert_refused
from tests.health.conftest import Health
from workgate.core.models import Role
from workgate.health import services
from workgate.health.models import Declaration, Incident, PassCode
from workgate.health.rules import settings_for
from workgate.registry.models import Employee

DECLARE, PASS, REISSUE = "/health/declare/", "/health/pass/", "/health/pass/reissue/"

GOOD = {
    "temperature": "36.5",
    "whereabouts": "dorm",
    "contact_with_case": "no",
}


@pytest.fixture
def me(health: Health) -> Employee:
    """Enterprise A's first employee is the employee_a persona's own file."""
    person = health.a[0]
    person.user = health.world.users["employee_a"]
    person.save(update_fields=["user"])
    return person


def en(health: Health, persona: str) -> Client:
    """A signed-in browser that reads English (the pages' text is asserted in English)."""
    browser = Client(HTTP_ACCEPT_LANGUAGE="en")
    browser.force_login(health.world.users[persona])
    return browser


@pytest.fixture
def phone(health: Health, me: Employee) -> Client:
    return en(health, "employee_a")


def today(employee: Employee):
    _hs, tz = settings_for(employee.community_id)
    return timezone.now().astimezone(tz).date()


def page(response) -> str:
    return response.content.decode()


# --- Who may ----------------------------------------------------------------------------------


def test_only_the_employee_may_declare_see_or_reissue_their_pass(health: Health, me: Employee):
    world = health.world
    assert_refused(world, DECLARE, {Role.EMPLOYEE})
    assert_refused(world, PASS, {Role.EMPLOYEE})
    assert_refused(world, DECLARE, {Role.EMPLOYEE}, method="post", data=GOOD)
    assert_refused(world, REISSUE, {Role.EMPLOYEE}, method="post")


def test_an_account_without_a_file_is_told_so(health: Health):
    response = en(health, "employee_a").get(PASS)
    assert response.status_code == 200
    assert 'data-testid="no-file"' in page(response)
    assert "not linked to an employee file" in page(response)
    assert en(health, "employee_a").post(DECLARE, GOOD).status_code == 200
    assert Declaration.objects.count() == 0


# --- Declaring --------------------------------------------------------------------------------


def test_a_declaration_is_saved_and_leads_to_a_green_pass(phone: Client, me: Employee):
    form = phone.get(DECLARE)
    assert form.status_code == 200
    assert 'inputmode="decimal"' in page(form)
    assert 'data-testid="already-declared"' not in page(form)
    # No answer is chosen for the person: "contact with a case" must be answered.
    assert "checked" not in page(form)

    response = phone.post(DECLARE, {**GOOD, "symptoms": []})
    assert response.status_code == 302
    assert response["Location"] == PASS
    d = Declaration.objects.get(employee=me)
    assert (str(d.temperature), d.symptoms, d.whereabouts, d.contact_with_case) == (
        "36.5",
        [],
        "dorm",
        False,
    )
    assert d.day == today(me)

    shown = page(phone.get(PASS))
    assert 'data-colour="green"' in shown
    assert "Declared today, no fever, low risk, not in quarantine." in shown
    assert "Today&#x27;s declaration is saved." in shown or "Today's declaration is saved." in shown
    assert 'data-testid="declare-link"' not in shown


def test_a_declared_fever_opens_an_incident_and_the_pass_turns_red(phone: Client, me: Employee):
    response = phone.post(DECLARE, {**GOOD, "temperature": "38.2", "symptoms": ["fever", "cough"]})
    assert response.status_code == 302
    incident = Incident.objects.get(employee=me)
    assert incident.source == Incident.Source.DECLARATION
    assert str(incident.temperature) == "38.2"
    assert incident.state == Incident.State.RECHECK
    shown = page(phone.get(PASS))
    assert 'data-colour="red"' in shown
    assert "Do not enter" in shown
    assert "A fever is being followed up." in shown
    assert 'data-testid="pass-incident"' in shown
    assert "A fever of 38.2 °C is being followed up." in shown
    assert "Symptoms declared today." in shown


def test_the_contact_question_must_be_answered(phone: Client, me: Employee):
    data = {k: v for k, v in GOOD.items() if k != "contact_with_case"}
    response = phone.post(DECLARE, data)
    assert response.status_code == 400
    html = page(response)
    assert 'data-field="contact_with_case"' in html
    assert "Answer whether you had contact with a case: yes or no." in html
    # What was typed stays in the form.
    assert 'value="36.5"' in html
    assert Declaration.objects.count() == 0


@pytest.mark.parametrize("typed", ["365", "30", "abc"])
def test_an_implausible_temperature_is_refused(phone: Client, me: Employee, typed: str):
    response = phone.post(DECLARE, {**GOOD, "temperature": typed})
    assert response.status_code == 400
    html = page(response)
    assert 'data-field="temperature"' in html
    if typed == "abc":
        assert "is not a temperature" in html
    else:
        assert "34.0" in html and "43.0" in html
    assert Declaration.objects.count() == 0
    assert Incident.objects.count() == 0


def test_a_traveller_says_where_and_an_unknown_place_is_refused(phone: Client, me: Employee):
    travelling = {**GOOD, "whereabouts": "travelling"}
    missing = phone.post(DECLARE, travelling)
    assert missing.status_code == 400
    assert "Say which city or county you are in." in page(missing)
    assert 'data-field="region"' in page(missing)

    unknown = phone.post(DECLARE, {**travelling, "region": "火星基地"})
    assert unknown.status_code == 400
    assert "No region is called “火星基地”" in page(unknown)
    assert Declaration.objects.count() == 0

    ok = phone.post(DECLARE, {**travelling, "region": "湖北武汉", "address": "江汉路 1 号"})
    assert ok.status_code == 302
    d = Declaration.objects.get(employee=me)
    assert d.region_id == "420100"
    assert d.address == "江汉路 1 号"
    # The form offers prefecture names to pick from.
    assert '<datalist id="region-names">' in page(phone.get(DECLARE))


def test_a_place_typed_before_choosing_the_dormitory_is_dropped(phone: Client, me: Employee):
    response = phone.post(DECLARE, {**GOOD, "region": "火星基地", "address": "x"})
    assert response.status_code == 302
    d = Declaration.objects.get(employee=me)
    assert d.region_id is None and d.address == ""


def test_a_second_declaration_today_replaces_the_first(phone: Client, me: Employee):
    phone.post(DECLARE, GOOD)
    form = page(phone.get(DECLARE))
    assert 'data-testid="already-declared"' in form
    assert 'value="36.5"' in form  # the answers are there to correct
    assert re.search(r'value="dorm"[^>]*checked', form)
    assert re.search(r'value="no"[^>]*checked', form)

    response = phone.post(
        DECLARE, {**GOOD, "temperature": "36.9", "symptoms": ["throat"], "contact_with_case": "yes"}
    )
    assert response.status_code == 302
    d = Declaration.objects.get(employee=me)
    assert Declaration.objects.filter(employee=me).count() == 1
    assert (str(d.temperature), d.symptoms, d.contact_with_case) == ("36.9", ["throat"], True)
    shown = page(phone.get(PASS))
    assert 'data-colour="red"' in shown
    assert "Declared contact with a case in the last 14 days." in shown


# --- The pass ---------------------------------------------------------------------------------


def svg_matrix(svg: str) -> list[list[int]]:
    """Read the QR modules back out of segno's inline SVG (a path of horizontal strokes)."""
    size = int(re.search(r'viewBox="0 0 (\d+) (\d+)"', svg).group(1))  # type: ignore[union-attr]
    grid = [[0] * size for _ in range(size)]
    d = re.search(r'<path[^>]*stroke="#000"[^>]*d="([^"]+)"', svg).group(1)  # type: ignore[union-attr]
    x = y = 0.0
    for cmd, a, b in re.findall(r"([Mmh])(-?[\d.]+)(?: (-?[\d.]+))?", d.replace(" ", " ")):
        if cmd == "M":
            x, y = float(a), float(b)
        elif cmd == "m":
            x, y = x + float(a), y + float(b)
        else:
            n = float(a)
            row = int(y)  # strokes run along the middle of a row of modules
            for col in range(int(x), int(x + n)):
                grid[row][col] = 1
            x += n
    return grid


def test_the_pass_shows_a_qr_of_the_code_the_name_and_today(phone: Client, me: Employee):
    code = PassCode.objects.get(employee=me).code
    html = page(phone.get(PASS))
    svg = re.search(r"<svg role=\"img\".*?</svg>", html, re.S).group(0)  # type: ignore[union-attr]
    # No picture is fetched from anywhere: the QR is drawn in the page.
    assert "<img" not in html and "http" not in svg
    border = 4
    expected = segno.make_qr(code, error="m").matrix
    drawn = svg_matrix(svg)
    inner = [row[border:-border] for row in drawn[border:-border]]
    assert inner == [list(r) for r in expected]
    assert all(not any(row) for row in drawn[:border] + drawn[-border:])  # quiet zone
    groups = " ".join(code[i : i + 4] for i in range(0, 12, 4))
    assert groups in html
    assert me.name in html
    assert today(me).strftime("%Y-%m-%d") in html
    # Not declared yet: the pass says so and links to the form.
    assert 'data-testid="declare-link"' in html
    assert "No health declaration today." in html


@pytest.mark.parametrize(
    ("changes", "colour", "reason"),
    [
        ({}, "green", "Declared today, no fever, low risk, not in quarantine."),
        ({"risk_level": "medium"}, "yellow", "Medium risk: came from a medium-risk region."),
        ({"risk_level": "unknown"}, "yellow", "Risk not assessed yet."),
        ({"risk_level": "high"}, "red", "High risk: stayed in or came through a high-risk region."),
        ({"quarantine_status": "home"}, "red", "In quarantine."),
        ({"health_status": "suspected"}, "red", "Suspected case: waiting for the test result."),
        ({"health_status": "confirmed"}, "red", "Confirmed case."),
    ],
)
def test_the_pass_colour_follows_risk_quarantine_and_health_and_says_why(
    phone: Client, me: Employee, changes: dict, colour: str, reason: str
):
    phone.post(DECLARE, GOOD)
    Employee.objects.filter(pk=me.pk).update(**changes)
    html = page(phone.get(PASS))
    assert f'data-colour="{colour}"' in html
    assert f"pass-{colour}" in html
    assert reason in html
    assert ("Do not enter" in html) == (colour == "red")


def test_not_declaring_makes_a_green_pass_yellow(phone: Client, me: Employee):
    html = page(phone.get(PASS))
    assert 'data-colour="yellow"' in html
    assert "No health declaration today." in html


def test_reissuing_the_code_replaces_it(phone: Client, me: Employee):
    old = PassCode.objects.get(employee=me).code
    response = phone.post(REISSUE)
    assert response.status_code == 302 and response["Location"] == PASS
    new = PassCode.objects.get(employee=me).code
    assert new != old
    html = page(phone.get(PASS))
    assert new[:4] in html and old[:4] + " " + old[4:8] not in html
    assert "no longer work" in html
    assert phone.get(REISSUE).status_code == 405


# --- The person's file --------------------------------------------------------------------------


def test_the_file_shows_the_pass_colour_an_open_incident_and_todays_checks(
    health: Health, me: Employee
):
    services.checks_record(
        actor=health.gate_actor,
        items=[
            services.CheckItem(
                uuid=uuid.uuid4(),
                temperature="38.4",
                pass_code=health.code(me),
                gate_id=health.gate.pk,
            )
        ],
        source="station",
    )
    incident = Incident.objects.get(employee=me)
    url = f"/registry/employees/{me.pk}/"
    html = page(en(health, "staff").get(url))
    assert 'data-testid="health-panel"' in html
    assert "pass-red" in html
    assert "A fever is being followed up." in html
    assert f'href="/health/incidents/{incident.pk}/"' in html
    assert "38.4 °C" in html
    assert "not declared yet" in html
    # The employee sees the same on their own file, with the way to their pass.
    own = page(en(health, "employee_a").get("/registry/me/"))
    assert 'data-testid="health-panel"' in own
    assert 'href="/health/pass/"' in own
    assert f'href="/health/incidents/{incident.pk}/"' not in own  # not theirs to follow up
    # Another enterprise's officer does not see the file at all.
    assert en(health, "officer_b").get(url).status_code == 404


def test_a_file_without_anything_today_is_green_once_declared(health: Health, me: Employee):
    en(health, "employee_a").post(DECLARE, GOOD)
    html = page(en(health, "officer_a").get(f"/registry/employees/{me.pk}/"))
    assert "pass-green" in html
    assert "none yet" in html  # no check today
    assert "36.5 °C" in html
