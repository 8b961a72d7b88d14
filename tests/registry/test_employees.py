"""One person, one file: register, edit, the file page with masking and reveal, lists."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from tests.access_helpers import assert_refused
from tests.factories import id_number, make_employee
from workgate.core.models import AuditEntry, Role
from workgate.registry.models import Employee, Region, TimelineEvent, Workshop


def form_data(**kw: object) -> dict[str, object]:
    data = {
        "name": "刘洋",
        "id_number": id_number("420102", dt.date(1996, 2, 29), 41),
        "mobile": "",
        "job_status": "active",
    }
    data.update(kw)
    return data


def test_officer_opens_a_file_from_what_a_clerk_types(world):
    number = id_number("420102", dt.date(1996, 2, 29), 41)
    typed = " " + number[:6] + " " + "".join(chr(ord(c) + 0xFEE0) for c in number[6:]) + " "
    response = world.client("officer_a").post(
        f"/registry/enterprises/{world.enterprise_a.pk}/employees/new/",
        form_data(id_number=typed, mobile="+86 139 1234 5678", current_region="湖北省 武汉市"),
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    person = Employee.objects.get(id_number=number)
    assert person.sex == "M"
    assert person.birth_date == dt.date(1996, 2, 29)
    assert person.hukou_region.full_name == "湖北省 武汉市 江岸区"
    assert person.is_local is False
    assert person.mobile == "13912345678"
    assert person.current_region.code == "420100"
    assert TimelineEvent.objects.filter(employee=person, kind="registry.registered").exists()
    entry = AuditEntry.objects.get(action="create", object_type="registry.employee")
    assert number not in entry.object_repr  # the audit log holds masked numbers only


def test_same_id_in_another_enterprise_is_reported_not_moved(world):
    make_employee(world.enterprise_b, name="李四", id_number=id_number(seq=777))
    response = world.client("officer_a").post(
        f"/registry/enterprises/{world.enterprise_a.pk}/employees/new/",
        form_data(id_number=id_number(seq=777)),
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 200
    assert world.enterprise_b.name in response.content.decode()
    assert Employee.objects.get(id_number=id_number(seq=777)).enterprise == world.enterprise_b


@pytest.mark.parametrize(
    ("field", "value", "fragment"),
    [
        ("id_number", "3.30203E+17", "scientific notation"),
        ("id_number", "33020319900101123", "17 digits"),
        ("mobile", "1380013800", "mobile number"),
        ("current_region", "火星", "No region"),
        ("name", "  ", "required"),
    ],
)
def test_bad_input_names_the_field_and_reason(world, field, value, fragment):
    response = world.client("officer_a").post(
        f"/registry/enterprises/{world.enterprise_a.pk}/employees/new/",
        form_data(**{field: value}),
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 200
    assert fragment in response.content.decode()
    assert not Employee.objects.filter(name="刘洋").exists()


def test_edit_records_changed_fields_and_the_unmasked_read(world):
    person = Employee.objects.get(name="张三")
    client = world.client("officer_a")
    assert client.get(f"/registry/employees/{person.pk}/edit/").status_code == 200
    assert AuditEntry.objects.filter(action="reveal", object_id=str(person.pk)).count() == 1
    workshop = Workshop.objects.create(enterprise=world.enterprise_a, name="装配车间")
    response = client.post(
        f"/registry/employees/{person.pk}/edit/",
        {
            "name": "张三",
            "id_number": person.id_number,
            "mobile": "13800138000",
            "job_status": "delayed",
            "workshop": workshop.pk,
            "dorm_room": "3号楼-201",
        },
    )
    assert response.status_code == 302
    event = TimelineEvent.objects.filter(employee=person, kind="registry.updated").get()
    assert set(event.params["fields"]) == {"job_status", "workshop", "dorm_room"}
    page = client.get(
        f"/registry/employees/{person.pk}/", HTTP_ACCEPT_LANGUAGE="en"
    ).content.decode()
    assert "File changed:" in page


def test_file_page_masks_and_reveal_is_one_audited_click(world):
    person = Employee.objects.get(name="张三")
    client = world.client("staff")
    page = client.get(f"/registry/employees/{person.pk}/").content.decode()
    assert person.id_number not in page
    assert f"{person.id_number[:6]}********{person.id_number[-4:]}" in page
    assert "138****8000" in page
    shown = client.post(
        f"/registry/employees/{person.pk}/reveal/id_number/", HTTP_HX_REQUEST="true"
    )
    assert person.id_number in shown.content.decode()
    entry = AuditEntry.objects.get(action="reveal", object_id=str(person.pk))
    assert entry.detail == {"field": "id_number"}
    assert entry.actor_label == "staff"


def test_file_links_to_the_risk_and_its_reasons(world):
    person = Employee.objects.get(name="张三")
    page = world.client("officer_a").get(f"/registry/employees/{person.pk}/").content.decode()
    assert f'href="/screening/people/{person.pk}/"' in page
    assert world.client("officer_a").get(f"/screening/people/{person.pk}/").status_code == 200


def test_leader_sees_masked_and_cannot_reveal(world):
    person = Employee.objects.get(name="张三")
    leader = world.client("leader")
    page = leader.get(f"/registry/employees/{person.pk}/").content.decode()
    assert "reveal-id_number" not in page
    assert leader.post(f"/registry/employees/{person.pk}/reveal/id_number/").status_code == 403


def test_reveal_refuses_others(world):
    person = Employee.objects.get(name="张三")
    assert_refused(
        world,
        f"/registry/employees/{person.pk}/reveal/mobile/",
        method="post",
        allowed={Role.STAFF, Role.OFFICER},
        allowed_personas={"staff", "officer_a"},
    )
    assert not AuditEntry.objects.filter(action="reveal", actor_label="officer_b").exists()


def test_file_page_refuses_others(world):
    person = Employee.objects.get(name="张三")
    assert_refused(
        world,
        f"/registry/employees/{person.pk}/",
        allowed={Role.LEADER, Role.STAFF, Role.OFFICER},
        allowed_personas={"leader", "staff", "officer_a"},
    )


def test_employee_sees_own_file_only(world):
    person = Employee.objects.get(name="张三")
    person.user = world.users["employee_a"]
    person.save()
    page = world.client("employee_a").get("/registry/me/").content.decode()
    assert "张三" in page
    assert person.id_number not in page
    assert world.client("employee_a").get(f"/registry/employees/{person.pk}/").status_code == 403
    assert_refused(world, "/registry/me/", allowed={Role.EMPLOYEE}, marker="张三")


@pytest.fixture
def crowd(world):
    rows = []
    for i in range(60):
        county = "330206" if i % 3 else "510104"
        rows.append(
            make_employee(
                world.enterprise_a,
                name=f"王{i:02d}",
                id_number=id_number(county, dt.date(1985, 1, 1), seq=100 + i),
                mobile=f"1390000{i:04d}",
                is_local=county.startswith("3302"),
            )
        )
    return rows


def test_list_filters_and_search(world, crowd):
    client = world.client("staff")

    def count(**params):
        return client.get("/registry/employees/", params).context["page"].paginator.count

    assert count() == 62
    assert count(local="no") == 20
    assert count(province="51") == 20
    assert count(enterprise=world.enterprise_b.pk) == 1
    assert count(q="王0") == 10
    assert count(q=crowd[5].id_number[-4:]) == 1
    assert count(q="0005") == 1  # last digits of a phone
    assert count(q="13900000005") == 1
    assert count(q=crowd[5].id_number.lower()) == 1


def test_officer_list_is_own_enterprise_even_if_asked_for_another(world, crowd):
    page = world.client("officer_b").get(
        "/registry/employees/", {"enterprise": world.enterprise_a.pk}
    )
    assert page.context["page"].paginator.count == 1
    assert "王00" not in page.content.decode()


def test_list_page_query_count_does_not_grow_with_rows(world, crowd, django_assert_max_num_queries):
    client = world.client("staff")
    with django_assert_max_num_queries(12):
        response = client.get("/registry/employees/")
    assert response.status_code == 200
    assert len(response.context["page"].object_list) == 50


def test_list_refuses_others(world):
    assert_refused(world, "/registry/employees/", allowed={Role.LEADER, Role.STAFF, Role.OFFICER})


def test_travel_is_recorded_on_the_file(world):
    person = Employee.objects.get(name="张三")
    client = world.client("officer_a")
    client.post(
        f"/registry/employees/{person.pk}/travel/",
        {
            "region": "湖北省 武汉市",
            "date_from": "2020-01-20",
            "date_to": "2020-01-28",
            "means": "train",
        },
    )
    travel = person.travels.get()
    assert travel.region == Region.objects.get(code="420100")
    bad = client.post(
        f"/registry/employees/{person.pk}/travel/",
        {
            "region": "湖北省 武汉市",
            "date_from": "2020-01-28",
            "date_to": "2020-01-20",
            "means": "train",
        },
        HTTP_ACCEPT_LANGUAGE="en",
        follow=True,
    )
    assert "before the start date" in bad.content.decode()
    assert person.travels.count() == 1


def test_api_employees_are_masked_and_scoped(world):
    staff = world.client("staff")
    rows = staff.get("/api/v1/employees").json()["items"]
    assert {r["name"] for r in rows} == {"张三", "李四"}
    person = Employee.objects.get(name="张三")
    assert all(person.id_number not in json.dumps(r) for r in rows)
    revealed = staff.post(
        f"/api/v1/employees/{person.pk}/reveal",
        json.dumps({"field": "id_number"}),
        content_type="application/json",
    ).json()
    assert revealed["value"] == person.id_number
    assert world.client("officer_b").get(f"/api/v1/employees/{person.pk}").status_code == 404
    created = world.client("officer_a").post(
        f"/api/v1/enterprises/{world.enterprise_a.pk}/employees",
        json.dumps({"name": "赵六", "id_number": id_number("110105", dt.date(1960, 5, 5), 11)}),
        content_type="application/json",
    )
    assert created.status_code == 201
    assert created.json()["hukou_region"].startswith("北京市")
    dup = world.client("officer_a").post(
        f"/api/v1/enterprises/{world.enterprise_a.pk}/employees",
        json.dumps({"name": "赵六", "id_number": id_number("110105", dt.date(1960, 5, 5), 11)}),
        content_type="application/json",
    )
    assert dup.status_code == 400
    assert dup.json()["error"]["code"] == "duplicate"
    assert "id_number" in dup.json()["error"]["fields"]
