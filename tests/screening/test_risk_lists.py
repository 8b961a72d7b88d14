"""Region risk with history, the official risk list (bad rows listed, nothing applied until
confirmed), and reassessment of everyone on the worker when the list or the policy changes."""

from __future__ import annotations

import datetime as dt

import pytest
import xlsxwriter
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command

from workgate.core.models import Job
from workgate.registry.models import Employee, Region, TimelineEvent
from workgate.screening import queries, services
from workgate.screening.assessment import reassess_community
from workgate.screening.models import RegionRisk, RiskList

CSV = "\r\n".join(
    [
        "地区,风险等级",
        "湖北省,高风险",
        "浙江省温州市,中",
        "341221,中风险",
        "火星市,高",
        "浙江省台州市,极高",
        "",
    ]
).encode("gb18030")


def upload(content: bytes = CSV, name: str = "名单.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content)


def test_level_changes_keep_history(screening):
    staff = screening.staff
    wenzhou = Region.objects.get(code="330300")
    services.region_risk_set(
        actor=staff,
        region=wenzhou,
        level="medium",
        effective_from=dt.date(2020, 1, 25),
        reassess=False,
    )
    services.region_risk_set(
        actor=staff,
        region=wenzhou,
        level="high",
        effective_from=dt.date(2020, 2, 2),
        reassess=False,
    )
    services.region_risk_set(
        actor=staff,
        region=wenzhou,
        level="low",
        effective_from=dt.date(2020, 2, 20),
        reassess=False,
    )
    rows = list(RegionRisk.objects.filter(region=wenzhou).order_by("effective_from"))
    assert [(r.level, r.effective_to) for r in rows] == [
        ("medium", dt.date(2020, 2, 1)),
        ("high", dt.date(2020, 2, 19)),
        ("low", None),
    ]
    community = screening.world.community.pk
    assert queries.levels_in_force(community, dt.date(2020, 1, 30))["330300"] == "medium"
    assert queries.levels_in_force(community, dt.date(2020, 2, 10))["330300"] == "high"
    assert queries.levels_in_force(community, dt.date(2020, 3, 1))["330300"] == "low"
    assert queries.levels_in_force(community, dt.date(2020, 1, 1)).get("330300") is None


def test_a_list_with_unknown_rows_is_listed_and_nothing_applies_until_confirmed(screening):
    staff = screening.staff
    before = RegionRisk.objects.count()
    item = services.risk_list_check(
        actor=staff, upload=upload(), effective_from=dt.date(2020, 2, 1)
    )
    assert (item.known_count, item.unknown_count) == (3, 2)
    bad = {r["row"]: r["error"] for r in item.rows if r["error"]}
    assert set(bad) == {5, 6}
    assert RegionRisk.objects.count() == before  # nothing applied yet
    page = screening.world.client("staff").get(
        f"/screening/risk-lists/{item.pk}/", HTTP_ACCEPT_LANGUAGE="en"
    )
    text = page.content.decode()
    assert "火星市" in text and "极高" in text
    services.risk_list_apply(actor=staff, risk_list=item)
    levels = queries.levels_in_force(screening.world.community.pk, dt.date(2020, 2, 2))
    assert levels == {"420000": "high", "330300": "medium", "341221": "medium"}
    item.refresh_from_db()
    assert item.status == RiskList.Status.APPLIED
    with pytest.raises(services.ServiceError):
        services.risk_list_apply(actor=staff, risk_list=item)


def test_xlsx_by_codes_with_a_default_level_replacing_the_list(screening, tmp_path):
    path = tmp_path / "list.xlsx"
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet()
    sheet.write_row(0, 0, ["区划代码", "名称"])
    sheet.write_row(1, 0, [330300, "温州市"])
    sheet.write_row(2, 0, ["331000000000", "台州市"])
    book.close()
    item = services.risk_list_check(
        actor=screening.staff,
        upload=upload(path.read_bytes(), "list.xlsx"),
        effective_from=dt.date(2020, 2, 5),
        default_level="medium",
        replaces=True,
    )
    assert item.unknown_count == 0
    services.risk_list_apply(actor=screening.staff, risk_list=item)
    levels = queries.levels_in_force(screening.world.community.pk, dt.date(2020, 2, 6))
    # Hubei, not on the replacing list, went back to low; its history is kept.
    assert levels == {"330300": "medium", "331000": "medium", "420000": "low"}
    assert RegionRisk.objects.filter(region_id="420000").count() == 2


def test_not_a_spreadsheet_is_refused(screening):
    with pytest.raises(services.ServiceError):
        services.risk_list_check(
            actor=screening.staff,
            upload=upload(b"\x00\x01\x02binary", "x.csv"),
            effective_from=dt.date(2020, 2, 1),
        )


def test_reassessment_writes_only_changes_with_reasons_on_the_timeline(screening):
    community = screening.world.community.pk
    first = reassess_community(community_id=community)
    assert first["high"] == 6  # the six people in Hubei
    assert (
        TimelineEvent.objects.filter(kind="screening.risk").count() == 6
    )  # unknown→low is no news
    again = reassess_community(community_id=community)
    assert again["changed"] == 0
    services.region_risk_set(
        actor=screening.staff,
        region=Region.objects.get(code="420000"),
        level="medium",
        effective_from=dt.date(2020, 1, 1),
        reassess=False,
    )
    services.region_risk_set(
        actor=screening.staff,
        region=Region.objects.get(code="420000"),
        level="medium",
        reassess=False,
    )
    third = reassess_community(community_id=community)
    assert third["changed"] == 6 and third["medium"] == 6
    person = screening.hubei[0]
    event = TimelineEvent.objects.filter(employee=person, kind="screening.risk").first()
    page = screening.world.client("staff").get(
        f"/registry/employees/{person.pk}/", HTTP_ACCEPT_LANGUAGE="en"
    )
    assert "Currently in 湖北省 武汉市 江岸区 (medium risk)" in page.content.decode()
    assert event.params["to"] == "medium"


@pytest.mark.django_db(transaction=True)
def test_applying_a_list_reassesses_everyone_on_the_worker(world):
    from tests.factories import id_number, make_employee
    from tests.screening.conftest import actor_of

    person = make_employee(
        world.enterprise_a,
        name="温州人",
        id_number=id_number("330302", dt.date(1990, 1, 1), 7),
        current_region_id="330302",
    )
    staff = actor_of(world, "staff")
    item = services.risk_list_check(
        actor=staff, upload=upload(), effective_from=dt.date(2020, 1, 1)
    )
    job = services.risk_list_apply(actor=staff, risk_list=item)
    call_command("worker", "--batch", verbosity=0)
    job.refresh_from_db()
    assert job.status == Job.Status.DONE, job.message
    assert job.result["assessed"] == Employee.objects.filter(community=world.community).count()
    person.refresh_from_db()
    assert person.risk_level == "medium"
    response = world.client("staff").get(f"/jobs/{job.pk}/")
    assert response.status_code == 200


def test_policy_change_starts_a_reassessment(screening):
    job = services.policy_update(
        actor=screening.staff, window_days=21, quarantine_levels=["high"], delay_levels=["high"]
    )
    assert job is not None and job.kind == "screening_reassess"
    assert queries.policy_of(screening.world.community.pk).window_days == 21
    with pytest.raises(services.ServiceError):
        services.policy_update(
            actor=screening.staff, window_days=0, quarantine_levels=[], delay_levels=[]
        )
