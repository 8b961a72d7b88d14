"""The back-to-work dashboard, a day's drill-down, the daily report upward (page, xlsx, API) and
the planned batches: the figures each shows, who may open them, and the audit of each report."""

from __future__ import annotations

import datetime as dt
import io
import uuid

import pytest
from django.test import Client
from django.utils import timezone
from python_calamine import CalamineWorkbook

from tests.access_helpers import assert_refused
from tests.conftest import World
from tests.factories import make_employee, make_enterprise
from workgate.core.access import Actor
from workgate.core.models import AuditEntry, Enterprise, Membership, Role
from workgate.health import rules
from workgate.health import services as health_services
from workgate.health.services import CheckItem
from workgate.resumption import queries, services
from workgate.resumption.models import Batch, StatusChange

Status = Enterprise.Status
VIEWERS = {Role.LEADER, Role.STAFF}


def actor(world: World, persona: str) -> Actor:
    return Actor.from_membership(Membership.objects.get(user=world.users[persona]))


def english(world: World, persona: str) -> Client:
    client = world.client(persona)
    client.cookies["workgate_language"] = "en"
    return client


class Story:
    """Enterprise A back at work since the day before yesterday, suspended today; B started
    today; C planned for tomorrow, not resumed. People checked yesterday and today."""

    def __init__(self, world: World) -> None:
        self.world = world
        self.staff = actor(world, "staff")
        _hs, self.tz = rules.settings_for(world.community.pk)
        self.today = services.local_today(world.community.pk)
        d = self.today
        a, b = world.enterprise_a, world.enterprise_b
        self.c = make_enterprise(world.community, name="宁波丙纺织有限公司", resumed=False)
        for ent in (a, b):
            Enterprise.objects.filter(pk=ent.pk).update(status=Status.NOT_RESUMED, resumed_on=None)
        self.a_people = [make_employee(a, name=f"甲{i}", is_local=i % 2 == 0) for i in range(4)]
        self.b_people = [make_employee(b, name=f"乙{i}") for i in range(3)]
        make_employee(self.c, name="丙0")
        batch1 = Batch.objects.create(community=world.community, date=d - dt.timedelta(2), name="1")
        batch1.enterprises.set([a])
        batch2 = Batch.objects.create(community=world.community, date=d, name="2")
        batch2.enterprises.set([b])
        batch3 = Batch.objects.create(community=world.community, date=d + dt.timedelta(1), name="3")
        batch3.enterprises.set([self.c])
        self._change(a, Status.NOT_RESUMED, Status.RESUMED, d - dt.timedelta(2))
        self._change(b, Status.NOT_RESUMED, Status.RESUMED, d)
        Enterprise.objects.filter(pk=a.pk).update(
            status=Status.RESUMED, resumed_on=d - dt.timedelta(2)
        )
        Enterprise.objects.filter(pk=b.pk).update(status=Status.RESUMED, resumed_on=d)
        a.refresh_from_db()
        # Yesterday: three of A's four people checked (one of them twice: counted once).
        yesterday = dt.datetime.combine(d - dt.timedelta(1), dt.time(9, 0), tzinfo=self.tz)
        self._checks(self.a_people[:3] + self.a_people[:1], yesterday)
        # Today: all of A before the suspension, two of B.
        now = timezone.now()
        self._checks(self.a_people + self.b_people[:2], min(now, now.replace(second=0)))
        services.enterprise_suspend(actor=self.staff, enterprise=a, reason="确诊病例：停工消杀")

    def _change(self, ent: Enterprise, frm: str, to: str, on: dt.date) -> None:
        StatusChange.objects.create(
            community=self.world.community, enterprise=ent, from_status=frm, to_status=to, on=on
        )

    def _checks(self, people: list, at: dt.datetime) -> None:
        results = health_services.checks_record(
            actor=self.staff,
            items=[
                CheckItem(
                    uuid=uuid.uuid4(), temperature="36.5", employee_id=p.pk, taken_at=at,
                    kind="round",
                )
                for p in people
            ],
            source="grid",
        )  # fmt: skip
        assert all(r.status == "created" for r in results), results


