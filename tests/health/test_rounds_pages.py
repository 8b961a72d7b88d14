"""Round pages: the overview, the missing-check list and its download, the duty volunteer's grid,
and the health settings — who may open them, what each tenant sees, and what they store.

Grid policy under test: rows are judged one by one. A row with a reading no person has (or masks
that are not a whole number) is refused with the person named and its typed value kept for
correction; every other row of the same save is stored. Rows left blank are not checked.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import uuid
from decimal import Decimal

import pytest
from django.test import Client
from python_calamine import CalamineWorkbook

from tests.access_helpers import OUTSIDERS, assert_refused
from tests.conftest import PERSONAS, World
from tests.health.conftest import Health
from workgate.core.models import AuditEntry, Role
from workgate.health import rules, services
from workgate.health.models import Check, HealthSettings, Incident
from workgate.health.queries import now_round
from workgate.health.services import CheckItem
from workgate.registry.models import Employee

VIEWERS = {Role.LEADER, Role.STAFF, Role.OFFICER, Role.GATE}
RECORDERS = {Role.STAFF, Role.OFFICER, Role.GATE}


def english(world: World, persona: str) -> Client:
    client = world.client(persona)
    client.cookies["workgate_language"] = "en"
    return client


def yesterday_at(health: Health, hour: int) -> dt.datetime:
    _hs, tz = rules.settings_for(health.world.community.pk)
    today = now_round(health.staff)[0]
    return dt.datetime.combine(today - dt.timedelta(days=1), dt.time(hour, 0), tzinfo=tz)


def round_check(health: Health, people: list[Employee], at: dt.datetime, masks: int = 0) -> None:
    results = services.checks_record(
        actor=health.staff,
        items=[
            CheckItem(
                uuid=uuid.uuid4(),
                temperature="36.5",
                employee_id=p.pk,
                taken_at=at,
                masks_issued=masks,
                kind="round",
            )
            for p in people
        ],
        source="grid",
    )
    assert [r.status for r in results] == ["created"] * len(people)


def grid_ids(response) -> dict[int, str]:
    """The hidden client id of each row the grid rendered with an input, by employee id."""
    html = response.content.decode()
    return {
        int(pk): value for pk, value in re.findall(r'name="u-(\d+)" value="([0-9a-f-]{36})"', html)
    }


# --- Who may open what --------------------------------------------------------------------


def test_round_pages_refuse_weaker_roles_and_other_tenants(health: Health) -> None:
    world = health.world
    assert_refused(world, "/health/rounds/", allowed=VIEWERS)
    assert_refused(world, "/health/rounds/?round=2&day=2020-02-10", allowed=VIEWERS)
    assert_refused(world, "/health/rounds/missing/", allowed=VIEWERS, marker="甲0")
    assert_refused(world, "/health/rounds/grid/", allowed=RECORDERS, marker="甲0")
    assert_refused(
        world,
        "/health/rounds/grid/",
        allowed=RECORDERS,
        method="post",
        data={"round": "1"},
        marker="甲0",
    )
    assert_refused(world, "/health/settings/", allowed={Role.STAFF})
    assert_refused(world, "/health/settings/", allowed={Role.STAFF}, method="post", data={})


def test_missing_download_refuses_weaker_roles_and_other_tenants(health: Health) -> None:
    world = health.world
    url = "/health/rounds/missing/download/"
    assert world.client(None).get(url).status_code == 302
    allowed = {Role.LEADER, Role.STAFF, Role.OFFICER}  # roles that may open people's files
    for persona, role in PERSONAS.items():
        response = world.client(persona).get(url)
        if role not in allowed:
            assert response.status_code in (403, 404), persona
            continue
        assert response.status_code == 200, persona
        rows = CalamineWorkbook.from_filelike(io.BytesIO(b"".join(response.streaming_content)))
        names = {r[2] for r in rows.get_sheet_by_index(0).to_python()[1:]}
        if persona in OUTSIDERS:
            assert names == set(), persona
        elif persona == "officer_b":
            assert names == {"乙0", "乙1", "乙2", "李四"}
        elif persona == "officer_a":
            assert names == {"甲0", "甲1", "甲2", "甲3", "甲4", "张三"}
        else:
            assert {"甲0", "乙0"} <= names, persona


def test_gate_volunteers_see_names_but_no_link_to_files(health: Health) -> None:
    page = health.world.client("gate_a").get("/health/rounds/missing/").content.decode()
    assert "甲0" in page and "乙0" not in page
    assert "/registry/employees/" not in page
    assert "missing-download" not in page
    officer = health.world.client("officer_a").get("/health/rounds/missing/").content.decode()
    assert f"/registry/employees/{health.a[0].pk}/" in officer
    assert "missing-download" in officer


def test_an_officer_of_b_sees_none_of_as_people(health: Health) -> None:
    client = health.world.client("officer_b")
    a = health.world.enterprise_a.pk
    for url in (
        "/health/rounds/missing/",
        f"/health/rounds/missing/?enterprise={a}",
        "/health/rounds/",
        "/health/rounds/grid/",
        f"/health/rounds/grid/?enterprise={a}",
    ):
        page = client.get(url).content.decode()
        assert "甲0" not in page and "张三" not in page, url
        assert health.world.enterprise_a.name not in page, url
    page = client.get("/health/rounds/missing/").content.decode()
    assert {"乙0", "乙1", "乙2", "李四"} <= set(re.findall(r"乙\d|李四", page))
    # Another enterprise named in the staff-only filter is a 404 for nobody: it is ignored.
    assert client.get(f"/health/rounds/missing/?enterprise={a}").status_code == 200


def test_staff_asking_for_another_communitys_enterprise_get_404(health: Health) -> None:
    other = health.world.enterprise_other.pk
    client = health.world.client("staff")
    assert client.get(f"/health/rounds/missing/?enterprise={other}").status_code == 404
    assert client.get(f"/health/rounds/grid/?enterprise={other}").status_code == 404
    assert client.get(f"/health/rounds/missing/download/?enterprise={other}").status_code == 404


# --- Counts and lists follow the checks of the right round ---------------------------------


def figures(page: str) -> dict[str, str]:
    return dict(re.findall(r'data-testid="fig-([a-z-]+)">([^<]+)<', page))


def test_checks_move_people_off_the_missing_list_of_their_round_only(health: Health) -> None:
    checked = health.a[:2]
    round_check(health, checked, yesterday_at(health, 13), masks=2)  # round 2
    day = (now_round(health.staff)[0] - dt.timedelta(days=1)).isoformat()
    staff = english(health.world, "staff")

    page = staff.get(f"/health/rounds/?day={day}&round=2").content.decode()
    # Community: A has 6 on duty (张三 + 甲0–4), B has 4 (李四 + 乙0–2).
    assert figures(page) == {
        "on-duty": "10",
        "checked": "2",
        "missing": "8",
        "percent": "20%",
        "masks": "4",
    }
    assert 'data-testid="missing-chart"' in page
    first_row = page.index('data-testid="enterprise-row"')
    # Most missing first: A misses 4, B misses 4 → by name; both listed, A's masks shown.
    assert health.world.enterprise_a.name in page[first_row:]
    assert re.search(r'data-testid="row-masks">4<', page)

    round_1 = figures(staff.get(f"/health/rounds/?day={day}&round=1").content.decode())
    assert round_1["checked"] == "0" and round_1["missing"] == "10"
    assert round_1["masks"] == "4"  # masks are counted per day, whatever the round

    missing_2 = staff.get(f"/health/rounds/missing/?day={day}&round=2").content.decode()
    assert "8 people on duty have no check in this round." in missing_2
    assert "甲0" not in missing_2 and "甲1" not in missing_2 and "甲2" in missing_2
    missing_1 = staff.get(f"/health/rounds/missing/?day={day}&round=1").content.decode()
    assert "甲0" in missing_1 and "10 people" in missing_1

    a = health.world.enterprise_a.pk
    only_a = staff.get(f"/health/rounds/missing/?day={day}&round=2&enterprise={a}")
    assert "4 people on duty" in only_a.content.decode()
    assert "乙0" not in only_a.content.decode()

    officer = figures(
        english(health.world, "officer_a")
        .get(f"/health/rounds/?day={day}&round=2")
        .content.decode()
    )
    assert officer == {
        "on-duty": "6",
        "checked": "2",
        "missing": "4",
        "percent": "33%",
        "masks": "4",
    }


def test_people_off_duty_are_not_missing(health: Health) -> None:
    Employee.objects.filter(pk=health.a[0].pk).update(quarantine_status=Employee.Quarantine.HOME)
    Employee.objects.filter(pk=health.a[1].pk).update(job_status=Employee.JobStatus.LEFT)
    page = english(health.world, "officer_a").get("/health/rounds/missing/").content.decode()
    assert "4 people on duty" in page
    assert "甲0" not in page and "甲1" not in page


def test_missing_list_is_paginated(health: Health) -> None:
    from tests.factories import id_number, make_employee

    for i in range(55):
        make_employee(
            health.world.enterprise_b, name=f"丙{i:02d}", id_number=id_number(seq=500 + i)
        )
    client = english(health.world, "officer_b")
    first = client.get("/health/rounds/missing/").content.decode()
    assert "59 people on duty" in first
    assert first.count('data-testid="missing-row"') == 50
    assert 'rel="next"' in first
    second = client.get("/health/rounds/missing/?page=2").content.decode()
    assert second.count('data-testid="missing-row"') == 9


# --- The grid ------------------------------------------------------------------------------


def test_grid_stores_each_row_once_however_often_it_is_posted(health: Health) -> None:
    client = english(health.world, "gate_a")
    ids = grid_ids(client.get("/health/rounds/grid/"))
    people = health.a[:3]
    assert {p.pk for p in people} <= set(ids)
    data = {"round": str(now_round(health.staff)[1])}
    for p in people:
        data |= {f"u-{p.pk}": ids[p.pk], f"t-{p.pk}": "36.4", f"m-{p.pk}": "1"}
    for p in health.a[3:]:  # left blank: not checked
        data |= {f"u-{p.pk}": ids[p.pk], f"t-{p.pk}": "", f"m-{p.pk}": ""}

    first = client.post("/health/rounds/grid/", data).content.decode()
    assert "3 recorded, 0 with fever, 0 refused" in first
    assert first.count('data-testid="row-saved"') == 3
    assert Check.objects.count() == 3
    assert set(Check.objects.values_list("source", "kind", "masks_issued")) == {
        ("grid", "round", 1)
    }
    assert set(Check.objects.values_list("uuid", flat=True)) == {
        uuid.UUID(ids[p.pk]) for p in people
    }

    again = client.post("/health/rounds/grid/", data).content.decode()  # double tap, or a re-post
    assert "0 recorded" in again
    assert "3 were recorded before and are not stored again" in again
    assert Check.objects.count() == 3
    # The checked rows no longer offer an input; the blank ones still do.
    assert set(grid_ids(client.get("/health/rounds/grid/"))) == {p.pk for p in health.a[3:]} | {
        Employee.objects.get(name="张三").pk
    }


def test_a_bad_row_is_refused_by_name_and_the_others_are_saved(health: Health) -> None:
    client = english(health.world, "officer_a")
    ids = grid_ids(client.get("/health/rounds/grid/"))
    good, typo, fever, masks = health.a[:4]
    data = {
        f"u-{good.pk}": ids[good.pk],
        f"t-{good.pk}": "36,6",  # a comma is a decimal point
        f"u-{typo.pk}": ids[typo.pk],
        f"t-{typo.pk}": "365",
        f"u-{fever.pk}": ids[fever.pk],
        f"t-{fever.pk}": "38.2",
        f"u-{masks.pk}": ids[masks.pk],
        f"t-{masks.pk}": "36.5",
        f"m-{masks.pk}": "two",
    }
    page = client.post("/health/rounds/grid/", data).content.decode()
    assert "2 recorded, 1 with fever, 2 refused" in page
    assert f"{typo.name}: 365.0 °C cannot be right" in page
    assert f'name="t-{typo.pk}" value="365"' in page  # the typed value stays for correction
    assert f"{masks.name}: Masks issued must be a whole number." in page
    assert "Fever: incident opened" in page
    stored = dict(Check.objects.values_list("employee_id", "temperature"))
    assert stored == {good.pk: Decimal("36.6"), fever.pk: Decimal("38.2")}
    assert Incident.objects.get().employee_id == fever.pk

    # Corrected and saved again with the same ids: the fixed rows are stored, nothing twice.
    data[f"t-{typo.pk}"] = "36.5"
    data[f"m-{masks.pk}"] = "2"
    page = client.post("/health/rounds/grid/", data).content.decode()
    assert "2 recorded, 0 with fever, 0 refused" in page
    assert Check.objects.count() == 4
    assert Check.objects.get(employee_id=masks.pk).masks_issued == 2
    assert Incident.objects.count() == 1


def test_masks_without_a_temperature_are_not_silently_dropped(health: Health) -> None:
    client = english(health.world, "gate_a")
    ids = grid_ids(client.get("/health/rounds/grid/"))
    p = health.a[0]
    page = client.post(
        "/health/rounds/grid/", {f"u-{p.pk}": ids[p.pk], f"t-{p.pk}": "", f"m-{p.pk}": "2"}
    ).content.decode()
    assert f"{p.name}: Enter the temperature too, or clear the masks." in page
    assert Check.objects.count() == 0


def test_grid_of_a_workshop_and_staff_choose_the_enterprise(health: Health) -> None:
    from workgate.registry.models import Workshop

    ent = health.world.enterprise_a
    w1 = Workshop.objects.create(enterprise=ent, name="一车间")
    w2 = Workshop.objects.create(enterprise=ent, name="二车间")
    Employee.objects.filter(pk__in=[p.pk for p in health.a[:2]]).update(workshop=w1)
    Employee.objects.filter(pk__in=[p.pk for p in health.a[2:]]).update(workshop=w2)

    staff = english(health.world, "staff")
    choose = staff.get("/health/rounds/grid/").content.decode()
    assert 'data-testid="grid-choose"' in choose and ent.name in choose
    first = grid_ids(staff.get(f"/health/rounds/grid/?enterprise={ent.pk}"))
    assert set(first) == {p.pk for p in health.a[:2]}  # the first workshop by name: 一车间
    second = grid_ids(staff.get(f"/health/rounds/grid/?enterprise={ent.pk}&workshop={w2.pk}"))
    assert set(second) == {p.pk for p in health.a[2:]}
    everyone = grid_ids(staff.get(f"/health/rounds/grid/?enterprise={ent.pk}&workshop=all"))
    assert len(everyone) == 6

    p = health.a[2]
    staff.post(
        f"/health/rounds/grid/?enterprise={ent.pk}&workshop={w2.pk}",
        {f"u-{p.pk}": second[p.pk], f"t-{p.pk}": "36.8"},
    )
    assert Check.objects.get().employee_id == p.pk
    missing = staff.get(f"/health/rounds/missing/?enterprise={ent.pk}&workshop={w2.pk}")
    assert "2 people on duty" in missing.content.decode()


def test_a_gate_volunteer_cannot_post_for_another_enterprise(health: Health) -> None:
    client = english(health.world, "gate_a")
    b = health.b[0]
    client.post("/health/rounds/grid/", {f"u-{b.pk}": str(uuid.uuid4()), f"t-{b.pk}": "36.5"})
    assert Check.objects.count() == 0


# --- Settings ------------------------------------------------------------------------------


def settings_data(**changes: str) -> dict[str, str]:
    data = {
        "fever_threshold": "37.3",
        "round_1": "08:00",
        "round_2": "13:00",
        "round_3": "18:00",
        "late_limit_hours": "48",
        "future_tolerance_minutes": "10",
        "recheck_minutes": "15",
        "isolate_minutes": "60",
        "clinic_hours": "8",
        "close_hours": "24",
        "retention_days": "60",
    }
    data.update(changes)
    return data


def test_settings_refuse_rounds_out_of_order_and_a_fever_of_40(health: Health) -> None:
    client = english(health.world, "staff")
    page = client.post("/health/settings/", settings_data(round_2="07:00")).content.decode()
    assert 'data-testid="error-round_2"' in page
    assert "The rounds must be in order through the day" in page
    page = client.post(
        "/health/settings/", settings_data(round_2="19:00", round_3="18:00")
    ).content.decode()
    assert 'data-testid="error-round_2"' in page or 'data-testid="error-round_3"' in page
    page = client.post("/health/settings/", settings_data(fever_threshold="40")).content.decode()
    assert 'data-testid="error-fever_threshold"' in page
    assert "less than or equal to 38.5" in page
    page = client.post("/health/settings/", settings_data(retention_days="3")).content.decode()
    assert 'data-testid="error-retention_days"' in page
    hs = HealthSettings.objects.get(pk=health.world.community.pk)
    assert (hs.fever_threshold, hs.round_2) == (Decimal("37.3"), dt.time(13, 0))
    assert not AuditEntry.objects.filter(object_type="health.healthsettings").exists()


def test_settings_are_saved_through_the_service_and_audited(
    health: Health, django_capture_on_commit_callbacks
) -> None:
    client = english(health.world, "staff")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/health/settings/", settings_data(fever_threshold="37.5", round_2="12:30")
        )
    assert response.status_code == 302
    hs, _tz = rules.settings_for(health.world.community.pk)
    assert (hs.fever_threshold, hs.round_2) == (Decimal("37.5"), dt.time(12, 30))
    entry = AuditEntry.objects.get(object_type="health.healthsettings")
    assert entry.detail["fields"] == ["fever_threshold", "round_2"]
    page = client.get("/health/settings/").content.decode()
    assert 'value="12:30"' in page and "Health settings saved." in page
    # The round labels follow the settings.
    assert "Round 2 12:30" in client.get("/health/rounds/").content.decode()


# --- Download ------------------------------------------------------------------------------


def test_missing_download_is_a_real_xlsx_masked_and_audited(health: Health) -> None:
    round_check(health, health.a[:1], yesterday_at(health, 8))  # round 1
    day = (now_round(health.staff)[0] - dt.timedelta(days=1)).isoformat()
    response = health.world.client("staff").get(
        f"/health/rounds/missing/download/?day={day}&round=1"
    )
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    assert ".xlsx" in response["Content-Disposition"]
    book = CalamineWorkbook.from_filelike(io.BytesIO(b"".join(response.streaming_content)))
    rows = book.get_sheet_by_index(0).to_python()
    assert len(rows) == 1 + 9  # header + 10 on duty − 1 checked
    by_name = {r[2]: r for r in rows[1:]}
    assert "甲0" not in by_name
    person = health.a[1]
    assert by_name["甲1"][3] == person.id_number[:6] + "********" + person.id_number[-4:]
    assert by_name["甲1"][4] == "138****8000"
    assert {r[6] for r in rows[1:]} == {1.0} or {r[6] for r in rows[1:]} == {1}
    entry = AuditEntry.objects.get(action="export", object_type="health.missing")
    assert entry.detail == {
        "rows": 9,
        "unmasked": False,
        "day": day,
        "round": 1,
        "enterprise": None,
        "workshop": None,
    }
    assert entry.user == health.world.users["staff"]


@pytest.mark.parametrize("persona", ["officer_a", "leader"])
def test_round_overview_opens_for_each_viewer(health: Health, persona: str) -> None:
    page = health.world.client(persona).get("/health/rounds/").content.decode()
    assert 'data-testid="fig-on-duty"' in page


def test_round_pages_make_the_same_few_queries_however_many_enterprises(
    health: Health, django_assert_max_num_queries
) -> None:
    from tests.factories import id_number, make_employee, make_enterprise

    for n in range(20):
        enterprise = make_enterprise(health.world.community)
        for i in range(3):
            make_employee(
                enterprise,
                name=f"员工{n}{i}",
                id_number=id_number(birth=dt.date(1970 + n, 1, 1 + i)),
            )
    client = health.world.client("staff")
    grid = f"/health/rounds/grid/?enterprise={health.world.enterprise_a.pk}"
    for url, most in (("/health/rounds/", 8), ("/health/rounds/missing/", 9), (grid, 10)):
        client.get(url)  # sessions and settings warmed up
        with django_assert_max_num_queries(most):
            assert client.get(url).status_code == 200
