"""The roster import as an officer does it in the browser's pages: upload, confirm the columns,
check every row, import, download the report — with the real task worker."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command

from tests.access_helpers import assert_refused
from tests.factories import id_number
from workgate.core.models import AuditEntry, Role
from workgate.registry.models import Employee, ImportMapping, RosterImport

pytestmark = pytest.mark.django_db(transaction=True)


def gbk_roster() -> bytes:
    good1 = id_number("330206", dt.date(1988, 8, 8), 11)
    good2 = (
        id_number("420102", dt.date(2004, 1, 1), 22)[:-1]
        + id_number("420102", dt.date(2004, 1, 1), 22)[-1].lower()
    )
    bad = good1[:-1] + ("0" if good1[-1] != "0" else "1")
    lines = [
        "宁波甲机械有限公司员工花名册,,,",
        "姓名,身份证号码,联系电话,车间",
        f"周一,{good1},13800138001,一车间",
        f"吴二,{good2},139 0013 8002,二车间",
        f"郑三,{bad},13800138003,一车间",
        f"王四,{good1},13800138004,一车间",
    ]
    return ("\r\n".join(lines) + "\r\n").encode("gb18030")


def upload(client, enterprise_pk: int, content: bytes, name: str = "花名册.csv"):
    return client.post(
        f"/registry/enterprises/{enterprise_pk}/imports/new/",
        {"file": SimpleUploadedFile(name, content, content_type="text/csv")},
    )


def confirm_columns(client, imp: RosterImport):
    page = client.get(f"/registry/imports/{imp.pk}/")
    assert page.status_code == 200
    columns = page.context["columns"]
    data = {f"col_{c['index']}": c["field"] for c in columns if c["field"]}
    data["header_row"] = page.context["analysis"].header_row
    return client.post(f"/registry/imports/{imp.pk}/check/", data)


def test_officer_imports_a_messy_gbk_roster_end_to_end(world):
    client = world.client("officer_a")
    response = upload(client, world.enterprise_a.pk, gbk_roster())
    assert response.status_code == 302
    imp = RosterImport.objects.get()
    page = client.get(f"/registry/imports/{imp.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "row 2" in page  # the header under the title row was found
    assert [c["field"] for c in client.get(f"/registry/imports/{imp.pk}/").context["columns"]] == [
        "name",
        "id_number",
        "mobile",
        "workshop",
    ]

    confirm_columns(client, imp)
    call_command("worker", "--batch", verbosity=0)
    imp.refresh_from_db()
    assert imp.status == RosterImport.Status.PREVIEWED
    assert (
        Employee.objects.filter(enterprise=world.enterprise_a).count() == 1
    )  # nothing written yet
    page = client.get(f"/registry/imports/{imp.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert imp.error_count == 3  # wrong check digit, and the two rows sharing one ID
    # Reasons are written in the language of whoever ran the check (Chinese by default).
    assert "校验位" in page
    assert {e["row"] for e in imp.errors} == {5, 3, 6}
    assert all("********" in e["value"] for e in imp.errors if e["column"] == "身份证号码")

    client.post(f"/registry/imports/{imp.pk}/run/", {"policy": "valid-rows"})
    call_command("worker", "--batch", verbosity=0)
    imp.refresh_from_db()
    assert imp.status == RosterImport.Status.DONE
    assert imp.created == 1
    person = Employee.objects.get(name="吴二")
    assert person.id_number.endswith("X") or person.id_number[-1].isdigit()
    assert person.mobile == "13900138002"
    assert person.workshop.name == "二车间"
    report = client.get(f"/registry/imports/{imp.pk}/report/")
    assert report.status_code == 200
    assert report["Content-Disposition"].startswith("attachment")
    assert AuditEntry.objects.filter(action="export", object_id=str(imp.pk)).exists()
    assert ImportMapping.objects.filter(enterprise=world.enterprise_a).exists()
    assert AuditEntry.objects.filter(action="import", object_id=str(imp.pk)).exists()


def test_all_or_nothing_writes_nothing(world):
    client = world.client("officer_a")
    upload(client, world.enterprise_a.pk, gbk_roster())
    imp = RosterImport.objects.get()
    confirm_columns(client, imp)
    call_command("worker", "--batch", verbosity=0)
    client.post(f"/registry/imports/{imp.pk}/run/", {"policy": "all-or-nothing"})
    call_command("worker", "--batch", verbosity=0)
    imp.refresh_from_db()
    assert imp.status == RosterImport.Status.REFUSED
    assert Employee.objects.filter(enterprise=world.enterprise_a).count() == 1
    page = client.get(f"/registry/imports/{imp.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Nothing was imported" in page


def test_mapping_without_an_id_column_is_refused_with_a_reason(world):
    client = world.client("officer_a")
    upload(client, world.enterprise_a.pk, gbk_roster())
    imp = RosterImport.objects.get()
    response = client.post(
        f"/registry/imports/{imp.pk}/check/",
        {"col_0": "name", "header_row": 1},
        HTTP_ACCEPT_LANGUAGE="en",
        follow=True,
    )
    assert "Choose the column that holds" in response.content.decode()
    imp.refresh_from_db()
    assert imp.status == RosterImport.Status.UPLOADED


def test_a_picture_is_not_a_roster(world):
    client = world.client("officer_a")
    response = upload(client, world.enterprise_a.pk, b"\x89PNG....", name="photo.png")
    assert response.status_code == 200
    assert RosterImport.objects.count() == 0
    fake = upload(
        client, world.enterprise_a.pk, b"\x89PNG\r\n\x1a\n" + b"\x00" * 100, name="roster.xlsx"
    )
    assert fake.status_code == 302
    page = client.get(fake["Location"], HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'class="form-error"' in page


def test_import_pages_refuse_others(world):
    upload(world.client("officer_a"), world.enterprise_a.pk, gbk_roster())
    imp = RosterImport.objects.get()
    assert_refused(
        world,
        f"/registry/imports/{imp.pk}/",
        allowed={Role.STAFF, Role.OFFICER},
        allowed_personas={"staff", "officer_a"},
    )
    assert_refused(
        world,
        f"/registry/enterprises/{world.enterprise_a.pk}/imports/new/",
        allowed={Role.STAFF, Role.OFFICER},
        allowed_personas={"staff", "officer_a"},
    )
    assert_refused(
        world, "/registry/imports/", allowed={Role.STAFF, Role.OFFICER}, marker="花名册.csv"
    )


def test_api_upload_checks_then_runs(world):
    client = world.client("officer_a")
    response = client.post(
        f"/api/v1/enterprises/{world.enterprise_a.pk}/imports",
        {"file": SimpleUploadedFile("roster.csv", gbk_roster()), "policy": "valid-rows"},
    )
    assert response.status_code == 202, response.content
    imp_id = response.json()["id"]
    call_command("worker", "--batch", verbosity=0)
    status = client.get(f"/api/v1/imports/{imp_id}").json()
    assert status["status"] == "previewed"
    assert status["error_count"] == 3
    assert (
        client.post(
            f"/api/v1/imports/{imp_id}/run", "{}", content_type="application/json"
        ).status_code
        == 202
    )
    call_command("worker", "--batch", verbosity=0)
    assert client.get(f"/api/v1/imports/{imp_id}").json()["created"] == 1
    assert world.client("officer_b").get(f"/api/v1/imports/{imp_id}").status_code == 404