@pytest.fixture
def story(world: World) -> Story:
    return Story(world)


def test_dashboard_counts_plan_against_what_happened(story: Story) -> None:
    board = queries.dashboard(story.staff, story.today)
    by_day = {d.day: d for d in board.days}
    d = story.today
    before, yesterday, today, tomorrow = (d - dt.timedelta(n) for n in (2, 1, 0, -1))
    assert by_day[before].planned_enterprises == 1
    assert by_day[before].resumed_enterprises == 1
    assert by_day[before].new_enterprises == 1
    assert by_day[yesterday].on_duty == 3  # three people, one of them checked twice
    assert by_day[yesterday].resumed_enterprises == 1
    # Today B started and A was suspended: one at work, one suspended.
    assert by_day[today].planned_enterprises == 2
    assert by_day[today].resumed_enterprises == 1
    assert by_day[today].new_enterprises == 1
    assert by_day[today].suspended == 1
    assert by_day[today].on_duty == 6
    # Tomorrow is plan only.
    assert by_day[tomorrow].planned_enterprises == 3
    assert by_day[tomorrow].resumed_enterprises == 0
    assert by_day[tomorrow].planned_employees == (4 + 1) + (3 + 1) + 1  # with the world's two
    assert board.statuses[Status.SUSPENDED] == 1
    assert board.statuses[Status.RESUMED] == 1


def test_dashboard_page_shows_figures_and_charts(story: Story) -> None:
    response = english(story.world, "leader").get("/resumption/dashboard/")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-testid="fig-resumed">1<' in html
    assert "Enterprises: planned and back at work" in html
    assert 'id="progress-data"' in html
    assert html.count('data-testid="day-row"') >= 4


def test_day_drill_down_lists_enterprises_with_checked_people(story: Story) -> None:
    client = english(story.world, "staff")
    yesterday = story.today - dt.timedelta(1)
    html = client.get(f"/resumption/dashboard/day/?day={yesterday}").content.decode()
    assert story.world.enterprise_a.name in html
    assert story.world.enterprise_b.name not in html
    html = client.get(f"/resumption/dashboard/day/?day={story.today}&show=new").content.decode()
    assert story.world.enterprise_b.name in html
    assert story.world.enterprise_a.name not in html
    tomorrow = story.today + dt.timedelta(1)
    html = client.get(f"/resumption/dashboard/day/?day={tomorrow}&show=planned").content.decode()
    assert story.c.name in html


def test_report_rows_and_totals(story: Story) -> None:
    rows = {r.enterprise.pk: r for r in queries.day_rows(story.staff, story.today)}
    a, b = story.world.enterprise_a, story.world.enterprise_b
    assert set(rows) == {a.pk, b.pk}  # C has not resumed
    assert rows[a.pk].status == Status.SUSPENDED
    assert rows[a.pk].on_duty == 4
    assert rows[a.pk].non_local_on_duty == 2
    assert rows[b.pk].on_duty == 2
    assert rows[a.pk].resumed_on == story.today - dt.timedelta(2)
    assert rows[a.pk].conditions_total == len(services.conditions_ensure(story.world.community.pk))


def test_report_page_is_printable_and_audited(story: Story) -> None:
    client = english(story.world, "leader")
    before = AuditEntry.objects.filter(object_type="resumption.report").count()
    html = client.get("/resumption/report/").content.decode()
    assert "Work resumption daily report" in html
    assert story.world.enterprise_a.credit_code in html
    assert 'data-testid="report-total"' in html
    assert AuditEntry.objects.filter(object_type="resumption.report").count() == before + 1


