"""Enterprises: registered by staff with a valid credit code, managed by their own officer."""

from __future__ import annotations

import json

from stdnum.cn import uscc

from tests.access_helpers import assert_refused
from tests.factories import credit_code
from workgate.core.models import AuditEntry, Enterprise, Role
from workgate.registry.models import Shift, Workshop


def new_code() -> str:
    return credit_code(987654)


def test_staff_registers_an_enterprise_typed_carelessly(world):
    code = new_code()
    typed = " " + "".join(chr(ord(c) + 0xFEE0) if c.isdigit() else c.lower() for c in code) + " "
    response = world.client("staff").post(
        "/registry/enterprises/new/",
        {
            "name": " 宁波新港  机械有限公司 ",
            "credit_code": typed,
            "size": "small",
            "contact_phone": "0574-8680 1234",
        },
    )
    assert response.status_code == 302
    enterprise = Enterprise.objects.get(credit_code=code)
    assert enterprise.name == "宁波新港 机械有限公司"
    assert enterprise.contact_phone == "057486801234"
    assert enterprise.community == world.community
    assert AuditEntry.objects.filter(action="create", object_type="core.enterprise").exists()


def test_wrong_check_character_is_explained(world):
    code = new_code()
    wrong = code[:-1] + ("0" if code[-1] != "0" else "1")
    assert not uscc.is_valid(wrong)
    response = world.client("staff").post(
        "/registry/enterprises/new/",
        {"name": "甲", "credit_code": wrong, "size": "small"},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 200
    assert "check character" in response.content.decode()
    assert not Enterprise.objects.filter(name="甲").exists()


def test_short_code_and_duplicate_code_are_refused_in_chinese(world):
    client = world.client("staff")
    short = client.post(
        "/registry/enterprises/new/", {"name": "甲", "credit_code": "9133", "size": "small"}
    )
    assert "18" in short.content.decode()
    dup = client.post(
        "/registry/enterprises/new/",
        {"name": "乙", "credit_code": world.enterprise_a.credit_code, "size": "small"},
    )
    assert "已有企业使用此信用代码" in dup.content.decode()
    assert Enterprise.objects.filter(credit_code=world.enterprise_a.credit_code).count() == 1


def test_officer_edits_own_enterprise_only(world):
    officer = world.client("officer_a")
    response = officer.post(
        f"/registry/enterprises/{world.enterprise_a.pk}/edit/",
        {
            "name": world.enterprise_a.name,
            "credit_code": world.enterprise_a.credit_code,
            "size": "large",
            "address": "大港五路 8 号",
        },
    )
    assert response.status_code == 302
    world.enterprise_a.refresh_from_db()
    assert world.enterprise_a.address == "大港五路 8 号"
    other = officer.get(f"/registry/enterprises/{world.enterprise_b.pk}/edit/")
    assert other.status_code == 404
    code_change = officer.post(
        f"/registry/enterprises/{world.enterprise_a.pk}/edit/",
        {"name": "x", "credit_code": new_code(), "size": "large"},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert "Only community staff" in code_change.content.decode()


def test_sites_workshops_and_shifts(world):
    client = world.client("officer_a")
    url = f"/registry/enterprises/{world.enterprise_a.pk}/parts/"
    client.post(url, {"kind": "workshop", "name": "注塑车间"})
    client.post(url, {"kind": "workshop", "name": "注塑车间"})  # twice: refused the second time
    client.post(url, {"kind": "shift", "name": "早班", "starts": "08:00", "ends": "16:00"})
    client.post(url, {"kind": "shift", "name": "夜班"})  # no times: refused
    assert Workshop.objects.filter(enterprise=world.enterprise_a).count() == 1
    assert list(
        Shift.objects.filter(enterprise=world.enterprise_a).values_list("name", flat=True)
    ) == ["早班"]
    page = client.get(f"/registry/enterprises/{world.enterprise_a.pk}/").content.decode()
    assert "注塑车间" in page
    workshop = Workshop.objects.get(enterprise=world.enterprise_a)
    assert (
        world.client("officer_b")
        .post(f"/registry/enterprises/{world.enterprise_a.pk}/parts/workshop/{workshop.pk}/remove/")
        .status_code
        == 404
    )
    client.post(
        f"/registry/enterprises/{world.enterprise_a.pk}/parts/workshop/{workshop.pk}/remove/"
    )
    assert not Workshop.objects.filter(pk=workshop.pk).exists()


def test_enterprise_pages_refuse_strangers(world):
    pk = world.enterprise_a.pk
    assert_refused(
        world,
        f"/registry/enterprises/{pk}/",
        allowed={Role.LEADER, Role.STAFF, Role.OFFICER},
        allowed_personas={"leader", "staff", "officer_a"},
    )
    assert_refused(
        world,
        f"/registry/enterprises/{pk}/edit/",
        allowed={Role.STAFF, Role.OFFICER},
        allowed_personas={"staff", "officer_a"},
    )
    assert_refused(world, "/registry/enterprises/new/", allowed={Role.STAFF}, marker="never-shown")


def test_api_create_and_patch(world):
    staff = world.client("staff")
    created = staff.post(
        "/api/v1/enterprises",
        json.dumps({"name": "宁波甬江电子有限公司", "credit_code": new_code()}),
        content_type="application/json",
    )
    assert created.status_code == 201
    pk = created.json()["id"]
    patched = staff.patch(
        f"/api/v1/enterprises/{pk}",
        json.dumps({"industry": "电子"}),
        content_type="application/json",
    )
    assert patched.json()["industry"] == "电子"
    bad = staff.post(
        "/api/v1/enterprises",
        json.dumps({"name": "x", "credit_code": "123"}),
        content_type="application/json",
    )
    assert bad.status_code == 400
    assert "credit_code" in bad.json()["error"]["fields"]
    assert (
        world.client("officer_a")
        .post(
            "/api/v1/enterprises",
            json.dumps({"name": "x", "credit_code": new_code()}),
            content_type="application/json",
        )
        .status_code
        == 403
    )
    assert (
        world.client("officer_b")
        .patch(
            f"/api/v1/enterprises/{world.enterprise_a.pk}",
            json.dumps({"industry": "x"}),
            content_type="application/json",
        )
        .status_code
        == 404
    )