def test_report_xlsx_has_each_enterprise_and_is_audited(story: Story) -> None:
    client = story.world.client("staff")  # Chinese by default
    response = client.get(f"/resumption/report.xlsx?day={story.today}")
    assert response.status_code == 200
    body = b"".join(response.streaming_content)
    sheet = CalamineWorkbook.from_filelike(io.BytesIO(body)).get_sheet_by_index(0).to_python()
    assert "企业" in [str(c) for c in sheet[2]]
    names = [row[0] for row in sheet[3:]]
    assert story.world.enterprise_a.name in names
    assert story.world.enterprise_b.name in names
    row_a = next(r for r in sheet if r[0] == story.world.enterprise_a.name)
    assert row_a[1] == story.world.enterprise_a.credit_code
    assert int(row_a[4]) == 4
    entry = AuditEntry.objects.filter(object_type="resumption.report").latest("at")
    assert entry.action == AuditEntry.Action.EXPORT
    assert entry.detail["format"] == "xlsx"
    assert entry.detail["rows"] == 2


def test_report_of_a_future_day_is_today(story: Story) -> None:
    client = english(story.world, "staff")
    html = client.get(f"/resumption/report/?day={story.today + dt.timedelta(5)}").content.decode()
    assert story.today.isoformat() in html


def test_api_dashboard_and_report(story: Story) -> None:
    client = story.world.client("staff")
    data = client.get("/api/v1/resumption/dashboard").json()
    today = next(d for d in data["days"] if d["day"] == story.today.isoformat())
    assert today["on_duty"] == 6
    assert data["statuses"]["suspended"] == 1
    report = client.get(f"/api/v1/resumption/report?day={story.today}").json()
    assert {r["enterprise"] for r in report["rows"]} == {
        story.world.enterprise_a.name,
        story.world.enterprise_b.name,
    }


def test_batch_form_saves_and_refuses_bad_input(story: Story) -> None:
    client = english(story.world, "staff")
    response = client.post(
        "/resumption/batches/new/",
        {"date": "next week", "name": "4", "enterprises": [story.c.pk]},
    )
    assert response.status_code == 400
    assert "Enter the date as YYYY-MM-DD." in response.content.decode()
    assert "next week" in response.content.decode()  # what was typed is kept
    other = story.world.enterprise_other
    response = client.post(
        "/resumption/batches/new/",
        {"date": str(story.today), "name": "4", "enterprises": [other.pk]},
    )
    assert response.status_code == 400
    assert not Batch.objects.filter(name="4").exists()
    response = client.post(
        "/resumption/batches/new/",
        {"date": str(story.today + dt.timedelta(3)), "name": "4", "enterprises": [story.c.pk]},
    )
    assert response.status_code == 302
    batch = Batch.objects.get(name="4")
    assert list(batch.enterprises.all()) == [story.c]
    assert AuditEntry.objects.filter(
        object_type="resumption.batch", object_id=str(batch.pk)
    ).exists()


@pytest.mark.parametrize(
    "url",
    [
        "/resumption/dashboard/",
        "/resumption/dashboard/day/",
        "/resumption/report/",
        "/resumption/batches/",
        "/api/v1/resumption/dashboard",
        "/api/v1/resumption/report",
    ],
)
def test_progress_pages_refuse_weaker_roles_and_other_tenants(world: World, url: str) -> None:
    assert_refused(world, url, VIEWERS)


def test_batch_editing_is_for_staff(world: World) -> None:
    batch = Batch.objects.create(community=world.community, date=dt.date.today(), name="b")
    assert_refused(world, "/resumption/batches/new/", {Role.STAFF})
    assert_refused(world, f"/resumption/batches/{batch.pk}/", {Role.STAFF})


def test_report_xlsx_refuses_weaker_roles_and_shows_no_other_tenant(story: Story) -> None:
    world = story.world
    for persona in ("officer_a", "gate_a", "volunteer", "supplier", "employee_a"):
        assert world.client(persona).get("/resumption/report.xlsx").status_code == 403
    assert world.client(None).get("/resumption/report.xlsx").status_code == 302
    response = world.client("outsider_staff").get("/resumption/report.xlsx")
    assert response.status_code == 200
    body = b"".join(response.streaming_content)
    sheet = CalamineWorkbook.from_filelike(io.BytesIO(body)).get_sheet_by_index(0).to_python()
    assert all(world.enterprise_a.name not in [str(c) for c in row] for row in sheet)
